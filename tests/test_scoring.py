import math

import numpy as np
import pandas as pd
import pytest

from culturebench.scoring import choice_probabilities, combine_orders, on_common_items, position_bias
from culturebench.stats import bootstrap


def test_choice_probabilities_is_a_stable_softmax():
    p = choice_probabilities([-1000.0, -1000.0 - math.log(3)])
    assert p == pytest.approx([0.75, 0.25])
    assert choice_probabilities([-2.0, -1.0], 2)[1] == pytest.approx(1 / (1 + math.exp(-1)))
    with pytest.raises(ValueError, match="need 5"):
        choice_probabilities([-2.0, -1.0], 5)
    with pytest.raises(ValueError):
        choice_probabilities([float("-inf"), 0.0])


def test_combine_orders_and_position_bias():
    rows = pd.DataFrame(
        [
            {"item_id": "a", "dimension": "IDV", "domain": "school", "country": "US", "order": "AB", "p_high": 0.9},
            {"item_id": "a", "dimension": "IDV", "domain": "school", "country": "US", "order": "BA", "p_high": 0.5},
            {"item_id": "b", "dimension": "IDV", "domain": "school", "country": "US", "order": "AB", "p_high": 0.2},
        ]
    )
    c = combine_orders(rows, "p_high").set_index("item_id")
    assert c.loc["a", "p_high"] == pytest.approx(0.7) and c.loc["a", "order_gap"] == pytest.approx(0.4)
    assert c.loc["b", "p_high"] == pytest.approx(0.2) and math.isnan(c.loc["b", "order_gap"])
    bias = position_bias(c.reset_index(), n_boot=50)
    assert bias.value == pytest.approx(0.4) and bias.n == 1


def test_bootstrap_interval_contains_the_mean_and_is_reproducible():
    x = np.random.default_rng(1).normal(0.5, 0.1, 200)
    a, b = bootstrap(x, seed=3), bootstrap(x, seed=3)
    assert a == b and a.ci_low < a.value < a.ci_high and a.n == 200
    assert (a.ci_high - a.ci_low) == pytest.approx(2 * 1.96 * 0.1 / math.sqrt(200), rel=0.25)


def test_vectorised_bootstrap_matches_the_loop():
    """The bootstrap computes means and Pearson r for all resamples at once; same draws as one at a time."""
    from culturebench.stats import _pearson_only

    rng = np.random.default_rng(3)
    values = rng.normal(size=23)
    est = bootstrap(values, n_boot=500, seed=7)
    loop = bootstrap(values, statistic=lambda a: float(np.mean(a)), n_boot=500, seed=7)
    assert (est.ci_low, est.ci_high) == pytest.approx((loop.ci_low, loop.ci_high), abs=1e-12)
    xy = np.column_stack([values, values + rng.normal(size=23)])
    xy[:3, 0] = 1.0  # some resamples hold a constant side: NaN, dropped in both
    fast = bootstrap(xy, _pearson_only, n_boot=500, seed=7)
    slow = bootstrap(xy, lambda a: _pearson_only(a), n_boot=500, seed=7)
    assert (fast.ci_low, fast.ci_high) == pytest.approx((slow.ci_low, slow.ci_high), abs=1e-12)


def test_units_are_compared_on_items_every_unit_answered_in_both_orders():
    rows = pd.DataFrame(
        [{"dim": "IDV", "item_id": item, "country": c, "order": o, "p": 0.5}
         for item in ("i1", "i2", "i3") for c in ("FR", "JP", "BR") for o in ("AB", "BA")
         if not (item == "i3" and c == "BR")  # i3: BR never reached
         and not (item == "i2" and c == "JP" and o == "BA")]  # i2: JP reached in one order only
        + [{"dim": "none", "item_id": "i2", "country": "xx", "order": "AB", "p": 0.9}]
    )  # fmt: skip
    combined = combine_orders(rows, "p")
    kept = on_common_items(combined, "dim", combined["dim"] != "none")
    compared = kept[kept["dim"] == "IDV"]
    assert set(compared["item_id"]) == {"i1"} and len(compared) == 3  # i2 in both orders for FR and BR only
    assert len(kept[kept["dim"] == "none"]) == 1  # rows outside the comparison are kept as they are
    # a unit whose only row is one-order was not reached: the others are still compared
    first = combine_orders(rows[(rows["item_id"] == "i1") & ~((rows["country"] == "BR") & (rows["order"] == "BA"))],
                           "p")  # fmt: skip
    kept = on_common_items(first, "dim", first["dim"] != "none")
    assert sorted(kept["country"]) == ["FR", "JP"]
