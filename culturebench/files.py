"""Atomic file writes: a failed or interrupted write leaves the previous file intact.

Every output of the project (metrics, reports, figures, judge files) goes through here: the content
is written to a temporary file in the same folder and moved over the target with `os.replace`,
which is atomic on POSIX and Windows filesystems.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Call write(temporary path) in `path`'s folder, then move the result over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path: Path, value: object, default: Callable[[object], object] | None = None) -> Path:
    """Write strict JSON (see `json_ready`) atomically, indented for people who read it."""
    text = json.dumps(json_ready(value), indent=2, allow_nan=False, ensure_ascii=False, default=default)
    return write_text(path, text + "\n")


def json_ready(value):
    """Strict JSON: NaN (an undefined statistic) becomes null, ±inf (an unbounded ratio) the string "inf"."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value


def save_figure(fig, path: Path, dpi: int = 120) -> Path:
    """Save a matplotlib Figure atomically (the format comes from `path`'s suffix)."""
    fmt = Path(path).suffix.lstrip(".") or "png"
    return write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=fmt))
