"""Runs become the leaderboard's results dataset: known answers, CIs carried, other dataset versions marked."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from culturebench.benchmarks.hofstede.documents import hofstede_documents
from culturebench.cli import main
from culturebench.countries import hofstede_scores
from culturebench.hub import release_files
from culturebench.leaderboard.board import load_board
from culturebench.leaderboard.collect import TABLE_FILE, collect
from culturebench.leaderboard.published import read_published
from culturebench.leaderboard.rank import METHOD, ranking
from culturebench.leaderboard.schema import read_results_file, validate_results_file
from culturebench.report.build import write_report
from culturebench.results import validate_metrics
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


def test_results_files_validate_and_a_foreign_one_is_refused_by_name(board):
    for path in (board / "results").glob("*.json"):
        entry = read_results_file(path)
        assert entry["config"]["current_datasets"] is True
        assert entry["results"]["wvs"]["position_trad_secular"]["ranked"] is False  # declared by the benchmark
        assert entry["results"]["hofstede"]["alignment_r_IDV"]["ranked"] is True
    path = sorted((board / "results").glob("*.json"))[0]
    broken = json.loads(path.read_text())
    broken["results"]["hofstede"]["alignment_r_IDV"]["value"] = [1]
    with pytest.raises(RunFileError, match=rf"{path.name}: not a leaderboard results file at results/hofstede"):
        validate_results_file(broken, str(path))
    del broken["config"]["model_name"]
    with pytest.raises(RunFileError, match="model_name"):
        validate_results_file(broken, str(path))


def test_metrics_json_takes_a_ranked_flag_and_only_a_boolean(synthetic_runs):
    metrics = json.loads((next(iter(synthetic_runs.values())) / "metrics.json").read_text())
    assert metrics["headline"]["wvs"]["position_trad_secular"]["ranked"] is False
    assert "ranked" not in metrics["headline"]["hofstede"]["alignment_r_IDV"]  # absent: ranked
    validate_metrics(metrics)
    metrics["headline"]["wvs"]["position_trad_secular"]["ranked"] = "no"
    with pytest.raises(RunFileError, match="headline/wvs/position_trad_secular/ranked"):
        validate_metrics(metrics)


def test_the_app_refuses_a_folder_whose_results_file_is_missing(board, tmp_path):
    copy = tmp_path / "board"
    shutil.copytree(board, copy)
    victim = sorted((copy / "results").glob("*.json"))[0]
    victim.unlink()
    with pytest.raises(FileNotFoundError, match=victim.name):
        load_board(copy)


def test_collect_command_writes_the_published_tables_and_says_how_to_serve(synthetic_runs, tmp_path, capsys):
    out = tmp_path / "board"
    assert main(["leaderboard", "collect", *map(str, synthetic_runs.values()), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "3 runs" in printed and f"culturebench leaderboard serve {out}" in printed
    assert [t["title"] for t, _ in read_published(out)][0].startswith("Seed 003")  # typed in: no reference needed
    assert main(["leaderboard", "collect", str(next(iter(synthetic_runs.values()))), "--output", str(out),
                 "--reference", str(tmp_path / "nowhere")]) == 1  # fmt: skip
    assert "--reference" in capsys.readouterr().err


@pytest.fixture(scope="module")
def idv_oracle(tmp_path_factory) -> Path:
    truth = hofstede_scores("IDV")
    return _run(tmp_path_factory.mktemp("runs") / "oracle", lambda d: truth.get(d["country"], 50) / 100)


def _copy(run: Path, folder: Path, **run_fields) -> Path:
    """A copy of a run (another folder: another run id) with fields of metrics.json's `run` set."""
    shutil.copytree(run, folder)
    metrics = json.loads((folder / "metrics.json").read_text())
    metrics["run"].update(run_fields)
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


def test_limit_and_demo_runs_are_marked_shown_and_never_ranked(idv_oracle, tmp_path):
    limited = _copy(idv_oracle, tmp_path / "limited", limit=10)
    demo = _copy(idv_oracle, tmp_path / "demo", demo={"note": "tiny random-weight model"})
    table = collect([idv_oracle, limited, demo], tmp_path / "board")
    runs = table.drop_duplicates("run")
    assert sorted(zip(runs["complete"], runs["incomplete"])) == [(False, "demo run"), (False, "limit 10"), (True, "")]
    configs = [read_results_file(p)["config"]["complete"] for p in sorted((tmp_path / "board" / "results").glob("*"))]
    assert sorted(configs) == [False, False, True]
    hof = ranking(table, "hofstede")  # the copies carry the oracle's numbers, yet only the full run is ranked
    assert list(hof["rank"]) == ["1", "", ""] and hof.loc[0, "items"] == "all"
    assert sorted(hof.loc[1:, "items"]) == ["INCOMPLETE: demo run", "INCOMPLETE: limit 10"]
    assert hof.loc[0, "alignment_r_IDV"].endswith("(#1)") and "(#" not in "".join(hof.loc[1:, "alignment_r_IDV"])
    assert "--limit" in METHOD and "demo" in METHOD


def test_a_bad_run_leaves_the_folder_as_it_was(idv_oracle, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunFileError, match="metrics.json does not exist"):
        collect([idv_oracle, tmp_path / "empty"], tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()  # the good run, read first, was not written either
    board = tmp_path / "board"
    collect([idv_oracle], board)
    before = {p: p.read_bytes() for p in board.rglob("*") if p.is_file()}
    other = _copy(idv_oracle, tmp_path / "other")
    with pytest.raises(RunFileError, match="metrics.json does not exist"):
        collect([other, tmp_path / "empty"], board)
    assert {p: p.read_bytes() for p in board.rglob("*") if p.is_file()} == before


def test_the_folder_mirrors_the_last_collection(idv_oracle, tmp_path):
    board = tmp_path / "board"
    dropped = _copy(idv_oracle, tmp_path / "dropped")
    first = collect([idv_oracle, dropped], board)
    (board / "README.md").write_text("card")  # not collect's: kept
    kept, gone = first.drop_duplicates("run")["entry"]
    table = collect([idv_oracle], board)
    assert set(table["entry"]) == {kept}
    assert [p.stem for p in (board / "results").glob("*.json")] == [kept]
    assert [p.name for p in (board / "runs").iterdir()] == [kept]
    assert not any(gone in path for path in release_files(board)) and "README.md" in release_files(board)
    load_board(board)
