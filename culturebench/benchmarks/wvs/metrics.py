"""Positions on the Inglehart-Welzel map from dilemma probabilities and direct answers (seed 002).

- Dilemmas: p(positive) of each prompt from the A/B letter probabilities, averaged over the two
  option orders; a condition's share per map item is the mean over its dilemmas; the `shares`
  projector places the ten shares. CIs bootstrap dilemmas within each item.
- Direct questions: the expected survey code of each question from its option probabilities,
  coded as the survey codes the items (Y003 from the four child qualities, Y002 from the two aims
  questions); the `items` projector places the ten item means.
- Per condition: distance to the persona country's official position, shift from the no-persona
  position, and the gap between the direct and the scenario positions.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from culturebench.benchmarks.wvs.documents import direct_questions
from culturebench.benchmarks.wvs.map import (
    AXES,
    ITEMS,
    map_positions,
    projector_error,
    shares_profile,
    shipped_projector,
)
from culturebench.scoring import choice_probabilities, combine_orders, on_common_items, position_bias
from culturebench.stats import DEFAULT_N_BOOT, DEFAULT_SEED, percentile_interval

POSTMATERIALIST = (2, 4)  # "more say", "free speech" in the aims questions
MIDDLE_CODES = {2: (), 3: (2,), 4: (2, 3), 10: (5, 6)}  # answers "stuck at the middle" by scale length


def dilemma_score_row(doc: dict, logliks: list[float]) -> dict:
    """Score row of one dilemma document: p of the positive-pole option."""
    keys = ("item_id", "item", "domain", "country", "persona", "order")
    return {**{k: doc[k] for k in keys}, "p_positive": float(choice_probabilities(logliks)[doc["positive_index"]])}


def direct_score_row(doc: dict, logliks: list[float]) -> dict:
    """Score row of one direct question: the option distribution and the expected survey code."""
    probs = choice_probabilities(logliks)
    values = np.asarray(doc["values"], dtype=float)
    keys = ("question_id", "item", "component", "country", "persona")
    return {**{k: doc[k] for k in keys}, "probs": [float(p) for p in probs], "values": list(doc["values"]),
            "expected": float(probs @ values)}  # fmt: skip


def _place(p_positive: dict[str, float]) -> dict:
    return shipped_projector("shares").place(shares_profile(p_positive))


def dilemma_position(combined: pd.DataFrame, n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED) -> dict:
    """Map position of one condition's order-averaged dilemma rows, with bootstrap CIs over dilemmas."""
    by_item = {i: g["p_positive"].to_numpy() for i, g in combined.groupby("item")}
    missing = [i for i in ITEMS if i not in by_item]
    if missing:
        return {"undefined": f"no dilemmas for items {missing}"}
    shares = {i: float(v.mean()) for i, v in by_item.items()}
    out = {**_place(shares), "shares": shares, "n_dilemmas": int(len(combined))}
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        draws = [
            _place({i: float(rng.choice(v, size=len(v)).mean()) for i, v in by_item.items()}) for _ in range(n_boot)
        ]
        error = projector_error("shares")
        for axis in AXES:
            low, high = percentile_interval([d[axis] for d in draws])
            out[f"{axis}_ci_sampling"] = [float(low), float(high)]
            out[f"{axis}_ci"] = with_projector_error(out[axis], float(low), float(high), error[axis])
    return out


def with_projector_error(value: float, low: float, high: float, rmse: float) -> list[float]:
    """A 95 % interval widened by the projector's own error (leave-one-out RMSE), added in quadrature on each side."""
    z = 1.959963984540054
    return [value - math.hypot(value - low, z * rmse), value + math.hypot(high - value, z * rmse)]


def indifference_point() -> dict:
    """Where a respondent with no leaning lands: p(positive) = 0.5 on every dilemma, through the shares projector.

    It is not the map's origin, so a model answering at chance would otherwise read as a society.
    """
    return _place(dict.fromkeys(ITEMS, 0.5))


def scale_middle_point(questions: list[dict]) -> dict:
    """Where uniform answers to the direct questions land (every option equally likely), through the items projector."""
    rows = pd.DataFrame(
        [
            {
                "question_id": q["id"],
                "item": q["item"],
                "probs": [1 / len(q["values"])] * len(q["values"]),
                "expected": float(np.mean(q["values"])),
            }
            for q in questions
        ]  # fmt: skip
    )
    return shipped_projector("items").place(direct_item_means(rows))


def common_dilemmas(combined: pd.DataFrame) -> pd.DataFrame:
    """Persona rows restricted, per persona type, to the dilemmas every country of that type answered."""
    return on_common_items(combined, "persona", combined["persona"] != "none")


def against_indifference(pos: dict, point: dict) -> dict:
    """Add a position's distance to the indifference point and whether its CI includes it (in place)."""
    if "undefined" not in pos:
        pos["distance_to_indifference"] = _distance(pos, point)
        pos["includes_indifference"] = _includes(pos, point)
    return pos


def _includes(pos: dict, point: dict) -> bool | None:
    """Whether a position's CI includes a point on both axes (None without a CI)."""
    if any(f"{a}_ci" not in pos for a in AXES):
        return None
    return all(pos[f"{a}_ci"][0] <= point[a] <= pos[f"{a}_ci"][1] for a in AXES)


def direct_item_means(rows: pd.DataFrame) -> dict[str, float]:
    """Item means in IVS coding from the direct answers of one condition."""
    expected = rows.set_index("question_id")["expected"]
    p_first = rows.set_index("question_id")["probs"]
    means = {}
    for _, r in rows.iterrows():
        if r["item"] not in ("Y003", "Y002"):
            means[r["item"]] = float(expected[r["question_id"]])

    def p_yes(qid: str) -> float:  # option 1 = "yes, especially important"
        return float(p_first[qid][0])

    means["Y003"] = p_yes("Q8") + p_yes("Q14") - p_yes("Q15") - p_yes("Q17")
    means["Y002"] = 1 + sum(float(sum(p_first[q][v - 1] for v in POSTMATERIALIST)) for q in ("Q154", "Q155"))
    return means


def middle_share(rows: pd.DataFrame) -> float:
    """Share of ordinal direct questions whose most likely answer is the middle of its scale (seed 002: 'stuck
    at 5-6'). The aims questions (Y002) are nominal and have no middle."""
    ordinal = rows[rows["item"] != "Y002"]
    stuck = [int(np.argmax(r["probs"])) + 1 in MIDDLE_CODES.get(len(r["probs"]), ()) for _, r in ordinal.iterrows()
             if MIDDLE_CODES.get(len(r["probs"]))]  # fmt: skip
    return float(np.mean(stuck)) if stuck else math.nan


def _official(country: str) -> dict[str, float] | None:
    m = map_positions()
    row = m[m["alpha2"] == country]
    return None if row.empty else {a: float(row.iloc[0][a]) for a in AXES}


def _distance(a: dict, b: dict | None) -> float:
    if b is None or "undefined" in a or "undefined" in b:
        return math.nan
    return math.dist([a[x] for x in AXES], [b[x] for x in AXES])


def wvs_metrics(
    dilemmas: pd.DataFrame, direct: pd.DataFrame, n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED
) -> dict:
    """Positions per (persona, country), overall and per domain, with distances, shifts and direct-vs-scenario gaps."""
    indifferent = {a: v for a, v in indifference_point().items() if a in AXES}
    middle = {a: v for a, v in scale_middle_point(direct_questions()).items() if a in AXES}
    out: dict = {"conditions": {}, "indifference": {"scenario": indifferent, "direct": middle},
                 "resolution": {"scenario": projector_error("shares")["median_distance"],
                                "direct": projector_error("items")["median_distance"]}}  # fmt: skip
    all_dilemmas = combine_orders(dilemmas, value="p_positive") if len(dilemmas) else dilemmas
    combined = common_dilemmas(all_dilemmas) if len(dilemmas) else dilemmas
    if len(dilemmas):
        out["position_bias"] = position_bias(all_dilemmas, n_boot=n_boot, seed=seed).to_dict()
        out["dilemmas_compared"] = {
            persona: {
                "used": int(used["item_id"].nunique()),
                "dropped": sorted(set(block["item_id"]) - set(used["item_id"])),
            }  # fmt: skip
            for persona, block in all_dilemmas[all_dilemmas["persona"] != "none"].groupby("persona")
            for used in [combined[combined["persona"] == persona]]
        }
    keys = sorted(set(zip(combined.get("persona", []), combined.get("country", []))) |
                  set(zip(direct.get("persona", []), direct.get("country", []))))  # fmt: skip
    for persona, country in keys:
        cond: dict = {"persona": persona, "country": country, "official": _official(country)}
        rows = (
            combined[(combined["persona"] == persona) & (combined["country"] == country)] if len(combined) else combined
        )
        if len(rows):
            cond["scenario"] = dilemma_position(rows, n_boot, seed)
            cond["domains"] = {d: dilemma_position(g, 0, seed) for d, g in rows.groupby("domain")}
        answers = direct[(direct["persona"] == persona) & (direct["country"] == country)] if len(direct) else direct
        if len(answers) and set(answers["question_id"]) >= {"Q8", "Q14", "Q15", "Q17", "Q154", "Q155"}:
            means = direct_item_means(answers)
            if set(means) == set(ITEMS):
                placed = shipped_projector("items").place(means)
                error = projector_error("items")  # the direct answers' position has no sampling error, only this
                cis = {f"{a}_ci": with_projector_error(placed[a], placed[a], placed[a], error[a]) for a in AXES}
                cond["direct"] = {**placed, **cis, "item_means": means}
            cond["direct_middle_share"] = middle_share(answers)
        out["conditions"][f"{persona}:{country}"] = cond
    none = out["conditions"].get("none:none", {})
    for cond in out["conditions"].values():
        for view in ("scenario", "direct"):
            if view in cond:
                cond[view]["distance_to_country"] = _distance(cond[view], cond["official"])
                against_indifference(cond[view], out["indifference"][view])
                cond[view]["shift_from_no_persona"] = (
                    {a: cond[view][a] - none[view][a] for a in AXES} if view in none and "undefined" not in cond[view]
                    and "undefined" not in none[view] else None
                )  # fmt: skip
        if "scenario" in cond and "direct" in cond:
            cond["direct_vs_scenario"] = _distance(cond["direct"], cond["scenario"])
    return out
