"""What `culturebench judge` needs from seed 000's behavioural banks: replies, prompts, schemas, agreement."""

from __future__ import annotations

from culturebench.benchmarks.base import Judging
from culturebench.benchmarks.selfconcept.behavior import CONFLICT_STYLES, FACE_CONCERNS
from culturebench.benchmarks.selfconcept.report import current_rubric, reply_rows
from culturebench.benchmarks.selfconcept.rubric import SCHEMAS, judge_prompt
from culturebench.runs import Run
from culturebench.stats import weighted_kappa

SCORE_POINTS = tuple(range(1, 8))


def agreement(first: list[dict], second: list[dict]) -> dict:
    """Agreement of two verdict lists on the same replies: weighted kappa (scores), kappa (categories)."""
    pairs = [(a, b) for a, b in zip(first, second) if a["status"] == "ok" and b["status"] == "ok"]
    out: dict = {"pairs": len(pairs)}
    scores = [(int(a["score"]), int(b["score"])) for a, b in pairs if a["bank"] == "safety_behavior"]
    if scores:
        xs, ys = zip(*scores)
        out["score"] = {"n": len(scores), "weighted_kappa_quadratic": weighted_kappa(xs, ys, SCORE_POINTS),
                        "exact": sum(x == y for x, y in scores) / len(scores),
                        "within_one": sum(abs(x - y) <= 1 for x, y in scores) / len(scores)}  # fmt: skip
    for field, cats in (("face_concern", FACE_CONCERNS), ("style", CONFLICT_STYLES)):
        cat = [(a[field], b[field]) for a, b in pairs if a["bank"] == "face_negotiation"]
        if cat:
            xs, ys = zip(*cat)
            out[field] = {"n": len(cat), "kappa": weighted_kappa(xs, ys, cats, weights="none"),
                          "exact": sum(x == y for x, y in cat) / len(cat)}  # fmt: skip
    return out


def judging(behavior_tasks: dict[str, str]) -> Judging:
    """The judge's view of the behaviour tasks ({lm-eval task: bank})."""

    def replies(run: Run) -> list[dict]:
        return reply_rows(run, behavior_tasks)

    return Judging(
        replies=replies,
        prompt=lambda r: judge_prompt(r["bank"], r["id"], r["reply"]),
        schema=lambda r: SCHEMAS[r["bank"]],
        version=current_rubric,
        agreement=agreement,
    )
