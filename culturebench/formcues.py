"""Form cues in binary dilemma banks: can the scored pole be read off the option wording alone?

A dilemma measures a value only if the model has to read the scenario. If the two option texts on their own
give the pole away (one side always "stays", "accepts" or "keeps"; one side is always the longer; a word
occurs on one side only), a model can score "aligned" by matching the form, and steering vectors learnt
from the contrast pick up the form rather than the value. This module measures those cues so that each
card states them and a rewrite can be checked against them:

- `options_only_accuracy`: leave-one-item-out multinomial naive Bayes on the two option texts alone;
- status-quo verbs and negations: share of options on each pole that open with a verb of inaction
  or contain a negation;
- length balance: share of items whose scored-pole option is the longer;
- giveaway words: the words with the most lopsided counts between the poles.

`form_cues(items, category, pole)` returns one `CueReport` per category plus `POOLED`, the only entry
point the builders and the tests use; `aim_failures` checks a report against the bank's aims (AIMS).
`python -m culturebench.formcues ITEMS.jsonl... --category dimension --pole high` prints both, for a
writer revising items. Numpy only.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import TypedDict

import numpy as np

POOLED = "pooled"
SHUFFLES = 200
SEED = 20241
TOP_WORDS = 5

# Lower-cased word unigrams: maximal runs of ASCII letters and digits, an inner apostrophe kept
# ("don't", "children's" are one token), everything else a separator; single letters ("I", "a") count.
TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")

# Opening words stripped before the first verb is read: the options are written either as bare
# imperatives ("Stay in the job") or with a subject or infinitive marker ("I stay...", "To stay...").
SUBJECTS = frozenset({"i", "we", "you", "to"})

# Verbs whose plain sense is to keep things as they are, put the choice off, or go along with what is
# already set: continuing (stay, keep, remain, continue, maintain, retain, preserve, stick, hold, carry),
# deferring (wait, postpone, delay, defer, hold), not doing (decline, refuse, skip, avoid, pass, ignore,
# forgo, leave, let, drop) and accepting the given (accept, follow, comply, obey, abide, go, tolerate,
# respect, trust). They are the verbs the review found opening one pole's options; an option opening with
# one reads as the "inaction" side whatever the scenario, so the share should be about equal on both poles.
STATUS_QUO_VERBS = frozenset(
    """stay stays keep keeps wait waits leave leaves decline declines accept accepts follow follows remain remains
    continue continues let lets hold holds stick sticks maintain maintains skip skips refuse refuses avoid avoids
    postpone postpones delay delays defer defers retain retains preserve preserves carry carries pass passes
    ignore ignores forgo forgo forego drop drops comply complies obey obeys abide abides tolerate tolerates
    respect respects trust trusts""".split()
)

# Negation markers: an option that says what not to do is the refusing side as surely as "decline".
NEGATIONS = frozenset(
    """not no never nothing none nobody nor neither without don't doesn't didn't won't wouldn't can't cannot
    shouldn't isn't aren't wasn't weren't haven't hasn't""".split()
)


class CueReport(TypedDict):
    """Form cues of one category (dimension or map item) or of the pooled bank.

    `accuracy`: options-only naive Bayes, share of items whose scored pole it picks (ties 0.5);
    `baseline_mean`, `baseline_p95`: the same with poles swapped at random within items (SHUFFLES runs);
    `status_quo_pole`, `status_quo_other`: share of options opening with a status-quo verb, on each side;
    `negation_pole`, `negation_other`: share of options containing a negation, on each side;
    `pole_longer`: share of items whose scored-pole option has more words; `ties`: items of equal length;
    `giveaways`: up to TOP_WORDS (word, options on the scored pole with it, options on the other side with it);
    `meaning_words`: the words left out of the classifier and the giveaways because they name the pole by meaning.
    """

    n_items: int
    accuracy: float
    baseline_mean: float
    baseline_p95: float
    status_quo_pole: float
    status_quo_other: float
    negation_pole: float
    negation_other: float
    pole_longer: float
    ties: int
    giveaways: list[tuple[str, int, int]]
    meaning_words: list[str]


def tokens(text: str) -> list[str]:
    """The classifier's tokens: lower-cased TOKEN matches (curly apostrophes read as straight ones)."""
    return TOKEN.findall(text.lower().replace("\u2019", "'"))


def _kept(text: str, drop: frozenset[str]) -> list[str]:
    """The classifier's tokens of `text` less the category's meaning words."""
    return [w for w in tokens(text) if w not in drop]


def first_verb(text: str) -> str:
    """The option's first word after a leading "I", "We", "You" or "To" (lower-cased, punctuation stripped)."""
    words = tokens(text)
    if len(words) > 1 and words[0] in SUBJECTS:
        words = words[1:]
    return words[0] if words else ""


def _pairs(items: list[dict], pole: str) -> list[tuple[str, str]]:
    """(scored-pole option text, other option text) per item; an item must have two options, one on `pole`."""
    out = []
    for item in items:
        opts = item["options"]
        on_pole = [o["text"] for o in opts if o["pole"] == pole]
        other = [o["text"] for o in opts if o["pole"] != pole]
        if len(opts) != 2 or len(on_pole) != 1:
            raise ValueError(f"{item.get('id')}: needs two options, exactly one with pole {pole!r}")
        out.append((on_pole[0], other[0]))
    return out


class _Bank:
    """Word counts of a bank's options, kept per item on the item's own words only (fast leave-one-out).

    `local[i, k]` is (scored-pole count, other count) of word `idx[i, k]` in item i; `mask` marks the real
    entries of the padded rows; `totals` the bank-wide counts of every word on each option side.
    """

    def __init__(self, pairs: list[tuple[str, str]], drop: frozenset[str] = frozenset()) -> None:
        docs = [(Counter(_kept(p, drop)), Counter(_kept(o, drop))) for p, o in pairs]
        vocab = {w: k for k, w in enumerate(sorted({w for d in docs for c in d for w in c}))}
        width = max((len(p.keys() | o.keys()) for p, o in docs), default=0) or 1
        self.idx = np.zeros((len(docs), width), dtype=int)
        self.local = np.zeros((len(docs), width, 2))
        self.mask = np.zeros((len(docs), width), dtype=bool)
        for i, (p, o) in enumerate(docs):
            for k, w in enumerate(sorted(p.keys() | o.keys())):
                self.idx[i, k], self.local[i, k], self.mask[i, k] = vocab[w], (p[w], o[w]), True
        self.totals = np.zeros((len(vocab) or 1, 2))
        np.add.at(self.totals, self.idx[self.mask], self.local[self.mask])
        self.vocab_size = len(vocab)


def _loio_accuracy(bank: _Bank, flip: np.ndarray) -> float:
    """Leave-one-item-out multinomial NB: share of items whose (possibly flipped) pole option scores higher.

    Class A holds option 0 (the scored pole) of unflipped items and option 1 of flipped ones, class B the
    rest. For each held-out item both classes are counted over the other items only; the vocabulary is the
    training items' words (words unseen in training are dropped, as a fitted vectoriser would) and Laplace
    smoothing adds one to every vocabulary word. The priors are equal (one option per class per item), so
    an option's score is its log-odds sum_w n_w log(P(w|A)/P(w|B)); the item counts 1 if its class-A option
    scores higher, 0.5 on a tie. Only the held-out item's own words carry weight, so it is computed on those.
    """
    n = len(flip)
    if n < 2:
        return float("nan")
    own_a = np.where(flip[:, None], bank.local[..., 1], bank.local[..., 0]) * bank.mask  # (items, width)
    own_b = (bank.local.sum(-1) - own_a) * bank.mask
    # class totals per word: each flipped item moves its counts from one side to the other
    delta = np.zeros_like(bank.totals[:, 0])
    moved = (bank.local[..., 1] - bank.local[..., 0]) * (flip[:, None] & bank.mask)
    np.add.at(delta, bank.idx, moved)
    tot_a = (bank.totals[:, 0] + delta)[bank.idx]
    tot_b = (bank.totals[:, 1] - delta)[bank.idx]
    train_a, train_b = tot_a - own_a, tot_b - own_b
    seen = bank.mask & ((train_a + train_b) > 0)
    size = bank.vocab_size - (bank.mask & ~seen).sum(1, keepdims=True)  # the training vocabulary
    sum_a = (bank.totals[:, 0] + delta).sum() - own_a.sum(1, keepdims=True)
    sum_b = (bank.totals[:, 1] - delta).sum() - own_b.sum(1, keepdims=True)
    weight = np.log(train_a + 1) - np.log(sum_a + size) - np.log(train_b + 1) + np.log(sum_b + size)
    diff = ((own_a - own_b) * np.where(seen, weight, 0.0)).sum(1)
    hits = np.where(np.isclose(diff, 0.0, atol=1e-9), 0.5, (diff > 0).astype(float))
    return float(hits.mean())


def options_only_accuracy(
    pairs: list[tuple[str, str]], shuffles: int = SHUFFLES, seed: int = SEED, drop: frozenset[str] = frozenset()
) -> dict:
    """{accuracy, baseline_mean, baseline_p95}: the classifier on the true poles and on `shuffles` random swaps.

    `drop`: words the classifier does not see (the meaning words of an item whose meaning names its pole).
    """
    bank = _Bank(pairs, drop)
    acc = _loio_accuracy(bank, np.zeros(len(pairs), dtype=bool))
    rng = np.random.default_rng(seed)
    null = np.array([_loio_accuracy(bank, rng.random(len(pairs)) < 0.5) for _ in range(shuffles)])
    return {
        "accuracy": acc,
        "baseline_mean": float(null.mean()) if shuffles else float("nan"),
        "baseline_p95": float(np.percentile(null, 95)) if shuffles else float("nan"),
    }


def giveaway_words(
    pairs: list[tuple[str, str]], top: int = TOP_WORDS, drop: frozenset[str] = frozenset()
) -> list[tuple[str, int, int]]:
    """The `top` words most lopsided between poles: (word, pole options with it, other options with it).

    Ranked by (a - b)^2 / (a + b), a and b the options on each side containing the word: the chi-square of
    its split against an even one, so a word on one side only ("sign" 29:0) comes before a frequent word
    that leans a little ("and" 35:26). Ties go to the larger difference, then alphabetically, so the order
    is stable. Words in as many options on each side, and the `drop` words, are never listed.
    """
    on_pole = Counter(w for p, _ in pairs for w in set(_kept(p, drop)))
    other = Counter(w for _, o in pairs for w in set(_kept(o, drop)))
    ranked = sorted(
        (w for w in on_pole.keys() | other.keys() if on_pole[w] != other[w]),
        key=lambda w: (
            -((on_pole[w] - other[w]) ** 2) / (on_pole[w] + other[w]),
            -abs(on_pole[w] - other[w]),
            w,
        ),
    )
    return [(w, on_pole[w], other[w]) for w in ranked[:top]]


def _share(hits: int, n: int) -> float:
    return hits / n if n else float("nan")


def cue_report(
    pairs: list[tuple[str, str]], shuffles: int = SHUFFLES, seed: int = SEED, drop: frozenset[str] = frozenset()
) -> CueReport:
    """All form cues of one set of (scored-pole option, other option) pairs; `drop` as in options_only_accuracy."""
    n = len(pairs)
    longer = sum(len(p.split()) > len(o.split()) for p, o in pairs)
    return CueReport(
        n_items=n,
        **options_only_accuracy(pairs, shuffles, seed, drop),
        status_quo_pole=_share(sum(first_verb(p) in STATUS_QUO_VERBS for p, _ in pairs), n),
        status_quo_other=_share(sum(first_verb(o) in STATUS_QUO_VERBS for _, o in pairs), n),
        negation_pole=_share(sum(bool(NEGATIONS & set(tokens(p))) for p, _ in pairs), n),
        negation_other=_share(sum(bool(NEGATIONS & set(tokens(o))) for _, o in pairs), n),
        pole_longer=_share(longer, n),
        ties=sum(len(p.split()) == len(o.split()) for p, o in pairs),
        giveaways=giveaway_words(pairs, drop=drop),
        meaning_words=sorted(drop),
    )


# The aims a bank's options must meet (issue 11): the options-only classifier at most 0.70 on the pooled bank
# and 0.80 in every category; the share of options opening with a status-quo verb differing by at most 0.30
# between the poles; the scored-pole option the longer in 35-65 % of items, an equal length counting half.
AIMS = {"accuracy_pooled": 0.70, "accuracy_category": 0.80, "status_quo_gap": 0.30, "length_balance": (0.35, 0.65)}


def length_balance(report: CueReport) -> float:
    """Share of items whose scored-pole option is the longer, ties counting half (0.5 = no length cue)."""
    return report["pole_longer"] + report["ties"] / (2 * report["n_items"]) if report["n_items"] else float("nan")


def aim_failures(name: str, report: CueReport) -> list[str]:
    """One line per aim that `report` (the category `name`, or POOLED) misses; empty when it meets them all."""
    out = []
    limit = AIMS["accuracy_pooled"] if name == POOLED else AIMS["accuracy_category"]
    if not report["accuracy"] <= limit:  # NaN (fewer than two items) is no evidence: it misses the aim
        out.append(f"{name}: options-only accuracy {report['accuracy']:.2f} > {limit:.2f}")
    gap = abs(report["status_quo_pole"] - report["status_quo_other"])
    if gap > AIMS["status_quo_gap"]:
        out.append(f"{name}: status-quo openings differ by {gap:.2f} > {AIMS['status_quo_gap']:.2f}")
    low, high = AIMS["length_balance"]
    balance = length_balance(report)
    if not low <= balance <= high:
        out.append(f"{name}: pole option longer in {balance:.2f} of items (ties half), outside {low}-{high}")
    return out


# Where a dataset folder lists the words that name a category's pole by meaning ({category: [words]}).
MEANING_WORDS_FILE = "annotations/meaning_words.json"


def read_meaning_words(dataset_folder: Path) -> dict[str, list[str]]:
    """The folder's meaning words, {} when it lists none."""
    path = dataset_folder / MEANING_WORDS_FILE
    return load_meaning_words(path) if path.exists() else {}


def load_meaning_words(path: Path) -> dict[str, list[str]]:
    """{category: [words]} from a shipped list, or from a builder's source ({category: {"words", "why"}})."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {k: v["words"] if isinstance(v, dict) and "words" in v else v for k, v in data.items()}


def form_cues(
    items: list[dict],
    category: str,
    pole: str,
    shuffles: int = SHUFFLES,
    seed: int = SEED,
    meaning_words: dict[str, list[str]] | None = None,
) -> dict[str, CueReport]:
    """{category: CueReport} in order of first appearance, then POOLED (the classifier trained on the whole bank).

    Items are taken in order of id, so the figures do not depend on how the bank's files are ordered.

    `category` is the item field that groups the bank (``"dimension"``, ``"item"``); `pole` the scored
    pole (``"high"``, ``"positive"``) whose option the classifier must pick out. `meaning_words` maps a
    category to the words that name its pole by meaning (faith, God for religiosity): its classifier and
    giveaway words are computed without them, so the aim applies to the form that remains; the pooled
    classifier drops every category's meaning words.
    """
    meaning = {}
    for name, words in (meaning_words or {}).items():
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ValueError(f"meaning words of {name!r} must be a list of words, got {type(words).__name__}")
        meaning[name] = frozenset(w.lower() for w in words)
    ordered = sorted(items, key=lambda i: i["id"])  # the baseline's random swaps must not hang on file order
    groups: dict[str, list[dict]] = {item[category]: [] for item in items}
    unknown = sorted(set(meaning) - set(groups))
    if unknown:
        raise ValueError(f"meaning words for {unknown}, which are not {category} values of the bank")
    for item in ordered:
        groups[item[category]].append(item)
    out = {
        name: cue_report(_pairs(group, pole), shuffles, seed, meaning.get(name, frozenset()))
        for name, group in groups.items()
    }
    out[POOLED] = cue_report(_pairs(ordered, pole), shuffles, seed, frozenset().union(*meaning.values()))
    return out


def main(argv: list[str] | None = None) -> int:
    """Print each category's cues and the aims it misses; exit 1 when any aim is missed."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m culturebench.formcues", description=main.__doc__)
    parser.add_argument("files", nargs="+", type=Path, help="item files (JSON lines, one dilemma a line)")
    parser.add_argument("--category", default="dimension", help="item field that groups the bank (dimension, item)")
    parser.add_argument("--pole", default="high", help="the scored pole (high, positive)")
    parser.add_argument("--shuffles", type=int, default=SHUFFLES, help="shuffled-label runs for the baseline")
    parser.add_argument(
        "--meaning-words",
        type=Path,
        help="JSON {category: [words]} (or generation/wvs/meaning_words.json) of words that name a pole by meaning",
    )
    args = parser.parse_args(argv)
    items = [json.loads(line) for f in args.files for line in f.read_text(encoding="utf-8").splitlines() if line]
    meaning = load_meaning_words(args.meaning_words) if args.meaning_words else None
    failures = []
    for name, r in form_cues(items, args.category, args.pole, args.shuffles, meaning_words=meaning).items():
        print(
            f"{name}: n={r['n_items']} accuracy={r['accuracy']:.2f} (shuffled p95 {r['baseline_p95']:.2f}) "
            f"status-quo {r['status_quo_pole']:.2f}/{r['status_quo_other']:.2f} "
            f"negation {r['negation_pole']:.2f}/{r['negation_other']:.2f} length balance {length_balance(r):.2f} "
            f"giveaways {', '.join(f'{w} {a}:{b}' for w, a, b in r['giveaways'])}"
        )
        failures += aim_failures(name, r)
    print("\n".join(["", "MISSED:", *failures]) if failures else "\nall aims met")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
