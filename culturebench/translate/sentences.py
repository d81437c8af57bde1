"""Sentence splitting: NLLB is trained on sentences and drops or garbles parts of long paragraphs, so each
sentence of a scenario is translated on its own and the translations are joined again."""

from __future__ import annotations

import re

_END = re.compile(r"[.!?]+[\"”’»)\]]*\s+(?![a-z])|[。！？]+[」』”）]*\s*")
_ABBREVIATIONS = ("Mr.", "Mrs.", "Ms.", "Dr.", "St.", "e.g.", "i.e.", "etc.", "vs.")
_NO_SPACE = ("zho_Hans", "zho_Hant", "jpn_Jpan", "yue_Hant")  # scripts that join sentences without a space


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, each stripped; a text without a sentence end is one sentence."""
    out: list[str] = []
    start = 0
    for m in _END.finditer(text):
        if m.end() >= len(text) or text[start : m.end()].rstrip().endswith(_ABBREVIATIONS):
            continue
        out.append(text[start : m.end()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def join_sentences(sentences: list[str], language: str) -> str:
    return ("" if language in _NO_SPACE else " ").join(sentences)
