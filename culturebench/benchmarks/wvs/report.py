"""Report section of the WVS dilemmas: positions per persona condition and the cultural map."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from culturebench.benchmarks.base import ReportContext, Section
from culturebench.benchmarks.wvs.map import map_positions
from culturebench.benchmarks.wvs.metrics import (
    against_indifference,
    dilemma_position,
    dilemma_score_row,
    direct_score_row,
    wvs_metrics,
)
from culturebench.files import save_figure
from culturebench.report.format import fmt
from culturebench.scoring import combine_orders

ZONE_COLORS = {
    "African-Islamic": "#b5651d", "Catholic Europe": "#d62728", "Confucian": "#9467bd", "English-Speaking": "#1f77b4",
    "Latin America": "#ff7f0e", "Orthodox Europe": "#8c564b", "Protestant Europe": "#2ca02c",
    "West & South Asia": "#e377c2",
}  # fmt: skip
ARROW_COUNTRIES = ("IN", "VN", "MX", "DK")  # seed 002's persona countries


def cultural_map(
    societies: pd.DataFrame,
    conditions: dict,
    path: Path,
    indifference: dict | None = None,
    options_only: dict | None = None,
) -> Path:
    """Societies by zone; the model with no persona (star), per domain (triangles), and its persona positions.

    Arrows run from the no-persona position to the basic (solid) and profile-grounded (dashed)
    positions of seed 002's four persona countries; hollow markers are direct-question positions.
    """
    fig = Figure(figsize=(9, 7))
    ax = fig.subplots()
    for zone, group in societies.groupby("zone"):
        ax.scatter(group["surv_selfexp"], group["trad_secular"], s=14, color=ZONE_COLORS.get(zone, "grey"),
                   alpha=0.55, label=zone)  # fmt: skip
        for _, r in group.iterrows():
            ax.annotate(r["alpha2"], (r["surv_selfexp"], r["trad_secular"]), fontsize=5, alpha=0.6)
    none = conditions.get("none:none", {})
    start = none.get("scenario")
    if start and "undefined" not in start:
        ax.scatter([start["surv_selfexp"]], [start["trad_secular"]], marker="*", s=220, color="black", zorder=5,
                   label="model, no persona")  # fmt: skip
        for domain, pos in none.get("domains", {}).items():
            if "undefined" not in pos:
                ax.scatter([pos["surv_selfexp"]], [pos["trad_secular"]], marker="^", s=50, zorder=5,
                           label=f"no persona, {domain}")  # fmt: skip
    for key, cond in conditions.items():
        for view, marker in (("scenario", "o"), ("direct", "o")):
            pos = cond.get(view)
            if not pos or "undefined" in pos or key == "none:none" and view == "scenario":
                continue
            face = "none" if view == "direct" else ("black" if cond["persona"] == "basic" else "dimgrey")
            ax.scatter([pos["surv_selfexp"]], [pos["trad_secular"]], marker=marker, s=18, facecolors=face,
                       edgecolors="black", linewidths=0.6, zorder=4)  # fmt: skip
            if view == "scenario" and start and "undefined" not in start and cond["country"] in ARROW_COUNTRIES:
                ax.annotate("", xy=(pos["surv_selfexp"], pos["trad_secular"]),
                            xytext=(start["surv_selfexp"], start["trad_secular"]),
                            arrowprops={"arrowstyle": "->", "lw": 1.1,
                                        "ls": "-" if cond["persona"] == "basic" else "--"})  # fmt: skip
                ax.annotate(f"{cond['country']} ({cond['persona']})", (pos["surv_selfexp"], pos["trad_secular"]),
                            fontsize=7, xytext=(3, 3), textcoords="offset points")  # fmt: skip
    if options_only and "undefined" not in options_only:
        ax.scatter([options_only["surv_selfexp"]], [options_only["trad_secular"]], marker="D", s=60, color="gold",
                   edgecolors="black", linewidths=0.6, zorder=6, label="model, options only (control)")  # fmt: skip
    for view, marker, label in (("scenario", "X", "indifference: p = 0.5 on every dilemma"),
                                ("direct", "P", "indifference: uniform direct answers")):  # fmt: skip
        point = (indifference or {}).get(view)
        if point:
            ax.scatter([point["surv_selfexp"]], [point["trad_secular"]], marker=marker, s=90, color="red",
                       edgecolors="black", linewidths=0.6, zorder=6, label=label)  # fmt: skip
    ax.set(xlabel="survival → self-expression", ylabel="traditional → secular-rational",
           title="Inglehart–Welzel cultural map: societies (WVS/EVS 2023) and the model")  # fmt: skip
    ax.axhline(0, color="grey", lw=0.4)
    ax.axvline(0, color="grey", lw=0.4)
    ax.legend(fontsize=6, loc="lower right", ncol=2)
    fig.tight_layout()
    save_figure(fig, path, dpi=130)
    return path


def _position(pos: dict | None) -> str:
    if not pos:
        return "—"
    if "undefined" in pos:
        return f"undefined: {pos['undefined']}"
    text = f"({fmt(pos['surv_selfexp'], 2)}, {fmt(pos['trad_secular'], 2)})"
    text += " **flagged**" if pos.get("flagged") else ""
    return text + (" **≈ indifferent**" if pos.get("includes_indifference") else "")


def _distance(value: float | None, resolution: float) -> str:
    """A distance for the table; below the projector's resolution it cannot be read."""
    if value is not None and not math.isnan(value) and value < resolution:
        return "< resolution"
    return fmt(value, 2)


def wvs_markdown(metrics: dict) -> list[str]:
    lines = [
        "## WVS dilemmas and the cultural map",
        "",
        "Positions are (survival → self-expression, traditional → secular-rational). Scenario positions come "
        "from p(positive pole) of the dilemmas through the pole-share projector; direct positions from the 14 "
        "survey questions through the item-mean projector. A position is **flagged** when the full and the "
        "axis-only projections disagree by more than 0.5 map units (the profile is unlike any society).",
        "",
        "A model with no leaning is not at the origin: p = 0.5 on every dilemma lands at "
        f"{_position(metrics['indifference']['scenario'])} and uniform direct answers at "
        f"{_position(metrics['indifference']['direct'])} (red crosses on the map). A position whose 95 % "
        "interval includes that point is marked **≈ indifferent**: it does not tell a leaning from none.",
        "",
        "Intervals add the projector's own leave-one-country-out error to the bootstrap over dilemmas. A distance "
        "below the projector's resolution (its median leave-one-out distance: "
        f"{fmt(metrics['resolution']['scenario'], 2)} for scenarios, {fmt(metrics['resolution']['direct'], 2)} for "
        "direct answers) is shown as `< resolution`: no smaller difference can be read.",
        "",
    ]
    cut = {p: c for p, c in metrics.get("dilemmas_compared", {}).items() if c["dropped"]}
    if cut:
        lines += ["Persona countries are compared on the dilemmas every country of the persona type answered; "
                  "dilemmas that reached only some countries (a --limit run) are left out: "
                  + ", ".join(f"{p} {c['used']} used, {len(c['dropped'])} left out" for p, c in cut.items()),
                  ""]  # fmt: skip
    if "position_bias" in metrics:
        b = metrics["position_bias"]
        lines += [f"Position bias of the dilemmas (mean |p_AB − p_BA|): {fmt(b['value'])} "
                  f"[{fmt(b['ci_low'])}, {fmt(b['ci_high'])}], n = {b['n']}.", ""]  # fmt: skip
    lines += ["| persona | country | scenario position | distance to country | distance to indifference | "
              "direct position | distance | direct vs scenario | direct answers at the scale's middle |",
              "|---" * 9 + "|"]  # fmt: skip

    def placed(pos: dict | None) -> bool:
        return bool(pos) and "undefined" not in pos

    shown = [c for c in metrics["conditions"].values() if placed(c.get("scenario")) or placed(c.get("direct"))]
    for cond in shown:
        s, d = cond.get("scenario"), cond.get("direct")
        res_s, res_d = metrics["resolution"]["scenario"], metrics["resolution"]["direct"]
        cells = [cond["persona"], cond["country"], _position(s), _distance((s or {}).get("distance_to_country"), res_s),
                 _distance((s or {}).get("distance_to_indifference"), res_s), _position(d),
                 _distance((d or {}).get("distance_to_country"), res_d),
                 _distance(cond.get("direct_vs_scenario"), max(res_s, res_d)),
                 fmt(cond.get("direct_middle_share"), 2)]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    hidden = len(metrics["conditions"]) - len(shown)
    if hidden:
        lines += ["", f"{hidden} persona conditions are not shown: their documents lack a complete set of the ten "
                  "items or 14 questions (a larger --limit covers them)."]  # fmt: skip
    none = metrics["conditions"].get("none:none", {})
    control = metrics.get("options_only")
    if control:
        lines += ["", "Options-only control (the question and the two options without the scenario, no persona): "
                  f"{_position(control)}, beside the no-persona position {_position(none.get('scenario'))}. What "
                  "survives without the situation comes from the options themselves.", ""]  # fmt: skip
        if "undefined" not in control and none.get("scenario") and "undefined" not in none["scenario"]:
            lines += ["| map item | p(positive), with the scenario | options only |", "|---|---|---|"]
            lines += [f"| {i} | {fmt(none['scenario']['shares'].get(i), 2)} | {fmt(v, 2)} |"
                      for i, v in control["shares"].items()]  # fmt: skip
    if none.get("domains"):
        lines += ["", "No-persona position by domain:", "", "| domain | position |", "|---|---|"]
        lines += [f"| {d} | {_position(p)} |" for d, p in none["domains"].items()]
    lines += ["", f"![cultural map]({metrics['figures']['cultural map']})", ""]
    return lines


def wvs_section(
    ctx: ReportContext, dilemma_tasks: tuple[str, ...], direct_task: str, options_task: str
) -> Section | None:
    """Map positions of every persona condition of the run, the cultural map and Markdown; None without samples.

    The options-only control (`options_task`) is placed apart and shown beside the no-persona position.
    """
    dilemmas = pd.DataFrame.from_records(ctx.run.score_rows(dilemma_tasks, dilemma_score_row))
    direct = pd.DataFrame.from_records(ctx.run.score_rows((direct_task,), direct_score_row))
    control = pd.DataFrame.from_records(ctx.run.score_rows((options_task,), dilemma_score_row))
    if dilemmas.empty and direct.empty and control.empty:
        return None
    metrics = wvs_metrics(dilemmas, direct, n_boot=ctx.n_boot)
    if len(control):
        position = dilemma_position(combine_orders(control, value="p_positive"), ctx.n_boot)
        metrics["options_only"] = against_indifference(position, metrics["indifference"]["scenario"])
    path = cultural_map(
        map_positions(),
        metrics["conditions"],
        ctx.fig_dir / "wvs_cultural_map.png",
        metrics["indifference"],
        metrics.get("options_only"),
    )
    metrics["figures"] = {"cultural map": ctx.relative(path)}
    return Section(metrics, wvs_markdown(metrics))
