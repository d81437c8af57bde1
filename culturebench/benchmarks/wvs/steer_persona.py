"""The persona comparison of `culturebench steer evaluate --persona-run RUN`: steering against a persona prompt.

An ordinary `culturebench evaluate` run of the same model with the WVS persona tasks, read through its
metrics.json: each persona condition's shift from the run's no-persona position on the steering table's
scale (each axis from its own items, the shipped projector's axis-only fit, as `entanglement` measures
it), its own entanglement ratio, and the smallest alpha whose steered shift on the targeted axis reaches it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from culturebench.benchmarks.wvs.entanglement import other_axis
from culturebench.benchmarks.wvs.map import AXES
from culturebench.identity import describe, local_model_digest
from culturebench.results import load_metrics
from culturebench.runs import RUN_FILE, RunFileError, read_json

PERSONA_ZERO = 1e-6  # a persona's targeted shift (map units) below this is no shift: its ratio is undefined


@dataclass(frozen=True)
class PersonaRun:
    """The WVS scenario positions of an ordinary run: no persona, each placed persona condition, the rest skipped."""

    run_dir: str
    none: dict
    conditions: dict[str, dict]
    skipped: dict[str, str]


def check_same_model(identity: dict, model: str, where: str) -> None:
    """Refuse a run whose run.json identity is not `model` (the same folder and files, or the same Hub id)."""
    pretrained = identity.get("model_args", {}).get("pretrained")
    local = Path(model).expanduser()
    if local.is_dir():
        folder = local.resolve()
        same = identity.get("model_path") == str(folder)
        if same and identity.get("model_files") not in (None, local_model_digest(folder)):
            raise ValueError(f"{where} ran {folder} before its files changed; run it again")
    else:
        same = pretrained == model and identity.get("revision", "main") == "main"
    if not same:
        raise ValueError(f"{where} is a run of {describe(identity)}, not of the steered model {model}")


def _placed(scenario: object) -> bool:
    """A scenario position with an axis-only value on both axes (what the comparison reads)."""
    axis_only = scenario.get("axis_only") if isinstance(scenario, dict) and "undefined" not in scenario else None
    return isinstance(axis_only, dict) and all(isinstance(axis_only.get(a), int | float) for a in AXES)


def read_persona_run(run_dir: Path, model: str, chat_template: bool) -> PersonaRun:
    """The persona conditions of `culturebench evaluate` run of `model` (run.json, then metrics.json), before loading.

    Its prompts must be the ones the steered runs use (same chat-template setting), and it must not be
    steered itself: it is the persona side of the comparison.
    """
    run_dir = Path(run_dir)
    where = f"--persona-run {run_dir}"
    if not run_dir.is_dir():
        raise FileNotFoundError(f"{where}: no such run folder")
    if not (run_dir / RUN_FILE).is_file():
        raise FileNotFoundError(f"{where}: no {RUN_FILE}; give a folder written by `culturebench evaluate`")
    record = read_json(run_dir / RUN_FILE)
    identity = record.get("identity") if isinstance(record, dict) else None
    if not isinstance(identity, dict):
        raise RunFileError(f"{run_dir / RUN_FILE}: no model identity in it")
    if identity.get("model") == "steered" or "steer_file" in identity:
        raise ValueError(f"{where} is a steered run; give an unsteered run with the WVS persona tasks")
    check_same_model(identity, model, where)
    if bool(identity.get("chat_template")) != chat_template:
        flag = "with" if identity.get("chat_template") else "without"
        raise ValueError(f"{where} was run {flag} the chat template; pass the same --apply-chat-template setting")
    wvs = load_metrics(run_dir).get("wvs")
    conditions = wvs.get("conditions") if isinstance(wvs, dict) else None
    if not isinstance(conditions, dict):
        raise RunFileError(f"{where}: its metrics.json has no wvs.conditions (run it with the WVS tasks)")
    none = (conditions.get("none:none") or {}).get("scenario")
    if not _placed(none):
        raise RunFileError(f"{where}: no no-persona scenario position (none:none) to measure persona shifts from")
    placed, skipped = {}, {}
    for key, cond in conditions.items():
        scenario = cond.get("scenario") if isinstance(cond, dict) else None
        if key == "none:none" or scenario is None:
            continue
        if _placed(scenario):
            placed[key] = cond
        else:
            reason = scenario.get("undefined") if isinstance(scenario, dict) else None
            skipped[key] = str(reason or "no axis-only position (rewrite it with `culturebench report`)")
    if not placed:
        raise RunFileError(
            f"{where}: no persona condition has a scenario position ({len(skipped)} without one; run the persona "
            "tasks with a --limit that reaches all ten items for a country)"
        )
    return PersonaRun(str(run_dir.resolve()), none, placed, skipped)


def persona_shift(scenario: dict, none: dict, axis: str) -> dict:
    """A persona's shift from no persona on `axis` and the other axis (axis-only fit), and the ratio it shows."""
    other = other_axis(axis)
    t = scenario["axis_only"][axis] - none["axis_only"][axis]
    o = scenario["axis_only"][other] - none["axis_only"][other]
    out: dict = {"targeted_shift": t, "other_shift": o, "full_fit_shift": scenario.get("shift_from_no_persona"),
                 "n_dilemmas": scenario.get("n_dilemmas")}  # fmt: skip
    if abs(t) < PERSONA_ZERO:
        out["undefined"] = f"the persona does not move {axis} (|shift| < {PERSONA_ZERO:g})"
    else:
        out["ratio"] = abs(o) / abs(t)
    return out


def reached_at(target: float, steered: dict[float, float]) -> float | None:
    """Smallest |alpha| whose steered targeted shift goes at least as far as `target`, in its direction."""
    if abs(target) < PERSONA_ZERO:
        return None
    reaching = [a for a, shift in steered.items() if a != 0 and shift * math.copysign(1.0, target) >= abs(target)]
    return min(reaching, key=lambda a: (abs(a), a)) if reaching else None


def persona_comparison(persona: PersonaRun, axis: str, alphas: dict[str, dict]) -> dict:
    """Each persona condition's shifts and ratio, and the first alpha whose steered targeted shift reaches it."""
    steered = {float(a): e["entanglement"]["targeted_shift"]["value"] for a, e in alphas.items()
               if a != "0" and "targeted_shift" in e["entanglement"]}  # fmt: skip
    conditions = {}
    for key, cond in persona.conditions.items():
        entry = persona_shift(cond["scenario"], persona.none, axis)
        conditions[key] = {"persona": cond.get("persona"), "country": cond.get("country"), **entry,
                           "reached_at": reached_at(entry["targeted_shift"], steered)}  # fmt: skip
    return {"run": persona.run_dir, "no_persona": persona.none["axis_only"], "conditions": conditions,
            "skipped": persona.skipped}  # fmt: skip


def _shift(value: float) -> str:
    """A shift to three decimals, or in scientific notation when smaller (a weak model's shifts are tiny)."""
    return f"{value:+.3f}" if value == 0 or abs(value) >= 5e-4 else f"{value:+.2e}"


def _ratio(entry: dict) -> str:
    return "undefined" if "ratio" not in entry else f"{entry['ratio']:.2f}"


def persona_markdown(summary: dict) -> list[str]:
    """The persona table: each condition's shifts and ratio, and where steering reaches its targeted shift."""
    axis, persona = summary["targeted_axis"], summary["persona"]
    base = ", ".join(f"{a} {v:+.3f}" for a, v in persona["no_persona"].items())
    lines = [
        "## Persona prompts against steering",
        "",
        f"The persona numbers come from a different prompt (a persona instruction, no steering) on all the "
        f"dilemmas of the run `{persona['run']}`, each condition on the dilemmas its persona type's countries have "
        "in common; the steered numbers come from the eval split's no-persona dilemmas in this folder. Both are "
        "shifts from their own run's no-persona position, on the same scale as the table above (each axis from its "
        "own items, the shipped projector's axis-only fit; the run's own report shows the full fit, which reads "
        "all ten items for each axis). A persona's entanglement is |other-axis shift| / |targeted shift|, "
        f"undefined when the targeted shift is below {PERSONA_ZERO:g}; 'reached at' is the smallest alpha whose "
        "steered targeted shift goes as far in the same direction, and the last column is steering's own ratio "
        f"there. No-persona position of that run (axis-only fit): {base}.",
        "",
        f"| condition | {axis} shift (targeted) | other-axis shift | entanglement | reached at alpha "
        "| steered entanglement there |",
        "|---|---|---|---|---|---|",
    ]
    for key, c in persona["conditions"].items():
        alpha = c["reached_at"]
        reached = "not reached" if alpha is None and "ratio" in c else "-" if alpha is None else f"{alpha:g}"
        there = "-" if alpha is None else _ratio(summary["alphas"][f"{alpha:g}"]["entanglement"])
        lines.append(f"| {key} | {_shift(c['targeted_shift'])} | {_shift(c['other_shift'])} | {_ratio(c)} "
                     f"| {reached} | {there} |")  # fmt: skip
    if persona["skipped"]:
        lines += ["", f"{len(persona['skipped'])} persona conditions of that run have no scenario position "
                  "(not all ten items) and are left out."]  # fmt: skip
    return lines


def persona_points(ax, conditions: dict[str, dict], alphas: list[float], colors: dict[str, str]) -> None:
    """Persona shifts in a strip right of the largest alpha (they have no alpha), labelled when few."""
    span = max([abs(a) for a in alphas] + [0.1])
    x = max(alphas + [0.0]) + 0.3 * span
    for key, label, marker in (("targeted_shift", "persona, targeted", "D"), ("other_shift", "persona, other", "s")):
        color = colors["untargeted_shift" if key == "other_shift" else key]
        ys = [c[key] for c in conditions.values()]
        ax.scatter([x] * len(ys), ys, marker=marker, facecolors="none", edgecolors=color, label=label, zorder=3)
    if len(conditions) <= 8:
        for name, c in conditions.items():
            ax.annotate(name, (x, c["targeted_shift"]), xytext=(4, 0), textcoords="offset points", fontsize=7)
    ax.axvline(x - 0.15 * span, color="grey", lw=0.5, ls=":")
    ticks = sorted({0.0, *alphas})
    ax.set_xticks([*ticks, x], [*(f"{a:g}" for a in ticks), "persona"])
