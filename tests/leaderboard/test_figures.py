"""The VSM deviation-ratio bars: an unbounded ratio (a perfect match) is drawn capped and marked, not as 1.8e308."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from culturebench.benchmarks.vsm.leaderboard import capped, deviation_ratio_bars


def test_unbounded_ratios_are_capped_above_every_finite_bar():
    heights, unbounded, cap = capped(np.array([0.5, math.inf, math.nan, 2.0]))
    assert cap == 2.5 and list(unbounded) == [False, True, False, False]
    assert heights[[0, 1, 3]].tolist() == [0.5, 2.5, 2.0] and math.isnan(heights[2])
    assert capped(np.array([math.inf, math.nan]))[2] == 1.25  # no finite bar: capped above the line at 1


@pytest.mark.filterwarnings("error::RuntimeWarning")  # a 1.8e308 bar overflows matplotlib's autoscaling
def test_the_bars_draw_an_unbounded_ratio(tmp_path):
    table = pd.DataFrame({"model": ["org/a", "org/a", "org/b", "org/b"], "run": ["1", "1", "2", "2"],
                          "metric": ["deviation_ratio_all", "deviation_ratio_none"] * 2,
                          "value": [math.inf, 1.2, 0.8, math.nan]})  # fmt: skip
    path = deviation_ratio_bars(table, tmp_path / "bars.png")
    pixels = np.asarray(Image.open(path).convert("L"))
    assert pixels.shape[0] > 100 and (pixels < 128).mean() < 0.5  # a readable chart, not one wall of colour
