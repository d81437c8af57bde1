"""What must survive translation: {slots}, option letters, answer digits and numbers.

Before translation each such span is replaced by a placeholder (`XQZ` and two capital letters: no word in any
language, no digits a model could localise, one token sequence NLLB copies rather than translates). After
translation the placeholders are put back. A placeholder the model dropped is re-inserted where that can be
done without guessing (the span opened or closed the source text); one it repeated keeps its first copy. Any
other loss rejects the text, and every repair or rejection is reported as a flag for review.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

PREFIX = "XQZ"
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FOUND = re.compile(PREFIX + r"([A-Z]{2})", flags=re.I)
_SLOT = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_NUMBER = re.compile(r"(?<![^\W\d_])\d+(?:[.,:]\d+)*(?![^\W\d_])")
_PROTECTED = re.compile(
    rf"(?P<slot>{_SLOT.pattern})|(?P<number>{_NUMBER.pattern})|(?P<letter>\([A-H]\)|(?<![\w'’])[A-H](?![\w'’]))"
)
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|[\"“(]\s*)$")
_EDGE = re.compile(r"[\W_]*", flags=re.U)  # punctuation and spaces only
_TRAILING_PUNCT = re.compile(r"[\s.,;:!?…。？！、»«\"”’)\]]*$")
_MAX_SLOTS = len(_ALPHABET) ** 2


@dataclass(frozen=True)
class Masked:
    """A source text with its protected spans replaced by placeholders."""

    source: str
    text: str
    spans: tuple[tuple[str, str], ...]  # (placeholder, original span), in source order
    at_start: str | None = None  # the text's opening up to its first word, when that holds a placeholder
    at_end: str | None = None  # the text's close from its last placeholder, when only punctuation follows it

    def opens_with(self, placeholder: str) -> bool:
        return self.at_start is not None and _FOUND.search(self.at_start).group() == placeholder

    def closes_with(self, placeholder: str) -> bool:
        return self.at_end is not None and self.at_end.startswith(placeholder)

    @property
    def needs_engine(self) -> bool:
        """False when nothing but placeholders, digits and punctuation is left to translate."""
        return bool(re.search(r"[^\W\d_]", _FOUND.sub("", self.text)))


@dataclass
class Restored:
    text: str
    status: str = "ok"  # ok | repaired (kept, flagged) | rejected (dropped, flagged)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (flag, detail)

    def note(self, flag: str, detail: str, status: str) -> None:
        self.notes.append((flag, detail))
        if status == "rejected" or self.status == "ok":
            self.status = status


def _is_article(text: str, m: re.Match) -> bool:
    """English 'A' opening a sentence before a lower-case word is the article, not an option letter."""
    after = text[m.end() :]
    return (
        m["letter"] == "A"
        and after[:1] == " "
        and after[1:2].islower()
        and bool(_SENTENCE_START.search(text[: m.start()]))
    )


def mask(text: str) -> Masked:
    """Replace the protected spans of `text` by numbered placeholders."""
    if PREFIX.lower() in text.lower():
        raise ValueError(f"the text contains the placeholder prefix {PREFIX!r}, which translation reserves: {text!r}")
    spans: list[tuple[str, str]] = []
    pieces: list[str] = []
    last = 0
    for m in _PROTECTED.finditer(text):
        if m["letter"] and _is_article(text, m):
            continue
        if len(spans) == _MAX_SLOTS:
            raise ValueError(f"more than {_MAX_SLOTS} protected spans in one text: {text[:80]!r}…")
        i = len(spans)
        placeholder = PREFIX + _ALPHABET[i // len(_ALPHABET)] + _ALPHABET[i % len(_ALPHABET)]
        spans.append((placeholder, m.group()))
        pieces += [text[last : m.start()], placeholder]
        last = m.end()
    pieces.append(text[last:])
    masked = "".join(pieces)
    first = _FOUND.search(masked)
    opening = first.end() + _EDGE.match(masked, first.end()).end() - first.end() if first else 0
    at_start = masked[:opening] if first and _EDGE.fullmatch(masked[: first.start()]) else None
    ends = list(_FOUND.finditer(masked))
    at_end = masked[ends[-1].start() :] if ends and _EDGE.fullmatch(masked[ends[-1].end() :]) else None
    return Masked(text, masked, tuple(spans), at_start, at_end)


def restore(translation: str, masked: Masked) -> Restored:
    """Put the protected spans back into a translation of `masked.text`, repairing or rejecting as the module says."""
    original = dict(masked.spans)
    out = Restored(translation)
    seen: Counter[str] = Counter()

    def keep_first(m: re.Match) -> str:
        placeholder = m.group().upper()
        if placeholder not in original:
            out.note("slot_invented", f"the translation made up a placeholder {m.group()!r}; removed", "repaired")
            return ""
        seen[placeholder] += 1
        if seen[placeholder] == 1:
            return placeholder
        out.note("slot_duplicated", f"{original[placeholder]!r} appeared twice; the extra copy was removed", "repaired")
        return ""

    text = _FOUND.sub(keep_first, translation)
    for placeholder, span in masked.spans:
        if seen[placeholder]:
            continue
        if masked.opens_with(placeholder):
            text = masked.at_start.rstrip() + " " + text.lstrip()
            out.note("slot_reinserted", f"{span!r} was lost; re-inserted at the start", "repaired")
        elif masked.closes_with(placeholder):
            body = _TRAILING_PUNCT.sub("", text)
            text = body + " " + masked.at_end
            out.note("slot_reinserted", f"{span!r} was lost; re-inserted at the end", "repaired")
        else:
            out.note("slot_lost", f"{span!r} was lost mid-text; cannot be re-inserted without guessing", "rejected")
    text = _FOUND.sub(lambda m: original[m.group().upper()], text)
    if PREFIX.lower() in text.lower():
        text = re.sub(PREFIX, "", text, flags=re.I)
        out.note("slot_invented", f"the translation holds a broken placeholder {PREFIX!r}; removed", "repaired")
    out.text = re.sub(r"[ \t]{2,}", " ", text).strip()
    _check_result(out, masked.source)
    return out


def _check_result(out: Restored, source: str) -> None:
    """Flags what the placeholders cannot guard: slots or numbers the translation made up."""
    if not out.text:
        out.note("empty", "the translation is empty", "rejected")
        return
    want, got = Counter(_SLOT.findall(source)), Counter(_SLOT.findall(out.text))
    if got - want:
        out.note("slot_invented", f"slots {dict(got)} where the source has {dict(want)}", "rejected")
    elif want - got and out.status != "rejected":
        out.note("slot_lost", f"slots {dict(got)} where the source has {dict(want)}", "rejected")
    extra = Counter(_NUMBER.findall(out.text)) - Counter(_NUMBER.findall(source))
    if extra:
        out.note("number_added", f"numbers not in the source: {', '.join(sorted(extra))}", "repaired")
