"""Builds hf_datasets/hofstede_dilemmas from the authored items and the blind second pass.

    python generation/hofstede/build_dataset.py blind DIM     # write blind/DIM_blind.jsonl for the annotator
    python generation/hofstede/build_dataset.py build         # data files, annotations, card stats and hash

Authored items live in items/DIM.jsonl (all drafts, removed ones included); the annotator's labels
in blind/DIM_labels.jsonl; review.json lists the items removed after the second pass and why.
Each step is idempotent, so an interrupted build is simply run again.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from culturebench.cards import agreement_table, agreement_totals, write_stats_block
from culturebench.dimensions import DIMENSIONS
from culturebench.items import DOMAINS, check_domain_balance, load_dilemmas, near_duplicates
from culturebench.jsonl import read_jsonl
from culturebench.resources import dataset_dir
from culturebench.versioning import card_field

HERE = Path(__file__).resolve().parent


def make_blind(dim: str) -> Path:
    """Options without poles, in a seeded random order, for an annotator who did not write them."""
    rng = random.Random(f"blind-{dim}")
    out = HERE / "blind" / f"{dim}_blind.jsonl"
    with out.open("w", encoding="utf-8") as f:
        for item in load_dilemmas([HERE / "items" / f"{dim}.jsonl"]):
            texts = [o["text"] for o in item["options"]]
            if rng.random() < 0.5:
                texts.reverse()
            row = {k: item[k] for k in ("id", "dimension", "scenario", "question")}
            f.write(json.dumps({**row, "option_1": texts[0], "option_2": texts[1]}, ensure_ascii=False) + "\n")
    return out


def _labels(dim: str) -> list[dict]:
    blind = {r["id"]: r for _, r in read_jsonl(HERE / "blind" / f"{dim}_blind.jsonl")}
    rows = []
    for _, lab in read_jsonl(HERE / "blind" / f"{dim}_labels.jsonl"):
        rows.append({**lab, "annotator_high_text": blind[lab["id"]][f"option_{lab['high_option']}"]})
    return rows


def build() -> dict:
    review = json.loads((HERE / "review.json").read_text())
    removed = {r["id"]: r["reason"] for r in review["removed"]}
    target = dataset_dir("hofstede_dilemmas")
    (target / "data").mkdir(exist_ok=True)
    (target / "annotations").mkdir(exist_ok=True)
    stats: dict = {"dimensions": {}, "removed": review["removed"]}
    annotations = []
    kept_all: list[dict] = []
    for path in sorted((HERE / "items").glob("*.jsonl"), key=lambda p: DIMENSIONS.index(p.stem.upper())):
        dim = path.stem
        items = load_dilemmas([path])
        by_id = {i["id"]: i for i in items}
        labels = _labels(dim)
        if {lab["id"] for lab in labels} != set(by_id):
            raise ValueError(f"blind labels of {dim} do not cover exactly the authored items")
        agree_all = agree_kept = 0
        for lab in labels:
            item = by_id[lab["id"]]
            writer_high = next(o["text"] for o in item["options"] if o["pole"] == "high")
            ok = writer_high == lab["annotator_high_text"]
            agree_all += ok
            agree_kept += ok and lab["id"] not in removed
            annotations.append(
                {
                    "id": lab["id"],
                    "dimension": item["dimension"],
                    "agree": ok,
                    "confidence": lab["confidence"],
                    "balanced": lab["balanced"],
                    "note": lab["note"],
                    "removed": removed.get(lab["id"], ""),
                }
            )
        kept = [i for i in items if i["id"] not in removed]
        kept_all += kept
        with (target / "data" / f"{dim}.jsonl").open("w", encoding="utf-8") as f:
            for item in kept:
                f.write(json.dumps(item, ensure_ascii=False) + "\n")
        stats["dimensions"][dim.upper()] = {
            "authored": len(items),
            "kept": len(kept),
            "agreement_first_pass": f"{agree_all}/{len(items)}",
            "agreement_kept": f"{agree_kept}/{len(kept)}",
            "domains": dict(Counter(i["domain"] for i in kept)),
        }
    with (target / "annotations" / "blind_pass.jsonl").open("w", encoding="utf-8") as f:
        for row in annotations:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    problems = check_domain_balance(kept_all)
    dups = near_duplicates({i["id"]: f"{i['scenario']} {i['question']}" for i in kept_all})
    if problems or dups:
        raise ValueError(f"item bank fails its checks: {problems} {dups}")
    _write_card_stats(target, stats, len(kept_all))
    return stats


def _write_card_stats(target: Path, stats: dict, n_items: int) -> None:
    dims = stats["dimensions"]
    first, authored, kept_ok, _ = agreement_totals(dims)
    lines = agreement_table("dimension", dims, DOMAINS) + [
        "",
        f"Total: {n_items} items kept of {authored} authored. Blind pole agreement: "
        f"{first}/{authored} ({100 * first / authored:.1f} %) on the first pass, "
        f"{kept_ok}/{n_items} ({100 * kept_ok / n_items:.1f} %) on the items kept.",
        "",
        "Removed after review:",
        "",
    ]
    lines += [f"- `{r['id']}`: {r['reason']}" for r in stats["removed"]]
    write_stats_block(target, lines)
    print(f"card updated: version {card_field(target, 'version')}, {card_field(target, 'content_hash')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("blind", help="write the blind file of one dimension")
    b.add_argument("dim", help="dimension code in lower case, e.g. pdi")
    sub.add_parser("build", help="assemble the dataset folder and its card statistics")
    args = parser.parse_args()
    if args.cmd == "blind":
        print(make_blind(args.dim.lower()))
    else:
        print(json.dumps(build()["dimensions"], indent=2))


if __name__ == "__main__":
    main()
