"""Country registry: codes, languages, resource levels and Hofstede ground truths.

The data are the shipped dataset `hf_datasets/countries` (one copy, also published on the Hub);
this module only reads and checks it. Countries are ISO 3166-1 alpha-2 codes inside the project.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache, lru_cache

from culturebench.dimensions import DIMENSIONS, check_dimension
from culturebench.resources import dataset_dir

GROUND_TRUTHS: dict[str, str] = {
    "hofstede_2015": "Hofstede, Hofstede & Minkov six-dimension country table, geerthofstede.com, release 2015-08-16",
    "hofstede_insights": "Hofstede Insights country scores as published in Kharchenko et al. "
    "(2024, seed 001), Table 4 (five dimensions, no IVR)",
}
DEFAULT_GROUND_TRUTH = "hofstede_2015"
RESOURCE_LEVELS: tuple[str, ...] = ("high", "mid", "low")


class UnknownCountryError(KeyError):
    """A country code or name that the registry does not hold."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class MissingScoreError(LookupError):
    """A registry country without a ground-truth score for the dimension asked."""


@dataclass(frozen=True)
class Country:
    alpha2: str
    name: str
    name_in_text: str  # as it reads mid-sentence: 'the Netherlands'
    language: str
    lang: str  # ISO 639-1
    nllb: str  # NLLB / FLORES-200 code
    resource_level: str  # high | mid | low: share of web content in the language >1 %, 0.1-1 %, <0.1 %
    resource_level_source: str


@lru_cache(maxsize=1)
def _registry() -> dict[str, Country]:
    path = dataset_dir("countries") / "data" / "countries.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out: dict[str, Country] = {}
    for i, row in enumerate(rows, start=2):
        if row["resource_level"] not in RESOURCE_LEVELS:
            raise ValueError(f"{path}:{i}: resource_level {row['resource_level']!r} not in {RESOURCE_LEVELS}")
        out[row["alpha2"]] = Country(**{k: row[k] for k in Country.__dataclass_fields__})
    return out


def all_countries() -> list[Country]:
    """Every registry country, in file order."""
    return list(_registry().values())


def get_country(code_or_name: str) -> Country:
    """Look a country up by alpha-2 code (any case) or English name."""
    reg = _registry()
    key = code_or_name.strip()
    if key.upper() in reg:
        return reg[key.upper()]
    for country in reg.values():
        if country.name.lower() == key.lower():
            return country
    raise UnknownCountryError(f"unknown country {code_or_name!r}; valid alpha-2 codes: {', '.join(sorted(reg))}")


@cache
def _truth_table(truth: str) -> dict[str, dict[str, float]]:
    if truth not in GROUND_TRUTHS:
        raise ValueError(f"unknown ground truth {truth!r}; valid: {', '.join(GROUND_TRUTHS)}")
    path = dataset_dir("countries") / "data" / f"{truth}.csv"
    table: dict[str, dict[str, float]] = {}
    with path.open(encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f), start=2):
            if row["alpha2"] not in _registry():
                raise ValueError(f"{path}:{i}: country {row['alpha2']!r} is not in the registry")
            table[row["alpha2"]] = {d: float(row[d]) if row[d] != "" else math.nan for d in DIMENSIONS}
    return table


def hofstede_score(country: str, dimension: str, truth: str = DEFAULT_GROUND_TRUTH) -> float:
    """One ground-truth score; a clear error where the country or its score is missing."""
    code = get_country(country).alpha2
    dim = check_dimension(dimension)
    table = _truth_table(truth)
    value = table.get(code, {}).get(dim, math.nan)
    if math.isnan(value):
        have = sorted(c for c, s in table.items() if not math.isnan(s[dim]))
        raise MissingScoreError(
            f"{truth} has no {dim} score for {code} ({get_country(code).name}); countries with one: {', '.join(have)}"
        )
    return value


def hofstede_scores(dimension: str, truth: str = DEFAULT_GROUND_TRUTH) -> dict[str, float]:
    """{alpha2: score} for every registry country that has a score on this dimension."""
    dim = check_dimension(dimension)
    return {c: s[dim] for c, s in _truth_table(truth).items() if not math.isnan(s[dim])}


def countries_with_score(dimension: str) -> list[str]:
    """Registry countries with a score for the dimension in any ground truth, in registry order."""
    have = set()
    for truth in GROUND_TRUTHS:
        have |= set(hofstede_scores(dimension, truth))
    return [c.alpha2 for c in all_countries() if c.alpha2 in have]


EXTERNAL_FACTORS: dict[str, str] = {
    "gdp_usd_millions_2020": "World Bank WDI, GDP 2020 (current US$), release of 2021-07-01",
    "web_content_share_pct_2022": "W3Techs share of websites in the country's main language, March 2022 (OBDILCI v3.4)",
}


def external_factors() -> dict[str, dict[str, float]]:
    """{factor: {alpha2: value}} for the countries with a sourced value (empty cells are left out; a copy)."""
    return {factor: dict(values) for factor, values in _external_factors().items()}


@cache
def _external_factors() -> dict[str, dict[str, float]]:
    path = dataset_dir("countries") / "data" / "external_factors.csv"
    out: dict[str, dict[str, float]] = {f: {} for f in EXTERNAL_FACTORS}
    with path.open(encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f), start=2):
            get_country(row["alpha2"])
            for factor in EXTERNAL_FACTORS:
                if row[factor] != "":
                    try:
                        out[factor][row["alpha2"]] = float(row[factor])
                    except ValueError:
                        raise ValueError(f"{path}:{i}: {factor} is not a number: {row[factor]!r}") from None
    return out
