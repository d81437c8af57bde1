import math

import numpy as np
import pandas as pd
import pytest

from culturebench.countries import hofstede_scores
from culturebench.dimensions import DIMENSIONS
from culturebench.metrics.binary import choice_probabilities, combine_orders, p_high, position_bias
from culturebench.metrics.deviation import deviation_ratio, mean_abs_difference
from culturebench.metrics.hofstede import best_threshold_accuracy, hofstede_metrics, skew
from culturebench.stats import bootstrap, correlate


def test_choice_probabilities_is_a_stable_softmax():
    p = choice_probabilities([-1000.0, -1000.0 - math.log(3)])
    assert p == pytest.approx([0.75, 0.25])
    assert p_high([-2.0, -1.0], 1) == pytest.approx(1 / (1 + math.exp(-1)))
    with pytest.raises(ValueError):
        choice_probabilities([float("-inf"), 0.0])


def _rows(p_of, countries, dims, items=4, first_high=True):
    """Score rows for a synthetic model; p_of(dim, country, order, item) gives p(high)."""
    rows = []
    for dim in dims:
        for country in countries(dim):
            for k in range(items):
                for order in ("AB", "BA"):
                    rows.append(
                        {
                            "item_id": f"{dim}-{k}",
                            "dimension": dim,
                            "domain": "school",
                            "country": country,
                            "order": order,
                            "p_high": p_of(dim, country, order, k),
                        }
                    )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("truth", "dims"), [("hofstede_insights", DIMENSIONS[:5]), ("hofstede_2015", ["IVR"])])
def test_known_answer_score_over_100_gives_r_1_and_accuracy_1(truth, dims):
    m = hofstede_metrics(
        _rows(lambda d, c, o, k: hofstede_scores(d, truth)[c] / 100, lambda d: list(hofstede_scores(d, truth)), dims),
        n_boot=200,
    )
    for dim in dims:
        a = m["dimensions"][dim]["alignment"][truth]
        assert a["pearson_r"] == pytest.approx(1.0)
        assert a["spearman_rho"] == pytest.approx(1.0)
        assert a["threshold_accuracy"] == 1.0
        assert a["n"] == len(hofstede_scores(dim, truth))
        assert m["dimensions"][dim]["position_bias"]["value"] == 0


def test_known_answer_on_the_2015_table_every_dimension():
    # Some 2015 scores exceed 100 (e.g. Greece UAI 112), so scale by 120: still linear in the score.
    m = hofstede_metrics(
        _rows(lambda d, c, o, k: hofstede_scores(d)[c] / 120, lambda d: list(hofstede_scores(d)), DIMENSIONS),
        n_boot=100,
    )
    for dim in DIMENSIONS:
        a = m["dimensions"][dim]["alignment"]["hofstede_2015"]
        assert a["pearson_r"] == pytest.approx(1.0) and a["threshold_accuracy"] == 1.0


def test_first_option_model_has_half_p_high_and_full_position_bias():
    # Stored option order: item k lists high first when k is even. The model always picks letter A.
    def p_of(dim, country, order, k):
        high_first = (k % 2 == 0) == (order == "AB")
        return 1.0 if high_first else 0.0

    m = hofstede_metrics(_rows(p_of, lambda d: ["US", "JP", "DE", "IN"], ["IDV"]), n_boot=100)
    entry = m["dimensions"]["IDV"]
    assert entry["position_bias"]["value"] == 1.0
    shares = m["shares"]
    assert (shares["p_high"] == 0.5).all()
    assert entry["alignment"]["hofstede_2015"]["undefined"].startswith("model values are constant")


def test_constant_answers_give_undefined_correlation_not_a_crash():
    c = correlate([10, 20, 30, 40], [0.7, 0.7, 0.7, 0.7])
    assert math.isnan(c.pearson_r) and "constant" in c.undefined
    assert c.to_dict()["pearson_r"] is None
    assert correlate([1, 2], [3, 4]).undefined.startswith("needs at least 3")


def test_combine_orders_and_position_bias():
    rows = pd.DataFrame(
        [
            {"item_id": "a", "dimension": "IDV", "domain": "school", "country": "US", "order": "AB", "p_high": 0.9},
            {"item_id": "a", "dimension": "IDV", "domain": "school", "country": "US", "order": "BA", "p_high": 0.5},
            {"item_id": "b", "dimension": "IDV", "domain": "school", "country": "US", "order": "AB", "p_high": 0.2},
        ]
    )
    c = combine_orders(rows).set_index("item_id")
    assert c.loc["a", "p_high"] == pytest.approx(0.7) and c.loc["a", "order_gap"] == pytest.approx(0.4)
    assert c.loc["b", "p_high"] == pytest.approx(0.2) and math.isnan(c.loc["b", "order_gap"])
    bias = position_bias(c.reset_index(), n_boot=50)
    assert bias.value == pytest.approx(0.4) and bias.n == 1


def test_threshold_accuracy_and_skew():
    truth = np.array([20, 40, 60, 80])
    assert best_threshold_accuracy(truth, np.array([0.1, 0.2, 0.3, 0.4])) == 1.0
    # Reversed shares: the best single threshold in the model's direction gets only half right.
    assert best_threshold_accuracy(truth, np.array([0.4, 0.3, 0.2, 0.1])) == 0.5
    assert skew(np.array([0.9, 0.85]))["flag"] == "high"
    assert skew(np.array([0.1, 0.15]))["flag"] == "low"
    assert skew(np.array([0.5, 0.6]))["flag"] is None


def test_bootstrap_interval_contains_the_mean_and_is_reproducible():
    x = np.random.default_rng(1).normal(0.5, 0.1, 200)
    a, b = bootstrap(x, seed=3), bootstrap(x, seed=3)
    assert a == b and a.ci_low < a.value < a.ci_high and a.n == 200
    assert (a.ci_high - a.ci_low) == pytest.approx(2 * 1.96 * 0.1 / math.sqrt(200), rel=0.25)


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
