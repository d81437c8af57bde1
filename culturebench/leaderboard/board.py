"""A collected leaderboard folder, read for the app: the results table, each run's files, the published studies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from culturebench.benchmarks import BENCHMARKS
from culturebench.leaderboard.collect import RESULTS_DIR, RUN_FILES, RUNS_DIR, TABLE_COLUMNS, TABLE_FILE
from culturebench.leaderboard.published import read_published
from culturebench.leaderboard.rank import model_facts
from culturebench.leaderboard.schema import read_results_file
from culturebench.leaderboard.views import estimate_text


@dataclass(frozen=True)
class Board:
    """What `culturebench leaderboard collect` wrote into `folder`."""

    folder: Path
    table: pd.DataFrame
    published: list[tuple[dict, pd.DataFrame]]

    def labels(self) -> dict[str, str]:
        """{'model (run)': entry} for every run, in table order."""
        runs = self.table.drop_duplicates("run")
        return {f"{m} ({r})": e for m, r, e in zip(runs["model"], runs["run"], runs["entry"])}

    def metrics(self, entry: str) -> dict:
        """A run's metrics.json as collected (the profile card's data)."""
        path = self._entry_dir(entry) / "metrics.json"
        if not path.is_file():
            raise FileNotFoundError(f"{path} does not exist: collect the run again with `culturebench leaderboard "
                                    "collect`")  # fmt: skip
        return json.loads(path.read_text(encoding="utf-8"))

    def raw_files(self, entry: str) -> list[Path]:
        """The run's files the card links: its results file and the copied metrics.json and report.md."""
        files = [self.folder / RESULTS_DIR / f"{entry}.json"] + [self._entry_dir(entry) / n for n in RUN_FILES]
        return [p for p in files if p.is_file()]

    def _entry_dir(self, entry: str) -> Path:
        if entry not in set(self.table["entry"]):
            raise LookupError(f"no run {entry!r} in {self.folder}")
        return self.folder / RUNS_DIR / entry

    def choices(self) -> dict[str, list[str]]:
        """The filter values present: origins, organisations, sizes."""
        facts = pd.DataFrame([model_facts(m) for m in self.table["model"].unique()])
        if facts.empty:
            return {"origin": [], "organisation": [], "size": []}
        return {k: sorted(facts[k].astype(str).unique()) for k in ("origin", "organisation", "size")}


def load_board(folder: Path) -> Board:
    """Read a leaderboard folder; a clear error when it was not collected."""
    folder = Path(folder)
    path = folder / TABLE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: build the folder with `culturebench leaderboard collect "
                                f"RUN... --output {folder}`")  # fmt: skip
    table = pd.read_parquet(path)
    missing = set(TABLE_COLUMNS) - set(table.columns)
    if missing:
        raise ValueError(f"{path} lacks columns {sorted(missing)}: collect it again with this culturebench version")
    for entry in table["entry"].unique():
        read_results_file(folder / RESULTS_DIR / f"{entry}.json")  # a missing or foreign results file, named
    return Board(folder, table, read_published(folder))


def benchmark_titles() -> dict[str, str]:
    """{benchmark name: title} from the registry."""
    return {b.name: b.title for b in BENCHMARKS}


def card_markdown(label: str, metrics: dict) -> str:
    """The profile card's text: identity, every headline number with its CI, then the lines each benchmark adds."""
    run = metrics.get("run", {})
    facts = model_facts(label.rsplit(" (", 1)[0])
    lines = [f"## {label}", "",
             f"origin {facts['origin']} · organisation {facts['organisation']} · size {facts['size']} · "
             f"chat template {bool(run.get('chat_template'))} · culturebench {metrics.get('culturebench_version')}",
             ""]  # fmt: skip
    titles = benchmark_titles()
    for bench, headline in metrics.get("headline", {}).items():
        lines += [f"### {titles.get(bench, bench)}", "", "| metric | value [95% CI] | n | what it is |",
                  "|---|---|---|---|"]  # fmt: skip
        lines += [f"| {k} | {estimate_text(h)} | {h.get('n')} | {h.get('description', '')} |"
                  for k, h in headline.items()]  # fmt: skip
        lines.append("")
    for b in BENCHMARKS:
        if b.leaderboard and b.leaderboard.card:
            lines += b.leaderboard.card(metrics.get(b.name) or {})
    return "\n".join(lines)
