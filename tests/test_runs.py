"""Reading a run folder: one model per folder, no document counted twice, clear errors naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from culturebench.benchmarks.hofstede.documents import hofstede_documents
from culturebench.jsonl import read_jsonl
from culturebench.report.build import write_report
from culturebench.runs import Run, RunFileError

STAMP = "2026-12-03T10-00-00.000000"


def _samples(folder: Path, task: str = "culturebench_hofstede_idv", n: int = 60, seed: int = 0) -> Path:
    """A samples file as lm-eval writes it (log-likelihoods as strings), for the first n documents."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"samples_{task}_{STAMP}.jsonl"
    with path.open("w") as f:
        for i, doc in enumerate(hofstede_documents("IDV", "basic")[:n]):
            resps = [[str(float(ll)), False] for ll in rng.normal(-2, 1, size=2)]
            f.write(json.dumps({"doc_id": i, "doc": doc, "filtered_resps": resps}) + "\n")
    return path


def _results(folder: Path, model_args: str) -> Path:
    path = folder / f"results_{STAMP}.json"
    path.write_text(json.dumps({"model_name": model_args, "config": {"model": "hf", "model_args": model_args}}))
    return path


def test_report_without_results_file_says_what_is_missing(tmp_path, caplog):
    _samples(tmp_path / "lm_eval" / "m")
    write_report(tmp_path, n_boot=0)
    report = (tmp_path / "report.md").read_text()
    assert "No lm-eval `results_*.json`" in report
    assert "no lm-eval results_*.json" in caplog.text


def test_a_document_logged_twice_is_an_error_not_counted_twice(tmp_path):
    path = _samples(tmp_path / "lm_eval" / "m")
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[3]]) + "\n")
    with pytest.raises(RunFileError, match=rf"{path.name}:{len(lines) + 1}: document 3 is logged again"):
        write_report(tmp_path, n_boot=0)


def test_samples_of_two_models_are_refused(tmp_path):
    _samples(tmp_path / "lm_eval" / "model-a", "culturebench_hofstede_pdi")
    _samples(tmp_path / "lm_eval" / "model-b", "culturebench_hofstede_idv")
    with pytest.raises(RunFileError, match=r"more than one model run.*model-a.*model-b"):
        write_report(tmp_path, n_boot=0)


def test_results_of_two_models_are_refused(tmp_path):
    folder = tmp_path / "lm_eval" / "m"
    _samples(folder)
    _results(folder, "pretrained=/models/a")
    (folder / f"results_{STAMP.replace('10', '11')}.json").write_text(
        json.dumps({"config": {"model": "hf", "model_args": "pretrained=/models/b"}})
    )
    with pytest.raises(RunFileError, match=r"results of more than one model.*models/a.*models/b"):
        Run(tmp_path).info()


def test_empty_preflight_and_truncated_results_name_the_file(tmp_path):
    folder = tmp_path / "lm_eval" / "m"
    _samples(folder)
    (tmp_path / "preflight.json").write_text("")
    with pytest.raises(RunFileError, match=r"preflight.json: not valid JSON"):
        Run(tmp_path).info()
    (tmp_path / "preflight.json").unlink()
    results = _results(folder, "pretrained=/models/a")
    results.write_text(results.read_text()[:20])
    with pytest.raises(RunFileError, match=rf"{results.name}: not valid JSON"):
        Run(tmp_path).info()


def test_non_utf8_byte_names_file_and_line(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_bytes(b'{"id": "a"}\n{"id": "caf\xe9"}\n')
    with pytest.raises(ValueError, match=r"items.jsonl:2: not UTF-8 text \(byte 0xe9 at column 12\)"):
        read_jsonl(path)
