"""The JSON Schema of a leaderboard results file (results/<entry>.json), checked when collect writes one
and when the app reads a folder, so a hand-edited or foreign file is refused with its path named."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from culturebench.runs import RunFileError

_NUMBER_OR_NULL = {"type": ["number", "string", "null"]}  # "inf"/"-inf" as metrics.json writes an unbounded ratio
_ESTIMATE = {
    "type": "object",
    "required": ["value", "ci_low", "ci_high", "n", "higher_is_better", "ranked"],
    "properties": {"value": _NUMBER_OR_NULL, "ci_low": _NUMBER_OR_NULL, "ci_high": _NUMBER_OR_NULL,
                   "n": {"type": ["integer", "null"], "minimum": 0}, "higher_is_better": {"type": "boolean"},
                   "ranked": {"type": "boolean"}},
    "additionalProperties": False,
}  # fmt: skip
RESULTS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "CultureBench leaderboard results file",
    "type": "object",
    "required": ["config", "results"],
    "additionalProperties": False,
    "properties": {
        "config": {
            "type": "object",
            "required": [
                "model_name",
                "model_sha",
                "dtype",
                "chat_template",
                "culturebench_version",
                "datasets",
                "current_datasets",
                "complete",
            ],  # fmt: skip
            "properties": {
                "model_name": {"type": "string", "minLength": 1},
                "model_sha": {"type": ["string", "null"]},
                "dtype": {"type": "string"},
                "chat_template": {"type": "boolean"},
                "culturebench_version": {"type": ["string", "null"]},
                "datasets": {"type": "object"},
                "current_datasets": {"type": "boolean"},
                "complete": {"type": "boolean"},  # false: a --limit or demo run, shown but never ranked
            },
        },
        "results": {
            "type": "object",
            "additionalProperties": {"type": "object", "additionalProperties": _ESTIMATE},
        },
    },
}


def validate_results_file(entry: dict, where: str) -> None:
    """Raise RunFileError naming `where` and the failing path when `entry` breaks RESULTS_SCHEMA."""
    try:
        jsonschema.validate(entry, RESULTS_SCHEMA)
    except jsonschema.ValidationError as e:
        at = "/".join(str(p) for p in e.absolute_path) or "(top level)"
        raise RunFileError(f"{where}: not a leaderboard results file at {at}: {e.message}") from None


def read_results_file(path: Path) -> dict:
    """A results file, checked against the schema."""
    entry = json.loads(Path(path).read_text(encoding="utf-8"))
    validate_results_file(entry, str(path))
    return entry
