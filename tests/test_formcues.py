"""Form cues (culturebench.formcues) on hand-made banks with known answers, and the shipped cards against the data."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from culturebench.formcues import (
    POOLED,
    aim_failures,
    cue_report,
    first_verb,
    form_cues,
    giveaway_words,
    length_balance,
    main,
    options_only_accuracy,
    read_meaning_words,
)
from culturebench.resources import dataset_dir

NOUNS = "car job flat dog garden trip course loan party shop bike roof school choir team club fence boat loft desk"


def _item(i: int, pole_text: str, other_text: str, category: str = "A") -> dict:
    return {"id": f"x-{i:03d}", "cat": category, "options": [
        {"text": other_text, "pole": "low"}, {"text": pole_text, "pole": "high"}]}  # fmt: skip


def test_a_giveaway_word_is_read_off_every_item():
    """The options differ only by one word, always the same on each side: the classifier never misses."""
    pairs = [(f"Sign on with the {n}", f"Stay on with the {n}") for n in NOUNS.split()]
    result = options_only_accuracy(pairs, shuffles=50)
    assert result["accuracy"] == 1.0
    assert 0.4 < result["baseline_mean"] < 0.6 and result["baseline_p95"] < 1.0
    top = giveaway_words(pairs)
    assert top == [("sign", 20, 0), ("stay", 0, 20)]  # the shared words are as common on each side


def test_random_words_stay_near_chance():
    """Options drawn at random from one vocabulary: accuracy near 0.5 and inside the shuffled baseline."""
    rng = random.Random(7)
    vocab = [f"w{k}" for k in range(40)]
    pairs = [(" ".join(rng.choices(vocab, k=6)), " ".join(rng.choices(vocab, k=6))) for _ in range(150)]
    result = options_only_accuracy(pairs, shuffles=100)
    assert abs(result["accuracy"] - 0.5) < 0.1
    assert abs(result["baseline_mean"] - 0.5) < 0.03
    assert result["accuracy"] <= result["baseline_p95"] + 0.02


def test_identical_options_are_ties():
    assert options_only_accuracy([(f"Go to the {n}", f"Go to the {n}") for n in NOUNS.split()], 0)["accuracy"] == 0.5


def test_counts_on_four_items_worked_by_hand():
    pairs = [
        ("I ask the manager for a raise", "Stay quiet and wait"),  # pole longer (7 vs 4); other opens with "stay"
        ("To keep the old car", "Buy a new car now"),  # tie (5 vs 5); pole opens with "keep" after "To"
        ("Sign the petition", "We decline, and do not sign"),  # other longer; "decline" after "We"; "not"
        ("Tell them, don't wait!", "Accept it"),  # pole longer (4 vs 2); "don't" on the pole; "accept"
    ]
    r = cue_report(pairs, shuffles=0)
    assert r["n_items"] == 4
    assert (r["status_quo_pole"], r["status_quo_other"]) == (0.25, 0.75)
    assert (r["negation_pole"], r["negation_other"]) == (0.25, 0.25)
    assert (r["pole_longer"], r["ties"]) == (0.5, 1)
    assert first_verb("I, stay put.") == "stay" and first_verb("To") == "to" and first_verb("") == ""


def test_categories_pooled_and_order_free():
    items = [_item(i, f"Sign the {n}", f"Keep the {n}", "A") for i, n in enumerate(NOUNS.split()[:10])]
    items += [_item(10 + i, f"Keep the {n}", f"Sign the {n}", "B") for i, n in enumerate(NOUNS.split()[10:])]
    cues = form_cues(items, "cat", "high", shuffles=20)
    assert list(cues) == ["A", "B", POOLED]
    assert cues["A"]["accuracy"] == cues["B"]["accuracy"] == 1.0
    assert cues["A"]["status_quo_other"] == cues["B"]["status_quo_pole"] == 1.0
    assert cues[POOLED]["n_items"] == 20 and cues[POOLED]["accuracy"] < 0.5  # the cue flips between categories
    assert form_cues(list(reversed(items)), "cat", "high", shuffles=20)[POOLED] == cues[POOLED]
    with pytest.raises(ValueError, match="exactly one"):
        form_cues([_item(0, "a", "b") | {"options": [{"text": "a", "pole": "low"}] * 2}], "cat", "high")


def test_meaning_words_are_hidden_from_the_classifier_only():
    """A category whose pole is named by one word is read perfectly until that word is declared a meaning word."""
    items = [_item(i, f"Pray over the {n} tonight", f"Sleep over the {n} tonight") for i, n in enumerate(NOUNS.split())]
    plain = form_cues(items, "cat", "high", shuffles=0)["A"]
    masked = form_cues(items, "cat", "high", shuffles=0, meaning_words={"A": ["pray"]})["A"]
    assert plain["accuracy"] == 1.0 and plain["giveaways"][0] == ("pray", 20, 0)
    assert masked["meaning_words"] == ["pray"] and masked["giveaways"][0] == ("sleep", 0, 20)  # "sleep" still tells
    assert masked["accuracy"] == 1.0
    both = form_cues(items, "cat", "high", shuffles=0, meaning_words={"A": ["pray", "sleep"]})["A"]
    assert both["accuracy"] == 0.5 and both["giveaways"] == []
    assert (masked["pole_longer"], masked["status_quo_pole"]) == (plain["pole_longer"], plain["status_quo_pole"])


def test_meaning_words_must_be_words_of_known_categories():
    items = [_item(i, f"Pray over the {n}", f"Sleep over the {n}") for i, n in enumerate(NOUNS.split())]
    upper = form_cues(items, "cat", "high", shuffles=0, meaning_words={"A": ["Pray"]})["A"]
    assert upper["meaning_words"] == ["pray"] and upper["giveaways"][0][0] == "sleep"  # lower-cased like the tokens
    with pytest.raises(ValueError, match="list of words"):
        form_cues(items, "cat", "high", shuffles=0, meaning_words={"A": {"words": ["pray"], "why": "x"}})
    with pytest.raises(ValueError, match="not cat values"):
        form_cues(items, "cat", "high", shuffles=0, meaning_words={"B": ["pray"]})


def test_aims_name_each_miss():
    """A bank built to miss every aim gets one line per aim; a balanced one gets none."""
    bad = cue_report([(f"Sign the long {n} form", f"Stay with the {n}") for n in NOUNS.split()], shuffles=0)
    assert length_balance(bad) == 1.0
    misses = aim_failures("E025", bad)
    assert len(misses) == 3 and all(m.startswith("E025: ") for m in misses)
    assert "accuracy 1.00 > 0.80" in misses[0] and "differ by 1.00" in misses[1] and "1.00 of items" in misses[2]
    assert "> 0.70" in aim_failures("pooled", bad)[0]
    words = NOUNS.split()
    fair = [(f"Paint the {a}", f"Mend the {b}") if k % 2 else (f"Mend the {a}", f"Paint the {b}")
            for k, (a, b) in enumerate(zip(words, words[1:] + words[:1]))]  # fmt: skip
    assert aim_failures("A", cue_report(fair, shuffles=0)) == []


def test_checker_exit_status(tmp_path, capsys):
    path = tmp_path / "bank.jsonl"
    path.write_text(
        "\n".join(json.dumps(_item(i, f"Sign the {n}", f"Stay with {n}")) for i, n in enumerate(NOUNS.split()))
    )
    assert main([str(path), "--category", "cat", "--shuffles", "5"]) == 1
    assert "MISSED" in capsys.readouterr().out


# --- the shipped cards state what the shipped data give (a card cannot go stale) ---

BANKS = {
    "hofstede_dilemmas": ("dimension", "high", None),
    "wvs_dilemmas": ("item", "positive", ("steer.jsonl", "eval.jsonl")),
}


def _shipped(bank: str) -> tuple[str, str, Path, list[dict]]:
    """(category field, scored pole, dataset folder, items) of a shipped bank."""
    category, pole, files = BANKS[bank]
    folder = dataset_dir(bank)
    paths = [folder / "data" / f for f in files] if files else sorted((folder / "data").glob("*.jsonl"))
    return category, pole, folder, [json.loads(line) for p in paths for line in p.read_text().splitlines() if line]


def _card_rows(text: str, label: str) -> dict[str, list[str]]:
    """The form-cue table's cells by category, read back from the card."""
    lines = text.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith(f"| {label} | items | options-only accuracy"))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows[cells[0].strip("*")] = cells[1:]
    return rows


def _close(cell: str, value: float) -> bool:
    return abs(float(cell) - value) <= 0.005 + 1e-9


@pytest.mark.parametrize("bank", BANKS)
def test_card_form_cues_match_the_data(bank):
    category, pole, folder, items = _shipped(bank)
    cues = form_cues(items, category, pole, meaning_words=read_meaning_words(folder))
    rows = _card_rows((folder / "README.md").read_text(encoding="utf-8"), category)
    assert sorted(rows) == sorted(cues), "categories in the card differ from the data: rerun the builder"
    for name, r in cues.items():
        n, acc, base, sq_pole, sq_other, diff, neg_pole, neg_other, longer, balance, words = rows[name]
        mean, p95 = base.split(" / ")
        share, ties = longer.rstrip(")").split(" (")
        assert int(n) == r["n_items"], name
        assert _close(acc, r["accuracy"]) and _close(mean, r["baseline_mean"]) and _close(p95, r["baseline_p95"])
        assert _close(sq_pole, r["status_quo_pole"]) and _close(sq_other, r["status_quo_other"]), name
        assert _close(diff, r["status_quo_pole"] - r["status_quo_other"]), name
        assert _close(neg_pole, r["negation_pole"]) and _close(neg_other, r["negation_other"]), name
        assert _close(share, r["pole_longer"]) and int(ties) == r["ties"], name
        assert _close(balance, length_balance(r)), name
        read = [(w.rsplit(" ", 1)[0], *map(int, w.rsplit(" ", 1)[1].split(":"))) for w in words.split(", ")]
        assert read == [tuple(g) for g in r["giveaways"]], name


@pytest.mark.parametrize("bank", BANKS)
def test_shipped_banks_meet_the_aims(bank):
    """The options of the shipped banks do not give the pole away (issue 11's aims, AIMS in formcues)."""
    category, pole, folder, items = _shipped(bank)
    cues = form_cues(items, category, pole, shuffles=0, meaning_words=read_meaning_words(folder))
    assert [miss for name, r in cues.items() for miss in aim_failures(name, r)] == []
