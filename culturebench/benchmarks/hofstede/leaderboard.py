"""The Hofstede benchmark on the leaderboard: persona alignment bars on a profile card, the model x dimension
heatmap, and seed 001's persona correlations recomputed from its raw results (published-studies tab)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from culturebench.benchmarks.base import BoardFigure, LeaderboardViews, PublishedTable
from culturebench.benchmarks.hofstede.metrics import alignment
from culturebench.dimensions import DIMENSIONS
from culturebench.files import save_figure
from culturebench.leaderboard.views import ci_error, run_label

ALIGNMENT = "alignment_r_"  # headline metrics per dimension: alignment_r_<DIM>

SEED001 = "multilingual-ai-alignment/derived/results_slim"
# (model, dimension, file, score column, pole whose share is correlated with the score), as seed 001 Table 2
SEED001_PERSONAS = (
    ("Llama 3", "IDV", "llama3/personas/output_llama_personas_individualistic_collectivist.csv",
     "Individualistic_Collectivist_Score", "Individualistic"),
    ("Llama 3", "MAS", "llama3/personas/output_llama_personas_mas_new.csv", "MAS_Score", "Masculine"),
    ("Llama 3", "LTO", "llama3/personas/output_llama_personas_orientation.csv", "Long_Term_Orientation_Score",
     "Long Term"),
    ("Llama 3", "PDI", "llama3/personas/output_llama_personas_power_distance.csv", "Power_Distance_Index_Score",
     "Low Power Distance"),
    ("Gemma", "IDV", "gemma/personas/output_gemma_it_personas_individualistic_collectivist.csv",
     "Individualistic_Collectivist_Score", "Individualistic"),
    ("Gemma", "MAS", "gemma/personas/output_gemma_it_personas_mas.csv", "MAS_Score", "Masculine"),
    ("Gemma", "LTO", "gemma/personas/output_gemma_it_personas_orientation.csv", "Long_Term_Orientation_Score",
     "Long Term"),
    ("Gemma", "PDI", "gemma/personas/output_gemma_it_personas_power_distance.csv", "Power_Distance_Index_Score",
     "Low Power Distance"),
    ("Command R", "PDI", "command-r/personas/output_commandr_personas_power_distance.csv",
     "Power_Distance_Index_Score", "Low Power Distance"),
)  # fmt: skip


def alignment_heatmap(table: pd.DataFrame, path: Path) -> Path | None:
    """Model x Hofstede dimension: persona alignment r (blank where undefined)."""
    rows = table[table["metric"].isin([f"{ALIGNMENT}{d}" for d in DIMENSIONS])].copy()
    if rows.empty:
        return None
    rows["label"] = rows.apply(run_label, axis=1)
    rows["dimension"] = rows["metric"].str.removeprefix(ALIGNMENT)
    grid = rows.pivot_table(index="label", columns="dimension", values="value", dropna=False, sort=False)
    grid = grid.reindex(columns=[d for d in DIMENSIONS if d in grid.columns])
    fig = Figure(figsize=(1.2 * len(grid.columns) + 4, 0.32 * len(grid) + 1.6))
    ax = fig.subplots()
    image = ax.imshow(grid.to_numpy(dtype=float), cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
    ax.set_xticks(range(len(grid.columns)), grid.columns)
    ax.set_yticks(range(len(grid)), grid.index, fontsize=7)
    if len(grid) <= 30:
        for (i, j), v in np.ndenumerate(grid.to_numpy(dtype=float)):
            ax.text(j, i, "–" if math.isnan(v) else f"{v:.2f}", ha="center", va="center", fontsize=6)
    fig.colorbar(image, ax=ax, label="persona alignment r")
    ax.set_title("Hofstede persona alignment per dimension")
    fig.tight_layout()
    return save_figure(fig, path, dpi=110)


def alignment_bars(section: dict, headline: dict, path: Path) -> Path | None:
    """One model's persona alignment r per Hofstede dimension with its 95% CI (from its headline numbers)."""
    entries = [(d, headline.get(f"{ALIGNMENT}{d}")) for d in DIMENSIONS]
    entries = [(d, e) for d, e in entries if e]
    if not entries:
        return None
    fig = Figure(figsize=(6, 3.4))
    ax = fig.subplots()
    for i, (_, e) in enumerate(entries):
        value = e["value"]
        if value is None or math.isnan(value):
            ax.text(i, 0, "undefined", ha="center", fontsize=7, rotation=90)
            continue
        err = ci_error(e) if e.get("ci_low") is not None else None
        ax.bar(i, value, color="C0" if value >= 0 else "C3")
        if err:
            ax.errorbar(i, value, yerr=err, color="black", capsize=3)
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_xticks(range(len(entries)), [d for d, _ in entries])
    ax.set(ylim=(-1.05, 1.05), ylabel="Pearson r over persona countries", title="Hofstede alignment per dimension")
    fig.tight_layout()
    return save_figure(fig, path, dpi=110)


def seed001_correlations(reference: Path, n_boot: int = 200) -> pd.DataFrame:
    """Per model and dimension: Pearson r over persona countries (one point per country) with its p-value."""
    rows = []
    for model, dim, path, score, pole in SEED001_PERSONAS:
        frame = pd.read_csv(reference / SEED001 / path)
        per_country = frame.groupby("Target_Nationality").agg(
            score=(score, "first"), share=("Matching_Choice", lambda s, pole=pole: (s == pole).mean())
        )
        a = alignment(per_country["score"].to_numpy(), per_country["share"].to_numpy(), n_boot=n_boot)
        rows.append({"model": model, "dimension": dim, "pole counted": pole, "pearson_r": a["pearson_r"],
                     "ci_low": a["pearson_ci_low"], "ci_high": a["pearson_ci_high"], "p_value": a["pearson_p"],
                     "n_countries": a["n"], "file": path})  # fmt: skip
    return pd.DataFrame(rows)


def published(reference: Path | None) -> list[PublishedTable]:
    """Seed 001's Table 2, recomputed from the reference data's raw persona results (none without them)."""
    if reference is None:
        return []
    return [PublishedTable(
        "Seed 001: persona alignment r per model and dimension", "seed 001 (Kharchenko et al.), Table 2",
        "recomputed by culturebench from the raw persona results (one point per country, so n = 36 and the "
        "p-values are larger than the paper's, which counted every answer)",
        seed001_correlations(reference),
    )]  # fmt: skip


LEADERBOARD = LeaderboardViews(
    profile=(BoardFigure("alignment", "Hofstede alignment per dimension", alignment_bars, order=1, wide=False),),
    plots=(BoardFigure("heatmap", "Model x dimension: persona alignment r", alignment_heatmap, order=1),),
    published=published,
)
