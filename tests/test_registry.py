"""The benchmark registry is the only place outside `culturebench/benchmarks/` that knows the benchmarks."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from culturebench.benchmarks import BENCHMARKS, default_tasks, owner
from culturebench.resources import tasks_dir
from culturebench.results import SCHEMA_VERSION, validate_metrics
from culturebench.runs import RunFileError
from tests.conftest import REPO

PACKAGE = REPO / "culturebench"
NAMES = tuple(b.name for b in BENCHMARKS)


def _shared_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "benchmarks" not in p.relative_to(PACKAGE).parts]


def test_no_module_outside_benchmarks_imports_or_names_a_benchmark():
    offenders = []
    task_name = re.compile(r"culturebench_(" + "|".join(NAMES) + r"|self_construal|safety_|face_)")
    for path in _shared_modules():
        text = path.read_text()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[:2] == ["culturebench", "benchmarks"] and len(parts) > 2 and parts[2] in NAMES:
                    offenders.append(f"{path.name}: imports {node.module}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and task_name.search(node.value):
                offenders.append(f"{path.name}: names task {node.value[:60]!r}")
    assert offenders == []


def test_registry_covers_every_packaged_task_once():
    """Every task YAML's task name is owned by exactly one benchmark; every owned task exists."""
    yaml_tasks = set()
    for path in tasks_dir().rglob("*.yaml"):
        m = re.search(r"^task: (\S+)$", path.read_text(), flags=re.M)
        if m:
            yaml_tasks.add(m.group(1))
    owned = [t for b in BENCHMARKS for t in b.tasks]
    assert len(owned) == len(set(owned))
    assert set(owned) == yaml_tasks
    assert owner("culturebench_vsm_all").name == "vsm" and owner("not_ours") is None
    assert default_tasks().split(",")[0] == "culturebench_hofstede"


@pytest.mark.parametrize("benchmark", BENCHMARKS, ids=NAMES)
def test_every_benchmark_probes_real_prompts(benchmark):
    for chat_template in (False, True):
        probes = benchmark.probes(chat_template)
        assert probes and all(p.prompt and len(p.choices) >= 2 for p in probes)


def test_schema_rejects_what_a_reader_could_misread():
    good = {"schema_version": SCHEMA_VERSION, "culturebench_version": "x", "headline": {},
            "run": {"run_dir": "r", "datasets": {}}, "hofstede": {"figures": {}}}  # fmt: skip
    validate_metrics(good)
    bad_headline = {**good, "headline": {"hofstede": {"r": {"value": 0.1}}}}
    with pytest.raises(RunFileError, match="headline/hofstede/r"):
        validate_metrics(bad_headline)
    with pytest.raises(RunFileError, match="schema_version"):
        validate_metrics({**good, "schema_version": "0.9"})
    with pytest.raises(RunFileError, match="figures"):
        validate_metrics({**good, "vsm": {"conditions": {}}})
