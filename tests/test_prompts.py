import pytest

from culturebench.benchmarks.hofstede.documents import hofstede_documents, hofstede_items
from culturebench.countries import UnknownCountryError
from culturebench.prompts import PromptCondition, render_dilemma

ITEM = {
    "id": "x-1",
    "dimension": "IDV",
    "domain": "school",
    "scenario": "scenario text " * 30,
    "question": "Which one?",
    "options": [
        {"text": "Take the low road together", "pole": "low"},
        {"text": "Take the high road alone", "pole": "high"},
    ],
}


def test_persona_and_order_reach_the_prompt():
    none_ab = render_dilemma(ITEM, PromptCondition())
    jp_ba = render_dilemma(ITEM, PromptCondition(persona="basic", country="jp", order="BA"))
    assert "Japan" in jp_ba and "Japan" not in none_ab
    assert none_ab.index("A. Take the low road") < none_ab.index("B. Take the high road")
    assert "A. Take the high road" in jp_ba and "B. Take the low road" in jp_ba
    assert none_ab.endswith("Answer:") and jp_ba.endswith("Answer:")
    chat = render_dilemma(ITEM, PromptCondition(chat_template=True))
    assert chat.endswith("A or B.") and chat == none_ab.removesuffix("\nAnswer:")
    assert "the Netherlands" in render_dilemma(ITEM, PromptCondition(persona="basic", country="NL"))


def test_high_letter_follows_the_order():
    assert PromptCondition(order="AB").letter_of(ITEM["options"]) == "B"
    assert PromptCondition(order="BA").letter_of(ITEM["options"]) == "A"


def test_invalid_conditions_are_refused():
    with pytest.raises(ValueError):
        PromptCondition(order="CA")
    with pytest.raises(ValueError):
        PromptCondition(persona="basic")  # a persona needs a country
    with pytest.raises(UnknownCountryError):
        PromptCondition(persona="basic", country="Atlantis")


def test_documents_span_items_countries_and_orders():
    docs = hofstede_documents("IDV", "basic")
    n_items = sum(1 for i in hofstede_items() if i["dimension"] == "IDV")
    countries = {d["country"] for d in docs}
    assert len(docs) == n_items * len(countries) * 2
    assert {"US", "JP", "KZ"} <= countries  # KZ has only a hofstede_insights score
    first_item = [d for d in docs if d["item_id"] == docs[0]["item_id"]]
    assert len(first_item) == 2 * len(countries) and docs[: len(first_item)] == first_item  # item-major
    items = {i["id"]: i for i in hofstede_items()}
    for d in docs[:4]:
        high_text = next(o["text"] for o in items[d["item_id"]]["options"] if o["pole"] == "high")
        assert f"\n{'AB'[d['high_index']]}. {high_text}\n" in d["prompt"]
    default = hofstede_documents("all", "none")
    assert {d["country"] for d in default} == {"none"}
    assert len(default) == 2 * len(hofstede_items())


def test_options_only_control_drops_the_scenario_and_keeps_the_rest():
    from culturebench.benchmarks.wvs.documents import dilemma_documents

    item = hofstede_items()[0]
    full = hofstede_documents("all", "none")
    control = hofstede_documents("all", "none", options_only=True)
    assert len(control) == len(full)
    for a, b in zip(full[:10], control[:10]):
        assert a["high_index"] == b["high_index"] and a["item_id"] == b["item_id"]
        assert b["prompt"] != a["prompt"] and b["prompt"] in a["prompt"].replace(_scenario(a["item_id"]) + "\n", "")
    first = next(d for d in control if d["item_id"] == item["id"])
    assert item["scenario"].strip() not in first["prompt"] and item["question"].strip() in first["prompt"]
    wvs = dilemma_documents("all", "none", options_only=True)
    assert {d["domain"] for d in wvs} == {"family", "workplace", "legal"} and len(wvs) == 600
    assert all(d["country"] == "none" for d in wvs)


def _scenario(item_id: str) -> str:
    return next(i["scenario"].strip() for i in hofstede_items() if i["id"] == item_id)
