"""The leaderboard Space: gradio Blocks over a collected leaderboard folder.

Tabs: rankings (with filters), a model's profile card, cross-model plots, and the published studies
(other item sets, never ranked with CultureBench runs). The figures are the ones the benchmarks declare
(`figures.slots`). Every event has an api_name, so gradio_client reaches the same functions: /rankings,
/profile, /plots, /published.
"""

from __future__ import annotations

import tempfile
from contextlib import nullcontext
from itertools import groupby
from pathlib import Path

import gradio as gr
import pandas as pd

from culturebench.benchmarks.base import BoardFigure
from culturebench.leaderboard.board import Board, benchmark_titles, card_markdown, load_board
from culturebench.leaderboard.figures import Tab, board_figures, profile_figures, slots
from culturebench.leaderboard.published import CAVEAT
from culturebench.leaderboard.rank import METHOD, OVERALL, ranking

HIDDEN_COLUMNS = ("entry", "params_b")  # in the ranking frame for the app's use, not for reading
TITLE = "CultureBench leaderboard"


class App:
    """The app's functions over one board; the Blocks call these, and so does gradio_client."""

    def __init__(self, board: Board, cache: Path) -> None:
        self.board = board
        self.cache = cache
        self._drawn: dict[str, tuple] = {}  # the board does not change while the app runs: draw each figure once

    def rankings(self, benchmark: str, origins: list[str], organisations: list[str], sizes: list[str]) -> pd.DataFrame:
        """The rankings table for OVERALL or one benchmark, among the models the filters keep."""
        frame = ranking(self.board.table, benchmark or OVERALL, origins or (), organisations or (), sizes or ())
        return frame.drop(columns=[c for c in HIDDEN_COLUMNS if c in frame.columns])

    def profile(self, label: str) -> tuple:
        """A model's card: text, each profile figure (PNG path or None, in slot order), raw files."""
        labels = self.board.labels()
        if label not in labels:
            raise gr.Error(f"unknown model run {label!r}; choose one of the list")
        entry = labels[label]
        if entry not in self._drawn:
            metrics = self.board.metrics(entry)
            figures = profile_figures(metrics, self.cache / "profiles" / entry)
            self._drawn[entry] = (card_markdown(label, metrics), *_paths(figures),
                                  [str(p) for p in self.board.raw_files(entry)])  # fmt: skip
        return self._drawn[entry]

    def plots(self) -> tuple[str | None, ...]:
        """The figures comparing every model (PNG path or None, in slot order)."""
        if "plots" not in self._drawn:
            self._drawn["plots"] = _paths(board_figures(self.board.table, self.cache / "plots"))
        return self._drawn["plots"]

    def published(self, title: str) -> tuple[str, pd.DataFrame]:
        """One published-studies table with its source, how it was obtained, and the caveat."""
        for info, frame in self.board.published:
            if info["title"] == title:
                text = f"**{info['title']}**\n\nSource: {info['source']}. {info['how'].capitalize()}.\n\n*{CAVEAT}*"
                return text, frame
        raise gr.Error(f"no published table {title!r}")


def _paths(figures: dict[str, Path | None]) -> tuple[str | None, ...]:
    return tuple(None if p is None else str(p) for p in figures.values())


def _images(tab: Tab) -> list[gr.Image]:
    """An image per declared figure of the tab, in slot order; neighbouring narrow figures share a row."""
    images: list[gr.Image] = []
    for narrow, group in groupby((f for _, f in slots(tab)), key=lambda f: not f.wide):
        with gr.Row() if narrow else nullcontext():
            images += [_image(tab, f) for f in group]
    return images


def _image(tab: Tab, figure: BoardFigure) -> gr.Image:
    return gr.Image(label=figure.label, type="filepath", elem_id=f"{tab}-{figure.key}")


def build_app(folder: Path, cache: Path | None = None) -> gr.Blocks:
    """The Blocks of the Space over FOLDER (written by `culturebench leaderboard collect`)."""
    board = load_board(folder)
    app = App(board, Path(cache or tempfile.mkdtemp(prefix="culturebench-board-")))
    choices = board.choices()
    benchmarks = [(f"{t} ({n})", n) for n, t in benchmark_titles().items() if n in set(board.table["benchmark"])]
    labels = list(board.labels())
    titles = [info["title"] for info, _ in board.published]
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"# {TITLE}\nWhere each evaluated model's cultural values sit, and how well it adapts to the "
                    "person it talks to. Numbers with 95% CIs; runs on other dataset versions are marked.")  # fmt: skip
        with gr.Tabs():
            with gr.Tab("Rankings", id="rankings"):
                with gr.Row():
                    bench = gr.Dropdown([("Overall", OVERALL), *benchmarks], value=OVERALL, label="Benchmark")
                    origin = gr.CheckboxGroup(choices["origin"], label="Model origin")
                    org = gr.CheckboxGroup(choices["organisation"], label="Organisation")
                    size = gr.CheckboxGroup(choices["size"], label="Size")
                table = gr.Dataframe(app.rankings(OVERALL, [], [], []), label="Rankings", interactive=False,
                                     elem_id="rankings-table")  # fmt: skip
                gr.Markdown(METHOD)
                inputs = [bench, origin, org, size]
                gr.on([c.change for c in inputs], app.rankings, inputs, table, api_name="rankings")
            with gr.Tab("Model profile", id="profile"):
                model = gr.Dropdown(labels, value=None, label="Model run", elem_id="profile-model")
                card = gr.Markdown("Choose a model run.")
                profile_images = _images("profile")
                files = gr.File(label="Raw run files", file_count="multiple")
                model.change(app.profile, model, [card, *profile_images, files], api_name="profile")
            with gr.Tab("Plots", id="plots") as plots_tab:
                plots_tab.select(app.plots, None, _images("plots"), api_name="plots")
            with gr.Tab("Published studies", id="published"):
                gr.Markdown(f"Numbers the seed studies published about their own models. **{CAVEAT}**")
                study = gr.Dropdown(titles, value=titles[0] if titles else None, label="Table")
                first = app.published(titles[0]) if titles else ("No published tables collected.", pd.DataFrame())
                about = gr.Markdown(first[0])
                study_table = gr.Dataframe(first[1], interactive=False, elem_id="published-table")
                study.change(app.published, study, [about, study_table], api_name="published")
    return demo
