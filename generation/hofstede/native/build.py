"""Build hf_datasets/hofstede_native from the core dilemmas (en.json) and their translations (<lang>.json).

    python generation/hofstede/native/build.py [--out DIR]

Every <lang>.json is checked against en.json before anything is written (every core id with its scenario,
question and two options; `{country}` as often as in the English persona; the ASCII letters A and B in the
instruction; every number the English text writes in digits kept), and every problem is reported with its
file and id. Digits for numbers the English writes in words are allowed; other added digits are flagged. Where
a reviewer's back-translation back/<lang>.json exists, each item's chrF against the English
(culturebench.translate.quality) and its length ratio are recorded in annotations/qc.jsonl and flagged items
are listed in the card. Languages not translated yet are simply absent (the card names them). Rerunning gives
identical files.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
from collections import Counter
from pathlib import Path

import yaml

from culturebench.benchmarks.hofstede.documents import hofstede_items
from culturebench.cards import RELEASE_END, RELEASE_START, write_release_block
from culturebench.files import write_text
from culturebench.jsonl import write_jsonl
from culturebench.resources import resource_dir
from culturebench.translate.quality import DEFAULT_LENGTH_FACTOR, DEFAULT_MIN_CHRF, chrf, length_outliers, length_ratio
from culturebench.versioning import content_hash

HERE = Path(__file__).resolve().parent
DATASET = "hofstede_native"
VERSION = "1.0.0"
SOURCE_LANG = "en"
NLLB_MODEL = "facebook/nllb-200-distilled-600M"
PROMPT_FIELDS = ("persona", "country_name", "instruction", "answer_cue")
SLOT = "{country}"
_ANY_SLOT = re.compile(r"\{[^{}]*\}")
_DIGIT_GROUPING = re.compile(r"(?<=[0-9])[.,'’\u00a0\u202f](?=[0-9])")  # 1,500 = 1.500 = 1 500 (narrow spaces)


class TranslationError(ValueError):
    """One or more translation files break the rules; the message lists each problem with its file and id."""


def seed001_languages() -> dict[str, dict[str, str]]:
    """{ISO 639-1: registry row} of seed 001's 36 persona countries, in registry order (one country per language)."""
    path = resource_dir("hf_datasets") / "countries" / "data" / "countries.csv"
    with path.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["in_seed001"] == "True"]
    langs: dict[str, dict[str, str]] = {}
    for row in rows:
        if row["lang"] in langs:
            raise ValueError(f"{path}: seed-001 language {row['lang']!r} belongs to two countries")
        langs[row["lang"]] = row
    return langs


def numbers(text: str) -> Counter[str]:
    """The numbers written in ASCII digits, digit grouping ignored (1,500 and 1 500 are both 1500)."""
    return Counter(re.findall(r"[0-9]+", _DIGIT_GROUPING.sub("", text)))


_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
          "seventeen eighteen nineteen").split()  # fmt: skip
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split()
NUMBER_WORDS: dict[str, int] = {
    **{w: i for i, w in enumerate(_SMALL)},
    **{w: 20 + 10 * i for i, w in enumerate(_TENS)},
    **{w[:-1] + "ies": 20 + 10 * i for i, w in enumerate(_TENS)},  # "in our thirties": 30代
    **{"teens": 10, "teenager": 10, "teenagers": 10, "half": 2, "quarter": 4, "quarters": 4},  # 10代, 4分の1
    **{w: i + 1 for i, w in enumerate(_ORDINALS)},
    **{"a": 1, "an": 1, "once": 1, "twice": 2, "couple": 2, "pair": 2, "dozen": 12, "hundred": 100, "thousand": 1000},
}


def spelled_numbers(english: str) -> Counter[str]:
    """Numbers an English text writes in words (each word, and runs such as twenty-eight or two hundred): what a
    translation may write in digits instead ("three-day" as "3日間")."""
    found: Counter[str] = Counter()
    run: list[int] = []
    for word in [*re.findall(r"[a-z]+", english.lower()), ""]:
        if word in NUMBER_WORDS:
            run.append(NUMBER_WORDS[word])
            found[str(NUMBER_WORDS[word])] += 1
            continue
        if len(run) > 1:
            total = 0
            for value in run:
                total = total * value if value in (100, 1000) and total else total + value
            found[str(total)] += 1
        run = []
    return found


def added_numbers(text: str, english: str) -> list[str]:
    """Numbers in a translation that the English writes neither in digits nor in words: flagged for a reader."""
    return sorted((numbers(text) - numbers(english) - spelled_numbers(english)).elements())


def _texts(entry: dict) -> dict[str, str]:
    """{field: text} of one item: scenario, question, option 1, option 2."""
    return {
        "scenario": entry["scenario"],
        "question": entry["question"],
        **{f"option {i + 1}": o for i, o in enumerate(entry["options"])},
    }


def _item_problems(entry: object, english: dict) -> list[str]:
    if not isinstance(entry, dict):
        return ["is not an object with scenario, question and options"]
    problems = [f"{key} is missing or empty" for key in ("scenario", "question")
                if not isinstance(entry.get(key), str) or not entry[key].strip()]  # fmt: skip
    options = entry.get("options")
    if not isinstance(options, list) or len(options) != 2 or not all(isinstance(o, str) and o.strip() for o in options):
        problems.append("options must be a list of two non-empty texts")
    if problems:
        return problems
    for name, text in _texts(entry).items():
        problems += _text_problems(name, text, _texts(english)[name])
    return problems


def _text_problems(name: str, text: str, english: str, slots: bool = True) -> list[str]:
    """Digits (and slots) that one translated text must share with its English source."""
    problems = []
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        problems.append(f"{name} writes digits in a non-ASCII script (the guidelines ask for ASCII digits)")
    lost = numbers(english) - numbers(text)
    if lost:
        got = sorted(numbers(text).elements())
        problems.append(f"{name} lacks the English numbers {sorted(lost.elements())} (it has {got})")
    if slots and _ANY_SLOT.findall(text) != _ANY_SLOT.findall(english):
        problems.append(f"{name} has the slots {_ANY_SLOT.findall(text)}, the English {_ANY_SLOT.findall(english)}")
    return problems


def check_translation(data: object, path: Path, source: dict, lang: str) -> list[str]:
    """Every problem of one <lang>.json, each as 'path: where: what' (empty when the file is good)."""
    if not isinstance(data, dict):
        return [f"{path}: not a JSON object"]
    problems = [f"lang is {data.get('lang')!r}, the file name says {lang!r}"] if data.get("lang") != lang else []
    registry = seed001_languages()
    if lang not in registry:
        problems.append(f"{lang!r} is not a language of seed 001's countries ({', '.join(registry)})")
    elif data.get("country") not in (None, registry[lang]["alpha2"]):
        problems.append(f"country is {data['country']!r}; seed 001 asks {lang} for {registry[lang]['alpha2']}")
    for key in (*PROMPT_FIELDS, "language"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            problems.append(f"{key} is missing or empty")
    if not problems:
        if data["persona"].count(SLOT) != source["persona"].count(SLOT):
            problems.append(
                f"persona has {SLOT} {data['persona'].count(SLOT)} times, the English {source['persona'].count(SLOT)}"
            )
        for letter in ("A", "B"):
            if not re.search(rf"(?<![A-Za-z0-9]){letter}(?![A-Za-z0-9])", data["instruction"]):
                problems.append(f"instruction lacks the ASCII answer letter {letter} standing alone")
        for key in ("persona", "instruction", "answer_cue"):
            problems += _text_problems(key, data[key], source[key], slots=key != "persona")  # persona: counted above
    problems = [f"{path}: {p}" for p in problems]
    items = data.get("items")
    if not isinstance(items, dict):
        return [*problems, f"{path}: items is missing"]
    for item_id, english in source["items"].items():
        if item_id not in items:
            problems.append(f"{path}: item {item_id}: missing")
        else:
            problems += [f"{path}: item {item_id}: {p}" for p in _item_problems(items[item_id], english)]
    problems += [f"{path}: item {i}: not a core item of en.json" for i in items if i not in source["items"]]
    return problems


def check_back_translation(data: object, path: Path, source: dict) -> list[str]:
    """A back-translation must hold every core item with its texts (it is compared with the English)."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), dict):
        return [f"{path}: not a JSON object with items"]
    problems = []
    for item_id in source["items"]:
        entry = data["items"].get(item_id)
        if entry is None:
            problems.append(f"{path}: item {item_id}: missing")
        elif not isinstance(entry, dict) or not isinstance(entry.get("options"), list) or len(entry["options"]) != 2:
            problems.append(f"{path}: item {item_id}: needs scenario, question and two options")
        elif not all(isinstance(t, str) for t in _texts(entry).values()):
            problems.append(f"{path}: item {item_id}: a text is not a string")
    return problems


def _read(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise TranslationError(f"{path}: not valid JSON ({e})") from None


def read_sources(folder: Path, exclude: tuple[str, ...] = ()) -> tuple[dict, dict[str, dict], dict[str, dict]]:
    """(en.json, {lang: translation}, {lang: back-translation}) after every check; TranslationError lists all.

    `exclude`: languages held back (a file under revision); they are neither checked nor shipped.
    """
    folder = Path(folder)
    source = _read(folder / f"{SOURCE_LANG}.json")
    shipped = {i["id"]: i for i in hofstede_items()}
    problems = []
    for item_id, entry in source["items"].items():
        item = shipped.get(item_id)
        if item is None or _texts(entry) != _texts({**item, "options": [o["text"] for o in item["options"]]}):
            problems.append(
                f"{folder / 'en.json'}: item {item_id}: differs from hofstede_dilemmas; rerun select_core.py"
            )
    order = list(seed001_languages())
    langs = sorted((p.stem for p in folder.glob("*.json") if p.stem not in (SOURCE_LANG, *exclude)),
                   key=lambda lang: (order.index(lang) if lang in order else len(order), lang))  # fmt: skip
    translations, backs = {}, {}
    for lang in langs:
        path = folder / f"{lang}.json"
        translations[lang] = _read(path)
        problems += check_translation(translations[lang], path, source, lang)
        back = folder / "back" / f"{lang}.json"
        if back.is_file():
            backs[lang] = _read(back)
            problems += check_back_translation(backs[lang], back, source)
    for back in sorted((folder / "back").glob("*.json")):
        if back.stem not in translations and back.stem not in exclude:
            problems.append(f"{back}: a back-translation without {folder / back.name}")
    if problems:
        raise TranslationError(f"{len(problems)} problem(s) in the translations:\n" + "\n".join(problems))
    return source, translations, backs


def qc_rows(lang: str, data: dict, back: dict | None, source: dict) -> list[dict]:
    """Per item: chrF of the back-translation against the English (None without one), length ratio, flags."""
    rows = []
    for item_id, english in source["items"].items():
        src, texts = _texts(english), _texts(data["items"][item_id])
        score = chrf(" ".join(_texts(back["items"][item_id]).values()), " ".join(src.values())) if back else None
        added = [f"{k}: {n}" for k in src for n in added_numbers(texts[k], src[k])]
        rows.append({"lang": lang, "id": item_id, "chrf": None if score is None else round(score, 2),
                     "length_ratio": round(length_ratio(list(texts.values()), list(src.values())), 3),
                     "added_numbers": added, "flags": []})  # fmt: skip
    for row in rows:
        if row["chrf"] is not None and row["chrf"] < DEFAULT_MIN_CHRF:
            row["flags"].append("low_chrf")
        if row["added_numbers"]:
            row["flags"].append("digits_added")
    off = length_outliers({r["id"]: r["length_ratio"] for r in rows}, DEFAULT_LENGTH_FACTOR)
    for row in rows:
        if row["id"] in off:
            row["flags"].append("length_ratio")
    return rows


def build(source_dir: Path = HERE, out: Path | None = None, exclude: tuple[str, ...] = ()) -> Path:
    """Check the translations, then write the dataset folder (data, annotations, card); returns the folder."""
    source, translations, backs = read_sources(source_dir, exclude)
    out = Path(out) if out is not None else resource_dir("hf_datasets") / DATASET
    registry = seed001_languages()
    english = {i["id"]: i for i in hofstede_items()}
    langs = {SOURCE_LANG: source, **translations}
    prompts, qc = [], []
    (out / "data").mkdir(parents=True, exist_ok=True)
    for lang, data in langs.items():
        country = registry[lang]
        rows = []
        for item_id in source["items"]:
            entry, item = data["items"][item_id], english[item_id]
            rows.append({
                "id": item_id, "dimension": item["dimension"], "domain": item["domain"], "lang": lang,
                "country": country["alpha2"], "scenario": entry["scenario"], "question": entry["question"],
                "options": [{"text": t, "pole": o["pole"]} for t, o in zip(entry["options"], item["options"])],
            })  # fmt: skip
        write_jsonl(out / "data" / f"{lang}.jsonl", rows)
        prompts.append({
            "lang": lang, "language": country["language"] if lang == SOURCE_LANG else data["language"],
            "country": country["alpha2"], "country_name": data["country_name"], "persona": data["persona"],
            "instruction": data["instruction"], "answer_cue": data["answer_cue"],
            "resource_level": country["resource_level"], "nllb": country["nllb"],
        })  # fmt: skip
        if lang != SOURCE_LANG:
            qc += qc_rows(lang, data, backs.get(lang), source)
    write_jsonl(out / "data" / "prompts.jsonl", prompts)
    wanted = {f"{lang}.jsonl" for lang in langs} | {"prompts.jsonl"}
    for stale in (out / "data").glob("*.jsonl"):
        if stale.name not in wanted:
            stale.unlink()
    write_jsonl(out / "annotations" / "qc.jsonl", qc)
    write_card(out, prompts, qc, backs, source)
    return out


def _added(row: dict) -> str:
    return (
        f"; numbers the English writes neither in digits nor words: {', '.join(row['added_numbers'])}"
        if row["added_numbers"]
        else ""
    )


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.1f}" if values else "—"


def write_card(out: Path, prompts: list[dict], qc: list[dict], backs: dict[str, dict], source: dict) -> None:
    """The card: YAML header (configs per language + prompts), how it was made, chrF per language, flagged items."""
    langs = [p["lang"] for p in prompts]
    registry = seed001_languages()
    missing = [lang for lang in registry if lang not in langs]
    translated = [lang for lang in registry if lang != SOURCE_LANG]
    front = {
        "pretty_name": "CultureBench: Hofstede advice dilemmas in the persona countries' languages",
        "license": "cc-by-4.0",
        "language": langs,
        "task_categories": ["multiple-choice"],
        "size_categories": ["1K<n<10K"],
        "tags": ["culture", "values", "hofstede", "multilingual", "llm-evaluation"],
        "version": VERSION,
        "content_hash": content_hash(out),
        "configs": [
            *(
                {
                    "config_name": lang,
                    **({"default": True} if lang == SOURCE_LANG else {}),
                    "data_files": [{"split": "test", "path": f"data/{lang}.jsonl"}],
                }
                for lang in langs
            ),  # fmt: skip
            {"config_name": "prompts", "data_files": [{"split": "test", "path": "data/prompts.jsonl"}]},
        ],
    }
    table = []
    for p in prompts:
        if p["lang"] == SOURCE_LANG:
            continue
        rows = [r for r in qc if r["lang"] == p["lang"]]
        scores = [r["chrf"] for r in rows if r["chrf"] is not None]
        back = backs.get(p["lang"])
        persona = f"{chrf(back['persona'], source['persona']):.1f}" if back and "persona" in back else "—"
        table.append(
            f"| `{p['lang']}` | {p['language']} | {p['country']} | {p['resource_level']} | {len(rows)} | "
            f"{'yes' if back else 'pending'} | {_median(scores)} | {min(scores, default=0):.1f} | {persona} | "
            f"{_median([r['length_ratio'] for r in rows])} | {sum(1 for r in rows if r['flags'])} |"
            if scores
            else f"| `{p['lang']}` | {p['language']} | {p['country']} | {p['resource_level']} | {len(rows)} | "
            f"pending | — | — | — | {_median([r['length_ratio'] for r in rows])} | "
            f"{sum(1 for r in rows if r['flags'])} |"
        )
    flagged = [f"- `{r['lang']}` `{r['id']}`: {', '.join(r['flags'])} (chrF {'—' if r['chrf'] is None else r['chrf']}, "
               f"length ratio {r['length_ratio']}{_added(r)})" for r in qc if r["flags"]]  # fmt: skip
    n_items = len(source["items"])
    lines = [
        "# Hofstede advice dilemmas in the persona countries' languages",
        "",
        f"The core of `hofstede_dilemmas` ({n_items} dilemmas: {n_items // 6} per Hofstede dimension, two per "
        "dimension and domain, drawn by a seeded choice in `generation/hofstede/native/select_core.py`) in the "
        "language of each of seed 001's 36 persona countries, with the persona sentence, answer instruction and "
        "answer cue in that language. The lm-eval task `culturebench_hofstede_native` asks each country's persona "
        "in its own language; `culturebench_hofstede_native_en` asks the same items of the same countries in "
        "English, the comparison the report draws (by prompt language and by resource level, as seed 001 did).",
        "",
        "## Loading",
        "",
        RELEASE_START,
        RELEASE_END,
        "",
        "## Configs",
        "",
        "- One config per language (ISO 639-1; `en`, the source, is the default), a `test` split each: rows `id`, "
        "`dimension`, `domain`, `lang`, `country` (the persona country, ISO alpha-2), `scenario`, `question`, "
        "`options` (`text`, `pole`: the poles are the English item's, options in the English order).",
        "- `prompts`: one row per language: `lang`, `language`, `country`, `country_name` (as it reads in the persona "
        "sentence), `persona` (with the `{country}` slot), `instruction` (answer letters kept as ASCII A and B), "
        "`answer_cue`, `resource_level` (the registry's: high > 1 % of web content, mid 0.1-1 %, low < 0.1 %), `nllb`.",
        "- `annotations/qc.jsonl` (not a config): per language and item, the chrF of the back-translation against "
        "the English, the length ratio (translated / English characters) and the flags.",
        "",
        "## How the translations were made",
        "",
        "NLLB weights cannot be downloaded on this project's machines, so the core was translated by the project's "
        "translators: language-model agents briefed with `generation/hofstede/native/translation_guidelines.md` "
        "(meaning kept exactly, the two options balanced in form and length, the `{country}` slot as often as in "
        "the English, ASCII answer letters and digits, the country's standard script), in the way the VSM "
        "survey's 20 languages were made. Each translation was then back-translated into English by an independent "
        "reviewer who did not see the English source.",
        "",
        "The builder (`generation/hofstede/native/build.py`) refuses a translation with a missing item, a lost or "
        "extra `{country}` slot, answer letters that are not ASCII A and B, or a number the English writes in "
        "digits lost or changed. A number the English spells out may be written in digits (Japanese writes "
        "`three-day` as `3日間`); digits the English writes neither way are flagged `digits_added`. It scores each "
        "item's back-translation against the English with chrF (sacrebleu, 0-100, "
        f"`culturebench.translate.quality`) and flags items under {DEFAULT_MIN_CHRF:g} (`low_chrf`) and items whose "
        f"length ratio is more than {DEFAULT_LENGTH_FACTOR:g} times off the language's median (`length_ratio`). "
        "chrF of a back-translation measures the round trip, not the translation alone: a flag asks a reader of "
        "the language to look, it does not reject.",
        "",
        "| lang | language | country | resource level | items | back-translation | median chrF | lowest chrF "
        "| persona chrF | median length ratio | flagged |",
        "|---" * 11 + "|",
        *table,
        "",
        "Languages of seed 001 not shipped yet: "
        + (", ".join(f"`{lang}` ({registry[lang]['language']})" for lang in missing) if missing else "none")
        + ".",
        "",
        "## Flagged for review",
        "",
        *(flagged or ["- none"]),
        "",
        "## The full bank by machine translation",
        "",
        "This folder holds the core only. With the NLLB weights at hand (they are not on this project's machines), "
        "the whole `hofstede_dilemmas` bank is one command away, with the same protected slots, back-translation "
        "and flags:",
        "",
        "```",
        f"culturebench translate hofstede_dilemmas --to {','.join(translated)} --engine nllb:{NLLB_MODEL} "
        "--back-translate --out hofstede_dilemmas_nllb",
        "```",
        "",
        "It translates the items; the persona, instruction and answer cue of each language are this dataset's "
        "`prompts` config.",
    ]
    text = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n\n" + "\n".join(lines) + "\n"
    write_text(out / "README.md", text)
    write_release_block(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help=f"dataset folder to write; default the shipped {DATASET}")
    parser.add_argument(
        "--exclude", default="", metavar="LANGS", help="comma-separated languages to hold back (under revision)"
    )
    args = parser.parse_args(argv)
    try:
        out = build(HERE, args.out, tuple(x.strip() for x in args.exclude.split(",") if x.strip()))
    except TranslationError as e:
        raise SystemExit(str(e)) from None
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
