"""`culturebench leaderboard collect RUN... --output DIR`: runs into the leaderboard's results dataset.

Each run's metrics.json (read through `results.load_metrics`, so only schema-checked runs enter)
becomes one results file in the convention leaderboard Spaces use,

    {"config": {model_name, model_sha, dtype, chat_template, culturebench_version, datasets,
                current_datasets, complete},
     "results": {benchmark: {metric: {value, ci_low, ci_high, n, higher_is_better, ranked}}}}

and all runs together one tidy table (`results.parquet`, one row per run x benchmark x metric) for
the app. Each run's metrics.json and report.md are copied to `runs/<entry>/` so the Space can draw a
model's profile card and link its raw files without the run folder. A run scored on other dataset
versions than the ones shipped now is kept but marked
(`current_datasets` false, with the datasets that differ), never silently ranked with the others; so is a
run that did not answer every item (`complete` false: made with `--limit`, or a demo run on a tiny
random-weight model, the reason in `incomplete`).

Every run is loaded and checked before anything is written, and the folder mirrors the collection:
results files and run folders of runs not in it (left by an earlier collect) are removed.
"""

from __future__ import annotations

import hashlib
import shutil
from functools import partial
from pathlib import Path

import pandas as pd

from culturebench import __version__
from culturebench.files import json_ready, write_atomic, write_json
from culturebench.identity import parse_model_args
from culturebench.leaderboard.schema import validate_results_file
from culturebench.report.compare import model_name
from culturebench.results import dataset_versions, load_metrics
from culturebench.runs import DEMO_MARKER

RESULTS_DIR = "results"
RUNS_DIR = "runs"
RUN_FILES = ("metrics.json", "report.md")  # copied per run: the profile card's data and the raw files it links
TABLE_FILE = "results.parquet"
TABLE_COLUMNS = ("run", "entry", "model", "benchmark", "metric", "value", "ci_low", "ci_high", "n", "higher_is_better",
                 "ranked", "current_datasets", "stale_datasets", "complete", "incomplete",
                 "culturebench_version")  # fmt: skip


def results_file(metrics: dict, name: str | None = None) -> dict:
    """One run's results in the leaderboard convention (config + results), from its metrics.json."""
    run = metrics["run"]
    args = run.get("model_args") or {}
    args = args if isinstance(args, dict) else parse_model_args(str(args))
    config = {
        "model_name": name or model_name(metrics),
        "model_sha": args.get("revision") or (run.get("run") or {}).get("fingerprint"),
        "dtype": args.get("dtype", "auto"),
        "chat_template": bool(run.get("chat_template")),
        "culturebench_version": metrics.get("culturebench_version"),
        "datasets": run.get("datasets", {}),
    }
    results = {bench: {metric: {**{k: h[k] for k in ("value", "ci_low", "ci_high", "n", "higher_is_better")},
                                "ranked": h.get("ranked", True)}  # false: descriptive, shown but never ranked
                       for metric, h in metrics_.items()}
               for bench, metrics_ in metrics.get("headline", {}).items()}  # fmt: skip
    return {"config": config, "results": results}


def stale_datasets(datasets: dict[str, dict]) -> list[str]:
    """The datasets a run used whose version or content hash differs from the ones shipped now."""
    current = dataset_versions(datasets)
    return sorted(name for name, v in datasets.items() if v != current.get(name))


def incomplete(run: dict) -> str:
    """Why a run's numbers are not comparable with full runs ('' when they are): a --limit, or a demo run."""
    reasons = []
    if run.get("limit") is not None:
        reasons.append(f"limit {run['limit']}")
    if DEMO_MARKER.removesuffix(".json") in run:  # RunFolder.info() keeps demo.json under this key
        reasons.append("demo run")
    return ", ".join(reasons)


def collect(run_dirs: list[Path], output: Path, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Write OUTPUT/results/<entry>.json, OUTPUT/runs/<entry>/ per run and OUTPUT/results.parquet; return the table.

    <entry> is <model>__<run id>, the run id a hash of the run folder's path. Every run is read and checked
    first, so a bad one leaves OUTPUT as it was; then results files and run folders not in this collection go.
    """
    names = names or {}
    rows: list[dict] = []
    entries: dict[str, tuple[Path, dict]] = {}  # stem -> (run folder, results file)
    seen: dict[str, Path] = {}
    for run_dir in map(Path, run_dirs):
        metrics = load_metrics(run_dir)  # refuses a missing, truncated or other-schema metrics.json, naming it
        entry = results_file(metrics, names.get(str(run_dir)))
        run_id = hashlib.sha256(str(run_dir.resolve()).encode()).hexdigest()[:8]
        if run_id in seen:
            raise ValueError(f"{run_dir} is given twice (also as {seen[run_id]})")
        seen[run_id] = run_dir
        stale = stale_datasets(entry["config"]["datasets"])
        why = incomplete(metrics["run"])
        entry["config"].update(current_datasets=not stale, complete=not why)
        stem = f"{entry['config']['model_name'].strip('/').replace('/', '__')}__{run_id}"
        validate_results_file(json_ready(entry), f"results file of {run_dir}")
        entries[stem] = (run_dir, entry)
        for bench, metrics_ in entry["results"].items():
            for metric, h in metrics_.items():
                rows.append({"run": run_id, "entry": stem, "model": entry["config"]["model_name"], "benchmark": bench,
                             "metric": metric, **h, "current_datasets": not stale, "stale_datasets": ",".join(stale),
                             "complete": not why, "incomplete": why,
                             "culturebench_version": entry["config"]["culturebench_version"]})  # fmt: skip
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    for column in ("value", "ci_low", "ci_high"):  # "inf" (an unbounded ratio) as written by metrics.json
        table[column] = pd.to_numeric(table[column].replace({"inf": float("inf"), "-inf": float("-inf")}))
    for stem, (run_dir, entry) in entries.items():
        write_json(output / RESULTS_DIR / f"{stem}.json", entry)
        for name in RUN_FILES:
            if (run_dir / name).is_file():
                write_atomic(output / RUNS_DIR / stem / name, partial(shutil.copyfile, run_dir / name))
    _remove_others(output, set(entries))
    write_atomic(output / TABLE_FILE, lambda tmp: table.to_parquet(tmp, index=False))
    write_json(output / "collection.json", {"culturebench_version": __version__, "runs": [str(p) for p in run_dirs]})
    return table


def _remove_others(output: Path, stems: set[str]) -> None:
    """Remove results files and run folders an earlier collect left for runs not in this one (publish mirrors
    the folder, so they would be uploaded)."""
    for path in (output / RESULTS_DIR).glob("*.json"):
        if path.stem not in stems:
            path.unlink()
    for path in (output / RUNS_DIR).glob("*"):
        if path.name in stems:
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
