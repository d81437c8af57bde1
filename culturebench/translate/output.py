"""The translated dataset folder: data/<lang>.jsonl per language, qc/<lang>.jsonl (every item's checks),
flags.jsonl (the items for review), translation.json (what made it) and a card with one config per language.

A folder belongs to one engine identity and one source config; languages are added run by run, and each
language is written in full (atomically) as soon as it is done.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import statistics
from dataclasses import asdict
from pathlib import Path

import yaml

from culturebench.cards import RELEASE_END, RELEASE_START, write_release_block
from culturebench.files import write_json, write_text
from culturebench.jsonl import read_jsonl, write_jsonl
from culturebench.runs import read_json
from culturebench.translate.engines import EngineIdentity
from culturebench.translate.languages import Language
from culturebench.translate.quality import DEFAULT_LENGTH_FACTOR, DEFAULT_MIN_CHRF
from culturebench.translate.source import Source
from culturebench.versioning import card_field, content_hash

RECORD_FILE = "translation.json"
FLAGS_FILE = "flags.jsonl"
QC_DIR = "qc"


def source_hash(source: Source) -> str:
    """sha256 of the rows translated, so a language made from an older source shows as stale."""
    payload = json.dumps(source.rows, ensure_ascii=False, sort_keys=True).encode()
    return "sha256:" + hashlib.sha256(payload).hexdigest()


def open_record(out: Path, identity: EngineIdentity, source: Source, paths: list[str], source_language: str) -> dict:
    """The folder's record, new or read back; an error if the folder belongs to another engine or source."""
    out = Path(out)
    want = {
        "engine": asdict(identity),
        "source": {"dataset": source.name, "config": source.config, "fields": paths, "language": source_language},
    }
    path = out / RECORD_FILE
    if not path.exists():
        if (out / "data").exists() or (out / "README.md").exists():
            raise ValueError(f"{out} holds a dataset not written by `culturebench translate`; choose another --out")
        return {**want, "source": {**want["source"], "folder": str(source.folder)}, "languages": {}}
    record = read_json(path)
    for key in ("engine", "source"):
        old = {k: record.get(key, {}).get(k) for k in want[key]}
        if old != want[key]:
            raise ValueError(
                f"{out} holds translations of another {key}: {old}, not {want[key]}; "
                "one folder per engine, model and source: choose another --out"
            )
    return record


def write_language(
    out: Path, record: dict, source: Source, language: Language, items: list[dict], checks: dict, options: list[str]
) -> None:
    """Write one language's rows and checks, then the record, flags and card. `options` are the command-line
    options of the run that shape its output (engine spec as given, revision, decoding, fields, limit), kept for
    the card's Reproduce command; the check options come from each language's `checks`."""
    out = Path(out)
    record["options"] = options
    write_jsonl(out / "data" / f"{language.lang}.jsonl", [i["row"] for i in items if i["status"] != "rejected"])
    write_jsonl(out / QC_DIR / f"{language.lang}.jsonl", [{k: v for k, v in i.items() if k != "row"} for i in items])
    scores = [i["chrf"] for i in items if i["chrf"] is not None]
    statuses = [i["status"] for i in items]
    record["languages"][language.lang] = {
        "nllb": language.nllb,
        "name": language.name,
        "resource_level": language.resource_level,
        "countries": list(language.countries),
        "source_hash": source_hash(source),
        "checks": checks,
        "counts": {
            "items": len(items),
            "kept": len(items) - statuses.count("rejected"),
            "rejected": statuses.count("rejected"),
            "repaired": statuses.count("repaired"),
            "flagged": sum(1 for i in items if i["flags"]),
        },
        "median_chrf": round(statistics.median(scores), 2) if scores else None,
    }
    record["source"]["hash"] = source_hash(source)
    record["source"]["card"] = {k: source.card.get(k) for k in ("pretty_name", "license") if k in source.card}
    write_json(out / RECORD_FILE, record)
    _write_flags(out, record)
    _write_card(out, record)


def _write_flags(out: Path, record: dict) -> None:
    rows = []
    for lang in record["languages"]:
        for _, item in read_jsonl(out / QC_DIR / f"{lang}.jsonl"):
            if item["flags"]:
                rows.append({"lang": lang, **{k: item[k] for k in ("id", "status", "chrf", "length_ratio", "flags")}})
    write_jsonl(out / FLAGS_FILE, rows)


def _write_card(out: Path, record: dict) -> None:
    engine, src, langs = record["engine"], record["source"], record["languages"]
    name = src.get("card", {}).get("pretty_name") or src["dataset"]
    front = {
        "pretty_name": f"{name}: machine translations",
        "version": _card_version(out),
        "license": src.get("card", {}).get("license", "other"),
        "language": sorted(langs),
        "tags": ["culture", "multilingual", "machine-translated"],
        "translation": {
            "source_dataset": src["dataset"],
            "source_config": src["config"],
            "source_language": src["language"],
            "fields": src["fields"],
            **engine,
        },
        "content_hash": content_hash(out),
        "configs": [
            {"config_name": lang, "data_files": [{"split": "test", "path": f"data/{lang}.jsonl"}]} for lang in langs
        ],
    }
    rows = []
    for lang, info in langs.items():
        c = info["counts"]
        stale = " (stale: source changed)" if info["source_hash"] != src["hash"] else ""
        chrf = "n/a" if info["median_chrf"] is None else f"{info['median_chrf']:.1f}"
        rows.append(f"| `{lang}`{stale} | {info['nllb']} | {info['name']} | {info['resource_level']} | {c['items']} | "
                    f"{c['kept']} | {c['rejected']} | {c['repaired']} | {c['flagged']} | {chrf} |")  # fmt: skip
    spec = f"{engine['engine']}:{engine['model']}"
    lines = [
        f"# {name}: machine translations",
        "",
        f"Machine translations of `{src['dataset']}` (config `{src['config']}`, fields {', '.join(src['fields'])}) "
        f"from `{src['language']}` by `{spec}` (revision `{engine['revision']}`, {engine['decoding']}), made with "
        "`culturebench translate`. No person has reviewed them: the items under *Flagged for review* need a "
        "reader of the language before use.",
        "",
        "## Loading",
        "",
        RELEASE_START,
        RELEASE_END,
        "",
        "## Configs",
        "",
        "One config per language (ISO 639-1), a `test` split each; rows keep their source `id` and add `lang`.",
        "Rejected items are left out of their language.",
        "",
        "| config | NLLB | language | resource level | items | kept | rejected | repaired | flagged | "
        "median chrF of back-translation |",
        "|---" * 10 + "|",
        *rows,
        "",
        "## How the translations were checked",
        "",
        "- Each sentence is translated on its own. `{slots}`, option letters, answer digits and numbers are "
        "replaced by placeholders first and put back after; a lost one is re-inserted where the source text "
        "opened or closed with it (*repaired*, flagged), a repeated one keeps its first copy (*repaired*), and "
        "any other loss rejects the item.",
        "- Back-translation (where the language's `checks.back_translation` is true in `translation.json`): "
        "chrF (sacrebleu, 0-100) of the item's back-translation against the source; items under "
        "`checks.min_chrf` are flagged `low_chrf`.",
        "- Length: an item whose translated/source character ratio is more than `checks.length_factor` times "
        "off the language's median ratio is flagged `length_ratio`.",
        "- Every item's checks are in `qc/<lang>.jsonl`; the flagged ones in `flags.jsonl`.",
        "",
        "## Reproduce",
        "",
        "```",
        *_reproduce(record),
        "```",
        "",
        "## Flagged for review",
        "",
        *_flag_lines(out, langs),
    ]
    text = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n\n" + "\n".join(lines) + "\n"
    write_text(out / "README.md", text)
    write_release_block(out)


def _check_options(checks: dict) -> list[str]:
    """The command-line options that ran a language's checks as they were (defaults left out)."""
    options = []
    if checks["back_translation"]:
        options.append("--back-translate")
        if checks["min_chrf"] != DEFAULT_MIN_CHRF:
            options += ["--min-chrf", f"{checks['min_chrf']:g}"]
    if checks["length_factor"] != DEFAULT_LENGTH_FACTOR:
        options += ["--length-factor", f"{checks['length_factor']:g}"]
    return options


def _reproduce(record: dict) -> list[str]:
    """One `culturebench translate` command per set of languages checked alike, with the options the runs used."""
    src = record["source"]
    groups: dict[tuple[str, ...], list[str]] = {}
    for lang, info in record["languages"].items():
        groups.setdefault(tuple(_check_options(info["checks"])), []).append(lang)
    head = ["culturebench", "translate", src["dataset"], "--config", src["config"], "--from", src["language"]]
    return [
        shlex.join([*head, "--to", ",".join(langs), *record["options"], *checks]) for checks, langs in groups.items()
    ]


def _card_version(out: Path) -> str:
    """The version the folder's card states (bumping it is a person's call), 0.1.0 for a new card."""
    try:
        return card_field(out, "version")
    except (FileNotFoundError, ValueError):
        return "0.1.0"


def _flag_lines(out: Path, langs: dict) -> list[str]:
    lines = []
    for lang in langs:
        for _, item in read_jsonl(out / QC_DIR / f"{lang}.jsonl"):
            if item["flags"]:
                flags = ", ".join(dict.fromkeys(f["flag"] for f in item["flags"]))
                lines.append(f"- `{lang}` `{item['id']}` ({item['status']}): {flags}")
    return lines or ["- none"]
