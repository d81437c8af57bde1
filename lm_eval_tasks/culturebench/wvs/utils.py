"""Thin lm-eval glue for the WVS dilemmas and direct questions; all logic lives in the culturebench library."""

from __future__ import annotations

import datasets
import pandas as pd

from culturebench.aggregation import once_per_rows
from culturebench.benchmarks.wvs.documents import dilemma_documents, direct_documents
from culturebench.benchmarks.wvs.metrics import dilemma_position, dilemma_score_row, direct_score_row
from culturebench.scoring import combine_orders


def load_dilemmas(
    domain: str, persona: str, chat_template: bool = False, options_only: bool = False, **kwargs
) -> datasets.DatasetDict:
    """custom_dataset hook: lm-eval passes the task's metadata, --metadata and the model args as keywords."""
    docs = dilemma_documents(domain, persona, chat_template=bool(chat_template), options_only=bool(options_only))
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})


def load_direct(chat_template: bool = False, **kwargs) -> datasets.DatasetDict:
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(direct_documents(bool(chat_template)))})


def process_dilemma(doc: dict, results: list) -> dict:
    row = dilemma_score_row(doc, [ll for ll, _ in results])
    return {"p_positive": row, "trad_secular": row, "surv_selfexp": row}


def process_direct(doc: dict, results: list) -> dict:
    return {"expected_code": direct_score_row(doc, [ll for ll, _ in results])}


def agg_p_positive(rows: list[dict]) -> float:
    return float(combine_orders(pd.DataFrame.from_records(rows), value="p_positive")["p_positive"].mean())


@once_per_rows
def _position(rows: list[dict]) -> dict:
    """Position of all the task's rows pooled (one persona type, one domain); per country: see the report."""
    combined = combine_orders(pd.DataFrame.from_records(rows), value="p_positive")
    return dilemma_position(combined, n_boot=0)


def agg_trad_secular(rows: list[dict]) -> float:
    return _position(rows).get("trad_secular", float("nan"))


def agg_surv_selfexp(rows: list[dict]) -> float:
    return _position(rows).get("surv_selfexp", float("nan"))


def agg_expected_code(rows: list[dict]) -> float:
    return float(pd.DataFrame.from_records(rows)["expected"].mean())
