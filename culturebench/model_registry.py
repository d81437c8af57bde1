"""Registry of the models the seed studies used (origin, organisation, size), from hf_datasets/models."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from culturebench.resources import dataset_dir


@dataclass(frozen=True)
class ModelInfo:
    model: str
    hf_id: str
    organisation: str
    origin: str  # ISO alpha-2 of the developer's home country
    params_b: float | None
    params_source: str
    studies: tuple[str, ...]


@lru_cache(maxsize=1)
def all_models() -> tuple[ModelInfo, ...]:
    path = dataset_dir("models") / "data" / "models.csv"
    out = []
    with path.open(encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f), start=2):
            if not (len(row["origin"]) == 2 and row["origin"].isalpha() and row["origin"].isupper()):
                raise ValueError(f"{path}:{i}: origin {row['origin']!r} is not an ISO alpha-2 code")
            try:
                params = float(row["params_b"]) if row["params_b"] else None
            except ValueError:
                raise ValueError(f"{path}:{i}: params_b {row['params_b']!r} is not a number") from None
            out.append(ModelInfo(row["model"], row["hf_id"], row["organisation"], row["origin"], params,
                                 row["params_source"], tuple(row["studies"].split(";"))))  # fmt: skip
    return tuple(out)


def find_model(name: str) -> ModelInfo | None:
    """Match a run's model (HF id, local path ending in the repo name, or display name); None if unknown."""
    key = name.strip().rstrip("/").lower()
    tail = key.rsplit("/", 1)[-1]
    for m in all_models():
        ids = {m.model.lower(), m.hf_id.lower(), m.hf_id.lower().rsplit("/", 1)[-1]} - {""}
        if key in ids or tail in ids:
            return m
    return None
