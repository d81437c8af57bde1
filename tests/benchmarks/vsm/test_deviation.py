import math

import pytest

from culturebench.benchmarks.vsm.deviation import deviation_ratio, mean_abs_difference


def test_deviation_ratio_hand_worked_example():
    truth = {"PDI": 80, "IDV": 20, "MAS": 66, "UAI": 30, "LTO": 87, "IVR": 24}
    average = {"PDI": 60, "IDV": 40, "MAS": 50, "UAI": 60, "LTO": 50, "IVR": 50}
    # |GT - avg| = 20, 20, 16, 30, 37, 26 -> mean 149 / 6 = 24.8333
    model = {"PDI": 70, "IDV": 30, "MAS": 55, "UAI": 45, "LTO": 60, "IVR": 40}
    # |model - GT| = 10, 10, 11, 15, 27, 16 -> mean 89 / 6 = 14.8333
    diff = mean_abs_difference(model, truth)
    assert diff == pytest.approx(89 / 6)
    assert deviation_ratio(truth, average, [diff]) == pytest.approx(149 / 89)
    assert deviation_ratio(truth, average, [10.0, 20.0]) == pytest.approx((149 / 6) / 15)


def test_deviation_ratio_neutral_point_and_perfect_model():
    truth = {"PDI": 80, "IDV": 20}
    average = {"PDI": 50, "IDV": 50}
    assert deviation_ratio(truth, average, [mean_abs_difference(average, truth)]) == 1.0
    assert deviation_ratio(truth, average, [mean_abs_difference(truth, truth)]) == math.inf
    with pytest.raises(ValueError):
        deviation_ratio(truth, {"PDI": 50}, [1.0])
