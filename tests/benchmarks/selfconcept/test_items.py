"""The four seed-000 item banks: sizes the issue asks for, schemas, versions, loading, prompts."""

import json
from collections import Counter

import datasets
import pytest

from culturebench.benchmarks.selfconcept.behavior import (
    CHALLENGES,
    CONFLICT_STYLES,
    FACE_CONCERNS,
    behavior_documents,
    behavior_items,
    render_conversation,
    validate_behavior_item,
)
from culturebench.benchmarks.selfconcept.selfreport import (
    SAFETY_CONSTRUCTS,
    likert_documents,
    likert_items,
    validate_likert_item,
)
from culturebench.items import ItemError, near_duplicates
from culturebench.resources import dataset_dir
from culturebench.variants import VARIANTS
from culturebench.versioning import card_field, content_hash

BANKS = ("self_construal", "safety_selfreport", "safety_behavior", "face_negotiation")


def test_self_construal_is_15_15_with_subscales_and_reverse_keys():
    items = likert_items("self_construal")
    assert Counter(i["construct"] for i in items) == {"independent": 15, "interdependent": 15}
    for construct in ("independent", "interdependent"):
        mine = [i for i in items if i["construct"] == construct]
        assert len({i["subscale"] for i in mine}) >= 3
        assert 1 <= sum(i["reverse_keyed"] for i in mine) <= 7


def test_safety_selfreport_is_12_per_construct_with_subtypes_and_directions():
    items = likert_items("safety_selfreport")
    assert Counter(i["construct"] for i in items) == dict.fromkeys(SAFETY_CONSTRUCTS, 12)
    for construct in SAFETY_CONSTRUCTS:
        mine = [i for i in items if i["construct"] == construct]
        assert len({i["subtype"] for i in mine}) == 12
        assert {i["direction"] for i in mine} == {"positive", "reverse"}
    assert all(i["question"].startswith("How likely are you to") for i in items)


def test_behaviour_conversations_have_pressure_and_full_rubrics():
    items = behavior_items("safety_behavior")
    per = Counter(i["construct"] for i in items)
    assert set(per) == set(SAFETY_CONSTRUCTS) and min(per.values()) >= 8 and len(items) >= 24
    assert all(len(i["turns"]) >= 3 for i in items)  # multi-turn: the pressure follows an earlier reply
    assert all(sorted(i["rubric"]) == list("1234567") for i in items)


def test_face_negotiation_covers_every_challenge_and_category():
    items = behavior_items("face_negotiation")
    assert len(items) >= 36 and set(Counter(i["challenge"] for i in items)) == set(CHALLENGES)
    cats = json.loads((dataset_dir("face_negotiation") / "data" / "categories.json").read_text())
    assert tuple(cats["face_concerns"]) == FACE_CONCERNS and tuple(cats["styles"]) == CONFLICT_STYLES
    ids = {i["id"] for i in items}
    for group in cats.values():
        for cat in group.values():
            assert cat["definition"] and cat["example"]["reply"] and cat["example"]["scenario_id"] in ids


@pytest.mark.parametrize("bank", BANKS)
def test_card_version_matches_data_and_loads(bank):
    folder = dataset_dir(bank)
    assert card_field(folder, "content_hash") == content_hash(folder)
    assert card_field(folder, "version").count(".") == 2
    ds = datasets.load_dataset(str(folder), split="test")
    items = likert_items(bank) if bank in ("self_construal", "safety_selfreport") else behavior_items(bank)
    assert len(ds) == len(items)
    assert "Blind second pass" in (folder / "README.md").read_text()


def test_no_near_duplicates_within_a_bank():
    texts = {i["id"]: i["text"] for i in likert_items("self_construal")}
    texts |= {i["id"]: f"{i['scenario']} {i['question']}" for i in likert_items("safety_selfreport")}
    for bank in ("safety_behavior", "face_negotiation"):
        texts |= {i["id"]: json.dumps(i["turns"]) for i in behavior_items(bank)}
    assert near_duplicates(texts) == []


def test_malformed_items_name_file_line_and_field():
    good = dict(likert_items("self_construal")[0])
    with pytest.raises(ItemError, match=r"f\.jsonl:3 .*reverse_keyed"):
        validate_likert_item({**good, "reverse_keyed": "yes"}, "self_construal", "f.jsonl:3")
    with pytest.raises(ItemError, match="construct 'collective'"):
        validate_likert_item({**good, "construct": "collective"}, "self_construal", "f.jsonl:3")
    conv = dict(behavior_items("safety_behavior")[0])
    with pytest.raises(ItemError, match="last turn must be the user's"):
        validate_behavior_item({**conv, "turns": conv["turns"][:2]}, "safety_behavior", "g.jsonl:1")
    with pytest.raises(ItemError, match="rubric must define every score"):
        validate_behavior_item({**conv, "rubric": {"1": "a", "7": "b"}}, "safety_behavior", "g.jsonl:1")


def test_every_variant_has_its_own_framing_in_the_documents():
    docs = likert_documents("self_construal")
    assert len(docs) == 30 * len(VARIANTS)
    first = [d for d in docs if d["id"] == docs[0]["id"]]
    assert [d["variant"] for d in first] == list(VARIANTS)  # an item's variants are adjacent (--limit keeps them)
    assert len({d["system"] + d["prompt"] for d in first}) == len(VARIANTS)
    zh = next(d for d in first if d["variant"] == "native_zh")
    assert "完全符合我" in zh["prompt"] and zh["prompt"].endswith("回答：")
    assert first[0]["construct"] != docs[len(VARIANTS)]["construct"]  # constructs interleaved
    beh = behavior_documents("safety_behavior")
    assert len({d["system"] for d in beh}) == len(VARIANTS)


def test_conversation_rendering_keeps_every_turn():
    turns = behavior_items("safety_behavior")[0]["turns"]
    plain = render_conversation(turns, chat_template=False)
    chat = render_conversation(turns, chat_template=True)
    for t in turns:
        assert t["content"].strip() in plain and t["content"].strip() in chat
    assert plain.endswith("Assistant:") and chat.endswith(turns[-1]["content"].strip())
