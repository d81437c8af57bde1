"""`culturebench generate SPEC --backend SPEC --out DIR`: draft items for every cell of a spec, check them, label
them blind, and write what was accepted and why the rest was not.

Every answer goes through culturebench.llm's Client, cached under DIR/cache/ (one file per backend
role), so an interrupted run resumes without paying twice; with `batch` the requests not yet cached
go out as one Gemini Batch API job. A run folder belongs to one spec and one pair of backends.

DIR/drafts.jsonl        every draft as a bank row (draft ids), with the cell it was asked for
DIR/rejected.jsonl      {id, rule, reason, row}: the rule it broke (schema, slot, length, giveaway,
                        near_duplicate, blind) and why
DIR/accepted.jsonl      the rows that passed every check
DIR/blind_labels.jsonl  what the blind annotator saw and answered, with `agree`
DIR/report.json, report.md   counts per cell and rule, blind agreement, the flagged drafts, calls paid
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from tqdm.auto import tqdm

from culturebench.files import write_json, write_text
from culturebench.formcues import POOLED, form_cues
from culturebench.generate.banks import Bank, spec_bank
from culturebench.generate.blindpass import label_drafts
from culturebench.generate.checks import RULES, Rejection, check_drafts, text_of
from culturebench.generate.spec import Cell, Spec
from culturebench.jsonl import read_jsonl, write_jsonl
from culturebench.llm.backends import Backend
from culturebench.llm.client import Client
from culturebench.llm.request import Request
from culturebench.llm.structured import InvalidOutput

log = logging.getLogger(__name__)

RUN_FILE = "run.json"
CACHE_DIR = "cache"
# What a generation answer must be before its items are checked one by one: an object with a list of items.
ENVELOPE = {"type": "object", "properties": {"items": {"type": "array"}}, "required": ["items"]}


class RunFolderError(ValueError):
    """A run folder that belongs to another spec or backend."""


def envelope(item_schema: dict, n: int) -> dict:
    """The schema sent with a request: an object whose `items` are `n` drafts of `item_schema`."""
    items = {"type": "array", "items": item_schema, "minItems": n, "maxItems": n}
    return {"type": "object", "properties": {"items": items}, "required": ["items"]}


def cell_requests(spec: Spec, cells: list[Cell], count: int) -> list[tuple[Cell, int, int, Request]]:
    """(cell, chunk, drafts asked, request) for every request of the run: `count` drafts per cell, at most
    `per_request` in one; the seed (and so the cache key) differs per cell and chunk."""
    out = []
    for cell in cells:
        for chunk in range(math.ceil(count / spec.per_request)):
            n = min(spec.per_request, count - chunk * spec.per_request)
            prompt = spec.prompt.format(**cell.context, n=n)
            seed = int(hashlib.sha256(f"{cell.name}#{chunk}".encode()).hexdigest()[:8], 16) % 2**31
            out.append((cell, chunk, n, Request(prompt, envelope(spec.item_schema, n), spec.temperature, seed)))
    return out


def draft_id(cell: Cell, chunk: int, k: int) -> str:
    return f"{re.sub(r'[^A-Za-z0-9]+', '-', cell.name)}-r{chunk}-{k}"


def check_run_folder(out: Path, spec: Spec, backend_name: str, blind_name: str) -> None:
    """Raise RunFolderError (before any backend is built) when `out` holds a run of another spec or backend."""
    path = Path(out) / RUN_FILE
    if not path.exists():
        return
    old = json.loads(path.read_text(encoding="utf-8"))
    mine = {"spec_sha256": spec.digest, "backend": backend_name, "blind_backend": blind_name}
    differ = [k for k, v in mine.items() if old.get(k) != v]
    if differ:
        raise RunFolderError(
            f"{out} holds a run of {old.get('backend')} (blind: {old.get('blind_backend')}) with spec "
            f"{old.get('spec')} ({', '.join(differ)} differ); use another --out"
        )


def claim_folder(out: Path, spec: Spec, backend: Backend, blind: Backend) -> None:
    """Record who this run folder belongs to (one spec, one generator, one blind annotator), or refuse."""
    check_run_folder(out, spec, backend.name, blind.name)
    if not (Path(out) / RUN_FILE).exists():
        info = {"spec": str(spec.path), "spec_sha256": spec.digest, "bank": spec.bank, "backend": backend.name,
                "blind_backend": blind.name}  # fmt: skip
        write_json(Path(out) / RUN_FILE, info)


def _drafts(spec: Spec, asked: list[tuple[Cell, int, int, Request]], client: Client) -> tuple[list, list[str]]:
    """[(row, drafted fields, cell)] of every answer, and the requests that never gave a usable answer."""
    drafts, failed = [], []
    for cell, chunk, n, request in tqdm(asked, desc="generating", unit="request"):
        try:
            value = client.ask_json(request, accept=ENVELOPE)
        except InvalidOutput as e:
            failed.append(f"{cell.name} request {chunk}: {e}")
            continue
        for k, item in enumerate(value["items"][:n]):
            drafted = item if isinstance(item, dict) else {"value": item}
            # the pipeline's id and cell fields win: a draft cannot claim another cell or another draft's id
            row = {**drafted, "id": draft_id(cell, chunk, k), **{f: cell.context[f] for f in spec.row_fields}}
            drafts.append((row, drafted, cell))
    return drafts, failed


def _cue_summary(target: Bank, accepted: list[dict], category: str) -> dict | None:
    """The pooled form cues of the accepted drafts (culturebench.formcues), None below two items."""
    if len(accepted) < 2:
        return None
    report = form_cues(accepted, category, target.pole)[POOLED]
    keys = ("n_items", "accuracy", "baseline_p95", "status_quo_pole", "status_quo_other", "pole_longer", "ties")
    return {k: report[k] for k in keys}


def run_generation(
    spec: Spec,
    client: Client,
    blind_client: Client,
    out: Path,
    cells: list[str] | None = None,
    count: int | None = None,
    batch: bool = False,
) -> dict:
    """Draft, check and label the selected cells of `spec` into `out`; returns the report (also report.json)."""
    out = Path(out)
    target = spec_bank(spec)
    chosen = spec.select(cells)
    claim_folder(out, spec, client.backend, blind_client.backend)
    asked = cell_requests(spec, chosen, count or spec.count)
    if batch:
        client.prefetch([r for *_, r in asked])
    drafts, failed = _drafts(spec, asked, client)
    shipped = {i["id"]: text_of(i) for items in target.items().values() for i in items}
    accepted, rejections = check_drafts([(r, d) for r, d, _ in drafts], spec.item_schema, target.validate,
                                        spec.checks, shipped)  # fmt: skip
    context = {r["id"]: c.context for r, _, c in drafts}
    labels, blind_rejections = label_drafts([(r, context[r["id"]]) for r in accepted], spec.blind_prompt,
                                            blind_client, target.pole, f"{spec.digest}-blind", batch)  # fmt: skip
    rejections += blind_rejections
    dropped = {r.id for r in rejections}
    accepted = [r for r in accepted if r["id"] not in dropped]
    rows = {r["id"]: r for r, _, _ in drafts}
    cell_of = {r["id"]: c.name for r, _, c in drafts}
    write_jsonl(out / "drafts.jsonl", [{**r, "cell": cell_of[r["id"]]} for r, _, _ in drafts])
    write_jsonl(out / "rejected.jsonl", [{**asdict(x), "row": rows[x.id]} for x in rejections])
    write_jsonl(out / "accepted.jsonl", accepted)
    write_jsonl(out / "blind_labels.jsonl", list(labels.values()))
    agreed = sum(lab["agree"] for lab in labels.values())
    report = {
        "spec": str(spec.path), "bank": spec.bank, "backend": client.backend.name,
        "blind_backend": blind_client.backend.name, "cells": [c.name for c in chosen],
        "requests": len(asked), "failed_requests": failed, "drafts": len(drafts), "accepted": len(accepted),
        "rejected": dict(Counter(x.rule for x in rejections)),
        "accepted_per_cell": dict(Counter(cell_of[r["id"]] for r in accepted)),
        "blind": {"labelled": len(labels), "agreed": agreed,
                  "flagged": {x.id: x.reason for x in blind_rejections}},
        "form_cues": _cue_summary(target, accepted, target.schema.category),
        "calls": {"generation_paid": client.paid, "generation_cached": client.cached,
                  "blind_paid": blind_client.paid, "blind_cached": blind_client.cached},
    }  # fmt: skip
    write_json(out / "report.json", report)
    write_text(out / "report.md", report_markdown(report, rejections))
    return report


def report_markdown(report: dict, rejections: list[Rejection]) -> str:
    """The run report for a reviewer: counts, blind agreement, and every rejection with its reason."""
    blind = report["blind"]
    lines = [
        f"# Generation run: {report['bank']}",
        "",
        f"Spec `{report['spec']}`, generator `{report['backend']}`, blind annotator `{report['blind_backend']}`.",
        f"Cells: {', '.join(report['cells'])}. Requests {report['requests']}, drafts {report['drafts']}, "
        f"accepted {report['accepted']}.",
        "",
        f"Blind pass: the annotator agreed with the drafted pole on {blind['agreed']}/{blind['labelled']} drafts.",
        "",
        "| rule | rejected |",
        "|---|---|",
        *(f"| {rule} | {report['rejected'].get(rule, 0)} |" for rule in (*RULES, "blind")),
        "",
        "## Rejected drafts",
        "",
        *(f"- `{x.id}` ({x.rule}): {x.reason}" for x in rejections),
    ]
    if report["failed_requests"]:
        lines += ["", "## Requests without a usable answer", "", *(f"- {f}" for f in report["failed_requests"])]
    return "\n".join(lines) + "\n"


def read_rows(path: Path) -> list[dict]:
    """Rows of one of the run's JSON Lines files."""
    return [row for _, row in read_jsonl(Path(path))]
