"""Published studies: the seed studies' own models, for the leaderboard's separate tab (never ranked with runs).

Each benchmark declares the tables of its seed study (`LeaderboardViews.published`): recomputed by the
library from the seeds' raw outputs where the project's reference data holds them, typed in from the
paper where they are not. This module adds the seeds' models from the model registry, says of every
table that its items and prompts are the study's own, not CultureBench's, and stores them as
OUTPUT/published.json, so the Space needs no reference data.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from culturebench.benchmarks import BENCHMARKS
from culturebench.benchmarks.base import PublishedTable
from culturebench.files import write_json
from culturebench.model_registry import all_models

PUBLISHED_FILE = "published.json"
CAVEAT = (
    "Other item sets and other prompts than CultureBench's: these numbers are not comparable with the "
    "rankings and are never ranked with CultureBench runs."
)


def seed_models() -> pd.DataFrame:
    """The seeds' models as the model registry lists them (hf_datasets/models)."""
    return pd.DataFrame(
        [
            {
                "model": m.model,
                "organisation": m.organisation,
                "origin": m.origin,
                "params_b": m.params_b,
                "params_source": m.params_source,
                "seeds": ", ".join(m.studies),
            }
            for m in all_models()
        ]  # fmt: skip
    )


def published_tables(reference: Path | None) -> list[dict]:
    """Every published-studies table (the benchmarks' in title order, so by seed, then the seeds' models):
    title, source, how obtained, caveat, rows. Recomputed ones need `reference`."""
    reference = None if reference is None else Path(reference)
    views = [b.leaderboard for b in BENCHMARKS if b.leaderboard and b.leaderboard.published]
    tables = sorted((t for v in views for t in v.published(reference)), key=lambda t: t.title)
    tables.append(PublishedTable("The seeds' models", "hf_datasets/models (model registry)", "from the model registry",
                                 seed_models()))  # fmt: skip
    return [_table(t) for t in tables]


def _table(table: PublishedTable) -> dict:
    return {"title": table.title, "source": table.source, "how": table.how, "caveat": CAVEAT,
            "columns": list(table.frame.columns), "rows": json.loads(table.frame.to_json(orient="values"))}  # fmt: skip


def write_published(output: Path, reference: Path | None) -> Path:
    """OUTPUT/published.json with every published-studies table."""
    return write_json(Path(output) / PUBLISHED_FILE, {"tables": published_tables(reference)})


def read_published(folder: Path) -> list[tuple[dict, pd.DataFrame]]:
    """[(table info, rows as a frame)] from FOLDER/published.json; empty when the folder has none."""
    path = Path(folder) / PUBLISHED_FILE
    if not path.is_file():
        return []
    return [(t, pd.DataFrame(t["rows"], columns=t["columns"])) for t in json.loads(path.read_text())["tables"]]
