"""Figures of the reports: Hofstede dilemmas, VSM survey, and run comparisons."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from culturebench.countries import hofstede_scores  # noqa: E402
from culturebench.dimensions import DIMENSION_NAMES, DIMENSIONS  # noqa: E402
from culturebench.metrics.vsm import LANGUAGE_GROUPS  # noqa: E402


def alignment_scatter(shares: pd.DataFrame, dimension: str, truth: str, r: float | None, path: Path) -> Path:
    """Ground truth (x) against the model's share of high-pole answers (y), one point per country."""
    scores = hofstede_scores(dimension, truth)
    cells = shares[(shares["dimension"] == dimension) & shares["country"].isin(scores)]
    x = cells["country"].map(scores).to_numpy(dtype=float)
    y = cells["p_high"].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
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
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def share_heatmap(shares: pd.DataFrame, path: Path) -> Path:
    """Country x dimension grid of mean p(high); blank where a country was not asked."""
    grid = shares.pivot_table(index="country", columns="dimension", values="p_high")
    grid = grid.reindex(columns=[d for d in DIMENSIONS if d in grid.columns])
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * grid.shape[1], 1.0 + 0.22 * grid.shape[0]))
    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="lightgrey")  # grey: country not asked
    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    im = ax.imshow(values, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=7)
    fig.colorbar(im, ax=ax, label="p(high pole)")
    ax.set_title("Share of high-pole advice by persona country (grey: no score)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def vsm_radar_grid(condition: dict, title: str, path: Path) -> Path:
    """One radar per country role: the model's six scores, the ground truth and the global average."""
    countries = list(condition["countries"])
    cols = 5
    rows = max(1, -(-len(countries) // cols))
    angles = np.linspace(0, 2 * np.pi, len(DIMENSIONS), endpoint=False)
    closed = np.append(angles, angles[0])
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 3.0 * rows), subplot_kw={"projection": "polar"})
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
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def vsm_dimension_bars(conditions: dict[str, dict], path: Path) -> Path:
    """Mean deviation ratio per dimension (seed 003 Figure 7), one bar group per language condition."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
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
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


ORIGIN_ROLES = ("US", "CN")


def origin_bars(origin: dict, path: Path) -> Path:
    """Mean deviation ratio by model origin and prompt language, for the US and China roles and overall."""
    fig, axes = plt.subplots(1, len(ORIGIN_ROLES) + 1, figsize=(11, 3.4), sharey=True)
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
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


ZONE_COLORS = {
    "African-Islamic": "#b5651d", "Catholic Europe": "#d62728", "Confucian": "#9467bd", "English-Speaking": "#1f77b4",
    "Latin America": "#ff7f0e", "Orthodox Europe": "#8c564b", "Protestant Europe": "#2ca02c",
    "West & South Asia": "#e377c2",
}  # fmt: skip
ARROW_COUNTRIES = ("IN", "VN", "MX", "DK")  # seed 002's persona countries


def cultural_map(societies: pd.DataFrame, conditions: dict, path: Path) -> Path:
    """Societies by zone; the model with no persona (star), per domain (triangles), and its persona positions.

    Arrows run from the no-persona position to the basic (solid) and profile-grounded (dashed)
    positions of seed 002's four persona countries; hollow markers are direct-question positions.
    """
    fig, ax = plt.subplots(figsize=(9, 7))
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
    ax.set(xlabel="survival → self-expression", ylabel="traditional → secular-rational",
           title="Inglehart–Welzel cultural map: societies (WVS/EVS 2023) and the model")  # fmt: skip
    ax.axhline(0, color="grey", lw=0.4)
    ax.axvline(0, color="grey", lw=0.4)
    ax.legend(fontsize=6, loc="lower right", ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path
