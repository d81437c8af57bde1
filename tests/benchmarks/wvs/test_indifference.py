"""A respondent with no leaning is placed where it lands, shown, and flagged, never read as a society."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from culturebench.benchmarks.wvs.documents import direct_questions, wvs_dilemmas
from culturebench.benchmarks.wvs.metrics import indifference_point, scale_middle_point, wvs_metrics


def test_indifference_is_not_the_origin():
    point = indifference_point()
    assert point["surv_selfexp"] == pytest.approx(1.69, abs=0.05)  # beside the United States and Uruguay
    assert point["trad_secular"] == pytest.approx(-0.06, abs=0.05)
    middle = scale_middle_point(direct_questions())
    assert np.hypot(middle["surv_selfexp"], middle["trad_secular"]) > 0.5


def _rows(p_positive: float, countries: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for item in wvs_dilemmas("eval"):
        for country in countries:
            persona = "none" if country == "none" else "basic"
            for order in ("AB", "BA"):
                p = float(np.clip(p_positive + rng.normal(0, 0.02), 0, 1))
                rows.append({"item_id": item["id"], "item": item["item"], "domain": item["domain"],
                             "country": country, "persona": persona, "order": order, "p_positive": p})  # fmt: skip
    return pd.DataFrame(rows)


def test_a_respondent_at_chance_is_flagged_and_a_leaning_one_is_not():
    at_chance = wvs_metrics(_rows(0.5, ["none"]), pd.DataFrame(), n_boot=200)
    pos = at_chance["conditions"]["none:none"]["scenario"]
    assert pos["includes_indifference"] is True and pos["distance_to_indifference"] < 0.05
    assert at_chance["indifference"]["scenario"]["surv_selfexp"] == pytest.approx(indifference_point()["surv_selfexp"])
    leaning = wvs_metrics(_rows(0.85, ["none"]), pd.DataFrame(), n_boot=200)["conditions"]["none:none"]["scenario"]
    assert leaning["includes_indifference"] is False and leaning["distance_to_indifference"] > 0.5


def test_persona_countries_are_compared_on_common_dilemmas():
    rows = _rows(0.6, ["US", "IN", "MX"])
    cut = rows[~((rows["country"] == "MX") & (rows["item_id"] == rows["item_id"].iloc[0]))]  # MX misses one
    metrics = wvs_metrics(cut, pd.DataFrame(), n_boot=0)
    assert metrics["dilemmas_compared"]["basic"]["dropped"] == [rows["item_id"].iloc[0]]
    n = {c: metrics["conditions"][f"basic:{c}"]["scenario"]["n_dilemmas"] for c in ("US", "IN", "MX")}
    assert len(set(n.values())) == 1
