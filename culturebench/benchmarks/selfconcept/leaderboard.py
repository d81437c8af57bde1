"""The self-concept benchmark on the leaderboard: self-report vs behaviour and the self-construal and safety
scores on a profile card, and seed 000's score tables recomputed from its raw outputs (published-studies tab)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from culturebench.benchmarks.base import BoardFigure, LeaderboardViews, PublishedTable
from culturebench.benchmarks.selfconcept.metrics import outcome_table
from culturebench.benchmarks.selfconcept.report import selfreport_vs_behavior_figure
from culturebench.leaderboard.views import estimate_text
from culturebench.variants import REFERENCE_VARIANT

SEED000 = "cultural-self-concept-llm"
SEED000_FOUR_MODELS = (
    "outputs_round2/raw_results_qwen_casual.jsonl",
    "outputs_round2/raw_results_mistral_casual.jsonl",
    "outputs_round2/raw_results_yi_casual.jsonl",
    "outputs_llama/raw_results_llama_all.jsonl",
)
SEED000_ROUND2 = ("outputs_round2/combined.jsonl",)


def selfreport_vs_behavior(section: dict, headline: dict, path: Path) -> Path | None:
    """The run's self-reported and observed safety scores per construct, as its report draws them."""
    return selfreport_vs_behavior_figure(section, path) if section else None


def card(section: dict) -> list[str]:
    """Self-construal and safety self-report scores (1-7) of the reference prompt variant, as a Markdown table."""
    mode = section.get("scored") or section.get("generated") or {}
    rows = []
    for bank, entry in mode.items():
        scores = entry.get("scores", {}).get(REFERENCE_VARIANT, {})
        rows += [f"| {bank} | {construct} | {estimate_text(est)} |" for construct, est in scores.items()]
    if not rows:
        return []
    head = [f"### Self-concept profile ({REFERENCE_VARIANT} prompts, 1-7 scale)", "", "| bank | construct | score |",
            "|---|---|---|"]  # fmt: skip
    return [*head, *rows, ""]


def seed000_scores(reference: Path, files: tuple[str, ...]) -> pd.DataFrame:
    """Model x outcome (self-construal and safety self-report means, judged behaviour as `_bv`) from raw outputs.

    Seed 000's recipe: successful trials with an answer in 1..7; item mean over trials; construct mean
    over items; composite = independent - interdependent.
    """
    raw = pd.concat([pd.read_json(reference / SEED000 / f, lines=True) for f in files], ignore_index=True)
    ok = raw[raw["success"] & raw["parsed_value"].between(1, 7)]
    keys = ["model", "construct", "id", "score"]
    selfreport = ok[ok["probe_type"] != "behavioral"].rename(
        columns={"model_display_name": "model", "item_id": "id", "parsed_value": "score"}
    )
    judged = raw[(raw["probe_type"] == "behavioral") & raw.get("judge_score", pd.Series(dtype=float)).notna()]
    behaviour = judged.rename(columns={"model_display_name": "model", "item_id": "id", "judge_score": "score"})
    behaviour = behaviour.assign(construct=behaviour["construct"].str.replace("_behavioral", "", regex=False))
    table = outcome_table(selfreport[keys], behaviour[keys] if not judged.empty else None)
    groups = raw.groupby("model_display_name")["cultural_group"].first()
    return (
        table.rename(columns={"composite": "composite_difference"})
        .assign(cultural_group=groups)
        .reset_index(names="model")
    )


def published(reference: Path | None) -> list[PublishedTable]:
    """Seed 000's score tables, recomputed from the reference data's raw outputs (none without them)."""
    if reference is None:
        return []
    return [
        PublishedTable(
            f"Seed 000: self-construal and safety scores, {title}", "seed 000 (cultural self-concept blog post)",
            f"recomputed by culturebench from the raw outputs {', '.join(files)} in the reference data",
            seed000_scores(reference, files),
        )
        for title, files in (("four models (analysis_4model)", SEED000_FOUR_MODELS),
                             ("round-2 models (analysis_full)", SEED000_ROUND2))
    ]  # fmt: skip


LEADERBOARD = LeaderboardViews(
    profile=(BoardFigure("selfconcept", "Self-report vs behaviour", selfreport_vs_behavior, order=3),),
    card=card,
    published=published,
)
