"""WVS situational dilemmas and direct survey questions (seed 002): items, personas, documents.

Dilemmas turn each of the ten Inglehart-Welzel map items into concrete decisions in three domains;
the option on the item's positive pole (secular-rational / self-expression) is scored. The direct
config asks the 14 survey questions behind the ten items, each with its original answer scale,
answered by letter so every option is one token.
"""

from __future__ import annotations

import copy
from functools import cache
from itertools import zip_longest

from culturebench.benchmarks.wvs.map import AXIS_ITEMS, ITEMS, map_positions
from culturebench.benchmarks.wvs.profiles import profile_countries, profile_text
from culturebench.countries import all_countries
from culturebench.items import DilemmaSchema, ItemError, load_dilemmas
from culturebench.jsonl import read_jsonl
from culturebench.prompts import LETTERS, NO_PERSONA, ORDERS, PERSONAS, PromptCondition, persona_text, render_dilemma
from culturebench.resources import dataset_dir

WVS_DATASET = "wvs_dilemmas"
WVS_DOMAINS: tuple[str, ...] = ("family", "workplace", "legal")
SPLITS: tuple[str, ...] = ("steer", "eval")
WVS_SCHEMA = DilemmaSchema("item", ITEMS, WVS_DOMAINS, ("positive", "negative"), (50, 150), ("axis",))
DIRECT_LETTERS = "ABCDEFGHIJ"
DIRECT_INSTRUCTION = "Reply with the letter of your answer only."


def wvs_dilemmas(split: str = "eval") -> list[dict]:
    """Validated dilemmas of one split; each row's axis must be its item's axis (a copy: callers may change it)."""
    return copy.deepcopy(list(_dilemmas(split)))


def direct_questions() -> list[dict]:
    """The 14 direct questions, each with its answer options and the survey code of each option (a copy)."""
    return copy.deepcopy(list(_direct_questions()))


@cache
def _dilemmas(split: str) -> tuple[dict, ...]:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")
    path = dataset_dir(WVS_DATASET) / "data" / f"{split}.jsonl"
    items = load_dilemmas([path], WVS_SCHEMA)
    for item in items:
        if item["item"] not in AXIS_ITEMS.get(item["axis"], ()):
            raise ItemError(f"{path}: {item['id']} has axis {item['axis']!r}, not the axis of {item['item']}")
    return tuple(items)


@cache
def _direct_questions() -> tuple[dict, ...]:
    path = dataset_dir(WVS_DATASET) / "data" / "direct.jsonl"
    rows = []
    for line, row in read_jsonl(path, ItemError):
        if row.get("item") not in ITEMS or len(row.get("options", [])) != len(row.get("values", [])):
            raise ItemError(f"{path}:{line}: needs a map item and one value per option")
        rows.append(row)
    return tuple(rows)


def persona_countries(persona: str) -> list[str | None]:
    """Countries a persona type is asked for: registry countries with a map position (basic) or a profile."""
    if persona == "none":
        return [None]
    if persona == "basic":
        on_map = set(map_positions()["alpha2"])
        return [c.alpha2 for c in all_countries() if c.alpha2 in on_map]
    if persona == "profile":
        return list(profile_countries())
    raise ValueError(f"unknown persona type {persona!r}; valid: {', '.join(PERSONAS)}")


def condition(
    persona: str, country: str | None, order: str = "AB", chat_template: bool = False, options_only: bool = False
) -> PromptCondition:
    """The prompt condition of a persona type and country; a profile persona carries the country's Wave 7 profile."""
    profile = profile_text(country) if persona == "profile" else None
    return PromptCondition(persona=persona, country=country, order=order, chat_template=chat_template,
                           profile=profile, options_only=options_only)  # fmt: skip


def dilemma_documents(
    domain: str, persona: str, split: str = "eval", chat_template: bool = False, options_only: bool = False
) -> list[dict]:
    """Documents of one domain (or "all") and persona type: dilemma x country x order.

    Dilemma-major, with the ten map items taking turns, so --limit still reaches every item (a map
    position needs all ten), every country and both orders. options_only: the control condition,
    the question and options without the scenario.
    """
    if domain not in (*WVS_DOMAINS, "all"):
        raise ValueError(f"unknown domain {domain!r}; valid: {', '.join(WVS_DOMAINS)}, all")
    domains = WVS_DOMAINS if domain == "all" else (domain,)
    per_item = [[i for i in _dilemmas(split) if i["domain"] in domains and i["item"] == code] for code in ITEMS]
    docs = []
    for item in (i for group in zip_longest(*per_item) for i in group if i is not None):
        for country in persona_countries(persona):
            for order in ORDERS:
                cond = condition(persona, country, order=order, chat_template=chat_template, options_only=options_only)
                docs.append({
                    "item_id": item["id"], "item": item["item"], "axis": item["axis"], "domain": item["domain"],
                    "country": country or NO_PERSONA, "persona": persona, "order": order,
                    "chat_template": chat_template,
                    "prompt": render_dilemma(item, cond),
                    "positive_index": LETTERS.index(cond.letter_of(item["options"], "positive")),
                })  # fmt: skip
    return docs


def render_direct(question: dict, condition: PromptCondition) -> str:
    """Persona, question, lettered answer options, instruction (and "Answer:" without a chat template)."""
    options = "\n".join(f"{letter}. {text}" for letter, text in zip(DIRECT_LETTERS, question["options"]))
    parts = [p for p in (persona_text(condition), question["question"], options, DIRECT_INSTRUCTION) if p]
    text = "\n\n".join(parts)
    return text if condition.chat_template else f"{text}\nAnswer:"


def direct_documents(chat_template: bool = False) -> list[dict]:
    """Every direct question under every persona type and country; all 14 of a condition together,
    no persona first, so --limit 14 keeps one complete condition."""
    docs = []
    for persona in PERSONAS:
        for country in persona_countries(persona):
            cond = condition(persona, country, chat_template=chat_template)
            for q in _direct_questions():
                docs.append({
                    "question_id": q["id"], "item": q["item"], "component": q.get("component", ""),
                    "country": country or NO_PERSONA, "persona": persona, "chat_template": chat_template,
                    "prompt": render_direct(q, cond), "choices": list(DIRECT_LETTERS[: len(q["options"])]),
                    "values": q["values"],
                })  # fmt: skip
    return docs
