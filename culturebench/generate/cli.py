"""The `culturebench generate` subcommand."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from culturebench.generate.spec import load_spec


def _generate(args: argparse.Namespace) -> None:
    from culturebench.generate.banks import spec_bank
    from culturebench.generate.build import build_dataset
    from culturebench.generate.pipeline import CACHE_DIR, check_run_folder, run_generation
    from culturebench.llm.backends import backend_name, make_backend
    from culturebench.llm.client import Client

    spec = load_spec(Path(args.spec))
    spec.select(args.cells)  # unknown cells are refused before anything is built,
    spec_bank(spec)  # and so are cell values the bank does not hold
    backend_spec = args.backend or f"gemini:{spec.model}"
    blind_spec = args.blind_backend or backend_spec
    out = Path(args.out)
    check_run_folder(out, spec, backend_name(backend_spec), backend_name(blind_spec))
    if args.count is not None and args.count < 1:
        raise ValueError(f"--count must be positive, got {args.count}")
    wait = None if args.batch_wait is None else args.batch_wait * 60
    kwargs = dict(max_retries=args.max_retries, backoff_s=args.backoff, poll_s=args.poll_seconds, batch_timeout_s=wait)
    backend = make_backend(backend_spec, args.timeout)
    client = Client(backend, out / CACHE_DIR / "generate.jsonl", **kwargs)
    blind = backend if blind_spec == backend_spec else make_backend(blind_spec, args.timeout)
    blind_client = Client(blind, out / CACHE_DIR / "blind.jsonl", **kwargs)
    report = run_generation(spec, client, blind_client, out, args.cells, args.count, batch=args.batch)
    print(json.dumps({k: report[k] for k in ("drafts", "accepted", "rejected", "blind", "calls")}, indent=2))
    print(f"report: {out / 'report.md'}")
    if args.dataset:
        print(f"dataset: {build_dataset(out, spec, Path(args.dataset))}")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `culturebench generate`."""
    gp = sub.add_parser(
        "generate",
        help="draft new items for a bank from a spec, check them, label them blind, optionally build the dataset",
        description="Ask a model for drafts of every cell of SPEC (e.g. generation/specs/wvs_dilemmas.yaml), reject "
        "what a reviewer would (schema, template slots and answer letters, option-length imbalance, wording that "
        "gives the pole away, near-duplicates of the bank or of each other), label the rest blind with a second "
        "model or prompt, and write drafts, rejections with reasons and a report to OUT. Every answer is cached in "
        "OUT/cache, so an interrupted run resumes without paying twice. API keys come from the environment only: "
        "GEMINI_API_KEY or GOOGLE_API_KEY, OPENAI_API_KEY.",
    )
    gp.add_argument("spec", help="the generation spec (YAML or JSON)")
    gp.add_argument("--backend", metavar="SPEC", help="gemini:MODEL[@BASE_URL], openai:MODEL@BASE_URL or local:PATH; "
                    "default gemini:<the spec's model>")  # fmt: skip
    gp.add_argument("--blind-backend", metavar="SPEC", help="the blind annotator; default the generator with the "
                    "spec's blind prompt")  # fmt: skip
    gp.add_argument("--out", required=True, help="run folder (one spec and one pair of backends per folder)")
    gp.add_argument("--cells", nargs="+", metavar="CELL", help="only these cells, e.g. F063/family; default all")
    gp.add_argument("--count", type=int, help="drafts per cell; default the spec's count")
    gp.add_argument("--batch", action="store_true", help="send uncached requests as one Gemini Batch API job")
    gp.add_argument("--poll-seconds", type=float, default=30.0, help="batch polling interval; default 30")
    gp.add_argument("--batch-wait", type=float, metavar="MINUTES", help="stop waiting for a batch job after MINUTES "
                    "(it keeps running; run again to collect it); default: wait")  # fmt: skip
    gp.add_argument("--max-retries", type=int, default=5, help="retries on rate limits and server errors; default 5")
    gp.add_argument("--backoff", type=float, default=2.0, help="first retry delay in seconds, doubled each retry")
    gp.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for one answer before retrying; "
                    "default 120")  # fmt: skip
    gp.add_argument("--dataset", metavar="FOLDER", help="also write the bank with the accepted drafts added to "
                    "FOLDER (a new folder: version bumped, card section added, content hash recomputed)")  # fmt: skip
    gp.set_defaults(func=_generate)
