"""Number formatting for reports and JSON output."""

from __future__ import annotations

import math


def fmt(v: float | str | None, digits: int = 3) -> str:
    """A number for a Markdown table: n/a for undefined, ∞ for unbounded."""
    if isinstance(v, str):  # "inf" read back from metrics.json
        v = float(v)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if isinstance(v, float) and math.isinf(v):
        return "∞"
    return f"{v:.{digits}f}"


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
