"""What the benchmarks' leaderboard views share: a run's label, one metric's rows, CI error bars, an estimate as text.

The views themselves (figures, card lines, published tables) live with their benchmarks
(culturebench/benchmarks/*/leaderboard.py); the results table they read is the one `collect` writes
(one row per run x benchmark x metric).
"""

from __future__ import annotations

import math

import pandas as pd


def run_label(row: pd.Series) -> str:
    """'model (run id)', as the app lists runs, marked where the run is not comparable with the ranked ones (scored
    on other dataset versions, with --limit, or a demo run), so no figure shows it as one of them."""
    marks = []
    if not row.get("current_datasets", True):
        marks.append("other dataset versions")
    if not row.get("complete", True):
        marks.append(row.get("incomplete") or "not comparable")  # why: 'limit 10', 'demo run'
    return f"{row['model']} ({row['run']})" + (f" [{', '.join(marks)}]" if marks else "")


def metric_rows(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One metric's rows of the results table, indexed by run label."""
    rows = table[table["metric"] == metric].copy()
    rows["label"] = rows.apply(run_label, axis=1)
    return rows.set_index("label")


def ci_error(row: pd.Series | dict) -> list[list[float]] | None:
    """matplotlib's [[below], [above]] error of an estimate with a CI; None when a bound is missing."""
    lo, hi = row["ci_low"], row["ci_high"]
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return None
    return [[row["value"] - lo], [hi - row["value"]]]


def estimate_text(e: dict | None) -> str:
    """'value [ci_low, ci_high]' of an estimate as the profile card shows it; 'undefined' without a value."""
    if not e or e.get("value") is None or (isinstance(e["value"], float) and math.isnan(e["value"])):
        return "undefined"
    text = f"{e['value']:.3f}"
    if e.get("ci_low") is not None and e.get("ci_high") is not None:
        text += f" [{e['ci_low']:.3f}, {e['ci_high']:.3f}]"
    return text
