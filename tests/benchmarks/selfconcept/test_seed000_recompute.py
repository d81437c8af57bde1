"""The library's self-concept metrics, applied to seed 000's raw outputs, give its published tables.

Recipe (reference README, section 5): keep successful trials with a parsed answer in 1..7; item
mean over trials; construct mean over item means; composite = independent - interdependent;
`_bv` columns are the judge's behavioural scores. analysis_4model comes from the round-2 casual
files of Qwen, Mistral and Yi plus Llama's file (the original formal runs were never published);
analysis_full from outputs_round2/combined.jsonl. Groups: eastern (Qwen, Yi) vs the rest.
"""

import pandas as pd
import pytest

from culturebench.benchmarks.selfconcept.metrics import cross_correlations, group_comparisons, outcome_table

SEED = "cultural-self-concept-llm"
FOUR_MODEL = [
    "outputs_round2/raw_results_qwen_casual.jsonl",
    "outputs_round2/raw_results_mistral_casual.jsonl",
    "outputs_round2/raw_results_yi_casual.jsonl",
    "outputs_llama/raw_results_llama_all.jsonl",
]
SAFETY = ["boundary_assertion", "deference", "sycophancy"]
SELF = ["composite_difference", "independent", "interdependent"]
TOL = 1e-3  # "to three decimals": the published tables round to 3-4 places


def _raw(reference, files: list[str]) -> pd.DataFrame:
    return pd.concat([pd.read_json(reference / SEED / f, lines=True) for f in files], ignore_index=True)


def _tables(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Model x outcome table the seed's analysis computed, through `outcome_table` (as `culturebench compare`)."""
    ok = raw[raw["success"] & raw["parsed_value"].between(1, 7)]
    selfreport = ok[ok["probe_type"] != "behavioral"]
    rows = selfreport.rename(columns={"model_display_name": "model", "item_id": "id", "parsed_value": "score"})
    judged = raw[(raw["probe_type"] == "behavioral") & raw.get("judge_score", pd.Series(dtype=float)).notna()]
    bv = judged.rename(columns={"model_display_name": "model", "item_id": "id", "judge_score": "score"})
    bv = bv.assign(construct=bv["construct"].str.replace("_behavioral", "", regex=False))
    keys = ["model", "construct", "id", "score"]
    table = outcome_table(rows[keys], bv[keys] if not judged.empty else None)
    table = table.rename(columns={"composite": "composite_difference"})
    groups = {m: ("eastern" if g == "eastern" else "western") for m, g in
              raw.groupby("model_display_name")["cultural_group"].first().items()}  # fmt: skip
    return table, groups


def _close(ours: pd.Series, published: pd.Series, what: str) -> None:
    diff = (ours.astype(float) - published.astype(float)).abs()
    assert (diff <= TOL).all(), f"{what}: ours {ours.round(4).tolist()} vs published {published.tolist()}"


def _check_scores(table: pd.DataFrame, folder) -> None:
    for name, columns in (("self_construal_scores.csv", ["independent", "interdependent", "composite_difference"]),
                          ("safety_behavior_scores.csv", None)):  # fmt: skip
        published = pd.read_csv(folder / name).set_index("model_display_name")
        columns = columns or [c for c in published.columns if c != "cultural_group"]
        for c in columns:
            _close(table.loc[published.index, c], published[c], f"{name} {c}")


def _check_correlations(table: pd.DataFrame, folder) -> int:
    published = pd.read_csv(folder / "correlations.csv")
    ours = cross_correlations(table, SELF, sorted(set(published["safety_var"])), n_boot=0).set_index(["x", "y"])
    for _, row in published.iterrows():
        mine = ours.loc[(row["self_construal_var"], row["safety_var"])]
        for col, pub in (("pearson_r", "pearson_r"), ("pearson_p", "pearson_p"),
                         ("spearman_rho", "spearman_rho"), ("spearman_p", "spearman_p")):  # fmt: skip
            assert abs(mine[col] - row[pub]) <= TOL, (row["self_construal_var"], row["safety_var"], col, mine[col])
        assert mine["n"] == row["n"]
    return len(published)


def test_analysis_4model_tables(reference):
    folder = reference / SEED / "analysis_4model"
    table, groups = _tables(_raw(reference, FOUR_MODEL))
    _check_scores(table, folder)
    assert _check_correlations(table, folder) == 9
    published = pd.read_csv(folder / "group_comparisons.csv").set_index("outcome")
    outcomes = list(published.index)
    ours = group_comparisons(table, groups, outcomes).set_index("outcome")
    for mine, pub in (("eastern_mean", "eastern_mean"), ("western_mean", "western_mean"), ("difference", "difference"),
                      ("cohens_d", "cohens_d"), ("u_stat", "u_stat"), ("p_value", "p_value"),
                      ("p_adj_bh", "p_adj_fdr")):  # fmt: skip
        _close(ours.loc[outcomes, mine], published[pub], f"group comparison {pub}")
    assert (ours.loc[outcomes, "n_eastern"] == published["n_eastern"]).all()


def test_analysis_full_tables(reference):
    folder = reference / SEED / "analysis_full"
    table, _ = _tables(_raw(reference, ["outputs_round2/combined.jsonl"]))
    _check_scores(table, folder)
    assert _check_correlations(table, folder) == 18


@pytest.mark.parametrize("value, expected", [("10", None), ("7", 7)])
def test_seed_parser_bug_is_fixed(value, expected):
    """Seed 000's parser read the first digit, so "10" counted as 1; ours rejects it as out of range."""
    from culturebench.benchmarks.selfconcept.parsing import parse_likert

    assert parse_likert(value).value == expected
