"""The benchmark registry: the one list of benchmarks that evaluate, report, compare and judge loop over.

Adding a benchmark = a package under `culturebench/benchmarks/` that builds a `Benchmark`, plus one
line below. Nothing outside this folder names a benchmark.
"""

from __future__ import annotations

from culturebench.benchmarks.base import Benchmark
from culturebench.benchmarks.hofstede import BENCHMARK as HOFSTEDE
from culturebench.benchmarks.selfconcept import BENCHMARK as SELFCONCEPT
from culturebench.benchmarks.vsm import BENCHMARK as VSM
from culturebench.benchmarks.wvs import BENCHMARK as WVS

BENCHMARKS: tuple[Benchmark, ...] = (HOFSTEDE, VSM, WVS, SELFCONCEPT)


def default_tasks() -> str:
    """The comma-separated tasks and groups `culturebench evaluate` runs by default."""
    return ",".join(t for b in BENCHMARKS for t in b.default_tasks)


def owner(task: str) -> Benchmark | None:
    """The benchmark whose samples a task's samples file holds, if any."""
    return next((b for b in BENCHMARKS if task in b.tasks), None)
