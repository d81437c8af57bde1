"""The VSM survey benchmark (seed 003): items, conditions, prompts and documents.

Twenty countries, each paired with its main language (seed 003, Table A). A condition is the
country given as the role and the language the whole prompt is written in; the survey's 24 items
are asked under each. Tasks keep country, language and item as document fields.
"""

from __future__ import annotations

import copy
from functools import cache

from culturebench.countries import get_country
from culturebench.items import ItemError
from culturebench.jsonl import read_jsonl
from culturebench.resources import dataset_dir

VSM_DATASET = "vsm_survey"
ITEM_IDS: tuple[str, ...] = tuple(f"m{i:02d}" for i in range(1, 25))
# Answer scale of each item; 1 is always the first label. m20 runs from "never" to "always".
ITEM_SCALES: dict[str, str] = {
    **{f"m{i:02d}": "importance" for i in range(1, 15)},
    "m15": "frequency",
    "m16": "frequency",
    "m17": "obstacle",
    "m18": "health",
    "m19": "pride",
    "m20": "frequency_reversed",
    **{f"m{i:02d}": "agreement" for i in range(21, 25)},
}
# Seed 003 Table A: country -> the language its prompts are "aligned" with.
ALIGNED_LANGUAGE: dict[str, str] = {
    "BD": "bn", "CN": "zh", "EG": "ar", "FR": "fr", "DE": "de", "IN": "hi", "ID": "id", "IR": "fa",
    "JP": "ja", "KR": "ko", "PK": "ur", "PH": "tl", "PT": "pt", "RU": "ru", "ES": "es", "TZ": "sw",
    "TH": "th", "TR": "tr", "US": "en", "VN": "vi",
}  # fmt: skip
VSM_COUNTRIES: tuple[str, ...] = tuple(ALIGNED_LANGUAGE)
VSM_LANGUAGES: tuple[str, ...] = tuple(ALIGNED_LANGUAGE.values())
CONDITIONS: tuple[str, ...] = ("aligned", "en", "zh", "all")
ANSWER_DIGITS: tuple[str, ...] = ("1", "2", "3", "4", "5")


def vsm_items() -> dict[str, dict[str, dict]]:
    """{lang: {item id: row}} from the shipped dataset, checked for completeness (a copy: callers may change it)."""
    return copy.deepcopy(_items())


def vsm_roles() -> dict[tuple[str, str], dict]:
    """{(lang, country): role row with the system role, instruction and answer cue in that language} (a copy)."""
    return copy.deepcopy(_roles())


@cache
def _items() -> dict[str, dict[str, dict]]:
    folder = dataset_dir(VSM_DATASET) / "data" / "items"
    out: dict[str, dict[str, dict]] = {}
    for lang in VSM_LANGUAGES:
        path = folder / f"{lang}.jsonl"
        rows = {}
        for line, row in read_jsonl(path, ItemError):
            if row.get("id") not in ITEM_SCALES or row.get("lang") != lang:
                raise ItemError(f"{path}:{line}: unexpected id {row.get('id')!r} or lang {row.get('lang')!r}")
            if len(row.get("options", [])) != 5 or row.get("scale") != ITEM_SCALES[row["id"]]:
                raise ItemError(f"{path}:{line}: item {row['id']} needs five options on scale {ITEM_SCALES[row['id']]}")
            rows[row["id"]] = row
        if set(rows) != set(ITEM_IDS):
            raise ItemError(f"{path}: missing items {sorted(set(ITEM_IDS) - set(rows))}")
        out[lang] = rows
    return out


@cache
def _roles() -> dict[tuple[str, str], dict]:
    path = dataset_dir(VSM_DATASET) / "data" / "roles.jsonl"
    roles = {}
    for line, row in read_jsonl(path, ItemError):
        for field in ("lang", "country", "system_role", "instruction", "answer_cue"):
            if not isinstance(row.get(field), str) or not row[field]:
                raise ItemError(f"{path}:{line}: field {field!r} must be a non-empty string")
        roles[(row["lang"], row["country"])] = row
    missing = [(lang, c) for lang in VSM_LANGUAGES for c in VSM_COUNTRIES if (lang, c) not in roles]
    if missing:
        raise ItemError(f"{path}: no role for {missing[:5]}{' ...' if len(missing) > 5 else ''}")
    return roles


def render_vsm(item: dict, role: dict, chat_template: bool = False) -> str:
    """Role, question, the five numbered answers and the instruction, all in the role's language."""
    options = "\n".join(f"{d}. {label}" for d, label in zip(ANSWER_DIGITS, item["options"]))
    text = f"{role['system_role']}\n\n{item['question']}\n{options}\n\n{role['instruction']}"
    return text if chat_template else f"{text}\n{role['answer_cue']}"


def condition_blocks(condition: str) -> list[tuple[str, str]]:
    """(country role, prompt language) pairs of a condition, in document order.

    For "all" the 400 pairs come in 20 rounds; round r gives country i the language i + r, so the
    first 20 blocks already cover every country (and every language) once.
    """
    if condition == "aligned":
        return [(c, ALIGNED_LANGUAGE[c]) for c in VSM_COUNTRIES]
    if condition in ("en", "zh"):
        return [(c, condition) for c in VSM_COUNTRIES]
    if condition == "all":
        n = len(VSM_LANGUAGES)
        return [(c, VSM_LANGUAGES[(i + r) % n]) for r in range(n) for i, c in enumerate(VSM_COUNTRIES)]
    raise ValueError(f"unknown VSM condition {condition!r}; valid: {', '.join(CONDITIONS)}")


def vsm_documents(condition: str, chat_template: bool = False) -> list[dict]:
    """Documents of a condition: the 24 items of each (country role, language) block in turn.

    Indices need all 24 items of a block, so --limit N keeps N // 24 complete blocks.
    """
    items, roles = _items(), _roles()
    docs = []
    for country, lang in condition_blocks(condition):
        get_country(country)  # every role must be a registry country
        for item_id in ITEM_IDS:
            docs.append(
                {
                    "item_id": item_id,
                    "country": country,
                    "lang": lang,
                    "condition": condition,
                    "chat_template": chat_template,
                    "prompt": render_vsm(items[lang][item_id], roles[(lang, country)], chat_template),
                }
            )
    return docs
