"""Entanglement ratio (seed 002, Eq. 5) on hand-worked numbers, and when it is undefined."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import torch

from culturebench.benchmarks.wvs.entanglement import entanglement_ratio
from culturebench.benchmarks.wvs.map import AXIS_ITEMS, ITEMS, WVS_REFERENCE
from culturebench.benchmarks.wvs.steer_search import steered_scores
from culturebench.benchmarks.wvs.steering import search_documents, steer_dilemmas, take_balanced
from culturebench.resources import dataset_dir

# change of p(positive) per item: the targeted axis (trad_secular) moves a lot, the other a little
DELTAS = {"F063": 0.20, "Y003": 0.10, "F120": 0.30, "G006": 0.00, "E018": 0.15,
          "Y002": 0.05, "A008": -0.02, "F118": 0.04, "E025": 0.00, "A165": 0.03}  # fmt: skip


def _rows(deltas: dict[str, float], spread: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two dilemmas per item at p = 0.4; steered: each item's delta, +-spread around it (mean unchanged)."""
    base, steered = [], []
    for item in ITEMS:
        for k, jitter in enumerate((-spread, spread)):
            base.append({"item_id": f"{item}-{k}", "item": item, "p_positive": 0.4})
            steered.append({"item_id": f"{item}-{k}", "item": item, "p_positive": 0.4 + deltas[item] + jitter})
    return pd.DataFrame(base), pd.DataFrame(steered)


def test_ratio_on_the_p_scale_is_the_hand_worked_value():
    base, steered = _rows(DELTAS, spread=0.01)
    out = entanglement_ratio(base, steered, "trad_secular", scale="p", n_boot=500)
    targeted = (0.20 + 0.10 + 0.30 + 0.00 + 0.15) / 5  # 0.15
    untargeted = (0.05 - 0.02 + 0.04 + 0.00 + 0.03) / 5  # 0.02
    assert out["targeted_shift"]["value"] == pytest.approx(targeted)
    assert out["untargeted_shift"]["value"] == pytest.approx(untargeted)
    assert out["ratio"] == pytest.approx(untargeted / targeted)  # 0.1333...
    assert out["ci_low"] <= out["ratio"] <= out["ci_high"]
    # targeting the other axis inverts the roles
    other = entanglement_ratio(base, steered, "surv_selfexp", scale="p", n_boot=0)
    assert other["ratio"] == pytest.approx(targeted / untargeted)


def test_ratio_on_the_map_scale_uses_the_axis_only_projector_weights():
    weights = json.loads((dataset_dir(WVS_REFERENCE) / "data" / "projector.json").read_text())
    axis_only = weights["projectors"]["shares"]["axis_only"]

    def shift(axis: str) -> float:  # the projector reads Y003 as 4p - 2
        w = axis_only[axis]["weights"]
        return sum(w["Y003" if i == "Y003" else f"share_{i}"] * DELTAS[i] * (4 if i == "Y003" else 1)
                   for i in AXIS_ITEMS[axis])  # fmt: skip

    base, steered = _rows(DELTAS)
    out = entanglement_ratio(base, steered, "trad_secular", scale="map", n_boot=0)
    assert out["targeted_shift"]["value"] == pytest.approx(shift("trad_secular"))
    assert out["ratio"] == pytest.approx(abs(shift("surv_selfexp")) / abs(shift("trad_secular")))


def test_undefined_when_the_targeted_shift_is_noise():
    noisy = dict(DELTAS, F063=0.0, Y003=0.0, F120=0.0, E018=0.0)
    base, steered = _rows(noisy, spread=0.2)  # zero mean shift, wide spread on the targeted items
    out = entanglement_ratio(base, steered, "trad_secular", scale="p", n_boot=300)
    assert "ratio" not in out and "not distinguishable from zero" in out["undefined"]
    missing = entanglement_ratio(base[base["item"] != "A165"], steered, "trad_secular", n_boot=0)
    assert "A165" in missing["undefined"]


def test_a_vector_that_moves_nothing_gives_undefined(tiny_lm, tiny_tokenizer):
    docs = search_documents(take_balanced(steer_dilemmas("trad_secular", "held_out")
                                          + steer_dilemmas("surv_selfexp", "held_out"), 10))  # fmt: skip
    zero = {layer: torch.zeros(tiny_lm.config.hidden_size) for layer in (0, 1)}
    base = steered_scores(tiny_lm, tiny_tokenizer, zero, [0, 1], 0.0, docs)
    moved = steered_scores(tiny_lm, tiny_tokenizer, zero, [0, 1], 0.4, docs)
    out = entanglement_ratio(base, moved, "trad_secular", n_boot=200)
    assert out["targeted_shift"]["value"] == 0.0 and "ratio" not in out
    assert "trad_secular" in out["undefined"]
