"""Hofstede advice dilemmas (seed 001): does the model's advice follow the persona country's Hofstede scores?"""

from __future__ import annotations

import math
from functools import partial

from culturebench.benchmarks.base import Benchmark, HeadlineDict, Probe
from culturebench.benchmarks.hofstede.documents import HOFSTEDE_DATASET, hofstede_items
from culturebench.benchmarks.hofstede.report import hofstede_section
from culturebench.countries import DEFAULT_GROUND_TRUTH
from culturebench.dimensions import DIMENSIONS
from culturebench.prompts import LETTERS, PromptCondition, render_dilemma

GROUP = "culturebench_hofstede"
DEFAULT_TASK = "culturebench_hofstede_default"
OPTIONS_TASK = "culturebench_hofstede_options"  # the control: question and options without the scenario
TASKS: tuple[str, ...] = (*(f"{GROUP}_{d.lower()}" for d in DIMENSIONS), DEFAULT_TASK)


def probes(chat_template: bool) -> list[Probe]:
    condition = PromptCondition(persona="basic", country="US", chat_template=chat_template)
    return [Probe("hofstede (A/B)", render_dilemma(hofstede_items()[0], condition), LETTERS)]


def headline(metrics: dict) -> dict[str, HeadlineDict]:
    """Persona alignment (Pearson r over countries, default ground truth) per dimension, and their mean."""
    out: dict[str, HeadlineDict] = {}
    rs = []
    for dim, entry in metrics.get("dimensions", {}).items():
        a = entry.get("alignment", {}).get(DEFAULT_GROUND_TRUTH)
        if a is None:
            continue
        out[f"alignment_r_{dim}"] = {
            "value": a["pearson_r"], "ci_low": a["pearson_ci_low"], "ci_high": a["pearson_ci_high"], "n": a["n"],
            "higher_is_better": True,
            "description": f"Pearson r over persona countries between {dim} score ({DEFAULT_GROUND_TRUTH}) and p(high)",
        }  # fmt: skip
        if a["pearson_r"] is not None and math.isfinite(a["pearson_r"]):
            rs.append(a["pearson_r"])
    if out:
        out["alignment_r_mean"] = {
            "value": sum(rs) / len(rs) if rs else None, "ci_low": None, "ci_high": None, "n": len(rs),
            "higher_is_better": True, "description": "mean over dimensions of the persona alignment r",
        }  # fmt: skip
    return out


BENCHMARK = Benchmark(
    name="hofstede",
    title="Hofstede advice dilemmas",
    tasks=(*TASKS, OPTIONS_TASK),
    default_tasks=(GROUP, DEFAULT_TASK, OPTIONS_TASK),
    datasets=(HOFSTEDE_DATASET, "countries"),
    section=partial(hofstede_section, tasks=TASKS, options_task=OPTIONS_TASK),
    headline=headline,
    probes=probes,
)
