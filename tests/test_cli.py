import subprocess
import sys

import pytest

from culturebench.cli import build_parser, main
from culturebench.resources import tasks_dir


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["evaluate"],
        ["report"],
        ["compare"],
        ["judge"],
        ["tasks-dir"],
        ["demo"],
        ["steer", "train"],
        ["steer", "sweep"],
        ["leaderboard", "collect"],
    ],
)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as e:
        build_parser().parse_args([*command, "--help"])
    assert e.value.code == 0
    assert "usage: culturebench" in capsys.readouterr().out


def test_tasks_dir_prints_the_include_path(capsys):
    assert main(["tasks-dir"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == str(tasks_dir())
    assert (tasks_dir() / "hofstede" / "hofstede_idv.yaml").is_file()


def test_console_script_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "culturebench", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("culturebench ")
