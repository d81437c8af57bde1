import copy
import json
from collections import Counter

import datasets
import pytest

from culturebench.benchmarks.hofstede.documents import HOFSTEDE_DATASET, hofstede_items
from culturebench.dimensions import DIMENSIONS
from culturebench.items import (
    DOMAINS,
    MIN_DOMAIN_SHARE,
    ItemError,
    check_domain_balance,
    load_dilemmas,
    near_duplicates,
)
from culturebench.resources import dataset_dir
from culturebench.versioning import card_field, content_hash

FOLDER = dataset_dir(HOFSTEDE_DATASET)


def test_bank_size_and_spread():
    items = hofstede_items()
    per_dim = Counter(i["dimension"] for i in items)
    assert set(per_dim) == set(DIMENSIONS)
    assert all(n >= 50 for n in per_dim.values()), per_dim
    assert len(items) >= 300
    assert check_domain_balance(list(items)) == []
    for dim in DIMENSIONS:
        firsts = Counter(i["options"][0]["pole"] for i in items if i["dimension"] == dim)
        assert abs(firsts["high"] - firsts["low"]) <= 0.2 * per_dim[dim], (dim, firsts)


def test_no_near_duplicate_scenarios():
    texts = {i["id"]: f"{i['scenario']} {i['question']}" for i in hofstede_items()}
    assert near_duplicates(texts) == []


def test_near_duplicate_check_catches_a_light_rewrite():
    items = hofstede_items()
    original = items[0]["scenario"]
    words = original.split()
    rewrite = " ".join(words[:10] + ["honestly"] + words[10:-5] + ["which", "worries", "me", "a", "lot."])
    texts = {i["id"]: f"{i['scenario']} {i['question']}" for i in items}
    texts["copy"] = f"{rewrite} {items[0]['question']}"
    hits = near_duplicates(texts)
    assert [(a, b) for a, b, _ in hits] == [(items[0]["id"], "copy")]


def test_domain_balance_check_fails_when_a_domain_is_thin():
    items = [dict(i) for i in hofstede_items() if i["dimension"] == "IDV"]
    for i in items:
        if i["domain"] == "school":
            i["domain"] = "workplace"
    assert check_domain_balance(items) == [f"IDV: domain school has 0 of {len(items)} items"]
    assert MIN_DOMAIN_SHARE == 0.15 and len(DOMAINS) == 5


GOOD = {
    "id": "t-1",
    "dimension": "IDV",
    "domain": "school",
    "scenario": " ".join(["word"] * 60),
    "question": "Which should I choose?",
    "options": [
        {"text": "Do the first thing now", "pole": "high"},
        {"text": "Do the other thing later", "pole": "low"},
    ],
}


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda r: r.pop("domain"), "missing fields ['domain']"),
        (lambda r: r.update(dimension="XYZ"), "'dimension'"),
        (lambda r: r.update(domain="kitchen"), "'domain'"),
        (lambda r: r.update(scenario="too short"), "'scenario' has 2 words"),
        (lambda r: r.update(question="No question mark"), "'question'"),
        (lambda r: r["options"].pop(), "'options'"),
        (lambda r: r["options"][1].update(pole="high"), "one 'high' and one 'low'"),
        (lambda r: r["options"][0].update(pole="up"), "'options[0].pole'"),
        (lambda r: r["options"][1].update(text="Go"), "'options[1].text' has 1 words"),
    ],
)
def test_validator_names_row_and_field(tmp_path, mutate, field):
    bad = copy.deepcopy(GOOD)
    mutate(bad)
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps(GOOD | {"id": "t-0"}) + "\n\n" + json.dumps(bad) + "\n")
    with pytest.raises(ItemError) as e:
        load_dilemmas([path])
    assert f"{path}:3" in str(e.value) and field in str(e.value)


def test_validator_catches_bad_json_and_duplicate_ids(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + '{"id": "t-2", "dimen')
    with pytest.raises(ItemError, match=rf"{path}:2: not valid JSON"):
        load_dilemmas([path])
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps(GOOD) + "\n")
    with pytest.raises(ItemError, match="already used"):
        load_dilemmas([path])


def test_load_dataset_gives_documented_configs_and_splits():
    ds = datasets.load_dataset(str(FOLDER), split="test")
    assert len(ds) == len(hofstede_items())
    assert set(ds.column_names) == {"id", "dimension", "domain", "scenario", "question", "options"}
    assert ds[0]["options"][0].keys() == {"text", "pole"}
    idv = datasets.load_dataset(str(FOLDER), "idv")
    assert list(idv) == ["test"] and set(idv["test"]["dimension"]) == {"IDV"}


def test_card_version_and_content_hash_are_current():
    assert card_field(FOLDER, "version").count(".") == 2
    assert card_field(FOLDER, "content_hash") == content_hash(FOLDER)
    countries = dataset_dir("countries")
    assert card_field(countries, "content_hash") == content_hash(countries)


def test_blind_second_pass_agreement_is_reported_and_high():
    rows = [json.loads(line) for line in (FOLDER / "annotations" / "blind_pass.jsonl").open()]
    kept_ids = {i["id"] for i in hofstede_items()}
    annotated = {r["id"] for r in rows}
    assert kept_ids <= annotated  # every kept item was labelled blind
    kept = [r for r in rows if r["id"] in kept_ids]
    agreement = sum(r["agree"] for r in kept) / len(kept)
    assert agreement >= 0.95
    assert all(r["removed"] for r in rows if r["id"] not in kept_ids)
    card = (FOLDER / "README.md").read_text()
    assert f"{sum(r['agree'] for r in kept)}/{len(kept)}" in card
