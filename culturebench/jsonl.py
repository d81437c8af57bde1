"""JSON Lines reading with errors that name the file and line, and atomic writing."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from culturebench.files import write_text


def read_jsonl(path: Path, error: type[Exception] = ValueError) -> list[tuple[int, object]]:
    """(line number, parsed value) for each non-blank line; a bad line raises `error` naming file and line."""
    rows = []
    with Path(path).open("rb") as f:
        for i, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise error(f"{path}:{i}: not UTF-8 text (byte {raw[e.start]:#04x} at column {e.start + 1})") from None
            if not line.strip():
                continue
            try:
                rows.append((i, json.loads(line)))
            except json.JSONDecodeError as e:
                raise error(f"{path}:{i}: not valid JSON, the file may be truncated ({e.msg})") from None
    return rows


def write_jsonl(path: Path, rows: Iterable[dict]) -> Path:
    """Write rows as JSON Lines atomically (UTF-8 kept as is, so the files diff readably); returns `path`."""
    return write_text(Path(path), "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
