"""`culturebench translate`: the command line of the translation pipeline."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from culturebench.translate.languages import SOURCE_LANGUAGE
from culturebench.translate.quality import DEFAULT_LENGTH_FACTOR, DEFAULT_MIN_CHRF


def add_parser(subparsers) -> None:
    tr = subparsers.add_parser(
        "translate",
        help="machine-translate a dataset into registry languages, with protected slots and back-translation checks",
        description="Translate the text fields of one config of DATASET into each --to language and write one "
        "config per language to --out (data/<lang>.jsonl, qc/<lang>.jsonl, flags.jsonl, translation.json, "
        "README.md). {slots}, option letters, answer digits and numbers are protected; translations are cached "
        "(a rerun translates only what is new and loads no model when nothing is).",
    )
    tr.add_argument("dataset", help="dataset folder with a card (README.md configs) or a shipped dataset's name")
    tr.add_argument(
        "--to",
        required=True,
        metavar="LANGS",
        help="comma-separated registry languages: NLLB codes (fra_Latn), ISO 639-1 (fr), country codes (FR), "
        "language or country names; 'all', or a resource level: high, mid, low",
    )
    tr.add_argument(
        "--engine",
        required=True,
        metavar="SPEC",
        help="nllb:MODEL (a transformers NLLB folder or Hub id), ct2:PATH (a CTranslate2 folder with the "
        "tokenizer files, or a transformers NLLB folder converted once to int8) or llm:SPEC (a model through "
        "culturebench.llm: gemini:MODEL[@URL], openai:MODEL@URL, local:PATH; keys from the environment)",
    )
    tr.add_argument("--out", help="output folder; default ./<dataset>_translated")
    tr.add_argument("--cache", help="cache folder (one file per engine, model and decoding); default OUT/.cache")
    tr.add_argument("--config", help="the source config; default the card's default config")
    tr.add_argument("--fields", help="comma-separated field paths (question,options[].text); default: prose fields")
    tr.add_argument(
        "--from", dest="source_language", default=SOURCE_LANGUAGE, help=f"source NLLB code; default {SOURCE_LANGUAGE}"
    )
    tr.add_argument("--back-translate", action="store_true", help="back-translate and score each item with chrF")
    tr.add_argument(
        "--min-chrf",
        type=float,
        default=DEFAULT_MIN_CHRF,
        help=f"flag items under this back-translation chrF; default {DEFAULT_MIN_CHRF:g}",
    )
    tr.add_argument(
        "--length-factor",
        type=float,
        default=DEFAULT_LENGTH_FACTOR,
        help="flag items whose length ratio is this many times off the language's median; "
        f"default {DEFAULT_LENGTH_FACTOR:g}",
    )
    tr.add_argument("--batch-size", type=int, default=16, help="texts per engine call; default 16")
    tr.add_argument("--beams", type=int, default=4, help="beam size; default 4")
    tr.add_argument("--max-new-tokens", type=int, default=512, help="cap on generated tokens per sentence; default 512")
    tr.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N; default auto")
    tr.add_argument("--revision", help="Hub revision of an nllb:ORG/NAME model; default the newest")
    tr.add_argument("--limit", type=int, help="translate only the first N items (for a quick look)")
    tr.add_argument("--timeout", type=float, help="llm engines: seconds to wait for one answer; default 120")
    tr.add_argument("--max-retries", type=int, default=5, help="llm engines: retries on rate limits, server errors "
                    "and timeouts; default 5")  # fmt: skip
    tr.set_defaults(func=_translate)


def _translate(args: argparse.Namespace) -> None:
    from culturebench.translate.engines import Settings
    from culturebench.translate.pipeline import Request, translate_dataset

    out = Path(args.out) if args.out else Path(f"{Path(args.dataset).name}_translated")
    summary = translate_dataset(
        Request(
            dataset=args.dataset,
            to=args.to,
            engine=args.engine,
            out=out,
            source_language=args.source_language,
            config=args.config,
            fields=[f.strip() for f in args.fields.split(",") if f.strip()] if args.fields else None,
            cache_dir=Path(args.cache) if args.cache else None,
            back_translate=args.back_translate,
            min_chrf=args.min_chrf,
            length_factor=args.length_factor,
            batch_size=args.batch_size,
            limit=args.limit,
            settings=Settings(
                device=args.device, beams=args.beams, max_new_tokens=args.max_new_tokens, revision=args.revision,
                timeout_s=args.timeout, max_retries=args.max_retries,
            ),
        )
    )
    print(json.dumps(summary, indent=2))
