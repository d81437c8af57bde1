"""`culturebench leaderboard publish DIR --repo ORG/NAME`: a collected leaderboard folder to a Hub dataset.

The folder is the whole board (what the Space reads): it is checked as the app would load it, then mirrored
to the dataset repo, files that left the folder leaving the repo too. Token and error handling are the item
banks' (culturebench.hub): the token comes from HF_TOKEN or the Hub login, never from a file in the folder.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from huggingface_hub import HfApi, constants

from culturebench.files import write_text
from culturebench.hub import PublishError, hub_errors, hub_token, release_files
from culturebench.leaderboard.board import load_board
from culturebench.leaderboard.collect import RESULTS_DIR, RUNS_DIR, TABLE_FILE

CARD = """---
pretty_name: "CultureBench leaderboard results"
license: cc-by-4.0
tags:
  - culture
  - leaderboard
configs:
  - config_name: default
    data_files:
      - split: train
        path: {table}
---

# CultureBench leaderboard results

The results dataset the CultureBench leaderboard Space reads, written by `culturebench leaderboard collect`:
`{table}` (one row per run, benchmark and headline metric, with its 95% CI), `{results}/*.json` (one
results file per run: config and results), `{runs}/<entry>/` (each run's metrics.json and report.md) and
`published.json` (the seed studies' own models: other item sets and prompts, never ranked with these runs).
"""


def publish_board(
    folder: Path, repo_id: str, endpoint: str | None = None, dry_run: bool = False, say: Callable[[str], None] = print
) -> str:
    """Check the folder as the app loads it, then upload it (mirrored) to the dataset repo; returns what happened."""
    folder = Path(folder)
    if repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise PublishError(f"--repo takes ORG/NAME, got {repo_id!r}")
    board = load_board(folder)
    card = folder / "README.md"
    endpoint = (endpoint or constants.ENDPOINT).rstrip("/")
    runs = board.table["entry"].nunique()
    if dry_run:
        n_files = len(release_files(folder)) + (not card.exists())
        say(f"{repo_id}: would upload {n_files} files ({runs} runs) to {endpoint} and remove files no longer here")
        return "planned"
    if not card.exists():
        write_text(card, CARD.format(table=TABLE_FILE, results=RESULTS_DIR, runs=RUNS_DIR))
    files = release_files(folder)
    token = hub_token(folder)
    if token is None:
        raise PublishError("no Hub token: set HF_TOKEN or run `hf auth login` (dry runs need none)")
    api = HfApi(endpoint=endpoint, token=token)
    with hub_errors(endpoint):
        api.create_repo(repo_id, repo_type="dataset", exist_ok=True)
        commit = api.upload_folder(
            repo_id=repo_id,
            repo_type="dataset",
            folder_path=folder,
            allow_patterns=list(files),
            delete_patterns="*",
            commit_message=f"Leaderboard results: {runs} runs",
        )
    say(f"{repo_id}: published {runs} runs at commit {commit.oid[:12]} ({len(files)} files)")
    return "published"


def board_from_hub(repo_id: str, endpoint: str | None = None) -> Path:
    """The published results dataset downloaded into the Hugging Face cache: the folder the Space serves.

    HF_ENDPOINT is read at call time (huggingface_hub reads it once, at import).
    """
    from huggingface_hub import snapshot_download

    endpoint = endpoint or os.environ.get("HF_ENDPOINT")
    return Path(snapshot_download(repo_id, repo_type="dataset", endpoint=endpoint))


def add_parser(steps: argparse._SubParsersAction) -> None:
    """Register `culturebench leaderboard publish`."""
    p = steps.add_parser(
        "publish",
        help="push a collected leaderboard folder to a Hub dataset (what the Space reads)",
        description="Check a folder written by `culturebench leaderboard collect` as the app loads it, write its "
        "dataset card if it has none, and mirror it to the dataset repo (files no longer in the folder are removed "
        "there). The token comes from HF_TOKEN or `hf auth login`.",
    )
    p.add_argument("folder", help="folder written by `culturebench leaderboard collect`")
    p.add_argument("--repo", required=True, help="dataset repo ORG/NAME, e.g. culturebench/results")
    p.add_argument("--endpoint", help="Hub URL; default HF_ENDPOINT or https://huggingface.co")
    p.add_argument("--dry-run", action="store_true", help="check and print what would be done; write nothing")
    p.set_defaults(func=lambda args: publish_board(Path(args.folder), args.repo, args.endpoint, args.dry_run))
