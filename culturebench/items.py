"""Item schemas of the binary dilemma banks, their validator, and the near-duplicate check."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from culturebench.dimensions import DIMENSIONS
from culturebench.jsonl import read_jsonl

DOMAINS: tuple[str, ...] = ("family_friends", "workplace", "school", "health_money", "community_society")
OPTION_WORDS = (4, 20)
MIN_DOMAIN_SHARE = 0.15
NEAR_DUPLICATE_COSINE = 0.3


class ItemError(ValueError):
    """A malformed item; the message names the file, row and field."""


@dataclass(frozen=True)
class DilemmaSchema:
    """What a binary dilemma bank's rows hold: the field naming what is measured, its values, domains, poles."""

    category: str  # the field naming what an item measures: "dimension" or "item"
    categories: tuple[str, ...]
    domains: tuple[str, ...]
    poles: tuple[str, str]  # (scored pole, other pole)
    scenario_words: tuple[int, int]
    extra_fields: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return ("id", self.category, "domain", "scenario", "question", "options", *self.extra_fields)


HOFSTEDE_SCHEMA = DilemmaSchema("dimension", DIMENSIONS, DOMAINS, ("high", "low"), (50, 160))


def _words(text: str) -> int:
    return len(text.split())


def validate_dilemma(row: object, where: str, schema: DilemmaSchema = HOFSTEDE_SCHEMA) -> dict:
    """Check one dilemma; return it unchanged or raise ItemError naming `where` and the field."""
    if not isinstance(row, dict):
        raise ItemError(f"{where}: expected a JSON object, got {type(row).__name__}")
    missing = [f for f in schema.fields if f not in row]
    extra = [f for f in row if f not in schema.fields]
    if missing or extra:
        raise ItemError(f"{where}: missing fields {missing}, unexpected fields {extra}")
    where = f"{where} (id {row['id']!r})"
    for field in ("id", schema.category, "domain", "scenario", "question"):
        if not isinstance(row[field], str) or not row[field].strip():
            raise ItemError(f"{where}: field {field!r} must be a non-empty string")
    if row[schema.category] not in schema.categories:
        raise ItemError(
            f"{where}: field {schema.category!r} is {row[schema.category]!r}, not one of {schema.categories}"
        )
    if row["domain"] not in schema.domains:
        raise ItemError(f"{where}: field 'domain' is {row['domain']!r}, not one of {schema.domains}")
    n = _words(row["scenario"])
    if not schema.scenario_words[0] <= n <= schema.scenario_words[1]:
        raise ItemError(f"{where}: field 'scenario' has {n} words, outside {schema.scenario_words}")
    if not row["question"].rstrip().endswith("?"):
        raise ItemError(f"{where}: field 'question' must be a question ending with '?'")
    options = row["options"]
    if not isinstance(options, list) or len(options) != 2:
        raise ItemError(f"{where}: field 'options' must be a list of exactly two options")
    for k, opt in enumerate(options):
        if not isinstance(opt, dict) or set(opt) != {"text", "pole"}:
            raise ItemError(f"{where}: field 'options[{k}]' must have exactly 'text' and 'pole'")
        if opt["pole"] not in schema.poles:
            raise ItemError(f"{where}: field 'options[{k}].pole' is {opt['pole']!r}, not one of {schema.poles}")
        m = _words(opt["text"]) if isinstance(opt["text"], str) else 0
        if not OPTION_WORDS[0] <= m <= OPTION_WORDS[1]:
            raise ItemError(f"{where}: field 'options[{k}].text' has {m} words, outside {OPTION_WORDS}")
    if {o["pole"] for o in options} != set(schema.poles):
        raise ItemError(
            f"{where}: field 'options' must hold one {schema.poles[0]!r} and one {schema.poles[1]!r} option"
        )
    return row


def load_items(paths: Iterable[Path], validate: Callable[[object, str], dict]) -> list[dict]:
    """Read JSON Lines item files, `validate(row, where)` each row; ids must be unique across the files."""
    items: list[dict] = []
    seen: dict[str, str] = {}
    for path in paths:
        for line, row in read_jsonl(Path(path), ItemError):
            where = f"{path}:{line}"
            item = validate(row, where)
            if item["id"] in seen:
                raise ItemError(f"{where}: id {item['id']!r} already used at {seen[item['id']]}")
            seen[item["id"]] = where
            items.append(item)
    return items


def load_dilemmas(paths: Iterable[Path], schema: DilemmaSchema = HOFSTEDE_SCHEMA) -> list[dict]:
    """Read and validate dilemma files; ids must be unique across them."""
    return load_items(paths, lambda row, where: validate_dilemma(row, where, schema))


def check_domain_balance(
    items: list[dict], min_share: float = MIN_DOMAIN_SHARE, schema: DilemmaSchema = HOFSTEDE_SCHEMA
) -> list[str]:
    """Problems with the domain spread: each domain must hold at least `min_share` of a category's items."""
    problems = []
    for dim in sorted({i[schema.category] for i in items}):
        counts = Counter(i["domain"] for i in items if i[schema.category] == dim)
        total = sum(counts.values())
        for domain in schema.domains:
            if counts[domain] < min_share * total:
                problems.append(f"{dim}: domain {domain} has {counts[domain]} of {total} items")
    return problems


_TOKEN = re.compile(r"[a-z']+")


def _tfidf(texts: list[str]) -> np.ndarray:
    """L2-normalised TF-IDF rows over word unigrams and bigrams."""
    docs = []
    for text in texts:
        toks = _TOKEN.findall(text.lower())
        docs.append(Counter(toks + [f"{a} {b}" for a, b in zip(toks, toks[1:])]))
    vocab = {t: k for k, t in enumerate(sorted(set().union(*docs)))}
    df = Counter(t for d in docs for t in d)
    mat = np.zeros((len(docs), len(vocab)))
    for r, d in enumerate(docs):
        for t, c in d.items():
            mat[r, vocab[t]] = c * math.log((1 + len(docs)) / (1 + df[t]))
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    return mat / np.where(norms == 0, 1, norms)


def near_duplicates(texts: dict[str, str], threshold: float = NEAR_DUPLICATE_COSINE) -> list[tuple[str, str, float]]:
    """Pairs of ids whose texts have TF-IDF cosine similarity >= threshold, most similar first."""
    ids = list(texts)
    if len(ids) < 2:
        return []
    mat = _tfidf([texts[i] for i in ids])
    sims = mat @ mat.T
    rows, cols = np.triu_indices(len(ids), k=1)
    hits = sims[rows, cols] >= threshold
    pairs = [(ids[a], ids[b], float(sims[a, b])) for a, b in zip(rows[hits], cols[hits])]
    return sorted(pairs, key=lambda p: -p[2])
