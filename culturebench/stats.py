"""Statistics shared by every benchmark: bootstrap intervals and correlations across countries."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats as sps

DEFAULT_N_BOOT = 2000
DEFAULT_SEED = 0
CI_LEVEL = 0.95


@dataclass(frozen=True)
class Estimate:
    """A statistic with its bootstrap percentile interval and sample size."""

    value: float
    ci_low: float
    ci_high: float
    n: int

    def to_dict(self) -> dict:
        return {k: _clean(v) for k, v in asdict(self).items()}


def _clean(v: float | int | None) -> float | int | None:
    """JSON-friendly: NaN becomes None."""
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def bootstrap(
    values: Sequence[float] | np.ndarray,
    statistic: Callable[[np.ndarray], float] = np.mean,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
) -> Estimate:
    """Percentile bootstrap of `statistic` over the first axis of `values` (items, countries...)."""
    arr = np.asarray(values, dtype=float)
    n = len(arr)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    point = float(statistic(arr))
    if n == 1:
        return Estimate(point, math.nan, math.nan, 1)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    draws = np.array([statistic(arr[i]) for i in idx], dtype=float)
    draws = draws[~np.isnan(draws)]
    if len(draws) == 0:
        return Estimate(point, math.nan, math.nan, n)
    alpha = (1 - CI_LEVEL) / 2
    low, high = np.quantile(draws, [alpha, 1 - alpha])
    return Estimate(point, float(low), float(high), n)


@dataclass(frozen=True)
class Correlation:
    """Pearson and Spearman correlation over n points (one per country), or why it is undefined."""

    n: int
    pearson_r: float = math.nan
    pearson_p: float = math.nan
    pearson_ci_low: float = math.nan
    pearson_ci_high: float = math.nan
    spearman_rho: float = math.nan
    spearman_p: float = math.nan
    undefined: str | None = None

    def to_dict(self) -> dict:
        return {k: _clean(v) for k, v in asdict(self).items()}


def _constant(values: np.ndarray) -> bool:
    """Constant up to floating-point noise (which would otherwise give a meaningless r)."""
    return bool(np.ptp(values) <= 1e-9 * max(1.0, float(np.abs(values).max())))


def _pearson_only(xy: np.ndarray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def correlate(
    x: Sequence[float], y: Sequence[float], n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED
) -> Correlation:
    """Correlation between paired values; constant input gives `undefined`, not a crash or a NaN warning."""
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xa.shape != ya.shape:
        raise ValueError(f"correlate needs paired values, got {xa.shape} and {ya.shape}")
    n = len(xa)
    if n < 3:
        return Correlation(n=n, undefined=f"needs at least 3 points, got {n}")
    if _constant(xa):
        return Correlation(n=n, undefined="ground truth is constant")
    if _constant(ya):
        return Correlation(n=n, undefined="model values are constant (same answer for every country)")
    r, p = sps.pearsonr(xa, ya)
    rho, p_s = sps.spearmanr(xa, ya)
    ci = bootstrap(np.column_stack([xa, ya]), _pearson_only, n_boot=n_boot, seed=seed)
    return Correlation(
        n=n,
        pearson_r=float(r),
        pearson_p=float(p),
        pearson_ci_low=ci.ci_low,
        pearson_ci_high=ci.ci_high,
        spearman_rho=float(rho),
        spearman_p=float(p_s),
    )
