"""Thin lm-eval glue for the self-report banks of seed 000; all logic lives in the culturebench library."""

from __future__ import annotations

import datasets
import pandas as pd

from culturebench.aggregation import once_per_rows
from culturebench.benchmarks.selfconcept.likert import generated_score_row, likert_score_row
from culturebench.benchmarks.selfconcept.metrics import construct_scores
from culturebench.benchmarks.selfconcept.selfreport import LIKERT_BANKS, likert_documents
from culturebench.variants import REFERENCE_VARIANT


def load(bank: str, variants: str = "all", chat_template: bool = False, **kwargs) -> datasets.DatasetDict:
    """custom_dataset hook: lm-eval passes the task's metadata, --metadata and the model args as keywords.

    `variants` ("all" or a comma-separated list, e.g. via --metadata '{"variants": "formal"}')
    selects the prompt variants.
    """
    chosen = None if variants == "all" else tuple(v.strip() for v in variants.split(","))
    docs = likert_documents(bank, chosen, chat_template=bool(chat_template))
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})


def _keys(doc: dict, row: dict) -> dict:
    return {c: row for c in LIKERT_BANKS[doc["bank"]]["constructs"]} | (
        {"composite": row} if doc["bank"] == "self_construal" else {}
    )


def process_scored(doc: dict, results: list) -> dict:
    return _keys(doc, likert_score_row(doc, [ll for ll, _ in results]))


def process_generated(doc: dict, results: list) -> dict:
    row = generated_score_row(doc, results[0])
    return _keys(doc, row) | {"refusal_rate": row, "unparseable_rate": row, "out_of_range_rate": row}


@once_per_rows
def _reference_scores(rows: list[dict]) -> dict:
    """Construct scores of the reference (formal) variant, or of the first variant run if it is absent."""
    frame = pd.DataFrame.from_records(rows)
    bank = frame["bank"].iloc[0]
    scores = construct_scores(frame, LIKERT_BANKS[bank]["constructs"], n_boot=0)
    return scores.get(REFERENCE_VARIANT) or next(iter(scores.values()), {})


def _agg(name: str):
    def aggregate(rows: list[dict]) -> float:
        value = _reference_scores(rows).get(name, {}).get("value")
        return float("nan") if value is None else float(value)

    aggregate.__name__ = f"agg_{name}"
    return aggregate


agg_independent = _agg("independent")
agg_interdependent = _agg("interdependent")
agg_composite = _agg("composite")
agg_sycophancy = _agg("sycophancy")
agg_deference = _agg("deference")
agg_boundary_assertion = _agg("boundary_assertion")


def _rate(status: str):
    def aggregate(rows: list[dict]) -> float:
        return float(sum(r["status"] == status for r in rows) / len(rows))

    aggregate.__name__ = f"agg_{status}_rate"
    return aggregate


agg_refusal_rate = _rate("refusal")
agg_unparseable_rate = _rate("unparseable")
agg_out_of_range_rate = _rate("out_of_range")
