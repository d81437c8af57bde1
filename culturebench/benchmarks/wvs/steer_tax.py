"""The capability tax of `culturebench steer evaluate --tax-tasks`: any lm-eval task, steered at every alpha.

Each alpha is a run folder of its own (`OUTPUT/tax/alpha_<a>/`, with run.json and lm-eval's request cache
keyed by the model identity, so a rerun resumes), outside the alpha runs so no reader mixes them; each
task's main metric is read back against alpha.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from culturebench.runs import Run
from culturebench.steering.base import alpha_name

TAX_DIR = "tax"  # OUTPUT/tax/alpha_<a>/: the --tax-tasks runs, outside the alpha runs so no reader mixes them


def tax_run_dir(output: Path, alpha: float) -> Path:
    return output / TAX_DIR / alpha_name(alpha)


def check_tax_tasks(text: str, include_path: str | None) -> tuple[list[str], bool]:
    """(task names, whether all come from `include_path` alone); unknown names refused with close matches.

    lm-eval's own index (~14,000 tasks, 10-20 s to build) is read only when a name is not in `include_path`.
    """
    import difflib

    from lm_eval.tasks import TaskManager

    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise ValueError("--tax-tasks is empty")
    if include_path is not None and not Path(include_path).is_dir():
        raise FileNotFoundError(f"--tax-include-path {include_path}: no such folder")
    if include_path is not None:
        local = set(TaskManager(include_path=include_path, include_defaults=False).all_tasks)
        if all(n in local for n in names):
            return names, True
    known = set(TaskManager(include_path=include_path).all_tasks)
    unknown = [n for n in names if n not in known]
    if unknown:
        close = {n: difflib.get_close_matches(n, known, 2) for n in unknown}
        hints = [f"{n!r}" + (f" (did you mean {' or '.join(c)}?)" if c else "") for n, c in close.items()]
        raise ValueError(f"--tax-tasks: lm-eval knows no task {'; '.join(hints)}")
    return names, False


def run_tax(
    output: Path,
    model: str,
    steer_path: Path,
    alpha: float,
    tasks: list[str],
    include_path: str | None,
    local_only: bool,
    limit: float | None,
    device: str | None,
    batch_size: str,
    apply_chat_template: bool,
    overwrite: bool,
) -> Path:
    """Run the tax tasks at one alpha with lm-eval's steered model, as `culturebench evaluate` runs lm-eval.

    The folder is claimed for the steered model's identity and lm-eval's request cache is keyed by it,
    so the same command resumes; there is no CultureBench report, only lm-eval's results and samples.
    """
    import shutil

    from culturebench.evaluate import lm_eval_command, run_child
    from culturebench.identity import claim_run_folder, model_identity

    run_dir = tax_run_dir(output, alpha)
    if overwrite:
        shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    model_args = f"pretrained={model},steer_path={steer_path.resolve()}"
    key = claim_run_folder(run_dir, model_identity("steered", model_args, apply_chat_template))
    # The user's tasks, not ours; lm-eval's built-in index only when a task needs it.
    cmd = lm_eval_command("steered", model_args, ",".join(tasks), run_dir, limit, device, batch_size,
                          apply_chat_template, key, Path(include_path) if include_path else None,
                          local_only)  # fmt: skip
    print("running:", " ".join(cmd), flush=True)
    status = run_child(cmd)
    if status != 0:
        raise RuntimeError(
            f"lm-eval exited with status {status} on --tax-tasks at alpha {alpha:g}; its output is above"
        )
    return run_dir


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan


def main_metric(results: dict, task: str) -> dict | None:
    """{metric, value, stderr} of `task` in an lm-eval results json: its config's first metric (first filter),
    or for a group its first reported metric; None when the file lacks the task."""
    entry = results.get("results", {}).get(task)
    if not isinstance(entry, dict):
        return None
    keys = [k for k in entry if "," in k and "_stderr," not in k]
    listed = [m.get("metric") for m in results.get("configs", {}).get(task, {}).get("metric_list", [])
              if isinstance(m, dict)]  # fmt: skip
    key = next((k for name in listed for k in keys if k.split(",")[0] == name), keys[0] if keys else None)
    if key is None:
        return None
    metric, _, kind = key.partition(",")
    return {"metric": key, "value": _number(entry[key]), "stderr": _number(entry.get(f"{metric}_stderr,{kind}"))}


def tax_results(output: Path, alphas: Sequence[float], tasks: Sequence[str]) -> dict[str, dict]:
    """{task: {metric, alphas: {alpha: {value, stderr}}}} from each alpha's newest results file holding the task."""
    out: dict[str, dict] = {t: {"metric": None, "alphas": {}} for t in tasks}
    for alpha in alphas:
        run_dir = tax_run_dir(output, alpha)
        if not run_dir.is_dir():
            continue
        files = list(reversed(Run(run_dir).results.values()))
        for task in tasks:
            found = next((m for data in files if isinstance(data, dict) and (m := main_metric(data, task))), None)
            if found is not None:
                out[task]["metric"] = out[task]["metric"] or found["metric"]
                out[task]["alphas"][f"{alpha:g}"] = {"value": found["value"], "stderr": found["stderr"]}
    return out


def tax_markdown(summary: dict) -> list[str]:
    """The tax table: each task's main metric per alpha, with its change from alpha = 0."""
    tax = summary["tax"]
    alphas = sorted({float(a) for t in tax.values() for a in t["alphas"]})
    lines = [
        "## Capability tax: lm-eval tasks under steering",
        "",
        "Each task run at every alpha through lm-eval's steered model with the same steering file as the dilemmas "
        f"(`{TAX_DIR}/alpha_<a>/`): its main metric, lm-eval's standard error, and the change from alpha = 0.",
        "",
        "| alpha | " + " | ".join(f"{task} ({t['metric'] or 'no result'})" for task, t in tax.items()) + " |",
        "|---|" + "---|" * len(tax),
    ]
    for alpha in alphas:
        cells = []
        for t in tax.values():
            entry, zero = t["alphas"].get(f"{alpha:g}"), t["alphas"].get("0")
            if entry is None:
                cells.append("-")
                continue
            value, stderr = _number(entry["value"]), _number(entry["stderr"])
            cell = f"{value:.3f}" + (f" ± {stderr:.3f}" if math.isfinite(stderr) else "")
            if alpha != 0 and zero is not None:
                cell += f" ({value - _number(zero['value']):+.3f})"
            cells.append(cell)
        lines.append(f"| {alpha:g} | " + " | ".join(cells) + " |")
    return lines


def tax_panel(ax, tax: dict[str, dict]) -> None:
    """Each tax task's main metric against alpha, with lm-eval's standard error."""
    for task, t in tax.items():
        points = sorted((float(a), _number(e["value"]), _number(e["stderr"])) for a, e in t["alphas"].items())
        if points:
            xs, ys, errors = zip(*points)
            ax.errorbar(xs, ys, yerr=[e if math.isfinite(e) else 0 for e in errors], marker="o", capsize=3,
                        label=f"{task} ({t['metric']})")  # fmt: skip
    ax.set(xlabel="alpha", ylabel="main metric", title="lm-eval tasks under steering (± s.e.)")
    ax.legend(fontsize=8)
