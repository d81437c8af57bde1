"""Hofstede advice dilemmas (seed 001): does the model's advice follow the persona country's Hofstede scores?"""

from __future__ import annotations

from functools import partial

from culturebench.benchmarks.base import Benchmark, HeadlineDict, Probe
from culturebench.benchmarks.hofstede.documents import HOFSTEDE_DATASET, hofstede_items
from culturebench.benchmarks.hofstede.leaderboard import LEADERBOARD
from culturebench.benchmarks.hofstede.metrics import mean_pearson_r
from culturebench.benchmarks.hofstede.native import LANGUAGE_TASKS, NATIVE_DATASET, native_documents
from culturebench.benchmarks.hofstede.report import hofstede_section
from culturebench.countries import DEFAULT_GROUND_TRUTH
from culturebench.dimensions import DIMENSIONS
from culturebench.generate.banks import Bank
from culturebench.items import HOFSTEDE_SCHEMA
from culturebench.prompts import LETTERS, PromptCondition, render_dilemma

GROUP = "culturebench_hofstede"
DEFAULT_TASK = "culturebench_hofstede_default"
OPTIONS_TASK = "culturebench_hofstede_options"  # the control: question and options without the scenario
TASKS: tuple[str, ...] = (*(f"{GROUP}_{d.lower()}" for d in DIMENSIONS), DEFAULT_TASK)


def probes(chat_template: bool) -> list[Probe]:
    """The English prompt, and one per translated language (each ends in its own answer cue)."""
    condition = PromptCondition(persona="basic", country="US", chat_template=chat_template)
    first = {}
    for doc in native_documents("native", chat_template):
        first.setdefault(doc["lang"], doc["prompt"])
    return [
        Probe("hofstede (A/B)", render_dilemma(hofstede_items()[0], condition), LETTERS),
        *(Probe(f"hofstede native {lang} (A/B)", prompt, LETTERS) for lang, prompt in first.items() if lang != "en"),
    ]


def headline(metrics: dict) -> dict[str, HeadlineDict]:
    """Persona alignment (Pearson r over countries, default ground truth) per dimension, and their mean."""
    out: dict[str, HeadlineDict] = {}
    alignments = []
    for dim, entry in metrics.get("dimensions", {}).items():
        a = entry.get("alignment", {}).get(DEFAULT_GROUND_TRUTH)
        if a is None:
            continue
        out[f"alignment_r_{dim}"] = {
            "value": a["pearson_r"], "ci_low": a["pearson_ci_low"], "ci_high": a["pearson_ci_high"], "n": a["n"],
            "higher_is_better": True,
            "description": f"Pearson r over persona countries between {dim} score ({DEFAULT_GROUND_TRUTH}) and p(high)",
        }  # fmt: skip
        alignments.append(a)
    if out:
        mean = mean_pearson_r(alignments)
        out["alignment_r_mean"] = {
            "value": mean["value"], "ci_low": None, "ci_high": None, "n": mean["n"],
            "higher_is_better": True, "description": "mean over dimensions of the persona alignment r",
        }  # fmt: skip
    return out


BENCHMARK = Benchmark(
    name="hofstede",
    title="Hofstede advice dilemmas",
    tasks=(*TASKS, OPTIONS_TASK, *LANGUAGE_TASKS),
    default_tasks=(GROUP, DEFAULT_TASK, OPTIONS_TASK),  # the prompt-language tasks run on request (their group)
    datasets=(HOFSTEDE_DATASET, NATIVE_DATASET, "countries"),
    section=partial(hofstede_section, tasks=TASKS, options_task=OPTIONS_TASK, language_tasks=LANGUAGE_TASKS),
    headline=headline,
    probes=probes,
    leaderboard=LEADERBOARD,
    growable=(Bank(HOFSTEDE_DATASET, HOFSTEDE_SCHEMA),),  # one data file per dimension
)
