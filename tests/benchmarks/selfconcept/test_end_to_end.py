"""Seed 000 end to end on a tiny random Llama: real lm-eval (scored, generated and behavioural tasks),
`culturebench judge` with the local-model backend, and the report; plus proof that every prompt
variant's text reaches the model (seed 000's variants were never sent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from transformers import AutoTokenizer

from culturebench.benchmarks.selfconcept import GENERATED_TASKS, SCORED_TASKS
from culturebench.benchmarks.selfconcept.metrics import construct_scores
from culturebench.benchmarks.selfconcept.report import likert_rows
from culturebench.benchmarks.selfconcept.selfreport import SELF_CONSTRUAL_CONSTRUCTS
from culturebench.cli import main
from culturebench.runs import Run, latest_sample_files
from culturebench.variants import VARIANTS

pytestmark = pytest.mark.slow  # runs lm-eval end to end on a tiny model

TASKS = "culturebench_selfconcept,culturebench_selfconcept_gen,culturebench_behavior"
LIMIT = 20  # four items x five variants per task: both constructs or challenge types, every variant


def _evaluate(model: Path, out: Path, tasks: str, limit: int, *extra: str) -> None:
    argv = ["evaluate", "--model-args", f"pretrained={model}", "--device", "cpu", "--batch-size", "16",
            "--tasks", tasks, "--limit", str(limit), "--output", str(out), *extra]  # fmt: skip
    assert main(argv) == 0


@pytest.fixture(scope="module")
def run_dir(tiny_model, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("selfconcept-run")
    _evaluate(tiny_model, out, TASKS, LIMIT)
    assert main(["judge", str(out), "--judge", f"local:{tiny_model}", "--reliability-sample", "6"]) == 0
    return out


def _prompts(run_dir: Path, task: str) -> list[tuple[dict, str]]:
    path = latest_sample_files(run_dir)[task]
    samples = [json.loads(line) for line in path.read_text().splitlines()]
    return [(s["doc"], s["arguments"]["gen_args_0"]["arg_0"]) for s in samples]


def test_every_variant_reaches_the_model(run_dir, tiny_model):
    tok = AutoTokenizer.from_pretrained(tiny_model)
    for task in ("culturebench_self_construal", "culturebench_safety_behavior"):
        prompts = _prompts(run_dir, task)
        item = prompts[0][0]["id"]
        lengths = {}
        for doc, prompt in prompts:
            variant = VARIANTS[doc["variant"]]
            framing = variant.system if task.endswith("construal") else variant.assistant_system
            assert framing in prompt, (task, doc["variant"])  # the variant's framing is in what the model read
            if task.endswith("construal"):
                assert variant.cue in prompt and variant.scale_labels["true_of_me"][0] in prompt
            if doc["id"] == item:
                lengths[doc["variant"]] = len(tok(prompt).input_ids)
        assert set(lengths) == set(VARIANTS)
        assert len(set(lengths.values())) == len(VARIANTS), lengths  # the seed's bug: identical token counts


def test_variants_reach_the_model_under_a_chat_template(tiny_model, tmp_path):
    _evaluate(tiny_model, tmp_path, "culturebench_self_construal", 5, "--apply-chat-template")
    for doc, prompt in _prompts(tmp_path, "culturebench_self_construal"):
        assert f"<|system|>\n{VARIANTS[doc['variant']].system}" in prompt  # a real system message
        assert VARIANTS[doc["variant"]].cue not in prompt  # the assistant turn is the cue


def test_report_holds_the_computed_scores_and_the_judged_behaviour(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())["selfconcept"]
    rows = likert_rows(Run(run_dir), SCORED_TASKS, GENERATED_TASKS)
    scored = rows[rows["mode"] == "scored"]
    expected = construct_scores(scored[scored["bank"] == "self_construal"], SELF_CONSTRUAL_CONSTRUCTS, n_boot=0)
    for variant in VARIANTS:
        for construct in SELF_CONSTRUAL_CONSTRUCTS:
            got = metrics["scored"]["self_construal"]["scores"][variant][construct]["value"]
            assert got == pytest.approx(expected[variant][construct]["value"])
    generated = metrics["generated"]["self_construal"]["status"]
    assert sum(sum(c.values()) for c in generated.values()) == LIMIT  # every reply counted, parsed or not
    behaviour = metrics["safety_behavior"]["scores"]["formal"]
    assert all(1 <= behaviour[c]["value"] <= 7 for c in behaviour if behaviour[c]["value"] is not None)
    face = metrics["face_negotiation"]
    assert face["judged"] + face["failed"] == LIMIT
    assert sum(s["value"] for s in face["style"]["overall"].values()) == pytest.approx(1.0)
    assert metrics["judge_reliability"]["pairs"] == 6
    report = (run_dir / "report.md").read_text()
    for heading in ("### Self-construal (scored)", "### Observed behaviour (judged)", "### Face negotiation",
                    "Judge reliability", "### Behaviour minus self-report"):  # fmt: skip
        assert heading in report
    assert (run_dir / "figures" / "selfreport_vs_behavior.png").stat().st_size > 0


def test_judging_again_reuses_every_verdict(run_dir, tiny_model):
    verdicts = run_dir / "judge" / "verdicts.jsonl"
    before = verdicts.read_text()
    assert main(["judge", str(run_dir), "--judge", f"local:{tiny_model}", "--reliability-sample", "6"]) == 0
    assert verdicts.read_text() == before  # nothing judged twice


def test_generated_rows_count_statuses(run_dir):
    rows = likert_rows(Run(run_dir), SCORED_TASKS, GENERATED_TASKS)
    gen = rows[rows["mode"] == "generated"]
    assert len(gen) == 2 * LIMIT and set(gen["status"]) <= {"ok", "refusal", "unparseable", "out_of_range"}
    assert gen.loc[gen["status"] != "ok", "score"].isna().all()
