import math

import numpy as np
import pandas as pd
import pytest

from culturebench.benchmarks.vsm.metrics import (
    FORMULAS,
    country_scores,
    country_truth,
    global_average,
    index_half_range,
    raw_indices,
    scores,
    vsm_metrics,
)
from culturebench.benchmarks.vsm.survey import ITEM_IDS, VSM_COUNTRIES

NEUTRAL = dict.fromkeys(ITEM_IDS, 3.0)


def test_index_formulas_on_a_hand_worked_answer_set():
    answers = {**NEUTRAL, "m02": 1, "m07": 4, "m20": 2, "m23": 5, "m01": 2, "m04": 1, "m06": 1, "m09": 3,
               "m03": 2, "m05": 1, "m08": 2, "m10": 4, "m15": 4, "m18": 2, "m21": 2, "m24": 3,
               "m13": 1, "m14": 2, "m19": 2, "m22": 1, "m11": 1, "m12": 3, "m16": 2, "m17": 4}  # fmt: skip
    raw = raw_indices(answers)
    assert raw["PDI"] == 35 * (4 - 1) + 25 * (2 - 5)  # 105 - 75 = 30
    assert raw["IDV"] == 35 * (1 - 2) + 35 * (3 - 1)  # -35 + 70 = 35
    assert raw["MAS"] == 35 * (1 - 2) + 35 * (2 - 4)  # -35 - 70 = -105
    assert raw["UAI"] == 40 * (2 - 4) + 25 * (2 - 3)  # -80 - 25 = -105
    assert raw["LTO"] == 40 * (1 - 2) + 25 * (2 - 1)  # -40 + 25 = -15
    assert raw["IVR"] == 35 * (3 - 1) + 40 * (4 - 2)  # 70 + 80 = 150
    s = scores(raw)
    assert s["PDI"] == pytest.approx(100 * (30 + 240) / 480)
    assert s["IVR"] == pytest.approx(100 * (150 + 300) / 600)
    assert scores(raw, constants=dict.fromkeys(raw, 20.0))["MAS"] == -85


def test_m20_runs_from_never_to_always():
    # m20 = 5 means subordinates are *always* afraid to contradict: more power distance, not less.
    assert raw_indices({**NEUTRAL, "m20": 5})["PDI"] > raw_indices({**NEUTRAL, "m20": 1})["PDI"]
    assert raw_indices({**NEUTRAL, "m20": 5})["PDI"] == 50


def test_neutral_answers_sit_mid_scale_and_ranges_are_exact():
    assert all(v == 50 for v in scores(raw_indices(NEUTRAL)).values())
    extreme = raw_indices({**NEUTRAL, "m07": 5, "m02": 1, "m20": 5, "m23": 1})
    assert extreme["PDI"] == index_half_range("PDI") == 240
    with pytest.raises(ValueError, match="m07"):
        raw_indices({k: v for k, v in NEUTRAL.items() if k != "m07"})


def _answers_for(target: dict[str, float]) -> dict[str, float]:
    """Expected codes whose 0-100 scores are `target`: m_plus = 3 + x, m_minus = 3 - x on both terms."""
    answers = dict(NEUTRAL)
    for dim, s in target.items():
        raw = (s / 100) * 2 * index_half_range(dim) - index_half_range(dim)
        x = raw / sum(2 * w for w, _, _ in FORMULAS[dim])
        for _, plus, minus in FORMULAS[dim]:
            answers[plus], answers[minus] = 3 + x, 3 - x
    return answers


def _distribution(expected: float) -> np.ndarray:
    """Two adjacent codes mixed to give the expected code exactly."""
    low = min(int(math.floor(expected)), 4)
    p = np.zeros(5)
    p[low - 1], p[low] = low + 1 - expected, expected - low
    return p


def _rows(answers_by_country: dict[str, dict[str, float]], condition: str = "aligned") -> pd.DataFrame:
    return pd.DataFrame([
        {"item_id": i, "country": c, "lang": "en", "condition": condition, "probs": list(_distribution(v))}
        for c, answers in answers_by_country.items() for i, v in answers.items()
    ])  # fmt: skip


def test_respondent_built_from_ground_truth_recovers_it_and_is_unbounded():
    truths = {c: {d: v for d, v in country_truth(c).items() if 0 <= v <= 100} for c in VSM_COUNTRIES}
    m = vsm_metrics(_rows({c: _answers_for(t) for c, t in truths.items()}), n_boot=50)["conditions"]["aligned"]
    assert len(m["countries"]) == 20
    for c, t in truths.items():
        got = m["countries"][c]["scores"]
        for d, v in t.items():
            assert got[d]["score"] == pytest.approx(v, abs=1e-9), (c, d)
        if set(t) == set(country_truth(c)):  # every published score lies in 0..100
            assert m["countries"][c]["deviation_ratio"] == math.inf  # perfect: divides by zero, no error
    assert m["deviation_ratio"]["n_unbounded"] >= 15


def test_global_average_respondent_has_deviation_ratio_exactly_one():
    average = global_average(list(VSM_COUNTRIES))
    m = vsm_metrics(_rows(dict.fromkeys(VSM_COUNTRIES, _answers_for(average))), n_boot=0)["conditions"]["aligned"]
    for c, entry in m["countries"].items():
        assert entry["deviation_ratio"] == pytest.approx(1.0, abs=1e-12), c
    assert m["deviation_ratio"]["mean"] == pytest.approx(1.0, abs=1e-12)
    for d, b in m["by_dimension"].items():
        assert b["spread_ratio"] == pytest.approx(0.0, abs=1e-9), d  # every country answered alike


def test_missing_ground_truth_is_left_out_not_guessed():
    assert set(country_truth("EG")) == {"LTO", "IVR"}  # the 2015 table has only these for Egypt
    assert set(country_truth("US")) == {"PDI", "IDV", "MAS", "UAI", "LTO", "IVR"}


def test_one_prompt_has_a_spread_but_no_ci():
    dists = {i: np.array([0.1, 0.2, 0.4, 0.2, 0.1]) for i in ITEM_IDS}
    out = country_scores(dists, n_boot=300)
    for d, v in out.items():
        assert v["spread_low"] < v["score"] < v["spread_high"], d
        assert v["score"] == pytest.approx(50.0)
        assert math.isnan(v["ci_low"]) and math.isnan(v["ci_high"])


def test_ci_over_prompt_languages_is_zero_width_when_languages_agree_and_wide_when_not():
    same = {i: np.array([0.1, 0.2, 0.4, 0.2, 0.1]) for i in ITEM_IDS}
    agree = country_scores(same, n_boot=300, by_language={"en": same, "zh": same, "fr": same})
    assert all(v["ci_low"] == pytest.approx(v["score"]) == pytest.approx(v["ci_high"]) for v in agree.values())
    low = {i: np.array([0.6, 0.2, 0.1, 0.05, 0.05]) for i in ITEM_IDS}
    high = {i: (np.array([0.05, 0.05, 0.1, 0.2, 0.6]) if i in ("m07", "m20") else low[i]) for i in ITEM_IDS}
    langs = {f"l{k}": (low if k % 2 else high) for k in range(10)}
    mean = {i: np.mean([langs[k][i] for k in langs], axis=0) for i in ITEM_IDS}
    pdi = country_scores(mean, n_boot=500, by_language=langs)["PDI"]
    assert pdi["ci_low"] < pdi["score"] < pdi["ci_high"] and pdi["ci_high"] - pdi["ci_low"] > 10


def _all_condition_rows(answers_of) -> pd.DataFrame:
    """Rows of the all-language condition; answers_of(country, lang) gives expected codes per item."""
    from culturebench.benchmarks.vsm.survey import condition_blocks

    return pd.DataFrame([
        {"item_id": i, "country": c, "lang": lang, "condition": "all", "probs": list(_distribution(v))}
        for c, lang in condition_blocks("all") for i, v in answers_of(c, lang).items()
    ])  # fmt: skip


def test_language_groups_and_external_factors():
    truths = {c: {d: min(v, 100) for d, v in country_truth(c).items()} for c in VSM_COUNTRIES}
    average = global_average(list(VSM_COUNTRIES))
    # Perfect in English, the global average in Chinese, halfway in the other languages.
    halfway = {c: {d: (truths[c].get(d, average[d]) + average[d]) / 2 for d in average} for c in VSM_COUNTRIES}

    def answers_of(country, lang):
        if lang == "en":
            return _answers_for({**average, **truths[country]})
        return _answers_for(average if lang == "zh" else halfway[country])

    m = vsm_metrics(_all_condition_rows(answers_of), n_boot=0)
    groups = m["language_groups"]
    assert groups["zh"]["deviation_ratio"]["mean"] == pytest.approx(1.0)
    assert groups["other"]["deviation_ratio"]["mean"] == pytest.approx(2.0, rel=0.2)
    assert groups["en"]["deviation_ratio"]["n_unbounded"] >= 15  # exact except scores above 100
    assert set(groups["en"]["countries"]) == set(VSM_COUNTRIES)
    factors = m["conditions"]["all"]["external_factors"]
    assert factors["gdp_usd_millions_2020"]["n"] == 19  # Tanzania has no sourced GDP
    assert factors["web_content_share_pct_2022"]["n"] == 16  # four languages below the table's floor
