"""A wheel built from the repo, installed into a fresh venv, ships the datasets, the tasks and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow  # builds and installs a wheel, runs the CLI


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kw)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


def test_wheel_in_fresh_venv(tmp_path, tiny_model):
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(wheels)])
    wheel = next(wheels.glob("culturebench-*.whl"))
    venv = tmp_path / "venv"
    # The venv sees the machine's site-packages for lm-eval and torch; culturebench comes only from the wheel.
    _run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)])
    py = venv / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    printed = _run([str(venv / "bin" / "culturebench"), "tasks-dir"], cwd=elsewhere, env=env).stdout.strip()
    tasks = Path(printed)
    assert tasks.is_relative_to(venv), f"tasks-dir points outside the venv: {tasks}"
    assert (tasks / "hofstede" / "utils.py").is_file()
    assert (tasks.parent.parent / "hf_datasets" / "hofstede_dilemmas" / "README.md").is_file()
    out = tmp_path / "run"
    _run(
        [
            str(venv / "bin" / "culturebench"),
            "evaluate",
            "--model-args",
            f"pretrained={tiny_model}",
            "--tasks",
            "culturebench_hofstede_lto",
            "--limit",
            "8",
            "--device",
            "cpu",
            "--batch-size",
            "8",
            "--output",
            str(out),
        ],
        cwd=elsewhere,
        env=env,
    )
    assert "| LTO |" in (out / "report.md").read_text()
