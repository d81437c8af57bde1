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
from pathlib import Path

from culturebench.blind import (
    DILEMMA_LABEL_FIELDS,
    blind_path,
    check_coverage,
    dilemma_rows,
    pole_agreement,
    read_labels,
)
from culturebench.cards import (
    agreement_summary,
    agreement_table,
    agreement_totals,
    category_stats,
    form_cue_table,
    id_list,
    write_stats_block,
)
from culturebench.dimensions import DIMENSIONS
from culturebench.formcues import form_cues
from culturebench.items import DOMAINS, check_domain_balance, load_dilemmas, near_duplicates
from culturebench.jsonl import write_jsonl
from culturebench.resources import dataset_dir
from culturebench.versioning import card_field

HERE = Path(__file__).resolve().parent
BLIND = HERE / "blind"


def make_blind(dim: str) -> Path:
    """Options without poles, in a seeded random order, for an annotator who did not write them."""
    items = load_dilemmas([HERE / "items" / f"{dim}.jsonl"])
    rows = dilemma_rows(items, f"blind-{dim}", ("id", "dimension", "scenario", "question"))
    return write_jsonl(blind_path(BLIND, dim), rows)


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
        labels = read_labels(BLIND, dim, fields=DILEMMA_LABEL_FIELDS, option="high_option")
        check_coverage(labels, by_id, dim)
        agree = pole_agreement(items, labels, "high")
        for i, lab in labels.items():
            annotations.append({"id": i, "dimension": by_id[i]["dimension"], "agree": agree[i],
                                "confidence": lab["confidence"], "balanced": lab["balanced"], "note": lab["note"],
                                "removed": removed.get(i, "")})  # fmt: skip
        kept = [i for i in items if i["id"] not in removed]
        kept_all += kept
        write_jsonl(target / "data" / f"{dim}.jsonl", kept)
        agree_kept = sum(agree[i["id"]] for i in kept)
        stats["dimensions"][dim.upper()] = category_stats(items, kept, (sum(agree.values()), len(items)), agree_kept)
    write_jsonl(target / "annotations" / "blind_pass.jsonl", annotations)
    problems = check_domain_balance(kept_all)
    dups = near_duplicates({i["id"]: f"{i['scenario']} {i['question']}" for i in kept_all})
    if problems or dups:
        raise ValueError(f"item bank fails its checks: {problems} {dups}")
    stats["form_cues"] = form_cues(kept_all, "dimension", "high")
    _write_card_stats(target, stats, len(kept_all))
    return stats


def _write_card_stats(target: Path, stats: dict, n_items: int) -> None:
    dims = stats["dimensions"]
    authored = agreement_totals(dims)[1]
    lines = agreement_table("dimension", dims, DOMAINS) + [
        "",
        f"Total: {n_items} items kept of {authored} authored. {agreement_summary(dims)}",
        "",
        "Removed after review:",
        "",
    ]
    lines += id_list(((r["id"], r["reason"]) for r in stats["removed"]), none=None)
    lines += ["", *form_cue_table("dimension", stats["form_cues"], "high", "low")]
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
