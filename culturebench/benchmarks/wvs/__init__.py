"""WVS situational dilemmas and direct questions on the Inglehart-Welzel map (seed 002)."""

from __future__ import annotations

import math
from functools import partial

from culturebench.benchmarks.base import Benchmark, HeadlineDict, Probe
from culturebench.benchmarks.wvs.documents import (
    DIRECT_LETTERS,
    WVS_DATASET,
    WVS_DOMAINS,
    WVS_SCHEMA,
    direct_documents,
)
from culturebench.benchmarks.wvs.leaderboard import LEADERBOARD
from culturebench.benchmarks.wvs.map import AXES, WVS_REFERENCE
from culturebench.benchmarks.wvs.report import wvs_section
from culturebench.benchmarks.wvs.steer_cli import add_parser as add_steer_commands
from culturebench.generate.banks import Bank
from culturebench.prompts import PERSONAS

GROUP = "culturebench_wvs"
DIRECT_TASK = "culturebench_wvs_direct"
OPTIONS_TASK = "culturebench_wvs_options"  # the control: question and options without the scenario, no persona
DILEMMA_TASKS: tuple[str, ...] = tuple(f"{GROUP}_{d}_{p}" for d in WVS_DOMAINS for p in PERSONAS)


def probes(chat_template: bool) -> list[Probe]:
    """The direct question with the most answer letters (every letter A-J must share one pass)."""
    doc = max(direct_documents(chat_template), key=lambda d: len(d["choices"]))
    return [Probe(f"wvs direct (A-{DIRECT_LETTERS[len(doc['choices']) - 1]})", doc["prompt"], tuple(doc["choices"]))]


def headline(metrics: dict) -> dict[str, HeadlineDict]:
    """The no-persona map position (scenario) and the mean distance of persona positions to their countries."""
    out: dict[str, HeadlineDict] = {}
    own = metrics.get("conditions", {}).get("none:none", {}).get("scenario")
    if own and "undefined" not in own:
        out["distance_to_indifference"] = {
            "value": own.get("distance_to_indifference"), "ci_low": None, "ci_high": None, "n": own["n_dilemmas"],
            "higher_is_better": True,
            "description": "map distance of the no-persona position from where p = 0.5 on every dilemma lands",
        }  # fmt: skip
        for axis in AXES:
            low, high = own.get(f"{axis}_ci", (None, None))
            out[f"position_{axis}"] = {
                "value": own[axis], "ci_low": low, "ci_high": high, "n": own["n_dilemmas"], "higher_is_better": True,
                "description": f"no-persona position on {axis} from the dilemmas (positive: secular / self-expression)",
                "ranked": False,  # where the model sits, not how well it does
            }  # fmt: skip
    for persona in PERSONAS[1:]:
        distances = [
            c["scenario"]["distance_to_country"]
            for c in metrics.get("conditions", {}).values()
            if c["persona"] == persona and "scenario" in c and "distance_to_country" in c["scenario"]
        ]
        finite = [d for d in distances if d is not None and math.isfinite(d)]  # fmt: skip
        if finite:
            out[f"distance_{persona}"] = {
                "value": sum(finite) / len(finite), "ci_low": None, "ci_high": None, "n": len(finite),
                "higher_is_better": False,
                "description": f"mean map distance of {persona}-persona positions to the countries' official ones",
            }  # fmt: skip
    return out


BENCHMARK = Benchmark(
    name="wvs",
    title="WVS dilemmas and the cultural map",
    tasks=(*DILEMMA_TASKS, DIRECT_TASK, OPTIONS_TASK),
    default_tasks=(GROUP, DIRECT_TASK, OPTIONS_TASK),
    datasets=(WVS_DATASET, WVS_REFERENCE, "countries"),
    section=partial(wvs_section, dilemma_tasks=DILEMMA_TASKS, direct_task=DIRECT_TASK, options_task=OPTIONS_TASK),
    headline=headline,
    probes=probes,
    add_commands=add_steer_commands,
    leaderboard=LEADERBOARD,
    growable=(Bank(WVS_DATASET, WVS_SCHEMA, ("steer", "eval")),),
)
