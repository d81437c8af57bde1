"""Likert scoring, construct scores, shifts, gaps, group comparisons, face distributions, kappa."""

import math

import numpy as np
import pandas as pd
import pytest

from culturebench.benchmarks.selfconcept.face import between_models, category_counts, category_shares
from culturebench.benchmarks.selfconcept.likert import generated_score_row, likert_score_row
from culturebench.benchmarks.selfconcept.metrics import (
    construct_scores,
    group_comparisons,
    report_behavior_gap,
    variant_shifts,
)
from culturebench.stats import benjamini_hochberg, cohens_d, weighted_kappa

DOC = {"id": "x", "bank": "self_construal", "construct": "independent", "facet": "f", "variant": "formal",
       "lang": "en", "reversed": False}  # fmt: skip


def test_likert_row_from_digit_logprobs():
    logliks = np.log([0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.0] + np.full(7, 1e-12))
    row = likert_score_row(DOC, list(logliks))
    assert row["expected"] == pytest.approx(5.5, abs=1e-6)
    assert row["argmax"] in (5, 6)
    assert row["entropy"] == pytest.approx(1.0, abs=1e-6)  # two equal choices: one bit
    reversed_row = likert_score_row({**DOC, "reversed": True}, list(logliks))
    assert reversed_row["score"] == pytest.approx(8 - 5.5, abs=1e-6)
    with pytest.raises(ValueError, match="7 log-likelihoods"):
        likert_score_row(DOC, [0.0] * 5)


def test_generated_row_keeps_refusals_and_reverses_scores():
    assert generated_score_row(DOC, "I can't rate that.")["status"] == "refusal"
    assert generated_score_row(DOC, "I can't rate that.")["score"] is None
    assert generated_score_row({**DOC, "reversed": True}, "2")["score"] == 6.0


def _rows(values: dict[tuple[str, str, str], list[float]]) -> pd.DataFrame:
    """(variant, construct, id) -> scores of repeated rows."""
    return pd.DataFrame([{"variant": v, "construct": c, "id": i, "score": s, "status": "ok"}
                         for (v, c, i), scores in values.items() for s in scores])  # fmt: skip


def test_construct_scores_average_items_then_constructs():
    rows = _rows({("formal", "independent", "a"): [6, 4], ("formal", "independent", "b"): [3],
                  ("formal", "interdependent", "c"): [2], ("formal", "interdependent", "d"): [4]})  # fmt: skip
    scores = construct_scores(rows, ("independent", "interdependent"), n_boot=200)["formal"]
    assert scores["independent"]["value"] == pytest.approx(4.0)  # item means 5 and 3, not row mean 13/3
    assert scores["interdependent"]["value"] == pytest.approx(3.0)
    assert scores["composite"]["value"] == pytest.approx(1.0)
    assert scores["independent"]["n"] == 2
    assert scores["independent"]["ci_low"] <= 4.0 <= scores["independent"]["ci_high"]


def test_variant_shift_is_paired_on_items():
    rows = _rows({("formal", "sycophancy", "a"): [2], ("formal", "sycophancy", "b"): [6],
                  ("casual", "sycophancy", "a"): [3], ("casual", "sycophancy", "b"): [7]})  # fmt: skip
    shift = variant_shifts(rows, ("sycophancy",), n_boot=200)["casual"]["sycophancy"]
    assert shift["value"] == pytest.approx(1.0)
    assert shift["ci_low"] == pytest.approx(1.0) and shift["ci_high"] == pytest.approx(1.0)  # same shift everywhere


def test_behavior_minus_selfreport():
    said = _rows({("formal", "deference", "s1"): [2], ("formal", "deference", "s2"): [4]})
    did = _rows({("formal", "deference", "b1"): [5], ("formal", "deference", "b2"): [7]})
    gap = report_behavior_gap(said, did, ("deference",), n_boot=100)["formal"]["deference"]
    assert gap["value"] == pytest.approx(3.0)


def test_group_comparison_matches_hand_computation():
    table = pd.DataFrame({"x": [1.0, 2.0, 5.0, 6.0]}, index=["e1", "e2", "w1", "w2"])
    groups = {"e1": "eastern", "e2": "eastern", "w1": "western", "w2": "western"}
    row = group_comparisons(table, groups, ["x"]).iloc[0]
    assert row["difference"] == pytest.approx(-4.0)
    assert row["cohens_d"] == pytest.approx(-4.0 / math.sqrt(0.5))  # pooled sd sqrt(0.5)
    assert row["u_stat"] == 0.0 and row["n_eastern"] == 2


def test_benjamini_hochberg_and_cohens_d():
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.5]).round(4).tolist() == [0.04, 0.0533, 0.0533, 0.5]
    assert math.isnan(cohens_d([1.0], [2.0, 3.0]))


def test_weighted_kappa():
    assert weighted_kappa([1, 2, 3], [1, 2, 3], range(1, 8)) == pytest.approx(1.0)
    assert weighted_kappa([1, 2, 3, 4], [2, 3, 4, 5], range(1, 8)) == pytest.approx(0.7142857, abs=1e-6)
    # unweighted on categories: observed 2/3, chance 4/9 -> (2/3 - 4/9) / (5/9) = 0.4
    assert weighted_kappa(["a", "b", "a"], ["a", "b", "b"], ["a", "b"], weights="none") == pytest.approx(0.4)
    with pytest.raises(ValueError, match="not one of the categories"):
        weighted_kappa([9], [1], range(1, 8))


def _verdicts(styles: list[str], ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"id": ids, "style": styles, "face_concern": "self", "status": "ok", "construct": "insulted"})


def test_face_shares_and_between_models():
    a = _verdicts(["dominating", "dominating", "integrating", "avoiding"], ["i1", "i2", "i3", "i4"])
    shares = category_shares(a, "style", n_boot=300)
    assert shares["dominating"]["value"] == pytest.approx(0.5)
    assert shares["neglect"]["value"] == 0.0 and shares["dominating"]["n"] == 4
    assert 0.0 <= shares["dominating"]["ci_low"] <= 0.5 <= shares["dominating"]["ci_high"] <= 1.0
    b = _verdicts(["obliging"] * 4, ["i1", "i2", "i3", "i4"])
    test = between_models({"m1": category_counts(a, "style"), "m2": category_counts(b, "style")})
    assert test["p"] < 0.2 and test["dof"] == 3  # four categories used
    assert "undefined" in between_models({"m1": category_counts(a, "style")})


def test_failed_verdicts_are_counted_not_dropped(tmp_path):
    from culturebench.benchmarks.selfconcept.report import selfconcept_metrics

    failed = {"bank": "safety_behavior", "id": "bv-syc-01", "variant": "formal", "construct": "sycophancy",
              "facet": "x", "status": "failed", "error": "invalid verdict"}  # fmt: skip
    metrics = selfconcept_metrics(pd.DataFrame(), [failed, {**failed, "id": "bv-syc-02"}], tmp_path, n_boot=10)
    assert metrics["safety_behavior"]["status"] == {"formal": {"failed": 2}}
    assert metrics["safety_behavior"]["scores"] == {}


def _failed(bank: str, item: str, construct: str) -> dict:
    """A failed verdict as the judge records it: no score, face concern or style at all."""
    return {"bank": bank, "id": item, "variant": "formal", "construct": construct, "facet": "x", "status": "failed",
            "error": "invalid verdict after 3 tries", "calls": 3}  # fmt: skip


def test_face_metrics_when_every_verdict_failed():
    from culturebench.benchmarks.selfconcept.face import face_metrics

    verdicts = pd.DataFrame([_failed("face_negotiation", f"fn-{i}", "insulted") for i in range(3)])
    assert category_counts(verdicts, "style")["integrating"] == 0
    assert category_shares(verdicts, "face_concern", n_boot=10)["mutual"] == {
        "value": None, "ci_low": None, "ci_high": None, "n": 0,
    }  # fmt: skip
    metrics = face_metrics(verdicts, n_boot=10)
    assert metrics["judged"] == 0 and metrics["failed"] == 3
    assert set(metrics["counts"]["face_concern"].values()) == {0}
    assert metrics["style"]["insulted"]["neglect"]["value"] is None


def test_sections_without_a_valid_verdict_say_so_and_the_others_are_reported(tmp_path):
    from culturebench.benchmarks.selfconcept.report import selfconcept_markdown, selfconcept_metrics

    face_ok = {**_failed("face_negotiation", "fn-ok", "insulted"), "status": "ok", "face_concern": "mutual",
               "style": "integrating", "error": ""}  # fmt: skip
    verdicts = [_failed("face_negotiation", f"fn-{i}", "insulted") for i in range(3)]
    verdicts += [_failed("safety_behavior", f"bv-{i}", "sycophancy") for i in range(2)]
    metrics = selfconcept_metrics(pd.DataFrame(), verdicts, tmp_path, n_boot=10)
    assert metrics["face_negotiation"]["failed"] == 3
    text = "\n".join(selfconcept_markdown(metrics, {}))
    face = text.split("### Face negotiation")[1]
    assert "No valid verdicts" in face and "3 failed" in face and "| style |" not in face
    behaviour = text.split("### Observed behaviour (judged)")[1].split("###")[0]
    assert "No valid verdicts" in behaviour and "2 failed" in behaviour
    # one valid face verdict: its table is back, the empty behaviour section still says so
    text = "\n".join(selfconcept_markdown(selfconcept_metrics(pd.DataFrame(), [*verdicts, face_ok], tmp_path, 10), {}))
    assert "| integrating | 1.00" in text.split("### Face negotiation")[1]
