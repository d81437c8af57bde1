"""`culturebench leaderboard publish`: a collected board to a loopback Hub, read back as the Space would."""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path

import gradio as gr
import huggingface_hub.constants
import pandas as pd
import pytest
from huggingface_hub import HfApi, hf_hub_download

from culturebench.hub import PublishError
from culturebench.leaderboard.collect import RESULTS_DIR, TABLE_FILE
from culturebench.leaderboard.publish import board_from_hub, publish_board
from tests.hub.conftest import hub  # noqa: F401  (the loopback Hub fixture)

REPO = "culturebench/results"


@pytest.fixture
def folder(board, tmp_path):
    return shutil.copytree(board, tmp_path / "board")


@pytest.mark.slow  # the shared synthetic board takes ~20 s to build the first time
def test_board_round_trip_mirror_and_the_space_reading_it(hub, folder, tmp_path, capsys, monkeypatch):  # noqa: F811
    assert publish_board(folder, REPO, endpoint=hub.url, dry_run=True) == "planned"
    assert hub.writes() == [] and not (folder / "README.md").exists()  # a dry run writes nothing anywhere
    assert publish_board(folder, REPO, endpoint=hub.url) == "published"
    api = HfApi(endpoint=hub.url)
    on_hub = {f.rfilename for f in api.repo_info(REPO, repo_type="dataset").siblings}
    local = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert local <= on_hub and {"README.md", TABLE_FILE} <= on_hub
    table = pd.read_parquet(hf_hub_download(REPO, TABLE_FILE, repo_type="dataset", endpoint=hub.url,
                                            cache_dir=tmp_path / "hf-cache"))  # fmt: skip
    assert table.equals(pd.read_parquet(folder / TABLE_FILE))

    dropped = sorted((folder / RESULTS_DIR).glob("*.json"))[0]
    dropped.unlink()  # a run taken off the board locally leaves the Hub too
    entry = dropped.stem
    kept = pd.read_parquet(folder / TABLE_FILE)
    kept[kept["entry"] != entry].to_parquet(folder / TABLE_FILE, index=False)
    assert publish_board(folder, REPO, endpoint=hub.url) == "published"
    on_hub = {f.rfilename for f in api.repo_info(REPO, repo_type="dataset").siblings}
    assert f"{RESULTS_DIR}/{entry}.json" not in on_hub
    assert "published" in capsys.readouterr().out

    # the Space, pointed at the dataset, serves what was published
    monkeypatch.setenv("CULTUREBENCH_RESULTS_REPO", REPO)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "space-home"))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "space-home" / "hub"))
    demo = runpy.run_path(str(Path(__file__).resolve().parents[2] / "leaderboard" / "app.py"))["demo"]
    assert isinstance(demo, gr.Blocks)
    served = board_from_hub(REPO)
    assert pd.read_parquet(served / TABLE_FILE).equals(pd.read_parquet(folder / TABLE_FILE))
    assert not (served / RESULTS_DIR / f"{entry}.json").exists()


def test_refusals_before_anything_is_sent(hub, tmp_path):  # noqa: F811
    with pytest.raises(FileNotFoundError, match="leaderboard collect"):
        publish_board(tmp_path, REPO, endpoint=hub.url)
    with pytest.raises(PublishError, match="ORG/NAME"):
        publish_board(tmp_path, "results", endpoint=hub.url)
    assert hub.requests == []
