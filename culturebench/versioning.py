"""Dataset versions: semver in the card plus a content hash of the data files."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from culturebench.files import write_text

HASH_PREFIX = "sha256:"


def content_hash(dataset_folder: Path) -> str:
    """sha256 over the data files (`data/**`, sorted by relative path, name and bytes both hashed)."""
    h = hashlib.sha256()
    files = sorted(p for p in (Path(dataset_folder) / "data").rglob("*") if p.is_file())
    if not files:
        raise FileNotFoundError(f"no data files under {dataset_folder}/data")
    for path in files:
        h.update(path.relative_to(dataset_folder).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return HASH_PREFIX + h.hexdigest()


def card_field(dataset_folder: Path, field: str) -> str:
    """A top-level scalar of the card's YAML front matter (version, content_hash)."""
    text = (Path(dataset_folder) / "README.md").read_text(encoding="utf-8")
    front = text.split("---", 2)[1] if text.startswith("---") else ""
    m = re.search(rf"^{re.escape(field)}:\s*(\S+)\s*$", front, flags=re.M)
    if not m:
        raise ValueError(f"{dataset_folder}/README.md front matter has no {field!r}")
    return m.group(1).strip("'\"")


def refresh_content_hash(dataset_folder: Path) -> str:
    """Rewrite the card's `content_hash` from the data files; returns the new hash."""
    card = Path(dataset_folder) / "README.md"
    new = content_hash(dataset_folder)
    text = re.sub(r"^content_hash: .*$", f"content_hash: {new}", card.read_text(encoding="utf-8"), count=1, flags=re.M)
    write_text(card, text)
    return new


if __name__ == "__main__":
    import sys

    for folder in sys.argv[1:]:
        print(folder, refresh_content_hash(Path(folder)))
