"""Reading a 1-7 rating out of free text, for models reachable only by generation.

Seed 000's parser took the first digit it saw, so "10" became 1 and "On a scale of 1 to 7, I'd say
5" became 1. Here mentions of the scale itself are removed first, then the reply must name exactly
one rating, as a digit or a number word in English, French or Chinese. A number outside the scale
is `out_of_range`, a reply that declines is `refusal`, anything else without a single rating is
`unparseable`; callers count every status and never drop a reply silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WORDS = {
    # English
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10,
    # French
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "neuf": 9,
    "dix": 10,
}  # fmt: skip
_ZH = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NUMBER = r"(?:\d+|" + "|".join(_WORDS) + ")"
_SCALE_MENTIONS = [
    re.compile(rf"\b(?:from\s+|de\s+)?{_NUMBER}\s*(?:-|–|—|to|à|through|and)\s*{_NUMBER}\b", re.I),
    re.compile(rf"\b(?:out\s+of|sur)\s+{_NUMBER}\b", re.I),
    re.compile(rf"/\s*{_NUMBER}\b", re.I),
    re.compile(r"[1一]\s*(?:到|至|-|~)\s*[7七]"),
    re.compile(r"满分\s*[7七]"),
]
_DIGITS = re.compile(r"(?<![\d.])\d+(?![\d.]*\d)")
_WORD = "|".join(_WORDS)
# A number word counts when the reply is just that word or it follows a rating cue ("I'd say five",
# "je dirais cinq"): "one" and "une" are too common as ordinary words to be read anywhere.
_WORD_RATING = re.compile(
    rf"(?:^\W*({_WORD})\W*$|(?:say|rate\s+(?:it|myself|this)(?:\s+an?)?|choose|pick|answer\s+is|score\s+(?:is|of)|"
    rf"rating\s+(?:is|of)|dirais|choisis|note\s+(?:est|de)|réponse\s+est)\W+({_WORD})\b)",
    re.I,
)
# A Chinese numeral counts only as a rating: alone, before 分 ("points"), or after 选/打/给/评/：.
_ZH_RATING = re.compile(
    r"(?:^|[选打给评：:是])\s*([零一二两三四五六七八九十])\s*(?:分|$)|([零一二两三四五六七八九十])\s*分"
)
_REFUSAL = re.compile(
    r"\b(?:i\s+(?:can(?:no|')t|am\s+(?:not\s+able|unable)|won't|will\s+not|do\s+not|don't)\s+"
    r"(?:rate|answer|provide|give|assign|choose|have\s+personal)|as\s+an\s+ai\b|i'm\s+(?:not\s+able|unable)|"
    r"je\s+ne\s+(?:peux|suis)\s+pas|en\s+tant\s+qu['e]\s*(?:ia|intelligence)|je\s+n'ai\s+pas)"
    r"|无法|不能|作为(?:一个)?人工智能|作为AI|我没有",
    re.I,
)


@dataclass(frozen=True)
class LikertParse:
    """A parsed rating (None unless status is "ok") and how the reply was read."""

    value: int | None
    status: str


def parse_likert(reply: str, low: int = 1, high: int = 7) -> LikertParse:
    """The single rating a reply names, or why there is none (see module docstring)."""
    text = unicodedata.normalize("NFKC", reply or "").strip()  # NFKC turns full-width digits into ASCII
    if not text:
        return LikertParse(None, "unparseable")
    stripped = text
    for pattern in _SCALE_MENTIONS:
        stripped = pattern.sub(" ", stripped)
    numbers = [int(t) for t in _DIGITS.findall(stripped)]
    if not numbers:
        numbers = [_ZH[m.group(1) or m.group(2)] for m in _ZH_RATING.finditer(stripped)]
    if not numbers:
        numbers = [_WORDS[(m.group(1) or m.group(2)).lower()] for m in _WORD_RATING.finditer(stripped)]
    distinct = set(numbers)
    if len(distinct) == 1:
        value = distinct.pop()
        return LikertParse(value, "ok") if low <= value <= high else LikertParse(None, "out_of_range")
    if not distinct and _REFUSAL.search(text):
        return LikertParse(None, "refusal")
    return LikertParse(None, "unparseable")
