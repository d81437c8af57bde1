"""Builds hf_datasets/vsm_survey from the project's source text and its translations.

    python generation/vsm/build_dataset.py

translations/<lang>.json holds, per language, the 24 items, the seven answer scales, the system
role (with a {country} slot), the answer instruction and cue, and the 20 country names; en.json is
the source written by the project, the others were translated from it (see the dataset card).
Writes data/items/<lang>.jsonl (item rows keep their id) and data/roles.jsonl (one row per
language x country role), then refreshes the card's content hash. Rerunning is idempotent.
"""

from __future__ import annotations

import json
from pathlib import Path

from culturebench.benchmarks.vsm.survey import ANSWER_DIGITS, ITEM_IDS, ITEM_SCALES, VSM_COUNTRIES, VSM_LANGUAGES
from culturebench.cards import refresh_card
from culturebench.jsonl import write_jsonl
from culturebench.resources import dataset_dir

HERE = Path(__file__).resolve().parent


def check_translation(data: dict, lang: str, source: dict) -> None:
    """Same structure as the source, one {country} slot, five labels per scale, ASCII answer digits."""
    where = f"translations/{lang}.json"
    if data.get("lang") != lang:
        raise ValueError(f"{where}: lang is {data.get('lang')!r}")
    for key in ("items", "scales", "country_names"):
        if set(data[key]) != set(source[key]):
            raise ValueError(f"{where}: keys of {key!r} differ from en.json")
    if data["system_role"].count("{country}") != 1:
        raise ValueError(f"{where}: system_role needs exactly one {{country}}")
    if any(len(labels) != 5 for labels in data["scales"].values()):
        raise ValueError(f"{where}: every scale needs five labels")
    if not all(d in data["instruction"] for d in ANSWER_DIGITS):
        raise ValueError(f"{where}: instruction must name the ASCII digits 1-5")


def build() -> Path:
    source = json.loads((HERE / "translations" / "en.json").read_text(encoding="utf-8"))
    target = dataset_dir("vsm_survey")
    (target / "data" / "items").mkdir(parents=True, exist_ok=True)
    roles = []
    for lang in VSM_LANGUAGES:
        data = json.loads((HERE / "translations" / f"{lang}.json").read_text(encoding="utf-8"))
        check_translation(data, lang, source)
        items = [
            {
                "id": item_id,
                "lang": lang,
                "scale": ITEM_SCALES[item_id],
                "question": data["items"][item_id],
                "options": data["scales"][ITEM_SCALES[item_id]],
            }
            for item_id in ITEM_IDS
        ]
        write_jsonl(target / "data" / "items" / f"{lang}.jsonl", items)
        for country in VSM_COUNTRIES:
            roles.append(
                {
                    "lang": lang,
                    "country": country,
                    "country_name": data["country_names"][country],
                    "system_role": data["system_role"].replace("{country}", data["country_names"][country]),
                    "instruction": data["instruction"],
                    "answer_cue": data["answer_cue"],
                }
            )
    write_jsonl(target / "data" / "roles.jsonl", roles)
    refresh_card(target)
    return target


if __name__ == "__main__":
    print(build())
