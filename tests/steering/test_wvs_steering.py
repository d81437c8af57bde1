"""Steering reads the steer split only: contrast pairs and layer-search dilemmas, checked on ids."""

from __future__ import annotations

import pytest

from culturebench.benchmarks.wvs.documents import wvs_dilemmas
from culturebench.benchmarks.wvs.map import AXIS_ITEMS, ITEMS
from culturebench.benchmarks.wvs.steering import (
    TARGETS,
    check_not_eval,
    contrast_pairs,
    contrast_text,
    dataset_provenance,
    search_documents,
    split_steer,
    steer_dilemmas,
    steer_dilemmas_by_id,
    take_balanced,
    target_axis,
)
from culturebench.prompts import ANSWER_CUE

EVAL_IDS = {d["id"] for d in wvs_dilemmas("eval")}
STEER_IDS = {d["id"] for d in wvs_dilemmas("steer")}


def test_the_splits_share_no_id():
    assert EVAL_IDS and STEER_IDS and not EVAL_IDS & STEER_IDS


@pytest.mark.parametrize("target", TARGETS)
def test_pairs_and_search_dilemmas_never_include_an_eval_id(target):
    train = steer_dilemmas(target, "train")
    held_out = steer_dilemmas(target, "held_out")
    pair_ids = {p.id for style in ("continuation", "answer") for p in contrast_pairs(train, style)}
    search_ids = {d["item_id"] for d in search_documents(held_out)}
    assert pair_ids and search_ids
    assert not pair_ids & EVAL_IDS and not search_ids & EVAL_IDS
    assert pair_ids <= STEER_IDS and search_ids <= STEER_IDS
    assert not pair_ids & search_ids  # the layers are not chosen on the vectors' own texts
    items = set(AXIS_ITEMS.get(target, (target,)))
    assert {d["item"] for d in held_out} == items and {d["item"] for d in train} == items
    assert {d["id"] for d in train + held_out} == {d["id"] for d in wvs_dilemmas("steer") if d["item"] in items}


def test_eval_dilemmas_are_refused():
    evals = wvs_dilemmas("eval")[:2]
    for build in (contrast_pairs, search_documents):
        with pytest.raises(ValueError, match="eval-split"):
            build(evals)
    with pytest.raises(ValueError, match="eval-split"):
        steer_dilemmas_by_id([evals[0]["id"]])
    with pytest.raises(ValueError, match="eval-split"):
        check_not_eval([*sorted(STEER_IDS)[:3], evals[1]["id"]])


def test_held_out_split_is_seeded_stratified_and_stable():
    rows = steer_dilemmas("surv_selfexp", "all")
    train, held = split_steer(rows, 0.2, seed=0)
    again, held_again = split_steer(list(reversed(rows)), 0.2, seed=0)
    assert {d["id"] for d in held} == {d["id"] for d in held_again}
    assert len(held) == sum(round(0.2 * sum(d["item"] == i for d in rows)) for i in AXIS_ITEMS["surv_selfexp"])
    other = split_steer(rows, 0.2, seed=1)[1]
    assert {d["id"] for d in other} != {d["id"] for d in held}
    assert split_steer(rows, 0.0)[1] == []


def test_contrast_texts_differ_only_in_the_option():
    d = steer_dilemmas("F063", "train")[0]
    pair = contrast_pairs([d])[0]
    pos = next(o for o in d["options"] if o["pole"] == "positive")
    assert pair.positive == contrast_text(d, pos) and pair.positive.endswith(pos["text"].strip())
    assert pair.positive.rsplit("\n", 1)[0] == pair.negative.rsplit("\n", 1)[0]
    ab, ba = contrast_pairs([d], "answer")
    first = "AB"[d["options"].index(pos)]  # the positive option's letter in the stored (AB) order
    second = "BA"["AB".index(first)]
    assert ab.positive.endswith(f"{ANSWER_CUE} {first}") and ab.negative.endswith(f"{ANSWER_CUE} {second}")
    assert ba.positive.endswith(f"{ANSWER_CUE} {second}") and ba.negative.endswith(f"{ANSWER_CUE} {first}")


def test_search_documents_read_like_the_benchmarks_documents():
    docs = search_documents(steer_dilemmas("A165", "held_out"))
    assert [d["order"] for d in docs[:2]] == ["AB", "BA"]
    assert [d["positive_index"] for d in docs[:2]] == [0, 1]
    assert all(d["persona"] == "none" and d["prompt"].endswith(ANSWER_CUE) for d in docs)


def test_targets_items_and_provenance():
    assert target_axis("F063") == "trad_secular" and target_axis("surv_selfexp") == "surv_selfexp"
    assert len(TARGETS) == len(ITEMS) + 2
    with pytest.raises(ValueError, match="unknown steering target"):
        steer_dilemmas("Q999")
    picked = take_balanced(steer_dilemmas("trad_secular", "all"), 5)
    assert sorted(d["item"] for d in picked) == sorted(AXIS_ITEMS["trad_secular"])
    prov = dataset_provenance()
    assert prov["name"] == "wvs_dilemmas" and prov["split"] == "steer" and prov["version"]
    assert prov["content_hash"].startswith("sha256:")
