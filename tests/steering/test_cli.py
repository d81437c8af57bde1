"""`culturebench steer train|sweep`: help, argument checks before any model loads, a tiny end-to-end run."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import torch

from culturebench.benchmarks.wvs.steer_cli import add_parser, parse_alphas, parse_layers
from culturebench.steering.vectors import SteeringVectors


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="culturebench")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return parser


def run(*argv: str) -> None:
    args = _parser().parse_args(list(argv))
    args.func(args)


@pytest.mark.parametrize("command", [["steer"], ["steer", "train"], ["steer", "sweep"], ["steer", "evaluate"]])
def test_every_steer_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as e:
        _parser().parse_args([*command, "--help"])
    assert e.value.code == 0 and "usage: culturebench steer" in capsys.readouterr().out


def test_argument_parsing():
    assert parse_alphas("0,0.1, 0.4") == [0.0, 0.1, 0.4]
    for bad in ("0", "0,x", "0,nan", ""):
        with pytest.raises(ValueError):
            parse_alphas(bad)
    assert parse_layers("1-3,7", 8) == [1, 2, 3, 7] and parse_layers(None, 8) is None
    with pytest.raises(ValueError, match="out of range"):
        parse_layers("6-9", 8)
    with pytest.raises(SystemExit):
        _parser().parse_args(["steer", "train", "--model", "m", "--output", "v.pt", "--target", "Q999"])
    with pytest.raises(SystemExit):
        _parser().parse_args(["steer", "train", "--model", "m", "--output", "v.pt", "--target", "F063",
                              "--method", "svd"])  # fmt: skip


def test_train_checks_arguments_before_loading(tmp_path):
    with pytest.raises(FileNotFoundError, match="config.json"):
        run("steer", "train", "--model", str(tmp_path / "nowhere"), "--output", str(tmp_path / "v.pt"),
            "--target", "F063")  # fmt: skip
    (tmp_path / "v.pt").write_text("keep me")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")  # no weights: loading would fail differently
    with pytest.raises(FileExistsError, match="--overwrite"):
        run("steer", "train", "--model", str(tmp_path / "model"), "--output", str(tmp_path / "v.pt"),
            "--target", "F063", "--device", "cpu")  # fmt: skip
    with pytest.raises(ValueError, match="held-out"):
        run("steer", "train", "--model", str(tmp_path / "model"), "--output", str(tmp_path / "w.pt"),
            "--target", "F063", "--held-out-fraction", "1", "--device", "cpu")  # fmt: skip
    assert (tmp_path / "v.pt").read_text() == "keep me"


@pytest.mark.parametrize(("extra", "message"), [(["--min-shift", "1.5"], "min-shift"),
                                                (["--min-shift", "0.1", "--alphas", "0,-0.2"], "positive alpha"),
                                                (["--top-k", "0"], "top-k")])  # fmt: skip
def test_sweep_checks_arguments_before_reading_vectors(tmp_path, extra, message):
    with pytest.raises(ValueError, match=message):  # the vectors file does not exist: read later
        run("steer", "sweep", "--vectors", str(tmp_path / "none.pt"), "--output", str(tmp_path / "s"), *extra)


def test_train_then_sweep_on_the_tiny_model(tmp_path, tiny_model, capsys):
    vec = tmp_path / "vectors.pt"
    run("steer", "train", "--model", str(tiny_model), "--output", str(vec), "--target", "surv_selfexp",
        "--limit", "5", "--device", "cpu")  # fmt: skip
    vectors = SteeringVectors.load(vec)
    assert vectors.n_layers == 2 and vectors.target == "surv_selfexp" and vectors.method == "meandiff"
    prov = vectors.provenance
    assert len(prov["ids"]) == 5 and prov["dataset"]["name"] == "wvs_dilemmas" and prov["style"] == "continuation"
    assert not set(prov["ids"]) & set(prov["split"]["held_out_ids"])

    out = tmp_path / "sweep"
    run("steer", "sweep", "--vectors", str(vec), "--alphas", "0,0.4", "--output", str(out), "--limit", "3",
        "--top-k", "1", "--lm-eval-alpha", "0.2", "--device", "cpu")  # fmt: skip
    summary = json.loads((out / "layer_search.json").read_text())
    assert summary["n_dilemmas"] == 3 and summary["alphas"] == [0.0, 0.4] and len(summary["top_layers"]) == 1
    assert set(summary["held_out_ids"]) <= set(prov["split"]["held_out_ids"])
    curve = pd.read_csv(out / "layer_search.csv")
    assert len(curve) == 4 and {"layer", "alpha", "p_positive", "shift", "slope"} <= set(curve.columns)
    assert (out / "layer_search.png").stat().st_size > 1000
    steer = torch.load(out / "steer.pt", weights_only=False)
    assert (
        list(steer) == [f"layers.{summary['top_layers'][0]}"] and steer[list(steer)[0]]["steering_coefficient"] == 0.2
    )
    assert "top layers" in capsys.readouterr().out
    run("steer", "sweep", "--vectors", str(vec), "--alphas", "0,0.4", "--output", str(out), "--limit", "3",
        "--top-k", "1", "--device", "cpu")  # fmt: skip
    assert "resuming: 3 steps" in capsys.readouterr().out
    header = json.loads((out / "steps.jsonl").read_text().splitlines()[0])
    assert header["model_version"] == prov["model_files"] and len(header["prompts_digest"]) == 64
    assert header["device"] == "cpu" and header["dataset_hash"] == prov["dataset"]["content_hash"]
    assert json.loads((out / "layer_search.json").read_text())["curve"] == summary["curve"]
    with pytest.raises(FileExistsError, match="held_out_ids"):
        run("steer", "sweep", "--vectors", str(vec), "--output", str(out), "--limit", "2", "--device", "cpu")
    run("steer", "sweep", "--vectors", str(vec), "--alphas", "0,0.4", "--output", str(out), "--limit", "2",
        "--device", "cpu", "--overwrite")  # fmt: skip
    assert json.loads((out / "layer_search.json").read_text())["n_dilemmas"] == 2

    other = tmp_path / "other-model"
    other.mkdir()
    config = json.loads((tiny_model / "config.json").read_text())
    (other / "config.json").write_text(json.dumps({**config, "num_hidden_layers": 3}))  # no weights
    with pytest.raises(ValueError, match="not the model"):
        run("steer", "sweep", "--vectors", str(vec), "--model", str(other), "--output", str(tmp_path / "s2"))
    shutil.copy(vec, tmp_path / "copy.pt")
    with pytest.raises(ValueError, match="out of range"):
        run("steer", "sweep", "--vectors", str(tmp_path / "copy.pt"), "--layers", "5", "--output", str(tmp_path / "s3"))


def test_vectors_of_a_hub_model_record_its_commit(tmp_path, tiny_model):
    from huggingface_hub import constants

    commit = "89abcdef0123456789abcdef0123456789abcdef"
    repo = Path(constants.HF_HUB_CACHE) / "models--culturebench-test--tiny-steer"
    shutil.copytree(tiny_model, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    vec = tmp_path / "hub.pt"
    run("steer", "train", "--model", "culturebench-test/tiny-steer", "--output", str(vec), "--target", "F063",
        "--limit", "2", "--device", "cpu")  # fmt: skip
    prov = SteeringVectors.load(vec).provenance
    assert prov["model"] == "culturebench-test/tiny-steer" and prov["revision"] == commit
    assert "model_files" not in prov
    (repo / "refs" / "main").write_text("f" * 40)  # the model was updated on the Hub since
    shutil.copytree(tiny_model, repo / "snapshots" / ("f" * 40))
    with pytest.raises(ValueError, match=f"trained on commit {commit}"):
        run("steer", "sweep", "--vectors", str(vec), "--output", str(tmp_path / "sweep"), "--device", "cpu")
