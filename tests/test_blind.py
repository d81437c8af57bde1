"""The shared blind second pass (culturebench.blind) on small hand-made files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from culturebench.blind import (
    DILEMMA_LABEL_FIELDS,
    LabelError,
    blind_id,
    check_coverage,
    count_agreement,
    dilemma_rows,
    field_agreement,
    flagged,
    latest_labels,
    opaque_rows,
    pole_agreement,
    read_labels,
    unblind,
)
from culturebench.cards import category_stats, ratio
from culturebench.jsonl import write_jsonl


def _dilemma(i: int) -> dict:
    return {
        "id": f"pdi-{i:03d}",
        "dimension": "PDI",
        "domain": "workplace",
        "scenario": f"Scenario {i}.",
        "question": "What should I do?",
        "options": [{"text": f"high answer {i}", "pole": "high"}, {"text": f"low answer {i}", "pole": "low"}],
    }


def _label(item_id: str, option: int, confidence: str = "sure", note: str = "", balanced: bool = True) -> dict:
    return {"id": item_id, "high_option": option, "confidence": confidence, "balanced": balanced, "note": note}


def _labelled_round(folder: Path, name: str, round_: int, items: list[dict], picks: dict[str, tuple]) -> None:
    """Blind file of `items` for one round, and labels choosing, per id, the text given by (pole, *rest)."""
    suffix = "" if round_ == 1 else f"_r{round_}"
    rows = dilemma_rows(items, f"test-{round_}", ("id", "dimension", "scenario", "question"))
    write_jsonl(folder / f"{name}_blind{suffix}.jsonl", rows)
    labels = []
    for row in rows:
        if row["id"] not in picks:
            continue
        pole, *rest = picks[row["id"]]
        text = next(o["text"] for o in items[int(row["id"][-3:])]["options"] if o["pole"] == pole)
        option = 1 if row["option_1"] == text else 2
        labels.append(_label(row["id"], option, *rest))
    write_jsonl(folder / f"{name}_labels{suffix}.jsonl", labels)


def test_agreement_latest_round_counts_and_unsure_and_missing(tmp_path):
    items = [_dilemma(i) for i in range(4)]
    ids = [i["id"] for i in items]
    # First pass: 000 right but unbalanced, 001 wrong, 002 right but unsure, 003 not labelled.
    first_picks = {
        ids[0]: ("high", "sure", "uneven stakes", False),
        ids[1]: ("low",),
        ids[2]: ("high", "unsure", "could go either way"),
    }
    _labelled_round(tmp_path, "pdi", 1, items, first_picks)
    # Round 2: 001 (revised) is now labelled right; 003 is labelled for the first time.
    _labelled_round(tmp_path, "pdi", 2, items, {ids[1]: ("high",), ids[3]: ("low",)})

    kwargs = {"fields": DILEMMA_LABEL_FIELDS, "option": "high_option"}
    first = read_labels(tmp_path, "pdi", **kwargs)
    assert list(first) == ids[:3]
    with pytest.raises(ValueError, match="blind labels of pdi do not cover exactly the authored items"):
        check_coverage(first, ids, "pdi")
    assert pole_agreement(items, first, "high") == {ids[0]: True, ids[1]: False, ids[2]: True}

    first2, final = latest_labels(tmp_path, "pdi", 4, **kwargs)  # rounds 3 and 4 have no files: skipped
    assert first2 == first
    check_coverage(final, ids, "pdi")
    agree = pole_agreement(items, final, "high")
    assert agree == {ids[0]: True, ids[1]: True, ids[2]: True, ids[3]: False}
    assert flagged(final) == {ids[0]: "uneven stakes", ids[2]: "could go either way"}
    kept = items[1:]
    stats = category_stats(items, kept, (sum(pole_agreement(items, first, "high").values()), len(items)), 2)
    assert stats == {
        "authored": 4,
        "kept": 3,
        "agreement_first_pass": "2/4",
        "agreement_kept": "2/3",
        "domains": {"workplace": 3},
    }
    assert ratio(2, 3) == "2/3 (66.7 %)"


def test_field_agreement_through_blind_ids(tmp_path):
    items = [
        {"id": "sc-ind-01", "construct": "independent", "reverse_keyed": False},
        {"id": "sc-int-01", "construct": "interdependent", "reverse_keyed": True},
    ]
    labels = [
        {"blind_id": blind_id("sc-ind-01"), "construct": "independent", "reverse_keyed": True, "confidence": "sure",
         "note": ""},
        {"blind_id": blind_id("sc-int-01"), "construct": "interdependent", "reverse_keyed": True,
         "confidence": "unsure", "note": "hm"},
    ]  # fmt: skip
    write_jsonl(tmp_path / "sc_labels.jsonl", labels)
    fields = ("construct", "reverse_keyed")
    by_id = unblind(read_labels(tmp_path, "sc", key="blind_id", fields=fields), items)
    per_item = field_agreement(items, by_id, fields)
    assert per_item["sc-ind-01"] == {"construct": True, "reverse_keyed": False, "all": False}
    assert count_agreement(per_item, fields) == {"construct": 2, "reverse_keyed": 1, "all": 1}
    assert flagged(by_id) == {"sc-int-01": "hm"}


def test_dilemma_rows_hide_poles_and_shuffle_deterministically():
    items = [_dilemma(i) for i in range(40)]
    rows = dilemma_rows(items, "blind-pdi", ("id", "scenario"))
    assert rows == dilemma_rows(items, "blind-pdi", ("id", "scenario"))
    assert rows != dilemma_rows(items, "blind-other", ("id", "scenario"))
    assert all(set(r) == {"id", "scenario", "option_1", "option_2"} for r in rows)
    assert not any(v in ("high", "low") for r in rows for v in r.values())
    for item, row in zip(items, rows):
        assert {row["option_1"], row["option_2"]} == {o["text"] for o in item["options"]}
    high_first = sum(r["option_1"].startswith("high") for r in rows)
    assert 0 < high_first < len(rows)


def test_opaque_rows_hide_ids_and_shuffle_deterministically():
    pairs = [(f"sc-ind-{i:02d}", {"text": f"statement {i}"}) for i in range(20)]
    rows = opaque_rows(pairs, "blind-sc")
    assert rows == opaque_rows(pairs, "blind-sc")
    assert [r["text"] for r in rows] != [shown["text"] for _, shown in pairs]
    assert "sc-ind" not in json.dumps(rows)
    assert sorted(r["blind_id"] for r in rows) == sorted(blind_id(i) for i, _ in pairs)
    assert blind_id("sc-ind-01") == blind_id("sc-ind-01") != blind_id("sc-ind-02")


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"id": "pdi-001", "high_option": 1, "confidence": "sure"', "not valid JSON"),
        ('{"id": "pdi-001", "high_option": 1, "confidence": "sure"}', "missing fields"),
        ('{"id": "pdi-001", "high_option": 3, "confidence": "sure", "balanced": true, "note": ""}', "not 1 or 2"),
        ('{"id": "pdi-999", "high_option": 1, "confidence": "sure", "balanced": true, "note": ""}', "not in"),
        ('{"id": "pdi-000", "high_option": 1, "confidence": "sure", "balanced": true, "note": ""}', "labelled twice"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_malformed_label_line_names_file_and_line(tmp_path, line, message):
    write_jsonl(tmp_path / "pdi_blind.jsonl", dilemma_rows([_dilemma(0), _dilemma(1)], "s", ("id",)))
    good = json.dumps(_label("pdi-000", 1))
    path = tmp_path / "pdi_labels.jsonl"
    path.write_text(good + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(LabelError, match=message) as err:
        read_labels(tmp_path, "pdi", fields=DILEMMA_LABEL_FIELDS, option="high_option")
    assert f"{path}:3" in str(err.value)


def test_missing_first_pass_is_an_error_naming_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="pdi_labels.jsonl"):
        latest_labels(tmp_path, "pdi", 3)
