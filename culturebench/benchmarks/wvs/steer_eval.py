"""`culturebench steer evaluate`: the WVS eval dilemmas through lm-eval's steered model, once per alpha.

    culturebench steer evaluate --vectors vec.pt --layers 8,9 --alphas 0,0.1,0.2,0.4 --output steered/

Each alpha is an ordinary CultureBench run (`OUTPUT/alpha_<a>/`, its own run.json, report and metrics)
of the no-persona dilemma tasks with `--model steered`, so the numbers come from the same path a user's
`lm_eval --model steered` takes. The lm-eval steering files lie in `OUTPUT/steer_files/`, and
`OUTPUT/steering.json` records the vectors, layers and model the folder belongs to: a rerun resumes, a
rerun with other vectors, layers or model is refused. The summary reads the runs back and compares each
alpha with alpha = 0 on the same dilemmas: map position, paired shift of each axis and of each item with
bootstrap CIs, the entanglement ratio, per-domain shifts, and which targeted items moved past a threshold.

Two optional parts, both checked before a model loads: the persona comparison (`--persona-run`,
steer_persona.py) and the capability tax (`--tax-tasks`, steer_tax.py).
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from culturebench.benchmarks.wvs.documents import WVS_DOMAINS
from culturebench.benchmarks.wvs.entanglement import entanglement_ratio, paired_shifts
from culturebench.benchmarks.wvs.map import AXES, ITEMS
from culturebench.benchmarks.wvs.metrics import dilemma_position, dilemma_score_row
from culturebench.benchmarks.wvs.steer_persona import PersonaRun, persona_comparison, persona_markdown, persona_points
from culturebench.benchmarks.wvs.steer_tax import tax_markdown, tax_panel, tax_results
from culturebench.benchmarks.wvs.steering import target_axis, target_items
from culturebench.files import json_ready, write_json, write_text
from culturebench.identity import file_digest
from culturebench.runs import Run, read_json
from culturebench.scoring import combine_orders
from culturebench.stats import DEFAULT_N_BOOT, DEFAULT_SEED, percentile_interval
from culturebench.steering.base import alpha_name

NONE_TASKS: tuple[str, ...] = tuple(f"culturebench_wvs_{d}_none" for d in WVS_DOMAINS)
STEER_FILES = "steer_files"
MANIFEST = "steering.json"
SUMMARY_MD = "steering.md"
DEFAULT_THRESHOLD = 0.05  # shift of an item's mean p(positive) that counts as "moved" (its CI must clear it too)


def with_zero(alphas: Sequence[float]) -> list[float]:
    """The alphas in order, with the unsteered 0 added: every shift is measured from it."""
    return sorted({0.0, *(float(a) for a in alphas)})


def steer_manifest(
    vectors_path: Path, model: str, layers: list[int], alphas: list[float], chat_template: bool = False
) -> dict:
    """What a steered-evaluation folder holds: the vectors (by digest), model, layers, tasks, template, alphas."""
    return {
        "vectors": str(vectors_path.resolve()),
        "vectors_digest": file_digest(vectors_path),
        "model": model,
        "layers": layers,
        "tasks": list(NONE_TASKS),
        "chat_template": chat_template,
        "alphas": alphas,
    }


def claim_folder(output: Path, manifest: dict, overwrite: bool) -> None:
    """Record what `output` holds; refuse a folder made with other vectors, layers, model, tasks or template.

    With `overwrite`, the old steering files go too (the alpha runs are cleared by `evaluate --overwrite`).
    """
    path = output / MANIFEST
    if overwrite:
        shutil.rmtree(output / STEER_FILES, ignore_errors=True)
    elif path.exists():
        recorded = read_json(path)
        same = ("vectors_digest", "model", "layers", "tasks", "chat_template")
        if not isinstance(recorded, dict) or any(recorded.get(k) != manifest[k] for k in same):
            changed = [k for k in same if not isinstance(recorded, dict) or recorded.get(k) != manifest[k]]
            raise FileExistsError(
                f"{output} holds a steered evaluation with other {', '.join(changed)}; choose a new --output "
                "or pass --overwrite"
            )
        manifest = {**manifest, "alphas": sorted(set(recorded.get("alphas", [])) | set(manifest["alphas"]))}
    output.mkdir(parents=True, exist_ok=True)
    write_json(path, manifest)


def steer_file(output: Path, vectors, alpha: float, layers: list[int], model) -> Path:
    """lm-eval's steering file for one alpha (hookpoints named from `model`, a module tree of the steered model);
    an existing one is kept only if it holds the same payload."""
    import torch

    from culturebench.steering.hooks import lm_eval_steer_payload, write_lm_eval_steer_file

    path = output / STEER_FILES / f"{alpha_name(alpha)}.pt"
    if path.exists():
        old = torch.load(path, weights_only=True)
        new = lm_eval_steer_payload(vectors, alpha, layers, model)
        same = old.keys() == new.keys() and all(
            torch.equal(old[k]["steering_vector"], new[k]["steering_vector"])
            and old[k]["steering_coefficient"] == new[k]["steering_coefficient"]
            for k in old
        )
        if not same:
            raise FileExistsError(f"{path} holds another steering; choose a new --output or pass --overwrite")
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_lm_eval_steer_file(path, vectors, alpha, layers, model)


def alpha_rows(run_dir: Path) -> pd.DataFrame:
    """Order-averaged no-persona dilemma rows (item_id, item, domain, p_positive) of one alpha's run."""
    rows = pd.DataFrame.from_records(Run(run_dir).score_rows(NONE_TASKS, dilemma_score_row))
    if rows.empty:
        raise FileNotFoundError(f"{run_dir}: no samples of {', '.join(NONE_TASKS)} (run not finished?)")
    return combine_orders(rows, value="p_positive")


def item_shifts(
    base: pd.DataFrame, steered: pd.DataFrame, n_boot: int = DEFAULT_N_BOOT, seed: int = DEFAULT_SEED
) -> dict[str, dict]:
    """{item: {shift, ci_low, ci_high, n}}: mean paired change of p(positive), bootstrap over its dilemmas."""
    shifts = paired_shifts(base, steered)
    rng = np.random.default_rng(seed)
    out = {}
    for item, group in shifts.groupby("item"):
        d = group["delta"].to_numpy(dtype=float)
        low = high = math.nan
        if n_boot > 0 and len(d) > 1:
            draws = d[rng.integers(0, len(d), size=(n_boot, len(d)))].mean(axis=1)
            low, high = (float(x) for x in percentile_interval(draws))
        out[str(item)] = {"shift": float(d.mean()), "ci_low": low, "ci_high": high, "n": int(len(d))}
    return out


def moved(shift: dict, direction: float, threshold: float) -> bool:
    """The item moved past `threshold` in the steered direction, its CI clearing the threshold too."""
    s, low, high = shift["shift"] * direction, shift["ci_low"] * direction, shift["ci_high"] * direction
    return s >= threshold and min(low, high) >= threshold if math.isfinite(low) else s >= threshold


def summarise(
    output: Path,
    target: str,
    threshold: float = DEFAULT_THRESHOLD,
    n_boot: int = DEFAULT_N_BOOT,
    persona: PersonaRun | None = None,
    tax_tasks: Sequence[str] = (),
) -> dict:
    """Every alpha's position, shifts, entanglement and moved items against alpha = 0 (see module doc), and
    the persona comparison and the tax tasks' metrics when asked for."""
    manifest = read_json(output / MANIFEST)
    alphas = manifest["alphas"]
    frames = {a: alpha_rows(output / alpha_name(a)) for a in alphas}
    base = frames[0.0]
    axis = target_axis(target)
    out: dict = {**manifest, "target": target, "targeted_axis": axis, "threshold": threshold, "alphas": {}}
    for alpha, frame in frames.items():
        common = sorted(set(frame["item_id"]) & set(base["item_id"]))
        if len(common) < len(base):
            print(f"warning: alpha {alpha:g} scored {len(common)} of the {len(base)} unsteered dilemmas")
        rows = frame[frame["item_id"].isin(common)]
        ref = base[base["item_id"].isin(common)]
        entry: dict = {"position": dilemma_position(rows, n_boot), "n_dilemmas": len(common)}
        if alpha != 0:
            entry["entanglement"] = entanglement_ratio(ref, rows, axis, n_boot=n_boot)
            entry["items"] = item_shifts(ref, rows, n_boot)
            direction = math.copysign(1.0, alpha)
            missing = [i for i in target_items(target) if i not in entry["items"]]
            if missing:
                print(f"warning: alpha {alpha:g} has no dilemmas of the targeted items {missing} in common with 0")
            entry["moved"] = [
                i
                for i in target_items(target)
                if i in entry["items"] and moved(entry["items"][i], direction, threshold)
            ]
            entry["domains"] = {  # on the axis-only fit, the scale of the shifts beside it
                d: {
                    a: dilemma_position(rows[rows["domain"] == d], 0)["axis_only"][a]
                    - dilemma_position(ref[ref["domain"] == d], 0)["axis_only"][a]
                    for a in AXES
                }
                for d in WVS_DOMAINS
                if (rows["domain"] == d).any() and set(rows.loc[rows["domain"] == d, "item"]) >= set(ITEMS)
            }
        out["alphas"][f"{alpha:g}"] = entry
    if persona is not None:
        out["persona"] = persona_comparison(persona, axis, out["alphas"])
    if tax_tasks:
        out["tax"] = tax_results(output, alphas, tax_tasks)
    return out


def _ci(entry: dict) -> str:
    return f"{entry['value']:+.3f} [{entry['ci_low']:+.3f}, {entry['ci_high']:+.3f}]"


def markdown(summary: dict) -> list[str]:
    """The steering table: shift of each axis, entanglement and moved items per alpha."""
    axis = summary["targeted_axis"]
    n_target = len(target_items(summary["target"]))
    lines = [
        f"# Steered evaluation: {summary['target']} on {summary['model']}",
        "",
        f"Vectors `{summary['vectors']}` at layers {summary['layers']}, added as alpha x vector through lm-eval's "
        f"steered model; the eval split's no-persona dilemmas ({', '.join(summary['tasks'])}). Shifts are paired "
        "(the same dilemmas at alpha = 0), in map units on each axis's own items, with 95% bootstrap CIs over "
        f"dilemmas. An item has moved when its mean p(positive) changes by at least {summary['threshold']:g} in the "
        "steered direction and its CI clears that too.",
        "",
        f"| alpha | {axis} shift (targeted) | other-axis shift | entanglement | items moved |",
        "|---|---|---|---|---|",
    ]
    for alpha, entry in summary["alphas"].items():
        if alpha == "0":
            continue
        e = entry["entanglement"]
        if "targeted_shift" not in e:
            lines.append(f"| {alpha} | - | - | undefined: {e['undefined']} | - |")
            continue
        ratio = (
            f"undefined ({e['undefined']})"
            if "undefined" in e
            else f"{e['ratio']:.2f} [{e['ci_low']:.2f}, {e['ci_high']:.2f}]"
        )
        lines.append(
            f"| {alpha} | {_ci(e['targeted_shift'])} | {_ci(e['untargeted_shift'])} | {ratio} "
            f"| {len(entry['moved'])} of {n_target} |"
        )
    lines += ["", *item_markdown(summary), "", *domain_markdown(summary)]
    if "persona" in summary:
        lines += ["", *persona_markdown(summary)]
    if "tax" in summary:
        lines += ["", *tax_markdown(summary)]
    return lines


def _steered(summary: dict) -> list[tuple[float, dict]]:
    """(alpha, entry) of every steered alpha, in order."""
    return sorted((float(a), e) for a, e in summary["alphas"].items() if a != "0")


def item_markdown(summary: dict) -> list[str]:
    """Each map item's paired shift of p(positive) per alpha with its CI; targeted items marked, moved ones starred."""
    steered = [(a, e) for a, e in _steered(summary) if "items" in e]
    targeted = set(target_items(summary["target"]))
    lines = [
        f"Shift of each item's mean p(positive) from alpha = 0 (95% CI; * moved past {summary['threshold']:g}):",
        "",
        "| item | " + " | ".join(f"alpha {a:g}" for a, _ in steered) + " |",
        "|---|" + "---|" * len(steered),
    ]
    for item in ITEMS:
        cells = []
        for _, entry in steered:
            shift = entry["items"].get(item)
            if shift is None:
                cells.append("-")
                continue
            ci = f" [{shift['ci_low']:+.3f}, {shift['ci_high']:+.3f}]" if math.isfinite(shift["ci_low"]) else ""
            cells.append(f"{shift['shift']:+.3f}{ci}{' *' if item in entry['moved'] else ''}")
        lines.append(f"| {item}{' (targeted)' if item in targeted else ''} | " + " | ".join(cells) + " |")
    return lines


def domain_markdown(summary: dict) -> list[str]:
    """Each domain's shift of both axes per alpha (axis-only fit, map units, no CI: a domain has few dilemmas)."""
    steered = [(a, e) for a, e in _steered(summary) if e.get("domains")]
    if not steered:
        return []
    lines = ["Shift of each axis within each domain (map units, axis-only fit):", "",
             "| alpha | domain | " + " | ".join(AXES) + " |", "|---|---|" + "---|" * len(AXES)]  # fmt: skip
    for alpha, entry in steered:
        for domain, shifts in entry["domains"].items():
            lines.append(f"| {alpha:g} | {domain} | " + " | ".join(f"{shifts[a]:+.3f}" for a in AXES) + " |")
    return lines


def plot_items(summary: dict, path: Path) -> Path:
    """Steering curves per map item: the paired shift of p(positive) against alpha with its CI, the threshold
    dashed; targeted items in red."""
    from matplotlib.figure import Figure

    from culturebench.files import save_figure

    steered = [(a, e) for a, e in _steered(summary) if "items" in e]
    targeted = set(target_items(summary["target"]))
    threshold = summary["threshold"]
    fig = Figure(figsize=(14, 5.5), layout="constrained")
    axes = fig.subplots(2, 5, sharex=True, sharey=True).ravel()
    for ax, item in zip(axes, ITEMS):
        points = sorted([(0.0, 0.0, 0.0, 0.0)] + [
            (a, e["items"][item]["shift"], e["items"][item]["ci_low"], e["items"][item]["ci_high"])
            for a, e in steered if item in e["items"]
        ])  # fmt: skip
        xs, ys, low, high = (list(column) for column in zip(*points))
        color = "tab:red" if item in targeted else "tab:blue"
        ax.plot(xs, ys, marker="o", ms=3, color=color)
        ax.fill_between(xs, low, high, alpha=0.2, color=color)
        for level in (threshold, -threshold):
            ax.axhline(level, color="grey", lw=0.7, ls="--")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_title(f"{item}{' (targeted)' if item in targeted else ''}", fontsize=9)
    for ax in axes[5:]:
        ax.set_xlabel("alpha")
    for ax in axes[::5]:
        ax.set_ylabel("shift of p(positive)")
    fig.suptitle(f"Steering {summary['target']} at layers {summary['layers']}: each item's shift from alpha = 0, "
                 f"95% CI (dashed: threshold {threshold:g})", fontsize=10)  # fmt: skip
    return save_figure(fig, path)


def entanglement_bars(ax, summary: dict) -> None:
    """The entanglement ratio per alpha with its CI; an undefined ratio is named, not drawn as 0."""
    steered = _steered(summary)
    labels = [f"{a:g}" for a, _ in steered]
    for x, (_, entry) in enumerate(steered):
        e = entry["entanglement"]
        if "ratio" in e and "undefined" not in e:
            below, above = max(0.0, e["ratio"] - e["ci_low"]), max(0.0, e["ci_high"] - e["ratio"])
            ax.bar(x, e["ratio"], color="tab:purple", yerr=[[below], [above]], capsize=3)
        else:
            ax.text(x, 0.5, "undefined", transform=ax.get_xaxis_transform(), rotation=90, ha="center", va="center",
                    fontsize=9, color="grey")  # fmt: skip
    ax.axhline(1, color="grey", lw=0.8, ls="--")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_xlim(-0.6, len(labels) - 0.4)
    ax.set(xlabel="alpha", ylabel="|other-axis shift| / |targeted shift|", title="Entanglement, 95% CI")
    ax.set_ylim(bottom=0)


def plot(summary: dict, path: Path) -> Path:
    """Each axis's paired shift against alpha with CIs (persona shifts as points to the right); arrows on the map
    from alpha = 0; the entanglement ratio per alpha; with --tax-tasks, each task's main metric against alpha."""
    from matplotlib.figure import Figure

    from culturebench.files import save_figure

    tax = summary.get("tax") or {}
    fig = Figure(figsize=(20 if tax else 15.5, 4.5), layout="constrained")
    left, right, bars, *rest = fig.subplots(1, 4 if tax else 3)
    steered = [(a, e) for a, e in _steered(summary) if "targeted_shift" in e["entanglement"]]
    colors = {}
    for key, label in (("targeted_shift", summary["targeted_axis"]), ("untargeted_shift", "other axis")):
        points = sorted([(0.0, 0.0, 0.0, 0.0)] + [
            (a, e["entanglement"][key]["value"], e["entanglement"][key]["ci_low"], e["entanglement"][key]["ci_high"])
            for a, e in steered
        ])  # fmt: skip
        xs, ys, low, high = (list(column) for column in zip(*points))
        (line,) = left.plot(xs, ys, marker="o", label=label)
        colors[key] = line.get_color()
        left.fill_between(xs, low, high, alpha=0.2)
    if "persona" in summary:
        persona_points(left, summary["persona"]["conditions"], [a for a, _ in steered], colors)
    left.axhline(0, color="grey", lw=0.8)
    left.set(xlabel="alpha", ylabel="shift from alpha = 0 (map units)", title="Steering curves, 95% CI")
    left.legend(fontsize=8)
    base = summary["alphas"]["0"]["position"]
    if "undefined" not in base:
        right.scatter([base["surv_selfexp"]], [base["trad_secular"]], color="black", zorder=3, label="alpha = 0")
        for alpha, e in summary["alphas"].items():
            pos = e["position"]
            if alpha == "0" or "undefined" in pos:
                continue
            right.annotate("", (pos["surv_selfexp"], pos["trad_secular"]), (base["surv_selfexp"], base["trad_secular"]),
                           arrowprops={"arrowstyle": "->", "color": "tab:red"})  # fmt: skip
            right.annotate(f"alpha = {alpha}", (pos["surv_selfexp"], pos["trad_secular"]), fontsize=8)
        right.legend(fontsize=8)
    right.set(xlabel="survival - self-expression", ylabel="traditional - secular-rational", title="Map position")
    entanglement_bars(bars, summary)
    if tax:
        tax_panel(rest[0], tax)
    return save_figure(fig, path)


def write_summary(
    output: Path,
    target: str,
    threshold: float = DEFAULT_THRESHOLD,
    n_boot: int = DEFAULT_N_BOOT,
    persona: PersonaRun | None = None,
    tax_tasks: Sequence[str] = (),
) -> dict:
    """Summarise the runs in `output` into steering_summary.json, steering.md, steering.png and steering_items.png."""
    summary = summarise(output, target, threshold, n_boot, persona, tax_tasks)
    figure = plot(summary, output / "steering.png")
    items = plot_items(summary, output / "steering_items.png")
    write_json(output / "steering_summary.json", json_ready(summary))
    write_text(output / SUMMARY_MD, "\n".join([*markdown(summary), "", f"![steering]({figure.name})", "",
                                               f"![steering per item]({items.name})", ""]))  # fmt: skip
    return summary
