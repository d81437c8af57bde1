"""Thin lm-eval glue for the Hofstede advice dilemmas; all logic lives in the culturebench library."""

from __future__ import annotations

import math

import datasets
import pandas as pd

from culturebench.aggregation import once_per_rows
from culturebench.benchmarks.hofstede.documents import hofstede_documents
from culturebench.benchmarks.hofstede.metrics import (
    common_items,
    country_shares,
    dimension_alignment,
    mean_pearson_r,
    score_row,
)
from culturebench.benchmarks.hofstede.native import native_documents
from culturebench.countries import DEFAULT_GROUND_TRUTH
from culturebench.scoring import combine_orders, position_bias


def load(
    dimension: str, persona: str, chat_template: bool = False, options_only: bool = False, **kwargs
) -> datasets.DatasetDict:
    """custom_dataset hook: lm-eval passes the task's metadata, --metadata and the model args as keywords.

    `culturebench evaluate --apply-chat-template` sets chat_template=True through --metadata, so the
    prompt ends at the instruction and the assistant turn is the answer cue.
    """
    docs = hofstede_documents(dimension, persona, chat_template=bool(chat_template), options_only=bool(options_only))
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})


def load_native(prompt_language: str, chat_template: bool = False, **kwargs) -> datasets.DatasetDict:
    """custom_dataset hook of the prompt-language tasks: the core items in the persona country's language
    (prompt_language "native") or in English ("en"), for the same countries."""
    docs = native_documents(prompt_language, chat_template=bool(chat_template))
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})


def process_results(doc: dict, results: list) -> dict:
    """One score row per document; every metric aggregates the same rows (alignment only under a persona)."""
    row = score_row(doc, [ll for ll, _ in results])
    keys = ["p_high", "position_bias"]
    if doc["persona"] != "none":
        keys += ["pearson_r", "threshold_accuracy"]
    return dict.fromkeys(keys, row)


@once_per_rows
def _combined(rows: list[dict]) -> pd.DataFrame:
    return combine_orders(pd.DataFrame.from_records(rows), "p_high")


def agg_p_high(rows: list[dict]) -> float:
    return float(_combined(rows)["p_high"].mean())


def agg_position_bias(rows: list[dict]) -> float:
    return position_bias(_combined(rows), n_boot=0).value


@once_per_rows
def _alignment(rows: list[dict]) -> list[dict]:
    """One alignment per dimension of the rows (a persona task has one; the prompt-language tasks have six)."""
    combined = _combined(rows)
    shares = country_shares(common_items(combined), n_boot=0)  # countries compared on the same items, as the report
    return [dimension_alignment(shares, dim, DEFAULT_GROUND_TRUTH, n_boot=0) for dim in combined["dimension"].unique()]


def agg_pearson_r(rows: list[dict]) -> float:
    """Pearson r over countries; over several dimensions, its mean (as the headline's alignment_r_mean)."""
    r = mean_pearson_r(_alignment(rows))["value"]
    return float("nan") if r is None else r


def agg_threshold_accuracy(rows: list[dict]) -> float:
    """Threshold accuracy; over several dimensions, its mean."""
    defined = [a["threshold_accuracy"] for a in _alignment(rows) if not math.isnan(a["threshold_accuracy"])]
    return sum(defined) / len(defined) if defined else math.nan
