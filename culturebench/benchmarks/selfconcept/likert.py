"""1-7 Likert answers: from digit log-probabilities (one forward pass) or from a generated reply.

Scored mode reads the log-probabilities of the digits 1..7 at the answer position and reports
the expected value, the argmax and the entropy (bits; 0 = certain, log2 7 = uniform) of that
distribution. Generation mode parses the reply (`parsing`) and keeps its status, so
refusals and unparseable replies are counted. Both give `score`, the value on the construct's
direction (8 - x for reverse-keyed items), which every downstream metric uses.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from culturebench.benchmarks.selfconcept.parsing import parse_likert
from culturebench.scoring import choice_probabilities

POINTS = np.arange(1, 8, dtype=float)
ROW_KEYS: tuple[str, ...] = ("id", "bank", "construct", "facet", "variant", "lang", "reversed")


def keyed(value: float, reversed_: bool) -> float:
    """A 1-7 answer on the construct's direction."""
    return 8.0 - value if reversed_ else value


def likert_score_row(doc: dict, logliks: Sequence[float]) -> dict:
    """Score row of one Likert document from the digit log-likelihoods; lm-eval and the report share it."""
    if len(logliks) != len(POINTS):
        raise ValueError(f"document {doc.get('id')!r}: need 7 log-likelihoods (digits 1-7), got {len(logliks)}")
    probs = choice_probabilities(logliks, len(POINTS))
    expected = float(probs @ POINTS)
    nonzero = probs[probs > 0]
    row = {k: doc[k] for k in ROW_KEYS}
    return {
        **row,
        "mode": "scored",
        "probs": [float(p) for p in probs],
        "expected": expected,
        "argmax": int(POINTS[int(np.argmax(probs))]),
        "entropy": float(-(nonzero * np.log2(nonzero)).sum()),
        "status": "ok",
        "score": keyed(expected, doc["reversed"]),
    }


def generated_score_row(doc: dict, reply: str) -> dict:
    """Score row of one Likert document answered in free text (score is None unless it parsed)."""
    parsed = parse_likert(reply)
    row = {k: doc[k] for k in ROW_KEYS}
    value = None if parsed.value is None else float(parsed.value)
    return {
        **row,
        "mode": "generated",
        "reply": reply,
        "parsed": parsed.value,
        "status": parsed.status,
        "score": None if value is None else keyed(value, doc["reversed"]),
    }
