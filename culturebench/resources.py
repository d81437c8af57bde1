"""One place that finds the shipped data folders, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


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
    """Folder of one item bank, laid out as its Hub repo `culturebench/<name>`."""
    path = resource_dir("hf_datasets") / name
    if not path.is_dir():
        raise FileNotFoundError(f"no shipped dataset {name!r} under {path.parent}")
    return path


def tasks_dir() -> Path:
    """The folder to pass to lm-eval as `--include_path`."""
    return resource_dir("lm_eval_tasks") / "culturebench"
