"""Binary (two-option) items: p(pole) from answer-letter log-probabilities, both option orders.

Each prompt is scored by the log-probability of the letters "A" and "B" at the answer position
(one forward pass: lm-eval groups the two continuations because they differ only in the last
token). p(option) is the softmax over the two letters; p(high) of an item is the mean over the
AB and BA orders, which cancels a pure position preference, and the position bias is the mean
|p_AB - p_BA| that was cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from culturebench.stats import DEFAULT_N_BOOT, DEFAULT_SEED, Estimate, bootstrap

ROW_COLUMNS: tuple[str, ...] = ("item_id", "dimension", "domain", "country", "order", "p_high")
NO_PERSONA = "none"


def choice_probabilities(logliks: Sequence[float]) -> np.ndarray:
    """Softmax over the choices' log-likelihoods (stable for very negative values)."""
    ll = np.asarray(logliks, dtype=float)
    if ll.ndim != 1 or len(ll) < 2 or not np.all(np.isfinite(ll)):
        raise ValueError(f"need two or more finite log-likelihoods, got {list(logliks)}")
    e = np.exp(ll - ll.max())
    return e / e.sum()


def p_high(logliks: Sequence[float], high_index: int) -> float:
    """Probability of the high-pole option among the two shown."""
    return float(choice_probabilities(logliks)[high_index])


def score_row(doc: dict, logliks: Sequence[float]) -> dict:
    """The score row (ROW_COLUMNS + persona) of one scored document; lm-eval and the report share it."""
    row = {k: doc[k] for k in ROW_COLUMNS if k != "p_high"}
    row["persona"] = doc["persona"]
    row["p_high"] = p_high(logliks, int(doc["high_index"]))
    return row


def combine_orders(rows: pd.DataFrame, value: str = "p_high") -> pd.DataFrame:
    """One row per prompt without its order: p_ab, p_ba, their mean (under `value`) and |p_ab - p_ba|.

    Rows are grouped by every column but `order` and `value` (item, country, ...). An item seen in
    only one order (e.g. under --limit) keeps that order's value and has no order gap.
    """
    for column in ("order", value):
        if column not in rows.columns:
            raise ValueError(f"score rows lack column {column!r}")
    keys = [c for c in rows.columns if c not in ("order", value)]
    wide = rows.pivot_table(index=keys, columns="order", values=value, aggfunc="mean")
    wide = wide.reindex(columns=["AB", "BA"])
    out = wide.rename(columns={"AB": "p_ab", "BA": "p_ba"}).reset_index()
    out.columns.name = None
    out[value] = out[["p_ab", "p_ba"]].mean(axis=1)
    out["order_gap"] = (out["p_ab"] - out["p_ba"]).abs()
    return out


def position_bias(combined: pd.DataFrame, n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED) -> Estimate:
    """Mean |p_AB - p_BA| over item x country pairs seen in both orders: 0 = none, 1 = letter only."""
    gaps = combined["order_gap"].dropna().to_numpy()
    return bootstrap(gaps, n_boot=n_boot, seed=seed)
