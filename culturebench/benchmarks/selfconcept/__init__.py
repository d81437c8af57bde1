"""Self-concept and safety behaviour (seed 000): self-construal, safety self-report, judged behaviour, face."""

from __future__ import annotations

import math
from functools import partial

from culturebench.benchmarks.base import Benchmark, HeadlineDict, Probe
from culturebench.benchmarks.selfconcept.behavior import BEHAVIOR_BANKS
from culturebench.benchmarks.selfconcept.compare import compare_selfconcept
from culturebench.benchmarks.selfconcept.judging import judging
from culturebench.benchmarks.selfconcept.leaderboard import LEADERBOARD
from culturebench.benchmarks.selfconcept.metrics import BEHAVIOR_SUFFIX, COMPOSITE
from culturebench.benchmarks.selfconcept.report import selfconcept_section
from culturebench.benchmarks.selfconcept.selfreport import LIKERT_BANKS, LIKERT_POINTS, likert_documents
from culturebench.variants import REFERENCE_VARIANT

SCORED_TASKS: tuple[str, ...] = tuple(f"culturebench_{bank}" for bank in LIKERT_BANKS)
GENERATED_TASKS: tuple[str, ...] = tuple(f"{task}_gen" for task in SCORED_TASKS)
BEHAVIOR_TASKS: dict[str, str] = {f"culturebench_{bank}": bank for bank in BEHAVIOR_BANKS}


def probes(chat_template: bool) -> list[Probe]:
    prompt = likert_documents("self_construal", chat_template=chat_template)[0]["prompt"]
    return [Probe("self-report (1-7)", prompt, LIKERT_POINTS)]


def _estimate(est: dict | None, description: str, higher_is_better: bool, ranked: bool = True) -> HeadlineDict | None:
    if not est or est.get("value") is None:
        return None
    out: HeadlineDict = {"value": est["value"], "ci_low": est.get("ci_low"), "ci_high": est.get("ci_high"),
                         "n": est["n"], "higher_is_better": higher_is_better, "description": description}  # fmt: skip
    if not ranked:
        out["ranked"] = False
    return out


def headline(metrics: dict) -> dict[str, HeadlineDict]:
    """Self-construal composite (reference variant) and behaviour minus self-report per safety construct."""
    out: dict[str, HeadlineDict | None] = {}
    mode = metrics.get("scored") or metrics.get("generated") or {}
    scores = mode.get("self_construal", {}).get("scores", {}).get(REFERENCE_VARIANT, {})
    out[f"self_construal_{COMPOSITE}"] = _estimate(
        scores.get(COMPOSITE),
        f"independent minus interdependent self-construal (1-7 scale, {REFERENCE_VARIANT})",
        True,
        ranked=False,  # a leaning, not a skill
    )
    for construct, gap in metrics.get("behavior_minus_selfreport", {}).get(REFERENCE_VARIANT, {}).items():
        out[f"gap_{construct}{BEHAVIOR_SUFFIX}"] = _estimate(
            gap, f"judged {construct} minus self-reported {construct} (positive: acts more so than it says)", False
        )
    return {k: v for k, v in out.items() if v is not None and math.isfinite(v["value"])}


BENCHMARK = Benchmark(
    name="selfconcept",
    title="Self-concept and safety behaviour",
    tasks=(*SCORED_TASKS, *GENERATED_TASKS, *BEHAVIOR_TASKS),
    default_tasks=("culturebench_selfconcept",),
    datasets=(*LIKERT_BANKS, *BEHAVIOR_BANKS),
    section=partial(
        selfconcept_section,
        scored_tasks=SCORED_TASKS,
        generated_tasks=GENERATED_TASKS,
        behavior_tasks=BEHAVIOR_TASKS,
    ),
    headline=headline,
    probes=probes,
    compare=compare_selfconcept,
    judging=judging(BEHAVIOR_TASKS),
    leaderboard=LEADERBOARD,
)
