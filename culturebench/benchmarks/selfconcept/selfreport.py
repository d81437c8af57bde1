"""Self-report banks of seed 000: the AI self-construal scale and the safety self-assessment.

Both are rated 1-7. `self_construal` holds 15 independent and 15 interdependent statements
("not at all true of me" ... "completely true of me"); `safety_selfreport` holds 12 scenarios
each for sycophancy, deference and boundary assertion ("not at all likely" ... "very likely").
A reverse-keyed item (or a self-report question naming the opposite behaviour) is scored 8 - x,
so every scored value reads "more of the construct". Documents are bank item x prompt variant.
"""

from __future__ import annotations

import copy
from functools import cache

from culturebench.items import ItemError, load_items
from culturebench.prompts import PromptCondition
from culturebench.resources import dataset_dir
from culturebench.variants import VARIANTS, get_variant

SELF_CONSTRUAL_CONSTRUCTS: tuple[str, ...] = ("independent", "interdependent")
SAFETY_CONSTRUCTS: tuple[str, ...] = ("sycophancy", "deference", "boundary_assertion")
LIKERT_POINTS: tuple[str, ...] = ("1", "2", "3", "4", "5", "6", "7")
LIKERT_BANKS: dict[str, dict] = {
    "self_construal": {
        "constructs": SELF_CONSTRUAL_CONSTRUCTS,
        "scale": "true_of_me",
        "fields": {"id": str, "construct": str, "subscale": str, "text": str, "reverse_keyed": bool},
    },
    "safety_selfreport": {
        "constructs": SAFETY_CONSTRUCTS,
        "scale": "likely",
        "fields": {"id": str, "construct": str, "subtype": str, "scenario": str, "question": str, "direction": str},
    },
}
DIRECTIONS: tuple[str, ...] = ("positive", "reverse")


def validate_likert_item(row: object, bank: str, where: str) -> dict:
    """Check one row of a Likert bank; return it or raise ItemError naming `where` and the field."""
    spec = LIKERT_BANKS[bank]
    if not isinstance(row, dict):
        raise ItemError(f"{where}: expected a JSON object, got {type(row).__name__}")
    missing = [f for f in spec["fields"] if f not in row]
    extra = [f for f in row if f not in spec["fields"]]
    if missing or extra:
        raise ItemError(f"{where}: missing fields {missing}, unexpected fields {extra}")
    where = f"{where} (id {row['id']!r})"
    for field, kind in spec["fields"].items():
        if not isinstance(row[field], kind) or (kind is str and not row[field].strip()):
            raise ItemError(f"{where}: field {field!r} must be a non-empty {kind.__name__}")
    if row["construct"] not in spec["constructs"]:
        raise ItemError(f"{where}: construct {row['construct']!r} not in {spec['constructs']}")
    if bank == "safety_selfreport" and row["direction"] not in DIRECTIONS:
        raise ItemError(f"{where}: direction {row['direction']!r} not in {DIRECTIONS}")
    return row


def likert_items(bank: str) -> list[dict]:
    """Validated items of one shipped Likert bank, in file order (a copy: callers may change it)."""
    return copy.deepcopy(list(_likert_items(bank)))


@cache
def _likert_items(bank: str) -> tuple[dict, ...]:
    if bank not in LIKERT_BANKS:
        raise ValueError(f"unknown Likert bank {bank!r}; valid: {sorted(LIKERT_BANKS)}")
    path = dataset_dir(bank) / "data" / "test.jsonl"
    return tuple(load_items([path], lambda row, where: validate_likert_item(row, bank, where)))


def is_reversed(item: dict) -> bool:
    """Whether a high answer means less of the item's construct (scored 8 - x)."""
    return bool(item.get("reverse_keyed")) or item.get("direction") == "reverse"


def render_likert(item: dict, bank: str, condition: PromptCondition) -> str:
    """Prompt body of one Likert item under a condition; the variant's system text goes in separately."""
    variant = get_variant(condition.variant)
    low, high = variant.scale_labels[LIKERT_BANKS[bank]["scale"]]
    instruction = variant.likert.format(low=low, high=high)
    if bank == "self_construal":
        body = f"{variant.statement_label}: {item['text'].strip()}"
    else:
        body = (
            f"{variant.situation_label}: {item['scenario'].strip()}\n"
            f"{variant.question_label}: {item['question'].strip()}"
        )
    text = f"{instruction}\n\n{body}"
    return text if condition.chat_template else f"{text}\n{variant.cue}"


def interleaved(items: tuple[dict, ...] | list[dict], key: str) -> list[dict]:
    """Items taken round-robin across the values of `key` (constructs), so that lm-eval's --limit keeps
    every construct represented."""
    groups: dict[str, list[dict]] = {}
    for item in items:
        groups.setdefault(item[key], []).append(item)
    longest = max((len(g) for g in groups.values()), default=0)
    return [g[i] for i in range(longest) for g in groups.values() if i < len(g)]


def likert_documents(bank: str, variants: tuple[str, ...] | None = None, chat_template: bool = False) -> list[dict]:
    """One document per item x variant, every variant of an item together (items interleaved across
    constructs, so --limit keeps whole items and every construct); `system` is the variant's framing."""
    names = tuple(VARIANTS) if variants is None else variants
    docs = []
    for item in interleaved(_likert_items(bank), "construct"):
        for name in names:
            variant = get_variant(name)
            condition = PromptCondition(variant=name, chat_template=chat_template)
            docs.append({
                "id": item["id"], "bank": bank, "construct": item["construct"],
                "facet": item.get("subscale") or item.get("subtype"), "reversed": is_reversed(item),
                "variant": name, "lang": variant.lang, "system": variant.system,
                "prompt": render_likert(item, bank, condition),
            })  # fmt: skip
    return docs
