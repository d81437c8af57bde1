"""The append-only answer cache: every answer paid for is written the moment it arrives.

One JSON line per answer, `{"key": request hash, "backend": ..., "answer": ...}`. A run killed while
writing leaves a torn last line, which is dropped on reading and cut off before the next append
(the judge's verdict files work the same way, see culturebench.runs), so that request is simply
asked again. A cache file belongs to one backend: answers of another are refused, never mixed.
"""

from __future__ import annotations

import json
from pathlib import Path

from culturebench.runs import read_json_lines, truncate_torn_tail


class CacheError(ValueError):
    """A cache file that belongs to another backend."""


class AnswerCache:
    """{request key: answer} of one backend, read from and appended to `path`."""

    def __init__(self, path: Path, backend: str) -> None:
        self.path, self.backend = Path(path), backend
        self.answers: dict[str, str] = {}
        for row in read_json_lines(self.path, "cached answer"):
            if row.get("backend") != backend:
                raise CacheError(f"{self.path} holds answers of {row.get('backend')!r}, not of {backend!r}; "
                                 "use another cache file (one per backend)")  # fmt: skip
            self.answers[row["key"]] = row["answer"]
        self._repaired = False

    def __contains__(self, key: str) -> bool:
        return key in self.answers

    def get(self, key: str) -> str | None:
        return self.answers.get(key)

    def add(self, key: str, answer: str) -> None:
        """Append one answer (flushed at once: a later crash cannot lose it)."""
        if not self._repaired:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            truncate_torn_tail(self.path, "cached answer")
            self._repaired = True
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"key": key, "backend": self.backend, "answer": answer}, ensure_ascii=False) + "\n")
        self.answers[key] = answer
