"""`culturebench compare`: several runs side by side, one section per benchmark that has results.

Runs are read only through their metrics.json (`results.load_metrics`); nothing is written into
the run folders. Each run's model is looked up in the model registry for its origin and size.
"""

from __future__ import annotations

from pathlib import Path

from culturebench.benchmarks import BENCHMARKS
from culturebench.benchmarks.base import CompareContext
from culturebench.files import write_json, write_text
from culturebench.identity import parse_model_args
from culturebench.model_registry import find_model
from culturebench.report.format import fmt
from culturebench.results import load_metrics


def parse_run_names(pairs: list[str] | None) -> dict[str, str]:
    """--name RUN_DIR=MODEL options as {run folder: model name}."""
    names = {}
    for pair in pairs or []:
        run, sep, model = pair.partition("=")
        if not sep:
            raise ValueError(f"--name takes RUN_DIR=MODEL, got {pair!r}")
        names[run] = model
    return names


def model_name(metrics: dict) -> str:
    """The run's model: its `pretrained` argument, else lm-eval's model name."""
    args = metrics["run"].get("model_args") or {}
    if isinstance(args, dict) and args.get("pretrained"):
        return str(args["pretrained"])
    if isinstance(args, str) and parse_model_args(args).get("pretrained"):
        return parse_model_args(args)["pretrained"]
    return str(metrics["run"].get("model_name") or "unknown")


def registry_entries(names: list[str]) -> dict[str, dict]:
    """{model name: origin, registry name and size} from the model registry ("unknown" when absent)."""
    out = {}
    for name in names:
        info = find_model(name)
        out[name] = {
            "origin": info.origin if info else "unknown",
            "registry": info.model if info else None,
            "params_b": info.params_b if info else None,
        }
    return out


def compare_runs(runs: dict[str, dict], output: Path) -> tuple[dict, list[str]]:
    """{model name: metrics.json} -> (comparison.json content, Markdown body) from every benchmark's view."""
    models = registry_entries(list(runs))
    ctx = CompareContext(runs=runs, models=models, output=output)
    result: dict = {"models": models}
    lines: list[str] = []
    for benchmark in BENCHMARKS:
        if benchmark.compare is None:
            continue
        section = benchmark.compare(ctx)
        if section is None:
            lines += ["", f"No run has {benchmark.title} results: that comparison is left out."]
            continue
        result[benchmark.name] = section.metrics
        lines += section.markdown
    return result, lines


def write_comparison(run_dirs: list[Path], output: Path, names: dict[str, str] | None = None) -> Path:
    """Compare runs (names: run folder -> model name, overriding what the run recorded)."""
    names = names or {}
    runs = {}
    for run_dir in map(Path, run_dirs):
        metrics = load_metrics(run_dir)
        name = names.get(str(run_dir)) or model_name(metrics)
        if name in runs:
            raise ValueError(f"two runs are named {name!r}; give them distinct names with --name")
        runs[name] = metrics
    output.mkdir(parents=True, exist_ok=True)
    result, body = compare_runs(runs, output)
    write_json(output / "comparison.json", result)
    lines = ["# CultureBench comparison", "", "## Models", "", "| model | registry entry | origin | parameters (B) |",
             "|---|---|---|---|"]  # fmt: skip
    for name, m in result["models"].items():
        lines.append(f"| `{name}` | {m['registry'] or '—'} | {m['origin']} | {fmt(m['params_b'], 0)} |")
    return write_text(output / "comparison.md", "\n".join(lines + body) + "\n")
