"""The Space's own files say where its data comes from and how to install a library not yet on PyPI."""

from __future__ import annotations

from pathlib import Path

import pytest

from culturebench.cli import main

SPACE = Path(__file__).resolve().parents[2] / "leaderboard"


def test_the_readme_names_the_results_repo_and_the_mirrored_folder():
    data = (SPACE / "README.md").read_text().split("## Data", 1)[1].split("\n## ", 1)[0]
    assert "$CULTUREBENCH_RESULTS_REPO" in data and "culturebench leaderboard publish" in data
    assert "mirrors" in data and "--limit" in data
    assert "CULTUREBENCH_RESULTS_REPO" in (SPACE / "app.py").read_text()  # the variable the app really reads


def test_the_requirements_say_to_pin_the_release_until_culturebench_is_on_pypi():
    lines = (SPACE / "requirements.txt").read_text().splitlines()
    at = lines.index("culturebench")  # kept, for when it is published
    assert lines[at - 1].startswith("#") and "not on PyPI" in " ".join(lines[:at]) and "git URL" in " ".join(lines[:at])
    assert "not on PyPI yet" in (SPACE / "README.md").read_text()


def test_collect_help_says_the_folder_mirrors_the_collection(capsys):
    with pytest.raises(SystemExit):
        main(["leaderboard", "collect", "--help"])
    assert "mirrors this collection" in " ".join(capsys.readouterr().out.split())
