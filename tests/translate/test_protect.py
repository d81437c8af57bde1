"""Protected spans: masked before translation, restored after, repaired or rejected when the model loses them."""

from __future__ import annotations

import pytest

from culturebench.translate.protect import mask, restore
from culturebench.translate.sentences import join_sentences, split_sentences


def test_mask_protects_slots_letters_digits_and_numbers_but_not_the_article():
    m = mask("A friend in {country} asked: pick A or (B), from 1 to 5, for 2,500 euros.")
    assert [span for _, span in m.spans] == ["{country}", "A", "(B)", "1", "5", "2,500"]
    assert m.text == "A friend in XQZAA asked: pick XQZAB or XQZAC, from XQZAD to XQZAE, for XQZAF euros."
    assert not mask("5th of May").spans  # a digit inside a word is left to the translator


def test_a_faithful_translation_restores_every_span_case_insensitively():
    m = mask("Answer A or B for {country}.")
    out = restore("Répondez XQZAA ou xqzab pour XQZAC.", m)
    assert (out.text, out.status, out.notes) == ("Répondez A ou B pour {country}.", "ok", [])


def test_a_lost_closing_slot_is_reinserted_before_the_final_punctuation():
    out = restore("Devrais-je déménager ?", mask("Should I move to {country}?"))
    assert out.text == "Devrais-je déménager {country}?"
    assert out.status == "repaired" and out.notes[0][0] == "slot_reinserted"


def test_a_lost_opening_letter_is_reinserted_with_its_punctuation():
    out = restore("Laissez-la décider", mask("A. Let her decide"))
    assert out.text == "A. Laissez-la décider" and out.status == "repaired"


def test_a_lost_slot_mid_text_rejects_the_text():
    out = restore("Un ami m'a demandé de l'aide.", mask("A friend in {country} asked me for help."))
    assert out.status == "rejected" and [f for f, _ in out.notes] == ["slot_lost"]


def test_a_duplicated_slot_keeps_its_first_copy():
    out = restore("XQZAA et XQZAA encore", mask("{country} again"))
    assert out.text == "{country} et encore" and out.status == "repaired"
    assert [f for f, _ in out.notes] == ["slot_duplicated"]


def test_made_up_slots_and_placeholders_are_caught():
    assert restore("{city} XQZAA", mask("{country}")).status == "rejected"  # a new slot would break formatting
    invented = restore("XQZAA XQZZZ", mask("{country} is here"))
    assert invented.text == "{country}" and invented.notes[0][0] == "slot_invented"
    added = restore("XQZAA 7 fois", mask("{country} often"))
    assert added.status == "repaired" and added.notes[0][0] == "number_added"


def test_an_empty_translation_is_rejected():
    assert restore("", mask("Help my friend")).status == "rejected"


def test_text_holding_the_placeholder_prefix_is_refused():
    with pytest.raises(ValueError, match="XQZ"):
        mask("the code xqzab")


def test_sentences_split_and_join():
    text = 'My aunt, Mrs. Lee, said no. Should I ask again? "Yes," she said. e.g. this one'
    assert split_sentences(text) == [
        "My aunt, Mrs. Lee, said no.",
        "Should I ask again?",
        '"Yes," she said. e.g. this one',
    ]
    assert split_sentences("我很好。你呢？") == ["我很好。", "你呢？"]
    assert join_sentences(["我很好。", "你呢？"], "zho_Hans") == "我很好。你呢？"
    assert join_sentences(["Oui.", "Non."], "fra_Latn") == "Oui. Non."
