"""Offline test setup: no Hub, a temporary HF_HOME, the shared reference folder when present."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_HF_HOME = tempfile.mkdtemp(prefix="culturebench-hf-")
os.environ.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", HF_HOME=_HF_HOME, TOKENIZERS_PARALLELISM="false")

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def reference() -> Path:
    """`../shared/reference` (validation data); tests that need it skip where it is absent."""
    if not REFERENCE.is_dir():
        pytest.skip(f"reference data not found at {REFERENCE} (only in the team's checkout, not in a user's clone)")
    return REFERENCE


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    from culturebench.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")
