"""Board-wide figures label each run; a run that is not comparable with the ranked ones says so in its label."""

from __future__ import annotations

import pandas as pd

from culturebench.leaderboard.views import metric_rows, run_label


def test_runs_on_other_datasets_or_part_of_the_items_are_marked_in_every_figure_label():
    table = pd.DataFrame(
        [
            {"model": "org/a", "run": "r1", "metric": "m", "current_datasets": True, "complete": True,
             "incomplete": ""},
            {"model": "org/b", "run": "r2", "metric": "m", "current_datasets": False, "complete": True,
             "incomplete": ""},
            {"model": "org/c", "run": "r3", "metric": "m", "current_datasets": False, "complete": False,
             "incomplete": "limit 10"},
            {"model": "org/d", "run": "r4", "metric": "m", "current_datasets": True, "complete": False,
             "incomplete": "demo run"},
        ]
    )
    labels = list(metric_rows(table, "m").index)
    assert labels == [
        "org/a (r1)",
        "org/b (r2) [other dataset versions]",
        "org/c (r3) [other dataset versions, limit 10]",
        "org/d (r4) [demo run]",
    ]
    assert run_label(table.iloc[0]) == labels[0]
