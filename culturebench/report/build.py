"""`culturebench report DIR`: metrics.json, report.md and figures from a run's samples alone.

The report is assembled from the benchmark registry: each benchmark that finds its samples in the
run writes its section; metrics.json adds the headline numbers and the versions of the datasets.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from culturebench import __version__
from culturebench.benchmarks import BENCHMARKS
from culturebench.benchmarks.base import ReportContext
from culturebench.files import json_ready, write_json, write_text
from culturebench.results import SCHEMA_VERSION, dataset_versions, validate_metrics
from culturebench.runs import FIGURES_DIR, METRICS_FILE, REPORT_FILE, Run, RunFileError
from culturebench.stats import DEFAULT_N_BOOT

log = logging.getLogger(__name__)


def build_metrics(
    run_dir: Path, n_boot: int = DEFAULT_N_BOOT, options: Mapping[str, object] | None = None
) -> tuple[dict, list[str]]:
    """(metrics.json content, Markdown body) of a run; figures are written under RUN_DIR/figures."""
    run = Run(run_dir)
    fig_dir = run.dir / FIGURES_DIR
    fig_dir.mkdir(exist_ok=True)
    ctx = ReportContext(run=run, fig_dir=fig_dir, n_boot=n_boot, options=options or {})
    info = run.info()
    sections = {}
    for benchmark in BENCHMARKS:
        section = benchmark.section(ctx)
        if section is not None:
            sections[benchmark.name] = section
    if not sections:
        raise RunFileError(f"no CultureBench samples_*.jsonl under {run.dir}; was lm-eval run with --log_samples?")
    info["datasets"] = dataset_versions(d for b in BENCHMARKS if b.name in sections for d in b.datasets)
    metrics: dict = {"schema_version": SCHEMA_VERSION, "culturebench_version": __version__, "run": info}
    metrics["headline"] = {}
    for benchmark in BENCHMARKS:
        if benchmark.name in sections:
            metrics["headline"][benchmark.name] = benchmark.headline(sections[benchmark.name].metrics)
    metrics |= {name: s.metrics for name, s in sections.items()}
    body = [line for s in sections.values() for line in s.markdown]
    return json_ready(metrics), body


def _header(info: dict) -> list[str]:
    lines = ["# CultureBench report", ""]
    if "demo" in info:
        lines += [
            "> **Demo run on a tiny random-weight model: its numbers are meaningless.** "
            "It shows the pipeline end to end.",
            "",
        ]
    if not info.get("results_file"):
        lines += ["> **No lm-eval `results_*.json` in this run folder**: the model, its arguments and the limit "
                  "are unknown. The numbers below come from the samples alone.", ""]  # fmt: skip
    lines += [
        f"- model: `{info.get('model_name')}` ({info.get('model_args')})",
        f"- chat template: {info.get('chat_template')}; limit: {info.get('limit')}",
        f"- lm-eval: {info.get('lm_eval_version')}; results: `{info.get('results_file')}`",
    ]
    for name, check in (info.get("preflight", {}).get("choice_grouping") or {}).items():
        state = "one forward pass per prompt" if check["ok"] else "**BROKEN: one pass per choice**"
        lines.append(f"- answer tokenization, {name}: {state} ({check['detail']})")
    lines.append("")
    return lines


def write_report(run_dir: Path, n_boot: int = DEFAULT_N_BOOT, options: Mapping[str, object] | None = None) -> Path:
    """Recompute every metric from the run's samples and write report.md, metrics.json and figures/.

    options: benchmark report options by name (e.g. `vsm_constants`), as `culturebench report` parses them.
    """
    run_dir = Path(run_dir)
    metrics, body = build_metrics(run_dir, n_boot, options)
    if not metrics["run"].get("results_file"):
        log.warning("%s has no lm-eval results_*.json: the report cannot name the model", run_dir)
    validate_metrics(metrics)
    write_json(run_dir / METRICS_FILE, metrics, default=str)
    return write_text(run_dir / REPORT_FILE, "\n".join(_header(metrics["run"]) + body))
