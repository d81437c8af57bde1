"""The source dataset's configs and text fields; the append-only translation cache."""

from __future__ import annotations

import json

import pytest

from culturebench.translate.cache import TranslationCache, cache_path
from culturebench.translate.engines import EngineIdentity
from culturebench.translate.source import load_source, text_fields, texts_at, with_texts

IDENTITY = EngineIdentity("nllb", "/models/tiny", "sha256:abc", "beams=4,max_new_tokens=512")


def test_prose_fields_are_found_and_labels_left_alone(source_dataset):
    source = load_source(str(source_dataset))
    assert source.config == "all" and len(source.rows) == 3
    assert text_fields(source.rows, None) == ["scenario", "question", "options[].text"]
    vsm_like = (
        {"id": "m01", "lang": "en", "scale": "importance", "question": "How much?", "options": ["very much", "no"]},
    )
    assert text_fields(vsm_like, None) == ["question", "options[]"]
    with pytest.raises(ValueError, match="--fields 'answer'"):
        text_fields(source.rows, ["answer"])


def test_texts_are_replaced_where_they_were_read(source_dataset):
    row = load_source(str(source_dataset)).rows[0]
    assert texts_at(row, "options[].text") == ["A. Let her decide", "B. Ask her to follow them"]
    new = with_texts(row, "options[].text", ["A. x", "B. y"])
    assert [o["text"] for o in new["options"]] == ["A. x", "B. y"] and new["options"][0]["pole"] == "high"
    assert row["options"][0]["text"] == "A. Let her decide"  # the source row is untouched


def test_bad_sources_are_named(source_dataset, tmp_path):
    with pytest.raises(ValueError, match="no config 'xx'; the card declares all"):
        load_source(str(source_dataset), "xx")
    with pytest.raises(FileNotFoundError, match="no such folder"):
        load_source(str(tmp_path / "missing"))
    path = source_dataset / "data" / "items.jsonl"
    path.write_text(path.read_text() + json.dumps({"id": "d-001", "question": "again"}) + "\n")
    with pytest.raises(ValueError, match=r"items.jsonl:4: id 'd-001' again \(first at .*items.jsonl:1\)"):
        load_source(str(source_dataset))


def test_the_cache_survives_a_torn_last_line_and_refuses_another_engine(tmp_path):
    cache = TranslationCache(tmp_path, IDENTITY)
    cache.add([("Hello", "eng_Latn", "fra_Latn", "Bonjour"), ("Yes", "eng_Latn", "fra_Latn", "Oui")])
    path = cache_path(tmp_path, IDENTITY)
    path.write_bytes(path.read_bytes()[:-20])  # a kill in the middle of the last line
    again = TranslationCache(tmp_path, IDENTITY)
    assert again.get("Hello", "eng_Latn", "fra_Latn") == "Bonjour" and again.get("Yes", "eng_Latn", "fra_Latn") is None
    assert again.get("Hello", "eng_Latn", "deu_Latn") is None  # the language is part of the key
    again.add([("Yes", "eng_Latn", "fra_Latn", "Oui")])
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(line) for line in lines)  # the torn line was cut off, not glued
    other = EngineIdentity("nllb", "/models/tiny", "sha256:def", IDENTITY.decoding)
    assert cache_path(tmp_path, other) != path  # another revision: another file
    path.rename(cache_path(tmp_path, other))
    with pytest.raises(ValueError, match="caches of two engines are never mixed"):
        TranslationCache(tmp_path, other)
