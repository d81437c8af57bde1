"""Planted bad drafts, one per check rule, are each caught with a reason; the good drafts all pass."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from culturebench.generate.banks import bank
from culturebench.generate.checks import check_drafts, giveaway_problem, text_of
from culturebench.generate.spec import SpecError, load_spec
from tests.generate.conftest import SPEC
from tests.generate.drafts import GOOD

CELL = {"item": "F063", "axis": "trad_secular", "domain": "family"}
QUO = "Keep her in the scripture classes that prepare confirmation"
POLE = "Hire the secular student who holds a first-aid certificate"
LONG = "Host a yard barbecue for the street, with music, games and food for every new neighbour and their children"


def _row(k: int, drafted: dict) -> tuple[dict, dict]:
    return {"id": f"d{k:02d}", **CELL, **drafted}, drafted


def _planted(shipped_item: dict) -> dict[str, tuple[str, dict]]:
    """{name: (the rule that must catch it, drafted fields)}, each a good draft with one flaw."""

    def flawed(k: int, change) -> dict:
        drafted = copy.deepcopy(GOOD[k])
        change(drafted)
        return drafted

    def set_option(k: int, text: str):
        return lambda d: d["options"][k].update(text=text)

    return {
        "one option only": ("schema", flawed(0, lambda d: d["options"].pop())),
        "scenario too short": ("schema", flawed(1, lambda d: d.update(scenario="I must choose today " * 12))),
        "country slot": ("slot", flawed(2, lambda d: d.update(scenario=d["scenario"] + " We live in {country}."))),
        "answer letter": ("slot", flawed(3, set_option(0, "B) " + GOOD[3]["options"][0]["text"]))),
        "uneven lengths": ("length", flawed(4, set_option(0, LONG))),
        "status quo on one side": ("giveaway", flawed(5, set_option(1, QUO))),
        "negation on one side": ("giveaway", flawed(6, set_option(1, "Do not fast and train for the race"))),
        "names the pole": ("giveaway", flawed(7, set_option(0, POLE))),
        "copy of a shipped item": ("near_duplicate", {k: shipped_item[k] for k in ("scenario", "question", "options")}),
        "copy of an earlier draft": ("near_duplicate", flawed(9, lambda d: d.update(question="Which home do I pick?"))),
    }


def test_each_planted_flaw_is_caught_and_the_good_drafts_pass(spec):
    target = bank("wvs_dilemmas")
    shipped_items = [i for items in target.items().values() for i in items]
    shipped = {i["id"]: text_of(i) for i in shipped_items}
    clean = (i for i in shipped_items if i["item"] == "F063" and i["domain"] == "family"
             and not giveaway_problem(i, spec.checks["pole_words"]))  # fmt: skip
    planted = _planted(next(clean))  # a shipped item only the near-duplicate check can catch
    rows = [_row(k, g) for k, g in enumerate(GOOD)]
    rows += [_row(len(GOOD) + k, drafted) for k, (_, drafted) in enumerate(planted.values())]
    accepted, rejections = check_drafts(rows, spec.item_schema, target.validate, spec.checks, shipped)
    assert [r["id"] for r in accepted] == [f"d{k:02d}" for k in range(len(GOOD))]
    caught = {r.id: r for r in rejections}
    for k, (name, (rule, _)) in enumerate(planted.items()):
        rejection = caught.pop(f"d{len(GOOD) + k:02d}")
        assert rejection.rule == rule, (name, rejection)
        assert rejection.reason
    assert caught == {}
    reasons = {r.id: r.reason for r in rejections}
    assert "minItems" in reasons["d10"] or "too short" in reasons["d10"]
    assert "'{country}'" in reasons["d12"] and "'B)'" in reasons["d13"]
    assert "ratio" in reasons["d14"] and "'keep'" in reasons["d15"] and "negation" in reasons["d16"]
    assert "secular" in reasons["d17"] and "shipped item F063-" in reasons["d18"] and "draft d09" in reasons["d19"]


def test_spec_errors_name_the_file_and_key(tmp_path):
    text = SPEC.read_text()
    cases = {
        "missing key": (text.replace("per_request: 5\n", ""), "missing keys ['per_request']"),
        "unknown slot": (text.replace("Setting: {setting}.", "Setting: {place}."), "unknown slots ['place']"),
        "bad schema": (text.replace("minItems: 2", "minItems: -2"), "not a valid JSON Schema"),
        "unknown check": (text.replace("checks:\n", "checks:\n  shout: true\n"), "unknown keys under 'checks'"),
    }
    for name, (bad, message) in cases.items():
        path = tmp_path / f"{name.replace(' ', '_')}.yaml"
        path.write_text(bad)
        with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("]", r"\]")) as e:
            load_spec(path)
        assert str(path) in str(e.value)
    with pytest.raises(SpecError, match="no such spec"):
        load_spec(Path(tmp_path / "absent.yaml"))
