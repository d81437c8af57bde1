"""Choice scoring shared by every benchmark: answer probabilities and the two option orders.

Every scored prompt is read from the log-probabilities of its answer tokens at the answer position
(letters A/B or A-J, digits 1-5 or 1-7), in one forward pass: lm-eval groups the continuations
because they differ only in their last token. `choice_probabilities` is the one softmax over them.

Binary items are asked in both option orders: an item's value is the mean over the AB and BA
orders, which cancels a pure position preference, and the position bias is the mean
|p_AB - p_BA| that was cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from culturebench.stats import DEFAULT_N_BOOT, DEFAULT_SEED, Estimate, bootstrap


def choice_probabilities(logliks: Sequence[float], n_choices: int | None = None) -> np.ndarray:
    """Softmax over the choices' log-likelihoods (stable for very negative values).

    n_choices: how many choices the caller expects (5 digits, 7 digits...); a different count is an error.
    """
    ll = np.asarray(logliks, dtype=float)
    if ll.ndim != 1 or len(ll) < 2 or not np.all(np.isfinite(ll)):
        raise ValueError(f"need two or more finite log-likelihoods, got {list(logliks)}")
    if n_choices is not None and len(ll) != n_choices:
        raise ValueError(f"need {n_choices} log-likelihoods, got {len(ll)}")
    e = np.exp(ll - ll.max())
    return e / e.sum()


def combine_orders(rows: pd.DataFrame, value: str) -> pd.DataFrame:
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


def both_orders(combined: pd.DataFrame) -> pd.Series:
    """Which rows of `combine_orders` were seen in both option orders: a one-order value carries that letter's
    bias, so it is never compared with an order-averaged one."""
    return combined[["p_ab", "p_ba"]].notna().all(axis=1)


def on_common_items(
    rows: pd.DataFrame, within: str, compared: pd.Series, item: str = "item_id", unit: str = "country"
) -> pd.DataFrame:
    """`rows` (`combine_orders` output), with the `compared` ones restricted, within each `within` group, to the
    items every unit answered in both orders.

    Units (countries) are compared on the same items only: a run cut short by lm-eval's --limit, which
    takes documents in item-major order, reaches the first countries with one item more than the rest
    (and the last country it reaches with one order of it), and item effects would then line up with the
    registry order. Rows outside `compared` are kept.
    """
    usable = ~compared | both_orders(rows)  # a unit reached in one order only is a unit not reached there
    rows, compared = rows[usable], compared[usable]
    keep = ~compared
    for _, block in rows[compared].groupby(within):
        per_item = block.groupby(item)[unit].nunique()
        complete = per_item.index[per_item == block[unit].nunique()]
        keep |= rows.index.isin(block.index[block[item].isin(complete)])
    return rows[keep]
