"""Builds hf_datasets/wvs_dilemmas from the authored dilemmas, the blind second pass and the direct questions.

    python generation/wvs/build_dataset.py blind CODE   # blind/CODE_blind.jsonl for an annotator
    python generation/wvs/build_dataset.py build        # data/{steer,eval,direct}.jsonl, annotations, card

items/CODE.jsonl: authored dilemmas (60 per map item, 20 per domain); blind/CODE_labels.jsonl: the
second annotator's labels. Items the annotator flagged (unsure, unbalanced, or a different pole) are
revised in place and labelled blind again by a fresh annotator (blind/CODE_blind_r2.jsonl ->
blind/CODE_labels_r2.jsonl; an item still flagged gets a third round, `blind2 CODE --round 3`);
review.json lists each revision and why, and any item removed. The split is stratified: within
each item and domain, every other dilemma (in a seeded random order) goes to `steer`, the rest to
`eval`. Rerunning is idempotent.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from culturebench.benchmarks.wvs.documents import WVS_DOMAINS, WVS_SCHEMA
from culturebench.benchmarks.wvs.map import AXIS_ITEMS, ITEMS
from culturebench.blind import (
    DILEMMA_LABEL_FIELDS,
    blind_path,
    check_coverage,
    dilemma_rows,
    flagged,
    labels_path,
    latest_labels,
    pole_agreement,
    revised_in_round,
    revision_round,
    round_suffix,
)
from culturebench.cards import (
    agreement_summary,
    agreement_table,
    category_stats,
    form_cue_table,
    id_list,
    write_stats_block,
)
from culturebench.files import write_text
from culturebench.formcues import MEANING_WORDS_FILE, form_cues, load_meaning_words
from culturebench.items import ItemError, load_items, near_duplicates, validate_dilemma
from culturebench.jsonl import write_jsonl
from culturebench.resources import dataset_dir

HERE = Path(__file__).resolve().parent
BLIND = HERE / "blind"
LAST_ROUND = 4  # first pass, then a round per revision
AXIS_OF = {i: a for a, items in AXIS_ITEMS.items() for i in items}


def _authored(code: str) -> list[dict]:
    """Validated authored rows with the axis added (writers give the item; the axis follows from it).

    A row must be of its file's map item: the stats, split and blind files are all per file.
    """
    path = HERE / "items" / f"{code}.jsonl"

    def validate(row: object, where: str) -> dict:
        item = validate_dilemma({**row, "axis": AXIS_OF[code]} if isinstance(row, dict) else row, where, WVS_SCHEMA)
        if item["item"] != code:
            raise ItemError(f"{where} (id {item['id']!r}): field 'item' is {item['item']!r}, but the file is {code}'s")
        return item

    return load_items([path], validate)


def _review() -> dict:
    return json.loads((HERE / "review.json").read_text())


def _labels(code: str) -> tuple[dict[str, dict], dict[str, dict]]:
    """First-pass and latest {id: label + the text of the option the annotator chose} of one map item."""
    return latest_labels(BLIND, code, LAST_ROUND, fields=DILEMMA_LABEL_FIELDS, option="positive_option")


def make_blind(code: str, round_: int = 1) -> Path:
    """Blind file of one map item (for a later round, of its items revised for that round only)."""
    items = _authored(code)
    if round_ > 1:
        revised = revised_in_round(_review(), round_)
        items = [i for i in items if i["id"] in revised]
    rows = dilemma_rows(items, f"blind-{code}{round_suffix(round_)}", ("id", "item", "scenario", "question"))
    return write_jsonl(blind_path(BLIND, code, round_), rows)


def first_pass() -> dict:
    """Freeze the first-round agreement and flags of every labelled map item into review.json."""
    path = HERE / "review.json"
    review = _review()
    for code in ITEMS:
        if not labels_path(BLIND, code).exists():
            continue
        labels = _labels(code)[0]
        agree = pole_agreement(_authored(code), labels, "positive")
        review["first_pass"][code] = {"total": len(labels), "disagreed": [i for i, ok in agree.items() if not ok],
                                      "flagged": flagged(labels)}  # fmt: skip
    write_text(path, json.dumps(review, indent=2, ensure_ascii=False) + "\n")
    return review["first_pass"]


def build() -> dict:
    review = _review()
    removed = {r["id"]: r["reason"] for r in review["removed"]}
    revised = {r["id"]: r["reason"] for r in review["revised"]}
    target = dataset_dir("wvs_dilemmas")
    (target / "data").mkdir(exist_ok=True)
    (target / "annotations").mkdir(exist_ok=True)
    splits: dict[str, list[dict]] = {"steer": [], "eval": []}
    annotations, stats = [], {}
    for code in ITEMS:
        items = _authored(code)
        first = review["first_pass"][code]  # frozen before any revision (firstpass command)
        final = _labels(code)[1]
        check_coverage(final, (i["id"] for i in items), code)
        agree = pole_agreement(items, final, "positive")  # a revised item's latest label counts
        for item in items:
            lab = final[item["id"]]
            annotations.append({
                "id": item["id"], "item": code, "agree": agree[item["id"]],
                "agree_first_pass": item["id"] not in first["disagreed"],
                "confidence": lab["confidence"], "balanced": lab["balanced"], "note": lab["note"],
                "revised": revised.get(item["id"], ""), "removed": removed.get(item["id"], ""),
            })  # fmt: skip
        kept = [i for i in items if i["id"] not in removed]
        rng = random.Random(f"split-{code}")
        for domain in WVS_DOMAINS:
            cell = [i for i in kept if i["domain"] == domain]
            rng.shuffle(cell)
            half = len(cell) // 2
            splits["steer"] += cell[:half]
            splits["eval"] += cell[half:]
        first_agreed = first["total"] - len(first["disagreed"])
        stats[code] = category_stats(items, kept, (first_agreed, first["total"]), sum(agree[i["id"]] for i in kept))
    every = splits["steer"] + splits["eval"]
    dups = near_duplicates({i["id"]: f"{i['scenario']} {i['question']}" for i in every})
    if dups:
        raise ValueError(f"near-duplicate scenarios: {dups}")
    for split, rows in splits.items():
        rows.sort(key=lambda r: (ITEMS.index(r["item"]), r["id"]))
        fields = ("id", "item", "axis", "domain", "scenario", "question", "options")
        write_jsonl(target / "data" / f"{split}.jsonl", ({k: row[k] for k in fields} for row in rows))
    direct = json.loads((HERE / "direct_questions.json").read_text())["questions"]
    write_jsonl(target / "data" / "direct.jsonl", ({"component": "", **q} for q in direct))
    write_jsonl(target / "annotations" / "blind_pass.jsonl", annotations)
    meaning = load_meaning_words(HERE / "meaning_words.json")
    write_text(target / MEANING_WORDS_FILE, json.dumps(meaning, indent=2) + "\n")
    cues = form_cues(every, "item", "positive", meaning_words=meaning)
    _write_card_stats(target, stats, review, {s: len(r) for s, r in splits.items()}, cues)
    return stats


def _write_card_stats(target: Path, stats: dict, review: dict, sizes: dict[str, int], cues: dict) -> None:
    lines = agreement_table("item", stats, WVS_DOMAINS) + [
        "",
        f"Splits: steer {sizes['steer']}, eval {sizes['eval']}. {agreement_summary(stats)}",
        "",
        "Revised after the blind pass (flagged as unsure or unbalanced) and labelled blind again by a fresh "
        "annotator; the round is given where it took more than one:",
        "",
    ]
    lines += [f"- `{r['id']}`" + (f" (round {r['round']})" if revision_round(r) > 2 else "") + f": {r['reason']}"
              for r in review["revised"]] or ["- none"]  # fmt: skip
    lines += ["", "Removed after review:", ""]
    lines += id_list((r["id"], r["reason"]) for r in review["removed"])
    lines += ["", *form_cue_table("item", cues, "positive", "negative")]
    write_stats_block(target, lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("blind", help="write the blind file of one map item")
    b.add_argument("code", help="map item code, e.g. F063")
    sub.add_parser("firstpass", help="freeze first-round agreement and flags into review.json")
    r2 = sub.add_parser("blind2", help="blind file of the items of one map item revised in a later round")
    r2.add_argument("code", help="map item code, e.g. F063")
    rounds = range(2, LAST_ROUND + 1)
    r2.add_argument("--round", type=int, default=2, choices=rounds, help="revision round (review.json); default 2")
    sub.add_parser("build", help="assemble the dataset folder and its card statistics")
    args = parser.parse_args()
    if args.cmd == "blind":
        print(make_blind(args.code.upper()))
    elif args.cmd == "blind2":
        print(make_blind(args.code.upper(), args.round))
    elif args.cmd == "firstpass":
        print(json.dumps({c: len(v["disagreed"]) for c, v in first_pass().items()}))
    else:
        print(json.dumps(build(), indent=2))


if __name__ == "__main__":
    main()
