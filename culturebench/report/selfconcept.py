"""Report section of seed 000: self-construal, safety self-report, judged behaviour, face negotiation."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from culturebench.judge.runner import JUDGE_DIR, RELIABILITY_FILE, primary_verdicts  # noqa: E402
from culturebench.metrics.face import FACE_FIELDS, face_metrics  # noqa: E402
from culturebench.metrics.selfconcept import (  # noqa: E402
    COMPOSITE,
    construct_scores,
    report_behavior_gap,
    status_counts,
    variant_shifts,
)
from culturebench.report.format import fmt  # noqa: E402
from culturebench.selfconcept import SAFETY_CONSTRUCTS, SELF_CONSTRUAL_CONSTRUCTS  # noqa: E402
from culturebench.variants import REFERENCE_VARIANT  # noqa: E402


def _bank_metrics(rows: pd.DataFrame, constructs: tuple[str, ...], n_boot: int) -> dict:
    out = {"scores": construct_scores(rows, constructs, n_boot=n_boot),
           "shift_from_formal": variant_shifts(rows, constructs, n_boot=n_boot),
           "status": status_counts(rows)}  # fmt: skip
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
        out["judge_reliability"] = json.loads(reliability.read_text())
    return out


def _est(d: dict | None) -> str:
    if not d or d.get("value") is None:
        return "n/a"
    return f"{fmt(d['value'], 2)} [{fmt(d.get('ci_low'), 2)}, {fmt(d.get('ci_high'), 2)}] (n={d['n']})"


def _score_table(title: str, bank: dict, constructs: tuple[str, ...]) -> list[str]:
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
        lines += _score_table("Observed behaviour (judged)", metrics["safety_behavior"], SAFETY_CONSTRUCTS)
    if metrics.get("behavior_minus_selfreport"):
        lines += ["### Behaviour minus self-report", "", "Positive: the model acts more so than it says it would.",
                  "", "| variant | " + " | ".join(SAFETY_CONSTRUCTS) + " |", "|---" * 4 + "|"]  # fmt: skip
        for variant, gaps in metrics["behavior_minus_selfreport"].items():
            lines.append(f"| {variant} | " + " | ".join(_est(gaps.get(c)) for c in SAFETY_CONSTRUCTS) + " |")
        lines.append("")
    if "face_negotiation" in metrics:
        face = metrics["face_negotiation"]
        lines += [
            "### Face negotiation",
            "",
            f"Judged replies: {face['judged']}; failed verdicts: {face['failed']}.",
            "",
        ]
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
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
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
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def selfconcept_section(
    likert: pd.DataFrame, replies: list[dict], run_dir: Path, fig_dir: Path, n_boot: int
) -> tuple[dict, list[str]]:
    metrics = selfconcept_metrics(likert, primary_verdicts(run_dir, replies), run_dir, n_boot)
    figures = {}
    path = selfreport_vs_behavior_figure(metrics, fig_dir / "selfreport_vs_behavior.png")
    if path is not None:
        figures["self-report vs behaviour"] = str(path.relative_to(run_dir))
    metrics["figures"] = figures
    return metrics, selfconcept_markdown(metrics, figures)
