"""Face-negotiation metrics: which face concern and conflict style replies show, and whether models differ.

A reply's category comes from the judge. Shares are over a model's judged replies (items x
variants); the bootstrap resamples items (all variants of an item together), so the interval
reflects the scenario sample. Models are compared with a chi-square test of independence on the
model x category counts (one row per model), reported with the smallest expected count, since the
test is unreliable below about 5.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as sps

from culturebench.benchmarks.selfconcept.behavior import CONFLICT_STYLES, FACE_CONCERNS
from culturebench.stats import DEFAULT_N_BOOT, DEFAULT_SEED, percentile_interval

FACE_FIELDS: dict[str, tuple[str, ...]] = {"face_concern": FACE_CONCERNS, "style": CONFLICT_STYLES}


def category_shares(
    verdicts: pd.DataFrame, field: str, n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED
) -> dict[str, dict]:
    """{category: {value, ci_low, ci_high, n}}: share of judged replies in each category, items bootstrapped."""
    cats = FACE_FIELDS[field]
    ok = _judged(verdicts, field)
    if ok.empty:
        return {c: {"value": None, "ci_low": None, "ci_high": None, "n": 0} for c in cats}
    counts = pd.crosstab(ok["id"], ok[field]).reindex(columns=list(cats), fill_value=0)
    totals = counts.to_numpy(dtype=float)
    n = int(totals.sum())
    if n == 0:
        return {c: {"value": None, "ci_low": None, "ci_high": None, "n": 0} for c in cats}
    point = totals.sum(axis=0) / n
    low = high = np.full(len(cats), math.nan)
    if n_boot and len(totals) > 1:
        rng = np.random.default_rng(seed)
        draws = totals[rng.integers(0, len(totals), size=(n_boot, len(totals)))].sum(axis=1)
        shares = draws / draws.sum(axis=1, keepdims=True)
        low, high = percentile_interval(shares, axis=0)
    return {c: {"value": float(point[i]), "ci_low": _f(low[i]), "ci_high": _f(high[i]), "n": n}
            for i, c in enumerate(cats)}  # fmt: skip


def _judged(verdicts: pd.DataFrame, field: str) -> pd.DataFrame:
    """The valid verdicts (status ok) with a value of `field`; none when every verdict failed (no such column)."""
    if field not in verdicts.columns:
        return verdicts.iloc[0:0]
    return verdicts[(verdicts["status"] == "ok") & verdicts[field].notna()]


def _f(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def face_metrics(verdicts: pd.DataFrame, n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED) -> dict:
    """Distributions over face concerns and styles, overall and per challenge type, plus the failure count.

    With no valid verdict (every one failed) the counts are zero and the shares undefined (None).
    """
    out: dict = {"judged": int((verdicts["status"] == "ok").sum()), "failed": int((verdicts["status"] != "ok").sum())}
    out["counts"] = {field: category_counts(verdicts, field) for field in FACE_FIELDS}
    for field in FACE_FIELDS:
        out[field] = {"overall": category_shares(verdicts, field, n_boot, seed)}
        for challenge, block in verdicts.groupby("construct"):
            out[field][str(challenge)] = category_shares(block, field, n_boot, seed)
    return out


def category_counts(verdicts: pd.DataFrame, field: str) -> dict[str, int]:
    """Judged replies per category of `field` (every category present, zeros included)."""
    judged = _judged(verdicts, field)
    ok = judged[field].value_counts() if not judged.empty else pd.Series(dtype=int)
    return {c: int(ok.get(c, 0)) for c in FACE_FIELDS[field]}


def between_models(counts_by_model: dict[str, dict[str, int]]) -> dict:
    """Chi-square test that models share one distribution over categories (counts per model)."""
    table = pd.DataFrame(counts_by_model).T.fillna(0)
    table = table.loc[:, table.sum(axis=0) > 0]
    if len(table) < 2 or table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return {"undefined": "needs two or more models with judged replies in two or more categories"}
    chi2, p, dof, expected = sps.chi2_contingency(table.to_numpy())
    return {"chi2": float(chi2), "p": float(p), "dof": int(dof), "min_expected": float(expected.min()),
            "counts": {m: {c: int(n) for c, n in row.items()} for m, row in table.iterrows()}}  # fmt: skip
