"""Target languages from the country registry; chrF and length checks."""

from __future__ import annotations

from fractions import Fraction

import pytest
from sacrebleu import sentence_chrf

from culturebench.translate.languages import resolve_languages
from culturebench.translate.quality import chrf, length_outliers


@pytest.mark.parametrize("name", ["fra_Latn", "fr", "FR", "French", "france"])
def test_a_language_is_found_by_code_country_or_name(name):
    [lang] = resolve_languages(name)
    assert (lang.nllb, lang.lang, lang.resource_level) == ("fra_Latn", "fr", "high")


def test_languages_are_deduplicated_and_groups_expand():
    assert [lang.lang for lang in resolve_languages("es,Spain,MX,Chinese")] == ["es", "zh"]
    assert resolve_languages("es")[0].countries == ("ES", "MX")
    low = resolve_languages("low")
    assert low and {lang.resource_level for lang in low} == {"low"}
    everything = resolve_languages("all")
    assert "eng_Latn" not in {lang.nllb for lang in everything} and len(everything) > len(low)


def test_unknown_or_source_languages_are_clear_errors():
    with pytest.raises(ValueError, match=r"unknown target language 'Klingon'.*fra_Latn \(fr, French\)"):
        resolve_languages("fr,Klingon")
    with pytest.raises(ValueError, match="is the source language"):
        resolve_languages("English")
    with pytest.raises(ValueError, match="unknown source language"):
        resolve_languages("fr", source="xxx_Latn")


def test_chrf_of_a_hand_worked_pair_equals_sacrebleu():
    # chrF (sacrebleu defaults): spaces dropped, character n-grams n = 1..6, precision and recall averaged over n,
    # then F-beta with beta = 2. Hypothesis "my aunt" -> "myaunt" (6 chars), reference "my aunts" -> "myaunts" (7).
    # Every hypothesis n-gram occurs in the reference, so precision is 1 at each n; the reference has one more
    # n-gram than the hypothesis at each n, so recall at n is (7 - n) / (8 - n).
    recall = sum(Fraction(7 - n, 8 - n) for n in range(1, 7)) / 6  # (6/7 + 5/6 + 4/5 + 3/4 + 2/3 + 1/2) / 6
    assert recall == Fraction(1851, 420) / 6 == Fraction(617, 840)  # over 420: 360 + 350 + 336 + 315 + 280 + 210
    precision = Fraction(1)
    f2 = (1 + 2**2) * precision * recall / (2**2 * precision + recall)
    assert f2 == Fraction(5 * 617, 4 * 840 + 617) == Fraction(3085, 3977)
    expected = 100 * float(f2)  # 77.571...
    assert chrf("my aunt", "my aunts") == pytest.approx(expected, abs=1e-9)
    assert sentence_chrf("my aunt", ["my aunts"]).score == pytest.approx(expected, abs=1e-9)
    assert chrf("", "my aunts") == 0.0


def test_length_outliers_are_judged_against_the_language_median():
    ratios = {"a": 0.30, "b": 0.33, "c": 0.35, "d": 0.9, "e": 0.12}  # a Chinese-like median near 0.33
    off = length_outliers(ratios, factor=2.0)
    assert set(off) == {"d", "e"} and off["d"] == pytest.approx(0.9 / 0.33)
    assert length_outliers({}, 2.0) == {}
