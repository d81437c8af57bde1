"""Synthetic runs with known answers, built once per session and collected into one leaderboard folder."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from culturebench.leaderboard.collect import collect
from culturebench.leaderboard.published import write_published
from tests.conftest import REFERENCE
from tests.leaderboard.synthetic import Respondent, write_run

# The oracle follows the ground truth; the middling one (a registry model, so filters find it) half does;
# the letter-only one always answers the first option, as in the foundation tests.
RESPONDENTS = (
    Respondent("org/oracle", skill=1.0),
    Respondent("Qwen/Qwen2.5-7B-Instruct", skill=0.4, seed=1),
    Respondent("org/letter-only", letter_only=True),
)


@pytest.fixture(scope="session")
def synthetic_runs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    return {r.name: write_run(root / r.name.replace("/", "_"), r) for r in RESPONDENTS}


@pytest.fixture(scope="session")
def board(synthetic_runs, tmp_path_factory) -> Path:
    """A leaderboard folder collected from the synthetic runs, with the published-studies tables (those
    recomputed from the reference data only where it is present)."""
    out = tmp_path_factory.mktemp("board")
    collect(list(synthetic_runs.values()), out)
    write_published(out, REFERENCE if REFERENCE.is_dir() else None)
    return out


@pytest.fixture(scope="session")
def served(board, tmp_path_factory):
    """The leaderboard app on the board, started on 127.0.0.1 (a free port); yields its URL."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from culturebench.leaderboard.app import build_app

    demo = build_app(board, cache=tmp_path_factory.mktemp("app-cache"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()
