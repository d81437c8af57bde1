"""What every benchmark declares: its tasks, report section, headline numbers, probes and comparisons.

evaluate, report, compare, judge (and the leaderboard) loop over `culturebench.benchmarks.BENCHMARKS`
and ask each benchmark these questions; nothing outside `culturebench/benchmarks/` names one.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from culturebench.generate.banks import Bank
from culturebench.judge.verdicts import VerdictSchema
from culturebench.runs import Run
from culturebench.stats import EstimateDict

if TYPE_CHECKING:
    import pandas as pd


class _Descriptive(TypedDict, total=False):
    ranked: bool  # False: the number says where a model sits, not how well it does (shown, never ranked)


class HeadlineDict(EstimateDict, _Descriptive):
    """One of the few numbers a leaderboard shows for a benchmark; ranked unless it says `ranked: False`."""

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


ProfileDraw = Callable[[dict, dict, Path], "Path | None"]  # (metrics.json section, headline numbers, PNG path)
PlotDraw = Callable[["pd.DataFrame", Path], "Path | None"]  # (results-table rows of the benchmark, PNG path)


@dataclass(frozen=True)
class BoardFigure:
    """A figure the leaderboard app shows for a benchmark: its slot on the page and how it is drawn.

    Profile-card figures draw from one run: (its metrics.json section, its headline numbers, PNG path).
    Board-wide figures draw from the results table's rows of the benchmark, every run: (rows, PNG path).
    `draw` returns the path, or None when the data hold nothing to draw.
    """

    key: str  # the PNG's file name and the app's element id (profile-<key>, plots-<key>)
    label: str  # the image's caption in the app
    draw: ProfileDraw | PlotDraw
    order: int  # place on its tab among every benchmark's figures, smallest first
    wide: bool = True  # False: shares a row with the narrow figure next to it


@dataclass(frozen=True)
class PublishedTable:
    """Numbers a seed study published about its own models (other items and prompts: shown, never ranked)."""

    title: str
    source: str  # the study and its table
    how: str  # recomputed from which raw outputs, or typed in
    frame: pd.DataFrame


@dataclass(frozen=True)
class LeaderboardViews:
    """What a benchmark adds to the leaderboard app beyond its headline numbers (which every benchmark has)."""

    profile: tuple[BoardFigure, ...] = ()  # figures on a model's profile card
    plots: tuple[BoardFigure, ...] = ()  # figures comparing every model
    card: Callable[[dict], list[str]] | None = None  # its metrics.json section -> Markdown lines for the card
    published: Callable[[Path | None], list[PublishedTable]] | None = None  # reference data (or None) -> tables


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
    leaderboard: LeaderboardViews | None = None  # its figures, card lines and published tables
