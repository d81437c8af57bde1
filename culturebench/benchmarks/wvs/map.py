"""The Inglehart-Welzel cultural map: human reference positions and the projector onto the map.

The official map (WVS/EVS 2023) places each society at the mean of its people's factor scores on
two axes: trad_secular (y, traditional -> secular-rational) and surv_selfexp (x, survival ->
self-expression). Those scores are linear in ten survey items, so a linear fit from a society's
item means reproduces its position almost exactly. Two projectors are shipped, both fitted on the
Wave 7 country aggregates by `generation/wvs/fit_projector.py`:

- `items`: the ten item means in IVS coding (for direct survey answers);
- `shares`: the share of answers on each item's positive pole (Y003 as its -2..2 index), for
  dilemma probabilities.

Each also has an axis-only variant (each axis from its own five items). Where the full and the
axis-only fit disagree by more than FLAG_DISTANCE map units, the profile is unlike any society
the projector was fitted on: it is placed, and flagged.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

import numpy as np
import pandas as pd

from culturebench.resources import dataset_dir

ITEMS: tuple[str, ...] = ("F063", "Y003", "F120", "G006", "E018", "Y002", "A008", "F118", "E025", "A165")
AXIS_ITEMS: dict[str, tuple[str, ...]] = {"trad_secular": ITEMS[:5], "surv_selfexp": ITEMS[5:]}
AXES: tuple[str, ...] = tuple(AXIS_ITEMS)
SHARE_ITEMS: tuple[str, ...] = tuple(i for i in ITEMS if i != "Y003")
FLAG_DISTANCE = 0.5
WVS_REFERENCE = "wvs_reference"


def features(kind: str) -> list[str]:
    """Input columns of a projector kind."""
    if kind == "items":
        return list(ITEMS)
    if kind == "shares":
        return ["Y003" if i == "Y003" else f"share_{i}" for i in ITEMS]
    raise ValueError(f"unknown projector kind {kind!r}; valid: items, shares")


def axis_features(kind: str, axis: str) -> list[str]:
    own = set(AXIS_ITEMS[axis])
    return [f for f in features(kind) if f.removeprefix("share_") in own]


def reference_items() -> pd.DataFrame:
    """Wave 7 societies with all ten items and an official map position of the same fieldwork (a copy)."""
    return _reference_items().copy()


def map_positions() -> pd.DataFrame:
    """Latest official map position of every society (2023 release), with its cultural zone (a copy)."""
    return _map_positions().copy()


@cache
def _reference_items() -> pd.DataFrame:
    path = dataset_dir(WVS_REFERENCE) / "data" / "wvs7_items.csv"
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    return frame.dropna(subset=[*ITEMS, *features("shares"), *AXES]).reset_index(drop=True)


@cache
def _map_positions() -> pd.DataFrame:
    return pd.read_csv(dataset_dir(WVS_REFERENCE) / "data" / "map_2023.csv", keep_default_na=False, na_values=[""])


@dataclass(frozen=True)
class LinearFit:
    """axis value = intercept + sum(weight * feature)."""

    intercept: float
    weights: Mapping[str, float]

    def __post_init__(self) -> None:  # frozen all the way down: the shipped projector is cached and shared
        object.__setattr__(self, "weights", MappingProxyType(dict(self.weights)))

    def predict(self, profile: Mapping[str, float]) -> float:
        missing = [f for f in self.weights if f not in profile]
        if missing:
            raise ValueError(f"profile lacks {missing}")
        return self.intercept + sum(w * float(profile[f]) for f, w in self.weights.items())


def fit_linear(frame: pd.DataFrame, columns: list[str], target: str) -> LinearFit:
    """Ordinary least squares of one axis on the given columns."""
    x = np.column_stack([np.ones(len(frame)), frame[columns].to_numpy(dtype=float)])
    coef, *_ = np.linalg.lstsq(x, frame[target].to_numpy(dtype=float), rcond=None)
    return LinearFit(float(coef[0]), {c: float(w) for c, w in zip(columns, coef[1:])})


@dataclass(frozen=True)
class Projector:
    """Full and axis-only fits of both axes for one input kind."""

    kind: str
    full: Mapping[str, LinearFit]
    axis_only: Mapping[str, LinearFit]

    def __post_init__(self) -> None:
        object.__setattr__(self, "full", MappingProxyType(dict(self.full)))
        object.__setattr__(self, "axis_only", MappingProxyType(dict(self.axis_only)))

    def place(self, profile: Mapping[str, float]) -> dict:
        """Map position of a profile, and whether it lies far from every society the fit has seen."""
        full = {a: self.full[a].predict(profile) for a in AXES}
        axis = {a: self.axis_only[a].predict(profile) for a in AXES}
        gap = math.dist([full[a] for a in AXES], [axis[a] for a in AXES])
        return {**full, "axis_only": axis, "fit_disagreement": gap, "flagged": gap > FLAG_DISTANCE}


def fit_projector(frame: pd.DataFrame, kind: str) -> Projector:
    return Projector(
        kind,
        {a: fit_linear(frame, features(kind), a) for a in AXES},
        {a: fit_linear(frame, axis_features(kind, a), a) for a in AXES},
    )


def leave_one_out(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Each society placed by a projector fitted without it: predicted and official positions."""
    rows = []
    for k in range(len(frame)):
        projector = fit_projector(frame.drop(index=k), kind)
        society = frame.iloc[k]
        placed = projector.place(society.to_dict())
        rows.append({"alpha2": society["alpha2"], **{f"pred_{a}": placed[a] for a in AXES},
                     **{a: float(society[a]) for a in AXES}})  # fmt: skip
    out = pd.DataFrame(rows)
    out["distance"] = np.hypot(*(out[f"pred_{a}"] - out[a] for a in AXES))
    return out


def r_squared(predicted: pd.Series, observed: pd.Series) -> float:
    residual = float(((observed - predicted) ** 2).sum())
    total = float(((observed - observed.mean()) ** 2).sum())
    return 1 - residual / total


@cache
def shipped_projector(kind: str) -> Projector:
    """The projector shipped in hf_datasets/wvs_reference/data/projector.json."""
    data = _projector_file()
    if kind not in data["projectors"]:
        raise ValueError(f"unknown projector kind {kind!r}; valid: {', '.join(data['projectors'])}")
    entry = data["projectors"][kind]

    def fits(part: str) -> dict[str, LinearFit]:
        return {a: LinearFit(entry[part][a]["intercept"], entry[part][a]["weights"]) for a in AXES}

    return Projector(kind, fits("full"), fits("axis_only"))


@cache
def _projector_file() -> dict:
    return json.loads((dataset_dir(WVS_REFERENCE) / "data" / "projector.json").read_text())


def projector_error(kind: str) -> dict[str, float]:
    """The projector's leave-one-country-out error: RMSE per axis and the median distance (map units).

    It is the instrument's resolution: a profile answered exactly like a society lands this far from
    the society's official position, so no smaller difference can be read from a placed position.
    """
    loo = _projector_file()["projectors"][kind]["leave_one_out"]
    return {**{a: float(loo[a]["loo_rmse"]) for a in AXES}, "median_distance": float(loo["distance"]["median"])}


def shares_profile(p_positive: Mapping[str, float]) -> dict[str, float]:
    """Input of the `shares` projector from p(positive pole) per item (Y003's index is 4p - 2)."""
    missing = [i for i in ITEMS if i not in p_positive]
    if missing:
        raise ValueError(f"p(positive) lacks items {missing}")
    profile = {f"share_{i}": float(p_positive[i]) for i in SHARE_ITEMS}
    profile["Y003"] = 4 * float(p_positive["Y003"]) - 2
    return profile
