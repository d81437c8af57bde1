"""The translation cache: one append-only JSON Lines file per engine identity, keyed by text and languages.

Every translation is appended (and flushed) as soon as its batch is done, so a killed run loses at most the
batch in flight; a torn last line is cut off before the next append (`runs.truncate_torn_tail`) and dropped
when read. The first line names the engine, model and revision the file belongs to, and a file of another
identity is refused: caches are never mixed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from culturebench.runs import append_json_lines, read_json_lines
from culturebench.translate.engines import EngineIdentity


def cache_path(cache_dir: Path, identity: EngineIdentity) -> Path:
    """The one cache file of an engine identity (readable name, digest of the full identity)."""
    name = Path(identity.model.rstrip("/")).name or "model"
    return Path(cache_dir) / f"{identity.engine}-{name}-{identity.digest}.jsonl"


def cache_key(text: str, src: str, tgt: str, identity: EngineIdentity) -> str:
    payload = json.dumps([text, src, tgt, *asdict(identity).values()], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


class TranslationCache:
    """{key: translation} read from the file, and appends to it."""

    def __init__(self, cache_dir: Path, identity: EngineIdentity) -> None:
        self.identity = identity
        self.path = cache_path(cache_dir, identity)
        self._done: dict[str, str] = {}
        self._read()

    def _read(self) -> None:
        rows = read_json_lines(self.path, "cached translation")  # a torn last line is dropped (translated again)
        for i, row in enumerate(rows):
            if i == 0:
                self._check_header(row)
            elif "key" in row and "translation" in row:
                self._done[row["key"]] = row["translation"]
            else:
                raise ValueError(f"{self.path}: entry {i + 1} is not a cache entry (needs key and translation)")

    def _header(self) -> dict:
        return {"cache": "culturebench-translate", **asdict(self.identity)}

    def _check_header(self, row: object) -> None:
        want = self._header()
        if row != want:
            raise ValueError(f"{self.path}: belongs to {row}, not to {want}; caches of two engines are never mixed")

    def __len__(self) -> int:
        return len(self._done)

    def get(self, text: str, src: str, tgt: str) -> str | None:
        return self._done.get(cache_key(text, src, tgt, self.identity))

    def add(self, entries: list[tuple[str, str, str, str]]) -> None:
        """Append (text, src, tgt, translation) rows and flush them to disk."""
        rows = [{"key": cache_key(text, src, tgt, self.identity), "src": src, "tgt": tgt, "text": text,
                 "translation": translation} for text, src, tgt, translation in entries]  # fmt: skip
        append_json_lines(self.path, rows, "cached translation", header=self._header())
        self._done.update((row["key"], row["translation"]) for row in rows)
