"""metrics.json as a versioned contract: its schema version, its JSON Schema, and the one way to read it.

`culturebench report` writes metrics.json and checks it against `schemas/metrics.schema.json`
(shipped in the package); `compare` and the leaderboard read runs only through `load_metrics`, so a
file from another schema version or a truncated one is refused with its path named, never misread.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import jsonschema

from culturebench.resources import dataset_dir
from culturebench.runs import METRICS_FILE, RunFileError, read_json
from culturebench.versioning import card_field

SCHEMA_VERSION = "1.0"
SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "metrics.schema.json"


@cache
def _schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def validate_metrics(metrics: dict, where: str = "metrics.json") -> None:
    """Raise RunFileError naming `where` and the failing path when `metrics` breaks the schema."""
    try:
        jsonschema.validate(metrics, _schema())
    except jsonschema.ValidationError as e:
        at = "/".join(str(p) for p in e.absolute_path) or "(top level)"
        raise RunFileError(f"{where}: does not match metrics schema {SCHEMA_VERSION} at {at}: {e.message}") from None


def load_metrics(run_dir: Path) -> dict:
    """A run's metrics.json, checked against the schema; an error says to rerun `culturebench report`."""
    path = Path(run_dir) / METRICS_FILE
    if not path.exists():
        raise RunFileError(f"{path} does not exist; write it with `culturebench report {run_dir}`")
    metrics = read_json(path)
    version = metrics.get("schema_version") if isinstance(metrics, dict) else None
    if version != SCHEMA_VERSION:
        raise RunFileError(f"{path} has schema version {version!r}, this culturebench reads {SCHEMA_VERSION!r}; "
                           f"rewrite it with `culturebench report {run_dir}`")  # fmt: skip
    validate_metrics(metrics, str(path))
    return metrics


def dataset_versions(names: Iterable[str]) -> dict[str, dict[str, str]]:
    """{dataset: {version, content_hash}} as the shipped cards state them, for each dataset a run used."""
    return {name: {field: card_field(dataset_dir(name), field) for field in ("version", "content_hash")}
            for name in sorted(set(names))}  # fmt: skip
