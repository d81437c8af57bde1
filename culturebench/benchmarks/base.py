"""What every benchmark declares: its tasks, report section, headline numbers, probes and comparisons.

evaluate, report, compare, judge (and the leaderboard) loop over `culturebench.benchmarks.BENCHMARKS`
and ask each benchmark these questions; nothing outside `culturebench/benchmarks/` names one.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from culturebench.generate.banks import Bank
from culturebench.judge.verdicts import VerdictSchema
from culturebench.runs import Run
from culturebench.stats import EstimateDict


class HeadlineDict(EstimateDict):
    """One of the few numbers a leaderboard ranks a benchmark by."""

    higher_is_better: bool
    description: str


@dataclass(frozen=True)
class Probe:
    """A real prompt and its answer choices, for checking with a model's tokenizer that one pass scores them."""

    name: str
    prompt: str
    choices: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """A benchmark's part of a report: what goes into metrics.json and the Markdown lines."""

    metrics: dict
    markdown: list[str]


@dataclass(frozen=True)
class ReportContext:
    """What a report section needs: the run, where figures go, bootstrap size and the benchmark's options."""

    run: Run
    fig_dir: Path
    n_boot: int
    options: Mapping[str, object] = field(default_factory=dict)

    def relative(self, path: Path) -> str:
        """A figure's path relative to the run folder, as the report links it."""
        return str(Path(path).relative_to(self.run.dir))


@dataclass(frozen=True)
class CompareContext:
    """Several runs side by side: {model name: metrics.json}, their registry entries, the output folder."""

    runs: Mapping[str, dict]
    models: Mapping[str, dict]
    output: Path


@dataclass(frozen=True)
class Judging:
    """What a benchmark whose logged replies a judge model scores gives `culturebench judge`.

    A reply row holds at least bank, id, variant, construct, facet and reply.
    """

    replies: Callable[[Run], list[dict]]
    prompt: Callable[[dict], str]  # reply row -> the judge prompt
    schema: Callable[[dict], VerdictSchema]  # reply row -> the verdict's allowed values
    version: Callable[[dict], str]  # reply or verdict row -> the rubric version a verdict must carry
    agreement: Callable[[list[dict], list[dict]], dict]  # two verdict lists on the same replies -> agreement


@dataclass(frozen=True)
class Benchmark:
    """One benchmark of the suite; adding a benchmark = a package that builds one of these + a registry line."""

    name: str  # its key in metrics.json
    title: str
    tasks: tuple[str, ...]  # lm-eval task names whose samples it reads
    default_tasks: tuple[str, ...]  # tasks or groups `culturebench evaluate` runs by default
    datasets: tuple[str, ...]  # hf_datasets folders its documents come from (versions go into metrics.json)
    section: Callable[[ReportContext], Section | None]  # None: the run has none of its samples
    headline: Callable[[dict], dict[str, HeadlineDict]]  # from its metrics.json section
    probes: Callable[[bool], list[Probe]]  # (chat_template) -> prompts for the tokenizer preflight
    compare: Callable[[CompareContext], Section | None] | None = None
    add_report_options: Callable[[argparse.ArgumentParser], None] | None = None
    judging: Judging | None = None
    add_commands: Callable[[argparse._SubParsersAction], None] | None = None  # extra `culturebench` subcommands
    growable: tuple[Bank, ...] = ()  # dilemma banks `culturebench generate` can grow
