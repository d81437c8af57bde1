"""Reads a run folder: lm-eval's results and samples, the preflight record, and judge verdicts.

A run folder is what `culturebench evaluate` writes (or lm-eval with --log_samples): report, judge,
compare and the leaderboard read it only through this module, so every reader sees the same files
the same way.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path

from culturebench.jsonl import read_jsonl

log = logging.getLogger(__name__)

LM_EVAL_DIR = "lm_eval"
PREFLIGHT_FILE = "preflight.json"
RUN_FILE = "run.json"  # the model identity the folder belongs to (culturebench.identity)
DEMO_MARKER = "demo.json"
METRICS_FILE = "metrics.json"
REPORT_FILE = "report.md"
FIGURES_DIR = "figures"
JUDGE_DIR = "judge"
VERDICTS_FILE = "verdicts.jsonl"
JUDGE_INFO_FILE = "judge.json"
RELIABILITY_FILE = "reliability.json"

_SAMPLES = re.compile(r"^samples_(?P<task>.+)_(?P<stamp>\d{4}-\d{2}-\d{2}T[\d.\-]+)\.jsonl$")


class RunFileError(ValueError):
    """A run folder or file that cannot be read; the message names it."""


def latest_sample_files(run_dir: Path) -> dict[str, Path]:
    """{task: newest samples file} under a run folder (lm-eval nests them by model name)."""
    found: dict[str, tuple[str, Path]] = {}
    for path in sorted(Path(run_dir).rglob("samples_*.jsonl")):
        m = _SAMPLES.match(path.name)
        if m and (m["task"] not in found or m["stamp"] > found[m["task"]][0]):
            found[m["task"]] = (m["stamp"], path)
    return {task: path for task, (_, path) in sorted(found.items())}


def results_files(run_dir: Path) -> list[Path]:
    """lm-eval's results files under a run folder, oldest first (their names carry the time stamp)."""
    return sorted(Path(run_dir).rglob("results_*.json"), key=lambda p: p.name)


def latest_results_file(run_dir: Path) -> Path | None:
    files = results_files(run_dir)
    return files[-1] if files else None


def read_json(path: Path) -> object:
    """A JSON file, or RunFileError naming it when it is unreadable or not JSON (e.g. truncated, empty)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise RunFileError(f"{path}: not UTF-8 text (byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise RunFileError(f"{path}: not valid JSON, the file may be truncated or empty ({e.msg})") from None


def logged_reply(path: Path, line: int, sample: dict) -> str:
    """The generated text of one logged `generate_until` sample, or an error naming file and line."""
    try:
        reply = sample["filtered_resps"][0]
    except (KeyError, IndexError, TypeError) as e:
        raise RunFileError(f"{path}:{line}: sample lacks its reply ({e!r})") from None
    if isinstance(reply, list):  # some lm-eval versions keep one list per repeat
        reply = reply[0]
    if not isinstance(reply, str):
        raise RunFileError(f"{path}:{line}: reply is not text")
    return reply


class Run:
    """One run folder; sample files are found once and each is read at most once."""

    def __init__(self, run_dir: Path) -> None:
        self.dir = Path(run_dir)
        if not self.dir.is_dir():
            raise RunFileError(f"run folder {self.dir} does not exist")
        self._samples: dict[str, list[tuple[int, dict]]] = {}
        self._one_model = False

    @cached_property
    def sample_files(self) -> dict[str, Path]:
        return latest_sample_files(self.dir)

    def samples(self, task: str) -> list[tuple[int, dict]]:
        """(line, sample) of a task's newest samples file; [] when the run lacks the task.

        A document logged twice (the same doc_id on two lines) is an error, never counted twice.
        """
        if task not in self.sample_files:
            return []
        if task not in self._samples:
            self.check_one_model()
            path = self.sample_files[task]
            rows = read_jsonl(path, RunFileError)
            seen: dict[object, int] = {}
            for line, sample in rows:
                doc_id = sample.get("doc_id") if isinstance(sample, dict) else None
                if doc_id is not None and doc_id in seen:
                    raise RunFileError(f"{path}:{line}: document {doc_id} is logged again (first at line "
                                       f"{seen[doc_id]}); the file mixes two runs")  # fmt: skip
                seen[doc_id] = line
            self._samples[task] = rows
        return self._samples[task]

    @cached_property
    def results(self) -> dict[Path, object]:
        """{results file: its parsed content}, oldest first; each file read once."""
        return {path: read_json(path) for path in results_files(self.dir)}

    def check_one_model(self) -> None:
        """Refuse a folder whose samples or results come from more than one model, naming them."""
        if self._one_model:
            return
        folders = sorted({str(p.parent.relative_to(self.dir)) for p in self.sample_files.values()})
        if len(folders) > 1:
            raise RunFileError(f"{self.dir} holds samples of more than one model run, in {folders}; "
                               "report each model's run from its own folder")  # fmt: skip
        models: dict[str, list[str]] = {}
        for path, data in self.results.items():
            config = data.get("config", {}) if isinstance(data, dict) else {}
            key = json.dumps([config.get("model"), config.get("model_args")], sort_keys=True, default=str)
            models.setdefault(key, []).append(str(path.relative_to(self.dir)))
        if len(models) > 1:
            listed = "; ".join(f"{k} in {v}" for k, v in models.items())
            raise RunFileError(f"{self.dir} holds results of more than one model: {listed}")
        self._one_model = True

    def score_rows(self, tasks: Iterable[str], make_row: Callable[[dict, list[float]], dict]) -> list[dict]:
        """make_row(doc, log-likelihoods) for every logged sample of `tasks`; a bad sample names its line."""
        rows = []
        for task in tasks:
            for i, sample in self.samples(task):
                try:
                    rows.append(make_row(sample["doc"], [float(ll) for ll, _ in sample["filtered_resps"]]))
                except (KeyError, TypeError, ValueError) as e:
                    raise RunFileError(f"{self.sample_files[task]}:{i}: sample lacks a usable field ({e!r})") from None
        return rows

    def replies(self, task: str) -> list[tuple[int, dict, str]]:
        """(line, document, generated reply) of every logged sample of a `generate_until` task."""
        return [(i, sample.get("doc") or {}, logged_reply(self.sample_files[task], i, sample))
                for i, sample in self.samples(task)]  # fmt: skip

    def info(self) -> dict:
        """Model, arguments, limit and versions from lm-eval's newest results file, plus preflight and demo notes."""
        info: dict = {"run_dir": str(self.dir)}
        self.check_one_model()
        results = next(reversed(self.results), None)
        if results is not None:
            data = self.results[results]
            info.update(
                model_name=data.get("model_name"),
                model_args=data.get("config", {}).get("model_args"),
                limit=data.get("config", {}).get("limit"),
                chat_template=bool(data.get("chat_template")),
                lm_eval_version=data.get("lm_eval_version"),
                results_file=str(results.relative_to(self.dir)),
            )
        for extra in (PREFLIGHT_FILE, DEMO_MARKER, RUN_FILE):
            if (self.dir / extra).exists():
                info[extra.removesuffix(".json")] = read_json(self.dir / extra)
        return info


def reply_key(reply: dict) -> str:
    """Hash of what was judged: the item, its variant and the exact reply text."""
    payload = json.dumps([reply["bank"], reply["id"], reply["variant"], reply["reply"]], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


_VERDICT_START = (
    b'{"key": '  # how the runner's json.dumps begins a verdict row (never inside a value: quotes are escaped)
)


def _whole_row(line: bytes) -> dict | None:
    """The JSON object one line holds, or None when it is not a whole one (torn, or cut inside a UTF-8 character)."""
    try:
        row = json.loads(line)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return None
    return row if isinstance(row, dict) else None


def _glued_verdict(line: bytes) -> dict | None:
    """The whole verdict at the end of a line where an older judge runner appended it right after a torn one."""
    start = line.rfind(_VERDICT_START)
    return _whole_row(line[start:]) if start > 0 else None


def _last_line(lines: list[bytes]) -> int:
    """Index of the last line that is not blank (-1 if none)."""
    return max((i for i, line in enumerate(lines) if line.strip()), default=-1)


def read_json_lines(path: Path, what: str = "row") -> list[dict]:
    """The rows of an append-only JSON-lines file (judge verdicts, cached answers, sweep steps) written so far.

    A torn row (the process was killed mid-write) is dropped, to be redone: the unfinished last line, or, in
    verdict files written before the judge runner cut torn lines off (`truncate_torn_tail`), a torn verdict with
    the next whole one appended to it (that one is kept). Any other bad line is an error naming file and line.
    `what` names a row in the messages.
    """
    path = Path(path)
    if not path.exists():
        return []
    lines = path.read_bytes().split(b"\n")
    last = _last_line(lines)
    rows = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        row = _whole_row(line)
        if row is None and (row := _glued_verdict(line)) is not None:
            log.warning("%s:%d: dropping a torn %s written before the next one; it will be redone", path, i + 1, what)
        if row is not None:
            rows.append(row)
        elif i == last:
            log.warning("%s:%d: dropping a torn (unfinished) last %s; it will be redone", path, i + 1, what)
        else:
            raise RunFileError(f"{path}:{i + 1}: not a valid {what} (not JSON, or not UTF-8 text)")
    return rows


def truncate_torn_tail(path: Path, what: str = "row") -> None:
    """Before appending to a JSON-lines file: cut off a torn last row (the one `read_json_lines` drops) and end the
    file in a newline, so that the next row starts on a line of its own."""
    path = Path(path)
    if not path.exists():
        return
    data = path.read_bytes()
    lines = data.split(b"\n")
    last = _last_line(lines)
    if last < 0:
        return
    if _whole_row(lines[last]) is None and _glued_verdict(lines[last]) is None:
        keep = sum(len(line) + 1 for line in lines[:last])
        log.warning("%s:%d: cutting off a torn last %s before appending", path, last + 1, what)
        with path.open("r+b") as f:
            f.truncate(keep)
    elif not data.endswith(b"\n"):
        with path.open("ab") as f:
            f.write(b"\n")


def append_json_lines(path: Path, rows: Iterable[dict], what: str = "row", header: dict | None = None) -> None:
    """Append whole rows to a JSON-lines file and flush them. A torn last row left by a kill is cut off first
    (`truncate_torn_tail`); an empty file starts with `header`, the line that says whose file it is."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    truncate_torn_tail(path, what)
    with path.open("a", encoding="utf-8") as f:
        if header is not None and f.tell() == 0:
            f.write(json.dumps(header, ensure_ascii=False) + "\n")
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        f.flush()


def primary_verdicts(run_dir: Path, replies: list[dict], current_version: Callable[[dict], str]) -> list[dict]:
    """The current verdicts of the run's primary judge (judge.json) on its logged `replies` (latest wins).

    current_version(verdict row) is the rubric version a verdict must carry to count (older rubrics are ignored).
    """
    info_path = Path(run_dir) / JUDGE_DIR / JUDGE_INFO_FILE
    if not info_path.exists():
        return []
    name = read_json(info_path)["judge"]
    wanted = {reply_key(r) for r in replies}
    latest: dict[str, dict] = {}
    for row in read_json_lines(Path(run_dir) / JUDGE_DIR / VERDICTS_FILE, "verdict"):
        if row["judge"] == name and row["repeat"] == 0 and row["key"] in wanted:
            if row["rubric_version"] == current_version(row):
                if row["key"] not in latest or latest[row["key"]]["status"] != "ok":
                    latest[row["key"]] = row
    return list(latest.values())
