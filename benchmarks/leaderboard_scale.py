"""The leaderboard at scale: collect 100 synthetic runs, then time the app's first paint.

    python benchmarks/leaderboard_scale.py                 # 100 runs
    python benchmarks/leaderboard_scale.py --runs 300 --browser

One synthetic run is written through the real report code (tests/leaderboard/synthetic.py); the
others are copies of its metrics.json under other model names with jittered headline numbers, so
collect reads and schema-checks N real metrics.json files. Prints the seconds of: collect; building
the app's Blocks (reading the folder and ranking: the first table); drawing the plots tab; and, with
--browser, headless Chromium's time from navigation to the rankings table shown (the first paint a
visitor sees). The targets (issue 15): collect in seconds, first paint under two seconds.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import socket
import sys
import tempfile
import time
from pathlib import Path

# The synthetic runs are test code (tests/leaderboard/synthetic.py: it names the benchmarks' tasks, which the
# library must not), so the repo root goes on the path to import it when this file is run as a script.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROW = re.compile(r"^synthetic/model-\d+$")  # a rankings-table cell of a synthetic model
REGISTRY_NAMES = ("Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.1-8B-Instruct", "mistralai/Mistral-7B-Instruct-v0.3",
                  "01-ai/Yi-1.5-9B-Chat", "THUDM/glm-4-9b-chat", "google/gemma-3-4b-it")  # fmt: skip


def synthetic_runs(root: Path, n: int, seed: int = 0) -> list[Path]:
    """N run folders: one written by the report code, N - 1 copies of its metrics.json with jittered numbers."""
    from tests.leaderboard.synthetic import Respondent, write_run

    base = write_run(root / "run-000", Respondent("synthetic/model-000", skill=0.7))
    metrics = json.loads((base / "metrics.json").read_text())
    rng = random.Random(seed)
    runs = [base]
    for i in range(1, n):
        m = copy.deepcopy(metrics)
        name = REGISTRY_NAMES[i % len(REGISTRY_NAMES)] if i < len(REGISTRY_NAMES) else f"synthetic/model-{i:03d}"
        m["run"]["model_args"] = {"pretrained": name}
        m["run"]["model_name"] = name
        for headline in m["headline"].values():
            for h in headline.values():
                if isinstance(h.get("value"), float):
                    shift = rng.gauss(0, 0.2)
                    h["value"] += shift
                    if h.get("ci_low") is not None:
                        h["ci_low"] += shift
                        h["ci_high"] += shift
        folder = root / f"run-{i:03d}"
        folder.mkdir(parents=True)
        (folder / "metrics.json").write_text(json.dumps(m))
        runs.append(folder)
    return runs


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]  # fmt: skip


def browser_first_paint(demo) -> float:
    """Seconds from navigation to the rankings table visible, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/")  # warm-up: the first visit compiles the frontend's assets
            page.locator("#rankings-table").get_by_text(ROW).first.wait_for(timeout=60_000)
            start = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/")
            page.locator("#rankings-table").get_by_text(ROW).first.wait_for(timeout=60_000)
            seconds = time.perf_counter() - start
            browser.close()
    finally:
        demo.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100, help="synthetic runs; default 100")
    parser.add_argument("--browser", action="store_true", help="also time the first paint in headless Chromium")
    args = parser.parse_args()

    from culturebench.leaderboard.app import App, build_app
    from culturebench.leaderboard.board import load_board
    from culturebench.leaderboard.collect import collect
    from culturebench.leaderboard.published import write_published

    with tempfile.TemporaryDirectory(prefix="leaderboard-scale-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        runs = synthetic_runs(root / "runs", args.runs)
        print(f"wrote {len(runs)} synthetic runs in {time.perf_counter() - start:.1f} s")

        start = time.perf_counter()
        table = collect(runs, root / "board")
        write_published(root / "board", None)
        collect_s = time.perf_counter() - start
        print(f"collect: {table['run'].nunique()} runs, {len(table)} results in {collect_s:.2f} s")

        start = time.perf_counter()
        demo = build_app(root / "board", cache=root / "cache")
        build_s = time.perf_counter() - start
        print(
            f"first paint, server side (read the folder, rank, build the Blocks with the first table): {build_s:.2f} s"
        )

        start = time.perf_counter()
        App(load_board(root / "board"), root / "cache").plots()
        print(f"plots tab (map with every model, heatmap, deviation-ratio bars): {time.perf_counter() - start:.2f} s")

        if args.browser:
            print(f"first paint in headless Chromium (navigation -> rankings table shown): "
                  f"{browser_first_paint(demo):.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
