"""`culturebench compare`: several runs side by side (seed 003 Figures 3-5).

- ranking: every (model, prompt condition) by mean deviation ratio and by mean difference from the
  ground truth, with both ranks, so models that only look good because they answer near the
  global average stand out (Figure 3);
- origin: for models of each origin (model registry), the deviation ratio of the United States
  and China roles, and the mean over all roles, by prompt language (English, Chinese, the other
  18), from each run's all-language condition (Figures 4 and 5).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from culturebench.metrics.face import FACE_FIELDS, between_models
from culturebench.metrics.selfconcept import (
    COMPOSITE,
    cross_correlations,
    cultural_group,
    group_comparisons,
    rank_agreement,
)
from culturebench.metrics.vsm import LANGUAGE_GROUPS
from culturebench.model_registry import find_model
from culturebench.report.build import write_report
from culturebench.report.figures import ORIGIN_ROLES, origin_bars
from culturebench.report.format import fmt, json_ready
from culturebench.report.samples import RunFileError
from culturebench.selfconcept import SAFETY_CONSTRUCTS
from culturebench.stats import correlate
from culturebench.variants import REFERENCE_VARIANT


def _run_metrics(run_dir: Path) -> dict:
    path = run_dir / "metrics.json"
    if not path.exists():
        write_report(run_dir)
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise RunFileError(f"{path}: not valid JSON ({e.msg})") from None


def _model_name(metrics: dict) -> str:
    args = metrics["run"].get("model_args") or {}
    if isinstance(args, dict) and args.get("pretrained"):
        return str(args["pretrained"])
    return str(metrics["run"].get("model_name") or "unknown")


def _mean(values: list[float | str | None]) -> float:
    """Mean of the finite values ("inf" as written to metrics.json counts as unbounded, not averaged)."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return float(np.mean(finite)) if finite else math.nan


def _sortable(value: float | None, missing: float) -> float:
    return missing if value is None or math.isnan(value) else value


def compare_runs(runs: dict[str, dict]) -> dict:
    """{model name: metrics.json of its run} -> ranking and origin tables."""
    entries, models = [], {}
    for name, metrics in runs.items():
        vsm = metrics.get("vsm")
        info = find_model(name)
        models[name] = {
            "origin": info.origin if info else "unknown",
            "registry": info.model if info else None,
            "params_b": info.params_b if info else None,
            "language_groups": (vsm or {}).get("language_groups"),
        }
        if vsm is None:
            continue
        for condition, c in vsm["conditions"].items():
            entries.append(
                {
                    "model": name,
                    "condition": condition,
                    "deviation_ratio": c["deviation_ratio"]["mean"],
                    "difference": c["difference"],
                    "countries": len(c["countries"]),
                }
            )
    by_dr = sorted(entries, key=lambda e: -_sortable(e["deviation_ratio"], -math.inf))
    by_diff = sorted(entries, key=lambda e: _sortable(e["difference"], math.inf))
    for rank, e in enumerate(by_dr, start=1):
        e["rank_deviation_ratio"] = rank
    for rank, e in enumerate(by_diff, start=1):
        e["rank_difference"] = rank
    origin: dict = {}
    for group in LANGUAGE_GROUPS:
        for org in sorted({m["origin"] for m in models.values()}):
            groups = [m["language_groups"][group] for m in models.values()
                      if m["origin"] == org and m["language_groups"]]  # fmt: skip
            if not groups:
                continue
            cell = {role: _mean([g["countries"].get(role, {}).get("deviation_ratio") for g in groups])
                    for role in ORIGIN_ROLES}  # fmt: skip
            cell["all_roles"] = _mean([g["deviation_ratio"]["mean"] for g in groups])
            cell["n_models"] = len(groups)
            origin.setdefault(org, {})[group] = cell
    return {"models": models, "ranking": by_dr, "origin": origin, "size": _size_correlations(entries, models),
            "selfconcept": selfconcept_comparison(runs, models)}  # fmt: skip


def _outcomes(sc: dict) -> dict[str, float]:
    """One model's seed-000 outcomes (reference variant): self-construal, self-report, behaviour (_bv)."""
    out = {}
    mode = sc.get("scored") or sc.get("generated") or {}
    for bank, suffix, source in (("self_construal", "", mode), ("safety_selfreport", "", mode),
                                 ("safety_behavior", "_bv", sc)):  # fmt: skip
        scores = (source.get(bank) or {}).get("scores", {}).get(REFERENCE_VARIANT, {})
        out |= {f"{c}{suffix}": e["value"] for c, e in scores.items() if e.get("value") is not None}
    return out


def selfconcept_comparison(runs: dict[str, dict], models: dict[str, dict]) -> dict:
    """Seed 000 across models: eastern vs western, correlations, self-report vs behaviour ranks, face test."""
    with_sc = {name: m["selfconcept"] for name, m in runs.items() if m.get("selfconcept")}
    if not with_sc:
        return {}
    table = pd.DataFrame({name: _outcomes(sc) for name, sc in with_sc.items()}).T
    groups = {name: cultural_group(models[name]["origin"]) for name in with_sc}
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
    return out


def _size_correlations(entries: list[dict], models: dict) -> dict:
    """Per prompt condition: correlation of log10(parameters) with the mean deviation ratio (Figure 6a)."""
    out = {}
    for condition in sorted({e["condition"] for e in entries}):
        pairs = [(math.log10(models[e["model"]]["params_b"]), e["deviation_ratio"]) for e in entries
                 if e["condition"] == condition and models[e["model"]]["params_b"]
                 and e["deviation_ratio"] is not None and math.isfinite(e["deviation_ratio"])]  # fmt: skip
        out[condition] = correlate([p for p, _ in pairs], [d for _, d in pairs]).to_dict()
    return out


def write_comparison(run_dirs: list[Path], output: Path, names: dict[str, str] | None = None) -> Path:
    """Compare runs (names: run folder -> model name, overriding what the run recorded)."""
    names = names or {}
    runs = {}
    for run_dir in map(Path, run_dirs):
        metrics = _run_metrics(run_dir)
        name = names.get(str(run_dir)) or _model_name(metrics)
        if name in runs:
            raise ValueError(f"two runs are named {name!r}; give them distinct names with --name")
        runs[name] = metrics
    result = compare_runs(runs)
    output.mkdir(parents=True, exist_ok=True)
    (output / "comparison.json").write_text(json.dumps(json_ready(result), indent=2, allow_nan=False))
    lines = [
        "# CultureBench comparison",
        "",
        "## Models",
        "",
        "| model | registry entry | origin | parameters (B) |",
        "|---|---|---|---|",
    ]
    for name, m in result["models"].items():
        lines.append(f"| `{name}` | {m['registry'] or '—'} | {m['origin']} | {fmt(m['params_b'], 0)} |")
    if result["ranking"]:
        lines += _vsm_markdown(result, output)
    else:
        lines += ["", "No run has VSM results (`culturebench_vsm`): the ranking, origin and size views are left out."]
    lines += _selfconcept_markdown(result["selfconcept"])
    report = output / "comparison.md"
    report.write_text("\n".join(lines) + "\n")
    return report


def _vsm_markdown(result: dict, output: Path) -> list[str]:
    """Seed 003's ranking, model-origin and model-size views."""
    lines: list[str] = []
    lines += [
        "",
        "## Ranking (seed 003 Figure 3)",
        "",
        "| model | prompts | roles | mean deviation ratio | rank | mean difference | rank |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in result["ranking"]:
        lines.append(
            f"| `{e['model']}` | {e['condition']} | {e['countries']} | {fmt(e['deviation_ratio'], 2)} | "
            f"{e['rank_deviation_ratio']} | {fmt(e['difference'], 1)} | {e['rank_difference']} |"
        )
    lines += ["", "## Model origin (seed 003 Figures 4-5)", ""]
    if result["origin"]:
        lines += [
            "| origin | prompt language | models | United States role | China role | all roles |",
            "|---|---|---|---|---|---|",
        ]
        for org, groups in result["origin"].items():
            for group, cell in groups.items():
                lines.append(
                    f"| {org} | {LANGUAGE_GROUPS[group]} | {cell['n_models']} | {fmt(cell['US'], 2)} | "
                    f"{fmt(cell['CN'], 2)} | {fmt(cell['all_roles'], 2)} |"
                )
        figure = origin_bars(result["origin"], output / "origin.png")
        lines += ["", f"![model origin]({figure.name})"]
    else:
        lines.append("No run has the all-language condition (`culturebench_vsm_all`), which this view needs.")
    lines += [
        "",
        "## Model size (seed 003 Figure 6a)",
        "",
        "| prompts | models with a size | Pearson r, log10(parameters) vs deviation ratio | p |",
        "|---|---|---|---|",
    ]
    for condition, c in result["size"].items():
        r = fmt(c["pearson_r"]) if c["undefined"] is None else f"undefined: {c['undefined']}"
        lines.append(f"| {condition} | {c['n']} | {r} | {fmt(c['pearson_p'])} |")
    return lines


def _selfconcept_markdown(sc: dict) -> list[str]:
    if not sc:
        return []
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
