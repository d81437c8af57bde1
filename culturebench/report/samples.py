"""Reads a finished run's lm-eval files back into score rows (the report needs nothing else)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from culturebench.jsonl import read_jsonl
from culturebench.metrics.binary import ROW_COLUMNS, score_row
from culturebench.metrics.likert import generated_score_row, likert_score_row
from culturebench.metrics.vsm import vsm_score_row
from culturebench.metrics.wvs import dilemma_score_row, direct_score_row

_SAMPLES = re.compile(r"^samples_(?P<task>.+)_(?P<stamp>\d{4}-\d{2}-\d{2}T[\d.\-]+)\.jsonl$")
HOFSTEDE_PREFIX = "culturebench_hofstede"
VSM_PREFIX = "culturebench_vsm"
WVS_PREFIX = "culturebench_wvs_"
WVS_DIRECT_TASK = "culturebench_wvs_direct"
LIKERT_TASKS = ("culturebench_self_construal", "culturebench_safety_selfreport")
GENERATED_SUFFIX = "_gen"
BEHAVIOR_TASKS = {
    "culturebench_safety_behavior": "safety_behavior",
    "culturebench_face_negotiation": "face_negotiation",
}


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


def latest_results_file(run_dir: Path) -> Path | None:
    files = sorted(Path(run_dir).rglob("results_*.json"), key=lambda p: p.name)
    return files[-1] if files else None


def _rows(path: Path, make_row) -> list[dict]:
    """make_row(doc, log-likelihoods) for every sample of a samples file; a bad sample names its line."""
    rows = []
    for i, sample in read_jsonl(path, RunFileError):
        try:
            rows.append(make_row(sample["doc"], [float(ll) for ll, _ in sample["filtered_resps"]]))
        except (KeyError, TypeError, ValueError) as e:
            raise RunFileError(f"{path}:{i}: sample lacks a usable field ({e!r})") from None
    return rows


def _task_files(run_dir: Path, prefix: str) -> list[Path]:
    return [p for t, p in latest_sample_files(run_dir).items() if t.startswith(prefix)]


def hofstede_rows(run_dir: Path) -> pd.DataFrame:
    """All Hofstede advice-dilemma score rows of a run, persona and no-persona tasks together."""
    rows = [r for p in _task_files(run_dir, HOFSTEDE_PREFIX) for r in _rows(p, score_row)]
    return pd.DataFrame.from_records(rows, columns=[*ROW_COLUMNS, "persona"])


def vsm_rows(run_dir: Path) -> pd.DataFrame:
    """All VSM survey score rows of a run (item, country role, language, condition, digit probabilities)."""
    rows = [r for p in _task_files(run_dir, VSM_PREFIX) for r in _rows(p, vsm_score_row)]
    return pd.DataFrame.from_records(rows, columns=["item_id", "country", "lang", "condition", "probs", "expected"])


def wvs_rows(run_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(dilemma rows, direct-question rows) of the WVS tasks of a run."""
    files = latest_sample_files(run_dir)
    dilemma = [r for t, p in files.items() if t.startswith(WVS_PREFIX) and t != WVS_DIRECT_TASK
               for r in _rows(p, dilemma_score_row)]  # fmt: skip
    direct = [r for t, p in files.items() if t == WVS_DIRECT_TASK for r in _rows(p, direct_score_row)]
    return pd.DataFrame.from_records(dilemma), pd.DataFrame.from_records(direct)


def _reply(path: Path, i: int, sample: dict) -> str:
    try:
        reply = sample["filtered_resps"][0]
    except (KeyError, IndexError, TypeError) as e:
        raise RunFileError(f"{path}:{i}: sample lacks its reply ({e!r})") from None
    if isinstance(reply, list):  # some lm-eval versions keep one list per repeat
        reply = reply[0]
    if not isinstance(reply, str):
        raise RunFileError(f"{path}:{i}: reply is not text")
    return reply


def likert_rows(run_dir: Path) -> pd.DataFrame:
    """Self-construal and safety self-report rows of a run: scored (digit probabilities) and generated."""
    files = latest_sample_files(run_dir)
    rows = [r for t in LIKERT_TASKS if t in files for r in _rows(files[t], likert_score_row)]
    for task in (t + GENERATED_SUFFIX for t in LIKERT_TASKS):
        if task in files:
            for i, sample in read_jsonl(files[task], RunFileError):
                rows.append(generated_score_row(sample["doc"], _reply(files[task], i, sample)))
    return pd.DataFrame.from_records(rows)


def reply_rows(run_dir: Path) -> list[dict]:
    """The logged replies of the behavioural tasks: bank, id, variant, construct, facet and reply."""
    files = latest_sample_files(run_dir)
    rows = []
    for task, bank in BEHAVIOR_TASKS.items():
        if task in files:
            for i, sample in read_jsonl(files[task], RunFileError):
                doc = sample.get("doc") or {}
                missing = [k for k in ("id", "variant", "construct", "facet") if k not in doc]
                if missing:
                    raise RunFileError(f"{files[task]}:{i}: document lacks {missing}")
                rows.append({"bank": bank, **{k: doc[k] for k in ("id", "variant", "construct", "facet")},
                             "reply": _reply(files[task], i, sample)})  # fmt: skip
    return rows
