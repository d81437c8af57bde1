"""The generated statistics block of a dataset card, shared by the item-bank builders."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from culturebench.files import write_text
from culturebench.formcues import MEANING_WORDS_FILE, POOLED, SHUFFLES, CueReport, length_balance
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
    refresh_card(folder)


def refresh_card(folder: Path) -> None:
    """Recompute the card's content hash, then its release block (which states the hash and version)."""
    refresh_content_hash(folder)
    write_release_block(folder)


FORM_CUE_AIMS = (
    "Aims, checked by the test suite on every build: options-only accuracy ≤ 0.70 on the pooled bank and ≤ 0.80 per "
    "{label}; status-quo opening shares differing between the poles by ≤ 0.30; the {pole} option the longer in "
    "35-65 % of items, ties counting half (the length balance column)."
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
        f"{pole} option has more words (ties in brackets) and the length balance (ties counting half; 0.50 = no "
        f"length cue); the words most lopsided between the poles (options with the word, {pole}:{other}).",
        "",
        f"| {label} | items | options-only accuracy | baseline mean / p95 | status quo, {pole} | status quo, {other} "
        f"| difference | negation, {pole} | negation, {other} | {pole} longer (ties) | length balance "
        f"| giveaway words |",
        "|---" * 12 + "|",
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
            f"{length_balance(r):.2f}",
            words,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    meaning = [
        f"{name} ({', '.join(r['meaning_words'])})"
        for name, r in reports.items()
        if name != POOLED and r["meaning_words"]
    ]
    if meaning:
        lines += [
            "",
            "Words that name the pole by meaning, not by form, are left out of the classifier and the giveaway "
            f"words (the pooled classifier leaves out all of them; list in `{MEANING_WORDS_FILE}`): "
            + "; ".join(meaning)
            + ".",
        ]
    return lines + ["", FORM_CUE_AIMS.format(label=label, pole=pole)]


RELEASE_START, RELEASE_END = "<!-- release:start -->", "<!-- release:end -->"
MAX_CONFIG_LINES = 4  # more configs than this: the loading snippet shows the default one and names the rest


def card_header(folder: Path) -> dict:
    """The card's YAML front matter as a dict."""
    import yaml

    text = (Path(folder) / "README.md").read_text(encoding="utf-8")
    header = yaml.safe_load(text.split("---", 2)[1]) if text.startswith("---") else None
    if not isinstance(header, dict):
        raise ValueError(f"{folder}/README.md has no YAML front matter")
    return header


def _task_config(path: Path) -> dict:
    """One lm-eval task YAML with its `include`s merged (lm-eval's `!function` tags read as plain strings)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, tag, node: loader.construct_scalar(node))
    config = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader) or {}
    include = config.pop("include", None)
    return {**(_task_config(path.parent / include) if include else {}), **config}


def dataset_tasks(name: str) -> list[str]:
    """The lm-eval tasks whose documents come from a dataset: `dataset_path: culturebench/<name>` or
    `metadata.bank: <name>` in the task's YAML."""
    from culturebench.resources import tasks_dir

    tasks = set()
    for path in tasks_dir().rglob("*.yaml"):
        config = _task_config(path)
        bank = (config.get("metadata") or {}).get("bank")
        if isinstance(config.get("task"), str) and name in (bank, str(config.get("dataset_path", "")).split("/")[-1]):
            tasks.add(config["task"])
    return sorted(tasks)


def _readers(name: str) -> str:
    """Who reads a dataset: its lm-eval tasks, or else the benchmarks whose metrics use it."""
    from culturebench.benchmarks import BENCHMARKS

    tasks = dataset_tasks(name)
    users = [b.name for b in BENCHMARKS if name in b.datasets]
    if tasks:
        who = "Read by the lm-eval tasks " + ", ".join(f"`{t}`" for t in tasks) + "."
    elif users:
        who = f"No lm-eval task reads it as documents; the `culturebench` library reads it for {', '.join(users)}."
    else:
        who = "No lm-eval task reads it; the `culturebench` library reads it."
    return (
        who + " CultureBench reads the packaged copy; with `CULTUREBENCH_DATASETS=hub` it reads this Hub copy instead."
    )


def _splits(config: dict) -> str:
    entries = config.get("data_files") or []
    return ", ".join(e["split"] for e in entries if isinstance(e, dict) and "split" in e) or "train"


def release_block(folder: Path) -> list[str]:
    """The card's release lines, from its YAML header and the task configs: version, content hash, how to load
    this version from the Hub, and the tasks that read it."""
    from culturebench.resources import HUB_ORG

    folder = Path(folder)
    header, repo = card_header(folder), f"{HUB_ORG}/{folder.name}"
    version, digest, configs = header["version"], header["content_hash"], header["configs"]
    default = next((c for c in configs if c.get("default")), None) or next(
        (c for c in configs if c["config_name"] == "default"), None
    )
    others = [c for c in configs if c is not default]
    shown = others if len(others) < MAX_CONFIG_LINES else others[:1]
    code = [f'ds = load_dataset("{repo}", revision="{version}")  # {_splits(default)}'] if default else []
    code += [f'ds = load_dataset("{repo}", "{c["config_name"]}", revision="{version}")  # {_splits(c)}' for c in shown]
    lines = [
        f"Version **{version}**, content hash `{digest}` (of the files under `data/`). Each release is a tag on "
        f"the Hub named by its version; this one loads as:",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        *code,
        "```",
    ]
    if len(shown) < len(others):
        lines += ["", "Configs: " + ", ".join(f"`{c['config_name']}`" for c in configs) + "."]
    return [*lines, "", _readers(folder.name)]


def write_release_block(folder: Path) -> None:
    """Rewrite the card's release block from its YAML header (call after the content hash or version changes)."""
    card = Path(folder) / "README.md"
    text = card.read_text(encoding="utf-8")
    if RELEASE_START not in text:
        raise ValueError(f"{card} has no {RELEASE_START} ... {RELEASE_END} block (put it under '## Loading')")
    block = "\n".join([RELEASE_START, "", *release_block(folder), "", RELEASE_END])
    write_text(
        card, re.sub(re.escape(RELEASE_START) + ".*?" + re.escape(RELEASE_END), lambda _: block, text, flags=re.S)
    )
