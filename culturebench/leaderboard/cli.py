"""`culturebench leaderboard collect | serve`: build the results dataset from runs, and serve the Space locally."""

from __future__ import annotations

from pathlib import Path

from culturebench.leaderboard.collect import TABLE_FILE, collect
from culturebench.leaderboard.publish import add_parser as add_publish_parser
from culturebench.report.compare import parse_run_names

DEFAULT_PORT = 7860


def add_parser(subparsers) -> None:
    """`culturebench leaderboard` and its steps."""
    lb = subparsers.add_parser(
        "leaderboard",
        help="build the leaderboard's results dataset from runs and serve the leaderboard app",
        description="Leaderboard: `collect` turns runs into one results file per run and a tidy table; "
        "`serve` starts the leaderboard app on a collected folder; `publish` pushes the folder to a Hub dataset.",
    )
    sub = lb.add_subparsers(dest="leaderboard_command", required=True, metavar="STEP")
    co = sub.add_parser(
        "collect",
        help="runs -> OUTPUT/results/*.json, OUTPUT/results.parquet and the published-studies tables",
        description="Read each run's metrics.json (schema-checked) and write one results file per run "
        "(config + headline results with CIs), a tidy table, a copy of each run's metrics.json and report.md, "
        "and OUTPUT/published.json (the seed studies' published tables; recomputed ones need --reference). "
        "Runs scored on dataset versions other than the shipped ones, and runs made with --limit or demo runs, are "
        "kept and marked, never ranked. OUTPUT mirrors this collection: results files and run folders of runs not "
        "given here (left by an earlier collect) are removed, so `publish` uploads only these runs.",
    )
    co.add_argument("run_dirs", nargs="+", help="run folders with a metrics.json (culturebench report writes it)")
    co.add_argument("--output", required=True, help="folder for the results dataset (it mirrors this collection)")
    co.add_argument("--name", action="append", metavar="RUN_DIR=MODEL", help="name a run's model; repeatable")
    co.add_argument(
        "--reference",
        metavar="DIR",
        help="the project's reference data (the seeds' raw outputs): recompute seed 000 and 001 tables from it",
    )
    co.set_defaults(func=_collect)
    sv = sub.add_parser(
        "serve",
        help="start the leaderboard app on a collected folder (http://127.0.0.1:PORT)",
        description="Start the gradio leaderboard app (rankings, profile cards, plots, published studies) "
        "on a folder written by `culturebench leaderboard collect`.",
    )
    sv.add_argument("folder", help="folder written by `culturebench leaderboard collect`")
    sv.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port; default {DEFAULT_PORT}")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on; default 127.0.0.1")
    sv.set_defaults(func=_serve)
    add_publish_parser(sub)


def _collect(args) -> None:
    from culturebench.leaderboard.published import write_published

    reference = Path(args.reference) if args.reference else None
    if reference is not None and not reference.is_dir():
        raise FileNotFoundError(f"--reference {reference} is not a folder")
    output = Path(args.output)
    table = collect([Path(r) for r in args.run_dirs], output, parse_run_names(args.name))
    write_published(output, reference)
    print(f"{table['run'].nunique()} runs, {len(table)} results -> {output / TABLE_FILE}")
    stale = table.loc[~table["current_datasets"], "model"].unique()
    if len(stale):
        print(f"scored on other dataset versions (kept, marked): {', '.join(stale)}")
    partial = table.drop_duplicates("run").query("not complete")
    if len(partial):
        print(
            "incomplete (kept, marked, not ranked): "
            + ", ".join(f"{m} ({w})" for m, w in zip(partial["model"], partial["incomplete"]))
        )
    print(f"serve it: culturebench leaderboard serve {output}")


def _serve(args) -> None:
    from culturebench.leaderboard.app import build_app

    build_app(Path(args.folder)).launch(server_name=args.host, server_port=args.port)
