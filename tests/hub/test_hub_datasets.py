"""CULTUREBENCH_DATASETS=hub: the lm-eval tasks and the library read the item banks from the Hub, not the package."""

from __future__ import annotations

import importlib.util
import json
import re

import pytest
from huggingface_hub import HfApi

from culturebench.benchmarks.wvs import documents
from culturebench.cards import write_release_block
from culturebench.hub import publish
from culturebench.resources import DATASETS_ENV, dataset_dir, hub_dataset_dir, resource_dir, tasks_dir
from culturebench.versioning import card_field, refresh_content_hash
from tests.hub.conftest import copy_bank

HUB_MARK = "(as published on the Hub)"


@pytest.fixture
def fresh_caches():
    """The Hub folders and the WVS questions are cached per process: start and end each test without them."""
    hub_dataset_dir.cache_clear()
    documents._direct_questions.cache_clear()
    yield
    hub_dataset_dir.cache_clear()
    documents._direct_questions.cache_clear()


def wvs_task_utils():
    spec = importlib.util.spec_from_file_location("wvs_utils", tasks_dir() / "wvs" / "utils.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tasks_read_the_hub_copy_when_asked(hub, banks, monkeypatch, fresh_caches):
    folder = copy_bank(banks, "wvs_dilemmas")
    for name in ("countries", "wvs_reference"):  # the direct task's personas read these too
        copy_bank(banks, name)
    path = folder / "data" / "direct.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[0]["question"] = f"{rows[0]['question']} {HUB_MARK}"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    refresh_content_hash(folder)
    write_release_block(folder)
    publish([], endpoint=hub.url, root=banks)

    packaged = wvs_task_utils().load_direct()["test"]
    assert not any(HUB_MARK in d["prompt"] for d in packaged)
    monkeypatch.setenv(DATASETS_ENV, "hub")
    documents._direct_questions.cache_clear()
    from_hub = wvs_task_utils().load_direct()["test"]
    assert len(from_hub) == len(packaged)
    assert any(HUB_MARK in d["prompt"] for d in from_hub)
    hub_folder = dataset_dir("wvs_dilemmas")
    assert resource_dir("hf_datasets") not in hub_folder.parents
    assert card_field(hub_folder, "content_hash") == card_field(folder, "content_hash")
    packaged_version = card_field(resource_dir("hf_datasets") / "wvs_dilemmas", "version")
    assert ("GET", f"/api/datasets/culturebench/wvs_dilemmas/revision/{packaged_version}") in hub.requests


def test_hub_copy_that_does_not_match_its_card_is_refused(hub, banks, monkeypatch, fresh_caches):
    folder = copy_bank(banks, "models")
    with (folder / "data" / "models.csv").open("a") as f:
        f.write("extra,row\n")  # uploaded around `publish`, which would refuse it
    api = HfApi(endpoint=hub.url)
    api.create_repo("culturebench/models", repo_type="dataset")
    api.upload_folder(repo_id="culturebench/models", repo_type="dataset", folder_path=folder)
    monkeypatch.setenv(DATASETS_ENV, "hub:culturebench@main")
    with pytest.raises(ValueError, match="the Hub copy of culturebench/models@main does not match its card"):
        dataset_dir("models")
    monkeypatch.setenv(DATASETS_ENV, "hub:nobody")
    models_version = re.escape(card_field(resource_dir("hf_datasets") / "models", "version"))
    with pytest.raises(FileNotFoundError, match=rf"cannot read nobody/models@{models_version} from the Hub"):
        dataset_dir("models")
    monkeypatch.setenv(DATASETS_ENV, "packaged")
    with pytest.raises(ValueError, match="expected 'hub' or 'hub:ORG"):
        dataset_dir("models")
