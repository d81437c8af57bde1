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
import json
from collections import Counter
from pathlib import Path

from culturebench.benchmarks.selfconcept.behavior import validate_behavior_item
from culturebench.benchmarks.selfconcept.selfreport import validate_likert_item
from culturebench.blind import (
    LABEL_FIELDS,
    blind_id,
    blind_path,
    check_coverage,
    count_agreement,
    field_agreement,
    flagged,
    latest_labels,
    opaque_rows,
    read_labels,
    revised_in_round,
    unblind,
)
from culturebench.cards import id_list, ratio, write_stats_block
from culturebench.files import write_text
from culturebench.items import load_items, near_duplicates
from culturebench.jsonl import write_jsonl
from culturebench.resources import dataset_dir

HERE = Path(__file__).resolve().parent
BLIND = HERE / "blind"
LAST_ROUND = 3  # first pass, then a round per revision
BANKS = ("self_construal", "safety_selfreport", "safety_behavior", "face_negotiation")
# What the blind annotator must recover per bank (label field -> authored field or derived value).
RECOVER = {
    "self_construal": ("construct", "reverse_keyed"),
    "safety_selfreport": ("construct", "direction"),
    "safety_behavior": ("construct",),
    "face_negotiation": ("challenge",),
}


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


def make_blind(bank: str, round_: int = 1) -> Path:
    """Blind file of one bank (for a later round, of its items revised for that round only); for
    face_negotiation's first pass also the blind file of the categories' worked examples."""
    items = authored(bank)
    if round_ == 1:
        seed = f"blind-{bank}"
    else:
        revised = revised_in_round(_review(), round_)
        items, seed = [i for i in items if i["id"] in revised], f"blind{round_}-{bank}"
    out = write_jsonl(blind_path(BLIND, bank, round_), opaque_rows(((i["id"], _shown(i, bank)) for i in items), seed))
    if bank == "face_negotiation" and round_ == 1:
        by_id = {i["id"]: i for i in items}
        examples = [(f"{kind}:{name}", {"kind": kind, "turns": by_id[cat["example"]["scenario_id"]]["turns"],
                                        "reply": cat["example"]["reply"]})
                    for kind, cats in _categories().items() for name, cat in cats.items()]  # fmt: skip
        write_jsonl(blind_path(BLIND, "face_examples"), opaque_rows(examples, "blind-face-examples"))
    return out


def _categories() -> dict:
    return json.loads((HERE / "face_categories.json").read_text(encoding="utf-8"))


def _review() -> dict:
    return json.loads((HERE / "review.json").read_text(encoding="utf-8"))


def agreement(bank: str, items: list[dict]) -> tuple[dict[str, tuple[int, int, int]], list[dict]]:
    """Per recovered field (and all together): (first-pass agreements, final agreements, items), where a
    revised item's latest label replaces its first; plus one annotation row per item."""
    fields = RECOVER[bank]
    first, final = latest_labels(BLIND, bank, LAST_ROUND, key="blind_id", fields=(*fields, *LABEL_FIELDS))
    check_coverage(first, (blind_id(i["id"]) for i in items), bank)
    final = unblind(final, items)
    agree = field_agreement(items, final, fields)
    hits_first = count_agreement(field_agreement(items, unblind(first, items), fields), fields)
    hits_final = count_agreement(agree, fields)
    revised = {r["id"]: r["reason"] for r in _review()["revised"]}
    rows = [{"id": i, **{f"blind_{f}": lab[f] for f in fields}, "agree": agree[i]["all"],
             "confidence": lab["confidence"], "note": lab["note"], "revised": revised.get(i, "")}
            for i, lab in final.items()]  # fmt: skip
    return {f: (hits_first[f], hits_final[f], len(items)) for f in hits_first}, rows


def example_agreement() -> tuple[int, int, list[dict]]:
    """How many worked examples of the face categories a blind annotator assigns to their own category."""
    labels = read_labels(BLIND, "face_examples", key="blind_id", fields=("category", *LABEL_FIELDS))
    rows, hits = [], 0
    for kind, cats in _categories().items():
        for name in cats:
            lab = labels[blind_id(f"{kind}:{name}")]
            hits += lab["category"] == name
            rows.append({"kind": kind, "category": name, "blind_category": lab["category"], "note": lab["note"]})
    return hits, len(rows), rows


def _disagreement(row: dict) -> str:
    """What the annotator chose instead, for the card's list of disagreements."""
    chose = ", ".join(f"{k[6:]}={row[k]}" for k in row if k.startswith("blind_"))
    return f"annotator chose {chose}" + (f" ({row['note']})" if row["note"] else "")


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
        write_jsonl(target / "data" / "test.jsonl", items)
        write_jsonl(target / "annotations" / "blind_pass.jsonl", annotations)
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
        lines += [f"| {f} | {ratio(a, t)} | {ratio(b, t)} |" for f, (a, b, t) in counts.items()]
        lines += ["", "Revised after the first pass and labelled blind again by a fresh annotator:", ""]
        lines += id_list((a["id"], a["revised"]) for a in annotations if a["revised"])
        lines += ["", "Labelled as the authors did, but marked unsure by the latest annotator:", ""]
        lines += id_list(flagged({a["id"]: a for a in annotations if a["agree"]}).items())
        lines += ["", "Disagreements:", ""]
        lines += id_list((a["id"], _disagreement(a)) for a in annotations if not a["agree"])
        if bank == "face_negotiation":
            hits, total, rows = example_agreement()
            write_jsonl(target / "annotations" / "category_examples_blind.jsonl", rows)
            write_text(
                target / "data" / "categories.json", json.dumps(_categories(), indent=2, ensure_ascii=False) + "\n"
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
    b2.add_argument(
        "--round", type=int, default=2, choices=range(2, LAST_ROUND + 1), help="revision round (review.json); default 2"
    )
    sub.add_parser("build", help="assemble the dataset folders and their card statistics")
    args = parser.parse_args()
    if args.cmd == "blind":
        print(make_blind(args.bank))
    elif args.cmd == "blind2":
        print(make_blind(args.bank, args.round))
    else:
        print(json.dumps(build(), indent=2))


if __name__ == "__main__":
    main()
