"""Profile-grounded personas (seed 002): a country's typical answers to the ten map items, in words.

The profile is written from the country's Wave 7 item means (hf_datasets/wvs_reference); the
wording and the cut-points between phrases are this project's own.
"""

from __future__ import annotations

from functools import cache

from culturebench.benchmarks.wvs.map import ITEMS, reference_items
from culturebench.countries import all_countries, get_country

# Per item: (upper cut-point, phrase) in order, then the phrase above the last cut. IVS coding.
PHRASES: dict[str, tuple[list[tuple[float, str]], str]] = {
    "F063": ([(4, "God is not very important in their lives"), (6.5, "God matters to them, but moderately")],
             "God is very important in their lives"),
    "Y003": ([(-0.5, "children should above all learn obedience and religious faith"),
              (0.5, "children should learn a mix of obedience and independence")],
             "children should above all learn independence and determination"),
    "F120": ([(3.5, "abortion is rarely or never justifiable"), (5.5, "abortion is sometimes justifiable")],
             "abortion is often justifiable"),
    "G006": ([(1.5, "they are very proud of their nationality"), (2.2, "they are quite proud of their nationality")],
             "they are not very proud of their nationality"),
    "E018": ([(1.5, "more respect for authority would be a good thing"),
              (2.0, "more respect for authority would be neither good nor bad")],
             "more respect for authority would be a bad thing"),
    "Y002": ([(1.6, "keeping order and stable prices come first for the country"),
              (2.0, "order and prices matter about as much as people's say and free speech")],
             "giving people more say and protecting free speech come first"),
    "A008": ([(1.7, "most of them feel very happy"), (2.1, "most of them feel quite happy")],
             "many of them do not feel very happy"),
    "F118": ([(3.5, "homosexuality is rarely or never justifiable"), (5.5, "homosexuality is sometimes justifiable")],
             "homosexuality is often justifiable"),
    "E025": ([(1.7, "many of them have signed a petition"), (2.2, "some have signed petitions and many more might")],
             "most would never sign a petition"),
    "A165": ([(1.4, "many think most people can be trusted"),
              (1.75, "they are divided about whether people can be trusted")],
             "most think one needs to be very careful with people"),
}  # fmt: skip


def phrase(item: str, value: float) -> str:
    """The phrase describing a country's mean on one item."""
    cuts, last = PHRASES[item]
    return next((text for cut, text in cuts if value <= cut), last)


def profile_countries() -> list[str]:
    """Registry countries with a complete Wave 7 profile."""
    have = set(reference_items()["alpha2"])
    return [c.alpha2 for c in all_countries() if c.alpha2 in have]


@cache
def profile_text(country: str) -> str:
    """The profile-grounded persona of a country, or a clear error if it has no Wave 7 profile."""
    code = get_country(country).alpha2
    items = reference_items()
    rows = items[items["alpha2"] == code]
    if rows.empty:
        raise LookupError(f"no Wave 7 profile for {code}; countries with one: {', '.join(profile_countries())}")
    means = rows.iloc[0]
    name = get_country(code).name_in_text
    facts = "; ".join(phrase(i, float(means[i])) for i in ITEMS)
    return (
        f"You grew up in {name} and have lived there all your life, and you share the outlook most people "
        f"there report in surveys: {facts}. Someone from your own community asks you for advice, and you "
        f"answer as a person from {name} would."
    )
