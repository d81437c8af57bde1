"""`culturebench report DIR`: metrics.json, report.md and figures from a run's samples alone."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pandas as pd

from culturebench.countries import GROUND_TRUTHS, get_country
from culturebench.dimensions import DIMENSION_NAMES, DIMENSIONS
from culturebench.metrics.hofstede import SKEW_BOUNDS, hofstede_metrics
from culturebench.metrics.vsm import LANGUAGE_GROUPS, vsm_metrics
from culturebench.metrics.wvs import wvs_metrics
from culturebench.report.figures import (
    alignment_scatter,
    cultural_map,
    share_heatmap,
    vsm_dimension_bars,
    vsm_radar_grid,
)
from culturebench.report.format import fmt, json_ready
from culturebench.report.samples import (
    RunFileError,
    hofstede_rows,
    latest_results_file,
    likert_rows,
    reply_rows,
    vsm_rows,
    wvs_rows,
)
from culturebench.report.selfconcept import selfconcept_section
from culturebench.stats import DEFAULT_N_BOOT
from culturebench.wvs_map import map_positions

DEMO_MARKER = "demo.json"


def _ci(d: dict, key: str = "value", low: str = "ci_low", high: str = "ci_high") -> str:
    return f"{fmt(d.get(key))} [{fmt(d.get(low))}, {fmt(d.get(high))}]"


def _run_info(run_dir: Path) -> dict:
    info: dict = {"run_dir": str(run_dir)}
    results = latest_results_file(run_dir)
    if results is not None:
        try:
            data = json.loads(results.read_text())
        except json.JSONDecodeError as e:
            raise RunFileError(f"{results}: not valid JSON, the file may be truncated ({e.msg})") from None
        info.update(
            model_name=data.get("model_name"),
            model_args=data.get("config", {}).get("model_args"),
            limit=data.get("config", {}).get("limit"),
            chat_template=bool(data.get("chat_template")),
            lm_eval_version=data.get("lm_eval_version"),
            results_file=str(results.relative_to(run_dir)),
        )
    for extra in ("preflight.json", DEMO_MARKER):
        if (run_dir / extra).exists():
            info[extra.removesuffix(".json")] = json.loads((run_dir / extra).read_text())
    return info


def _hofstede_markdown(metrics: dict, shares: pd.DataFrame, figures: dict[str, str]) -> list[str]:
    lines = ["## Hofstede advice dilemmas", ""]
    lines += [
        "p(high) is the probability of the high-pole option from the answer-letter log-probabilities, "
        "averaged over both option orders; shares are means over items with 95 % bootstrap CIs. "
        "Correlations use one point per country.",
        "",
    ]
    dims = metrics["dimensions"]
    lines += ["| dim | prompts | position bias | p(high), no persona |", "|---|---|---|---|"]
    for dim, entry in dims.items():
        own = entry.get("no_persona")
        lines.append(f"| {dim} | {entry['n_prompts']} | {_ci(entry['position_bias'])} | {_ci(own) if own else '—'} |")
    lines.append("")
    for truth in GROUND_TRUTHS:
        rows = [(d, e["alignment"][truth]) for d, e in dims.items() if truth in e.get("alignment", {})]
        if not rows:
            continue
        lines += [
            f"### Alignment with `{truth}`",
            "",
            f"Ground truth: {GROUND_TRUTHS[truth]}. Skew is flagged outside {SKEW_BOUNDS}.",
            "",
            "| dim | countries | Pearson r [95 % CI] | p | Spearman ρ | p | threshold accuracy | mean share | skew |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for dim, a in rows:
            r = (
                _ci(a, "pearson_r", "pearson_ci_low", "pearson_ci_high")
                if a["undefined"] is None
                else f"undefined: {a['undefined']}"
            )
            lines.append(
                f"| {dim} | {a['n']} | {r} | {fmt(a['pearson_p'])} | {fmt(a['spearman_rho'])} | "
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


def _hofstede_section(rows: pd.DataFrame, run_dir: Path, fig_dir: Path, n_boot: int) -> tuple[dict, list[str]]:
    metrics = hofstede_metrics(rows, n_boot=n_boot)
    shares = metrics.pop("shares")
    figures: dict[str, str] = {}
    for dim, entry in metrics["dimensions"].items():
        for truth, a in entry.get("alignment", {}).items():
            path = alignment_scatter(
                shares, dim, truth, a["pearson_r"], fig_dir / f"hofstede_{dim.lower()}_{truth}.png"
            )
            figures[f"{DIMENSION_NAMES[dim]} vs {truth}"] = str(path.relative_to(run_dir))
    if (shares["country"] != "none").any():
        path = share_heatmap(shares[shares["country"] != "none"], fig_dir / "hofstede_heatmap.png")
        figures["country x dimension heatmap"] = str(path.relative_to(run_dir))
    metrics = {**metrics, "shares": shares.to_dict(orient="records"), "figures": figures}
    return metrics, _hofstede_markdown(metrics, shares, figures)


def _vsm_section(
    rows: pd.DataFrame, run_dir: Path, fig_dir: Path, n_boot: int, constants: dict[str, float] | None = None
) -> tuple[dict, list[str]]:
    metrics = vsm_metrics(rows, constants=constants, n_boot=n_boot)
    conditions = metrics["conditions"]
    figures: dict[str, str] = {}
    for name, cond in conditions.items():
        if cond["countries"]:
            path = vsm_radar_grid(cond, f"VSM scores, prompts: {name}", fig_dir / f"vsm_radar_{name}.png")
            figures[f"radar per country ({name})"] = str(path.relative_to(run_dir))
    if any(c["countries"] for c in conditions.values()):
        path = vsm_dimension_bars(
            {n: c for n, c in conditions.items() if c["countries"]}, fig_dir / "vsm_dimensions.png"
        )
        figures["deviation ratio by dimension"] = str(path.relative_to(run_dir))
    metrics["figures"] = figures
    return metrics, _vsm_markdown(metrics, figures)


def _vsm_markdown(metrics: dict, figures: dict[str, str]) -> list[str]:
    lines = [
        "## VSM survey",
        "",
        "Each item is read from the probabilities of the digits 1-5 (expected code); indices follow the "
        f"VSM 2013 formulas, scores are {metrics['score_scale']}, with 95 % CIs from answers drawn from each "
        f"item's distribution. Ground truth: `{metrics['ground_truth']}`. Deviation ratio (seed 003, eq. 1): "
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


def _wvs_section(
    dilemmas: pd.DataFrame, direct: pd.DataFrame, run_dir: Path, fig_dir: Path, n_boot: int
) -> tuple[dict, list[str]]:
    metrics = wvs_metrics(dilemmas, direct, n_boot=n_boot)
    path = cultural_map(map_positions(), metrics["conditions"], fig_dir / "wvs_cultural_map.png")
    metrics["figures"] = {"cultural map": str(path.relative_to(run_dir))}
    return metrics, _wvs_markdown(metrics)


def _position(pos: dict | None) -> str:
    if not pos:
        return "—"
    if "undefined" in pos:
        return f"undefined: {pos['undefined']}"
    text = f"({fmt(pos['surv_selfexp'], 2)}, {fmt(pos['trad_secular'], 2)})"
    return text + (" **flagged**" if pos.get("flagged") else "")


def _wvs_markdown(metrics: dict) -> list[str]:
    lines = [
        "## WVS dilemmas and the cultural map",
        "",
        "Positions are (survival → self-expression, traditional → secular-rational). Scenario positions come "
        "from p(positive pole) of the dilemmas through the pole-share projector; direct positions from the 14 "
        "survey questions through the item-mean projector. A position is **flagged** when the full and the "
        "axis-only projections disagree by more than 0.5 map units (the profile is unlike any society).",
        "",
    ]
    if "position_bias" in metrics:
        b = metrics["position_bias"]
        lines += [f"Position bias of the dilemmas (mean |p_AB − p_BA|): {fmt(b['value'])} "
                  f"[{fmt(b['ci_low'])}, {fmt(b['ci_high'])}], n = {b['n']}.", ""]  # fmt: skip
    lines += ["| persona | country | scenario position | distance to country | direct position | distance | "
              "direct vs scenario | direct answers at the scale's middle |", "|---" * 8 + "|"]  # fmt: skip

    def placed(pos: dict | None) -> bool:
        return bool(pos) and "undefined" not in pos

    shown = [c for c in metrics["conditions"].values() if placed(c.get("scenario")) or placed(c.get("direct"))]
    for cond in shown:
        s, d = cond.get("scenario"), cond.get("direct")
        cells = [cond["persona"], cond["country"], _position(s), fmt((s or {}).get("distance_to_country"), 2),
                 _position(d), fmt((d or {}).get("distance_to_country"), 2), fmt(cond.get("direct_vs_scenario"), 2),
                 fmt(cond.get("direct_middle_share"), 2)]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    hidden = len(metrics["conditions"]) - len(shown)
    if hidden:
        lines += ["", f"{hidden} persona conditions are not shown: their documents lack a complete set of the ten "
                  "items or 14 questions (a larger --limit covers them)."]  # fmt: skip
    none = metrics["conditions"].get("none:none", {})
    if none.get("domains"):
        lines += ["", "No-persona position by domain:", "", "| domain | position |", "|---|---|"]
        lines += [f"| {d} | {_position(p)} |" for d, p in none["domains"].items()]
    lines += ["", f"![cultural map]({metrics['figures']['cultural map']})", ""]
    return lines


def write_report(run_dir: Path, n_boot: int = DEFAULT_N_BOOT, vsm_constants: dict[str, float] | None = None) -> Path:
    """Recompute every metric from the run's samples and write report.md, metrics.json and figures/.

    vsm_constants: the VSM manual's C per dimension (scores = raw + C) instead of the 0-100 range mapping.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunFileError(f"run folder {run_dir} does not exist")
    hofstede, vsm = hofstede_rows(run_dir), vsm_rows(run_dir)
    wvs_dilemmas, wvs_direct = wvs_rows(run_dir)
    likert, replies = likert_rows(run_dir), reply_rows(run_dir)
    sections = {
        "hofstede": (not hofstede.empty, partial(_hofstede_section, hofstede)),
        "vsm": (not vsm.empty, partial(_vsm_section, vsm, constants=vsm_constants)),
        "wvs": (not (wvs_dilemmas.empty and wvs_direct.empty), partial(_wvs_section, wvs_dilemmas, wvs_direct)),
        "selfconcept": (not (likert.empty and not replies), partial(selfconcept_section, likert, replies)),
    }
    if not any(present for present, _ in sections.values()):
        raise RunFileError(f"no CultureBench samples_*.jsonl under {run_dir}; was lm-eval run with --log_samples?")
    info = _run_info(run_dir)
    fig_dir = run_dir / "figures"
    fig_dir.mkdir(exist_ok=True)
    out: dict = {"run": info}
    body: list[str] = []
    for name, (present, section) in sections.items():
        if present:
            out[name], lines = section(run_dir=run_dir, fig_dir=fig_dir, n_boot=n_boot)
            body += lines
    (run_dir / "metrics.json").write_text(json.dumps(json_ready(out), indent=2, allow_nan=False, default=str))

    lines = ["# CultureBench report", ""]
    if "demo" in info:
        lines += [
            "> **Demo run on a tiny random-weight model: its numbers are meaningless.** "
            "It shows the pipeline end to end.",
            "",
        ]
    lines += [
        f"- model: `{info.get('model_name')}` ({info.get('model_args')})",
        f"- chat template: {info.get('chat_template')}; limit: {info.get('limit')}",
        f"- lm-eval: {info.get('lm_eval_version')}; results: `{info.get('results_file')}`",
    ]
    for name, check in (info.get("preflight", {}).get("choice_grouping") or {}).items():
        state = "one forward pass per prompt" if check["ok"] else "**BROKEN: one pass per choice**"
        lines.append(f"- answer tokenization, {name}: {state} ({check['detail']})")
    lines.append("")
    report = run_dir / "report.md"
    report.write_text("\n".join(lines + body))
    return report
