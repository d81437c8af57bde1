"""The WVS benchmark on the leaderboard: a run's cultural map with its persona arrows on a profile card, and
every model's no-persona position on one map."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from culturebench.benchmarks.base import BoardFigure, LeaderboardViews
from culturebench.benchmarks.wvs.map import map_positions
from culturebench.benchmarks.wvs.report import ZONE_COLORS, cultural_map
from culturebench.files import save_figure
from culturebench.leaderboard.views import ci_error, metric_rows

POSITION = "position_"  # no-persona map position headline metrics: position_trad_secular, position_surv_selfexp


def map_with_every_model(table: pd.DataFrame, path: Path) -> Path | None:
    """Societies by cultural zone and each run's no-persona map position with its CI (crosshairs)."""
    x, y = metric_rows(table, f"{POSITION}surv_selfexp"), metric_rows(table, f"{POSITION}trad_secular")
    labels = [label for label in x.index if label in y.index]
    if not labels:
        return None
    fig = Figure(figsize=(9, 7))
    ax = fig.subplots()
    for zone, group in map_positions().groupby("zone"):
        ax.scatter(group["surv_selfexp"], group["trad_secular"], s=12, alpha=0.45,
                   color=ZONE_COLORS.get(zone, "grey"), label=zone)  # fmt: skip
    for label in labels:
        px, py = x.loc[label], y.loc[label]
        ax.errorbar(px["value"], py["value"], xerr=ci_error(px), yerr=ci_error(py), fmt="*", ms=10, color="black",
                    elinewidth=0.6, capsize=2, zorder=5)  # fmt: skip
        ax.annotate(label, (px["value"], py["value"]), fontsize=6, xytext=(4, 4), textcoords="offset points")
    ax.set(xlabel="survival → self-expression", ylabel="traditional → secular-rational",
           title="Cultural map: societies (WVS/EVS 2023) and every model with no persona (stars, 95% CIs)")  # fmt: skip
    ax.axhline(0, color="grey", lw=0.4)
    ax.axvline(0, color="grey", lw=0.4)
    ax.legend(fontsize=6, loc="lower right")
    fig.tight_layout()
    return save_figure(fig, path, dpi=110)


def run_map(section: dict, headline: dict, path: Path) -> Path | None:
    """The run's map positions per condition with persona arrows, as its report draws them."""
    if not section.get("conditions"):
        return None
    return cultural_map(map_positions(), section["conditions"], path, section.get("indifference"),
                        section.get("options_only"))  # fmt: skip


LEADERBOARD = LeaderboardViews(
    profile=(BoardFigure("map", "Cultural map with persona arrows", run_map, order=0, wide=False),),
    plots=(BoardFigure("map", "Cultural map: every model", map_with_every_model, order=0),),
)
