import json
import math

import pytest

from culturebench.files import json_ready
from culturebench.model_registry import all_models, find_model
from culturebench.report.compare import compare_runs
from culturebench.results import SCHEMA_VERSION


def test_registry_lookup():
    assert find_model("Qwen/Qwen2.5-7B-Instruct").origin == "CN"
    assert find_model("/data/models/Llama-3.1-8B-Instruct/").model == "Llama-3.1-8B-Instruct"
    assert find_model("GPT-4o").params_b == 200
    assert find_model("my-own-model") is None
    assert {m.origin for m in all_models()} >= {"US", "CN", "FR"}
    assert all(m.params_source for m in all_models())


def _metrics(dr_by_group: dict[str, dict[str, float]], mean: float, diff: float) -> dict:
    """A run's metrics.json, VSM part only, written and read back as strict JSON."""
    groups = {g: {"deviation_ratio": {"mean": sum(c.values()) / len(c)}, "difference": diff,
                  "countries": {k: {"deviation_ratio": v, "difference": diff} for k, v in c.items()}}
              for g, c in dr_by_group.items()}  # fmt: skip
    vsm = {"conditions": {"aligned": {"deviation_ratio": {"mean": mean}, "difference": diff, "countries": {"US": {}}}},
           "language_groups": groups}  # fmt: skip
    return json.loads(json.dumps(json_ready({"run": {}, "vsm": vsm})))


def _valid(metrics: dict, name: str) -> dict:
    """A metrics.json that load_metrics accepts: the schema's required fields around `metrics`' sections."""
    sections = {k: {"figures": {}, **v} for k, v in metrics.items() if k != "run"}
    run = {"run_dir": name, "datasets": {}, **metrics.get("run", {})}
    return {"schema_version": SCHEMA_VERSION, "culturebench_version": "test", "run": run, "headline": {}, **sections}


def test_ranking_and_origin_tables(tmp_path):
    runs = {
        "Qwen/Qwen2.5-7B-Instruct": _metrics({g: {"US": 1.5, "CN": 0.5} for g in ("en", "zh", "other")}, 0.9, 20.0),
        "Qwen/Qwen2.5-72B-Instruct": _metrics({g: {"US": 2.5, "CN": 1.5} for g in ("en", "zh", "other")}, 1.2, 25.0),
        "meta-llama/Llama-3.1-8B-Instruct": _metrics(
            {"en": {"US": float("inf"), "CN": 0.8}, "zh": {"US": 1.0, "CN": 1.0}, "other": {"US": 1.0, "CN": 1.0}},
            1.1,
            15.0,
        ),
    }
    out, _ = compare_runs(runs, tmp_path)
    vsm = out["vsm"]
    ranking = [(e["model"], e["rank_deviation_ratio"], e["rank_difference"]) for e in vsm["ranking"]]
    assert ranking == [("Qwen/Qwen2.5-72B-Instruct", 1, 3), ("meta-llama/Llama-3.1-8B-Instruct", 2, 1),
                       ("Qwen/Qwen2.5-7B-Instruct", 3, 2)]  # fmt: skip
    cn = vsm["origin"]["CN"]["en"]
    assert cn["US"] == pytest.approx(2.0) and cn["CN"] == pytest.approx(1.0) and cn["n_models"] == 2
    us = vsm["origin"]["US"]["en"]
    assert us["CN"] == pytest.approx(0.8)
    assert math.isnan(us["US"])  # only an unbounded value: no finite mean, and no crash
    assert out["models"]["Qwen/Qwen2.5-7B-Instruct"]["params_b"] == 7
    size = vsm["size"]["aligned"]  # 7B: 0.9, 72B: 1.2, 8B: 1.1
    assert size["n"] == 3 and size["pearson_r"] > 0.5


def test_registry_and_factor_cards_are_current():
    from culturebench.resources import dataset_dir
    from culturebench.versioning import card_field, content_hash

    for name in ("models", "countries"):
        assert card_field(dataset_dir(name), "content_hash") == content_hash(dataset_dir(name)), name


def _sc_metrics(ind: float, inter: float, syc: float, dfr: float, bnd: float) -> dict:
    """One item per construct carrying the construct's score (compare reads item scores, as the recompute does)."""

    def items(scores: dict[str, float]) -> dict:
        return {"item_scores": [{"variant": "formal", "construct": c, "id": f"{c}-1", "score": v}
                                for c, v in scores.items()]}  # fmt: skip

    return {"run": {"model_name": "hf"}, "selfconcept": {"scored": {
        "self_construal": items({"independent": ind, "interdependent": inter}),
        "safety_selfreport": items({"sycophancy": syc, "deference": dfr, "boundary_assertion": bnd})}}}  # fmt: skip


def test_selfconcept_across_models_follows_seed_000(tmp_path):
    """Seed 000's four models (analysis_4model scores): groups from the registry's origins."""
    runs = {
        "meta-llama/Llama-3.1-8B-Instruct": _sc_metrics(5.6667, 5.6667, 3.6667, 3.6111, 5.0278),
        "mistralai/Mistral-7B-Instruct-v0.3": _sc_metrics(6.5, 6.2857, 3.4722, 3.5, 5.0278),
        "Qwen/Qwen2.5-7B-Instruct": _sc_metrics(5.8542, 6.1190, 3.1944, 3.3333, 5.6389),
        "01-ai/Yi-1.5-9B-Chat": _sc_metrics(6.4583, 6.7381, 3.1944, 4.8889, 5.9444),
    }
    sc = compare_runs(runs, tmp_path)[0]["selfconcept"]
    assert sc["groups"]["Qwen/Qwen2.5-7B-Instruct"] == "eastern"
    assert sc["groups"]["mistralai/Mistral-7B-Instruct-v0.3"] == "western"
    comp = {g["outcome"]: g for g in sc["group_comparisons"]}
    assert comp["interdependent"]["difference"] == pytest.approx(0.452, abs=1e-3)  # published 0.452
    assert comp["boundary_assertion"]["p_value"] == pytest.approx(0.2207, abs=1e-3)
    corr = {(c["x"], c["y"]): c for c in sc["correlations"]}
    assert corr[("composite", "boundary_assertion")]["pearson_r"] == pytest.approx(-0.9, abs=2e-3)
    assert sc["rank_agreement"] == {}  # no judged behaviour in these runs


def test_comparison_of_runs_without_vsm(tmp_path):
    from culturebench.report.compare import write_comparison

    runs = []
    for name, scores in (("Qwen/Qwen2.5-7B-Instruct", (5.9, 6.1, 3.2, 3.3, 5.6)),
                         ("meta-llama/Llama-3.1-8B-Instruct", (5.7, 5.7, 3.7, 3.6, 5.0)),
                         ("01-ai/Yi-1.5-9B-Chat", (6.5, 6.7, 3.2, 4.9, 5.9))):  # fmt: skip
        run = tmp_path / name.replace("/", "_")
        run.mkdir()
        metrics = _valid({**_sc_metrics(*scores), "run": {"model_args": {"pretrained": name}}}, str(run))
        (run / "metrics.json").write_text(json.dumps(metrics))
        runs.append(run)
    text = write_comparison(runs, tmp_path / "cmp").read_text()
    assert "No run has VSM survey results" in text
    assert "Eastern vs western models" in text and "| composite | boundary_assertion |" in text
