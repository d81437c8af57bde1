"""The CultureBench leaderboard Space. All logic lives in culturebench.leaderboard; this file only starts it.

The results dataset (written by `culturebench leaderboard collect`, pushed by `culturebench leaderboard
publish`) is read from the Hub dataset named by $CULTUREBENCH_RESULTS_REPO (e.g. culturebench/results) when
it is set, else from the folder $CULTUREBENCH_BOARD, by default `data/` next to this file.
Locally: `culturebench leaderboard serve DIR`.
"""

import os
from pathlib import Path

from culturebench.leaderboard.app import build_app
from culturebench.leaderboard.publish import board_from_hub

repo = os.environ.get("CULTUREBENCH_RESULTS_REPO")
folder = board_from_hub(repo) if repo else Path(os.environ.get("CULTUREBENCH_BOARD", Path(__file__).parent / "data"))
demo = build_app(folder)

if __name__ == "__main__":
    demo.launch()
