"""`culturebench evaluate`: run lm-eval on the packaged tasks, keep its files, write the report."""

from __future__ import annotations

import difflib
import json
import logging
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from culturebench.benchmarks import BENCHMARKS, default_tasks
from culturebench.files import write_json
from culturebench.identity import claim_run_folder, model_identity, parse_model_args
from culturebench.resources import tasks_dir
from culturebench.runs import (
    FIGURES_DIR,
    JUDGE_DIR,
    LM_EVAL_DIR,
    METRICS_FILE,
    PREFLIGHT_FILE,
    REPORT_FILE,
    RUN_FILE,
)
from culturebench.tokenization import GroupingCheck, check_choice_grouping

log = logging.getLogger(__name__)
DEFAULT_TASKS = default_tasks()
OUR_PREFIX = "culturebench_"  # every packaged task, group and tag name starts with it
LOCAL_BACKENDS = ("hf", "vllm", "steered")  # lm-eval backends that load pretrained=MODEL themselves
CHILD_GRACE_S = 30  # how long lm-eval gets to stop after a signal before it is killed
_BATCH_SIZE = re.compile(r"^(auto(:[1-9]\d*)?|[1-9]\d*)$")
_NAME_LINE = re.compile(r"^(?:task|group|tag):\s*(\S+)\s*$", flags=re.M)


class ArgumentError(ValueError):
    """An argument of `evaluate` that cannot work; found before any model is loaded."""


def packaged_task_names() -> set[str]:
    """Every task, group and tag name the packaged task folder defines."""
    names = set()
    for path in tasks_dir().rglob("*.yaml"):
        names.update(_NAME_LINE.findall(path.read_text(encoding="utf-8")))
    return names


def _unknown_tasks(names: list[str]) -> dict[str, list[str]]:
    """{requested name nobody defines: the closest known names}; lm-eval's own index is built only if needed."""
    ours = packaged_task_names()
    unknown = {n: difflib.get_close_matches(n, ours, n=2) for n in names if n not in ours and n.startswith(OUR_PREFIX)}
    rest = [n for n in names if n not in ours and not n.startswith(OUR_PREFIX)]
    if rest:  # another lm-eval task: only lm-eval's own index (several seconds to build) knows it
        from lm_eval.tasks import TaskManager

        known = set(TaskManager(include_path=str(tasks_dir())).all_tasks)
        unknown |= {n: difflib.get_close_matches(n, known, n=2) for n in rest if n not in known}
    return unknown


def _looks_like_path(pretrained: str) -> bool:
    """A local path rather than a Hub id ("org/name"): absolute, relative, home, or more than one slash."""
    return pretrained.startswith(("/", "./", "../", "~")) or pretrained.count("/") > 1


def check_arguments(
    model: str, model_args: str, tasks: str, limit: float | None, batch_size: str, output: Path
) -> None:
    """Everything that can be checked without the model, so a mistake costs seconds, not a model load."""
    if not _BATCH_SIZE.match(str(batch_size)):
        raise ArgumentError(f"--batch-size {batch_size!r}: give a positive integer, auto or auto:N")
    if limit is not None and not limit > 0:
        raise ArgumentError(f"--limit {limit:g}: give a positive number of documents per task (or leave it out)")
    names = [t.strip() for t in tasks.split(",") if t.strip()]
    if not names:
        raise ArgumentError("--tasks is empty")
    unknown = _unknown_tasks(names)
    if unknown:
        hints = [f"{name!r} (did you mean {' or '.join(close)}?)" if close else repr(name)
                 for name, close in unknown.items()]  # fmt: skip
        raise ArgumentError(f"unknown task {'; '.join(hints)}; `culturebench evaluate --help` lists the defaults")
    pretrained = parse_model_args(model_args).get("pretrained")
    if model in LOCAL_BACKENDS and not pretrained:
        raise ArgumentError(f"--model-args {model_args!r} names no pretrained=MODEL")
    if pretrained and _looks_like_path(pretrained) and not Path(pretrained).expanduser().is_dir():
        raise ArgumentError(f"model folder {pretrained} does not exist")
    if output.exists() and not output.is_dir():
        raise ArgumentError(f"--output {output} is a file, not a folder")


def lm_eval_command(
    model: str,
    model_args: str,
    tasks: str,
    output: Path,
    limit: float | None = None,
    device: str | None = None,
    batch_size: str = "auto",
    apply_chat_template: bool = False,
    cache_key: str | None = None,
    include_path: Path | None = None,
    only_included: bool | None = None,
) -> list[str]:
    """The lm-eval command line `evaluate` runs (it passes the task folder itself).

    cache_key: the model's fingerprint; lm-eval's request cache lives under it, so it is never shared
    between models (lm-eval's own cache key ignores the model).
    include_path: the task folder (default: the packaged one); only_included: every task is in it, so
    lm-eval's built-in task index is not needed (default: every task is a packaged one).
    """
    cache = output / LM_EVAL_DIR / "cache" / (cache_key or "default") / "requests"
    if only_included is None:
        only_included = all(t.strip().startswith(OUR_PREFIX) for t in tasks.split(",") if t.strip())
    cmd = [
        sys.executable,
        "-m",
        # Only included tasks: lm-eval's own run command without indexing its built-in tasks (lm_eval_run).
        "culturebench.lm_eval_run" if only_included else "lm_eval",
        "run",
        "--model",
        model,
        "--model_args",
        model_args,
        "--tasks",
        tasks,
        "--include_path",
        str(Path(include_path).resolve() if include_path else tasks_dir()),
        "--output_path",
        str(output / LM_EVAL_DIR),
        "--log_samples",
        # lm-eval's request cache: a run interrupted and started again skips what it already scored.
        "--use_cache",
        str(cache),
        "--batch_size",
        batch_size,
    ]
    if device:
        cmd += ["--device", device]
    if limit is not None:
        cmd += ["--limit", str(int(limit) if float(limit).is_integer() else limit)]
    if apply_chat_template:
        # The template wraps the prompt, and the documents drop their "Answer:" cue (task metadata).
        cmd += ["--apply_chat_template", "--metadata", json.dumps({"chat_template": True})]
    return cmd


def _pretrained(model_args: str) -> str | None:
    for part in model_args.split(","):
        key, _, value = part.partition("=")
        if key.strip() == "pretrained":
            return value.strip()
    return None


def grouping_preflight(model: str, model_args: str, apply_chat_template: bool) -> dict[str, GroupingCheck] | None:
    """For hf models, check on real prompts that the answer choices share a forward pass; warn loudly if not."""
    pretrained = _pretrained(model_args)
    if model != "hf" or not pretrained:
        return None
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(pretrained)
    checks = {}
    for probe in (p for b in BENCHMARKS for p in b.probes(apply_chat_template)):
        check = check_choice_grouping(tokenizer, probe.prompt, probe.choices, chat_template=apply_chat_template)
        checks[probe.name] = check
        if not check.ok:
            log.warning(
                "=" * 70 + "\nTOKENIZER BREAKS ONE-PASS SCORING (%s): %s\n" + "=" * 70, probe.name, check.detail
            )
    return checks


class Stopped(Exception):
    """`culturebench evaluate` was asked to stop (SIGTERM); lm-eval has been stopped too."""


def run_child(cmd: list[str], grace_s: float = CHILD_GRACE_S) -> int:
    """Run lm-eval and wait; on SIGTERM or Ctrl-C stop it as well (no orphan keeps writing the run folder).

    The child gets the same signal, then `grace_s` seconds, then is killed; its request cache keeps what
    was scored, so the same command resumes.
    """

    def on_term(signum: int, frame: object) -> None:
        raise Stopped(f"stopped by signal {signum}")

    proc = subprocess.Popen(cmd)
    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        return proc.wait()
    except (KeyboardInterrupt, Stopped):
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def _clear_run(output: Path) -> None:
    """Delete another model's run from a folder (`--overwrite`): its lm-eval files, report and records."""
    for name in (LM_EVAL_DIR, FIGURES_DIR, JUDGE_DIR):
        shutil.rmtree(output / name, ignore_errors=True)
    for name in (METRICS_FILE, REPORT_FILE, PREFLIGHT_FILE, RUN_FILE):
        (output / name).unlink(missing_ok=True)


def run_evaluation(
    model: str,
    model_args: str,
    output: Path,
    tasks: str = DEFAULT_TASKS,
    limit: float | None = None,
    device: str | None = None,
    batch_size: str = "auto",
    apply_chat_template: bool = False,
    overwrite: bool = False,
) -> Path:
    """Check the arguments, claim the run folder for this model, run lm-eval, then build the report.

    A folder holds one model's run: another model's run there is refused unless `overwrite`, which
    deletes it first. The same command run again resumes from lm-eval's request cache.
    """
    from culturebench.report.build import write_report

    output = Path(output)
    check_arguments(model, model_args, tasks, limit, batch_size, output)
    identity = model_identity(model, model_args, apply_chat_template)
    if overwrite:
        _clear_run(output)
    output.mkdir(parents=True, exist_ok=True)
    key = claim_run_folder(output, identity)
    checks = grouping_preflight(model, model_args, apply_chat_template)
    write_json(
        output / PREFLIGHT_FILE,
        {
            "model": model,
            "model_args": model_args,
            "tasks": tasks,
            "limit": limit,
            "apply_chat_template": apply_chat_template,
            "choice_grouping": None
            if checks is None
            else {name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()},
        },
    )
    cmd = lm_eval_command(model, model_args, tasks, output, limit, device, batch_size, apply_chat_template, key)
    print("running:", " ".join(cmd), flush=True)
    status = run_child(cmd)
    if status != 0:
        raise RuntimeError(f"lm-eval exited with status {status}; its output is above")
    return write_report(output)
