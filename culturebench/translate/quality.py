"""Quality checks on a translated item: chrF of its back-translation against the source, and its length ratio."""

from __future__ import annotations

import statistics

DEFAULT_MIN_CHRF = 40.0
DEFAULT_LENGTH_FACTOR = 2.0


def chrf(hypothesis: str, reference: str) -> float:
    """sacrebleu's sentence chrF (character 6-grams, beta 2, spaces ignored), 0-100."""
    from sacrebleu import sentence_chrf

    return sentence_chrf(hypothesis, [reference]).score


def length_ratio(translation: list[str], source: list[str]) -> float:
    """Characters of an item's translated fields over those of its source fields."""
    return sum(map(len, translation)) / max(1, sum(map(len, source)))


def length_outliers(ratios: dict[str, float], factor: float) -> dict[str, float]:
    """{item: ratio / the language's median ratio} for items more than `factor` times off the median.

    The median stands for what is normal in the language (scripts differ: Chinese runs to a third of the
    English characters, German to more), so one bound serves every language.
    """
    if not ratios:
        return {}
    median = statistics.median(ratios.values())
    if median <= 0:
        return {item: 0.0 for item in ratios}
    return {item: r / median for item, r in ratios.items() if not 1 / factor <= r / median <= factor}
