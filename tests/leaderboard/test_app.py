"""The leaderboard app through gradio_client, one test per named endpoint, against the app on 127.0.0.1."""

from __future__ import annotations

import json
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import gradio as gr
import pandas as pd
import pytest
import yaml
from gradio_client import Client

from culturebench.benchmarks.vsm.leaderboard import SEED003_TABLE3
from culturebench.leaderboard.app import build_app
from culturebench.leaderboard.figures import slots

ENDPOINTS = {"/rankings", "/profile", "/plots", "/published"}


@pytest.fixture(scope="module")
def client(served) -> Client:
    return Client(served, verbose=False)


def _frame(value: dict) -> pd.DataFrame:
    return pd.DataFrame(value["data"], columns=value["headers"])


def _png(path: str) -> bool:
    return Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_endpoint_is_named(client):
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == ENDPOINTS


def test_rankings_endpoint_ranks_and_filters(client):
    overall = _frame(client.predict("overall", [], [], [], api_name="/rankings"))
    assert overall["model"].iloc[-1] == "org/letter-only" and len(overall) == 3
    assert "entry" not in overall  # internal columns stay hidden
    hofstede = _frame(client.predict("hofstede", [], [], [], api_name="/rankings"))
    assert hofstede["model"].tolist()[0] == "org/oracle" and hofstede["alignment_r_IDV"].iloc[0].endswith("(#1)")
    cn = _frame(client.predict("overall", ["CN"], [], [], api_name="/rankings"))
    assert cn["model"].tolist() == ["Qwen/Qwen2.5-7B-Instruct"] and cn["origin"].tolist() == ["CN"]


def test_the_benchmarks_declare_the_figures_in_the_page_order():
    assert [f.key for _, f in slots("profile")] == ["map", "alignment", "radar", "selfconcept"]
    assert [f.key for _, f in slots("plots")] == ["map", "heatmap", "deviation_ratio"]
    assert [f.wide for _, f in slots("profile")] == [False, False, True, True]  # map and alignment share a row


def test_profile_endpoint_draws_the_card_and_links_the_files(client, board):
    card, map_png, alignment, radar, selfconcept, files = client.predict(
        next(label for label in _labels(board) if label.startswith("org/oracle")), api_name="/profile"
    )
    assert "## org/oracle" in card and "alignment_r_IDV" in card and "[" in card
    for image in (map_png, alignment, radar):
        assert _png(image)
    assert selfconcept is None  # the synthetic runs have no self-concept samples: nothing drawn
    names = sorted(Path(f).name for f in files)
    assert names[0].endswith(".json") and "metrics.json" in names and "report.md" in names
    metrics = json.loads(Path(next(f for f in files if f.endswith("metrics.json"))).read_text())
    assert metrics["headline"]["hofstede"]["alignment_r_IDV"]["value"] > 0.99
    with pytest.raises(Exception, match="nobody"):  # refused by name, not drawn
        client.predict("nobody (0000)", api_name="/profile")


def test_plots_endpoint_draws_three_figures(client):
    paths = client.predict(api_name="/plots")
    assert len(paths) == 3 and all(_png(p) for p in paths)


def test_published_endpoint_names_the_source_and_the_caveat(client, board):
    title = "Seed 003: deviation ratio per country, averaged over ten models"
    about, table = client.predict(title, api_name="/published")
    assert "Table 3" in about and "never ranked" in about
    frame = _frame(table)
    assert dict(zip(frame["country"], frame["deviation_ratio"])) == dict(SEED003_TABLE3)


def test_a_folder_that_was_not_collected_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="culturebench leaderboard collect"):
        build_app(tmp_path)


def _labels(board: Path) -> list[str]:
    from culturebench.leaderboard.board import load_board

    return list(load_board(board).labels())


def test_space_files_start_the_same_app(board, monkeypatch):
    space = Path(__file__).resolve().parents[2] / "leaderboard"
    header = yaml.safe_load((space / "README.md").read_text().split("---")[1])
    assert header["sdk"] == "gradio" and (space / header["app_file"]).is_file()
    assert str(header["sdk_version"]).split(".")[0] == gr.__version__.split(".")[0] == "6"
    assert (
        "gradio" in (space / "requirements.txt").read_text()
        and "gradio_leaderboard" not in (space / "requirements.txt").read_text()
    )
    monkeypatch.setenv("CULTUREBENCH_BOARD", str(board))
    demo = runpy.run_path(str(space / "app.py"))["demo"]  # not __main__: builds, does not launch
    assert isinstance(demo, gr.Blocks)
    assert {d.api_name for d in demo.fns.values()} >= {n.lstrip("/") for n in ENDPOINTS}


@pytest.mark.slow  # a second Python process importing gradio (about 15 s)
def test_leaderboard_serve_starts_the_app(board):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "culturebench", "leaderboard", "serve", str(board), "--port",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=5) as r:
                    config = json.load(r)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.5)
        assert {d["api_name"] for d in config["dependencies"]} == {n.lstrip("/") for n in ENDPOINTS}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
