"""VSM runs side by side (seed 003 Figures 3-6).

- ranking: every (model, prompt condition) by mean deviation ratio and by mean difference from the
  ground truth, with both ranks, so models that only look good because they answer near the
  global average stand out (Figure 3);
- origin: for models of each origin (model registry), the deviation ratio of the United States
  and China roles, and the mean over all roles, by prompt language (English, Chinese, the other
  18), from each run's all-language condition (Figures 4 and 5);
- size: correlation of log10(parameters) with the mean deviation ratio (Figure 6a).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from culturebench.benchmarks.base import CompareContext, Section
from culturebench.benchmarks.vsm.metrics import LANGUAGE_GROUPS
from culturebench.files import save_figure
from culturebench.report.format import fmt
from culturebench.stats import correlate

ORIGIN_ROLES = ("US", "CN")


def _mean(values: list[float | str | None]) -> float:
    """Mean of the finite values ("inf" as written to metrics.json counts as unbounded, not averaged)."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return float(np.mean(finite)) if finite else math.nan


def _sortable(value: float | None, missing: float) -> float:
    return missing if value is None or math.isnan(value) else value


def compare_vsm(ctx: CompareContext) -> Section | None:
    """Ranking, origin and size views of the runs that have VSM results; None when none has."""
    entries, groups = [], {}
    for name, metrics in ctx.runs.items():
        vsm = metrics.get("vsm")
        if vsm is None:
            continue
        groups[name] = vsm.get("language_groups")
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
    if not entries:
        return None
    by_dr = sorted(entries, key=lambda e: -_sortable(e["deviation_ratio"], -math.inf))
    by_diff = sorted(entries, key=lambda e: _sortable(e["difference"], math.inf))
    for rank, e in enumerate(by_dr, start=1):
        e["rank_deviation_ratio"] = rank
    for rank, e in enumerate(by_diff, start=1):
        e["rank_difference"] = rank
    origin: dict = {}
    for group in LANGUAGE_GROUPS:
        for org in sorted({ctx.models[name]["origin"] for name in groups}):
            found = [g[group] for name, g in groups.items() if ctx.models[name]["origin"] == org and g]
            if not found:
                continue
            cell = {role: _mean([g["countries"].get(role, {}).get("deviation_ratio") for g in found])
                    for role in ORIGIN_ROLES}  # fmt: skip
            cell["all_roles"] = _mean([g["deviation_ratio"]["mean"] for g in found])
            cell["n_models"] = len(found)
            origin.setdefault(org, {})[group] = cell
    result = {"ranking": by_dr, "origin": origin, "size": _size_correlations(entries, ctx.models)}
    return Section(result, _markdown(result, ctx.output))


def _size_correlations(entries: list[dict], models: dict) -> dict:
    """Per prompt condition: correlation of log10(parameters) with the mean deviation ratio (Figure 6a)."""
    out = {}
    for condition in sorted({e["condition"] for e in entries}):
        pairs = [(math.log10(models[e["model"]]["params_b"]), e["deviation_ratio"]) for e in entries
                 if e["condition"] == condition and models[e["model"]]["params_b"]
                 and e["deviation_ratio"] is not None and math.isfinite(e["deviation_ratio"])]  # fmt: skip
        out[condition] = correlate([p for p, _ in pairs], [d for _, d in pairs]).to_dict()
    return out


def origin_bars(origin: dict, path: Path) -> Path:
    """Mean deviation ratio by model origin and prompt language, for the US and China roles and overall."""
    fig = Figure(figsize=(11, 3.4))
    axes = fig.subplots(1, len(ORIGIN_ROLES) + 1, sharey=True)
    panels = [*ORIGIN_ROLES, "all_roles"]
    titles = ["United States role", "China role", "all roles"]
    x = np.arange(len(LANGUAGE_GROUPS))
    width = 0.8 / max(1, len(origin))
    for ax, key, title in zip(axes, panels, titles):
        for k, (org, groups) in enumerate(origin.items()):
            values = [groups.get(g, {}).get(key, math.nan) for g in LANGUAGE_GROUPS]
            ax.bar(x + k * width, np.nan_to_num(np.asarray(values, dtype=float)), width, label=f"{org}-origin")
        ax.set_xticks(x + width * (len(origin) - 1) / 2, ["en", "zh", "other"])
        ax.set_title(title)
        ax.axhline(1.0, color="grey", lw=0.8, ls="--")
    axes[0].set_ylabel("mean deviation ratio")
    axes[-1].legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
    return path


def _markdown(result: dict, output: Path) -> list[str]:
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
