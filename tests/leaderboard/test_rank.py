"""Rankings: known answers from the oracle and letter-only runs, ties from overlapping CIs, filters, stale runs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from culturebench.benchmarks.selfconcept import BENCHMARK as SELFCONCEPT
from culturebench.benchmarks.selfconcept.metrics import BEHAVIOR_SUFFIX, COMPOSITE
from culturebench.leaderboard.collect import TABLE_FILE
from culturebench.leaderboard.rank import METHOD, OVERALL, rank_metric, ranking, size_bin
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
