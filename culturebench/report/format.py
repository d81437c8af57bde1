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


def ci_text(d: dict, key: str = "value", low: str = "ci_low", high: str = "ci_high") -> str:
    """ "value [low, high]" of an estimate dict."""
    return f"{fmt(d.get(key))} [{fmt(d.get(low))}, {fmt(d.get(high))}]"
