"""The Hofstede VSM 2013 survey in 20 countries and languages (seed 003): deviation ratio and scores."""

from __future__ import annotations

import argparse
from functools import partial

from culturebench.benchmarks.base import Benchmark, HeadlineDict, Probe
from culturebench.benchmarks.vsm.compare import compare_vsm
from culturebench.benchmarks.vsm.leaderboard import LEADERBOARD
from culturebench.benchmarks.vsm.report import vsm_section
from culturebench.benchmarks.vsm.survey import ANSWER_DIGITS, CONDITIONS, VSM_DATASET, vsm_documents
from culturebench.dimensions import DIMENSIONS

GROUP = "culturebench_vsm"
TASKS: tuple[str, ...] = tuple(f"{GROUP}_{c}" for c in CONDITIONS)


def probes(chat_template: bool) -> list[Probe]:
    return [Probe("vsm (1-5)", vsm_documents("aligned", chat_template)[0]["prompt"], ANSWER_DIGITS)]


def headline(metrics: dict) -> dict[str, HeadlineDict]:
    """Mean deviation ratio and mean difference from the ground truth, per prompt condition."""
    out: dict[str, HeadlineDict] = {}
    for name, cond in metrics.get("conditions", {}).items():
        dr = cond["deviation_ratio"]
        out[f"deviation_ratio_{name}"] = {
            "value": dr["mean"], "ci_low": None, "ci_high": None, "n": dr["n"], "higher_is_better": True,
            "description": f"mean over country roles of the deviation ratio (seed 003 eq. 1), prompts: {name}",
        }  # fmt: skip
        out[f"difference_{name}"] = {
            "value": cond["difference"], "ci_low": None, "ci_high": None, "n": len(cond["countries"]),
            "higher_is_better": False,
            "description": f"mean absolute difference of the 0-100 scores from the ground truth, prompts: {name}",
        }  # fmt: skip
    return out


def _constants(text: str) -> dict[str, float]:
    """--vsm-constants PDI=C,IDV=C,...: all six dimensions, numbers."""
    constants = {}
    for part in text.split(","):
        dim, sep, value = part.partition("=")
        if not sep or dim.strip().upper() not in DIMENSIONS:
            raise argparse.ArgumentTypeError(f"takes DIM=C pairs for {', '.join(DIMENSIONS)}, got {part!r}")
        try:
            constants[dim.strip().upper()] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a number (in {part!r})") from None
    if set(constants) != set(DIMENSIONS):
        raise argparse.ArgumentTypeError(f"needs all six dimensions, got {sorted(constants)}")
    return constants


def add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--vsm-constants",
        type=_constants,
        metavar="PDI=C,IDV=C,...",
        help="VSM scores as raw index + C (the VSM 2013 manual's convention) instead of the default "
        "mapping of each index's possible range onto 0-100",
    )


BENCHMARK = Benchmark(
    name="vsm",
    title="VSM survey",
    tasks=TASKS,
    default_tasks=(GROUP,),
    datasets=(VSM_DATASET, "countries"),
    section=partial(vsm_section, tasks=TASKS),
    headline=headline,
    probes=probes,
    compare=compare_vsm,
    add_report_options=add_report_options,
    leaderboard=LEADERBOARD,
)
