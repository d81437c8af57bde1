"""Statistics shared by every benchmark: bootstrap intervals and correlations across countries."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TypedDict

import numpy as np
from scipy import stats as sps

DEFAULT_N_BOOT = 2000
DEFAULT_SEED = 0
CI_LEVEL = 0.95


class EstimateDict(TypedDict):
    """An Estimate as metrics.json stores it (NaN becomes None)."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int


class CorrelationDict(TypedDict):
    """A Correlation as metrics.json stores it (NaN becomes None)."""

    n: int
    pearson_r: float | None
    pearson_p: float | None
    pearson_ci_low: float | None
    pearson_ci_high: float | None
    spearman_rho: float | None
    spearman_p: float | None
    permutation_p: float | None
    undefined: str | None


@dataclass(frozen=True)
class Estimate:
    """A statistic with its bootstrap percentile interval and sample size."""

    value: float
    ci_low: float
    ci_high: float
    n: int

    def to_dict(self) -> EstimateDict:
        return {k: _clean(v) for k, v in asdict(self).items()}  # type: ignore[return-value]


def _clean(v: float | int | None) -> float | int | None:
    """JSON-friendly: NaN becomes None."""
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def percentile_interval(draws: Sequence[float] | np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The CI_LEVEL percentile interval of bootstrap draws along `axis` (every CI in the project uses this)."""
    alpha = (1 - CI_LEVEL) / 2
    low, high = np.quantile(np.asarray(draws, dtype=float), [alpha, 1 - alpha], axis=axis)
    return low, high


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
    vectorised = _VECTORISED.get(statistic)
    if vectorised is not None and (statistic is not np.mean or arr.ndim == 1):
        draws = vectorised(arr[idx])
    else:
        draws = np.array([statistic(arr[i]) for i in idx], dtype=float)
    draws = draws[~np.isnan(draws)]
    if len(draws) == 0:
        return Estimate(point, math.nan, math.nan, n)
    low, high = percentile_interval(draws)
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
    permutation_p: float = math.nan  # two-sided, from shuffling y over the points (none assumed about the noise)
    undefined: str | None = None

    def to_dict(self) -> CorrelationDict:
        return {k: _clean(v) for k, v in asdict(self).items()}  # type: ignore[return-value]


def _constant(values: np.ndarray) -> bool:
    """Constant up to floating-point noise (which would otherwise give a meaningless r)."""
    return bool(np.ptp(values) <= 1e-9 * max(1.0, float(np.abs(values).max())))


def _pearson_only(xy: np.ndarray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def _mean_rows(samples: np.ndarray) -> np.ndarray:
    """np.mean of every resample at once (samples: n_boot x n)."""
    return samples.mean(axis=1)


def _pearson_rows(samples: np.ndarray) -> np.ndarray:
    """_pearson_only of every resample at once (samples: n_boot x n x 2); NaN where a side is constant."""
    x, y = samples[..., 0], samples[..., 1]
    dx, dy = x - x.mean(axis=1, keepdims=True), y - y.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (dx * dy).sum(axis=1) / np.sqrt((dx * dx).sum(axis=1) * (dy * dy).sum(axis=1))
    constant = (np.ptp(x, axis=1) == 0) | (np.ptp(y, axis=1) == 0)
    return np.where(constant, np.nan, np.clip(r, -1.0, 1.0))


# Statistics the bootstrap computes for all resamples at once (same draws, a Python loop less).
_VECTORISED: dict[Callable, Callable[[np.ndarray], np.ndarray]] = {np.mean: _mean_rows, _pearson_only: _pearson_rows}


def correlate(
    x: Sequence[float],
    y: Sequence[float],
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    labels: tuple[str, str] = ("ground truth", "model values"),
) -> Correlation:
    """Correlation between paired values; constant input gives `undefined` (naming `labels`), not a crash."""
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xa.shape != ya.shape:
        raise ValueError(f"correlate needs paired values, got {xa.shape} and {ya.shape}")
    n = len(xa)
    if n < 3:
        return Correlation(n=n, undefined=f"needs at least 3 points, got {n}")
    if _constant(xa):
        return Correlation(n=n, undefined=f"{labels[0]} is constant")
    if _constant(ya):
        return Correlation(n=n, undefined=f"{labels[1]} are constant")
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
        permutation_p=permutation_p(xa, ya, n_perm=n_boot, seed=seed),
    )


def permutation_p(x: np.ndarray, y: np.ndarray, n_perm: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED) -> float:
    """Two-sided permutation p of Pearson r: the share of shuffles of y with |r| at least the observed one.

    (1 + hits) / (1 + n_perm), so it is never 0; NaN with n_perm = 0. It assumes only that the points
    are exchangeable under the null, not normal noise, so it stays valid for a handful of countries.
    """
    if n_perm <= 0:
        return math.nan
    rng = np.random.default_rng(seed + 1)
    shuffled = rng.permuted(np.tile(np.asarray(y, dtype=float), (n_perm, 1)), axis=1)
    xs = np.broadcast_to(np.asarray(x, dtype=float), shuffled.shape)
    observed = abs(_pearson_rows(np.stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)], axis=-1)[None])[0])
    rs = np.abs(_pearson_rows(np.stack([xs, shuffled], axis=-1)))
    hits = int(np.sum(rs >= observed - 1e-12))
    return (1 + hits) / (1 + n_perm)


def difference_bootstrap(
    a: Sequence[float], b: Sequence[float], n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED
) -> Estimate:
    """mean(a) - mean(b) of two independent samples (e.g. two constructs' items), each resampled on its own."""
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(xa) == 0 or len(xb) == 0:
        return Estimate(math.nan, math.nan, math.nan, min(len(xa), len(xb)))
    point = float(xa.mean() - xb.mean())
    if len(xa) < 2 or len(xb) < 2 or n_boot == 0:
        return Estimate(point, math.nan, math.nan, min(len(xa), len(xb)))
    rng = np.random.default_rng(seed)
    da = xa[rng.integers(0, len(xa), size=(n_boot, len(xa)))].mean(axis=1)
    db = xb[rng.integers(0, len(xb), size=(n_boot, len(xb)))].mean(axis=1)
    low, high = percentile_interval(da - db)
    return Estimate(point, float(low), float(high), min(len(xa), len(xb)))


def cohens_d(a: Sequence[float], b: Sequence[float]) -> float:
    """(mean a - mean b) / pooled standard deviation (ddof = 1), as seed 000's group comparison."""
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(xa) < 2 or len(xb) < 2:
        return math.nan
    pooled = math.sqrt(((len(xa) - 1) * xa.var(ddof=1) + (len(xb) - 1) * xb.var(ddof=1)) / (len(xa) + len(xb) - 2))
    return float((xa.mean() - xb.mean()) / pooled) if pooled > 0 else math.nan


def benjamini_hochberg(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaN entries stay NaN and are not counted as tests)."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, math.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = sps.false_discovery_control(p[ok], method="bh")
    return out


def weighted_kappa(a: Sequence[int], b: Sequence[int], categories: Sequence[int], weights: str = "quadratic") -> float:
    """Cohen's kappa of two raters on ordered categories, weighted (linear | quadratic) or not ("none").

    1 = perfect agreement, 0 = chance; NaN when chance agreement is already perfect (one category).
    """
    index = {c: i for i, c in enumerate(categories)}
    k = len(categories)
    try:
        ia = np.array([index[x] for x in a])
        ib = np.array([index[x] for x in b])
    except KeyError as e:
        raise ValueError(f"rating {e.args[0]!r} is not one of the categories {list(categories)}") from None
    if len(ia) != len(ib) or len(ia) == 0:
        raise ValueError(f"weighted_kappa needs paired, non-empty ratings, got {len(ia)} and {len(ib)}")
    observed = np.zeros((k, k))
    np.add.at(observed, (ia, ib), 1)
    observed /= observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    i, j = np.indices((k, k))
    if weights == "quadratic":
        w = (i - j) ** 2 / max(1, (k - 1) ** 2)
    elif weights == "linear":
        w = np.abs(i - j) / max(1, k - 1)
    elif weights == "none":
        w = (i != j).astype(float)
    else:
        raise ValueError(f"unknown weights {weights!r}; valid: linear, quadratic, none")
    disagreement_expected = float((w * expected).sum())
    if disagreement_expected == 0:
        return math.nan
    return 1.0 - float((w * observed).sum()) / disagreement_expected
