import json
from collections import Counter

import datasets

from culturebench.benchmarks.wvs.documents import (
    WVS_DOMAINS,
    dilemma_documents,
    direct_documents,
    direct_questions,
    persona_countries,
    wvs_dilemmas,
)
from culturebench.benchmarks.wvs.map import ITEMS
from culturebench.items import near_duplicates
from culturebench.resources import dataset_dir
from culturebench.versioning import card_field, content_hash

FOLDER = dataset_dir("wvs_dilemmas")


def test_splits_are_stratified_by_item_and_domain():
    steer, evaluation = wvs_dilemmas("steer"), wvs_dilemmas("eval")
    assert (len(steer), len(evaluation)) == (300, 300)  # 600 authored, every flagged item revised (card)
    for split in (steer, evaluation):
        cells = Counter((i["item"], i["domain"]) for i in split)
        assert set(cells) == {(i, d) for i in ITEMS for d in WVS_DOMAINS}
    s, e = (Counter((i["item"], i["domain"]) for i in x) for x in (steer, evaluation))
    assert all(abs(s[k] - e[k]) <= 1 for k in s)
    assert not {i["id"] for i in steer} & {i["id"] for i in evaluation}


def test_no_near_duplicates_and_balanced_option_order():
    every = wvs_dilemmas("steer") + wvs_dilemmas("eval")
    assert near_duplicates({i["id"]: f"{i['scenario']} {i['question']}" for i in every}) == []
    first = Counter(i["options"][0]["pole"] for i in every)
    assert abs(first["positive"] - first["negative"]) <= 0.2 * len(every)


def test_load_dataset_splits_and_direct_config():
    ds = datasets.load_dataset(str(FOLDER))
    assert set(ds) == {"steer", "eval"} and len(ds["eval"]) == len(wvs_dilemmas("eval"))
    direct = datasets.load_dataset(str(FOLDER), "direct", split="test")
    assert len(direct) == 14 and set(direct["item"]) == set(ITEMS)
    assert len(direct_questions()) == 14


def test_blind_agreement_reported_and_high():
    rows = [json.loads(line) for line in (FOLDER / "annotations" / "blind_pass.jsonl").open()]
    kept = {i["id"] for i in wvs_dilemmas("steer") + wvs_dilemmas("eval")}
    scored = [r for r in rows if r["id"] in kept]
    assert len(scored) == len(kept)
    agree = sum(r["agree"] for r in scored)
    assert agree / len(scored) >= 0.95
    assert f"{agree}/{len(scored)}" in (FOLDER / "README.md").read_text()
    assert card_field(FOLDER, "content_hash") == content_hash(FOLDER)


def test_documents_for_each_persona_type():
    assert len(persona_countries("basic")) == 44 and "VN" in persona_countries("profile")
    none = dilemma_documents("legal", "none")
    assert {d["country"] for d in none} == {"none"}
    assert [d["item"] for d in none[:20:2]] == list(ITEMS)  # items take turns: --limit reaches all ten
    profile = dilemma_documents("family", "profile")[0]
    assert "report in surveys" in profile["prompt"]
    direct = direct_documents()
    assert len(direct) == 14 * (1 + 44 + len(persona_countries("profile")))
    assert {d["country"] for d in direct[:14]} == {"none"}
    assert direct[9]["choices"] == list("ABCDEFGHIJ")
