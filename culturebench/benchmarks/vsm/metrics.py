"""VSM 2013 dimension indices, 0-100 scores, and alignment with the Hofstede ground truth (seed 003).

Index formulas: Hofstede & Minkov, Values Survey Module 2013 Manual (weights published there):

    PDI = 35(m07 - m02) + 25(m20 - m23) + C      IDV = 35(m04 - m01) + 35(m09 - m06) + C
    MAS = 35(m05 - m03) + 35(m08 - m10) + C      UAI = 40(m18 - m15) + 25(m21 - m24) + C
    LTO = 40(m13 - m14) + 25(m19 - m22) + C      IVR = 35(m12 - m11) + 40(m17 - m16) + C

m.. is the mean answer code (1-5) of an item. The raw index is the formula with C = 0. The
default 0-100 score maps each index's possible range linearly onto 0-100: with answers in 1..5
each difference lies in [-4, 4], so an index with weights w1, w2 spans +-4(w1 + w2) (PDI: +-240),
and score = 100 (raw + R) / (2R) with R = 4(w1 + w2). Passing `constants` instead gives the
manual's own convention, score = raw + C_d, with C_d chosen by the user (not clipped).

Answers come from the probabilities of the digits 1-5 at the answer position: the expected code
is used (the index is linear, so this equals the expected index). A score read this way has no
sampling error for one prompt; where a country is asked in several prompt languages (the `all`
condition) its CI bootstraps those languages. The scores of a respondent drawing one answer per item
from the distributions are reported apart, as the spread (how decided the model is).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TypedDict

import numpy as np
import pandas as pd

from culturebench.benchmarks.vsm.deviation import deviation_ratio, mean_abs_difference, ratio_or_unbounded
from culturebench.benchmarks.vsm.survey import ANSWER_DIGITS, ITEM_IDS, VSM_COUNTRIES
from culturebench.countries import DEFAULT_GROUND_TRUTH, external_factors, hofstede_scores
from culturebench.dimensions import DIMENSIONS
from culturebench.scoring import choice_probabilities
from culturebench.stats import DEFAULT_N_BOOT, DEFAULT_SEED, correlate, percentile_interval

# (weight, plus item, minus item) pairs per dimension; VSM 2013 Manual.
FORMULAS: dict[str, tuple[tuple[int, str, str], tuple[int, str, str]]] = {
    "PDI": ((35, "m07", "m02"), (25, "m20", "m23")),
    "IDV": ((35, "m04", "m01"), (35, "m09", "m06")),
    "MAS": ((35, "m05", "m03"), (35, "m08", "m10")),
    "UAI": ((40, "m18", "m15"), (25, "m21", "m24")),
    "LTO": ((40, "m13", "m14"), (25, "m19", "m22")),
    "IVR": ((35, "m12", "m11"), (40, "m17", "m16")),
}
CODES = np.arange(1, 6, dtype=float)


class CountryAlignment(TypedDict):
    """How far a country role's scores are from its ground truth, against how far the truth is from the average."""

    dimensions: list[str]
    difference: float
    deviation_from_average: float
    deviation_ratio: float  # inf: a perfect match
    deviation_ratio_by_dimension: dict[str, float]


class RatioSummary(TypedDict):
    """Mean of the finite deviation ratios, how many there were, and how many were unbounded."""

    mean: float
    n: int
    n_unbounded: int


def raw_indices(answers: Mapping[str, float]) -> dict[str, float]:
    """Raw index (C = 0) of every dimension from mean answer codes per item."""
    missing = sorted({i for terms in FORMULAS.values() for _, a, b in terms for i in (a, b)} - set(answers))
    if missing:
        raise ValueError(f"answers lack items {missing}")
    return {d: float(sum(w * (answers[a] - answers[b]) for w, a, b in terms)) for d, terms in FORMULAS.items()}


def index_half_range(dimension: str) -> float:
    """R: the raw index of a dimension lies in [-R, R] when every answer is in 1..5."""
    return 4.0 * sum(w for w, _, _ in FORMULAS[dimension])


def scores(raw: Mapping[str, float], constants: Mapping[str, float] | None = None) -> dict[str, float]:
    """0-100 scores (default linear range mapping) or, with constants, raw + C as in the manual."""
    if constants is not None:
        return {d: raw[d] + constants[d] for d in raw}
    return {d: 100.0 * (raw[d] + index_half_range(d)) / (2 * index_half_range(d)) for d in raw}


def vsm_score_row(doc: dict, logliks: list[float]) -> dict:
    """The score row of one answered survey document; lm-eval and the report share it."""
    probs = choice_probabilities(logliks, len(ANSWER_DIGITS))
    row = {k: doc[k] for k in ("item_id", "country", "lang", "condition")}
    return {**row, "probs": [float(p) for p in probs], "expected": float(probs @ CODES)}


def item_distributions(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per item, the mean answer distribution over the rows given (e.g. over prompt languages)."""
    return {
        item: np.mean(np.stack(group["probs"].map(np.asarray).to_list()), axis=0)
        for item, group in rows.groupby("item_id")
    }


def country_scores(
    dists: Mapping[str, np.ndarray],
    constants: Mapping[str, float] | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    by_language: Mapping[str, Mapping[str, np.ndarray]] | None = None,
) -> dict[str, dict]:
    """Per dimension: raw index, score (from expected codes), its CI, and the spread of a sampled respondent.

    - ci_low/ci_high: where a country is asked in several prompt languages (`by_language`, the `all`
      condition), a bootstrap over those languages: how much the score depends on the language asked.
      With one prompt the expected-code score has no sampling error, and the CI is None.
    - spread_low/spread_high: the scores of a respondent who answers each item once by drawing from its
      distribution (how decided the model is, not the uncertainty of the score).
    """
    expected = {item: float(p @ CODES) for item, p in dists.items()}
    raw = raw_indices(expected)
    point = scores(raw, constants)
    out = {d: {"raw": raw[d], "score": point[d], "ci_low": math.nan, "ci_high": math.nan,
               "spread_low": math.nan, "spread_high": math.nan} for d in raw}  # fmt: skip
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        draws = {item: rng.choice(CODES, size=n_boot, p=p) for item, p in dists.items()}
        boot = [scores(raw_indices({i: float(v[k]) for i, v in draws.items()}), constants) for k in range(n_boot)]
        for d in out:
            low, high = percentile_interval([b[d] for b in boot])
            out[d].update(spread_low=float(low), spread_high=float(high))
    if n_boot > 0 and by_language is not None and len(by_language) > 1:
        for d, (low, high) in _language_interval(by_language, constants, n_boot, seed).items():
            out[d].update(ci_low=low, ci_high=high)
    return out


def _language_interval(
    by_language: Mapping[str, Mapping[str, np.ndarray]], constants: Mapping[str, float] | None, n_boot: int, seed: int
) -> dict[str, tuple[float, float]]:
    """Percentile CI per dimension of the score over prompt languages resampled with replacement."""
    langs = sorted(by_language)
    expected = np.array([[float(by_language[lang][i] @ CODES) for i in ITEM_IDS] for lang in langs])
    rng = np.random.default_rng(seed + 1)
    picks = rng.integers(0, len(langs), size=(n_boot, len(langs)))
    means = expected[picks].mean(axis=1)  # n_boot x items: the expected code averaged over the drawn languages
    boot = [scores(raw_indices(dict(zip(ITEM_IDS, row))), constants) for row in means]
    return {d: tuple(float(x) for x in percentile_interval([b[d] for b in boot])) for d in boot[0]}


def global_average(countries: list[str], truth: str = DEFAULT_GROUND_TRUTH) -> dict[str, float]:
    """Mean ground-truth score per dimension over the countries studied (those with a score)."""
    out = {}
    for d in DIMENSIONS:
        have = hofstede_scores(d, truth)
        values = [have[c] for c in countries if c in have]
        if values:
            out[d] = float(np.mean(values))
    return out


def country_truth(country: str, truth: str = DEFAULT_GROUND_TRUTH) -> dict[str, float]:
    """The country's ground truth on the dimensions it has (missing ones are left out, never guessed)."""
    return {d: s[country] for d in DIMENSIONS if country in (s := hofstede_scores(d, truth))}


def alignment(model: Mapping[str, float], truth: Mapping[str, float], average: Mapping[str, float]) -> CountryAlignment:
    """Difference from ground truth, deviation of the ground truth from the average, and their ratio."""
    dims = [d for d in truth if d in model and d in average]
    gt = {d: truth[d] for d in dims}
    diff = mean_abs_difference({d: model[d] for d in dims}, gt)
    per_dim = {}
    for d in dims:
        per_dim[d] = ratio_or_unbounded(abs(gt[d] - average[d]), abs(model[d] - gt[d]))
    return {
        "dimensions": dims,
        "difference": diff,
        "deviation_from_average": mean_abs_difference({d: average[d] for d in dims}, gt),
        "deviation_ratio": deviation_ratio(gt, average, [diff]),
        "deviation_ratio_by_dimension": per_dim,
    }


def spread_ratio(model_scores: Mapping[str, float], truth_scores: Mapping[str, float]) -> float:
    """Std of the model's country scores over std of the ground truth's, same countries (< 1: pulled to the middle)."""
    common = [c for c in model_scores if c in truth_scores]
    if len(common) < 2:
        return math.nan
    gt_sd = float(np.std([truth_scores[c] for c in common]))
    return math.nan if gt_sd == 0 else float(np.std([model_scores[c] for c in common])) / gt_sd


def _mean_ratio(values: list[float]) -> RatioSummary:
    """Mean of finite deviation ratios, with how many were unbounded (a perfect match divides by zero)."""
    finite = [v for v in values if math.isfinite(v)]
    return {
        "mean": float(np.mean(finite)) if finite else math.nan,
        "n": len(values),
        "n_unbounded": len(values) - len(finite),
    }


def _condition_metrics(
    rows: pd.DataFrame,
    average: Mapping[str, float],
    constants: Mapping[str, float] | None,
    truth: str,
    n_boot: int,
    seed: int,
) -> dict:
    """Scores and alignment of every country role with all 24 items among the rows."""
    per_country, answers = {}, []
    for country in sorted(rows["country"].unique()):
        dists = item_distributions(rows[rows["country"] == country])
        if set(dists) != set(ITEM_IDS):
            continue  # under --limit a role may lack items; its indices are undefined
        block = rows[rows["country"] == country]
        by_language = {str(lang): item_distributions(g) for lang, g in block.groupby("lang")}
        by_language = {lang: d for lang, d in by_language.items() if set(d) == set(ITEM_IDS)}
        dims = country_scores(dists, constants, n_boot=n_boot, seed=seed, by_language=by_language)
        model = {d: v["score"] for d, v in dims.items()}
        gt = country_truth(country, truth)
        per_country[country] = {"scores": dims, "truth": gt, **alignment(model, gt, average)}
        answers += [
            {"country": country, "item_id": i, "expected": float(p @ CODES), "argmax": int(np.argmax(p)) + 1,
             "probs": [float(x) for x in p]}
            for i, p in sorted(dists.items())
        ]  # fmt: skip
    by_dim = {}
    for d in DIMENSIONS:
        ratios = [c["deviation_ratio_by_dimension"][d] for c in per_country.values() if d in c["truth"]]
        model_scores = {k: c["scores"][d]["score"] for k, c in per_country.items()}
        by_dim[d] = {
            "deviation_ratio": _mean_ratio(ratios),
            "spread_ratio": spread_ratio(model_scores, hofstede_scores(d, truth)),
            "model_mean": float(np.mean(list(model_scores.values()))) if model_scores else math.nan,
            "truth_mean": average.get(d, math.nan),
        }
    ratios = {c: v["deviation_ratio"] for c, v in per_country.items()}
    factors = {}
    for name, values in external_factors().items():
        pairs = [(ratios[c], values[c]) for c in ratios if c in values and math.isfinite(ratios[c])]
        factors[name] = correlate([r for r, _ in pairs], [v for _, v in pairs]).to_dict()
    return {
        "countries": per_country,
        "global_average": dict(average),
        "by_dimension": by_dim,
        "deviation_ratio": _mean_ratio(list(ratios.values())),
        "difference": float(np.mean([c["difference"] for c in per_country.values()])) if per_country else math.nan,
        "external_factors": factors,
        "answers": answers,
    }


LANGUAGE_GROUPS: dict[str, str] = {"en": "English", "zh": "Chinese", "other": "average of the other 18 languages"}


def vsm_metrics(
    rows: pd.DataFrame,
    constants: Mapping[str, float] | None = None,
    truth: str = DEFAULT_GROUND_TRUTH,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
) -> dict:
    """Every VSM metric from score rows (item_id, country, lang, condition, probs), per language condition.

    The global average is the mean ground truth over all 20 VSM countries, whatever subset a run
    covers. With the `all` condition, `language_groups` also splits its rows by prompt language
    (English, Chinese, the others), the view of seed 003's model-origin analysis (Figures 4-5).
    """
    average = global_average(list(VSM_COUNTRIES), truth)
    out: dict = {
        "ground_truth": truth,
        "score_scale": "raw + C" if constants else "range mapped to 0-100",
        "conditions": {
            condition: _condition_metrics(cond_rows, average, constants, truth, n_boot, seed)
            for condition, cond_rows in rows.groupby("condition", sort=False)
        },
    }
    all_rows = rows[rows["condition"] == "all"]
    if len(all_rows):
        group = all_rows["lang"].where(all_rows["lang"].isin(["en", "zh"]), "other")
        out["language_groups"] = {}
        for name in LANGUAGE_GROUPS:
            m = _condition_metrics(all_rows[group == name], average, constants, truth, 0, seed)
            out["language_groups"][name] = {
                "deviation_ratio": m["deviation_ratio"],
                "difference": m["difference"],
                "countries": {
                    c: {k: v[k] for k in ("deviation_ratio", "difference")} for c, v in m["countries"].items()
                },
            }
    return out
