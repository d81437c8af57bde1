"""The generated statistics block of a dataset card, shared by the item-bank builders."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from culturebench.files import write_text
from culturebench.formcues import POOLED, SHUFFLES, CueReport
from culturebench.versioning import refresh_content_hash

STATS_START, STATS_END = "<!-- stats:start -->", "<!-- stats:end -->"


def ratio(hits: int, total: int) -> str:
    """`hits/total (x.x %)`, the one way the cards state an agreement."""
    return f"{hits}/{total} ({100 * hits / total:.1f} %)"


def category_stats(items: list[dict], kept: list[dict], first_pass: tuple[int, int], agree_kept: int) -> dict:
    """One category's row for agreement_table: counts, blind agreement (first pass as (agreed, labelled),
    and on the kept items) and the kept items per domain."""
    return {
        "authored": len(items),
        "kept": len(kept),
        "agreement_first_pass": f"{first_pass[0]}/{first_pass[1]}",
        "agreement_kept": f"{agree_kept}/{len(kept)}",
        "domains": dict(Counter(i["domain"] for i in kept)),
    }


def agreement_table(label: str, stats: dict[str, dict], domains: tuple[str, ...]) -> list[str]:
    """Markdown rows: per category, authored, kept, blind agreement (first pass, kept) and items per domain."""
    lines = [
        f"| {label} | authored | kept | blind agreement, first pass | on kept items | " + " | ".join(domains) + " |",
        "|---" * (5 + len(domains)) + "|",
    ]
    for name, s in stats.items():
        counts = " | ".join(str(s["domains"].get(d, 0)) for d in domains)
        agreement = f"{s['agreement_first_pass']} | {s['agreement_kept']}"
        lines.append(f"| {name} | {s['authored']} | {s['kept']} | {agreement} | {counts} |")
    return lines


def agreement_totals(stats: dict[str, dict]) -> tuple[int, int, int, int]:
    """(first-pass agreements, authored, agreements on kept items, kept) summed over categories."""
    first = sum(int(s["agreement_first_pass"].split("/")[0]) for s in stats.values())
    kept_ok = sum(int(s["agreement_kept"].split("/")[0]) for s in stats.values())
    return first, sum(s["authored"] for s in stats.values()), kept_ok, sum(s["kept"] for s in stats.values())


def agreement_summary(stats: dict[str, dict]) -> str:
    """The sentence under a dilemma bank's agreement table: blind pole agreement, first pass and on kept items."""
    first, authored, kept_ok, kept = agreement_totals(stats)
    return (
        f"Blind pole agreement: {ratio(first, authored)} on the first pass, {ratio(kept_ok, kept)} on the items kept."
    )


def id_list(entries: Iterable[tuple[str, str]], none: str | None = "- none") -> list[str]:
    """Markdown bullets "- `id`: text" for the card; `none` (if given) stands in for an empty list."""
    lines = [f"- `{item_id}`: {text}" for item_id, text in entries]
    return lines or ([none] if none else [])


def write_stats_block(folder: Path, lines: list[str]) -> None:
    """Replace the card's stats block with `lines` and refresh its content hash."""
    card = Path(folder) / "README.md"
    block = "\n".join([STATS_START, "", *lines, "", STATS_END])
    text = re.sub(re.escape(STATS_START) + ".*?" + re.escape(STATS_END), lambda _: block, card.read_text(), flags=re.S)
    write_text(card, text)
    refresh_content_hash(folder)


FORM_CUE_AIMS = (
    "Aims (not met yet by the current items, an open issue; the items are to be rewritten): options-only accuracy "
    "≤ 0.70 on the pooled bank and ≤ 0.80 per {label}; status-quo opening shares differing between the poles by "
    "≤ 0.30; the {pole} option the longer in 35-65 % of items."
)


def form_cue_table(label: str, reports: dict[str, CueReport], pole: str, other: str) -> list[str]:
    """Markdown lines: what the option texts alone give away, per category and pooled (culturebench.formcues).

    The drift test reads these rows back, so the column order and number formats are fixed here only.
    """
    lines = [
        f"Form cues, from the two option texts alone (scenario hidden): a leave-one-item-out naive Bayes on "
        f"lower-cased word unigrams picks the {pole} option (chance 0.50; the baseline swaps poles at random "
        f"within items, {SHUFFLES} runs: mean / 95th percentile); the share of options opening with a status-quo "
        f"verb (stay, keep, wait, accept, ...) and containing a negation, on each pole; the share of items whose "
        f"{pole} option has more words (ties in brackets); the words most lopsided between the poles "
        f"(options with the word, {pole}:{other}).",
        "",
        f"| {label} | items | options-only accuracy | baseline mean / p95 | status quo, {pole} | status quo, {other} "
        f"| difference | negation, {pole} | negation, {other} | {pole} longer (ties) | giveaway words |",
        "|---" * 11 + "|",
    ]
    for name, r in reports.items():
        words = ", ".join(f"{w} {a}:{b}" for w, a, b in r["giveaways"])
        diff = r["status_quo_pole"] - r["status_quo_other"]
        cells = [
            f"**{name}**" if name == POOLED else name,
            str(r["n_items"]),
            f"{r['accuracy']:.2f}",
            f"{r['baseline_mean']:.2f} / {r['baseline_p95']:.2f}",
            f"{r['status_quo_pole']:.2f}",
            f"{r['status_quo_other']:.2f}",
            f"{diff:+.2f}",
            f"{r['negation_pole']:.2f}",
            f"{r['negation_other']:.2f}",
            f"{r['pole_longer']:.2f} ({r['ties']})",
            words,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines + ["", FORM_CUE_AIMS.format(label=label, pole=pole)]
