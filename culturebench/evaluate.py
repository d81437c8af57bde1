"""`culturebench evaluate`: run lm-eval on the packaged tasks, keep its files, write the report."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

from culturebench.benchmarks import BENCHMARKS, default_tasks
from culturebench.files import write_json
from culturebench.resources import tasks_dir
from culturebench.runs import LM_EVAL_DIR, PREFLIGHT_FILE
from culturebench.tokenization import GroupingCheck, check_choice_grouping

log = logging.getLogger(__name__)
DEFAULT_TASKS = default_tasks()


def lm_eval_command(
    model: str,
    model_args: str,
    tasks: str,
    output: Path,
    limit: float | None = None,
    device: str | None = None,
    batch_size: str = "auto",
    apply_chat_template: bool = False,
) -> list[str]:
    """The lm-eval command line `evaluate` runs (it passes the task folder itself)."""
    cmd = [
        sys.executable,
        "-m",
        "lm_eval",
        "run",
        "--model",
        model,
        "--model_args",
        model_args,
        "--tasks",
        tasks,
        "--include_path",
        str(tasks_dir()),
        "--output_path",
        str(output / LM_EVAL_DIR),
        "--log_samples",
        # lm-eval's request cache: a run interrupted and started again skips what it already scored.
        "--use_cache",
        str(output / LM_EVAL_DIR / "cache" / "requests"),
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


def run_evaluation(
    model: str,
    model_args: str,
    output: Path,
    tasks: str = DEFAULT_TASKS,
    limit: float | None = None,
    device: str | None = None,
    batch_size: str = "auto",
    apply_chat_template: bool = False,
) -> Path:
    """Run lm-eval (its progress bars show), then build the report from its samples."""
    from culturebench.report.build import write_report

    output.mkdir(parents=True, exist_ok=True)
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
    cmd = lm_eval_command(model, model_args, tasks, output, limit, device, batch_size, apply_chat_template)
    print("running:", " ".join(cmd), flush=True)
    done = subprocess.run(cmd, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"lm-eval exited with status {done.returncode}; its output is above")
    return write_report(output)
