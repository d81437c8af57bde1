"""Report section of the Hofstede advice dilemmas: tables, alignment scatters and the country heatmap."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from culturebench.benchmarks.base import ReportContext, Section
from culturebench.benchmarks.hofstede.metrics import (
    PROMPT_LANGUAGES,
    ROW_COLUMNS,
    SKEW_BOUNDS,
    hofstede_metrics,
    options_only_leaning,
    prompt_language_alignment,
    score_row,
)
from culturebench.benchmarks.hofstede.native import LANGUAGES_GROUP
from culturebench.countries import DEFAULT_GROUND_TRUTH, GROUND_TRUTHS, RESOURCE_LEVELS, get_country, hofstede_scores
from culturebench.dimensions import DIMENSION_NAMES, DIMENSIONS
from culturebench.files import save_figure
from culturebench.prompts import NO_PERSONA
from culturebench.report.format import ci_text, fmt


def alignment_scatter(shares: pd.DataFrame, dimension: str, truth: str, r: float | None, path: Path) -> Path:
    """Ground truth (x) against the model's share of high-pole answers (y), one point per country."""
    scores = hofstede_scores(dimension, truth)
    cells = shares[(shares["dimension"] == dimension) & shares["country"].isin(scores)]
    x = cells["country"].map(scores).to_numpy(dtype=float)
    y = cells["p_high"].to_numpy(dtype=float)
    fig = Figure(figsize=(5.5, 4.2))
    ax = fig.subplots()
    yerr = np.vstack([y - cells["ci_low"].to_numpy(), cells["ci_high"].to_numpy() - y])
    ax.errorbar(x, y, yerr=np.nan_to_num(yerr), fmt="o", ms=4, alpha=0.8, elinewidth=0.6, capsize=0)
    for xi, yi, code in zip(x, y, cells["country"]):
        ax.annotate(code, (xi, yi), fontsize=6, xytext=(2, 2), textcoords="offset points")
    if len(x) >= 2 and np.ptp(x) > 0 and np.ptp(y) > 0:
        slope, intercept = np.polyfit(x, y, 1)
        xs = np.linspace(x.min(), x.max(), 50)
        ax.plot(xs, slope * xs + intercept, color="C3", lw=1.2)
    title = (
        f"{DIMENSION_NAMES[dimension]}: r = {r:.2f}" if r is not None else f"{DIMENSION_NAMES[dimension]}: r undefined"
    )
    ax.set(
        title=title, xlabel=f"{dimension} score ({truth})", ylabel="p(high pole), mean over items", ylim=(-0.02, 1.02)
    )
    ax.axhline(0.5, color="grey", lw=0.5, ls=":")
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
    return path


def share_heatmap(shares: pd.DataFrame, path: Path) -> Path:
    """Country x dimension grid of mean p(high); blank where a country was not asked."""
    grid = shares.pivot_table(index="country", columns="dimension", values="p_high")
    grid = grid.reindex(columns=[d for d in DIMENSIONS if d in grid.columns])
    fig = Figure(figsize=(1.2 + 0.9 * grid.shape[1], 1.0 + 0.22 * grid.shape[0]))
    ax = fig.subplots()
    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="lightgrey")  # grey: country not asked
    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    im = ax.imshow(values, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=7)
    fig.colorbar(im, ax=ax, label="p(high pole)")
    ax.set_title("Share of high-pole advice by persona country (grey: no score)", fontsize=9)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
    return path


def hofstede_markdown(metrics: dict, shares: pd.DataFrame, figures: dict[str, str]) -> list[str]:
    lines = ["## Hofstede advice dilemmas", ""]
    lines += [
        "p(high) is the probability of the high-pole option from the answer-letter log-probabilities, "
        "averaged over both option orders; shares are means over items with 95 % bootstrap CIs. "
        "Correlations use one point per country.",
        "",
    ]
    dims = metrics["dimensions"]
    lines += [
        "p(high), options only: the control, the question and the two options without the scenario. A leaning "
        "that survives there comes from the options' form as much as from the situation.",
        "",
        "| dim | prompts | position bias | p(high), no persona | p(high), options only |",
        "|---|---|---|---|---|",
    ]
    for dim, entry in dims.items():
        cells = [entry.get("position_bias"), entry.get("no_persona"), entry.get("options_only")]
        lines.append(
            f"| {dim} | {entry.get('n_prompts', 0)} | " + " | ".join(ci_text(c) if c else "—" for c in cells) + " |"
        )
    lines.append("")
    dropped = {
        d: len(e["items_compared"]["dropped"]) for d, e in dims.items() if e.get("items_compared", {}).get("dropped")
    }
    if dropped:
        lines += [
            "Countries are compared on the items every persona country answered; items that reached only some "
            "countries (a --limit run) are left out of shares and alignment: "
            + ", ".join(f"{d} {len(dims[d]['items_compared']['used'])} used, {n} left out" for d, n in dropped.items()),
            "",
        ]
    for truth in GROUND_TRUTHS:
        rows = [(d, e["alignment"][truth]) for d, e in dims.items() if truth in e.get("alignment", {})]
        if not rows:
            continue
        lines += [
            f"### Alignment with `{truth}`",
            "",
            f"Ground truth: {GROUND_TRUTHS[truth]}. Skew is flagged outside {SKEW_BOUNDS}. p is Pearson's "
            "parametric p; permutation p shuffles the shares over countries (no assumption about the noise).",
            "",
            "| dim | countries | Pearson r [95 % CI] | p | permutation p | Spearman ρ | p | threshold accuracy "
            "| mean share | skew |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for dim, a in rows:
            r = (
                ci_text(a, "pearson_r", "pearson_ci_low", "pearson_ci_high")
                if a["undefined"] is None
                else f"undefined: {a['undefined']}"
            )
            lines.append(
                f"| {dim} | {a['n']} | {r} | {fmt(a['pearson_p'])} | {fmt(a.get('permutation_p'))} | "
                f"{fmt(a['spearman_rho'])} | "
                f"{fmt(a['spearman_p'])} | {fmt(a['threshold_accuracy'])} | {fmt(a['skew']['mean_share'])} | "
                f"{a['skew']['flag'] or 'no'} |"
            )
        lines += [
            "",
            "By resource level of the country's language:",
            "",
            "| dim | level | countries | Pearson r | threshold accuracy | mean share |",
            "|---|---|---|---|---|---|",
        ]
        for dim, a in rows:
            for level, s in a["by_resource_level"].items():
                r = fmt(s["pearson_r"]) if s["undefined"] is None else "undefined"
                lines.append(
                    f"| {dim} | {level} | {s['n']} | {r} | "
                    f"{fmt(s['threshold_accuracy'])} | {fmt(s['skew']['mean_share'])} |"
                )
        lines.append("")
    for name, rel in figures.items():
        lines += [f"![{name}]({rel})", ""]
    persona = shares[shares["country"] != "none"]
    if len(persona):
        grid = persona.pivot_table(index="country", columns="dimension", values="p_high")
        lines += [
            "### p(high) by persona country",
            "",
            "| country | " + " | ".join(grid.columns) + " |",
            "|---" * (len(grid.columns) + 1) + "|",
        ]
        for code, row in grid.iterrows():
            lines.append(f"| {get_country(code).name} ({code}) | " + " | ".join(fmt(v, 2) for v in row) + " |")
        lines.append("")
    return lines


LANGUAGE_NAMES = {"en": "English", "native": "country's language"}


def language_figure(languages: dict, path: Path, truth: str = DEFAULT_GROUND_TRUTH) -> Path:
    """Pearson r by dimension (left) and mean r by resource level (right), English beside the native language."""
    entry = languages["alignment"][truth]
    fig = Figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2, 1]})
    dims, width = list(entry["dimensions"]), 0.38
    for k, lang in enumerate(PROMPT_LANGUAGES):
        cells = [entry["dimensions"][d][lang] for d in dims]
        r = np.array([np.nan if c["pearson_r"] is None else c["pearson_r"] for c in cells], dtype=float)
        low = np.array([np.nan if c["pearson_r"] is None else c["pearson_ci_low"] for c in cells], dtype=float)
        high = np.array([np.nan if c["pearson_r"] is None else c["pearson_ci_high"] for c in cells], dtype=float)
        x = np.arange(len(dims)) + (k - 0.5) * width
        left.bar(x, np.nan_to_num(r), width, label=LANGUAGE_NAMES[lang], color=f"C{k}")
        yerr = np.clip(np.nan_to_num(np.vstack([r - low, high - r])), 0, None)  # rounding may put r a hair outside
        left.errorbar(x, np.nan_to_num(r), yerr=yerr, fmt="none", ecolor="k", elinewidth=0.7)
        levels = entry["mean_pearson_r_by_resource_level"]
        means = [levels[level][lang]["value"] for level in RESOURCE_LEVELS]
        right.bar(np.arange(len(RESOURCE_LEVELS)) + (k - 0.5) * width,
                  [np.nan if m is None else m for m in means], width, color=f"C{k}")  # fmt: skip
    left.set_xticks(range(len(dims)), dims)
    left.set(ylabel="Pearson r over countries [95 % CI]", ylim=(-1.05, 1.05), title=f"Alignment with {truth}")
    left.axhline(0, color="grey", lw=0.6)
    left.legend(fontsize=8, title="prompt language", title_fontsize=8)
    right.set_xticks(range(len(RESOURCE_LEVELS)), [f"{level} resource" for level in RESOURCE_LEVELS])
    right.set(ylim=(-1.05, 1.05))
    right.set_title("Mean r over dimensions, by resource level", fontsize=9)
    right.axhline(0, color="grey", lw=0.6)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
    return path


def _r_cell(a: dict) -> str:
    if a["undefined"] is not None:
        return f"undefined: {a['undefined']} | —"  # two cells, as a defined r has (r with CI, p)
    return f"{ci_text(a, 'pearson_r', 'pearson_ci_low', 'pearson_ci_high')} | {fmt(a['pearson_p'])}"


def language_markdown(languages: dict, figure: str | None) -> list[str]:
    """English vs the country's language, per dimension and mean, then by resource level (seed 001's layout)."""
    lines = [
        "### Prompt language: English vs the persona country's language",
        "",
        f"The core items (`hofstede_native`) asked of the same {len(languages['countries'])} persona countries "
        "twice: in English under the English persona, and in the country's own language (persona, item, "
        "instruction and answer cue translated). Both are compared on the same items and countries "
        "(" + ", ".join(f"{d} {n}" for d, n in languages["n_items"].items()) + " items). r is Pearson's over "
        "countries with its 95 % bootstrap CI and parametric p.",
        "",
    ]
    for truth, entry in languages["alignment"].items():
        lines += [
            f"Alignment with `{truth}`:",
            "",
            "| dim | countries | English r [95 % CI] | p | native r [95 % CI] | p |",
            "|---|---|---|---|---|---|",
        ]
        for dim, a in entry["dimensions"].items():
            lines.append(f"| {dim} | {a['en']['n']} | {_r_cell(a['en'])} | {_r_cell(a['native'])} |")
        mean = entry["mean_pearson_r"]
        lines += [
            f"| mean | | {fmt(mean['en']['value'])} ({mean['en']['n']} dims) | | "
            f"{fmt(mean['native']['value'])} ({mean['native']['n']} dims) | |",
            "",
            "By resource level of the country's language (web content share: high > 1 %, mid 0.1-1 %, low < 0.1 %):",
            "",
            "| dim | level | countries | English r | native r |",
            "|---|---|---|---|---|",
        ]
        for dim, a in entry["dimensions"].items():
            for level, en in a["en"]["by_resource_level"].items():
                native = a["native"]["by_resource_level"][level]
                cells = [fmt(s["pearson_r"]) if s["undefined"] is None else "undefined" for s in (en, native)]
                lines.append(f"| {dim} | {level} | {en['n']} | {cells[0]} | {cells[1]} |")
        for level, means in entry["mean_pearson_r_by_resource_level"].items():
            lines.append(f"| mean | {level} | | {fmt(means['en']['value'])} | {fmt(means['native']['value'])} |")
        lines.append("")
    if figure:
        lines += [f"![alignment by prompt language]({figure})", ""]
    return lines


def language_rows(ctx: ReportContext, language_tasks: Mapping[str, str]) -> pd.DataFrame:
    """Score rows of the prompt-language tasks with their `prompt_language`; empty without their samples."""
    frames = [pd.DataFrame.from_records(ctx.run.score_rows((task,), score_row)).assign(prompt_language=lang)
              for task, lang in language_tasks.items()]  # fmt: skip
    return (
        pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else pd.DataFrame()
    )


def hofstede_section(
    ctx: ReportContext, tasks: tuple[str, ...], options_task: str, language_tasks: Mapping[str, str]
) -> Section | None:
    """Every metric of the run's Hofstede samples, its figures and its Markdown; None without samples.

    The options-only control (`options_task`) is read apart and shown beside the no-persona leaning; the
    prompt-language tasks ({task: "en" | "native"}) give the English-vs-native comparison when both ran.
    """
    rows = pd.DataFrame.from_records(ctx.run.score_rows(tasks, score_row))
    control = pd.DataFrame.from_records(ctx.run.score_rows((options_task,), score_row))
    by_language = language_rows(ctx, language_tasks)
    if rows.empty and control.empty and by_language.empty:
        return None
    if rows.empty:
        rows = pd.DataFrame(columns=[*ROW_COLUMNS, "persona"])
    metrics = hofstede_metrics(rows, n_boot=ctx.n_boot) if len(rows) else {"dimensions": {}, "shares": rows}
    for dim, estimate in options_only_leaning(control, n_boot=ctx.n_boot).items():
        metrics["dimensions"].setdefault(dim, {})["options_only"] = estimate
    shares = metrics.pop("shares")
    figures: dict[str, str] = {}
    for dim, entry in metrics["dimensions"].items():
        for truth, a in entry.get("alignment", {}).items():
            path = alignment_scatter(
                shares, dim, truth, a["pearson_r"], ctx.fig_dir / f"hofstede_{dim.lower()}_{truth}.png"
            )
            figures[f"{DIMENSION_NAMES[dim]} vs {truth}"] = ctx.relative(path)
    persona = shares[shares["country"] != NO_PERSONA]
    if len(persona):
        figures["country x dimension heatmap"] = ctx.relative(
            share_heatmap(persona, ctx.fig_dir / "hofstede_heatmap.png")
        )
    markdown = (
        hofstede_markdown(metrics, shares, figures)
        if len(rows) or len(control)
        else ["## Hofstede advice dilemmas", ""]
    )
    if set(by_language.get("prompt_language", ())) == set(PROMPT_LANGUAGES):
        languages = prompt_language_alignment(by_language, n_boot=ctx.n_boot)
        figure = None
        if DEFAULT_GROUND_TRUTH in languages["alignment"]:
            figure = ctx.relative(language_figure(languages, ctx.fig_dir / "hofstede_languages.png"))
            figures["alignment by prompt language"] = figure
        markdown += language_markdown(languages, figure)
        metrics["languages"] = {**languages, "shares": languages["shares"].to_dict(orient="records")}
    elif len(by_language):
        (ran,) = set(by_language["prompt_language"])
        markdown += [
            f"Only the {LANGUAGE_NAMES[ran]} prompts of the prompt-language comparison ran; run both tasks (group "
            f"`{LANGUAGES_GROUP}`) to compare English with the country's language.",
            "",
        ]
    metrics = {**metrics, "shares": shares.to_dict(orient="records"), "figures": figures}
    return Section(metrics, markdown)
