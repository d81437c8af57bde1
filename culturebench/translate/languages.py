"""Target languages of a translation, taken from the country registry (its NLLB codes and resource levels)."""

from __future__ import annotations

from dataclasses import dataclass

from culturebench.countries import RESOURCE_LEVELS, all_countries

SOURCE_LANGUAGE = "eng_Latn"


@dataclass(frozen=True)
class Language:
    nllb: str  # NLLB / FLORES-200 code: what the engines are given
    lang: str  # ISO 639-1: the config name and the rows' `lang`
    name: str
    resource_level: str
    countries: tuple[str, ...]  # alpha-2 codes of the registry countries that speak it


def registry_languages() -> dict[str, Language]:
    """{NLLB code: Language} for every language of the registry, in registry order."""
    found: dict[str, Language] = {}
    for c in all_countries():
        if c.nllb in found:
            old = found[c.nllb]
            found[c.nllb] = Language(old.nllb, old.lang, old.name, old.resource_level, (*old.countries, c.alpha2))
        else:
            found[c.nllb] = Language(c.nllb, c.lang, c.language, c.resource_level, (c.alpha2,))
    return found


def resolve_languages(spec: str, source: str = SOURCE_LANGUAGE) -> list[Language]:
    """Languages named in a comma-separated `spec`, deduplicated, in the order given.

    Each name is tried as an NLLB code (fra_Latn), an ISO 639-1 code (fr), a country's alpha-2 code (FR),
    a language name (French; "Chinese" for "Chinese (Mandarin)") or a country name (France); `all` is
    every registry language but the source, and high / mid / low every one of that resource level.
    """
    langs = registry_languages()
    if source not in langs:
        raise ValueError(f"unknown source language {source!r}; valid NLLB codes: {', '.join(langs)}")
    out: dict[str, Language] = {}
    names = [s.strip() for s in spec.split(",") if s.strip()]
    if not names:
        raise ValueError("--to names no language")
    for name in names:
        for language in _lookup(name, langs, source):
            if language.nllb == source:
                raise ValueError(f"--to {name!r} is the source language {source}: nothing to translate")
            out[language.nllb] = language
    return list(out.values())


def _lookup(name: str, langs: dict[str, Language], source: str) -> list[Language]:
    key = name.lower()
    if key == "all":
        return [lang for lang in langs.values() if lang.nllb != source]
    if key in RESOURCE_LEVELS:
        return [lang for lang in langs.values() if lang.resource_level == key and lang.nllb != source]
    tests = (
        lambda lang: lang.nllb.lower() == key,
        lambda lang: lang.lang == name,
        lambda lang: name.upper() in lang.countries,
        lambda lang: key in (lang.name.lower(), lang.name.split(" (")[0].lower()),
        lambda lang: any(c.name.lower() == key for c in all_countries() if c.alpha2 in lang.countries),
    )
    for test in tests:
        hits = [lang for lang in langs.values() if test(lang)]
        if hits:
            return hits
    valid = ", ".join(f"{lang.nllb} ({lang.lang}, {lang.name})" for lang in langs.values())
    raise ValueError(
        f"unknown target language {name!r}: give an NLLB code, ISO 639-1 code, country code, language or country "
        f"name from the registry (hf_datasets/countries), 'all', or a resource level ({', '.join(RESOURCE_LEVELS)}). "
        f"Valid languages: {valid}"
    )
