"""The CultureBench leaderboard Space. All logic lives in culturebench.leaderboard; this file only starts it.

The results dataset (written by `culturebench leaderboard collect`) is read from $CULTUREBENCH_BOARD,
by default the `data/` folder next to this file. Locally: `culturebench leaderboard serve DIR`.
"""

import os
from pathlib import Path

from culturebench.leaderboard.app import build_app

demo = build_app(Path(os.environ.get("CULTUREBENCH_BOARD", Path(__file__).parent / "data")))

if __name__ == "__main__":
    demo.launch()
