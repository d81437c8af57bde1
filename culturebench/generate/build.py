"""Write a generation run's accepted drafts into a dataset folder: the bank as shipped plus the new items,
with the card's version bumped, a section saying how the new items were made, and the content hash
recomputed.

The grown bank goes to a new folder, never over the shipped one: generated items are reviewed before
they replace it. New ids follow the spec's `id_format` with the first number of their cell that neither
the data nor the annotations (removed drafts included) have used. Each new item goes where the bank's
layout says (culturebench.generate.banks.Bank): the split that holds fewest items of its cell, or its
category's file (a new category gets a new file and a config in the card). Domains and categories
beyond the bank's schema (a spec's `extend`) are recorded in the card's YAML header, which is then
rewritten; otherwise only its version line changes. The result passes the bank's validator (with that
extension) and the near-duplicate check, and its release block is rewritten, before it is moved into place.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import yaml

from culturebench.cards import RELEASE_START, form_cue_table, ratio, write_release_block
from culturebench.files import write_text
from culturebench.formcues import POOLED, form_cues, read_meaning_words
from culturebench.generate.banks import EXTENSION_KEY, bank, spec_bank
from culturebench.generate.checks import text_of
from culturebench.generate.pipeline import read_rows
from culturebench.generate.spec import Spec
from culturebench.items import DilemmaSchema, ItemError, near_duplicates
from culturebench.jsonl import write_jsonl
from culturebench.resources import resource_dir
from culturebench.versioning import card_field, refresh_content_hash

GENERATED_FILE = "annotations/generated.jsonl"
BLIND_PASS_FILE = "annotations/blind_pass.jsonl"
SECTION_BEFORE = "## Intended use"
FORM_CUES_FIRST, FORM_CUES_LAST = "Form cues, from the two option texts alone", "Aims, checked by the test suite"


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


def _card_section(
    version: str,
    spec: Spec,
    report: dict,
    added: list[dict],
    whole: tuple[int, int] | None,
    extension: dict[str, list[str]],
    new_files: list[str],
    cues_refreshed: bool,
) -> str:
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
    lines.append(
        "- Counts of authored and kept items elsewhere in this card describe the bank before these items"
        + ("; the form-cue table covers every item, these included." if cues_refreshed else ".")
    )
    if extension:
        values = "; ".join(f"{what}: " + ", ".join(f"`{v}`" for v in vs) for what, vs in extension.items())
        lines.append(
            f"- Values beyond the bank's own schema ({values}), recorded under `{EXTENSION_KEY}` in the YAML header: "
            "CultureBench's validators accept them in this folder only; the packaged bank's loader and tasks "
            "refuse them until they are added to the bank's schema."
            + (" New configs: " + ", ".join(f"`{f}`" for f in new_files) + "." if new_files else "")
        )
    lines += ["", "Drafts the blind annotator disagreed with or flagged (rejected):", "", *flagged, ""]
    return "\n".join(lines) + "\n"


def _annotated_ids(folder: Path) -> set[str]:
    """Ids the folder's annotations have seen (removed drafts included): a new item never reuses one."""
    ids: set[str] = set()
    for name in (BLIND_PASS_FILE, GENERATED_FILE):
        if (folder / name).exists():
            ids |= {r["id"] for r in read_rows(folder / name)}
    return ids


def _extension(schema: DilemmaSchema, rows: list[dict]) -> dict[str, list[str]]:
    """The domains and categories `rows` use that `schema` does not hold, in order of first use."""
    out = {"categories": list(dict.fromkeys(r[schema.category] for r in rows if r[schema.category] not in
                                            schema.categories)),
           "domains": list(dict.fromkeys(r["domain"] for r in rows if r["domain"] not in schema.domains))}  # fmt: skip
    return {k: v for k, v in out.items() if v}


def _config_for(configs: list[dict], known: list[str], key: str) -> dict | None:
    """A card config for a new category file, copied from an existing category's (None when the card has none)."""
    for config in configs:
        entries = config.get("data_files") or []
        paths = [e.get("path") for e in entries if isinstance(e, dict)]
        if len(paths) == 1 == len(entries) and paths[0] in {f"data/{k}.jsonl" for k in known}:
            new = copy.deepcopy(config)
            new.pop("default", None)
            new["config_name"] = key
            new["data_files"][0]["path"] = f"data/{key}.jsonl"
            return new
    return None


def _front_matter(text: str, version: str, extension: dict, known: list[str], new_files: list[str]) -> str:
    """The card with its version bumped and, when the bank grew beyond its schema, the extension recorded under
    `schema_extension` and a config for each new category file (the header is rewritten only then)."""
    if not extension and not new_files:
        return re.sub(r"^version: .*$", f"version: {version}", text, count=1, flags=re.M)
    _, front, body = text.split("---", 2)
    header = yaml.safe_load(front)
    grown = {}
    for k, v in header.items():
        if k != EXTENSION_KEY:  # a base grown before: its extension is part of the new one
            grown[k] = version if k == "version" else v
        if k == "content_hash":
            grown[EXTENSION_KEY] = extension
    grown.setdefault(EXTENSION_KEY, extension)
    for key in new_files:
        if config := _config_for(header.get("configs") or [], known, key):
            grown["configs"].append(config)
    return "---\n" + yaml.safe_dump(grown, sort_keys=False, allow_unicode=True, width=120) + "---" + body


def _refresh_form_cues(text: str, schema: DilemmaSchema, items: list[dict], folder: Path) -> tuple[str, bool]:
    """(the card with its form-cue table recomputed over `items`, whether it had one), rows in the card's order."""
    lines = text.split("\n")
    start = next((k for k, line in enumerate(lines) if line.startswith(FORM_CUES_FIRST)), None)
    end = next((k for k in range(start or 0, len(lines)) if lines[k].startswith(FORM_CUES_LAST)), None)
    if start is None or end is None:
        return text, False
    cues = form_cues(items, schema.category, schema.poles[0], meaning_words=read_meaning_words(folder))
    shown = [line.split("|")[1].strip().strip("*") for line in lines[start:end] if line.startswith("| ")]
    rank = {name: k for k, name in enumerate(shown)}
    order = sorted(cues, key=lambda name: (name == POOLED, rank.get(name, len(rank))))
    table = form_cue_table(schema.category, {name: cues[name] for name in order}, *schema.poles)
    return "\n".join(lines[:start] + table + lines[end + 1 :]), True


def build_dataset(run_dir: Path, spec: Spec, target: Path, base: Path | None = None) -> Path:
    """Write `base` (default: the packaged bank) plus the accepted drafts of `run_dir` to `target`; returns it."""
    registered = bank(spec.bank)
    grown_bank = spec_bank(spec)
    base = Path(base or registered.folder()).resolve()
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
    files = registered.items(base)  # {split or category file: rows}, as the base folder holds them
    known = list(files)
    used = {i["id"] for rows in files.values() for i in rows} | _annotated_ids(base)
    key = registered.schema.category
    provenance, added = [], []
    for draft in accepted:
        context = cells[cell_of[draft["id"]]].context
        fields = {f: draft[f] for f in registered.schema.fields if f != "id"}
        row = {"id": _new_id(spec.id_format, context, used), **fields}
        if grown_bank.per_category:
            name = grown_bank.file_key(row[key])
        else:
            cell = (row[key], row["domain"])
            name = min(files, key=lambda s: sum((i[key], i["domain"]) == cell for i in files[s]))
        files.setdefault(name, []).append(row)
        added.append(row)
        label = labels[draft["id"]]
        provenance.append({"id": row["id"], "draft_id": draft["id"], "split": name, "generator": report["backend"],
                           "blind_annotator": report["blind_backend"], "agree": label["agree"],
                           "confidence": label["confidence"], "balanced": label["balanced"],
                           "note": label["note"]})  # fmt: skip
    every = [i for rows in files.values() for i in rows]
    new_ids = {r["id"] for r in added}
    pairs = [p for p in near_duplicates({i["id"]: text_of(i) for i in every}) if new_ids & set(p[:2])]
    if pairs:  # the run checked the drafts against the bank as it was then; it may have changed since
        raise ItemError(f"new items are near-duplicates of the bank: {pairs[:3]}; generate again into a new --out")
    extension = _extension(registered.schema, every)
    new_files = [f for f in files if f not in known]
    staging = target.with_name(f".{target.name}.tmp")
    tmp = staging / target.name  # named as the target: the card's release block names the folder
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    shutil.copytree(base, tmp)
    for name, rows in files.items():
        write_jsonl(registered.data_file(tmp, name), rows)
    earlier = read_rows(base / GENERATED_FILE) if (base / GENERATED_FILE).exists() else []
    write_jsonl(tmp / GENERATED_FILE, earlier + provenance)
    kept = {i["id"] for i in every}
    whole = _extend_blind_pass(tmp / BLIND_PASS_FILE, provenance, {r["id"]: r for r in added}, key, kept)
    version = bump_version(card_field(base, "version"))
    card = tmp / "README.md"
    text = _front_matter(card.read_text(encoding="utf-8"), version, extension, known, new_files)
    text, refreshed = _refresh_form_cues(text, registered.extended(extension).schema, every, tmp)
    section = _card_section(version, spec, report, added, whole, extension, new_files, refreshed)
    if SECTION_BEFORE in text:
        text = text.replace(SECTION_BEFORE, section + "\n" + SECTION_BEFORE, 1)
    else:
        text += section
    write_text(card, text)
    refresh_content_hash(tmp)
    if RELEASE_START in text:
        write_release_block(tmp)
    registered.items(tmp)  # the grown bank passes the bank's own validator (with the extension its card records)
    previous = staging / "previous"  # the old folder is kept until the new one is in place
    if target.exists():
        os.replace(target, previous)
    os.replace(tmp, target)
    shutil.rmtree(previous, ignore_errors=True)
    staging.rmdir()
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
