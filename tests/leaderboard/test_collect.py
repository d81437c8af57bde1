"""Runs become the leaderboard's results dataset: known answers, CIs carried, other dataset versions marked."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from culturebench.benchmarks.hofstede.documents import hofstede_documents
from culturebench.cli import main
from culturebench.countries import hofstede_scores
from culturebench.leaderboard.collect import TABLE_FILE, collect
from culturebench.report.build import write_report
from culturebench.runs import RunFileError

STAMP = "2026-12-03T10-00-00.000000"


def _run(folder: Path, p_high_of) -> Path:
    """A run folder whose IDV persona samples answer with p(high) = p_high_of(doc), and its report."""
    samples = folder / "lm_eval" / "model"
    samples.mkdir(parents=True)
    with (samples / f"samples_culturebench_hofstede_idv_{STAMP}.jsonl").open("w") as f:
        for i, doc in enumerate(hofstede_documents("IDV", "basic")):
            p = min(max(p_high_of(doc), 1e-6), 1 - 1e-6)
            ll = [math.log(p), math.log(1 - p)] if doc["high_index"] == 0 else [math.log(1 - p), math.log(p)]
            f.write(json.dumps({"doc_id": i, "doc": doc, "filtered_resps": [[str(x), False] for x in ll]}) + "\n")
    (samples / f"results_{STAMP}.json").write_text(
        json.dumps(
            {"model_name": folder.name, "config": {"model": "hf", "model_args": f"pretrained=org/{folder.name}"}}
        )
    )
    write_report(folder, n_boot=200)
    return folder


def test_oracle_and_letter_only_runs_collect_as_they_must(tmp_path):
    truth = hofstede_scores("IDV")
    oracle = _run(tmp_path / "oracle", lambda d: truth.get(d["country"], 50) / 100)
    letter = _run(tmp_path / "letter-only", lambda d: 1.0 if d["high_index"] == 0 else 0.0)  # always answers A
    table = collect([oracle, letter], tmp_path / "board")
    r = table[table["metric"] == "alignment_r_IDV"].set_index("model")
    assert r.loc["org/oracle", "value"] == pytest.approx(1.0, abs=1e-6)
    assert r.loc["org/oracle", "ci_low"] > 0.9 and r.loc["org/oracle", "n"] == len(truth)
    assert math.isnan(r.loc["org/letter-only", "value"])  # constant shares: r undefined, never 0 or a rank
    assert table["current_datasets"].all()
    assert pd.read_parquet(tmp_path / "board" / TABLE_FILE).equals(table)
    files = sorted((tmp_path / "board" / "results").glob("*.json"))
    entry = json.loads(files[0].read_text())
    assert set(entry) == {"config", "results"} and "hofstede" in entry["results"]
    assert entry["config"]["datasets"]["hofstede_dilemmas"]["content_hash"].startswith("sha256:")


def test_a_run_on_other_dataset_versions_is_kept_and_marked(tmp_path):
    truth = hofstede_scores("IDV")
    old = _run(tmp_path / "old", lambda d: truth.get(d["country"], 50) / 100)
    metrics = json.loads((old / "metrics.json").read_text())
    metrics["run"]["datasets"]["hofstede_dilemmas"]["version"] = "0.9.0"
    (old / "metrics.json").write_text(json.dumps(metrics))
    table = collect([old], tmp_path / "board")
    assert not table["current_datasets"].any() and set(table["stale_datasets"]) == {"hofstede_dilemmas"}


def test_bad_runs_are_refused_by_name(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunFileError, match="metrics.json does not exist"):
        collect([tmp_path / "empty"], tmp_path / "board")
    assert main(["leaderboard", "collect", str(tmp_path / "empty"), "--output", str(tmp_path / "b")]) == 1
    assert "culturebench report" in capsys.readouterr().err
