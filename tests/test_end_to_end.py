"""Real lm-eval on a tiny random Llama through `culturebench evaluate`, then the report from samples alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from culturebench.benchmarks.hofstede import TASKS as HOFSTEDE_TASKS
from culturebench.benchmarks.hofstede.documents import hofstede_items
from culturebench.benchmarks.hofstede.metrics import score_row
from culturebench.cli import main
from culturebench.report.build import write_report
from culturebench.resources import tasks_dir
from culturebench.results import load_metrics
from culturebench.runs import Run, RunFileError, latest_sample_files
from culturebench.scoring import combine_orders

LIMIT = 120  # documents per task: item-major order spans ~1-2 items x all countries x both orders
ALL_TASKS = (
    [f"culturebench_hofstede_{d}" for d in ("pdi", "idv", "mas", "uai", "lto", "ivr", "default")]
    + [f"culturebench_vsm_{c}" for c in ("aligned", "en", "zh", "all")]
    + [f"culturebench_wvs_{d}_{p}" for d in ("family", "workplace", "legal") for p in ("none", "basic", "profile")]
    + ["culturebench_wvs_direct", "culturebench_self_construal", "culturebench_safety_selfreport"]
    + ["culturebench_hofstede_options", "culturebench_wvs_options"]
)

pytestmark = pytest.mark.slow  # runs lm-eval end to end on a tiny model


def _evaluate(model: Path, out: Path, *extra: str) -> None:
    argv = [
        "evaluate",
        "--model-args",
        f"pretrained={model}",
        "--device",
        "cpu",
        "--batch-size",
        "16",
        "--limit",
        str(LIMIT),
        "--output",
        str(out),
        *extra,
    ]
    assert main(argv) == 0


@pytest.fixture(scope="module")
def run_dir(tiny_model, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run")
    _evaluate(tiny_model, out)
    return out


def test_evaluate_keeps_lm_eval_files_and_writes_the_report(run_dir):
    samples = latest_sample_files(run_dir)
    assert set(samples) == set(ALL_TASKS)
    assert list((run_dir / "lm_eval").rglob("results_*.json"))
    assert list((run_dir / "lm_eval" / "cache").rglob("requests*"))  # lm-eval's request cache, under the model key
    metrics = load_metrics(run_dir)  # checked against the shipped JSON Schema
    assert set(metrics["headline"]) == {"hofstede", "vsm", "wvs", "selfconcept"}
    assert metrics["headline"]["hofstede"]["alignment_r_IDV"]["value"] == pytest.approx(
        metrics["hofstede"]["dimensions"]["IDV"]["alignment"]["hofstede_2015"]["pearson_r"]
    )
    assert set(metrics["run"]["datasets"]) >= {"hofstede_dilemmas", "vsm_survey", "wvs_dilemmas", "self_construal"}
    dims = metrics["hofstede"]["dimensions"]
    assert set(dims) == {"PDI", "IDV", "MAS", "UAI", "LTO", "IVR"}
    for entry in dims.values():
        assert entry["n_prompts"] == LIMIT + LIMIT // 6  # persona task + its share of the interleaved default task
        a = entry["alignment"]["hofstede_2015"]
        assert a["n"] >= 20 and (a["pearson_r"] is None) == (a["undefined"] is not None)
        assert 0 <= entry["position_bias"]["value"] <= 1
    assert all(c["ok"] for c in metrics["run"]["preflight"]["choice_grouping"].values())
    report = (run_dir / "report.md").read_text()
    for dim in dims:
        assert f"| {dim} |" in report
    r = dims["IDV"]["alignment"]["hofstede_2015"]["pearson_r"]
    assert f"{r:.3f}" in report
    assert (run_dir / "figures" / "hofstede_heatmap.png").stat().st_size > 1000
    assert (run_dir / "figures" / "hofstede_ivr_hofstede_2015.png").exists()


def test_vsm_section_of_the_report(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())["vsm"]
    assert set(metrics["conditions"]) == {"aligned", "en", "zh", "all"}
    aligned = metrics["conditions"]["aligned"]
    assert len(aligned["countries"]) == LIMIT // 24  # complete (country, language) blocks under --limit
    us_like = next(iter(aligned["countries"].values()))
    assert set(us_like["scores"]) == {"PDI", "IDV", "MAS", "UAI", "LTO", "IVR"}
    assert all(0 <= v["score"] <= 100 for v in us_like["scores"].values())
    assert len(aligned["answers"]) == 24 * len(aligned["countries"])
    assert all(abs(sum(a["probs"]) - 1) < 1e-6 and 1 <= a["argmax"] <= 5 for a in aligned["answers"])
    report = (run_dir / "report.md").read_text()
    assert "## VSM survey" in report and "### Prompts: aligned" in report
    assert f"{aligned['deviation_ratio']['mean']:.2f}" in report
    assert (run_dir / "figures" / "vsm_radar_aligned.png").stat().st_size > 1000
    assert (run_dir / "figures" / "vsm_dimensions.png").exists()
    results = json.loads(next((run_dir / "lm_eval").rglob("results_*.json")).read_text())["results"]
    assert results["culturebench_vsm_aligned"]["deviation_ratio,none"] == pytest.approx(
        aligned["deviation_ratio"]["mean"]
    )


def test_task_metrics_agree_with_the_library(run_dir):
    """lm-eval's aggregation (task utils) and the report compute p_high from one definition."""
    results = json.loads(next((run_dir / "lm_eval").rglob("results_*.json")).read_text())["results"]
    rows = pd.DataFrame(Run(run_dir).score_rows(HOFSTEDE_TASKS, score_row))
    for dim in ("IDV", "UAI"):
        task = results[f"culturebench_hofstede_{dim.lower()}"]
        sub = rows[(rows["dimension"] == dim) & (rows["persona"] == "basic")]
        assert task["p_high,none"] == pytest.approx(combine_orders(sub, "p_high")["p_high"].mean())
    metrics = json.loads((run_dir / "metrics.json").read_text())
    r = metrics["hofstede"]["dimensions"]["UAI"]["alignment"]["hofstede_2015"]["pearson_r"]
    assert results["culturebench_hofstede_uai"]["pearson_r,none"] == pytest.approx(r)


def test_wvs_map_from_a_real_run(tiny_model, tmp_path):
    # 880 documents per task: the whole no-persona family task, and 10 dilemmas (one per map item) under
    # each of the 44 basic personas; the direct task's first 62 complete persona conditions.
    tasks = "culturebench_wvs_family_none,culturebench_wvs_family_basic,culturebench_wvs_direct"
    argv = ["evaluate", "--model-args", f"pretrained={tiny_model}", "--device", "cpu", "--batch-size", "32",
            "--limit", "880", "--tasks", tasks, "--output", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    wvs = json.loads((tmp_path / "metrics.json").read_text())["wvs"]
    none = wvs["conditions"]["none:none"]
    assert set(none["scenario"]) >= {"trad_secular", "surv_selfexp", "trad_secular_ci", "flagged"}
    assert set(none["domains"]) == {"family"}
    assert "trad_secular" in none["direct"] and none["direct_vs_scenario"] >= 0
    vn = wvs["conditions"]["basic:VN"]
    assert vn["official"] is not None and vn["scenario"]["distance_to_country"] >= 0
    assert vn["scenario"]["shift_from_no_persona"] is not None
    report = (tmp_path / "report.md").read_text()
    assert "## WVS dilemmas and the cultural map" in report
    assert f"{none['scenario']['surv_selfexp']:.2f}, {none['scenario']['trad_secular']:.2f}" in report
    assert (tmp_path / "figures" / "wvs_cultural_map.png").stat().st_size > 10000


def test_compare_runs_with_a_registry_name(run_dir, tmp_path):
    other = tmp_path / "second-run"
    (other / "lm_eval").mkdir(parents=True)
    for path in latest_sample_files(run_dir).values():
        (other / "lm_eval" / path.name).write_bytes(path.read_bytes())
    assert main(["compare", str(run_dir), str(other), "--output", str(tmp_path / "no")]) == 1  # no metrics.json yet
    assert main(["report", str(other), "--n-boot", "0"]) == 0
    argv = [
        "compare",
        str(run_dir),
        str(other),
        "--output",
        str(tmp_path / "cmp"),
        "--name",
        f"{run_dir}=Qwen/Qwen2.5-7B-Instruct",
        "--name",
        f"{other}=mistralai/Mistral-7B-Instruct-v0.3",
    ]
    assert main(argv) == 0
    result = json.loads((tmp_path / "cmp" / "comparison.json").read_text())
    assert result["models"]["Qwen/Qwen2.5-7B-Instruct"]["origin"] == "CN"
    assert result["models"]["mistralai/Mistral-7B-Instruct-v0.3"]["origin"] == "FR"
    assert len(result["vsm"]["ranking"]) == 8  # 2 runs x 4 prompt conditions
    assert set(result["vsm"]["origin"]) == {"CN", "FR"}
    assert not (other / "comparison.json").exists() and set(os.listdir(other)) == {
        "lm_eval",
        "metrics.json",
        "report.md",
        "figures",
    }
    md = (tmp_path / "cmp" / "comparison.md").read_text()
    assert "## Model origin" in md and (tmp_path / "cmp" / "origin.png").exists()
    assert main(["compare", str(run_dir), str(run_dir), "--output", str(tmp_path / "dup")]) == 1  # same name twice


def test_report_recomputes_from_samples_alone(run_dir, tmp_path):
    copy = tmp_path / "copy"
    for path in latest_sample_files(run_dir).values():
        (copy / path.parent.name).mkdir(parents=True, exist_ok=True)
        (copy / path.parent.name / path.name).write_bytes(path.read_bytes())
    assert main(["report", str(copy)]) == 0
    a = json.loads((run_dir / "metrics.json").read_text())["hofstede"]
    b = json.loads((copy / "metrics.json").read_text())["hofstede"]
    assert a == b


def test_report_with_vsm_constants(run_dir, tmp_path):
    for path in latest_sample_files(run_dir).values():
        if "vsm_aligned" in path.name:
            (tmp_path / path.name).write_bytes(path.read_bytes())
    constants = "PDI=10,IDV=20,MAS=30,UAI=40,LTO=50,IVR=60"
    assert main(["report", str(tmp_path), "--n-boot", "0", "--vsm-constants", constants]) == 0
    vsm = json.loads((tmp_path / "metrics.json").read_text())["vsm"]
    assert vsm["score_scale"] == "raw + C"
    scores = next(iter(vsm["conditions"]["aligned"]["countries"].values()))["scores"]
    assert scores["PDI"]["score"] == pytest.approx(scores["PDI"]["raw"] + 10)
    assert scores["IVR"]["score"] == pytest.approx(scores["IVR"]["raw"] + 60)
    with pytest.raises(SystemExit) as exit_info:  # all six are needed: argparse says so
        main(["report", str(tmp_path), "--vsm-constants", "PDI=1"])
    assert exit_info.value.code == 2


def test_truncated_samples_file_is_a_clear_error(run_dir, tmp_path):
    path = latest_sample_files(run_dir)["culturebench_hofstede_idv"]
    broken = tmp_path / "broken" / path.name
    broken.parent.mkdir()
    text = path.read_text()
    broken.write_text(text[: len(text) // 2])
    with pytest.raises(RunFileError, match=rf"{path.name}:\d+: not valid JSON"):
        write_report(broken.parent)
    assert main(["report", str(tmp_path / "nowhere")]) == 1


def test_evaluate_with_chat_template(tiny_model, tmp_path):
    _evaluate(tiny_model, tmp_path, "--tasks", "culturebench_hofstede_idv", "--apply-chat-template")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["run"]["chat_template"] is True
    assert list(metrics["hofstede"]["dimensions"]) == ["IDV"]
    sample = json.loads(latest_sample_files(tmp_path)["culturebench_hofstede_idv"].open().readline())
    prompt = sample["arguments"]["gen_args_0"]["arg_0"]
    assert prompt.startswith("<|user|>") and prompt.endswith("<|assistant|>\n")
    assert "Answer:" not in prompt and sample["doc"]["chat_template"] is True


def test_plain_lm_eval_with_tasks_dir(tiny_model, tmp_path):
    cmd = [sys.executable, "-m", "lm_eval", "run", "--model", "hf", "--model_args", f"pretrained={tiny_model}",
           "--include_path", str(tasks_dir()), "--tasks", "culturebench_hofstede,culturebench_vsm_en",
           "--device", "cpu", "--limit", "24", "--batch_size", "8",
           "--output_path", str(tmp_path), "--log_samples"]  # fmt: skip
    done = subprocess.run(cmd, env={**os.environ}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(latest_sample_files(tmp_path)) == 7
    assert main(["report", str(tmp_path), "--n-boot", "50"]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert len(metrics["vsm"]["conditions"]["en"]["countries"]) == 1 and len(metrics["hofstede"]["dimensions"]) == 6


def test_lm_eval_validate_and_task_loading():
    from lm_eval.tasks import TaskManager

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lm_eval",
            "validate",
            "--tasks",
            ",".join(
                ALL_TASKS
                + [
                    "culturebench_hofstede",
                    "culturebench_selfconcept",
                    "culturebench_selfconcept_gen",
                    "culturebench_behavior",
                ]
            ),  # fmt: skip
            "--include_path",
            str(tasks_dir()),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and "All tasks found and valid" in done.stdout, done.stdout + done.stderr
    tm = TaskManager(include_path=str(tasks_dir()), include_defaults=False)
    loaded = tm.load(["culturebench_hofstede", "culturebench_hofstede_default"])
    assert len(loaded["tasks"]) == 7 and "culturebench_hofstede" in str(loaded["groups"])
    task = loaded["tasks"]["culturebench_hofstede_default"]
    assert len(task.test_docs()) == 2 * len(hofstede_items())


def test_a_second_model_cannot_reuse_the_first_models_folder_or_cache(tiny_model, tmp_path):
    """lm-eval's request cache ignores the model: without the run record, model B got model A's numbers."""
    from culturebench.tiny_model import build_tiny_model

    other = build_tiny_model(tmp_path / "model-b", seed=1)
    args = ["--tasks", "culturebench_hofstede_idv", "--limit", "40"]
    _evaluate(tiny_model, tmp_path / "run", *args)
    first = json.loads((tmp_path / "run" / "metrics.json").read_text())["hofstede"]["shares"]
    with pytest.raises(AssertionError):  # refused: the folder holds model A's run
        _evaluate(other, tmp_path / "run", *args)
    _evaluate(other, tmp_path / "run", *args, "--overwrite")
    _evaluate(other, tmp_path / "fresh", *args)
    replaced = json.loads((tmp_path / "run" / "metrics.json").read_text())
    fresh = json.loads((tmp_path / "fresh" / "metrics.json").read_text())
    assert replaced["hofstede"]["shares"] == fresh["hofstede"]["shares"] != first
    assert replaced["run"]["model_args"] == fresh["run"]["model_args"]


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_stopping_evaluate_stops_lm_eval_too(tiny_model, tmp_path, sig, status):
    cmd = [sys.executable, "-m", "culturebench", "evaluate", "--model-args", f"pretrained={tiny_model}",
           "--tasks", "culturebench_vsm_all", "--device", "cpu", "--batch-size", "1",
           "--output", str(tmp_path)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (children := _children(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert children, "lm-eval never started"
    time.sleep(3)
    proc.send_signal(sig)
    assert proc.wait(timeout=90) == status
    assert "run the same command again to resume" in proc.stderr.read()
    assert not any(Path(f"/proc/{c}").exists() for c in children), "lm-eval kept running"
