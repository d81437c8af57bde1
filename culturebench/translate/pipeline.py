"""`culturebench translate`: source rows -> protected, cached, checked translations, one config per language.

Everything that can be wrong is checked before a model is loaded: the dataset and its fields, the languages,
the engine spec and its files, the output and cache folders. Only texts missing from the cache reach the engine.
"""

from __future__ import annotations

import importlib.util
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from culturebench.translate import output
from culturebench.translate.cache import TranslationCache
from culturebench.translate.engines import Engine, Settings, make_engine
from culturebench.translate.languages import SOURCE_LANGUAGE, Language, resolve_languages
from culturebench.translate.protect import Masked, Restored, mask, restore
from culturebench.translate.quality import DEFAULT_LENGTH_FACTOR, DEFAULT_MIN_CHRF, chrf, length_outliers, length_ratio
from culturebench.translate.sentences import join_sentences, split_sentences
from culturebench.translate.source import Source, load_source, text_fields, texts_at, with_texts

log = logging.getLogger(__name__)

CACHE_DIR = ".cache"  # hidden: publishing (culturebench.hub) leaves it home


@dataclass(frozen=True)
class Request:
    dataset: str
    to: str
    engine: str
    out: Path
    source_language: str = SOURCE_LANGUAGE
    config: str | None = None
    fields: list[str] | None = None
    cache_dir: Path | None = None  # default OUT/.cache
    back_translate: bool = False
    min_chrf: float = DEFAULT_MIN_CHRF
    length_factor: float = DEFAULT_LENGTH_FACTOR
    batch_size: int = 16
    limit: int | None = None
    settings: Settings = field(default_factory=Settings)


@dataclass
class Unit:
    """One string of one item (a field, or one option's text) and its sentences, masked."""

    item: int
    path: str
    text: str
    masks: list[Masked]


class CachedTranslator:
    """An engine behind the cache: only texts the cache lacks are sent, in batches, each appended when done."""

    def __init__(self, engine: Engine, cache: TranslationCache, batch_size: int) -> None:
        self.engine, self.cache, self.batch_size = engine, cache, batch_size
        self.stats: Counter[str] = Counter()

    def translate(self, masks: list[Masked], src: str, tgt: str, desc: str) -> dict[str, str]:
        """{masked text: its translation}; texts with nothing to translate map to themselves."""
        result = {m.text: m.text for m in masks if not m.needs_engine}
        wanted = list(dict.fromkeys(m.text for m in masks if m.needs_engine))
        missing = []
        for text in wanted:
            hit = self.cache.get(text, src, tgt)
            if hit is None:
                missing.append(text)
            else:
                result[text] = hit
        self.stats["cached"] += len(wanted) - len(missing)
        missing.sort(key=len)  # similar lengths batch with little padding
        with tqdm(total=len(missing), desc=desc, unit="text", disable=not missing) as bar:
            for start in range(0, len(missing), self.batch_size):
                batch = missing[start : start + self.batch_size]
                out = self.engine.translate(batch, src, tgt)
                if len(out) != len(batch):
                    raise RuntimeError(f"the engine returned {len(out)} translations for {len(batch)} texts")
                self.cache.add([(t, src, tgt, o) for t, o in zip(batch, out)])
                result.update(zip(batch, out))
                self.stats["translated"] += len(batch)
                self.stats["engine_calls"] += 1
                bar.update(len(batch))
        return result


def _units(rows: tuple[dict, ...], paths: list[str]) -> list[Unit]:
    return [
        Unit(i, path, text, [mask(s) for s in split_sentences(text)])
        for i, row in enumerate(rows)
        for path in paths
        for text in texts_at(row, path)
    ]


def _restore_unit(unit: Unit, done: dict[str, str], language: str) -> Restored:
    """The unit's sentences restored and joined; the worst sentence status is the unit's."""
    parts = [restore(done[m.text], m) for m in unit.masks]
    joined = Restored(join_sentences([p.text for p in parts], language))
    for part in parts:
        for flag, detail in part.notes:
            joined.note(flag, detail, part.status)
    return joined


def translate_dataset(req: Request) -> dict:
    """Translate, check and write; returns what the run did (the folder's record is OUT/translation.json)."""
    languages = resolve_languages(req.to, req.source_language)
    if req.batch_size < 1 or req.settings.beams < 1 or req.settings.max_new_tokens < 1:
        raise ValueError("--batch-size, --beams and --max-new-tokens must be at least 1")
    if not 0 <= req.min_chrf <= 100 or req.length_factor <= 1:
        raise ValueError("--min-chrf must lie in 0-100 and --length-factor be above 1")
    _check_installed(req)
    source = load_source(req.dataset, req.config, req.limit)
    paths = text_fields(source.rows, req.fields)
    units = _units(source.rows, paths)
    cache_dir = Path(req.cache_dir) if req.cache_dir else Path(req.out) / CACHE_DIR
    engine = make_engine(req.engine, Settings(**{**vars(req.settings), "work_dir": cache_dir}))
    record = output.open_record(Path(req.out), engine.identity, source, paths, req.source_language)
    cache = TranslationCache(cache_dir, engine.identity)
    translator = CachedTranslator(engine, cache, req.batch_size)
    log.info("%d items, fields %s, %d languages, cache %s (%d entries)", len(source.rows), paths, len(languages),
             cache.path, len(cache))  # fmt: skip
    for language in languages:
        items = _translate_language(req, source, units, language, translator)
        output.write_language(Path(req.out), record, source, language, items, _checks(req), _options(req))
    return {
        "out": str(req.out),
        "cache": str(cache.path),
        "model_loaded": engine.loaded,
        **{k: translator.stats[k] for k in ("translated", "cached", "engine_calls")},
        "languages": {lang.lang: record["languages"][lang.lang]["counts"] for lang in languages},
    }


def _check_installed(req: Request) -> None:
    """The optional packages this run needs, named before any work starts."""
    needed = {"ctranslate2": req.engine.startswith("ct2:"), "sacrebleu": req.back_translate}
    missing = [name for name, wanted in needed.items() if wanted and importlib.util.find_spec(name) is None]
    if missing:
        raise RuntimeError(f"this run needs {', '.join(missing)}: pip install {' '.join(missing)}")


def _options(req: Request) -> list[str]:
    """The command-line options of this run that shape every language's output, as given (the card's Reproduce)."""
    options = ["--engine", req.engine]
    if not req.engine.startswith("llm:"):  # an llm's decoding is fixed (prompt version, temperature 0)
        options += ["--beams", str(req.settings.beams), "--max-new-tokens", str(req.settings.max_new_tokens)]
    if req.settings.revision:
        options += ["--revision", req.settings.revision]
    if req.fields:
        options += ["--fields", ",".join(req.fields)]
    if req.limit is not None:
        options += ["--limit", str(req.limit)]
    return options


def _checks(req: Request) -> dict:
    return {"back_translation": req.back_translate, "min_chrf": req.min_chrf, "length_factor": req.length_factor}


def _translate_language(
    req: Request, source: Source, units: list[Unit], language: Language, translator: CachedTranslator
) -> list[dict]:
    """Per item: its translated row, status (ok | repaired | rejected), flags, chrF and length ratio."""
    src, tgt = req.source_language, language.nllb
    done = translator.translate([m for u in units for m in u.masks], src, tgt, f"{language.lang} <- {src}")
    restored = [_restore_unit(u, done, tgt) for u in units]
    items = [
        {"id": row["id"], "status": "ok", "flags": [], "chrf": None, "back_translation": None} for row in source.rows
    ]
    texts: dict[int, dict[str, list[str]]] = {i: {} for i in range(len(source.rows))}
    for unit, res in zip(units, restored):
        item = items[unit.item]
        texts[unit.item].setdefault(unit.path, []).append(res.text)
        item["flags"] += [{"flag": flag, "field": unit.path, "detail": detail} for flag, detail in res.notes]
        if res.status == "rejected" or item["status"] == "ok":
            item["status"] = res.status
    if req.back_translate:
        _back_translate(req, units, restored, items, language, translator)
    ratios = {}
    for i, row in enumerate(source.rows):
        src_texts = [t for p in texts[i] for t in texts_at(row, p)]
        ratios[i] = length_ratio([t for v in texts[i].values() for t in v], src_texts)
        items[i]["length_ratio"] = round(ratios[i], 3)
        new = row
        for path, values in texts[i].items():
            new = with_texts(new, path, values)
        items[i]["row"] = {**new, "lang": language.lang}
    kept = {i: r for i, r in ratios.items() if items[i]["status"] != "rejected"}
    for i, off in length_outliers(kept, req.length_factor).items():
        items[i]["flags"].append(
            {"flag": "length_ratio", "field": None, "detail": f"{off:.2f} x the language's median length ratio"}
        )
    return items


def _back_translate(
    req: Request,
    units: list[Unit],
    restored: list[Restored],
    items: list[dict],
    language: Language,
    translator: CachedTranslator,
) -> None:
    """chrF of each item's back-translation into the source language against the source; low ones flagged."""
    back_masks = [[mask(s) for s in split_sentences(res.text)] for res in restored]
    done = translator.translate(
        [m for ms in back_masks for m in ms], language.nllb, req.source_language, f"{language.lang} -> back"
    )
    back: dict[int, list[tuple[str, str]]] = {}
    for unit, masks in zip(units, back_masks):
        text = join_sentences([restore(done[m.text], m).text for m in masks], req.source_language)
        back.setdefault(unit.item, []).append((unit.text, text))
    for i, pairs in back.items():
        score = chrf("\n".join(b for _, b in pairs), "\n".join(s for s, _ in pairs))
        items[i]["chrf"] = round(score, 2)
        items[i]["back_translation"] = [b for _, b in pairs]
        if score < req.min_chrf:
            items[i]["flags"].append(
                {"flag": "low_chrf", "field": None, "detail": f"back-translation chrF {score:.1f} < {req.min_chrf:g}"}
            )
