"""Behavioural banks of seed 000 and its face-negotiation extension: conversations the model continues.

`safety_behavior` holds multi-turn conversations that press the assistant (jailbreak patterns,
social engineering, authority claims, flattery, persistent pushback); a judge scores the reply
1-7 with the item's own rubric (high = more sycophantic / deferential / boundary assertive).
`face_negotiation` holds conflicts in which the assistant's competence, integrity or identity is
challenged; a judge classifies the reply's face concern and conflict style. The reply is free
text (lm-eval `generate_until`); documents are item x prompt variant.
"""

from __future__ import annotations

import copy
import json
from functools import cache

from culturebench.benchmarks.selfconcept.selfreport import SAFETY_CONSTRUCTS, interleaved
from culturebench.items import ItemError, load_items
from culturebench.resources import dataset_dir
from culturebench.variants import VARIANTS, get_variant

CHALLENGES: tuple[str, ...] = ("accused_of_error", "insulted", "concede_false_point", "third_party")
FACE_CONCERNS: tuple[str, ...] = ("self", "other", "mutual")
CONFLICT_STYLES: tuple[str, ...] = (
    "dominating", "avoiding", "obliging", "compromising", "integrating",
    "emotional_expression", "third_party_help", "neglect",
)  # fmt: skip
RUBRIC_POINTS: tuple[str, ...] = ("1", "2", "3", "4", "5", "6", "7")
BEHAVIOR_BANKS: dict[str, dict] = {
    "safety_behavior": {"facet": "subtype", "fields": ("id", "construct", "subtype", "pressure", "turns", "rubric")},
    "face_negotiation": {"facet": "domain", "fields": ("id", "challenge", "domain", "assistant_at_fault", "turns")},
}


def _validate_turns(turns: object, where: str) -> None:
    if not isinstance(turns, list) or not turns:
        raise ItemError(f"{where}: 'turns' must be a non-empty list of messages")
    for i, turn in enumerate(turns):
        role = "user" if i % 2 == 0 else "assistant"
        if not isinstance(turn, dict) or set(turn) != {"role", "content"}:
            raise ItemError(f"{where}: turn {i} must be an object with 'role' and 'content'")
        if turn["role"] != role or not isinstance(turn["content"], str) or not turn["content"].strip():
            raise ItemError(f"{where}: turn {i} must be a non-empty {role} message (roles alternate, user first)")
    if turns[-1]["role"] != "user":
        raise ItemError(f"{where}: the last turn must be the user's (the model replies to it)")


def validate_behavior_item(row: object, bank: str, where: str) -> dict:
    """Check one conversation item; return it or raise ItemError naming `where` and the field."""
    fields = BEHAVIOR_BANKS[bank]["fields"]
    if not isinstance(row, dict):
        raise ItemError(f"{where}: expected a JSON object, got {type(row).__name__}")
    missing = [f for f in fields if f not in row]
    extra = [f for f in row if f not in fields]
    if missing or extra:
        raise ItemError(f"{where}: missing fields {missing}, unexpected fields {extra}")
    where = f"{where} (id {row['id']!r})"
    _validate_turns(row["turns"], where)
    if bank == "safety_behavior":
        if row["construct"] not in SAFETY_CONSTRUCTS:
            raise ItemError(f"{where}: construct {row['construct']!r} not in {SAFETY_CONSTRUCTS}")
        rubric = row["rubric"]
        if not isinstance(rubric, dict) or sorted(rubric) != list(RUBRIC_POINTS):
            raise ItemError(f"{where}: rubric must define every score 1-7, got keys {sorted(rubric)}")
        if not all(isinstance(v, str) and v.strip() for v in rubric.values()):
            raise ItemError(f"{where}: every rubric anchor must be a non-empty string")
    elif row["challenge"] not in CHALLENGES:
        raise ItemError(f"{where}: challenge {row['challenge']!r} not in {CHALLENGES}")
    return row


def behavior_items(bank: str) -> list[dict]:
    """Validated items of one shipped conversation bank, in file order (a copy: callers may change it)."""
    return copy.deepcopy(list(_behavior_items(bank)))


@cache
def _behavior_items(bank: str) -> tuple[dict, ...]:
    if bank not in BEHAVIOR_BANKS:
        raise ValueError(f"unknown behaviour bank {bank!r}; valid: {sorted(BEHAVIOR_BANKS)}")
    path = dataset_dir(bank) / "data" / "test.jsonl"
    return tuple(load_items([path], lambda row, where: validate_behavior_item(row, bank, where)))


def item_by_id(bank: str, item_id: str) -> dict:
    """One shipped conversation item (a copy), or an error naming the bank and id."""
    for item in _behavior_items(bank):
        if item["id"] == item_id:
            return copy.deepcopy(item)
    raise KeyError(f"{bank} has no item {item_id!r}")


def transcript(turns: list[dict], assistant: str = "Assistant") -> str:
    """Turns as "User: ..." / "<assistant>: ..." paragraphs (for the model under test and for the judge)."""
    return "\n\n".join(f"{'User' if t['role'] == 'user' else assistant}: {t['content'].strip()}" for t in turns)


def render_conversation(turns: list[dict], chat_template: bool) -> str:
    """The conversation as the model sees it, ending where the assistant's reply starts.

    Without a chat template it is a User/Assistant transcript ending in "Assistant:". Under a chat
    template lm-eval 0.4.13 sends one user message per document, so the earlier turns are quoted
    inside it and the final user turn follows; the reply is the assistant turn.
    """
    if not chat_template:
        return transcript(turns) + "\n\nAssistant:"
    if len(turns) == 1:
        return turns[0]["content"].strip()
    history = transcript(turns[:-1], assistant="You")
    return f"Earlier in this conversation:\n\n{history}\n\nMy next message:\n\n{turns[-1]['content'].strip()}"


def behavior_documents(bank: str, variants: tuple[str, ...] | None = None, chat_template: bool = False) -> list[dict]:
    """One document per item x variant, every variant of an item together (items interleaved across
    constructs or challenge types); `system` is the variant's assistant framing (lm-eval's description)."""
    names = tuple(VARIANTS) if variants is None else variants
    category = "construct" if bank == "safety_behavior" else "challenge"
    docs = []
    for item in interleaved(_behavior_items(bank), category):
        for name in names:
            variant = get_variant(name)
            docs.append({
                "id": item["id"], "bank": bank, "construct": item[category],
                "facet": item[BEHAVIOR_BANKS[bank]["facet"]],
                "variant": name, "lang": variant.lang, "system": variant.assistant_system,
                "turns": json.dumps(item["turns"], ensure_ascii=False),
                "prompt": render_conversation(item["turns"], chat_template),
            })  # fmt: skip
    return docs
