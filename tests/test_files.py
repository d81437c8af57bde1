"""Every output is written atomically: a failed write leaves the previous file intact and no temporary file."""

from __future__ import annotations

import errno
import json
import math
from pathlib import Path

import pytest

from culturebench.files import write_json, write_text


def _disk_full_after(n_chars: int):
    """A Path.write_text that writes the first n_chars and then fails as a full disk does."""
    real = Path.write_text

    def write(self: Path, text: str, *args, **kwargs) -> int:
        real(self, text[:n_chars], *args, **kwargs)
        raise OSError(errno.ENOSPC, "No space left on device")

    return write


def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "metrics.json"
    write_json(target, {"old": 1})
    monkeypatch.setattr(Path, "write_text", _disk_full_after(5))
    with pytest.raises(OSError, match="No space left"):
        write_json(target, {"new": list(range(100))})
    monkeypatch.undo()
    assert json.loads(target.read_text()) == {"old": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]  # the temporary file is gone too


def test_report_on_a_full_disk_keeps_the_previous_metrics(tmp_path, monkeypatch):
    from culturebench.report.build import write_report
    from tests.test_runs import _samples

    _samples(tmp_path / "lm_eval" / "m")
    write_report(tmp_path, n_boot=0)
    before = (tmp_path / "metrics.json").read_text()
    monkeypatch.setattr(Path, "write_text", _disk_full_after(100))
    with pytest.raises(OSError):
        write_report(tmp_path, n_boot=10)
    monkeypatch.undo()
    assert (tmp_path / "metrics.json").read_text() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_strict_json(tmp_path):
    write_json(tmp_path / "x.json", {"nan": math.nan, "inf": math.inf, "ok": 1.5})
    assert json.loads((tmp_path / "x.json").read_text()) == {"nan": None, "inf": "inf", "ok": 1.5}
    write_text(tmp_path / "t.md", "é\n")
    assert (tmp_path / "t.md").read_text(encoding="utf-8") == "é\n"
