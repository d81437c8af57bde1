"""Report section of the VSM survey: scores, deviation-ratio rankings, radars and dimension bars."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from culturebench.benchmarks.base import ReportContext, Section
from culturebench.benchmarks.vsm.metrics import LANGUAGE_GROUPS, vsm_metrics, vsm_score_row
from culturebench.countries import get_country
from culturebench.dimensions import DIMENSIONS
from culturebench.files import save_figure
from culturebench.report.format import fmt


def vsm_radar_grid(condition: dict, title: str, path: Path) -> Path:
    """One radar per country role: the model's six scores, the ground truth and the global average."""
    countries = list(condition["countries"])
    cols = 5
    rows = max(1, -(-len(countries) // cols))
    angles = np.linspace(0, 2 * np.pi, len(DIMENSIONS), endpoint=False)
    closed = np.append(angles, angles[0])
    fig = Figure(figsize=(3.0 * cols, 3.0 * rows))
    axes = fig.subplots(rows, cols, subplot_kw={"projection": "polar"}, squeeze=False)
    axes = np.atleast_1d(axes).ravel()
    average = condition["global_average"]
    for ax, code in zip(axes, countries):
        entry = condition["countries"][code]
        series = [
            ("model", [entry["scores"][d]["score"] for d in DIMENSIONS], "C0"),
            ("ground truth", [entry["truth"].get(d, np.nan) for d in DIMENSIONS], "C3"),
            ("global average", [average.get(d, np.nan) for d in DIMENSIONS], "grey"),
        ]
        for label, values, color in series:
            ax.plot(closed, np.append(values, values[0]), color=color, lw=1.2, label=label)
        ax.set_xticks(angles, DIMENSIONS, fontsize=7)
        ax.set_ylim(0, 110)
        ax.set_yticks([25, 50, 75, 100], [], fontsize=5)
        ax.set_title(code, fontsize=9)
    for ax in axes[len(countries) :]:
        ax.set_visible(False)
    axes[0].legend(loc="upper left", bbox_to_anchor=(-0.45, 1.35), fontsize=7, frameon=False)
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path, dpi=110)
    return path


def vsm_dimension_bars(conditions: dict[str, dict], path: Path) -> Path:
    """Mean deviation ratio per dimension (seed 003 Figure 7), one bar group per language condition."""
    fig = Figure(figsize=(7, 3.6))
    ax = fig.subplots()
    width = 0.8 / max(1, len(conditions))
    x = np.arange(len(DIMENSIONS))
    for k, (name, cond) in enumerate(conditions.items()):
        values = [cond["by_dimension"][d]["deviation_ratio"]["mean"] for d in DIMENSIONS]
        ax.bar(x + k * width, np.nan_to_num(np.asarray(values, dtype=float)), width, label=name)
    ax.axhline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_xticks(x + width * (len(conditions) - 1) / 2, DIMENSIONS)
    ax.set(ylabel="mean deviation ratio (higher is better)", title="Deviation ratio by dimension")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
    return path


def vsm_markdown(metrics: dict, figures: dict[str, str]) -> list[str]:
    lines = [
        "## VSM survey",
        "",
        "Each item is read from the probabilities of the digits 1-5 (expected code); indices follow the "
        f"VSM 2013 formulas, scores are {metrics['score_scale']}. A score read from expected codes has no sampling "
        "error for one prompt; in the all-language condition its 95 % CI (metrics.json, `ci_low`/`ci_high`) "
        "bootstraps the prompt languages, i.e. how much the score depends on the language asked. `spread_low`/"
        "`spread_high` give the scores of a respondent drawing one answer per item, a measure of how decided the "
        f"model is, not of uncertainty. Ground truth: `{metrics['ground_truth']}`. Deviation ratio (seed 003, eq. 1): "
        "1 = no better than the global average; ∞ = matches the ground truth exactly.",
        "",
        "| prompts | country roles | mean difference from ground truth | mean deviation ratio | unbounded |",
        "|---|---|---|---|---|",
    ]
    for name, cond in metrics["conditions"].items():
        dr = cond["deviation_ratio"]
        lines.append(
            f"| {name} | {len(cond['countries'])} | {fmt(cond['difference'], 1)} | {fmt(dr['mean'], 2)} | "
            f"{dr['n_unbounded']} |"
        )
    lines.append("")
    for name, cond in metrics["conditions"].items():
        if not cond["countries"]:
            continue
        lines += [
            f"### Prompts: {name}",
            "",
            "Deviation-ratio ranking (as seed 003 Table 3):",
            "",
            "| rank | country | deviation ratio | difference | "
            + " | ".join(f"{d} model / truth" for d in DIMENSIONS)
            + " |",
            "|---" * (4 + len(DIMENSIONS)) + "|",
        ]
        ranked = sorted(cond["countries"].items(), key=lambda kv: -kv[1]["deviation_ratio"])
        for rank, (code, c) in enumerate(ranked, start=1):
            cells = [f"{fmt(c['scores'][d]['score'], 0)} / {fmt(c['truth'].get(d), 0)}" for d in DIMENSIONS]
            lines.append(
                f"| {rank} | {get_country(code).name} | {fmt(c['deviation_ratio'], 2)} | "
                f"{fmt(c['difference'], 1)} | " + " | ".join(cells) + " |"
            )
        lines += [
            "",
            "| dimension | mean deviation ratio | unbounded | spread ratio (model sd / truth sd) | "
            "model mean | truth mean |",
            "|---|---|---|---|---|---|",
        ]
        for d, b in cond["by_dimension"].items():
            lines.append(
                f"| {d} | {fmt(b['deviation_ratio']['mean'], 2)} | {b['deviation_ratio']['n_unbounded']} | "
                f"{fmt(b['spread_ratio'], 2)} | {fmt(b['model_mean'], 1)} | {fmt(b['truth_mean'], 1)} |"
            )
        lines.append("")
    lines += [
        "### External factors",
        "",
        "Correlation over country roles of the deviation ratio with each factor "
        "(sources in the `countries` dataset card).",
        "",
        "| prompts | factor | countries | Pearson r | p | Spearman ρ |",
        "|---|---|---|---|---|---|",
    ]
    for name, cond in metrics["conditions"].items():
        for factor, c in cond["external_factors"].items():
            r = fmt(c["pearson_r"]) if c["undefined"] is None else f"undefined: {c['undefined']}"
            lines.append(f"| {name} | {factor} | {c['n']} | {r} | {fmt(c['pearson_p'])} | {fmt(c['spearman_rho'])} |")
    lines.append("")
    if "language_groups" in metrics:
        lines += [
            "### By prompt language (all-language condition)",
            "",
            "| prompt language | mean deviation ratio | United States role | China role | mean difference |",
            "|---|---|---|---|---|",
        ]
        for group, g in metrics["language_groups"].items():
            us, cn = (g["countries"].get(c, {}).get("deviation_ratio") for c in ("US", "CN"))
            lines.append(
                f"| {LANGUAGE_GROUPS[group]} | {fmt(g['deviation_ratio']['mean'], 2)} | {fmt(us, 2)} | "
                f"{fmt(cn, 2)} | {fmt(g['difference'], 1)} |"
            )
        lines.append("")
    lines += [f"![{name}]({rel})" for name, rel in figures.items()]
    lines.append("")
    return lines


def vsm_section(ctx: ReportContext, tasks: tuple[str, ...]) -> Section | None:
    """Every VSM metric of the run (per prompt condition), its figures and Markdown; None without samples."""
    rows = pd.DataFrame.from_records(
        ctx.run.score_rows(tasks, vsm_score_row),
        columns=["item_id", "country", "lang", "condition", "probs", "expected"],
    )
    if rows.empty:
        return None
    constants: Mapping[str, float] | None = ctx.options.get("vsm_constants")  # type: ignore[assignment]
    metrics = vsm_metrics(rows, constants=constants, n_boot=ctx.n_boot)
    conditions = metrics["conditions"]
    figures: dict[str, str] = {}
    for name, cond in conditions.items():
        if cond["countries"]:
            path = vsm_radar_grid(cond, f"VSM scores, prompts: {name}", ctx.fig_dir / f"vsm_radar_{name}.png")
            figures[f"radar per country ({name})"] = ctx.relative(path)
    if any(c["countries"] for c in conditions.values()):
        path = vsm_dimension_bars(
            {n: c for n, c in conditions.items() if c["countries"]}, ctx.fig_dir / "vsm_dimensions.png"
        )
        figures["deviation ratio by dimension"] = ctx.relative(path)
    metrics["figures"] = figures
    return Section(metrics, vsm_markdown(metrics, figures))
