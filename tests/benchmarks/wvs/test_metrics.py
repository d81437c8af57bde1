import pandas as pd
import pytest

from culturebench.benchmarks.wvs.map import ITEMS, SHARE_ITEMS, map_positions, reference_items
from culturebench.benchmarks.wvs.metrics import dilemma_position, direct_item_means, middle_share, wvs_metrics
from culturebench.scoring import combine_orders


def _dilemma_rows(shares: dict[str, float], persona="none", country="none", per_item=4) -> pd.DataFrame:
    """Order-level rows whose order-averaged p(positive) per map item equals `shares`."""
    rows = []
    for item in ITEMS:
        for k in range(per_item):
            for order in ("AB", "BA"):
                rows.append(
                    {
                        "item_id": f"{item}-{k}",
                        "item": item,
                        "domain": ("family", "workplace", "legal")[k % 3],
                        "country": country,
                        "persona": persona,
                        "order": order,
                        "p_positive": shares[item],
                    }
                )
    return pd.DataFrame(rows)


def _profile_shares(code: str) -> dict[str, float]:
    row = reference_items().set_index("alpha2").loc[code]
    shares = {i: float(row[f"share_{i}"]) for i in SHARE_ITEMS}
    shares["Y003"] = (float(row["Y003"]) + 2) / 4  # the projector reads Y003 as 4p - 2
    return shares


def test_dilemmas_answered_with_a_country_profile_land_near_it():
    for code in ("VN", "MX", "DE", "JP"):
        pos = dilemma_position(combine_orders(_dilemma_rows(_profile_shares(code)), value="p_positive"), n_boot=0)
        official = map_positions().set_index("alpha2").loc[code]
        dist = ((pos["trad_secular"] - official["trad_secular"]) ** 2
                + (pos["surv_selfexp"] - official["surv_selfexp"]) ** 2) ** 0.5  # fmt: skip
        print(f"{code}: placed {pos['surv_selfexp']:.2f}, {pos['trad_secular']:.2f}; distance {dist:.2f}")
        assert dist < 0.4 and not pos["flagged"]


def test_bootstrap_interval_and_undefined_position():
    rows = _dilemma_rows({i: 0.3 + 0.04 * k for k, i in enumerate(ITEMS)})
    rows.loc[rows["item_id"].str.endswith("-0"), "p_positive"] = 0.9  # spread within items
    pos = dilemma_position(combine_orders(rows, value="p_positive"), n_boot=200)
    for axis in ("trad_secular", "surv_selfexp"):
        low, high = pos[f"{axis}_ci"]
        assert low <= pos[axis] <= high and high - low > 0
    partial = rows[rows["item"] != "A165"]
    assert "A165" in dilemma_position(combine_orders(partial, value="p_positive"), n_boot=0)["undefined"]


def _direct_rows(probs_by_question: dict[str, list[float]], values: dict[str, list[int]]) -> pd.DataFrame:
    item_of = {"Q8": "Y003", "Q14": "Y003", "Q15": "Y003", "Q17": "Y003", "Q45": "E018", "Q46": "A008", "Q57": "A165",
               "Q154": "Y002", "Q155": "Y002", "Q164": "F063", "Q182": "F118", "Q184": "F120", "Q209": "E025",
               "Q254": "G006"}  # fmt: skip
    return pd.DataFrame([
        {"question_id": q, "item": item_of[q], "component": "", "country": "none", "persona": "none", "probs": p,
         "values": values[q], "expected": sum(a * b for a, b in zip(p, values[q]))}
        for q, p in probs_by_question.items()
    ])  # fmt: skip


def test_direct_answers_coded_as_the_survey_codes_them():
    yes_no = [1, 2]
    values = {q: yes_no for q in ("Q8", "Q14", "Q15", "Q17", "Q57")}
    values |= {"Q45": [1, 2, 3], "Q209": [1, 2, 3], "Q46": [1, 2, 3, 4], "Q254": [1, 2, 3, 4],
               "Q154": [1, 2, 3, 4], "Q155": [1, 2, 3, 4], "Q164": list(range(1, 11)), "Q182": list(range(1, 11)),
               "Q184": list(range(1, 11))}  # fmt: skip
    ten = [0.0] * 10
    probs = {"Q8": [0.9, 0.1], "Q14": [0.6, 0.4], "Q15": [0.2, 0.8], "Q17": [0.3, 0.7], "Q57": [0.25, 0.75],
             "Q45": [0.5, 0.5, 0.0], "Q209": [0.0, 1.0, 0.0], "Q46": [0.0, 1.0, 0.0, 0.0], "Q254": [1.0, 0, 0, 0],
             "Q154": [0.1, 0.5, 0.2, 0.2], "Q155": [0.4, 0.1, 0.3, 0.2],
             "Q164": ten[:4] + [0.5, 0.5] + ten[6:], "Q182": ten[:9] + [1.0], "Q184": [1.0] + ten[1:]}  # fmt: skip
    means = direct_item_means(_direct_rows(probs, values))
    assert means["Y003"] == pytest.approx(0.9 + 0.6 - 0.2 - 0.3)
    assert means["Y002"] == pytest.approx(1 + (0.5 + 0.2) + (0.1 + 0.2))
    assert means["A165"] == pytest.approx(1.75) and means["E018"] == pytest.approx(1.5)
    assert means["F063"] == pytest.approx(5.5) and means["F118"] == 10 and means["F120"] == 1
    rows = _direct_rows(probs, values)
    # Ordinal scales with a middle: Q45, Q209, Q46, Q254, Q164, Q182, Q184; at the middle: Q209, Q46, Q164
    # (Q45's tie goes to its first option; the aims questions are nominal and not counted).
    assert middle_share(rows) == pytest.approx(3 / 7)


def test_conditions_shift_and_distance():
    neutral = _dilemma_rows(dict.fromkeys(ITEMS, 0.5))
    vietnam = _dilemma_rows(_profile_shares("VN"), persona="basic", country="VN")
    m = wvs_metrics(pd.concat([neutral, vietnam]), pd.DataFrame(), n_boot=0)
    vn = m["conditions"]["basic:VN"]
    assert vn["official"] is not None and vn["scenario"]["distance_to_country"] < 0.4
    shift = vn["scenario"]["shift_from_no_persona"]
    none = m["conditions"]["none:none"]["scenario"]
    assert shift["trad_secular"] == pytest.approx(vn["scenario"]["trad_secular"] - none["trad_secular"])
    assert m["position_bias"]["value"] == 0


def test_intervals_carry_the_projectors_error():
    """A respondent answering with a country's own Wave 7 pole shares has no dilemma-to-dilemma spread, so a
    bootstrap-only interval has zero width and never covers the official position; with the projector's
    leave-one-out error it covers most countries (it is a 95 % interval of the instrument, not a guarantee)."""
    official = map_positions().set_index("alpha2")
    codes = [c for c in reference_items()["alpha2"] if c in official.index]
    covered = sampling_only = 0
    for code in codes:
        pos = dilemma_position(combine_orders(_dilemma_rows(_profile_shares(code)), value="p_positive"), n_boot=50)
        inside = [
            pos[f"{a}_ci"][0] <= official.loc[code, a] <= pos[f"{a}_ci"][1] for a in ("trad_secular", "surv_selfexp")
        ]
        covered += all(inside)
        sampling_only += all(pos[f"{a}_ci_sampling"][0] <= official.loc[code, a] <= pos[f"{a}_ci_sampling"][1]
                             for a in ("trad_secular", "surv_selfexp"))  # fmt: skip
    print(f"covered {covered}/{len(codes)} with the projector's error, {sampling_only} with sampling alone")
    assert covered / len(codes) >= 0.8 and sampling_only / len(codes) < 0.2
