"""The leaderboard's figures, from the registry: each benchmark declares its profile-card and board-wide figures
(`Benchmark.leaderboard`, drawn by culturebench/benchmarks/*/leaderboard.py); this module lays them out and
draws them. A profile figure draws from one run's metrics.json, a board-wide one from the results table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from culturebench.benchmarks import BENCHMARKS
from culturebench.benchmarks.base import Benchmark, BoardFigure

Tab = Literal["profile", "plots"]


def slots(tab: Tab) -> list[tuple[Benchmark, BoardFigure]]:
    """Every benchmark's figures for a tab, in their declared order (ties in registry order)."""
    found = [(b, f) for b in BENCHMARKS if b.leaderboard for f in getattr(b.leaderboard, tab)]
    keys = [f.key for _, f in found]
    if len(keys) != len(set(keys)):
        raise ValueError(f"two {tab} figures share a key in {keys}: each names a file and an element id")
    return sorted(found, key=lambda bf: bf[1].order)


def profile_figures(metrics: dict, folder: Path) -> dict[str, Path | None]:
    """{key: PNG or None} of the profile card's figures, drawn from a run's metrics.json into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    headline = metrics.get("headline", {})
    return {f.key: f.draw(metrics.get(b.name) or {}, headline.get(b.name, {}), folder / f"{f.key}.png")
            for b, f in slots("profile")}  # fmt: skip


def board_figures(table: pd.DataFrame, folder: Path) -> dict[str, Path | None]:
    """{key: PNG or None} of the figures comparing every run, drawn from the results table into `folder`."""
    return {f.key: f.draw(table[table["benchmark"] == b.name], folder / f"{f.key}.png") for b, f in slots("plots")}
