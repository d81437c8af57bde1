"""One place that finds the shipped data folders, installed or in a source checkout."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent
DATASETS_ENV = "CULTUREBENCH_DATASETS"  # "hub" or "hub:ORG[@REVISION]": read the item banks from the Hub
HUB_ORG = "culturebench"


def resource_dir(name: str) -> Path:
    """Folder of shipped data (`hf_datasets` or `lm_eval_tasks`).

    A wheel maps both folders into the package (`culturebench/hf_datasets`); a source checkout
    or editable install keeps them at the repo root, beside `culturebench/`.
    """
    for candidate in (_HERE / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped folder {name!r} not found in {_HERE} or {_HERE.parent}")


def dataset_dir(name: str) -> Path:
    """Folder of one item bank, laid out as its Hub repo `culturebench/<name>`.

    The packaged copy by default; with CULTUREBENCH_DATASETS=hub[:ORG[@REVISION]] the Hub copy, downloaded
    once into the Hugging Face cache (HF_ENDPOINT and the usual token apply).
    """
    source = os.environ.get(DATASETS_ENV, "").strip()
    if source:
        return hub_dataset_dir(name, source)
    path = resource_dir("hf_datasets") / name
    if not path.is_dir():
        raise FileNotFoundError(f"no shipped dataset {name!r} under {path.parent}")
    return path


@cache
def hub_dataset_dir(name: str, source: str) -> Path:
    """The Hub copy of an item bank, checked against its card's content hash.

    `source` is "hub" or "hub:ORG[@REVISION]"; the revision defaults to the version the packaged card
    states, so the code reads the release it was built with (`@main` reads the latest upload).
    """
    from huggingface_hub import snapshot_download

    from culturebench.versioning import card_field, content_hash

    kind, _, target = source.partition(":")
    org, _, revision = target.partition("@")
    if kind != "hub":
        raise ValueError(f"{DATASETS_ENV}={source!r}: expected 'hub' or 'hub:ORG[@REVISION]'")
    packaged = resource_dir("hf_datasets") / name
    revision = revision or (card_field(packaged, "version") if packaged.is_dir() else "main")
    repo_id = f"{org or HUB_ORG}/{name}"
    try:
        path = Path(
            snapshot_download(repo_id, repo_type="dataset", revision=revision, endpoint=os.environ.get("HF_ENDPOINT"))
        )
    except Exception as e:  # network, auth, missing repo or revision: say which dataset and where to look
        raise FileNotFoundError(f"cannot read {repo_id}@{revision} from the Hub ({DATASETS_ENV}={source}): {e}") from e
    stated, actual = card_field(path, "content_hash"), content_hash(path)
    if stated != actual:
        raise ValueError(f"the Hub copy of {repo_id}@{revision} does not match its card: {stated} != {actual}")
    return path


def tasks_dir() -> Path:
    """The folder to pass to lm-eval as `--include_path`."""
    return resource_dir("lm_eval_tasks") / "culturebench"
