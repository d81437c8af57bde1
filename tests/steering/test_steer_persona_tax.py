"""`steer evaluate --persona-run / --tax-tasks`: persona shifts against steering, lm-eval tasks under steering."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from culturebench.benchmarks.wvs.steer_persona import persona_comparison, persona_markdown, reached_at, read_persona_run
from culturebench.benchmarks.wvs.steer_tax import check_tax_tasks, main_metric
from culturebench.runs import RunFileError
from tests.steering.test_cli import run

TAX_DOCS = [
    {"question": "Which of these is a colour?", "choices": ["red", "table", "seven"], "answer": 0},
    {"question": "Which of these is a number?", "choices": ["blue", "chair", "four"], "answer": 2},
    {"question": "Which of these is furniture?", "choices": ["green", "sofa", "nine"], "answer": 1},
    {"question": "Which of these is an animal?", "choices": ["horse", "lamp", "two"], "answer": 0},
]


def write_tax_task(folder: Path) -> Path:
    """A multiple-choice lm-eval task read from a local JSON file: no download, any tokenizer."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "docs.jsonl"
    data.write_text("".join(json.dumps(d) + "\n" for d in TAX_DOCS))
    (folder / "tiny_tax.yaml").write_text(
        "task: tiny_tax\n"
        "dataset_path: json\n"
        f"dataset_kwargs:\n  data_files: {json.dumps(str(data))}\n"
        "test_split: train\n"
        "output_type: multiple_choice\n"
        'doc_to_text: "{{question}}\\nAnswer:"\n'
        'doc_to_choice: "{{choices}}"\n'
        "doc_to_target: answer\n"
        "metric_list:\n  - metric: acc\n"
        "metadata:\n  version: 1.0\n"
    )
    return folder


def _scenario(trad: float, surv: float, n: int = 30) -> dict:
    # Full-fit values deliberately differ from the axis-only ones: the comparison must read the axis-only fit.
    return {"trad_secular": trad + 1.0, "surv_selfexp": surv - 1.0, "n_dilemmas": n,
            "axis_only": {"trad_secular": trad, "surv_selfexp": surv},
            "shift_from_no_persona": {"trad_secular": 9.0, "surv_selfexp": 9.0}}  # fmt: skip


def write_persona_run(folder: Path, model: Path, identity: dict | None = None) -> Path:
    """A run folder as `culturebench evaluate` leaves it, as far as the comparison reads it: run.json, metrics.json."""
    folder.mkdir(parents=True)
    record = {"model": "hf", "model_args": {"pretrained": str(model)}, "chat_template": False,
              "model_path": str(model.resolve()), **(identity or {})}  # fmt: skip
    (folder / "run.json").write_text(json.dumps({"fingerprint": "f" * 16, "identity": record}))
    conditions = {
        "none:none": {"persona": "none", "country": "none", "scenario": _scenario(0.10, 0.50)},
        "basic:DE": {"persona": "basic", "country": "DE", "scenario": _scenario(0.40, 0.30)},
        "basic:RU": {"persona": "basic", "country": "RU", "scenario": _scenario(-0.05, 0.50)},
        "profile:JP": {"persona": "profile", "country": "JP", "scenario": _scenario(0.10, 0.60)},
        "basic:FR": {"persona": "basic", "country": "FR", "scenario": _scenario(0.80, 0.50)},
        "basic:AL": {"persona": "basic", "country": "AL", "scenario": {"undefined": "no dilemmas for items ['F063']"}},
    }
    metrics = {"schema_version": "1.0", "culturebench_version": "0", "headline": {},
               "run": {"run_dir": str(folder), "datasets": {}},
               "wvs": {"figures": {}, "conditions": conditions}}  # fmt: skip
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


def _steered(targeted: dict[str, float]) -> dict[str, dict]:
    alphas = {"0": {"entanglement": {}}}
    for alpha, t in targeted.items():
        alphas[alpha] = {"entanglement": {"targeted_shift": {"value": t}, "ratio": 0.25}}
    return alphas


def test_persona_table_worked_by_hand(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    persona = read_persona_run(write_persona_run(tmp_path / "run", model), str(model), chat_template=False)
    assert set(persona.conditions) == {"basic:DE", "basic:RU", "profile:JP", "basic:FR"}
    assert persona.skipped == {"basic:AL": "no dilemmas for items ['F063']"}

    # Steering trad_secular moved it +0.12, +0.25, +0.35 at 0.1, 0.2, 0.4 and -0.20 at -0.2.
    alphas = _steered({"-0.2": -0.20, "0.1": 0.12, "0.2": 0.25, "0.4": 0.35})
    comparison = persona_comparison(persona, "trad_secular", alphas)
    de, ru, jp, fr = (comparison["conditions"][k] for k in ("basic:DE", "basic:RU", "profile:JP", "basic:FR"))
    # DE: trad 0.40 - 0.10 = +0.30, surv 0.30 - 0.50 = -0.20, ratio 0.20 / 0.30; +0.25 falls short, +0.35 does not
    assert de["targeted_shift"] == pytest.approx(0.30) and de["other_shift"] == pytest.approx(-0.20)
    assert de["ratio"] == pytest.approx(2 / 3) and de["reached_at"] == 0.4
    assert de["full_fit_shift"] == {"trad_secular": 9.0, "surv_selfexp": 9.0}  # kept, not used
    # RU: trad -0.05 - 0.10 = -0.15, surv unchanged: ratio 0; only the negative alpha goes that way
    assert ru["targeted_shift"] == pytest.approx(-0.15) and ru["ratio"] == pytest.approx(0.0)
    assert ru["reached_at"] == -0.2
    # JP moves only the other axis: no ratio, nothing to reach; FR's +0.70 is beyond every alpha
    assert jp["targeted_shift"] == 0.0 and "ratio" not in jp and "does not move" in jp["undefined"]
    assert jp["reached_at"] is None and fr["reached_at"] is None and fr["ratio"] == pytest.approx(0.0)
    assert comparison["no_persona"] == {"trad_secular": 0.10, "surv_selfexp": 0.50}

    summary = {"targeted_axis": "trad_secular", "persona": comparison, "alphas": alphas}
    table = "\n".join(persona_markdown(summary))
    assert "| basic:DE | +0.300 | -0.200 | 0.67 | 0.4 | 0.25 |" in table
    assert "| basic:RU | -0.150 | +0.000 | 0.00 | -0.2 | 0.25 |" in table
    assert "| profile:JP | +0.000 | +0.100 | undefined | - | - |" in table
    assert "| basic:FR | +0.700 | +0.000 | 0.00 | not reached | - |" in table
    assert "different prompt" in table and "no-persona dilemmas" in table and "1 persona conditions" in table


def test_reached_at_takes_the_smallest_alpha_in_the_persona_direction():
    steered = {0.0: 0.0, 0.1: 0.2, 0.2: 0.1, 0.4: 0.5, -0.1: -0.3}
    assert reached_at(0.15, steered) == 0.1  # not monotone: the first alpha that goes as far counts
    assert reached_at(0.45, steered) == 0.4 and reached_at(-0.3, steered) == -0.1
    assert reached_at(0.6, steered) is None and reached_at(0.0, steered) is None


def test_persona_run_checks(tmp_path, tiny_model):
    import torch

    from culturebench.steering.vectors import SteeringVectors

    vec = tmp_path / "v.pt"
    SteeringVectors(torch.zeros(2, 64), "meandiff", "F063", {"model": str(tiny_model)}).save(vec)
    out = tmp_path / "out"
    args = ("steer", "evaluate", "--vectors", str(vec), "--layers", "1", "--output", str(out), "--persona-run")

    with pytest.raises(FileNotFoundError, match=f"{tmp_path / 'nowhere'}: no such run folder"):
        run(*args, str(tmp_path / "nowhere"))
    other = tmp_path / "other-model"
    other.mkdir()
    with pytest.raises(ValueError, match=f"a run of hf model {other.resolve()}, not of the steered model"):
        run(*args, str(write_persona_run(tmp_path / "other", other)))
    with pytest.raises(ValueError, match="is a steered run"):
        run(*args, str(write_persona_run(tmp_path / "steered", tiny_model, {"model": "steered", "steer_file": "abc"})))
    with pytest.raises(ValueError, match="with the chat template"):
        run(*args, str(write_persona_run(tmp_path / "chat", tiny_model, {"chat_template": True})))
    with pytest.raises(ValueError, match="before its files changed"):
        run(*args, str(write_persona_run(tmp_path / "changed", tiny_model, {"model_files": {"config.json": "0" * 16}})))
    no_wvs = write_persona_run(tmp_path / "no-wvs", tiny_model)
    metrics = json.loads((no_wvs / "metrics.json").read_text())
    (no_wvs / "metrics.json").write_text(json.dumps({k: v for k, v in metrics.items() if k != "wvs"}))
    with pytest.raises(RunFileError, match="no wvs.conditions"):
        run(*args, str(no_wvs))
    assert not out.exists()  # every refusal before the folder is claimed, let alone a model loaded

    same = read_persona_run(write_persona_run(tmp_path / "same", tiny_model), str(tiny_model), False)
    assert len(same.conditions) == 4


def test_main_metric_from_lm_eval_results():
    results = {
        "results": {
            "hella": {"alias": "hella", "acc_norm,none": 0.6, "acc_norm_stderr,none": 0.02, "acc,none": 0.5,
                      "acc_stderr,none": 0.01},
            "grp": {"alias": "grp", "acc,none": 0.4, "acc_stderr,none": "N/A"},
            "gen": {"exact_match,strict-match": 0.1, "exact_match_stderr,strict-match": 0.03,
                    "exact_match,flexible-extract": 0.2},
        },
        "configs": {"hella": {"metric_list": [{"metric": "acc"}, {"metric": "acc_norm"}]},
                    "gen": {"metric_list": [{"metric": "exact_match"}]}},
    }  # fmt: skip
    assert main_metric(results, "hella") == {"metric": "acc,none", "value": 0.5, "stderr": 0.01}
    grp = main_metric(results, "grp")  # a group has no config of its own: its first reported metric
    assert grp["metric"] == "acc,none" and grp["value"] == 0.4 and math.isnan(grp["stderr"])
    assert main_metric(results, "gen") == {"metric": "exact_match,strict-match", "value": 0.1, "stderr": 0.03}
    assert main_metric(results, "absent") is None


def test_tax_arguments_are_checked_before_loading(tmp_path, tiny_model):
    import torch

    from culturebench.steering.vectors import SteeringVectors

    vec = tmp_path / "v.pt"
    SteeringVectors(torch.zeros(2, 64), "meandiff", "F063", {"model": str(tiny_model)}).save(vec)
    out = tmp_path / "out"
    args = ("steer", "evaluate", "--vectors", str(vec), "--layers", "1", "--output", str(out))
    with pytest.raises(ValueError, match="only read with --tax-tasks"):
        run(*args, "--tax-include-path", str(tmp_path))
    with pytest.raises(ValueError, match="--tax-limit 0"):
        run(*args, "--tax-tasks", "tiny_tax", "--tax-limit", "0")
    with pytest.raises(FileNotFoundError, match=f"--tax-include-path {tmp_path / 'none'}: no such folder"):
        run(*args, "--tax-tasks", "tiny_tax", "--tax-include-path", str(tmp_path / "none"))
    assert not out.exists()
    tasks = write_tax_task(tmp_path / "tasks")
    assert check_tax_tasks("tiny_tax, ", str(tasks)) == (["tiny_tax"], True)  # lm-eval's own index not needed


@pytest.mark.slow
def test_unknown_tax_task_is_named_with_a_close_match(tmp_path):
    tasks = write_tax_task(tmp_path / "tasks")
    with pytest.raises(ValueError, match=r"no task 'tiny_taxx' \(did you mean tiny_tax"):
        check_tax_tasks("tiny_taxx", str(tasks))  # not local, so lm-eval's full index is searched too


@pytest.mark.slow
def test_persona_and_tax_end_to_end(tmp_path, tiny_model, tiny_lm, tiny_tokenizer, capsys):
    from culturebench.benchmarks.wvs.entanglement import axis_weights
    from culturebench.evaluate import run_evaluation
    from culturebench.results import load_metrics
    from culturebench.runs import Run
    from culturebench.steering.hooks import steering
    from culturebench.steering.logliks import continuation_logliks
    from culturebench.steering.vectors import SteeringVectors

    # A tiny ordinary WVS run with personas: 400 documents reach all ten items for each of the 20 profile countries.
    persona_run = tmp_path / "persona"
    run_evaluation("hf", f"pretrained={tiny_model}", persona_run, limit=400, device="cpu", batch_size="32",
                   tasks="culturebench_wvs_family_none,culturebench_wvs_family_profile")  # fmt: skip
    vec = tmp_path / "vectors.pt"
    run("steer", "train", "--model", str(tiny_model), "--output", str(vec), "--target", "surv_selfexp",
        "--limit", "10", "--device", "cpu")  # fmt: skip
    tasks = write_tax_task(tmp_path / "tasks")
    out = tmp_path / "steered"
    run("steer", "evaluate", "--vectors", str(vec), "--layers", "0,1", "--alphas", "0.4", "--output", str(out),
        "--device", "cpu", "--batch-size", "16", "--limit", "20", "--persona-run", str(persona_run),
        "--tax-tasks", "tiny_tax", "--tax-include-path", str(tasks), "--tax-limit", "3")  # fmt: skip
    printed = capsys.readouterr().out
    assert "## Persona prompts against steering" in printed and "| alpha | tiny_tax (acc,none) |" in printed
    summary = json.loads((out / "steering_summary.json").read_text())

    # Persona shifts: the axis-only fit's difference equals the steering scale applied to the run's item shares.
    conditions = load_metrics(persona_run)["wvs"]["conditions"]
    none = conditions["none:none"]["scenario"]["shares"]
    steered_t = {float(a): e["entanglement"]["targeted_shift"]["value"]
                 for a, e in summary["alphas"].items() if a != "0"}  # fmt: skip
    assert len(summary["persona"]["conditions"]) == 20 and not summary["persona"]["skipped"]
    for key, c in summary["persona"]["conditions"].items():
        shares = conditions[key]["scenario"]["shares"]
        for axis, field in (("surv_selfexp", "targeted_shift"), ("trad_secular", "other_shift")):
            by_hand = sum(w * (shares[i] - none[i]) for i, w in axis_weights(axis, "map").items())
            assert c[field] == pytest.approx(by_hand, abs=1e-9)
        reaching = steered_t[0.4] * math.copysign(1, c["targeted_shift"]) >= abs(c["targeted_shift"])
        assert c["reached_at"] == (0.4 if reaching else None)
    md = (out / "steering.md").read_text()
    assert str(persona_run) in md and "| profile:DE |" in md and "## Capability tax" in md

    # Tax: one run per alpha, steered through lm-eval with the same file; its log-likelihoods are our hooks' own.
    tax = summary["tax"]["tiny_tax"]
    assert tax["metric"] == "acc,none" and set(tax["alphas"]) == {"0", "0.4"}
    prints = {json.loads((out / "tax" / a / "run.json").read_text())["fingerprint"] for a in ("alpha_0", "alpha_0.4")}
    assert len(prints) == 2
    vectors = SteeringVectors.load(vec)
    requests = [(f"{d['question']}\nAnswer:", tuple(" " + c for c in d["choices"])) for d in TAX_DOCS[:3]]
    by_alpha = {}
    for alpha in (0.0, 0.4):
        with steering(tiny_lm, vectors, alpha, layers=[0, 1]):
            ours = by_alpha[alpha] = continuation_logliks(tiny_lm, tiny_tokenizer, requests)
        logged = {s["doc_id"]: [float(ll) for ll, _ in s["filtered_resps"]]
                  for _, s in Run(out / "tax" / f"alpha_{alpha:g}").samples("tiny_tax")}  # fmt: skip
        assert sorted(logged) == [0, 1, 2]
        for k in range(3):
            assert logged[k] == pytest.approx(ours[k], abs=1e-5)
        acc = sum(max(range(3), key=ours[k].__getitem__) == TAX_DOCS[k]["answer"] for k in range(3)) / 3
        assert tax["alphas"][f"{alpha:g}"]["value"] == pytest.approx(acc)
    assert max(abs(a - b) for k in range(3) for a, b in zip(by_alpha[0.0][k], by_alpha[0.4][k])) > 1e-4
    assert "tiny_tax" not in Run(out / "alpha_0.4").sample_files  # the tax runs stay out of the dilemma runs
    assert (out / "steering.png").stat().st_size > 1000
