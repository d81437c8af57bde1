"""Thin lm-eval glue for the behavioural conversations; the judge (`culturebench judge`) scores the replies."""

from __future__ import annotations

import datasets

from culturebench.benchmarks.selfconcept.behavior import behavior_documents


def load(bank: str, variants: str = "all", chat_template: bool = False, **kwargs) -> datasets.DatasetDict:
    """custom_dataset hook: lm-eval passes the task's metadata, --metadata and the model args as keywords."""
    chosen = None if variants == "all" else tuple(v.strip() for v in variants.split(","))
    docs = behavior_documents(bank, chosen, chat_template=bool(chat_template))
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})


def process_reply(doc: dict, results: list) -> dict:
    """The reply is kept in the logged samples for the judge; here only whether there is one."""
    return {"replied": float(bool(results[0].strip()))}
