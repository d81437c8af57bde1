"""Thin lm-eval glue for the VSM survey; all logic lives in the culturebench library."""

from __future__ import annotations

import datasets
import pandas as pd

from culturebench.aggregation import once_per_rows
from culturebench.benchmarks.vsm.metrics import vsm_metrics, vsm_score_row
from culturebench.benchmarks.vsm.survey import vsm_documents


def load(condition: str, chat_template: bool = False, **kwargs) -> datasets.DatasetDict:
    """custom_dataset hook: lm-eval passes the task's metadata, --metadata and the model args as keywords."""
    docs = vsm_documents(condition, chat_template=bool(chat_template))
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})


def process_results(doc: dict, results: list) -> dict:
    row = vsm_score_row(doc, [ll for ll, _ in results])
    return {"expected_answer": row, "deviation_ratio": row, "difference": row}


@once_per_rows
def _condition(rows: list[dict]) -> dict:
    metrics = vsm_metrics(pd.DataFrame.from_records(rows), n_boot=0)
    return next(iter(metrics["conditions"].values()))


def agg_expected_answer(rows: list[dict]) -> float:
    return float(pd.DataFrame.from_records(rows)["expected"].mean())


def agg_deviation_ratio(rows: list[dict]) -> float:
    """Mean over country roles of the deviation ratio (finite ones; nan if no role has all 24 items)."""
    return _condition(rows)["deviation_ratio"]["mean"]


def agg_difference(rows: list[dict]) -> float:
    """Mean over country roles of the mean absolute difference from the ground truth (0-100 scale)."""
    return _condition(rows)["difference"]
