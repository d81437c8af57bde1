"""The content revision of a local model folder, so a model is known by what its files hold, not by its name.

Shared by the LLM backends (`local:PATH`) and the translation engines (nllb, ct2 and llm folders): retrained
weights saved over the same folder get a new revision, hence new caches and run folders, never stale answers.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_SEEN: dict[tuple, str] = {}  # (folder, every file's name, size and mtime) -> revision: each folder hashed once


def _files(folder: Path) -> list[Path]:
    """The folder's files (relative), hidden ones left out, in a stable order."""
    files = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    return [r for r in files if not any(part.startswith(".") for part in r.parts)]


def folder_revision(folder: Path | str) -> str:
    """A model folder's revision: the commit of a Hub cache snapshot, else a sha256 of its files (names and bytes)."""
    folder = Path(folder).expanduser().resolve()
    if folder.parent.name == "snapshots" and _COMMIT.match(folder.name):
        return folder.name
    if not folder.is_dir():
        raise FileNotFoundError(f"model folder {folder} does not exist")
    files = _files(folder)
    stamp = (str(folder), *((str(r), (folder / r).stat().st_size, (folder / r).stat().st_mtime_ns) for r in files))
    if stamp in _SEEN:
        return _SEEN[stamp]
    h = hashlib.sha256()
    for rel in files:
        h.update(rel.as_posix().encode() + b"\0")
        with (folder / rel).open("rb") as f:
            while chunk := f.read(1 << 24):
                h.update(chunk)
    _SEEN[stamp] = revision = "sha256:" + h.hexdigest()
    return revision
