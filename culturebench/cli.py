"""The `culturebench` command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from culturebench import __version__
from culturebench.benchmarks import BENCHMARKS, default_tasks
from culturebench.evaluate import Stopped
from culturebench.leaderboard.cli import add_parser as add_leaderboard_parser
from culturebench.stats import DEFAULT_N_BOOT

DEMO_LIMIT = 220
DEFAULT_TASKS = default_tasks()


def _evaluate(args: argparse.Namespace) -> None:
    from culturebench.evaluate import run_evaluation

    report = run_evaluation(
        model=args.model,
        model_args=args.model_args,
        output=Path(args.output),
        tasks=args.tasks,
        limit=args.limit,
        device=args.device,
        batch_size=args.batch_size,
        apply_chat_template=args.apply_chat_template,
        overwrite=args.overwrite,
    )
    print(f"report: {report}")


def _report(args: argparse.Namespace) -> None:
    from culturebench.report.build import write_report

    print(f"report: {write_report(Path(args.run_dir), n_boot=args.n_boot, options=vars(args))}")


def _compare(args: argparse.Namespace) -> None:
    from culturebench.report.compare import parse_run_names, write_comparison

    names = parse_run_names(args.name)
    print(f"comparison: {write_comparison([Path(r) for r in args.run_dirs], Path(args.output), names)}")


def _judge(args: argparse.Namespace) -> None:
    from culturebench.judge.runner import run_judge
    from culturebench.report.build import write_report

    for benchmark in (b for b in BENCHMARKS if b.judging is not None):
        info = run_judge(
            Path(args.run_dir),
            benchmark.judging,
            args.judge,
            second_judge=args.second_judge,
            reliability_sample=args.reliability_sample,
            temperature=args.temperature,
            max_retries=args.max_retries,
            max_invalid=args.max_invalid,
            max_fatal=args.max_fatal,
            deadline_s=None if args.deadline is None else args.deadline * 60,
        )
        print(json.dumps(info, indent=2))
    print(f"report: {write_report(Path(args.run_dir))}")


def _tasks_dir(args: argparse.Namespace) -> None:
    from culturebench.resources import tasks_dir

    print(tasks_dir())


def _demo(args: argparse.Namespace) -> None:
    from culturebench.evaluate import run_evaluation
    from culturebench.files import write_json
    from culturebench.runs import DEMO_MARKER
    from culturebench.tiny_model import build_tiny_model

    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    print("Building a tiny random-weight Llama (no download). Its numbers are MEANINGLESS: the demo only")
    print("shows that items, tasks, lm-eval, metrics and report work end to end on this machine.")
    model_dir = build_tiny_model(out / "tiny-model")
    write_json(
        out / DEMO_MARKER, {"note": "tiny random-weight model; numbers are meaningless", "model": str(model_dir)}
    )
    report = run_evaluation(
        model="hf",
        model_args=f"pretrained={model_dir}",
        output=out,
        tasks=DEFAULT_TASKS,
        limit=args.limit,
        device="cpu",
        batch_size="16",
        overwrite=args.overwrite,
    )
    print(f"report: {report}  (random model: numbers are meaningless)")
    from culturebench.leaderboard.collect import collect
    from culturebench.leaderboard.published import write_published

    board = out / "leaderboard"
    collect([out], board, {str(out): "demo/tiny-random-llama"})
    write_published(board, None)  # the published studies' typed-in tables beside the demo's run
    print(f"leaderboard: {board}  (the demo's run + published studies); see it with:")
    print(f"  culturebench leaderboard serve {board}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="culturebench",
        description="Cultural-value benchmarks for language models, on top of lm-evaluation-harness.",
    )
    parser.add_argument("--version", action="version", version=f"culturebench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ev = sub.add_parser(
        "evaluate",
        help="run lm-eval on CultureBench tasks and write the report",
        description="Run lm-eval on the packaged tasks (the include path is passed for you), "
        "keep its results_*.json and samples_*.jsonl under OUTPUT/lm_eval, and write "
        "OUTPUT/report.md, OUTPUT/metrics.json and OUTPUT/figures/.",
    )
    ev.add_argument("--model", default="hf", help="lm-eval model backend (hf, vllm, ...); default hf")
    ev.add_argument("--model-args", required=True, help="lm-eval model args, e.g. pretrained=<id or path>")
    ev.add_argument("--tasks", default=DEFAULT_TASKS, help=f"comma-separated tasks or groups; default {DEFAULT_TASKS}")
    ev.add_argument("--limit", type=float, default=None, help="documents per task (for a quick look)")
    ev.add_argument("--device", default=None, help="e.g. cpu or cuda:0 (use this, not device= in model args)")
    ev.add_argument("--batch-size", default="auto", help="lm-eval batch size; default auto")
    ev.add_argument("--apply-chat-template", action="store_true", help="wrap prompts in the model's chat template")
    ev.add_argument("--output", required=True, help="run folder to write (one model's run per folder)")
    ev.add_argument(
        "--overwrite",
        action="store_true",
        help="delete another model's run found in --output first (without it, such a folder is refused; "
        "the same model's run there is resumed)",
    )
    ev.set_defaults(func=_evaluate)

    rp = sub.add_parser(
        "report",
        help="recompute the report of a finished run from its samples alone",
        description="Read RUN_DIR's lm-eval samples_*.jsonl and rewrite report.md, metrics.json and figures/.",
    )
    rp.add_argument("run_dir", help="folder written by `culturebench evaluate` or by lm-eval --log_samples")
    rp.add_argument(
        "--n-boot", type=int, default=DEFAULT_N_BOOT, help=f"bootstrap resamples for CIs; default {DEFAULT_N_BOOT}"
    )
    for benchmark in BENCHMARKS:
        if benchmark.add_report_options is not None:
            benchmark.add_report_options(rp)
    rp.set_defaults(func=_report)

    cp = sub.add_parser(
        "compare",
        help="compare several runs: rankings and model-origin analysis",
        description="Read each run's metrics.json (write it first with `culturebench report RUN_DIR`) and "
        "write OUTPUT/comparison.md, comparison.json and figures. Models are looked up in the model registry "
        "(hf_datasets/models) by the run's pretrained id or path.",
    )
    cp.add_argument("run_dirs", nargs="+", help="run folders written by `culturebench evaluate`")
    cp.add_argument("--output", required=True, help="folder for the comparison")
    cp.add_argument(
        "--name",
        action="append",
        metavar="RUN_DIR=MODEL",
        help="name the model of a run (e.g. a local path) as in the registry; repeatable",
    )
    cp.set_defaults(func=_compare)

    jd = sub.add_parser(
        "judge",
        help="score a run's logged behavioural replies with a judge model, resumably",
        description="Judge the replies of the behaviour tasks logged in RUN_DIR (a 1-7 score with each item's "
        "rubric, or a face concern and conflict style), append every verdict "
        "to RUN_DIR/judge/verdicts.jsonl (a rerun skips what is done), measure judge reliability on a sample, and "
        "rewrite the report. API keys come from the environment: GEMINI_API_KEY or GOOGLE_API_KEY for gemini, "
        "OPENAI_API_KEY (optional for local servers) for openai.",
    )
    jd.add_argument("run_dir", help="folder written by `culturebench evaluate` with the behaviour tasks")
    jd.add_argument(
        "--judge",
        required=True,
        metavar="SPEC",
        help="gemini:MODEL[@BASE_URL], openai:MODEL@BASE_URL (any OpenAI-compatible server) or local:PATH",
    )
    jd.add_argument(
        "--second-judge",
        metavar="SPEC",
        help="judge of the reliability sample; default: the same judge again at temperature 0.7",
    )
    jd.add_argument("--reliability-sample", type=int, default=30, help="replies judged twice; default 30 (0: none)")
    jd.add_argument("--temperature", type=float, default=0.0, help="judge temperature; default 0")
    jd.add_argument("--max-retries", type=int, default=5, help="retries on rate limits and server errors; default 5")
    jd.add_argument("--max-invalid", type=int, default=2, help="re-asks after an invalid verdict; default 2")
    jd.add_argument(
        "--max-fatal",
        type=int,
        default=3,
        metavar="N",
        help="stop after N fatal errors in a row (connection refused, unknown host, HTTP 401/403/404, or a reply "
        "given up after every retry), keeping every verdict so far; default 3",
    )
    jd.add_argument(
        "--deadline",
        type=float,
        metavar="MINUTES",
        help="stop judging after MINUTES minutes (every verdict so far is kept; run again to resume); default: none",
    )
    jd.set_defaults(func=_judge)

    td = sub.add_parser(
        "tasks-dir",
        help="print the folder to pass to lm-eval as --include_path",
        description=f'Use as: lm_eval --include_path "$(culturebench tasks-dir)" --tasks {DEFAULT_TASKS} ...',
    )
    td.set_defaults(func=_tasks_dir)

    dm = sub.add_parser(
        "demo",
        help="build a tiny random model here and run the whole pipeline on it",
        description="Offline end-to-end run on a tiny random-weight Llama built on the spot. "
        "Its numbers are meaningless.",
    )
    dm.add_argument("--output", required=True, help="folder for the model, the lm-eval files and the report")
    dm.add_argument("--limit", type=float, default=DEMO_LIMIT, help=f"documents per task; default {DEMO_LIMIT}")
    dm.add_argument(
        "--overwrite",
        action="store_true",
        help="delete another model's run found in --output first (without it, such a folder is refused)",
    )
    dm.set_defaults(func=_demo)
    for benchmark in BENCHMARKS:
        if benchmark.add_commands is not None:
            benchmark.add_commands(sub)
    add_leaderboard_parser(sub)
    from culturebench.hub import add_parser as add_publish_parser

    add_publish_parser(sub)
    from culturebench.translate.cli import add_parser as add_translate_parser

    add_translate_parser(sub)
    from culturebench.generate.cli import add_parser as add_generate_parser

    add_generate_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except KeyboardInterrupt:
        print(f"culturebench {args.command}: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    except Stopped as e:
        print(f"culturebench {args.command}: {e}; run the same command again to resume", file=sys.stderr)
        return 143
    except (OSError, ValueError, RuntimeError, LookupError) as e:
        print(f"culturebench {args.command}: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
