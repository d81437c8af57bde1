import re

import datasets
import pytest

from culturebench.benchmarks.vsm.survey import (
    ALIGNED_LANGUAGE,
    ANSWER_DIGITS,
    ITEM_IDS,
    ITEM_SCALES,
    VSM_COUNTRIES,
    VSM_LANGUAGES,
    condition_blocks,
    vsm_documents,
    vsm_items,
    vsm_roles,
)
from culturebench.resources import dataset_dir
from culturebench.tokenization import check_choice_grouping
from culturebench.versioning import card_field, content_hash
from tests.conftest import REPO

FOLDER = dataset_dir("vsm_survey")


def test_twenty_languages_same_items_and_scales():
    items = vsm_items()
    assert set(items) == set(VSM_LANGUAGES) and len(VSM_LANGUAGES) == 20
    for lang, rows in items.items():
        assert list(rows) == list(ITEM_IDS)
        for item_id, row in rows.items():
            assert row["scale"] == ITEM_SCALES[item_id] and len(set(row["options"])) == 5, (lang, item_id)
        # m20 runs never -> always: its scale is the frequency scale reversed, in every language
        assert rows["m20"]["options"] == rows["m15"]["options"][::-1], lang


def test_roles_name_the_country_in_each_language_and_keep_ascii_digits():
    roles = vsm_roles()
    assert len(roles) == 400
    for (lang, country), role in roles.items():
        assert role["country_name"] in role["system_role"], (lang, country)
        assert all(d in role["instruction"] for d in ANSWER_DIGITS), lang
        assert "{country}" not in role["system_role"]


def test_documents_per_condition():
    assert len(vsm_documents("aligned")) == 20 * 24
    assert len(vsm_documents("all")) == 400 * 24
    blocks = condition_blocks("all")
    assert len(set(blocks)) == 400 and {c for c, _ in blocks[:20]} == set(VSM_COUNTRIES)
    assert {lang for _, lang in blocks[:20]} == set(VSM_LANGUAGES)
    doc = next(d for d in vsm_documents("aligned") if d["country"] == "JP" and d["item_id"] == "m20")
    assert doc["lang"] == ALIGNED_LANGUAGE["JP"] == "ja"
    assert doc["prompt"].endswith(vsm_roles()[("ja", "JP")]["answer_cue"])
    assert "\n5. " + vsm_items()["ja"]["m20"]["options"][4] in doc["prompt"]
    chat = next(d for d in vsm_documents("en", chat_template=True) if d["item_id"] == "m01")
    assert not chat["prompt"].endswith("Answer:")
    with pytest.raises(ValueError, match="unknown VSM condition"):
        vsm_documents("klingon")


def test_load_dataset_configs():
    fr = datasets.load_dataset(str(FOLDER), "fr", split="test")
    assert fr["id"] == list(ITEM_IDS) and set(fr["lang"]) == {"fr"}
    roles = datasets.load_dataset(str(FOLDER), "roles", split="test")
    assert len(roles) == 400


def test_card_hash_and_every_translation_reviewed():
    assert card_field(FOLDER, "content_hash") == content_hash(FOLDER)
    reviews = REPO / "generation" / "vsm" / "reviews"
    for lang in VSM_LANGUAGES:
        if lang == "en":
            continue
        text = (reviews / f"{lang}.md").read_text()
        assert re.search(r"^verdict: (ok|needs native review)\s*$", text, flags=re.M), lang


def test_digit_answers_share_one_forward_pass_on_the_tiny_tokenizer(tiny_model):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    for lang in ("en", "th", "bn", "zh"):
        doc = next(d for d in vsm_documents("all") if d["lang"] == lang)
        assert check_choice_grouping(tok, doc["prompt"], ANSWER_DIGITS).ok, lang
