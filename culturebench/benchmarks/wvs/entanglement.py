"""Latent entanglement (seed 002, §4.2, Eq. 5): how far steering one axis drags the other.

    E = |shift on the untargeted axis| / |shift on the targeted axis|

0 is a clean, orthogonal intervention; 1 or more means the side effect is as large as the intended
one. Shifts are paired: the same dilemmas scored unsteered and steered, the difference per dilemma.

Scales:
- `map` (default, the seed's "coordinate change"): the shift of each axis in map units through the
  shipped `shares` projector's AXIS-ONLY fit, each axis from its own five items. The full fit reads
  all ten items for each axis, so it would report entanglement for a shift confined to the targeted
  items (a property of the projector, not of the model).
- `p`: the mean change of p(positive) over each axis' items (each item weighs the same).

The CI resamples dilemmas within each map item (as `metrics.dilemma_position` does). When the
targeted shift's CI includes 0 (or, without bootstrap, the shift is 0) the ratio is "undefined",
with the reason, not a division by noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from culturebench.benchmarks.wvs.map import AXES, AXIS_ITEMS, shipped_projector
from culturebench.stats import DEFAULT_N_BOOT, DEFAULT_SEED, percentile_interval

SCALES: tuple[str, ...] = ("map", "p")


def other_axis(axis: str) -> str:
    if axis not in AXES:
        raise ValueError(f"unknown axis {axis!r}; valid: {', '.join(AXES)}")
    return next(a for a in AXES if a != axis)


def axis_weights(axis: str, scale: str) -> dict[str, float]:
    """Shift of `axis` per unit change of p(positive) on each of its items."""
    if scale == "p":
        return {i: 1.0 / len(AXIS_ITEMS[axis]) for i in AXIS_ITEMS[axis]}
    if scale == "map":
        weights = shipped_projector("shares").axis_only[axis].weights
        # The projector reads Y003 as its -2..2 index, 4p - 2: a change of p moves it four times as much.
        return {f.removeprefix("share_"): float(w) * (4.0 if f == "Y003" else 1.0) for f, w in weights.items()}
    raise ValueError(f"unknown scale {scale!r}; valid: {', '.join(SCALES)}")


def paired_shifts(base: pd.DataFrame, steered: pd.DataFrame) -> pd.DataFrame:
    """item_id, item, delta = steered - unsteered p(positive) of the dilemmas scored both ways."""
    for name, frame in (("base", base), ("steered", steered)):
        missing = {"item_id", "item", "p_positive"} - set(frame.columns)
        if missing:
            raise ValueError(f"{name} rows lack {sorted(missing)}")
    merged = base[["item_id", "item", "p_positive"]].merge(
        steered[["item_id", "p_positive"]], on="item_id", suffixes=("_base", "_steered"), validate="one_to_one"
    )
    merged["delta"] = merged["p_positive_steered"] - merged["p_positive_base"]
    return merged[["item_id", "item", "delta"]]


def _shift_fn(weights: dict[str, float]) -> Callable[[dict[str, np.ndarray]], float]:
    def shift(deltas: dict[str, np.ndarray]) -> float:
        return float(sum(w * deltas[i].mean() for i, w in weights.items()))

    return shift


def _interval(draws: np.ndarray) -> tuple[float, float]:
    draws = draws[np.isfinite(draws)]
    if len(draws) == 0:
        return math.nan, math.nan
    low, high = percentile_interval(draws)
    return float(low), float(high)


def entanglement_ratio(
    base: pd.DataFrame,
    steered: pd.DataFrame,
    target_axis: str,
    scale: str = "map",
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
) -> dict:
    """E = |untargeted shift| / |targeted shift| with a bootstrap CI over dilemmas, or `undefined` and why.

    base, steered: order-averaged rows (item_id, item, p_positive) of the same dilemmas, e.g. from
    `search.steered_scores` at alpha = 0 and at the chosen alpha.
    """
    untargeted_axis = other_axis(target_axis)
    shifts = paired_shifts(base, steered)
    by_item = {i: g["delta"].to_numpy(dtype=float) for i, g in shifts.groupby("item")}
    weights = {a: axis_weights(a, scale) for a in AXES}
    out: dict = {
        "targeted_axis": target_axis,
        "untargeted_axis": untargeted_axis,
        "scale": scale,
        "n_dilemmas": int(len(shifts)),
    }
    needed = [i for a in AXES for i in weights[a] if i not in by_item]
    if needed:
        return {**out, "undefined": f"no dilemmas scored both ways for items {needed}"}
    targeted_fn, untargeted_fn = _shift_fn(weights[target_axis]), _shift_fn(weights[untargeted_axis])
    t, u = targeted_fn(by_item), untargeted_fn(by_item)
    out["targeted_shift"] = {"value": t, "ci_low": math.nan, "ci_high": math.nan}
    out["untargeted_shift"] = {"value": u, "ci_low": math.nan, "ci_high": math.nan}
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        draws = []
        for _ in range(n_boot):
            sample = {i: v[rng.integers(0, len(v), size=len(v))] for i, v in by_item.items()}
            draws.append((targeted_fn(sample), untargeted_fn(sample)))
        td, ud = np.array(draws).T
        out["targeted_shift"].update(zip(("ci_low", "ci_high"), _interval(td)))
        out["untargeted_shift"].update(zip(("ci_low", "ci_high"), _interval(ud)))
        low, high = out["targeted_shift"]["ci_low"], out["targeted_shift"]["ci_high"]
        if t == 0 or (low <= 0 <= high):
            return {
                **out,
                "undefined": f"the targeted shift on {target_axis} ({t:.4g}, 95% CI [{low:.4g}, "
                f"{high:.4g}]) is not distinguishable from zero",
            }
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio_draws = np.where(td != 0, np.abs(ud) / np.abs(td), np.nan)
        out["ci_low"], out["ci_high"] = _interval(ratio_draws)
    elif t == 0:
        return {**out, "undefined": f"the targeted shift on {target_axis} is zero"}
    else:
        out["ci_low"], out["ci_high"] = math.nan, math.nan
    out["ratio"] = abs(u) / abs(t)
    return out
