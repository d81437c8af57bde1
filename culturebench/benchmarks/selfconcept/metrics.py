"""Self-concept metrics of seed 000: construct scores, self-report vs behaviour, variant stability,
and the across-model group comparisons and correlations.

Every construct score is the mean over the construct's items of the item mean (over repeated
rows of the item, e.g. trials or judge repeats), as seed 000 computed it; the bootstrap resamples
items. The composite is independent - interdependent. Scores use `score` (1-7, already on the
construct's direction), so reverse keying is applied once, at the row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import stats as sps

from culturebench.stats import (
    DEFAULT_N_BOOT,
    DEFAULT_SEED,
    benjamini_hochberg,
    bootstrap,
    cohens_d,
    correlate,
    difference_bootstrap,
)
from culturebench.variants import REFERENCE_VARIANT

COMPOSITE = "composite"
BEHAVIOR_SUFFIX = "_bv"  # outcome name of a construct's judged behaviour, as seed 000's tables
EASTERN_ORIGINS = frozenset({"CN", "JP", "KR", "TW", "HK", "SG"})
WESTERN_ORIGINS = frozenset({"US", "CA", "GB", "FR", "DE", "IT", "ES", "NL", "CH", "SE", "AU", "IE"})


def cultural_group(origin: str) -> str:
    """Seed 000's grouping of a model by its developer's country: eastern, western or other."""
    return "eastern" if origin in EASTERN_ORIGINS else "western" if origin in WESTERN_ORIGINS else "other"


def item_means(rows: pd.DataFrame, keys: Iterable[str] = ("variant", "construct", "id")) -> pd.DataFrame:
    """Mean `score` per item (and variant) over the rows that have one; unscored rows are left out here
    and counted by `status_counts`."""
    keys = list(keys)
    scored = rows.dropna(subset=["score"])
    return scored.groupby(keys, as_index=False)["score"].mean()


def status_counts(rows: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Rows per variant and parse/judge status (ok, refusal, unparseable, out_of_range, failed)."""
    if "status" not in rows.columns:
        return {}
    table = rows.groupby(["variant", "status"]).size()
    return {v: {s: int(n) for s, n in table[v].items()} for v in table.index.get_level_values(0).unique()}


def _per_construct(items: pd.DataFrame, constructs: tuple[str, ...], n_boot: int, seed: int) -> dict[str, dict]:
    """{construct: Estimate} of the mean item `value`, items bootstrapped; the composite for self-construal."""
    values = {c: items.loc[items["construct"] == c, "value"].to_numpy() for c in constructs}
    entry = {c: bootstrap(v, n_boot=n_boot, seed=seed).to_dict() for c, v in values.items()}
    if set(constructs) == {"independent", "interdependent"}:
        entry[COMPOSITE] = difference_bootstrap(
            values["independent"], values["interdependent"], n_boot=n_boot, seed=seed
        ).to_dict()
    return entry


def construct_scores(
    rows: pd.DataFrame, constructs: tuple[str, ...], n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED
) -> dict[str, dict[str, dict]]:
    """{variant: {construct: Estimate}} with a bootstrap over items; adds the composite for self-construal."""
    means = item_means(rows)
    out: dict[str, dict[str, dict]] = {}
    for variant, block in means.groupby("variant", sort=False):
        out[str(variant)] = _per_construct(block.rename(columns={"score": "value"}), constructs, n_boot, seed)
    return out


def variant_shifts(
    rows: pd.DataFrame, constructs: tuple[str, ...], n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED
) -> dict[str, dict[str, dict]]:
    """{variant: {construct: Estimate of mean(variant) - mean(formal)}} over items seen in both (paired)."""
    means = item_means(rows).pivot_table(index=["construct", "id"], columns="variant", values="score")
    if REFERENCE_VARIANT not in means.columns:
        return {}
    out: dict[str, dict[str, dict]] = {}
    for variant in means.columns:
        if variant == REFERENCE_VARIANT:
            continue
        diff = (means[variant] - means[REFERENCE_VARIANT]).dropna().rename("value").reset_index()
        out[str(variant)] = _per_construct(diff, constructs, n_boot, seed)
    return out


def report_behavior_gap(
    selfreport: pd.DataFrame,
    behavior: pd.DataFrame,
    constructs: tuple[str, ...],
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
) -> dict[str, dict[str, dict]]:
    """{variant: {construct: Estimate of behaviour - self-report}}: positive = acts more so than it says."""
    sr, bv = item_means(selfreport), item_means(behavior)
    out: dict[str, dict[str, dict]] = {}
    for variant in sorted(set(sr["variant"]) & set(bv["variant"])):
        out[variant] = {
            c: difference_bootstrap(
                bv.loc[(bv["variant"] == variant) & (bv["construct"] == c), "score"],
                sr.loc[(sr["variant"] == variant) & (sr["construct"] == c), "score"],
                n_boot=n_boot,
                seed=seed,
            ).to_dict()
            for c in constructs
        }
    return out


def model_means(rows: pd.DataFrame, outcome_of: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Model x outcome table of construct means (item mean, then mean over items), as seed 000's tables.

    `rows` has columns model, construct, id and score; `outcome_of` renames constructs (e.g. the
    behavioural `sycophancy` to `sycophancy_bv`). The composite is added when both self-construal
    constructs are present.
    """
    means = item_means(rows, keys=("model", "construct", "id"))
    table = means.groupby(["model", "construct"])["score"].mean().unstack("construct")
    if outcome_of:
        table = table.rename(columns=dict(outcome_of))
    if {"independent", "interdependent"} <= set(table.columns):
        table[COMPOSITE] = table["independent"] - table["interdependent"]
    table.columns.name = None
    return table


def outcome_table(selfreport: pd.DataFrame, behavior: pd.DataFrame | None = None) -> pd.DataFrame:
    """Model x outcome table: self-report construct means, and judged behaviour as `<construct>_bv`.

    Both frames have columns model, construct, id and score. This is the table seed 000's analyses
    start from; `culturebench compare` and the seed re-computation both build it here.
    """
    table = model_means(selfreport) if not selfreport.empty else pd.DataFrame()
    if behavior is not None and not behavior.empty:
        rename = {c: f"{c}{BEHAVIOR_SUFFIX}" for c in set(behavior["construct"])}
        table = table.join(model_means(behavior, outcome_of=rename), how="outer")
    return table


def group_comparisons(table: pd.DataFrame, groups: Mapping[str, str], outcomes: Iterable[str]) -> pd.DataFrame:
    """Eastern vs western models per outcome: means, difference, Cohen's d, Mann-Whitney U (two-sided),
    and Benjamini-Hochberg adjusted p over the outcomes. One point per model."""
    rows = []
    for outcome in outcomes:
        east = table.loc[[m for m in table.index if groups.get(m) == "eastern"], outcome].dropna().to_numpy()
        west = table.loc[[m for m in table.index if groups.get(m) == "western"], outcome].dropna().to_numpy()
        u, p = (sps.mannwhitneyu(east, west, alternative="two-sided") if len(east) and len(west)
                else (math.nan, math.nan))  # fmt: skip
        rows.append({
            "outcome": outcome, "eastern_mean": float(np.mean(east)) if len(east) else math.nan,
            "western_mean": float(np.mean(west)) if len(west) else math.nan,
            "cohens_d": cohens_d(east, west), "u_stat": float(u), "p_value": float(p),
            "n_eastern": len(east), "n_western": len(west),
        })  # fmt: skip
    out = pd.DataFrame(rows)
    out["difference"] = out["eastern_mean"] - out["western_mean"]
    out["p_adj_bh"] = benjamini_hochberg(out["p_value"].to_numpy()) if len(out) else []
    return out


def cross_correlations(
    table: pd.DataFrame, xs: Iterable[str], ys: Iterable[str], n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """Pearson and Spearman between every x and y outcome across models (n = models with both)."""
    rows = []
    for x in xs:
        for y in ys:
            pair = table[[x, y]].dropna()
            c = correlate(pair[x], pair[y], n_boot=n_boot, seed=seed, labels=(x, y))
            rows.append({"x": x, "y": y, **c.to_dict()})
    return pd.DataFrame(rows)


def rank_agreement(table: pd.DataFrame, constructs: Iterable[str], suffix: str = BEHAVIOR_SUFFIX) -> dict[str, dict]:
    """Per construct, how well models' self-reports rank them as their behaviour does (Spearman, n = models)."""
    out = {}
    for c in constructs:
        if c in table.columns and f"{c}{suffix}" in table.columns:
            pair = table[[c, f"{c}{suffix}"]].dropna()
            corr = correlate(pair[c], pair[f"{c}{suffix}"], n_boot=0, labels=("self-reports", "behaviour scores"))
            out[c] = {"spearman_rho": corr.to_dict()["spearman_rho"], "n": corr.n, "undefined": corr.undefined}
    return out
