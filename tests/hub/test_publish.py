"""`culturebench publish` against a loopback Hub with the real huggingface_hub client, and the round trip through
`datasets.load_dataset` in a fresh process pointed at the same server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from culturebench.cards import write_release_block
from culturebench.cli import main
from culturebench.hub import PublishError, publish
from culturebench.jsonl import read_jsonl
from culturebench.versioning import card_field, refresh_content_hash
from tests.hub.conftest import copy_bank
from tests.loopback_llm import closed_port_url

REPO = "culturebench/wvs_dilemmas"

LOAD = """
import json, sys
import datasets
out = {}
for revision in sys.argv[2:]:
    out[f"{revision}/configs"] = datasets.get_dataset_config_names("culturebench/wvs_dilemmas", revision=revision)
    for config in (None, "direct"):
        ds = datasets.load_dataset("culturebench/wvs_dilemmas", config, revision=revision)
        out[f"{revision}/{config or 'default'}"] = {split: ds[split].to_list() for split in ds}
open(sys.argv[1], "w").write(json.dumps(out))
"""


def rows(folder: Path, split: str) -> list[dict]:
    return [row for _, row in read_jsonl(folder / "data" / f"{split}.jsonl", ValueError)]


def release(folder: Path, version: str) -> None:
    """What a builder does after changing the data: bump the version, refresh the hash and the release block."""
    card = folder / "README.md"
    card.write_text(card.read_text().replace(f"version: {card_field(folder, 'version')}", f"version: {version}"))
    refresh_content_hash(folder)
    write_release_block(folder)


def load_in_subprocess(hub, tmp_path: Path, *revisions: str) -> dict:
    """datasets reads the endpoint at import: a fresh process with HF_ENDPOINT set, online, with a tmp cache."""
    out = tmp_path / "loaded.json"
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")}
    env |= {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf-home"), "HF_HUB_DISABLE_TELEMETRY": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", LOAD, str(out), *revisions], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


def test_round_trip_publish_then_load_dataset_at_each_tag(hub, banks, tmp_path):
    folder = copy_bank(banks, "wvs_dilemmas")
    shipped = {split: rows(folder, split) for split in ("steer", "eval", "direct")}
    v1 = card_field(folder, "version")  # the shipped version; the second release is "9.9.9"
    annotations = {p.relative_to(folder).as_posix() for p in (folder / "annotations").iterdir()}
    assert publish(["wvs_dilemmas"], endpoint=hub.url, root=banks) == {"wvs_dilemmas": "published"}

    # a second release: one eval dilemma and the annotations dropped, version bumped, hash refreshed
    (folder / "data" / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in shipped["eval"][:-1]))
    (folder / "annotations" / "blind_pass.jsonl").unlink()
    release(folder, "9.9.9")
    assert publish([], endpoint=hub.url, root=banks) == {"wvs_dilemmas": "published"}

    api = HfApi(endpoint=hub.url)
    refs = api.list_repo_refs(REPO, repo_type="dataset")
    tags = {t.name: t.target_commit for t in refs.tags}
    assert set(tags) == {v1, "9.9.9"}
    assert api.repo_info(REPO, repo_type="dataset", revision="9.9.9").sha == refs.branches[0].target_commit
    first = api.repo_info(REPO, repo_type="dataset", revision=v1)
    assert first.sha == tags[v1] != tags["9.9.9"]
    assert {s.rfilename for s in first.siblings} == {
        ".gitattributes", "README.md", *annotations, *(f"data/{s}.jsonl" for s in shipped)
    }  # fmt: skip
    assert f"version: {v1}" in hub.files(REPO, v1)["README.md"].decode()
    assert "annotations/blind_pass.jsonl" not in hub.files(REPO, "9.9.9")  # removed here, removed on the Hub

    loaded = load_in_subprocess(hub, tmp_path, v1, "9.9.9")
    assert loaded[f"{v1}/configs"] == loaded["9.9.9/configs"] == ["default", "direct"]
    assert loaded[f"{v1}/default"] == {"steer": shipped["steer"], "eval": shipped["eval"]}
    assert loaded[f"{v1}/direct"] == {"test": shipped["direct"]}
    assert loaded["9.9.9/default"] == {"steer": shipped["steer"], "eval": shipped["eval"][:-1]}


def test_republishing_the_same_version_and_content_changes_nothing(hub, banks):
    copy_bank(banks, "models")
    publish([], endpoint=hub.url, root=banks)
    writes = len(hub.writes())
    assert publish([], endpoint=hub.url, root=banks) == {"models": "unchanged"}
    assert len(hub.writes()) == writes


def test_refuses_a_card_hash_that_does_not_match_the_data(hub, banks):
    folder = copy_bank(banks, "models")
    with (folder / "data" / "models.csv").open("a") as f:
        f.write("extra,row\n")
    with pytest.raises(PublishError, match=r"states content_hash sha256:\w+ but the data files hash to"):
        publish([], endpoint=hub.url, root=banks)
    assert hub.requests == []  # refused before anything was sent


def test_refuses_an_existing_version_with_other_content(hub, banks):
    folder = copy_bank(banks, "models")
    publish([], endpoint=hub.url, root=banks)
    before = hub.files("culturebench/models", "1.0.0")
    with (folder / "data" / "models.csv").open("a") as f:
        f.write("extra,row\n")
    refresh_content_hash(folder)  # the hash is right, but the version was not bumped
    write_release_block(folder)
    with pytest.raises(PublishError, match=r"version 1.0.0 is already on the Hub with other content \(changed: "):
        publish([], endpoint=hub.url, root=banks)
    assert hub.files("culturebench/models", "1.0.0") == before
    assert hub.files("culturebench/models", "main") == before


def test_refuses_to_roll_main_back_to_an_older_version(hub, banks):
    folder = copy_bank(banks, "models")
    release(folder, "2.0.0")
    publish([], endpoint=hub.url, root=banks)
    newest = hub.files("culturebench/models", "main")
    with (folder / "data" / "models.csv").open("a") as f:
        f.write("extra,row\n")
    release(folder, "1.5.0")
    with pytest.raises(PublishError, match=r"version 2.0.0 is already on the Hub; publishing 1.5.0 would roll"):
        publish([], endpoint=hub.url, root=banks)
    assert hub.files("culturebench/models", "main") == newest


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t.replace("configs:", "configs: [\n", 1), "YAML header does not parse"),
        (lambda t: t.replace("path: data/models.csv", "path: data/absent.csv"), "'data/absent.csv', which matches"),
        (lambda t: t.replace("version: 1.0.0", "version: one"), "'version' must be MAJOR.MINOR.PATCH"),
        (lambda t: t.replace("<!-- release:start -->", ""), "has no release block"),
        (lambda t: t.replace("Version **1.0.0**", "Version **0.9.0**"), "release block does not match"),
    ],
)
def test_refuses_a_bad_card(hub, banks, change, message):
    card = copy_bank(banks, "models") / "README.md"
    card.write_text(change(card.read_text()))
    with pytest.raises(PublishError, match=message):
        publish([], endpoint=hub.url, root=banks)
    assert hub.requests == []


def test_dry_run_writes_nothing(hub, banks, capsys):
    copy_bank(banks, "models")
    copy_bank(banks, "wvs_dilemmas")
    assert publish([], endpoint=hub.url, root=banks, dry_run=True) == {"models": "planned", "wvs_dilemmas": "planned"}
    assert hub.requests and hub.writes() == [] and hub.repos == {}
    out = capsys.readouterr().out
    n_files = 1 + sum(1 for p in (banks / "wvs_dilemmas").rglob("*") if p.is_file() and p.name != "README.md")
    assert f"culturebench/wvs_dilemmas: would create the dataset repo, upload {n_files} files" in out
    assert "tag 1.0.0" in out and "  data/eval.jsonl" in out
    assert hub.token not in out


def test_cli_publishes_and_reports_errors_in_one_line(hub, banks, monkeypatch, capsys):
    monkeypatch.setattr("culturebench.hub.resource_dir", lambda name: banks)
    copy_bank(banks, "models")
    assert main(["publish", "models", "--endpoint", hub.url]) == 0
    assert "culturebench/models: published 1.0.0" in capsys.readouterr().out
    assert main(["publish", "absent", "--endpoint", hub.url]) == 1
    assert "no dataset folder ['absent']" in capsys.readouterr().err


def test_clear_errors_for_an_unreachable_hub_a_bad_token_and_no_token(hub, banks, monkeypatch):
    copy_bank(banks, "models")
    with pytest.raises(PublishError, match="cannot reach the Hub at http://127.0.0.1:"):
        publish([], endpoint=closed_port_url(), root=banks)
    monkeypatch.setenv("HF_TOKEN", "hf_wrong_token")
    with pytest.raises(PublishError, match=r"refused the credentials \(HTTP 401\)") as err:
        publish([], endpoint=hub.url, root=banks)
    assert "hf_wrong_token" not in str(err.value)
    monkeypatch.delenv("HF_TOKEN")
    with pytest.raises(PublishError, match="no Hub token"):
        publish([], endpoint=hub.url, root=banks)
    assert hub.writes() == []


def test_refuses_a_token_file_inside_the_repository(hub, banks, monkeypatch):
    copy_bank(banks, "models")
    token_file = banks.parent / "token"
    token_file.write_text(hub.token)
    monkeypatch.delenv("HF_TOKEN")
    monkeypatch.setattr("huggingface_hub.constants.HF_TOKEN_PATH", str(token_file))
    with pytest.raises(PublishError, match="lies inside the repository"):
        publish([], endpoint=hub.url, root=banks)
