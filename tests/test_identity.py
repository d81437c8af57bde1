"""A run folder belongs to one model: identity, fingerprint, and the cache folder keyed by it."""

from __future__ import annotations

from pathlib import Path

import pytest

from culturebench.evaluate import ArgumentError, check_arguments, lm_eval_command
from culturebench.identity import claim_run_folder, fingerprint, model_identity
from culturebench.runs import RunFileError


def _model(folder: Path, weights: bytes) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"hidden_size": 8}')
    (folder / "model.safetensors").write_bytes(weights)
    return folder


def test_fingerprint_follows_the_weights_not_the_path(tmp_path):
    a = model_identity("hf", f"pretrained={_model(tmp_path / 'a', b'1' * 100)}", False)
    b = model_identity("hf", f"pretrained={_model(tmp_path / 'b', b'2' * 100)}", False)
    again = model_identity("hf", f"pretrained={tmp_path / 'a'}", False)
    assert fingerprint(a) == fingerprint(again) != fingerprint(b)
    assert fingerprint(a) != fingerprint(model_identity("hf", f"pretrained={tmp_path / 'a'}", True))  # template
    assert set(a["datasets"]) >= {"hofstede_dilemmas", "vsm_survey"}
    steer = tmp_path / "steer.pt"
    steer.write_bytes(b"v1")
    first = fingerprint(model_identity("steered", f"pretrained={tmp_path / 'a'},steer_path={steer}", False))
    steer.write_bytes(b"v2")  # other vectors under the same file name: another run
    assert fingerprint(model_identity("steered", f"pretrained={tmp_path / 'a'},steer_path={steer}", False)) != first


def test_a_folder_holds_one_models_run(tmp_path):
    a = model_identity("hf", f"pretrained={_model(tmp_path / 'a', b'1' * 100)}", False)
    b = model_identity("hf", f"pretrained={_model(tmp_path / 'b', b'2' * 100)}", False)
    run = tmp_path / "run"
    run.mkdir()
    key = claim_run_folder(run, a)
    assert claim_run_folder(run, a) == key  # the same model resumes
    with pytest.raises(RunFileError, match=r"holds a run of another model .*model_files.*--overwrite"):
        claim_run_folder(run, b)


def test_samples_without_a_run_record_are_not_adopted(tmp_path):
    (tmp_path / "lm_eval" / "m").mkdir(parents=True)
    (tmp_path / "lm_eval" / "m" / "samples_culturebench_hofstede_idv_2026.jsonl").write_text("{}\n")
    identity = model_identity("hf", "pretrained=org/model", False)
    with pytest.raises(RunFileError, match="no run.json"):
        claim_run_folder(tmp_path, identity)


def test_the_request_cache_is_keyed_by_the_model(tmp_path):
    a = lm_eval_command("hf", "pretrained=x", "t", tmp_path, cache_key="aaaa")
    b = lm_eval_command("hf", "pretrained=y", "t", tmp_path, cache_key="bbbb")
    assert a[a.index("--use_cache") + 1] != b[b.index("--use_cache") + 1]
    assert "aaaa" in a[a.index("--use_cache") + 1]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"batch_size": "abc"}, "--batch-size 'abc'"),
        ({"limit": 0}, "--limit 0"),
        ({"limit": -5}, "--limit -5"),
        ({"tasks": "culturebench_hofsted_idv"}, "did you mean culturebench_hofstede_idv"),
        ({"tasks": " , "}, "--tasks is empty"),
        ({"model_args": "pretrained=/no/such/model"}, "model folder /no/such/model does not exist"),
        ({"model_args": "dtype=float32"}, "names no pretrained"),
    ],
)
def test_arguments_are_checked_before_any_model_loads(tmp_path, change, message):
    args = {"model": "hf", "model_args": f"pretrained={tmp_path}", "tasks": "culturebench_vsm", "limit": 10,
            "batch_size": "auto:4", "output": tmp_path / "run", **change}  # fmt: skip
    with pytest.raises(ArgumentError, match=message):
        check_arguments(**args)


def test_good_arguments_pass(tmp_path):
    check_arguments("hf", "pretrained=org/model", "culturebench_vsm,culturebench_hofstede", 0.5, "16", tmp_path)
