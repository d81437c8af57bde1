"""Write a generation run's accepted drafts into a dataset folder: the bank as shipped plus the new items,
with the card's version bumped, a section saying how the new items were made, and the content hash
recomputed.

The grown bank goes to a new folder, never over the shipped one: generated items are reviewed before
they replace it. New ids follow the spec's `id_format` with the first unused number of their cell, and
each new item goes to the split that holds fewest items of its cell, so the splits stay stratified.
The result passes the bank's own validator and near-duplicate check before it is moved into place.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path

from culturebench.cards import ratio
from culturebench.files import write_text
from culturebench.generate.banks import bank
from culturebench.generate.checks import text_of
from culturebench.generate.pipeline import read_rows
from culturebench.generate.spec import Spec
from culturebench.items import ItemError, near_duplicates
from culturebench.jsonl import write_jsonl
from culturebench.resources import resource_dir
from culturebench.versioning import card_field, refresh_content_hash

GENERATED_FILE = "annotations/generated.jsonl"
BLIND_PASS_FILE = "annotations/blind_pass.jsonl"
SECTION_BEFORE = "## Intended use"


def bump_version(version: str) -> str:
    """The next minor version (1.0.0 -> 1.1.0): new items, same fields."""
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", version)
    if not m:
        raise ValueError(f"card version {version!r} is not MAJOR.MINOR.PATCH")
    return f"{m.group(1)}.{int(m.group(2)) + 1}.0"


def _check_target(base: Path, target: Path) -> None:
    shipped = resource_dir("hf_datasets").resolve()
    if target == base or target.is_relative_to(shipped):
        raise ValueError(f"{target}: write the grown bank to a new folder; the shipped banks under {shipped} are "
                         "replaced only after the new items are reviewed")  # fmt: skip
    if target.exists() and not (target / GENERATED_FILE).exists():
        raise ValueError(f"{target} exists and was not written by culturebench generate; choose a new folder")


def _new_id(id_format: str, context: dict, used: set[str]) -> str:
    n = 1
    while (candidate := id_format.format(**context, n=n)) in used:
        n += 1
    used.add(candidate)
    return candidate


def _card_section(version: str, spec: Spec, report: dict, added: list[dict], whole: tuple[int, int] | None) -> str:
    rules = ", ".join(f"{rule} {n}" for rule, n in report["rejected"].items()) or "none"
    blind = report["blind"]
    flagged = [f"- `{i}`: {why}" for i, why in blind["flagged"].items()] or ["- none"]
    lines = [
        f"## Generated items (version {version})",
        "",
        f"{len(added)} items were added by `culturebench generate` from `{spec.path.name}`: written by "
        f"`{report['backend']}`, checked automatically (item schema and the bank's validator; template slots and "
        f"answer letters; option lengths within a ratio of {spec.checks['max_length_ratio']:g}; wording that gives "
        f"the pole away; TF-IDF near-duplicates at cosine {spec.checks['near_duplicate_cosine']:g} against the bank "
        f"and each other) and labelled blind by `{report['blind_backend']}`, which saw the options in a random "
        "order and no poles. Per-item provenance: `annotations/generated.jsonl`.",
        "",
        f"- Drafts: {report['drafts']}; accepted: {report['accepted']}; rejected per rule: {rules}.",
        f"- Blind pole agreement on the drafts labelled: {ratio(blind['agreed'], blind['labelled'])}"
        if blind["labelled"]
        else "- No draft reached the blind pass.",
    ]
    if whole:
        lines.append(f"- Blind pole agreement over the whole bank, authored and generated: {whole[0]}/{whole[1]}.")
    lines += ["", "Drafts the blind annotator disagreed with or flagged (rejected):", "", *flagged, ""]
    return "\n".join(lines) + "\n"


def build_dataset(run_dir: Path, spec: Spec, target: Path, base: Path | None = None) -> Path:
    """Write `base` (default: the packaged bank) plus the accepted drafts of `run_dir` to `target`; returns it."""
    target_bank = bank(spec.bank)
    base = Path(base or target_bank.folder()).resolve()
    target = Path(target).resolve()
    _check_target(base, target)
    run_dir = Path(run_dir)
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    accepted = read_rows(run_dir / "accepted.jsonl")
    if not accepted:
        raise ValueError(f"{run_dir}: no accepted drafts to add")
    cells = {c.name: c for c in spec.cells()}
    cell_of = {r["id"]: r["cell"] for r in read_rows(run_dir / "drafts.jsonl")}
    labels = {r["id"]: r for r in read_rows(run_dir / "blind_labels.jsonl")}
    splits = target_bank.items(base)
    used = {i["id"] for rows in splits.values() for i in rows}
    key = target_bank.schema.category
    provenance, added = [], []
    for draft in accepted:
        context = cells[cell_of[draft["id"]]].context
        fields = {f: draft[f] for f in target_bank.schema.fields if f != "id"}
        row = {"id": _new_id(spec.id_format, context, used), **fields}
        cell = (row[key], row["domain"])
        split = min(splits, key=lambda s: sum((i[key], i["domain"]) == cell for i in splits[s]))
        splits[split].append(row)
        added.append(row)
        label = labels[draft["id"]]
        provenance.append({"id": row["id"], "draft_id": draft["id"], "split": split, "generator": report["backend"],
                           "blind_annotator": report["blind_backend"], "agree": label["agree"],
                           "confidence": label["confidence"], "balanced": label["balanced"],
                           "note": label["note"]})  # fmt: skip
    every = [i for rows in splits.values() for i in rows]
    new_ids = {r["id"] for r in added}
    pairs = [p for p in near_duplicates({i["id"]: text_of(i) for i in every}) if new_ids & set(p[:2])]
    if pairs:  # the run checked the drafts against the bank as it was then; it may have changed since
        raise ItemError(f"new items are near-duplicates of the bank: {pairs[:3]}; generate again into a new --out")
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(base, tmp)
    for split, rows in splits.items():
        write_jsonl(target_bank.split_file(tmp, split), rows)
    write_jsonl(tmp / GENERATED_FILE, provenance)
    kept = {i["id"] for i in every}
    whole = _extend_blind_pass(tmp / BLIND_PASS_FILE, provenance, {r["id"]: r for r in added}, key, kept)
    target_bank.items(tmp)  # the grown bank passes the bank's own validator
    version = bump_version(card_field(base, "version"))
    card = tmp / "README.md"
    text = re.sub(r"^version: .*$", f"version: {version}", card.read_text(encoding="utf-8"), count=1, flags=re.M)
    section = _card_section(version, spec, report, added, whole)
    if SECTION_BEFORE in text:
        text = text.replace(SECTION_BEFORE, section + "\n" + SECTION_BEFORE, 1)
    else:
        text += section
    write_text(card, text)
    refresh_content_hash(tmp)
    if target.exists():
        shutil.rmtree(target)
    os.replace(tmp, target)
    return target


def _extend_blind_pass(
    path: Path, provenance: list[dict], added: dict[str, dict], key: str, kept: set[str]
) -> tuple[int, int] | None:
    """Append the new items' blind labels to the bank's blind-pass annotations (same fields); returns (agreed,
    labelled) over the items the bank keeps (None when the bank has no blind-pass file)."""
    if not path.exists():
        return None
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    fields = list(rows[0]) if rows else ["id", key, "agree", "confidence", "balanced", "note"]
    for p in provenance:
        known = {"id": p["id"], key: added[p["id"]][key], "agree": p["agree"], "agree_first_pass": p["agree"],
                 "confidence": p["confidence"], "balanced": p["balanced"] == "yes", "note": p["note"]}  # fmt: skip
        rows.append({f: known.get(f, "") for f in fields})
    write_jsonl(path, rows)
    counts = Counter(bool(r.get("agree")) for r in rows if r["id"] in kept)
    return counts[True], counts.total()
