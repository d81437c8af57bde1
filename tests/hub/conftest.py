"""A loopback Hub per test, and the client switched online for it (the suite runs with HF_HUB_OFFLINE=1)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import huggingface_hub.constants
import pytest

from culturebench.resources import resource_dir
from tests.hub.loopback_hub import LoopbackHub


@pytest.fixture
def hub(monkeypatch) -> Iterator[LoopbackHub]:
    """A fresh loopback Hub; HF_TOKEN holds its write token, HF_ENDPOINT its URL, offline mode is off."""
    with LoopbackHub() as server:
        monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setenv("HF_TOKEN", server.token)
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server


@pytest.fixture
def banks(tmp_path) -> Path:
    """An empty `hf_datasets` root in tmp; `copy_bank` fills it (tests never touch the shipped folders)."""
    root = tmp_path / "hf_datasets"
    root.mkdir()
    return root


def copy_bank(root: Path, name: str) -> Path:
    """A tmp copy of a shipped dataset folder, safe to change."""
    return Path(shutil.copytree(resource_dir("hf_datasets") / name, root / name))
