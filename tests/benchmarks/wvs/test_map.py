"""The map projector against the official positions (issue: R² >= 0.99, 85 % within 0.15, all within 0.4)."""

import datasets
import pytest

from culturebench.benchmarks.wvs.map import (
    AXES,
    FLAG_DISTANCE,
    ITEMS,
    fit_projector,
    leave_one_out,
    map_positions,
    r_squared,
    reference_items,
    shares_profile,
    shipped_projector,
)
from culturebench.resources import dataset_dir
from culturebench.versioning import card_field, content_hash


@pytest.fixture(scope="module")
def loo_items():
    return leave_one_out(reference_items(), "items")


def test_ten_item_projector_reproduces_official_positions(loo_items):
    assert len(loo_items) == 51
    for axis in AXES:
        r2 = r_squared(loo_items[f"pred_{axis}"], loo_items[axis])
        print(f"{axis}: leave-one-country-out R² = {r2:.4f}")
        assert r2 >= 0.99


def test_known_answer_country_profiles_land_near_their_position(loo_items):
    d = loo_items["distance"]
    print(f"distance to official position: median {d.median():.3f}, share within 0.15 {(d <= 0.15).mean():.2f}, "
          f"worst {d.max():.3f} ({loo_items.loc[d.idxmax(), 'alpha2']})")  # fmt: skip
    assert (d <= 0.15).mean() >= 0.85
    assert d.max() <= 0.4


def test_shares_projector_is_the_documented_quality():
    loo = leave_one_out(reference_items(), "shares")
    r2 = {a: r_squared(loo[f"pred_{a}"], loo[a]) for a in AXES}
    print(f"pole-share projector LOO R²: {r2}")
    assert r2["trad_secular"] >= 0.96 and r2["surv_selfexp"] >= 0.95


def test_shipped_projector_is_the_fit_of_the_shipped_data():
    fresh = fit_projector(reference_items(), "items")
    shipped = shipped_projector("items")
    for axis in AXES:
        assert shipped.full[axis].intercept == pytest.approx(fresh.full[axis].intercept)
        for f, w in fresh.full[axis].weights.items():
            assert shipped.full[axis].weights[f] == pytest.approx(w)


def test_undecided_respondent_is_placed_and_flagged_sensibly():
    placed = shipped_projector("shares").place(shares_profile(dict.fromkeys(ITEMS, 0.5)))
    assert all(-3 < placed[a] < 3 for a in AXES)
    assert isinstance(placed["flagged"], bool)
    assert placed["flagged"] == (placed["fit_disagreement"] > FLAG_DISTANCE)
    real = shipped_projector("items").place(reference_items().iloc[0].to_dict())
    assert not real["flagged"]
    with pytest.raises(ValueError, match="lacks"):
        shares_profile({"F063": 0.5})


def test_reference_data_loads_and_is_versioned():
    folder = dataset_dir("wvs_reference")
    assert card_field(folder, "content_hash") == content_hash(folder)
    m = datasets.load_dataset(str(folder), "map_2023", split="train")
    assert len(m) == len(map_positions()) == 115
    assert len(set(map_positions()["zone"])) == 8
    assert set(map_positions()["alpha2"]) >= {"IN", "VN", "MX", "DK", "US", "CN"}
