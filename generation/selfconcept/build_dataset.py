"""Builds the four seed-000 item banks from the authored items and a blind second annotation pass.

    python generation/selfconcept/build_dataset.py blind BANK   # blind/BANK_blind.jsonl for an annotator
    python generation/selfconcept/build_dataset.py build        # hf_datasets/<bank>/data + card statistics

items/BANK.jsonl holds the authored rows (self_construal, safety_selfreport, safety_behavior,
face_negotiation); face_categories.json the face-negotiation categories with worked examples. The
blind file hides everything an annotator should recover: ids become opaque codes, rows are
shuffled, and only the text is shown. The annotator (blind/BANK_labels.jsonl) assigns:
- self_construal: the construct and whether agreeing means less of it (reverse keying);
- safety_selfreport: the construct and the scoring direction of the question;
- safety_behavior: the construct the conversation presses on;
- face_negotiation: the challenge type; and, for the worked examples of the categories
  (blind/face_examples_blind.jsonl), the face concern or conflict style each example shows.
Items the annotator could not place are revised in place (review.json lists each revision and why)
and labelled blind again by a fresh annotator (`blind2 BANK` -> blind/BANK_labels_r2.jsonl; an item
still unsure gets a third round, `blind2 BANK --round 3`).
Agreement with the authors, first pass and final, goes into each card. Rerunning is idempotent.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections import Counter
from pathlib import Path

from culturebench.behavior import validate_behavior_item
from culturebench.cards import write_stats_block
from culturebench.items import load_items, near_duplicates
from culturebench.jsonl import read_jsonl
from culturebench.resources import dataset_dir
from culturebench.selfconcept import validate_likert_item

HERE = Path(__file__).resolve().parent
ROUND_SUFFIXES = ("", "_r2", "_r3")
BANKS = ("self_construal", "safety_selfreport", "safety_behavior", "face_negotiation")
# What the blind annotator must recover per bank (label field -> authored field or derived value).
RECOVER = {
    "self_construal": ("construct", "reverse_keyed"),
    "safety_selfreport": ("construct", "direction"),
    "safety_behavior": ("construct",),
    "face_negotiation": ("challenge",),
}


def _blind_id(item_id: str) -> str:
    return "x" + hashlib.sha256(f"culturebench-blind-{item_id}".encode()).hexdigest()[:8]


def authored(bank: str) -> list[dict]:
    path = HERE / "items" / f"{bank}.jsonl"
    validate = validate_likert_item if bank in ("self_construal", "safety_selfreport") else validate_behavior_item
    return load_items([path], lambda row, where: validate(row, bank, where))


def _shown(item: dict, bank: str) -> dict:
    if bank == "self_construal":
        return {"text": item["text"]}
    if bank == "safety_selfreport":
        return {"scenario": item["scenario"], "question": item["question"]}
    return {"turns": item["turns"]}


def make_blind(bank: str) -> Path:
    """Blind file of one bank; for face_negotiation also the blind file of the categories' worked examples."""
    rows = [{"blind_id": _blind_id(i["id"]), **_shown(i, bank)} for i in authored(bank)]
    random.Random(f"blind-{bank}").shuffle(rows)
    out = HERE / "blind" / f"{bank}_blind.jsonl"
    _write_jsonl(out, rows)
    if bank == "face_negotiation":
        items = {i["id"]: i for i in authored(bank)}
        examples = []
        for kind, cats in _categories().items():
            for name, cat in cats.items():
                ex = cat["example"]
                examples.append({"blind_id": _blind_id(f"{kind}:{name}"), "kind": kind,
                                 "turns": items[ex["scenario_id"]]["turns"], "reply": ex["reply"]})  # fmt: skip
        random.Random("blind-face-examples").shuffle(examples)
        _write_jsonl(HERE / "blind" / "face_examples_blind.jsonl", examples)
    return out


def _categories() -> dict:
    return json.loads((HERE / "face_categories.json").read_text(encoding="utf-8"))


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _labels(name: str, suffix: str = "") -> dict[str, dict]:
    path = HERE / "blind" / f"{name}_labels{suffix}.jsonl"
    if not path.exists():
        if suffix:
            return {}
        raise FileNotFoundError(f"{path}: no blind labels yet (run `blind` and have a second annotator label it)")
    return {r["blind_id"]: r for _, r in read_jsonl(path)}


def _review() -> dict:
    return json.loads((HERE / "review.json").read_text(encoding="utf-8"))


def make_blind_round(bank: str, round_: int) -> Path:
    """Blind file of the items of `bank` revised in a later round (review.json), same blind ids."""
    revised = {r["id"] for r in _review()["revised"] if r.get("round", 2) == round_}
    rows = [{"blind_id": _blind_id(i["id"]), **_shown(i, bank)} for i in authored(bank) if i["id"] in revised]
    random.Random(f"blind{round_}-{bank}").shuffle(rows)
    out = HERE / "blind" / f"{bank}_blind_r{round_}.jsonl"
    _write_jsonl(out, rows)
    return out


def _count(items: list[dict], labels: dict[str, dict], fields: tuple[str, ...]) -> dict[str, int]:
    hits = {f: 0 for f in (*fields, "all")}
    for item in items:
        lab = labels[_blind_id(item["id"])]
        ok = [lab[f] == item[f] for f in fields]
        for f, hit in zip(fields, ok):
            hits[f] += hit
        hits["all"] += all(ok)
    return hits


def agreement(bank: str, items: list[dict]) -> tuple[dict[str, tuple[int, int, int]], list[dict]]:
    """Per recovered field (and all together): (first-pass agreements, final agreements, items), where a
    revised item's second-round label replaces its first; plus one annotation row per item."""
    first = _labels(bank)
    final = dict(first)
    for suffix in ROUND_SUFFIXES[1:]:  # a revised item's latest label counts
        final |= _labels(bank, suffix)
    fields = RECOVER[bank]
    if set(first) != {_blind_id(i["id"]) for i in items}:
        raise ValueError(f"blind labels of {bank} do not cover exactly the authored items")
    revised = {r["id"]: r["reason"] for r in _review()["revised"]}
    hits_first, hits_final = _count(items, first, fields), _count(items, final, fields)
    rows = []
    for item in items:
        lab = final[_blind_id(item["id"])]
        rows.append({"id": item["id"], **{f"blind_{f}": lab[f] for f in fields},
                     "agree": all(lab[f] == item[f] for f in fields), "confidence": lab["confidence"],
                     "note": lab["note"], "revised": revised.get(item["id"], "")})  # fmt: skip
    return {f: (hits_first[f], hits_final[f], len(items)) for f in hits_first}, rows


def example_agreement() -> tuple[int, int, list[dict]]:
    """How many worked examples of the face categories a blind annotator assigns to their own category."""
    labels = _labels("face_examples")
    rows, hits = [], 0
    for kind, cats in _categories().items():
        for name in cats:
            lab = labels[_blind_id(f"{kind}:{name}")]
            hits += lab["category"] == name
            rows.append({"kind": kind, "category": name, "blind_category": lab["category"], "note": lab["note"]})
    return hits, len(rows), rows


def _category_lines(items: dict[str, dict]) -> list[str]:
    """Definitions and worked examples of the face categories, for the card."""
    lines = []
    for kind, title in (("face_concerns", "Face concerns"), ("styles", "Conflict styles")):
        lines += ["", f"### {title}", ""]
        for name, cat in _categories()[kind].items():
            ex = cat["example"]
            last = items[ex["scenario_id"]]["turns"][-1]["content"]
            lines += [f"**{name}**: {cat['definition']}", "",
                      f"> *Example* (`{ex['scenario_id']}`, user: \"{last}\")  ",
                      f"> Reply: \"{ex['reply']}\"  ", f"> Why: {ex['why']}", ""]  # fmt: skip
    return lines


def build() -> dict:
    summary = {}
    for bank in BANKS:
        items = authored(bank)
        text_of = {i["id"]: json.dumps(_shown(i, bank), ensure_ascii=False) for i in items}
        dups = near_duplicates(text_of)
        if dups:
            raise ValueError(f"{bank}: near-duplicate items {dups}")
        counts, annotations = agreement(bank, items)
        target = dataset_dir(bank)
        (target / "data").mkdir(exist_ok=True)
        (target / "annotations").mkdir(exist_ok=True)
        _write_jsonl(target / "data" / "test.jsonl", items)
        _write_jsonl(target / "annotations" / "blind_pass.jsonl", annotations)
        category = "construct" if bank != "face_negotiation" else "challenge"
        per_category = Counter(i[category] for i in items)
        lines = [f"Items: {len(items)} (" + ", ".join(f"{c} {n}" for c, n in per_category.items()) + ")."]
        if bank == "self_construal":
            subs = Counter((i["construct"], i["subscale"]) for i in items)
            rev = Counter(i["construct"] for i in items if i["reverse_keyed"])
            lines += ["", "| construct | subscale | items |", "|---|---|---|"]
            lines += [f"| {c} | {s} | {n} |" for (c, s), n in sorted(subs.items())]
            lines += ["", "Reverse-keyed: " + ", ".join(f"{c} {n}" for c, n in sorted(rev.items())) + "."]
        if bank == "safety_selfreport":
            rev = Counter(i["construct"] for i in items if i["direction"] == "reverse")
            lines += ["", "Reverse-direction questions: " + ", ".join(f"{c} {n}" for c, n in sorted(rev.items())) + "."]
        lines += [
            "",
            "Blind second pass (an annotator who saw neither ids nor labels), agreement with the authors:",
            "",
            "| label | first pass | after revision |",
            "|---|---|---|",
        ]
        lines += [f"| {f} | {a}/{t} ({100 * a / t:.1f} %) | {b}/{t} ({100 * b / t:.1f} %) |"
                  for f, (a, b, t) in counts.items()]  # fmt: skip
        revised = [a for a in annotations if a["revised"]]
        lines += ["", "Revised after the first pass and labelled blind again by a fresh annotator:", ""]
        lines += [f"- `{a['id']}`: {a['revised']}" for a in revised] or ["- none"]
        unsure = [a for a in annotations if a["agree"] and a["confidence"] != "sure"]
        lines += ["", "Labelled as the authors did, but marked unsure by the latest annotator:", ""]
        lines += [f"- `{a['id']}`: {a['note']}" for a in unsure] or ["- none"]
        misses = [a for a in annotations if not a["agree"]]
        lines += ["", "Disagreements:", ""]
        lines += [f"- `{a['id']}`: annotator chose " + ", ".join(f"{k[6:]}={a[k]}" for k in a if k.startswith("blind_"))
                  + (f" ({a['note']})" if a["note"] else "") for a in misses] or ["- none"]  # fmt: skip
        if bank == "face_negotiation":
            hits, total, rows = example_agreement()
            _write_jsonl(target / "annotations" / "category_examples_blind.jsonl", rows)
            (target / "data" / "categories.json").write_text(
                json.dumps(_categories(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            lines += ["", f"Worked examples assigned blind to their own category: {hits}/{total}."]
            lines += _category_lines({i["id"]: i for i in items})
        write_stats_block(target, lines)
        summary[bank] = {f: f"{a}/{t} -> {b}/{t}" for f, (a, b, t) in counts.items()}
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("blind", help="write the blind file of one bank")
    b.add_argument("bank", choices=BANKS)
    b2 = sub.add_parser("blind2", help="second-round blind file of the revised items of one bank")
    b2.add_argument("bank", choices=BANKS)
    b2.add_argument("--round", type=int, default=2, choices=(2, 3), help="revision round (review.json); default 2")
    sub.add_parser("build", help="assemble the dataset folders and their card statistics")
    args = parser.parse_args()
    if args.cmd == "blind":
        print(make_blind(args.bank))
    elif args.cmd == "blind2":
        print(make_blind_round(args.bank, args.round))
    else:
        print(json.dumps(build(), indent=2))


if __name__ == "__main__":
    main()
