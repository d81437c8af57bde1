"""The core Hofstede dilemmas asked in the persona country's own language, and the same in English.

`culturebench_hofstede_native` asks each language's persona country (hf_datasets/hofstede_native: one country
per language, seed 001's) in that language: persona, item, instruction and answer cue translated, the answer
letters kept. `culturebench_hofstede_native_en` asks the same core items of the same countries in English under
the English basic persona: the comparison the report draws, by prompt language and by resource level.
Documents are item-major with the dimensions taking turns, as the English tasks', so --limit spans countries.
"""

from __future__ import annotations

from functools import cache
from itertools import zip_longest

from culturebench.countries import countries_with_score, get_country
from culturebench.dimensions import DIMENSIONS
from culturebench.jsonl import read_jsonl
from culturebench.prompts import ENGLISH, LETTERS, ORDERS, PromptCondition, Wording, render_dilemma
from culturebench.resources import dataset_dir

NATIVE_DATASET = "hofstede_native"
NATIVE_TASK = "culturebench_hofstede_native"
NATIVE_EN_TASK = "culturebench_hofstede_native_en"
LANGUAGES_GROUP = "culturebench_hofstede_languages"  # both, for `culturebench evaluate --tasks`
LANGUAGE_TASKS: dict[str, str] = {NATIVE_TASK: "native", NATIVE_EN_TASK: "en"}  # task -> its prompt language
SOURCE_LANG = "en"


@cache
def _bank() -> tuple[dict[str, dict], dict[str, dict[str, dict]]]:
    """({lang: prompts row}, {lang: {item id: row}}) of the shipped dataset, read once."""
    folder = dataset_dir(NATIVE_DATASET) / "data"
    prompts = {row["lang"]: row for _, row in read_jsonl(folder / "prompts.jsonl")}
    items = {lang: {row["id"]: row for _, row in read_jsonl(folder / f"{lang}.jsonl")} for lang in prompts}
    for lang, rows in items.items():
        if rows.keys() != items[SOURCE_LANG].keys():
            raise ValueError(f"{folder / lang}.jsonl does not hold the core items of {SOURCE_LANG}.jsonl; rebuild it")
    return prompts, items


def native_languages() -> list[dict]:
    """The prompts row of every shipped language (lang, country, country_name, persona, ...), in file order."""
    return list(_bank()[0].values())


def native_wording(lang: str) -> Wording:
    """Persona, instruction, answer cue and country name of one shipped language."""
    row = _bank()[0][lang]
    return Wording(row["persona"], row["instruction"], row["answer_cue"], row["country_name"])


def native_documents(prompt_language: str, chat_template: bool = False) -> list[dict]:
    """Documents of the core items x each language's persona country (with a score on the item's dimension) x
    both orders; prompt_language "native" asks in the country's language, "en" in English."""
    if prompt_language not in LANGUAGE_TASKS.values():
        raise ValueError(f"prompt_language {prompt_language!r}; valid: {sorted(LANGUAGE_TASKS.values())}")
    prompts, items = _bank()
    core = list(items[SOURCE_LANG].values())
    per_dim = [[i for i in core if i["dimension"] == d] for d in DIMENSIONS]
    docs = []
    for english in (i for group in zip_longest(*per_dim) for i in group if i is not None):
        scored = set(countries_with_score(english["dimension"]))
        for lang, row in prompts.items():
            if row["country"] not in scored:
                continue
            native = prompt_language == "native"
            item, wording = (items[lang][english["id"]], native_wording(lang)) if native else (english, ENGLISH)
            for order in ORDERS:
                cond = PromptCondition(
                    persona="basic", country=row["country"], order=order, chat_template=chat_template
                )
                docs.append({
                    "item_id": item["id"], "dimension": item["dimension"], "domain": item["domain"],
                    "country": row["country"], "lang": lang if native else SOURCE_LANG,
                    "resource_level": get_country(row["country"]).resource_level, "persona": "basic", "order": order,
                    "chat_template": chat_template, "prompt": render_dilemma(item, cond, wording),
                    "high_index": LETTERS.index(cond.letter_of(item["options"])),
                })  # fmt: skip
    return docs
