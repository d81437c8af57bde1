"""Hofstede advice dilemmas as lm-eval documents: one per item x country x option order.

Few tasks, many documents (DESIGN.md): country and order are fields of a document, so per-country
numbers come from grouping documents, not from hundreds of tasks.
"""

from __future__ import annotations

import copy
from functools import cache
from itertools import zip_longest

from culturebench.countries import countries_with_score
from culturebench.dimensions import DIMENSIONS, check_dimension
from culturebench.items import load_dilemmas
from culturebench.prompts import LETTERS, NO_PERSONA, ORDERS, PromptCondition, render_dilemma
from culturebench.resources import dataset_dir

HOFSTEDE_DATASET = "hofstede_dilemmas"


@cache
def _items() -> tuple[dict, ...]:
    files = sorted((dataset_dir(HOFSTEDE_DATASET) / "data").glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"no data files in {dataset_dir(HOFSTEDE_DATASET) / 'data'}")
    return tuple(load_dilemmas(files))


def hofstede_items() -> list[dict]:
    """The validated advice dilemmas shipped in `hf_datasets/hofstede_dilemmas` (a copy: callers may change it)."""
    return copy.deepcopy(list(_items()))


def hofstede_documents(
    dimension: str, persona: str, chat_template: bool = False, options_only: bool = False
) -> list[dict]:
    """Documents of one dimension (or "all"): under persona 'basic' for every country with a score, else once.

    Ordered item-major (each item under every country and both orders before the next item), and
    for "all" the dimensions take turns, so lm-eval's --limit still spans countries, orders and dimensions.
    options_only: the control condition, the question and options without the scenario.
    """
    dims = DIMENSIONS if dimension == "all" else (check_dimension(dimension),)
    per_dim = [[i for i in _items() if i["dimension"] == d] for d in dims]
    interleaved = [item for group in zip_longest(*per_dim) for item in group if item is not None]
    docs = []
    for item in interleaved:
        dim = item["dimension"]
        for country in countries_with_score(dim) if persona == "basic" else [None]:
            for order in ORDERS:
                cond = PromptCondition(
                    persona=persona,
                    country=country,
                    order=order,
                    chat_template=chat_template,
                    options_only=options_only,
                )
                docs.append(
                    {
                        "item_id": item["id"],
                        "dimension": dim,
                        "domain": item["domain"],
                        "country": country or NO_PERSONA,
                        "persona": persona,
                        "order": order,
                        "chat_template": chat_template,
                        "prompt": render_dilemma(item, cond),
                        "high_index": LETTERS.index(cond.letter_of(item["options"])),
                    }
                )
    return docs
