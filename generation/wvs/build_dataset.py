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
from collections import Counter
from pathlib import Path

from culturebench.cards import agreement_table, agreement_totals, write_stats_block
from culturebench.items import ItemError, near_duplicates, validate_dilemma
from culturebench.jsonl import read_jsonl
from culturebench.resources import dataset_dir
from culturebench.wvs import WVS_DOMAINS, WVS_SCHEMA
from culturebench.wvs_map import AXIS_ITEMS, ITEMS

HERE = Path(__file__).resolve().parent
ROUND_SUFFIXES = ("", "_r2", "_r3", "_r4")  # first pass, then a round per revision
AXIS_OF = {i: a for a, items in AXIS_ITEMS.items() for i in items}


def _authored(code: str) -> list[dict]:
    """Validated authored rows with the axis added (writers give the item; the axis follows from it)."""
    path = HERE / "items" / f"{code}.jsonl"
    return [validate_dilemma({**row, "axis": AXIS_OF[code]}, f"{path}:{line}", WVS_SCHEMA)
            for line, row in read_jsonl(path, ItemError)]  # fmt: skip


def make_blind(code: str, only: set[str] | None = None, suffix: str = "") -> Path:
    """Blind file of one map item (or of the listed ids only, for a second round)."""
    rng = random.Random(f"blind-{code}{suffix}")
    out = HERE / "blind" / f"{code}_blind{suffix}.jsonl"
    with out.open("w", encoding="utf-8") as f:
        for item in _authored(code):
            if only is not None and item["id"] not in only:
                continue
            texts = [o["text"] for o in item["options"]]
            if rng.random() < 0.5:
                texts.reverse()
            row = {k: item[k] for k in ("id", "item", "scenario", "question")}
            f.write(json.dumps({**row, "option_1": texts[0], "option_2": texts[1]}, ensure_ascii=False) + "\n")
    return out


def _labelled(code: str, suffix: str) -> dict[str, dict]:
    """{id: label + the text of the option the annotator chose} of one labelling round (empty if none)."""
    labels_path = HERE / "blind" / f"{code}_labels{suffix}.jsonl"
    if not labels_path.exists():
        return {}
    blind = {r["id"]: r for _, r in read_jsonl(HERE / "blind" / f"{code}_blind{suffix}.jsonl")}
    return {r["id"]: {**r, "chosen": blind[r["id"]][f"option_{r['positive_option']}"]}
            for _, r in read_jsonl(labels_path)}  # fmt: skip


def first_pass() -> dict:
    """Freeze the first-round agreement and flags of every labelled map item into review.json."""
    path = HERE / "review.json"
    review = json.loads(path.read_text())
    for code in ITEMS:
        labels = _labelled(code, "")
        if not labels:
            continue
        items = {i["id"]: i for i in _authored(code)}
        disagreed = [
            i
            for i, lab in labels.items()
            if lab["chosen"] != next(o["text"] for o in items[i]["options"] if o["pole"] == "positive")
        ]
        flagged = [i for i, lab in labels.items() if lab["confidence"] != "sure" or not lab["balanced"]]
        review["first_pass"][code] = {"total": len(labels), "disagreed": disagreed,
                                      "flagged": {i: labels[i]["note"] for i in flagged}}  # fmt: skip
    path.write_text(json.dumps(review, indent=2, ensure_ascii=False) + "\n")
    return review["first_pass"]


def build() -> dict:
    review = json.loads((HERE / "review.json").read_text())
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
        final = {}  # a revised item's latest label counts
        for suffix in ROUND_SUFFIXES:
            final |= _labelled(code, suffix)
        if set(final) != {i["id"] for i in items}:
            raise ValueError(f"blind labels of {code} do not cover exactly the authored items")
        agree_kept = 0
        for item in items:
            writer = next(o["text"] for o in item["options"] if o["pole"] == "positive")
            lab = final[item["id"]]
            ok = lab["chosen"] == writer
            agree_kept += ok and item["id"] not in removed
            annotations.append({
                "id": item["id"], "item": code, "agree": ok, "agree_first_pass": item["id"] not in first["disagreed"],
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
        stats[code] = {
            "authored": len(items),
            "kept": len(kept),
            "agreement_first_pass": f"{first['total'] - len(first['disagreed'])}/{first['total']}",
            "agreement_kept": f"{agree_kept}/{len(kept)}",
            "domains": dict(Counter(i["domain"] for i in kept)),
        }
    every = splits["steer"] + splits["eval"]
    dups = near_duplicates({i["id"]: f"{i['scenario']} {i['question']}" for i in every})
    if dups:
        raise ValueError(f"near-duplicate scenarios: {dups}")
    for split, rows in splits.items():
        rows.sort(key=lambda r: (ITEMS.index(r["item"]), r["id"]))
        with (target / "data" / f"{split}.jsonl").open("w", encoding="utf-8") as f:
            for row in rows:
                ordered = {k: row[k] for k in ("id", "item", "axis", "domain", "scenario", "question", "options")}
                f.write(json.dumps(ordered, ensure_ascii=False) + "\n")
    direct = json.loads((HERE / "direct_questions.json").read_text())["questions"]
    with (target / "data" / "direct.jsonl").open("w", encoding="utf-8") as f:
        for q in direct:
            f.write(json.dumps({"component": "", **q}, ensure_ascii=False) + "\n")
    with (target / "annotations" / "blind_pass.jsonl").open("w", encoding="utf-8") as f:
        for row in annotations:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    _write_card_stats(target, stats, review, {s: len(r) for s, r in splits.items()})
    return stats


def _write_card_stats(target: Path, stats: dict, review: dict, sizes: dict[str, int]) -> None:
    first, authored, kept_ok, kept = agreement_totals(stats)
    lines = agreement_table("item", stats, WVS_DOMAINS) + [
        "",
        f"Splits: steer {sizes['steer']}, eval {sizes['eval']}. Blind pole agreement: {first}/{authored} "
        f"({100 * first / authored:.1f} %) on the first pass, {kept_ok}/{kept} ({100 * kept_ok / kept:.1f} %) "
        "on the items kept.",
        "",
        "Revised after the blind pass (flagged as unsure or unbalanced) and labelled blind again by a fresh "
        "annotator; the round is given where it took more than one:",
        "",
    ]
    lines += [f"- `{r['id']}`" + (f" (round {r['round']})" if r.get("round", 2) > 2 else "") + f": {r['reason']}"
              for r in review["revised"]] or ["- none"]  # fmt: skip
    lines += ["", "Removed after review:", ""]
    lines += [f"- `{r['id']}`: {r['reason']}" for r in review["removed"]] or ["- none"]
    write_stats_block(target, lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("blind", help="write the blind file of one map item")
    b.add_argument("code", help="map item code, e.g. F063")
    sub.add_parser("firstpass", help="freeze first-round agreement and flags into review.json")
    r2 = sub.add_parser("blind2", help="blind file of the items of one map item revised in a later round")
    r2.add_argument("code", help="map item code, e.g. F063")
    r2.add_argument("--round", type=int, default=2, choices=(2, 3, 4), help="revision round (review.json); default 2")
    sub.add_parser("build", help="assemble the dataset folder and its card statistics")
    args = parser.parse_args()
    if args.cmd == "blind":
        print(make_blind(args.code.upper()))
    elif args.cmd == "blind2":
        review = json.loads((HERE / "review.json").read_text())
        ids = {r["id"] for r in review["revised"]
               if r["id"].startswith(args.code.upper()) and r.get("round", 2) == args.round}  # fmt: skip
        print(make_blind(args.code.upper(), only=ids, suffix=f"_r{args.round}"))
    elif args.cmd == "firstpass":
        print(json.dumps({c: len(v["disagreed"]) for c, v in first_pass().items()}))
    else:
        print(json.dumps(build(), indent=2))


if __name__ == "__main__":
    main()
