"""A wheel built from the repo, installed into a fresh venv, ships the datasets, the tasks and the CLI."""

from __future__ import annotations

import os
import site
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
    # The venv borrows lm-eval, torch and the rest from the environment running the tests (a virtualenv or
    # the system's: --system-site-packages would see the base interpreter's instead) through a .pth file;
    # those folders' own .pth files are not run, so an editable culturebench there stays invisible and
    # culturebench comes only from the wheel.
    _run([sys.executable, "-m", "venv", str(venv)])
    site_dir = next((venv / "lib").glob("python*/site-packages"))
    (site_dir / "outer_environment.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    py = venv / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    where = _run([str(py), "-c", "import culturebench; print(culturebench.__file__)"], cwd=elsewhere, env=env)
    assert Path(where.stdout.strip()).is_relative_to(venv), f"culturebench imported from outside the venv: {where}"
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
