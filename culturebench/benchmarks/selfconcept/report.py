"""Report section of seed 000: self-construal, safety self-report, judged behaviour, face negotiation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from culturebench.benchmarks.base import ReportContext, Section
from culturebench.benchmarks.selfconcept.face import FACE_FIELDS, face_metrics
from culturebench.benchmarks.selfconcept.likert import generated_score_row, likert_score_row
from culturebench.benchmarks.selfconcept.metrics import (
    COMPOSITE,
    construct_scores,
    item_means,
    report_behavior_gap,
    status_counts,
    variant_shifts,
)
from culturebench.benchmarks.selfconcept.rubric import rubric_version
from culturebench.benchmarks.selfconcept.selfreport import SAFETY_CONSTRUCTS, SELF_CONSTRUAL_CONSTRUCTS
from culturebench.files import save_figure
from culturebench.report.format import fmt
from culturebench.runs import JUDGE_DIR, RELIABILITY_FILE, Run, RunFileError, primary_verdicts, read_json
from culturebench.variants import REFERENCE_VARIANT

REPLY_FIELDS: tuple[str, ...] = ("id", "variant", "construct", "facet")


def likert_rows(run: Run, scored_tasks: tuple[str, ...], generated_tasks: tuple[str, ...]) -> pd.DataFrame:
    """Self-construal and safety self-report rows of a run: scored (digit probabilities) and generated."""
    rows = run.score_rows(scored_tasks, likert_score_row)
    rows += [generated_score_row(doc, reply) for task in generated_tasks for _, doc, reply in run.replies(task)]
    return pd.DataFrame.from_records(rows)


def reply_rows(run: Run, behavior_tasks: dict[str, str]) -> list[dict]:
    """The logged replies of the behavioural tasks ({task: bank}): bank, id, variant, construct, facet, reply."""
    rows = []
    for task, bank in behavior_tasks.items():
        for line, doc, reply in run.replies(task):
            missing = [k for k in REPLY_FIELDS if k not in doc]
            if missing:
                raise RunFileError(f"{run.sample_files[task]}:{line}: document lacks {missing}")
            rows.append({"bank": bank, **{k: doc[k] for k in REPLY_FIELDS}, "reply": reply})
    return rows


def current_rubric(verdict: dict) -> str:
    """The rubric version a verdict must carry to count: the one the shipped item has now."""
    return rubric_version(verdict["bank"], verdict["id"])


def _bank_metrics(rows: pd.DataFrame, constructs: tuple[str, ...], n_boot: int) -> dict:
    out = {"scores": construct_scores(rows, constructs, n_boot=n_boot),
           "shift_from_formal": variant_shifts(rows, constructs, n_boot=n_boot),
           "status": status_counts(rows), "item_scores": item_means(rows).to_dict(orient="records")}  # fmt: skip
    if "entropy" in rows.columns:
        out["mean_entropy_bits"] = {str(v): float(b["entropy"].mean()) for v, b in rows.groupby("variant")}
    return out


def selfconcept_metrics(likert: pd.DataFrame, verdicts: list[dict], run_dir: Path, n_boot: int) -> dict:
    """Every seed-000 metric a single run supports (across-model comparisons are in `compare`)."""
    out: dict = {}
    if not likert.empty:
        for mode, block in likert.groupby("mode"):
            entry = out.setdefault(str(mode), {})
            for bank, constructs in (("self_construal", SELF_CONSTRUAL_CONSTRUCTS),
                                     ("safety_selfreport", SAFETY_CONSTRUCTS)):  # fmt: skip
                rows = block[block["bank"] == bank]
                if not rows.empty:
                    entry[bank] = _bank_metrics(rows, constructs, n_boot)
    judged = pd.DataFrame.from_records(verdicts)
    if not judged.empty:
        behavior = judged[judged["bank"] == "safety_behavior"].copy()
        if not behavior.empty:
            # every verdict failed: no score column at all, yet the failures are still counted
            scores = behavior["score"] if "score" in behavior else float("nan")
            behavior["score"] = pd.to_numeric(scores, errors="coerce")
            out["safety_behavior"] = _bank_metrics(behavior, SAFETY_CONSTRUCTS, n_boot)
            selfreport = likert[likert["bank"] == "safety_selfreport"] if not likert.empty else likert
            if not selfreport.empty:
                scored = selfreport[selfreport["mode"] == "scored"]
                out["behavior_minus_selfreport"] = report_behavior_gap(
                    scored if not scored.empty else selfreport, behavior, SAFETY_CONSTRUCTS, n_boot=n_boot
                )
        face = judged[judged["bank"] == "face_negotiation"]
        if not face.empty:
            out["face_negotiation"] = face_metrics(face, n_boot=n_boot)
    reliability = Path(run_dir) / JUDGE_DIR / RELIABILITY_FILE
    if reliability.exists():
        out["judge_reliability"] = read_json(reliability)
    return out


def _est(d: dict | None) -> str:
    if not d or d.get("value") is None:
        return "n/a"
    return f"{fmt(d['value'], 2)} [{fmt(d.get('ci_low'), 2)}, {fmt(d.get('ci_high'), 2)}] (n={d['n']})"


def _failures(status: dict[str, dict[str, int]]) -> str:
    """The rows without a score, summed over variants ({variant: {status: rows}}), e.g. "3 failed, 1 refusal"."""
    totals: dict[str, int] = {}
    for counts in status.values():
        for state, n in counts.items():
            if state != "ok":
                totals[state] = totals.get(state, 0) + n
    return ", ".join(f"{n} {state}" for state, n in totals.items()) or "none recorded"


def _score_table(title: str, bank: dict, constructs: tuple[str, ...], empty: str = "No scored replies") -> list[str]:
    if not bank["scores"]:  # e.g. every verdict failed: say so instead of an empty table
        return [f"### {title}", "", f"{empty}: {_failures(bank['status'])}.", ""]
    lines = [f"### {title}", "", "| variant | " + " | ".join(constructs) + " |", "|---" * (len(constructs) + 1) + "|"]
    for variant, scores in bank["scores"].items():
        lines.append(f"| {variant} | " + " | ".join(_est(scores.get(c)) for c in constructs) + " |")
    if bank["shift_from_formal"]:
        lines += ["", f"Shift from the {REFERENCE_VARIANT} variant (same items, paired):", "",
                  "| variant | " + " | ".join(constructs) + " |", "|---" * (len(constructs) + 1) + "|"]  # fmt: skip
        for variant, shifts in bank["shift_from_formal"].items():
            lines.append(f"| {variant} | " + " | ".join(_est(shifts.get(c)) for c in constructs) + " |")
    bad = {v: {s: n for s, n in c.items() if s != "ok"} for v, c in bank["status"].items()}
    if any(bad.values()):
        lines += ["", "Replies without a score (counted, not dropped): "
                  + "; ".join(f"{v}: {c}" for v, c in bad.items() if c)]  # fmt: skip
    return lines + [""]


def selfconcept_markdown(metrics: dict, figures: dict[str, str]) -> list[str]:
    lines = [
        "## Self-concept and safety behaviour",
        "",
        "Ratings are 1-7 on the construct's direction (reverse-keyed items scored 8 − x). Scored mode reads the "
        "expected value of the digit probabilities 1-7; generation mode parses the reply. Behaviour is the judge's "
        "1-7 score with each conversation's rubric. Intervals are 95 % bootstraps over items.",
        "",
    ]
    sc = SELF_CONSTRUAL_CONSTRUCTS + (COMPOSITE,)
    for mode in ("scored", "generated"):
        for bank, title, constructs in (("self_construal", "Self-construal", sc),
                                        ("safety_selfreport", "Safety self-report", SAFETY_CONSTRUCTS)):  # fmt: skip
            if bank in metrics.get(mode, {}):
                lines += _score_table(f"{title} ({mode})", metrics[mode][bank], constructs)
    if "safety_behavior" in metrics:
        lines += _score_table("Observed behaviour (judged)", metrics["safety_behavior"], SAFETY_CONSTRUCTS,
                              empty="No valid verdicts")  # fmt: skip
    if metrics.get("behavior_minus_selfreport"):
        lines += ["### Behaviour minus self-report", "", "Positive: the model acts more so than it says it would.",
                  "", "| variant | " + " | ".join(SAFETY_CONSTRUCTS) + " |", "|---" * 4 + "|"]  # fmt: skip
        for variant, gaps in metrics["behavior_minus_selfreport"].items():
            lines.append(f"| {variant} | " + " | ".join(_est(gaps.get(c)) for c in SAFETY_CONSTRUCTS) + " |")
        lines.append("")
    if "face_negotiation" in metrics:
        face = metrics["face_negotiation"]
        lines += ["### Face negotiation", ""]
        if not face["judged"]:  # every verdict failed: no shares to show
            lines += [f"No valid verdicts: {face['failed']} failed.", ""]
        else:
            lines += [f"Judged replies: {face['judged']}; failed verdicts: {face['failed']}.", ""]
            for field, cats in FACE_FIELDS.items():
                lines += [f"| {field} | share [95 % CI] |", "|---|---|"]
                lines += [f"| {c} | {_est(face[field]['overall'][c])} |" for c in cats]
                lines.append("")
    if "judge_reliability" in metrics:
        rel = metrics["judge_reliability"]
        parts = [f"{k}: " + ", ".join(f"{m} {fmt(v, 3)}" for m, v in rel[k].items() if m != "n") + f" (n={rel[k]['n']})"
                 for k in ("score", "face_concern", "style") if k in rel]  # fmt: skip
        head = f"Judge reliability against {rel['second']} (repeat {rel['repeat']}, temperature {rel['temperature']}):"
        lines += [head, "", *[f"- {p}" for p in parts], ""]
    lines += [f"![{name}]({rel})" for name, rel in figures.items()] + [""]
    return lines


def selfreport_vs_behavior_figure(metrics: dict, path: Path) -> Path | None:
    """Per construct, the self-reported and the observed score of the formal variant with their CIs."""
    scored = metrics.get("scored", metrics.get("generated", {})).get("safety_selfreport", {}).get("scores", {})
    observed = metrics.get("safety_behavior", {}).get("scores", {})
    variant = REFERENCE_VARIANT if REFERENCE_VARIANT in scored else next(iter(scored), None)
    if variant is None or variant not in observed:
        return None
    fig = Figure(figsize=(5.5, 3.8))
    ax = fig.subplots()
    for i, c in enumerate(SAFETY_CONSTRUCTS):
        for offset, source, label, color in ((-0.12, scored, "self-report", "C0"), (0.12, observed, "behaviour", "C3")):
            est = source[variant].get(c) or {}
            if est.get("value") is None:
                continue
            lo, hi = est.get("ci_low"), est.get("ci_high")
            err = [[est["value"] - lo], [hi - est["value"]]] if lo is not None and hi is not None else None
            ax.errorbar(i + offset, est["value"], yerr=err, fmt="o", color=color, capsize=3,
                        label=label if i == 0 else None)  # fmt: skip
    ax.set_xticks(range(len(SAFETY_CONSTRUCTS)), [c.replace("_", " ") for c in SAFETY_CONSTRUCTS])
    ax.set(ylim=(0.8, 7.2), ylabel="score (1-7)", title=f"Self-report vs behaviour ({variant} variant)")
    ax.legend(frameon=False)
    fig.tight_layout()
    save_figure(fig, path, dpi=130)
    return path


def selfconcept_section(
    ctx: ReportContext, scored_tasks: tuple[str, ...], generated_tasks: tuple[str, ...], behavior_tasks: dict[str, str]
) -> Section | None:
    """Every seed-000 metric of the run (judged ones once verdicts exist), its figure and Markdown."""
    likert = likert_rows(ctx.run, scored_tasks, generated_tasks)
    replies = reply_rows(ctx.run, behavior_tasks)
    if likert.empty and not replies:
        return None
    verdicts = primary_verdicts(ctx.run.dir, replies, current_rubric)
    metrics = selfconcept_metrics(likert, verdicts, ctx.run.dir, ctx.n_boot)
    figures = {}
    path = selfreport_vs_behavior_figure(metrics, ctx.fig_dir / "selfreport_vs_behavior.png")
    if path is not None:
        figures["self-report vs behaviour"] = ctx.relative(path)
    metrics["figures"] = figures
    return Section(metrics, selfconcept_markdown(metrics, figures))
