"""The blind second pass of the item banks, shared by the builders in `generation/`.

A second annotator who did not write the items labels them from a blind file that hides what they
must recover (the poles of a dilemma's options, or an item's construct), so the authors' labels can
be checked. Items the annotator flags are revised and labelled blind again in later rounds
(NAME_blind_rN.jsonl -> NAME_labels_rN.jsonl); the latest label of an item counts. Keeping the file
layout, label reading and agreement counting here means every bank's card reports the same numbers
in the same way.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from pathlib import Path

from culturebench.jsonl import read_jsonl

LABEL_FIELDS: tuple[str, ...] = ("confidence", "note")  # what every annotator writes besides the answer
DILEMMA_LABEL_FIELDS: tuple[str, ...] = (*LABEL_FIELDS, "balanced")  # a dilemma's options may also be uneven
FIRST_REVISION_ROUND = 2  # a review.json revision without a round was labelled again in round 2


class LabelError(ValueError):
    """A malformed label file; the message names the file and line."""


def blind_id(item_id: str) -> str:
    """Opaque, stable code for an item, so ids that name the construct (sc-ind-08) give nothing away."""
    return "x" + hashlib.sha256(f"culturebench-blind-{item_id}".encode()).hexdigest()[:8]


def opaque_rows(rows: Iterable[tuple[str, dict]], seed: str) -> list[dict]:
    """(id, shown fields) pairs as rows keyed by blind id, shuffled by `seed` so file order hints nothing."""
    out = [{"blind_id": blind_id(item_id), **shown} for item_id, shown in rows]
    random.Random(seed).shuffle(out)
    return out


def dilemma_rows(items: Iterable[dict], seed: str, fields: tuple[str, ...]) -> list[dict]:
    """Dilemmas with `fields` and their two option texts as option_1/option_2, poles dropped.

    The options of each item are swapped at random (seeded, so a rebuilt blind file is identical),
    so the authored order does not tell which option is which pole.
    """
    rng = random.Random(seed)
    rows = []
    for item in items:
        texts = [o["text"] for o in item["options"]]
        if rng.random() < 0.5:
            texts.reverse()
        rows.append({**{k: item[k] for k in fields}, "option_1": texts[0], "option_2": texts[1]})
    return rows


def round_suffix(round_: int) -> str:
    """File-name suffix of a labelling round: none for the first pass, `_rN` after."""
    return "" if round_ == 1 else f"_r{round_}"


def blind_path(folder: Path, name: str, round_: int = 1) -> Path:
    """The blind file of `name` (a dimension, map item or bank) for one round."""
    return Path(folder) / f"{name}_blind{round_suffix(round_)}.jsonl"


def labels_path(folder: Path, name: str, round_: int = 1) -> Path:
    """The annotator's label file of `name` for one round."""
    return Path(folder) / f"{name}_labels{round_suffix(round_)}.jsonl"


def read_labels(
    folder: Path,
    name: str,
    round_: int = 1,
    *,
    key: str = "id",
    fields: tuple[str, ...] = LABEL_FIELDS,
    option: str | None = None,
) -> dict[str, dict]:
    """{item key: label} of one round, in file order.

    Each label must hold `key` and `fields`. With `option` (the label field naming the chosen option,
    1 or 2), each label also gets `chosen`: that option's text in the round's blind file, since the
    option number alone means nothing once the blind file shuffled the options.
    """
    path = labels_path(folder, name, round_)
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: no blind labels yet (write the blind file and have a second annotator label it)"
        )
    shown = {}
    if option is not None:
        shown = {row[key]: row for _, row in read_jsonl(blind_path(folder, name, round_), LabelError)}
    labels: dict[str, dict] = {}
    for line, lab in read_jsonl(path, LabelError):
        where = f"{path}:{line}"
        if not isinstance(lab, dict):
            raise LabelError(f"{where}: expected a JSON object, got {type(lab).__name__}")
        missing = [f for f in (key, *fields, *([option] if option else [])) if f not in lab]
        if missing:
            raise LabelError(f"{where}: missing fields {missing}")
        if lab[key] in labels:
            raise LabelError(f"{where}: {key} {lab[key]!r} is labelled twice")
        if option is not None:
            if lab[key] not in shown:
                raise LabelError(f"{where}: {key} {lab[key]!r} is not in {blind_path(folder, name, round_)}")
            if lab[option] not in (1, 2):
                raise LabelError(f"{where}: field {option!r} is {lab[option]!r}, not 1 or 2")
            lab = {**lab, "chosen": shown[lab[key]][f"option_{lab[option]}"]}
        labels[lab[key]] = lab
    return labels


def latest_labels(folder: Path, name: str, last_round: int, **kwargs) -> tuple[dict[str, dict], dict[str, dict]]:
    """(first-pass labels, latest label of each item) over rounds 1..last_round; `kwargs` go to read_labels.

    A revised item's label from a later round replaces its earlier one (keeping the first-pass
    order); a round with no label file yet is skipped, but the first pass must exist.
    """
    first = read_labels(folder, name, **kwargs)
    final = dict(first)
    for round_ in range(2, last_round + 1):
        if labels_path(folder, name, round_).exists():
            final |= read_labels(folder, name, round_, **kwargs)
    return first, final


def check_coverage(labels: dict[str, dict], keys: Iterable[str], name: str) -> None:
    """Raise unless the labels are of exactly these items: an unlabelled or stray item would skew agreement."""
    if set(labels) != set(keys):
        raise ValueError(f"blind labels of {name} do not cover exactly the authored items")


def unblind(labels: dict[str, dict], items: Iterable[dict]) -> dict[str, dict]:
    """Labels keyed by blind id, re-keyed by item id, in the items' order."""
    return {i["id"]: labels[blind_id(i["id"])] for i in items}


def pole_text(item: dict, pole: str) -> str:
    """Text of the option the authors wrote for `pole`."""
    return next(o["text"] for o in item["options"] if o["pole"] == pole)


def pole_agreement(items: Iterable[dict], labels: dict[str, dict], pole: str) -> dict[str, bool]:
    """{id: the annotator chose the authors' `pole` option}, in label order (labels from read_labels with `option`).

    Compared by text, not option number, because the blind file swapped the options.
    """
    by_id = {i["id"]: i for i in items}
    return {i: lab["chosen"] == pole_text(by_id[i], pole) for i, lab in labels.items()}


def field_agreement(
    items: Iterable[dict], labels: dict[str, dict], fields: tuple[str, ...]
) -> dict[str, dict[str, bool]]:
    """{id: {field: the label recovers the authored value, ..., "all": every field does}}, in item order."""
    out = {}
    for item in items:
        ok = {f: labels[item["id"]][f] == item[f] for f in fields}
        out[item["id"]] = {**ok, "all": all(ok.values())}
    return out


def count_agreement(per_item: dict[str, dict[str, bool]], fields: tuple[str, ...]) -> dict[str, int]:
    """Per field (and "all"), how many of field_agreement's items agree."""
    return {f: sum(ok[f] for ok in per_item.values()) for f in (*fields, "all")}


def flagged(labels: dict[str, dict]) -> dict[str, str]:
    """{id: note} of the labels marked unsure or unbalanced, in label order: the items to look at again."""
    return {i: lab["note"] for i, lab in labels.items() if lab["confidence"] != "sure" or not lab.get("balanced", True)}


def revision_round(entry: dict) -> int:
    """The blind round a review.json revision was labelled in."""
    return entry.get("round", FIRST_REVISION_ROUND)


def revised_in_round(review: dict, round_: int) -> set[str]:
    """Ids review.json lists as revised for blind round `round_`: the rows of that round's blind file."""
    return {r["id"] for r in review["revised"] if revision_round(r) == round_}
