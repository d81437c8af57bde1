"""The VSM benchmark on the leaderboard: the radar against the ground truth on a profile card, deviation-ratio
bars for every model, and seed 003's country ranking as the paper printed it (published-studies tab)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from culturebench.benchmarks.base import BoardFigure, LeaderboardViews, PublishedTable
from culturebench.benchmarks.vsm.report import vsm_radar_grid
from culturebench.files import save_figure
from culturebench.leaderboard.views import run_label

DEVIATION_RATIO = "deviation_ratio_"  # headline metrics per prompt condition

# Seed 003 (Sukiennik et al.), Table 3 "Country ranking": deviation ratio per country, averaged over its ten
# models and four prompt languages. Typed in from the paper; its raw outputs are not available.
SEED003_TABLE3 = (
    ("United States", 1.99), ("Germany", 1.13), ("Japan", 1.03), ("India", 1.02), ("Spain", 1.02),
    ("Philippines", 0.98), ("France", 0.96), ("China", 0.87), ("Iran", 0.83), ("Egypt", 0.80), ("Korea", 0.79),
    ("Russia", 0.77), ("Indonesia", 0.76), ("Thailand", 0.75), ("Vietnam", 0.73), ("Tanzania", 0.69),
    ("Pakistan", 0.67), ("Turkey", 0.66), ("Portugal", 0.62), ("Bangladesh", 0.59),
)  # fmt: skip


def deviation_ratio_bars(table: pd.DataFrame, path: Path) -> Path | None:
    """Per model, the VSM mean deviation ratio of each prompt condition (1 = as far from average as the truth)."""
    rows = table[table["metric"].str.startswith(DEVIATION_RATIO)].copy()
    if rows.empty:
        return None
    rows["label"] = rows.apply(run_label, axis=1)
    rows["condition"] = rows["metric"].str.removeprefix(DEVIATION_RATIO)
    grid = rows.pivot_table(index="label", columns="condition", values="value", sort=False)
    fig = Figure(figsize=(max(6.0, 0.45 * len(grid) + 3), 4.2))
    ax = fig.subplots()
    width = 0.8 / len(grid.columns)
    x = np.arange(len(grid))
    for k, condition in enumerate(grid.columns):
        ax.bar(x + k * width, np.nan_to_num(grid[condition].to_numpy(dtype=float)), width, label=condition)
    ax.axhline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_xticks(x + width * (len(grid.columns) - 1) / 2, grid.index, rotation=60, ha="right", fontsize=6)
    ax.set(ylabel="mean deviation ratio (higher is better)", title="VSM deviation ratio per model and prompts")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path, dpi=110)


def radar(section: dict, headline: dict, path: Path) -> Path | None:
    """The run's VSM scores against the ground truth, for all prompts (else the first condition it has)."""
    conditions = section.get("conditions") or {}
    if not conditions:
        return None
    name = "all" if "all" in conditions else next(iter(conditions))
    return vsm_radar_grid(conditions[name], f"VSM scores vs ground truth (prompts: {name})", path)


def published(reference: Path | None) -> list[PublishedTable]:
    """Seed 003's Table 3, typed in from the paper (needs no reference data)."""
    return [PublishedTable(
        "Seed 003: deviation ratio per country, averaged over ten models", "seed 003 (Sukiennik et al.), Table 3",
        "typed in from the paper (raw outputs not available)",
        pd.DataFrame(SEED003_TABLE3, columns=["country", "deviation_ratio"]),
    )]  # fmt: skip


LEADERBOARD = LeaderboardViews(
    profile=(BoardFigure("radar", "VSM radar vs ground truth", radar, order=2),),
    plots=(BoardFigure("deviation_ratio", "VSM deviation ratio", deviation_ratio_bars, order=2),),
    published=published,
)
