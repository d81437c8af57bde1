"""Hofstede advice dilemmas: how a model's pole choice tracks the persona country's scores.

Definitions (seed 001, corrected to one point per country):
- share: a (country, dimension) cell's mean p(high) over items, bootstrap CI over items;
- alignment: Pearson and Spearman correlation between the ground-truth score and the share over
  countries (n = countries), with a bootstrap CI over countries;
- threshold accuracy: the best accuracy with which a single threshold on the share separates
  countries scoring above 50 from the rest (seed 001 Table 3);
- skew: the mean share over countries; above 0.8 or below 0.2 the model prefers one pole whatever
  the country (seed 001 section 4.4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypedDict

import numpy as np
import pandas as pd

from culturebench.countries import GROUND_TRUTHS, RESOURCE_LEVELS, get_country, hofstede_scores
from culturebench.dimensions import DIMENSIONS
from culturebench.prompts import NO_PERSONA
from culturebench.scoring import both_orders, choice_probabilities, combine_orders, on_common_items, position_bias
from culturebench.stats import DEFAULT_N_BOOT, DEFAULT_SEED, CorrelationDict, bootstrap, correlate

HIGH_CUT = 50.0
SKEW_BOUNDS = (0.2, 0.8)
ROW_COLUMNS: tuple[str, ...] = ("item_id", "dimension", "domain", "country", "order", "p_high")
PROMPT_LANGUAGES: tuple[str, ...] = ("en", "native")  # the prompt languages compared, English first


class Skew(TypedDict):
    mean_share: float
    flag: str | None  # "high" | "low" | None


class Alignment(CorrelationDict):
    """Correlation over countries of a dimension's ground truth and share, with threshold accuracy and skew."""

    threshold_accuracy: float
    skew: Skew


class DimensionAlignment(Alignment):
    ground_truth: str
    by_resource_level: dict[str, Alignment]


def score_row(doc: dict, logliks: Sequence[float]) -> dict:
    """The score row (ROW_COLUMNS + persona) of one scored document; lm-eval and the report share it.

    p_high: the probability of the high-pole option among the two letters shown.
    """
    row = {k: doc[k] for k in ROW_COLUMNS if k != "p_high"}
    row["persona"] = doc["persona"]
    row["p_high"] = float(choice_probabilities(logliks, 2)[int(doc["high_index"])])
    return row


def country_shares(combined: pd.DataFrame, n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Mean p(high) per (dimension, country) with a bootstrap CI over items."""
    records = []
    for (dim, country), cell in combined.groupby(["dimension", "country"], sort=True):
        est = bootstrap(cell["p_high"].to_numpy(), n_boot=n_boot, seed=seed)
        records.append(
            {
                "dimension": dim,
                "country": country,
                "p_high": est.value,
                "ci_low": est.ci_low,
                "ci_high": est.ci_high,
                "n_items": est.n,
            }
        )
    return pd.DataFrame.from_records(
        records, columns=["dimension", "country", "p_high", "ci_low", "ci_high", "n_items"]
    )


def best_threshold_accuracy(truth: np.ndarray, share: np.ndarray, cut: float = HIGH_CUT) -> float:
    """Best accuracy of `share > t` at predicting `truth > cut`, over every useful threshold t."""
    truth, share = np.asarray(truth, dtype=float), np.asarray(share, dtype=float)
    if len(truth) == 0:
        return math.nan
    label = truth > cut
    values = np.unique(share)
    thresholds = np.concatenate([[values[0] - 1], (values[:-1] + values[1:]) / 2, [values[-1]]])
    return float(max(np.mean((share > t) == label) for t in thresholds))


def skew(shares: np.ndarray) -> Skew:
    """Mean share over countries and whether it leans to one pole whatever the country."""
    mean = float(np.mean(shares)) if len(shares) else math.nan
    flag = None
    if mean > SKEW_BOUNDS[1]:
        flag = "high"
    elif mean < SKEW_BOUNDS[0]:
        flag = "low"
    return {"mean_share": mean, "flag": flag}


def alignment(
    truth: np.ndarray, share: np.ndarray, n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED
) -> Alignment:
    """Correlation, threshold accuracy and skew of one point per country (the seed-001 recompute uses it too)."""
    return {
        **correlate(truth, share, n_boot=n_boot, seed=seed).to_dict(),
        "threshold_accuracy": best_threshold_accuracy(truth, share),
        "skew": skew(share),
    }


def dimension_alignment(
    shares: pd.DataFrame,
    dimension: str,
    truth: str,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
) -> DimensionAlignment:
    """Alignment of one dimension's country shares with one ground truth, overall and by resource level."""
    scores = hofstede_scores(dimension, truth)
    cells = shares[(shares["dimension"] == dimension) & shares["country"].isin(scores)]
    cells = cells.assign(truth=cells["country"].map(scores))
    cells = cells.assign(level=[get_country(c).resource_level for c in cells["country"]])
    out = {"ground_truth": truth, **alignment(cells["truth"].to_numpy(), cells["p_high"].to_numpy(), n_boot, seed)}
    out["by_resource_level"] = {
        level: alignment(sub["truth"].to_numpy(), sub["p_high"].to_numpy(), n_boot, seed)
        for level in RESOURCE_LEVELS
        if len(sub := cells[cells["level"] == level])
    }
    return out


def common_items(combined: pd.DataFrame) -> pd.DataFrame:
    """Persona rows restricted, per dimension, to the items every persona country answered (no-persona rows kept)."""
    return on_common_items(combined, "dimension", combined["country"] != NO_PERSONA)


def options_only_leaning(rows: pd.DataFrame, n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED) -> dict:
    """{dimension: p(high) over items, both orders averaged} of the options-only control (bootstrap over items)."""
    if rows.empty:
        return {}
    combined = combine_orders(rows, "p_high")
    return {dim: bootstrap(block["p_high"].to_numpy(), n_boot=n_boot, seed=seed).to_dict()
            for dim in DIMENSIONS if len(block := combined[combined["dimension"] == dim])}  # fmt: skip


def hofstede_metrics(rows: pd.DataFrame, n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED) -> dict:
    """Every metric of the advice-dilemma benchmark from per-prompt score rows (see ROW_COLUMNS)."""
    all_items = combine_orders(rows, "p_high")
    combined = common_items(all_items)
    shares = country_shares(combined, n_boot=n_boot, seed=seed)
    out: dict = {"dimensions": {}}
    for dim in [d for d in DIMENSIONS if d in set(combined["dimension"])]:
        dim_rows = combined[combined["dimension"] == dim]
        entry: dict = {
            "n_prompts": int(rows[rows["dimension"] == dim].shape[0]),
            "position_bias": position_bias(
                all_items[all_items["dimension"] == dim], n_boot=n_boot, seed=seed
            ).to_dict(),
        }
        own = dim_rows[dim_rows["country"] == NO_PERSONA]
        if len(own):
            entry["no_persona"] = bootstrap(own["p_high"].to_numpy(), n_boot=n_boot, seed=seed).to_dict()
        persona_items = all_items[(all_items["dimension"] == dim) & (all_items["country"] != NO_PERSONA)]
        if len(persona_items):
            used = sorted(set(dim_rows.loc[dim_rows["country"] != NO_PERSONA, "item_id"]))
            entry["items_compared"] = {"used": used, "dropped": sorted(set(persona_items["item_id"]) - set(used))}
        if (dim_rows["country"] != NO_PERSONA).any():
            entry["alignment"] = {
                truth: dimension_alignment(shares, dim, truth, n_boot=n_boot, seed=seed)
                for truth in GROUND_TRUTHS
                if hofstede_scores(dim, truth)
            }
        out["dimensions"][dim] = entry
    out["shares"] = shares
    return out


def mean_pearson_r(alignments: list[CorrelationDict]) -> dict:
    """{value, n}: the mean Pearson r over alignments (dimensions) where it is defined; value None when none is."""
    rs = [a["pearson_r"] for a in alignments if a["pearson_r"] is not None and math.isfinite(a["pearson_r"])]
    return {"value": sum(rs) / len(rs) if rs else None, "n": len(rs)}


def prompt_language_alignment(rows: pd.DataFrame, n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED) -> dict:
    """Alignment by prompt language (seed 001's persona vs multilingual approach), on the same items and countries.

    `rows`: score rows (ROW_COLUMNS + persona) with a `prompt_language` column ("en" | "native"). Only the
    (dimension, item, country) cells asked in both languages, each in both orders, are kept, then countries are
    compared on common items as everywhere; per ground truth and dimension, each language's alignment (overall
    and by resource level), and the mean Pearson r over dimensions, overall and per resource level.
    """
    combined = combine_orders(rows, "p_high")
    combined = combined[both_orders(combined)]  # under --limit a cell may lack one order in one language
    cell = ["dimension", "item_id", "country"]
    combined = combined[combined.groupby(cell)["prompt_language"].transform("nunique") == len(PROMPT_LANGUAGES)]
    used = {lang: common_items(combined[combined["prompt_language"] == lang]) for lang in PROMPT_LANGUAGES}
    shares = pd.concat(
        [country_shares(block, n_boot, seed).assign(prompt_language=lang) for lang, block in used.items()],
        ignore_index=True,
    )
    dims = [d for d in DIMENSIONS if d in set(shares["dimension"])]
    native = used["native"]
    out: dict = {
        "countries": sorted(set(shares["country"])),
        "n_items": {d: int(native.loc[native["dimension"] == d, "item_id"].nunique()) for d in dims},
        "alignment": {},
    }
    for truth in GROUND_TRUTHS:
        per_dim = {
            dim: {
                lang: dimension_alignment(shares[shares["prompt_language"] == lang], dim, truth, n_boot, seed)
                for lang in PROMPT_LANGUAGES
            }
            for dim in dims
            if hofstede_scores(dim, truth)
        }
        if per_dim:
            out["alignment"][truth] = {
                "dimensions": per_dim,
                "mean_pearson_r": {
                    lang: mean_pearson_r([a[lang] for a in per_dim.values()]) for lang in PROMPT_LANGUAGES
                },
                "mean_pearson_r_by_resource_level": {level: _level_means(per_dim, level) for level in RESOURCE_LEVELS},
            }
    out["shares"] = shares
    return out


def _level_means(per_dim: dict[str, dict[str, DimensionAlignment]], level: str) -> dict[str, dict]:
    """{prompt language: mean Pearson r over dimensions} among the countries of one resource level."""
    return {
        lang: mean_pearson_r(
            [a[lang]["by_resource_level"][level] for a in per_dim.values() if level in a[lang]["by_resource_level"]]
        )  # fmt: skip
        for lang in PROMPT_LANGUAGES
    }
