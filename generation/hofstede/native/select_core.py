"""Write native/en.json: the core of the Hofstede dilemmas that is translated into seed 001's languages.

    python generation/hofstede/native/select_core.py

The core is two kept items per dimension and domain (ten per dimension), drawn with a seeded random
choice among the ids in the shipped dataset, with the English persona, instruction and answer cue the
translators start from. Rerunning gives the same file.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from culturebench.benchmarks.hofstede.documents import hofstede_items
from culturebench.dimensions import DIMENSIONS
from culturebench.files import write_text
from culturebench.prompts import ANSWER_CUE, ANSWER_INSTRUCTION, BASIC_PERSONA

HERE = Path(__file__).resolve().parent
PER_CELL = 2


def core_ids(items: list[dict]) -> list[str]:
    """PER_CELL ids per (dimension, domain), seeded by the cell, in dimension then id order."""
    chosen = []
    for dim in DIMENSIONS:
        domains = sorted({i["domain"] for i in items if i["dimension"] == dim})
        for domain in domains:
            ids = sorted(i["id"] for i in items if i["dimension"] == dim and i["domain"] == domain)
            chosen += random.Random(f"core-{dim}-{domain}").sample(ids, PER_CELL)
    return sorted(chosen, key=lambda i: (DIMENSIONS.index(i.split("-")[0].upper()), i))


def main() -> None:
    items = {i["id"]: i for i in hofstede_items()}
    source = {
        "lang": "en",
        "language": "English",
        "persona": BASIC_PERSONA,
        "country_name": "the United States",
        "instruction": ANSWER_INSTRUCTION,
        "answer_cue": ANSWER_CUE,
        "items": {
            i: {
                "scenario": items[i]["scenario"],
                "question": items[i]["question"],
                "options": [o["text"] for o in items[i]["options"]],
            }
            for i in core_ids(list(items.values()))
        },  # fmt: skip
    }
    write_text(HERE / "en.json", json.dumps(source, indent=2, ensure_ascii=False) + "\n")
    print(f"{len(source['items'])} core items -> {HERE / 'en.json'}")


if __name__ == "__main__":
    main()
