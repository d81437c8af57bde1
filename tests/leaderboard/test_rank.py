"""Rankings: known answers from the oracle and letter-only runs, ties from overlapping CIs, filters, stale runs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from culturebench.benchmarks.selfconcept import BENCHMARK as SELFCONCEPT
from culturebench.benchmarks.selfconcept.metrics import BEHAVIOR_SUFFIX, COMPOSITE
from culturebench.leaderboard.collect import TABLE_COLUMNS, TABLE_FILE
from culturebench.leaderboard.rank import METHOD, OVERALL, position_scores, rank_metric, ranking, size_bin
from culturebench.variants import REFERENCE_VARIANT


def _rows(values: list[tuple[str, float | None, float | None, float | None]], higher: bool = True) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "run": run,
                "value": v if v is not None else math.nan,
                "ci_low": lo,
                "ci_high": hi,
                "higher_is_better": higher,
            }
            for run, v, lo, hi in values
        ]  # fmt: skip
    )


def test_ties_follow_overlap_with_the_group_leader():
    ranked = rank_metric(
        _rows(
            [
                ("c", 0.5, 0.4, 0.6),
                ("a", 0.9, 0.8, 1.0),
                ("nan", None, None, None),
                ("b", 0.85, 0.7, 0.95),
                ("d", 0.45, 0.3, 0.55),
            ]
        )  # fmt: skip
    )
    assert list(ranked["run"]) == ["a", "b", "c", "d", "nan"]
    # b overlaps the leader a: tied at 1; c does not: leads group 3; d overlaps c (not a): tied at 3
    assert list(ranked["rank"])[:4] == [1, 1, 3, 3] and ranked["rank"].iloc[4] is None
    assert list(ranked["tied"]) == [True, True, True, True, False]
    # chained overlap does not chain groups: e overlaps f, f overlaps g, g does not overlap e
    chain = rank_metric(_rows([("e", 1.0, 0.9, 1.1), ("f", 0.85, 0.75, 0.95), ("g", 0.7, 0.6, 0.8)]))
    assert list(chain["rank"]) == [1, 1, 3]


def test_lower_is_better_and_no_ci_ties_only_on_equal_values():
    ranked = rank_metric(_rows([("x", 3.0, None, None), ("y", 1.0, None, None), ("z", 1.0, None, None)], False))
    assert list(ranked["run"]) == ["y", "z", "x"] and list(ranked["rank"]) == [1, 1, 3]


def test_oracle_first_letter_only_last_with_cis_shown(board):
    table = pd.read_parquet(board / TABLE_FILE)
    overall = ranking(table, OVERALL).set_index("model")
    # the synthetic VSM answers are pseudo-random, so overall only the letter-only run's place is known
    assert overall["rank"].iloc[-1] == "3" and overall.index[-1] == "org/letter-only"
    assert overall.loc["org/oracle", "hofstede"] == 1.0 and overall.loc["org/letter-only", "hofstede"] == 0.0
    assert (overall["benchmarks"] == 3).all()
    hof = ranking(table, "hofstede")
    assert list(hof["model"]) == ["org/oracle", "Qwen/Qwen2.5-7B-Instruct", "org/letter-only"]
    oracle, letter = hof.iloc[0], hof.iloc[-1]
    for dim in ("PDI", "IDV", "MAS", "UAI", "LTO", "IVR"):
        cell = oracle[f"alignment_r_{dim}"]
        assert cell.endswith("(#1)") and " [" in cell  # first, alone, with its CI
        r = table[(table["model"] == "org/oracle") & (table["metric"] == f"alignment_r_{dim}")].iloc[0]
        assert r["value"] > 0.99 and r["ci_low"] > 0.9 and r["ci_high"] >= r["value"]
        assert letter[f"alignment_r_{dim}"] == "undefined"
    assert letter["score"] == 0.0 and hof["rank"].iloc[-1] == "3"
    # descriptive numbers are shown, not ranked
    wvs = ranking(table, "wvs")
    assert "position_trad_secular" in wvs and "(#" not in "".join(wvs["position_trad_secular"])
    assert "Ties" in METHOD or "tie" in METHOD


def test_only_numbers_a_benchmark_marks_descriptive_go_unranked(board):
    table = pd.read_parquet(board / TABLE_FILE)
    assert not table.loc[table["metric"].str.startswith("position_"), "ranked"].any()  # wvs marks them
    assert table.loc[table["benchmark"] == "hofstede", "ranked"].all()
    marked = table.assign(ranked=table["ranked"] & (table["metric"] != "alignment_r_IDV"))
    hof = ranking(marked, "hofstede")
    assert "(#" not in "".join(hof["alignment_r_IDV"]) and hof["alignment_r_PDI"].iloc[0].endswith("(#1)")
    unranked = table.assign(ranked=table["ranked"] & (table["benchmark"] != "hofstede"))
    assert "hofstede" not in ranking(unranked, OVERALL)  # no ranked number left: no benchmark score


def test_the_self_construal_composite_is_marked_descriptive():
    estimate = {"value": 0.5, "ci_low": 0.1, "ci_high": 0.9, "n": 10}
    section = {"scored": {"self_construal": {"scores": {REFERENCE_VARIANT: {COMPOSITE: estimate}}}},
               "behavior_minus_selfreport": {REFERENCE_VARIANT: {"honesty": estimate}}}  # fmt: skip
    headline = SELFCONCEPT.headline(section)
    assert headline[f"self_construal_{COMPOSITE}"]["ranked"] is False
    assert "ranked" not in headline[f"gap_honesty{BEHAVIOR_SUFFIX}"]


def test_filters_rerank_among_the_models_kept(board):
    table = pd.read_parquet(board / TABLE_FILE)
    cn = ranking(table, OVERALL, origins=["CN"])
    assert list(cn["model"]) == ["Qwen/Qwen2.5-7B-Instruct"] and cn.loc[0, "rank"] == "1"
    assert cn.loc[0, "organisation"] == "Alibaba" and cn.loc[0, "size"] == "under 10B"
    assert list(ranking(table, OVERALL, sizes=["unknown"])["model"]) == ["org/oracle", "org/letter-only"]
    assert ranking(table, OVERALL, organisations=["Nobody"]).empty


def test_runs_on_other_dataset_versions_are_shown_but_not_ranked(board):
    table = pd.read_parquet(board / TABLE_FILE)
    oracle = table["model"] == "org/oracle"
    table.loc[oracle, "current_datasets"] = False
    table.loc[oracle, "stale_datasets"] = "hofstede_dilemmas"
    overall = ranking(table, OVERALL)
    assert overall.iloc[0]["model"] == "Qwen/Qwen2.5-7B-Instruct"
    stale = overall[overall["model"] == "org/oracle"].iloc[0]
    assert stale["rank"] == "" and stale["datasets"].startswith("OTHER VERSIONS")
    hof = ranking(table, "hofstede")
    assert "(#" not in hof[hof["model"] == "org/oracle"].iloc[0]["alignment_r_IDV"]


@pytest.mark.parametrize(
    ("params", "label"), [(None, "unknown"), (7.0, "under 10B"), (72, "10-100B"), (1750, "100B and over")]
)
def test_size_bins(params, label):
    assert size_bin(params) == label


def _table(values: dict[tuple[str, str], dict[str, float | None]], higher: bool = True) -> pd.DataFrame:
    """A results table from {(benchmark, metric): {run: value}}: no CIs, current and complete runs."""
    rows = [{"run": run, "entry": f"org__{run}", "model": f"org/{run}", "benchmark": bench, "metric": metric,
             "value": math.nan if v is None else v, "ci_low": None, "ci_high": None, "n": 10,
             "higher_is_better": higher, "ranked": True, "current_datasets": True, "stale_datasets": "",
             "complete": True, "incomplete": "", "culturebench_version": "0"}
            for (bench, metric), by_run in values.items() for run, v in by_run.items()]  # fmt: skip
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def test_permuted_equal_scores_share_a_rank():
    # 11 runs, three benchmarks: a scores 0.1, 0.2, 0.3 and b 0.3, 0.2, 0.1, whose float means differ in the last bit
    fillers = [f"f{i}" for i in range(9)]
    order = {"b1": fillers[:7] + ["b", "f7", "a", "f8"], "b2": fillers[:8] + ["a", "b", "f8"],
             "b3": fillers[:7] + ["a", "f7", "b", "f8"]}  # fmt: skip
    values = {}
    for bench, runs in order.items():
        values[(bench, "m")] = {run: float(100 - k) for k, run in enumerate(runs)}
    values[("b2", "m")]["b"] = values[("b2", "m")]["a"]  # a and b tie at rank 9 of b2
    table = _table(values)
    means = position_scores(table).groupby(["run", "benchmark"])["score"].mean().unstack().mean(axis=1)
    assert means["a"] != means["b"] and means["a"] == pytest.approx(means["b"])  # the noise is really there
    for rows in (table, table.sample(frac=1, random_state=3)):
        overall = ranking(rows, OVERALL).set_index("model")
        assert overall.loc["org/a", "rank"] == overall.loc["org/b", "rank"]
    noisy = _rows([("p", 0.1 + 0.2, None, None), ("q", 0.3, None, None), ("r", 0.2, None, None)])
    assert list(rank_metric(noisy)["rank"]) == [1, 1, 3]


def test_a_lone_undefined_number_scores_last_not_first():
    table = _table({("hofstede", "r_IDV"): {"a": None}, ("hofstede", "r_PDI"): {"a": 0.5}})
    scores = position_scores(table).set_index("metric")["score"]
    assert scores["r_IDV"] == 0.0 and scores["r_PDI"] == 1.0
    assert ranking(table, OVERALL).loc[0, "hofstede"] == 0.5


def test_a_partial_run_is_ranked_per_metric_but_never_narrows_the_others_scores():
    full = {("hofstede", "r_IDV"): {"a": 0.9, "b": 0.1}, ("hofstede", "r_PDI"): {"a": 0.1, "b": 0.9}}
    assert list(ranking(_table(full), "hofstede")["score"]) == [0.5, 0.5]  # both metrics count: a tie
    partial = _table({**full, ("hofstede", "r_IDV"): {"a": 0.9, "p": 0.5, "b": 0.1}})  # p ran IDV only
    hof = ranking(partial, "hofstede").set_index("model")
    assert hof.loc[["org/a", "org/b"], "score"].tolist() == [0.5, 0.5]  # as without p
    assert math.isnan(hof.loc["org/p", "score"]) and hof.loc["org/p", "rank"] == ""
    assert hof.loc["org/p", "coverage"] == "PARTIAL: 1 of 2 metrics" and hof.loc["org/a", "coverage"] == ""
    assert hof.loc["org/p", "r_IDV"].endswith("(#2)")  # the metric it has is still ranked and shown
    assert hof.loc["org/b", "r_PDI"].endswith("(#1)")
    overall = ranking(partial, OVERALL).set_index("model")
    assert overall.loc["org/p", "benchmarks"] == 0 and overall.loc["org/a", "hofstede"] == 0.5
    # sets that differ otherwise (another version added a metric, another lost one) meet on what they share
    versions = _table({("hofstede", "r_IDV"): {"a": 0.9, "b": 0.1}, ("hofstede", "r_PDI"): {"a": 0.1},
                       ("hofstede", "r_MAS"): {"b": 0.5}})  # fmt: skip
    assert ranking(versions, "hofstede").set_index("model")["score"].to_dict() == {"org/a": 1.0, "org/b": 0.0}
    newer = partial.copy()  # p is a newer version's run: its set is not "part" of an older version's
    newer.loc[newer["run"] == "p", "culturebench_version"] = "1"
    scores = ranking(newer, "hofstede").set_index("model")["score"].to_dict()
    assert scores == {"org/a": 1.0, "org/p": 0.5, "org/b": 0.0}  # all three on the metric they share
    assert "partial" in METHOD and "share" in METHOD


def test_runs_that_disagree_on_the_direction_are_refused_naming_the_metric():
    table = _table({("vsm", "deviation_ratio_all"): {"a": 1.0, "b": 2.0}})
    table.loc[table["run"] == "b", "higher_is_better"] = False
    with pytest.raises(ValueError, match="vsm/deviation_ratio_all: runs disagree on higher_is_better"):
        ranking(table, OVERALL)
