"""The automatic checks a draft must pass, each rejecting with a reason a reviewer would give.

Rules, in the order they run (a draft is rejected by the first it fails, the near-duplicate check
excepted, which compares the survivors with each other and with the shipped bank):

- `schema`: the drafted fields against the spec's item schema (jsonschema), then the whole row against
  the bank's own validator, so an accepted draft is a valid row of the bank;
- `slot`: a template slot ({country}, [name]) left in any text, or an answer letter inside an option
  ("B) ...", "option A"): the prompt renderer adds the letters itself;
- `length`: the longer option more than `max_length_ratio` times the shorter, in words;
- `giveaway`: wording that tells the pole without the scenario (see culturebench.formcues): only one
  option opening with a status-quo verb (stay, keep, wait, accept...), only one holding a negation, or
  an option naming a pole (`pole_words` of the spec);
- `near_duplicate`: TF-IDF cosine of scenario and question at or above `near_duplicate_cosine` with a
  shipped item or an earlier draft (culturebench.items.near_duplicates).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from culturebench.formcues import NEGATIONS, STATUS_QUO_VERBS, first_verb, tokens
from culturebench.items import ItemError, near_duplicates
from culturebench.llm.structured import schema_errors

SLOT = re.compile(r"\{[^{}]*\}|\[(?:country|nationality|name|city|religion|currency|person)\]|<[A-Z_]+>", re.I)
LETTER_OPENING = re.compile(r"^\s*\(?[A-H][).:]\s")
LETTER_MENTION = re.compile(r"\b(?:[Oo]ption|[Aa]nswer|[Cc]hoice)\s+\(?[A-H]\b")
RULES = ("schema", "slot", "length", "giveaway", "near_duplicate")


@dataclass(frozen=True)
class Rejection:
    """Why a draft was rejected: the rule it broke and a reason naming the field."""

    id: str
    rule: str
    reason: str


def text_of(row: dict) -> str:
    """What the near-duplicate check compares: the scenario and the question (as the bank's own test does)."""
    return f"{row.get('scenario', '')} {row.get('question', '')}"


def schema_problem(row: dict, drafted: dict, item_schema: dict, validate: Callable[[object, str], dict]) -> str:
    """Why the draft breaks the item schema or the bank's validator ('' when it does not)."""
    errors = schema_errors(drafted, item_schema)
    if errors:
        return "; ".join(errors[:3])
    try:
        validate(row, "draft")
    except ItemError as e:
        return str(e).removeprefix("draft: ").removeprefix(f"draft (id {row.get('id')!r}): ")
    return ""


def slot_problem(row: dict) -> str:
    """A template slot left in any text, or an answer letter inside an option ('' when none)."""
    texts = [("scenario", row["scenario"]), ("question", row["question"])]
    texts += [(f"option {k + 1}", o["text"]) for k, o in enumerate(row["options"])]
    for where, text in texts:
        if m := SLOT.search(text):
            return f"{where} holds a template slot {m.group(0)!r}"
    for k, option in enumerate(row["options"]):
        for pattern in (LETTER_OPENING, LETTER_MENTION):
            if m := pattern.search(option["text"]):
                return f"option {k + 1} holds an answer letter {m.group(0).strip()!r}"
    return ""


def length_problem(row: dict, max_ratio: float) -> str:
    """The options' lengths in words when the longer is more than `max_ratio` times the shorter."""
    a, b = (len(o["text"].split()) for o in row["options"])
    ratio = max(a, b) / max(min(a, b), 1)
    return f"options have {a} and {b} words (ratio {ratio:.2f} > {max_ratio:g})" if ratio > max_ratio else ""


def giveaway_problem(row: dict, pole_words: list[str]) -> str:
    """Wording that gives a pole away without the scenario ('' when none)."""
    options = row["options"]
    openings = [first_verb(o["text"]) in STATUS_QUO_VERBS for o in options]
    if sum(openings) == 1:
        k = openings.index(True)
        return (f"only the {options[k]['pole']} option opens with a status-quo verb "
                f"({first_verb(options[k]['text'])!r})")  # fmt: skip
    negated = [bool(NEGATIONS & set(tokens(o["text"]))) for o in options]
    if sum(negated) == 1:
        k = negated.index(True)
        return f"only the {options[k]['pole']} option holds a negation"
    names = {w.lower() for w in pole_words}
    for option in options:
        if named := sorted(names & set(tokens(option["text"]))):
            return f"the {option['pole']} option names a pole ({', '.join(named)})"
    return ""


def duplicate_rejections(drafts: list[dict], shipped: dict[str, str], threshold: float) -> list[Rejection]:
    """Drafts too close to a shipped item, or to an earlier draft (the later of two drafts is rejected)."""
    order = {d["id"]: k for k, d in enumerate(drafts)}
    texts = {**shipped, **{d["id"]: text_of(d) for d in drafts}}
    rejected: dict[str, Rejection] = {}
    for a, b, cosine in near_duplicates(texts, threshold):
        if a in order and b in order:
            later, other = (a, b) if order[a] > order[b] else (b, a)
            what = f"draft {other}"
        elif a in order or b in order:
            later, other = (a, b) if a in order else (b, a)
            what = f"shipped item {other}"
        else:
            continue
        if later not in rejected:
            rejected[later] = Rejection(later, "near_duplicate", f"TF-IDF cosine {cosine:.2f} with {what}")
    return [rejected[d["id"]] for d in drafts if d["id"] in rejected]


def check_drafts(
    drafts: list[tuple[dict, dict]],
    item_schema: dict,
    validate: Callable[[object, str], dict],
    checks: dict,
    shipped: dict[str, str],
) -> tuple[list[dict], list[Rejection]]:
    """(accepted rows, rejections) of (row, drafted fields) pairs, by the rules above."""
    rules: tuple[tuple[str, Callable[[dict, dict], str]], ...] = (
        ("schema", lambda row, drafted: schema_problem(row, drafted, item_schema, validate)),
        ("slot", lambda row, _: slot_problem(row)),
        ("length", lambda row, _: length_problem(row, checks["max_length_ratio"])),
        ("giveaway", lambda row, _: giveaway_problem(row, checks["pole_words"])),
    )
    survivors, rejections = [], []
    for row, drafted in drafts:
        broken = next(((rule, problem) for rule, check in rules if (problem := check(row, drafted))), None)
        if broken:
            rejections.append(Rejection(row["id"], *broken))
        else:
            survivors.append(row)
    duplicates = duplicate_rejections(survivors, shipped, checks["near_duplicate_cosine"])
    dropped = {r.id for r in duplicates}
    return [r for r in survivors if r["id"] not in dropped], rejections + duplicates
