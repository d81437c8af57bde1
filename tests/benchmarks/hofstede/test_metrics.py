import math

import numpy as np
import pandas as pd
import pytest

from culturebench.benchmarks.hofstede.metrics import best_threshold_accuracy, hofstede_metrics, skew
from culturebench.countries import hofstede_scores
from culturebench.dimensions import DIMENSIONS
from culturebench.stats import correlate


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


def test_threshold_accuracy_and_skew():
    truth = np.array([20, 40, 60, 80])
    assert best_threshold_accuracy(truth, np.array([0.1, 0.2, 0.3, 0.4])) == 1.0
    # Reversed shares: the best single threshold in the model's direction gets only half right.
    assert best_threshold_accuracy(truth, np.array([0.4, 0.3, 0.2, 0.1])) == 0.5
    assert skew(np.array([0.9, 0.85]))["flag"] == "high"
    assert skew(np.array([0.1, 0.15]))["flag"] == "low"
    assert skew(np.array([0.5, 0.6]))["flag"] is None
