"""JSON Lines reading with errors that name the file and line."""

from __future__ import annotations

import json
from pathlib import Path


def read_jsonl(path: Path, error: type[Exception] = ValueError) -> list[tuple[int, object]]:
    """(line number, parsed value) for each non-blank line; a bad line raises `error` naming file and line."""
    rows = []
    with Path(path).open(encoding="utf-8") as f:
        for i, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rows.append((i, json.loads(line)))
            except json.JSONDecodeError as e:
                raise error(f"{path}:{i}: not valid JSON, the file may be truncated ({e.msg})") from None
    return rows
