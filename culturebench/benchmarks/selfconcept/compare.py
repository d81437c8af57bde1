"""Seed 000 across runs: eastern vs western models, correlations, self-report vs behaviour ranks, face test.

The model x outcome table is built by `metrics.outcome_table` from each run's item scores, the
same function the seed-000 re-computation checks against the published tables.
"""

from __future__ import annotations

import json

import pandas as pd

from culturebench.benchmarks.base import CompareContext, Section
from culturebench.benchmarks.selfconcept.face import FACE_FIELDS, between_models
from culturebench.benchmarks.selfconcept.metrics import (
    COMPOSITE,
    cross_correlations,
    cultural_group,
    group_comparisons,
    outcome_table,
    rank_agreement,
)
from culturebench.benchmarks.selfconcept.selfreport import SAFETY_CONSTRUCTS
from culturebench.report.format import fmt
from culturebench.variants import REFERENCE_VARIANT

ROW_KEYS = ("model", "construct", "id", "score")


def _item_rows(name: str, bank: dict | None) -> list[dict]:
    """Item scores of the reference variant of one bank of one run, as (model, construct, id, score) rows."""
    return [{"model": name, "construct": r["construct"], "id": r["id"], "score": r["score"]}
            for r in (bank or {}).get("item_scores", []) if r["variant"] == REFERENCE_VARIANT]  # fmt: skip


def compare_selfconcept(ctx: CompareContext) -> Section | None:
    """Seed 000's across-model analyses of the runs that have self-concept results; None when none has."""
    with_sc = {name: m["selfconcept"] for name, m in ctx.runs.items() if m.get("selfconcept")}
    if not with_sc:
        return None
    selfreport, behavior = [], []
    for name, sc in with_sc.items():
        mode = sc.get("scored") or sc.get("generated") or {}
        selfreport += _item_rows(name, mode.get("self_construal")) + _item_rows(name, mode.get("safety_selfreport"))
        behavior += _item_rows(name, sc.get("safety_behavior"))
    table = outcome_table(pd.DataFrame(selfreport, columns=ROW_KEYS), pd.DataFrame(behavior, columns=ROW_KEYS))
    groups = {name: cultural_group(ctx.models[name]["origin"]) for name in with_sc}
    self_vars = [c for c in ("independent", "interdependent", COMPOSITE) if c in table.columns]
    safety_vars = [c for c in table.columns if c.removesuffix("_bv") in SAFETY_CONSTRUCTS]
    out: dict = {"table": json.loads(table.to_json(orient="index")), "groups": groups}
    if len(table) >= 2:
        out["group_comparisons"] = group_comparisons(table, groups, list(table.columns)).to_dict(orient="records")
    if self_vars and safety_vars:
        out["correlations"] = cross_correlations(table, self_vars, safety_vars).to_dict(orient="records")
    out["rank_agreement"] = rank_agreement(table, SAFETY_CONSTRUCTS)
    face = {name: sc["face_negotiation"]["counts"] for name, sc in with_sc.items() if "face_negotiation" in sc}
    if face:
        out["face_between_models"] = {field: between_models({m: c[field] for m, c in face.items()})
                                      for field in FACE_FIELDS}  # fmt: skip
    return Section(out, _markdown(out))


def _markdown(sc: dict) -> list[str]:
    if not sc["table"]:
        return ["", "## Self-concept and safety behaviour across models (seed 000)", "",
                "No run has item scores of the reference variant (rerun `culturebench report` on it)."]  # fmt: skip
    lines = [
        "",
        "## Self-concept and safety behaviour across models (seed 000)",
        "",
        f"Scores of the `{REFERENCE_VARIANT}` variant; `_bv` = judged behaviour. One point per model.",
        "",
    ]
    columns = list(next(iter(sc["table"].values())).keys())
    lines += ["| model | group | " + " | ".join(columns) + " |", "|---" * (len(columns) + 2) + "|"]
    for name, row in sc["table"].items():
        cells = " | ".join(fmt(row.get(c), 2) for c in columns)
        lines.append(f"| `{name}` | {sc['groups'][name]} | {cells} |")
    if sc.get("group_comparisons"):
        head = "| outcome | eastern | western | difference | d | U | p | p (BH) | n |"
        lines += [
            "",
            "Eastern vs western models (Mann-Whitney U, Cohen's d, Benjamini-Hochberg):",
            "",
            head,
            "|---" * 9 + "|",
        ]
        for g in sc["group_comparisons"]:
            cells = [g["outcome"], fmt(g["eastern_mean"], 2), fmt(g["western_mean"], 2), fmt(g["difference"], 2),
                     fmt(g["cohens_d"], 2), fmt(g["u_stat"], 1), fmt(g["p_value"]), fmt(g["p_adj_bh"]),
                     f"{g['n_eastern']}+{g['n_western']}"]  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
    if sc.get("correlations"):
        lines += ["", "| self-construal | safety | Pearson r | p | Spearman ρ | p | n |", "|---" * 7 + "|"]
        for c in sc["correlations"]:
            lines.append(f"| {c['x']} | {c['y']} | {fmt(c['pearson_r'])} | {fmt(c['pearson_p'])} | "
                         f"{fmt(c['spearman_rho'])} | {fmt(c['spearman_p'])} | {c['n']} |")  # fmt: skip
    if sc.get("rank_agreement"):
        lines += [
            "",
            "Self-report vs behaviour, rank agreement across models (Spearman ρ): "
            + ", ".join(f"{k} {fmt(v['spearman_rho'], 2)} (n={v['n']})" for k, v in sc["rank_agreement"].items()),
        ]
    for field, test in (sc.get("face_between_models") or {}).items():
        text = test.get("undefined") or (f"χ² = {fmt(test['chi2'], 2)}, dof {test['dof']}, p = {fmt(test['p'])}, "
                                         f"smallest expected count {fmt(test['min_expected'], 1)}")  # fmt: skip
        lines.append(f"- Face negotiation, {field} distributions differ between models: {text}")
    return lines
