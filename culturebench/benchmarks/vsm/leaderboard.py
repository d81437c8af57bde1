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


def capped(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Bar heights with unbounded ratios (a perfect match, inf) drawn at a cap above every finite bar.

    Returns (heights, which are unbounded, the cap); undefined values (NaN) stay NaN and draw no bar.
    """
    finite = values[np.isfinite(values)]
    cap = 1.25 * max(float(finite.max()) if finite.size else 0.0, 1.0)
    unbounded = np.isposinf(values)
    return np.where(unbounded, cap, values), unbounded, cap


def deviation_ratio_bars(table: pd.DataFrame, path: Path) -> Path | None:
    """Per model, the VSM mean deviation ratio of each prompt condition: |truth - average| / |model - truth|, so
    1 = the model is as far from the country's truth as the global average culture is, and above 1 closer.
    An unbounded ratio (a perfect match) is drawn capped, hatched and labelled with the infinity sign."""
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
    heights, unbounded, cap = capped(grid.to_numpy(dtype=float))
    for k, condition in enumerate(grid.columns):
        bars = ax.bar(x + k * width, heights[:, k], width, label=condition)
        for bar in (b for b, inf in zip(bars, unbounded[:, k]) if inf):
            bar.set_hatch("//")
            ax.annotate("∞", (bar.get_x() + bar.get_width() / 2, cap), ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, cap * 1.1)
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
