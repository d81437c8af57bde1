"""WVS dilemmas for activation steering (seed 002, §3.3): contrast pairs and the layer-search set.

Everything here comes from the `steer` split; the `eval` split (what `culturebench evaluate` scores)
is never read for vectors or layer choice, and every function that returns dilemmas checks its ids
against it.

The `steer` split is divided once more, per map item and seeded by dilemma id: a training part for
the contrast pairs and a held-out part (default 20%) for the layer search, so the layers are not
chosen on the very texts the vectors came from.

Contrast texts (`style`):

- `continuation` (default, the seed's Eq. 4): the dilemma's scenario and question, then one
  option's text: "scenario\\nquestion\\noption". The two texts differ only in the option, so their
  difference carries the option's value content and nothing of the answer format; the last token
  read is the end of the option the model has just "chosen". This is how the seed linearises its
  probe, and it needs no letters, so it cannot pick up a letter preference.
- `answer` (contrastive activation addition): the full scored prompt in both option orders,
  answered with the letter of the positive or the negative option. It reads the model at the very
  token the benchmark scores, but the two texts differ only in one letter; both orders are used so
  the letter identity cancels in the mean.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import zip_longest

from culturebench.benchmarks.wvs.documents import WVS_DATASET, condition, wvs_dilemmas
from culturebench.benchmarks.wvs.map import AXES, AXIS_ITEMS, ITEMS
from culturebench.prompts import LETTERS, NO_PERSONA, ORDERS, render_dilemma
from culturebench.resources import dataset_dir
from culturebench.steering.base import ContrastPair
from culturebench.versioning import card_field, content_hash

STEER_SPLIT = "steer"
STYLES: tuple[str, ...] = ("continuation", "answer")
TARGETS: tuple[str, ...] = (*ITEMS, *AXES)
DEFAULT_HELD_OUT = 0.2
DEFAULT_SPLIT_SEED = 0


def target_items(target: str) -> tuple[str, ...]:
    """Map items of a target: the item itself, or the five items of an axis."""
    if target in AXIS_ITEMS:
        return AXIS_ITEMS[target]
    if target in ITEMS:
        return (target,)
    raise ValueError(f"unknown steering target {target!r}; valid: {', '.join(TARGETS)}")


def target_axis(target: str) -> str:
    """The map axis a target moves (an item's own axis)."""
    if target in AXES:
        return target
    for axis, items in AXIS_ITEMS.items():
        if target in items:
            return axis
    raise ValueError(f"unknown steering target {target!r}; valid: {', '.join(TARGETS)}")


@cache
def eval_ids() -> frozenset[str]:
    """Ids of the `eval` split (only ever read to keep them out)."""
    return frozenset(d["id"] for d in wvs_dilemmas("eval"))


def check_not_eval(ids: Iterable[str]) -> None:
    """Refuse any id of the `eval` split: vectors and layer choice must not see the evaluation items."""
    leaked = sorted(set(ids) & eval_ids())
    if leaked:
        raise ValueError(f"{len(leaked)} eval-split dilemmas given for steering (e.g. {leaked[:3]}); use steer")


def split_steer(
    dilemmas: Sequence[dict], held_out_fraction: float = DEFAULT_HELD_OUT, seed: int = DEFAULT_SPLIT_SEED
) -> tuple[list[dict], list[dict]]:
    """(train, held_out): per map item, a seeded shuffle of the sorted ids puts `held_out_fraction` aside
    (at least one of an item with two or more dilemmas). The same ids and seed give the same split."""
    if not 0 <= held_out_fraction < 1:
        raise ValueError(f"held-out fraction must be in [0, 1), got {held_out_fraction}")
    by_item: dict[str, list[dict]] = {}
    for d in dilemmas:
        by_item.setdefault(d["item"], []).append(d)
    held: set[str] = set()
    for item, rows in sorted(by_item.items()):
        ids = sorted(r["id"] for r in rows)
        random.Random(f"{seed}:{item}").shuffle(ids)
        n = max(1, round(held_out_fraction * len(ids))) if held_out_fraction > 0 and len(ids) >= 2 else 0
        held.update(ids[:n])
    return [d for d in dilemmas if d["id"] not in held], [d for d in dilemmas if d["id"] in held]


def steer_dilemmas(
    target: str, part: str = "train", held_out_fraction: float = DEFAULT_HELD_OUT, seed: int = DEFAULT_SPLIT_SEED
) -> list[dict]:
    """Steer-split dilemmas of a target's items: the `train` part (contrast pairs), the `held_out` part
    (layer search) or `all`."""
    items = set(target_items(target))
    rows = [d for d in wvs_dilemmas(STEER_SPLIT) if d["item"] in items]
    check_not_eval(d["id"] for d in rows)
    if part == "all":
        return rows
    train, held_out = split_steer(rows, held_out_fraction, seed)
    if part == "train":
        return train
    if part == "held_out":
        return held_out
    raise ValueError(f"unknown part {part!r}; valid: train, held_out, all")


def steer_dilemmas_by_id(ids: Sequence[str]) -> list[dict]:
    """Steer-split dilemmas with these ids, in this order (e.g. the held-out ids a vectors file recorded)."""
    check_not_eval(ids)
    by_id = {d["id"]: d for d in wvs_dilemmas(STEER_SPLIT)}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise LookupError(f"{len(missing)} ids not in the steer split (e.g. {missing[:3]}): has the dataset changed?")
    return [by_id[i] for i in ids]


def take_balanced(dilemmas: Sequence[dict], limit: int | None) -> list[dict]:
    """At most `limit` dilemmas, the map items taking turns (so a quick look still sees every item)."""
    if limit is None or limit >= len(dilemmas):
        return list(dilemmas)
    by_item: dict[str, list[dict]] = {}
    for d in dilemmas:
        by_item.setdefault(d["item"], []).append(d)
    turns = [d for group in zip_longest(*by_item.values()) for d in group if d is not None]
    return turns[:limit]


def _option(dilemma: dict, pole: str) -> dict:
    return next(o for o in dilemma["options"] if o["pole"] == pole)


def contrast_text(dilemma: dict, option: dict) -> str:
    """The dilemma's scenario and question followed by one option's text (seed Eq. 4)."""
    return f"{dilemma['scenario'].strip()}\n{dilemma['question'].strip()}\n{option['text'].strip()}"


def contrast_pairs(dilemmas: Sequence[dict], style: str = "continuation") -> list[ContrastPair]:
    """Contrast pairs of dilemmas (positive pole minus negative pole); see the module docstring for styles."""
    check_not_eval(d["id"] for d in dilemmas)
    pairs = []
    for d in dilemmas:
        pos, neg = _option(d, "positive"), _option(d, "negative")
        if style == "continuation":
            pairs.append(ContrastPair(d["id"], contrast_text(d, pos), contrast_text(d, neg)))
        elif style == "answer":
            for order in ORDERS:
                cond = condition("none", None, order=order)
                prompt = render_dilemma(d, cond)
                p, n = cond.letter_of(d["options"], "positive"), cond.letter_of(d["options"], "negative")
                pairs.append(ContrastPair(d["id"], f"{prompt} {p}", f"{prompt} {n}"))
        else:
            raise ValueError(f"unknown contrast style {style!r}; valid: {', '.join(STYLES)}")
    return pairs


def search_documents(dilemmas: Sequence[dict], chat_template: bool = False) -> list[dict]:
    """No-persona documents of dilemmas in both option orders, with the fields of `dilemma_documents`
    (so `metrics.dilemma_score_row` and `scoring.combine_orders` read them as they read lm-eval's)."""
    check_not_eval(d["id"] for d in dilemmas)
    docs = []
    for d in dilemmas:
        for order in ORDERS:
            cond = condition("none", None, order=order, chat_template=chat_template)
            docs.append({
                "item_id": d["id"], "item": d["item"], "axis": d["axis"], "domain": d["domain"],
                "country": NO_PERSONA, "persona": "none", "order": order, "chat_template": chat_template,
                "prompt": render_dilemma(d, cond),
                "positive_index": LETTERS.index(cond.letter_of(d["options"], "positive")),
            })  # fmt: skip
    return docs


def dataset_provenance() -> dict:
    """Name, card version and content hash of the dilemma bank; the card's hash is checked against the files."""
    folder = dataset_dir(WVS_DATASET)
    actual = content_hash(folder)
    out = {"name": WVS_DATASET, "split": STEER_SPLIT, "version": card_field(folder, "version"), "content_hash": actual}
    card = card_field(folder, "content_hash")
    if card != actual:
        out["card_content_hash"] = card  # the files were edited after the card was written
    return out
