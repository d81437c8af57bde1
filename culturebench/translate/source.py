"""The dataset to translate: one config of a dataset folder (card YAML `configs:`), and the text fields of its rows.

A field is named by a path: `question` (a string), `options[]` (a list of strings), `options[].text` (a string
in each dict of a list). Without `--fields`, every such path whose values hold a space somewhere in the rows is
taken as prose to translate; labels such as `pole: high` or `id` stay as they are.
"""

from __future__ import annotations

import copy
import glob
from dataclasses import dataclass
from pathlib import Path

import yaml

from culturebench.jsonl import read_jsonl
from culturebench.resources import dataset_dir

NEVER_TRANSLATED = ("id", "lang")


@dataclass(frozen=True)
class Source:
    folder: Path
    name: str
    config: str
    files: tuple[Path, ...]
    rows: tuple[dict, ...]
    card: dict  # the card's YAML front matter ({} without a card)


def read_card(folder: Path) -> dict:
    """A dataset card's YAML front matter, or {} when the folder has no README.md."""
    path = Path(folder) / "README.md"
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    try:
        front = yaml.safe_load(text.split("---", 2)[1]) or {}
    except yaml.YAMLError as e:
        raise ValueError(f"{path}: the YAML front matter does not parse ({e})") from None
    if not isinstance(front, dict):
        raise ValueError(f"{path}: the YAML front matter is not a mapping")
    return front


def load_source(dataset: str, config: str | None = None, limit: int | None = None) -> Source:
    """The rows of one config of a dataset folder (or of a shipped dataset by name), in file order."""
    folder = Path(dataset)
    if not folder.is_dir():
        try:
            folder = dataset_dir(dataset)
        except FileNotFoundError as e:  # no shipped bank of that name, or the Hub copy cannot be read: say which
            raise FileNotFoundError(f"dataset {dataset!r}: no such folder, and {e}") from e
    card = read_card(folder)
    config, patterns = _config_files(folder, card, config)
    files = sorted({Path(p) for pattern in patterns for p in glob.glob(str(folder / pattern), recursive=True)})
    if not files:
        raise FileNotFoundError(f"{folder}: config {config!r} matches no data files ({', '.join(patterns)})")
    rows: list[dict] = []
    seen: dict[str, str] = {}
    for path in files:
        if path.suffix != ".jsonl":
            raise ValueError(f"{path}: only JSON Lines data files can be translated")
        for line, row in read_jsonl(path):
            where = f"{path}:{line}"
            if not isinstance(row, dict) or not isinstance(row.get("id"), str):
                raise ValueError(f"{where}: a row must be an object with a string `id`")
            if row["id"] in seen:
                raise ValueError(f"{where}: id {row['id']!r} again (first at {seen[row['id']]})")
            seen[row["id"]] = where
            rows.append(row)
    if limit is not None:
        rows = rows[:limit]
    return Source(folder.resolve(), folder.resolve().name, config, tuple(files), tuple(rows), card)


def _config_files(folder: Path, card: dict, config: str | None) -> tuple[str, list[str]]:
    configs = card.get("configs") or []
    if not configs:
        if config is not None:
            raise ValueError(f"{folder}: --config {config!r} given but the folder's card declares no configs")
        return "default", ["data/**/*.jsonl"]
    by_name = {c.get("config_name"): c for c in configs if isinstance(c, dict)}
    if config is None:
        chosen = next((c for c in configs if c.get("default")), configs[0])
    elif config in by_name:
        chosen = by_name[config]
    else:
        raise ValueError(f"{folder}: no config {config!r}; the card declares {', '.join(map(str, by_name))}")
    files = chosen.get("data_files")
    if isinstance(files, str):
        return chosen["config_name"], [files]
    return chosen["config_name"], [f if isinstance(f, str) else f["path"] for f in files or []]


def texts_at(row: dict, path: str) -> list[str]:
    """The strings a field path names in one row ([] where the row lacks the field)."""
    head, bracket, rest = path.partition("[]")
    value = row.get(head)
    if not bracket:
        return [value] if isinstance(value, str) else []
    if not isinstance(value, list):
        return []
    key = rest.lstrip(".")
    if not key:
        return [v for v in value if isinstance(v, str)]
    return [v[key] for v in value if isinstance(v, dict) and isinstance(v.get(key), str)]


def with_texts(row: dict, path: str, texts: list[str]) -> dict:
    """A copy of `row` whose strings at `path` are replaced by `texts` (in `texts_at` order)."""
    row = copy.deepcopy(row)
    new = iter(texts)
    head, bracket, rest = path.partition("[]")
    key = rest.lstrip(".")
    if not bracket:
        row[head] = next(new)
    elif not key:
        row[head] = [next(new) if isinstance(v, str) else v for v in row[head]]
    else:
        for v in row[head]:
            if isinstance(v, dict) and isinstance(v.get(key), str):
                v[key] = next(new)
    return row


def text_fields(rows: tuple[dict, ...], requested: list[str] | None) -> list[str]:
    """The field paths to translate: the requested ones (each must be found), else the prose fields found."""
    if requested:
        for path in requested:
            if not any(texts_at(row, path) for row in rows):
                raise ValueError(
                    f"--fields {path!r}: no row has text there (paths look like q, options[], options[].text)"
                )
        return requested
    paths: list[str] = []
    for row in rows:
        for key, value in row.items():
            if key in NEVER_TRANSLATED:
                continue
            if isinstance(value, str):
                paths.append(key)
            elif isinstance(value, list):
                paths += [f"{key}[]" for v in value if isinstance(v, str)]
                paths += [
                    f"{key}[].{k}" for v in value if isinstance(v, dict) for k, x in v.items() if isinstance(x, str)
                ]
    found = list(dict.fromkeys(paths))
    prose = [p for p in found if any(" " in t for row in rows for t in texts_at(row, p))]
    if not prose:
        raise ValueError("no field of the rows holds prose to translate; name them with --fields")
    return prose
