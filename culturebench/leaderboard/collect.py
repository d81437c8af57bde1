"""`culturebench leaderboard collect RUN... --output DIR`: runs into the leaderboard's results dataset.

Each run's metrics.json (read through `results.load_metrics`, so only schema-checked runs enter)
becomes one results file in the convention leaderboard Spaces use,

    {"config": {model_name, model_sha, dtype, chat_template, culturebench_version, datasets},
     "results": {benchmark: {metric: {value, ci_low, ci_high, n, higher_is_better}}}}

and all runs together one tidy table (`results.parquet`, one row per run x benchmark x metric) for
the app. A run scored on other dataset versions than the ones shipped now is kept but marked
(`current_datasets` false, with the datasets that differ), never silently ranked with the others.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from culturebench import __version__
from culturebench.files import write_atomic, write_json
from culturebench.identity import parse_model_args
from culturebench.report.compare import model_name, parse_run_names
from culturebench.results import dataset_versions, load_metrics

RESULTS_DIR = "results"
TABLE_FILE = "results.parquet"
TABLE_COLUMNS = ("run", "model", "benchmark", "metric", "value", "ci_low", "ci_high", "n", "higher_is_better",
                 "current_datasets", "stale_datasets", "culturebench_version")  # fmt: skip


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
    results = {bench: {metric: {k: h[k] for k in ("value", "ci_low", "ci_high", "n", "higher_is_better")}
                       for metric, h in metrics_.items()}
               for bench, metrics_ in metrics.get("headline", {}).items()}  # fmt: skip
    return {"config": config, "results": results}


def stale_datasets(datasets: dict[str, dict]) -> list[str]:
    """The datasets a run used whose version or content hash differs from the ones shipped now."""
    current = dataset_versions(datasets)
    return sorted(name for name, v in datasets.items() if v != current.get(name))


def collect(run_dirs: list[Path], output: Path, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Write OUTPUT/results/<model>__<run>.json per run and OUTPUT/results.parquet; return the table."""
    names = names or {}
    rows: list[dict] = []
    seen: dict[str, Path] = {}
    for run_dir in map(Path, run_dirs):
        metrics = load_metrics(run_dir)  # refuses a missing, truncated or other-schema metrics.json, naming it
        entry = results_file(metrics, names.get(str(run_dir)))
        run_id = hashlib.sha256(str(run_dir.resolve()).encode()).hexdigest()[:8]
        if run_id in seen:
            raise ValueError(f"{run_dir} is given twice (also as {seen[run_id]})")
        seen[run_id] = run_dir
        stale = stale_datasets(entry["config"]["datasets"])
        entry["config"]["current_datasets"] = not stale
        safe = entry["config"]["model_name"].strip("/").replace("/", "__")
        write_json(output / RESULTS_DIR / f"{safe}__{run_id}.json", entry)
        for bench, metrics_ in entry["results"].items():
            for metric, h in metrics_.items():
                rows.append({"run": run_id, "model": entry["config"]["model_name"], "benchmark": bench,
                             "metric": metric, **h, "current_datasets": not stale, "stale_datasets": ",".join(stale),
                             "culturebench_version": entry["config"]["culturebench_version"]})  # fmt: skip
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    for column in ("value", "ci_low", "ci_high"):  # "inf" (an unbounded ratio) as written by metrics.json
        table[column] = pd.to_numeric(table[column].replace({"inf": float("inf"), "-inf": float("-inf")}))
    write_atomic(output / TABLE_FILE, lambda tmp: table.to_parquet(tmp, index=False))
    write_json(output / "collection.json", {"culturebench_version": __version__, "runs": [str(p) for p in run_dirs]})
    return table


def add_parser(subparsers) -> None:
    """`culturebench leaderboard collect`."""
    lb = subparsers.add_parser(
        "leaderboard",
        help="build the leaderboard's results dataset from runs",
        description="Leaderboard data: `collect` turns runs into one results file per run and a tidy table.",
    )
    sub = lb.add_subparsers(dest="leaderboard_command", required=True, metavar="STEP")
    co = sub.add_parser(
        "collect",
        help="runs -> OUTPUT/results/*.json and OUTPUT/results.parquet",
        description="Read each run's metrics.json (schema-checked) and write one results file per run "
        "(config + headline results with CIs) and a tidy table. Runs scored on dataset versions other than "
        "the shipped ones are kept and marked.",
    )
    co.add_argument("run_dirs", nargs="+", help="run folders with a metrics.json (culturebench report writes it)")
    co.add_argument("--output", required=True, help="folder for the results dataset")
    co.add_argument("--name", action="append", metavar="RUN_DIR=MODEL", help="name a run's model; repeatable")
    co.set_defaults(func=_collect)


def _collect(args) -> None:
    table = collect([Path(r) for r in args.run_dirs], Path(args.output), parse_run_names(args.name))
    print(f"{table['run'].nunique()} runs, {len(table)} results -> {Path(args.output) / TABLE_FILE}")
    stale = table.loc[~table["current_datasets"], "model"].unique()
    if len(stale):
        print(f"scored on other dataset versions (kept, marked): {', '.join(stale)}")
