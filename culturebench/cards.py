"""The generated statistics block of a dataset card, shared by the item-bank builders."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from culturebench.files import write_text
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
