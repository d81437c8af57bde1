"""A respondent with item effects and noise but no country effect must not look aligned with the countries.

Seed-001-style designs compare countries on shares; when a run is cut short (lm-eval's --limit takes
documents in item-major order), the first countries get one item more than the rest, item effects line
up with the registry order and pass for alignment. The metrics compare countries on common items, and
the alignment test then rejects at its nominal rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from culturebench.benchmarks.hofstede.documents import hofstede_documents
from culturebench.benchmarks.hofstede.metrics import ROW_COLUMNS, common_items, country_shares, dimension_alignment
from culturebench.countries import DEFAULT_GROUND_TRUTH
from culturebench.scoring import combine_orders

pytestmark = pytest.mark.slow  # a few hundred simulated respondents (about 30 s)

DIM = "IDV"
RESPONDENTS = 300
ALPHA = 0.05
DOCS = pd.DataFrame(hofstede_documents(DIM, "basic"))


def _null_rows(rng: np.random.Generator, limit: int | None) -> pd.DataFrame:
    """Score rows of a null respondent: logit p(high) = item effect + letter preference + noise, no country term."""
    docs = DOCS if limit is None else DOCS.iloc[:limit]
    items = docs["item_id"].unique()
    effect = dict(zip(items, rng.normal(0, 1.5, size=len(items))))
    letter = np.where(docs["order"] == "AB", 0.3, -0.3) * np.where(docs["high_index"] == 0, 1, -1)
    logit = docs["item_id"].map(effect).to_numpy() + letter + rng.normal(0, 0.5, size=len(docs))
    rows = docs[[c for c in ROW_COLUMNS if c != "p_high"]].assign(p_high=1 / (1 + np.exp(-logit)))
    return rows


def _p_values(limit: int | None, compare_common: bool, n: int = RESPONDENTS) -> np.ndarray:
    rng = np.random.default_rng(2026)
    out = []
    for _ in range(n):
        combined = combine_orders(_null_rows(rng, limit), "p_high")
        if compare_common:
            combined = common_items(combined)
        a = dimension_alignment(country_shares(combined, n_boot=0), DIM, DEFAULT_GROUND_TRUTH, n_boot=0)
        out.append(a["pearson_p"])
    return np.asarray(out, dtype=float)


def _bound(n: int) -> float:
    return ALPHA + 3 * np.sqrt(ALPHA * (1 - ALPHA) / n)  # nominal rate plus three Monte Carlo standard errors


@pytest.mark.parametrize("limit", [None, 220], ids=["full", "limit-220"])
def test_null_respondent_rejects_at_the_nominal_rate(limit):
    p = _p_values(limit, compare_common=True)
    assert np.isfinite(p).all()
    assert np.mean(p < ALPHA) <= _bound(len(p))


def test_without_common_items_a_limited_run_makes_significance_out_of_nothing():
    """The check above can fail: comparing countries on unequal items rejects far above the nominal rate."""
    p = _p_values(220, compare_common=False, n=100)
    assert np.mean(p < ALPHA) > 2 * _bound(len(p))


def test_permutation_p_is_calibrated_too():
    rng = np.random.default_rng(7)
    rejections = []
    for _ in range(60):
        combined = common_items(combine_orders(_null_rows(rng, 220), "p_high"))
        a = dimension_alignment(country_shares(combined, n_boot=0), DIM, DEFAULT_GROUND_TRUTH, n_boot=199)
        rejections.append(a["permutation_p"] < ALPHA)
    assert np.mean(rejections) <= _bound(60)
