"""The generated statistics block of a dataset card, shared by the item-bank builders."""

from __future__ import annotations

import re
from pathlib import Path

from culturebench.versioning import refresh_content_hash

STATS_START, STATS_END = "<!-- stats:start -->", "<!-- stats:end -->"


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


def write_stats_block(folder: Path, lines: list[str]) -> None:
    """Replace the card's stats block with `lines` and refresh its content hash."""
    card = Path(folder) / "README.md"
    block = "\n".join([STATS_START, "", *lines, "", STATS_END])
    text = re.sub(re.escape(STATS_START) + ".*?" + re.escape(STATS_END), lambda _: block, card.read_text(), flags=re.S)
    card.write_text(text, encoding="utf-8")
    refresh_content_hash(folder)
