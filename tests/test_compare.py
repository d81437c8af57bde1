import json
import math

import pytest

from culturebench.model_registry import all_models, find_model
from culturebench.report.compare import compare_runs
from culturebench.report.format import json_ready


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


def test_ranking_and_origin_tables():
    runs = {
        "Qwen/Qwen2.5-7B-Instruct": _metrics({g: {"US": 1.5, "CN": 0.5} for g in ("en", "zh", "other")}, 0.9, 20.0),
        "Qwen/Qwen2.5-72B-Instruct": _metrics({g: {"US": 2.5, "CN": 1.5} for g in ("en", "zh", "other")}, 1.2, 25.0),
        "meta-llama/Llama-3.1-8B-Instruct": _metrics(
            {"en": {"US": float("inf"), "CN": 0.8}, "zh": {"US": 1.0, "CN": 1.0}, "other": {"US": 1.0, "CN": 1.0}},
            1.1,
            15.0,
        ),
    }
    out = compare_runs(runs)
    ranking = [(e["model"], e["rank_deviation_ratio"], e["rank_difference"]) for e in out["ranking"]]
    assert ranking == [("Qwen/Qwen2.5-72B-Instruct", 1, 3), ("meta-llama/Llama-3.1-8B-Instruct", 2, 1),
                       ("Qwen/Qwen2.5-7B-Instruct", 3, 2)]  # fmt: skip
    cn = out["origin"]["CN"]["en"]
    assert cn["US"] == pytest.approx(2.0) and cn["CN"] == pytest.approx(1.0) and cn["n_models"] == 2
    us = out["origin"]["US"]["en"]
    assert us["CN"] == pytest.approx(0.8)
    assert math.isnan(us["US"])  # only an unbounded value: no finite mean, and no crash
    assert out["models"]["Qwen/Qwen2.5-7B-Instruct"]["params_b"] == 7
    size = out["size"]["aligned"]  # 7B: 0.9, 72B: 1.2, 8B: 1.1
    assert size["n"] == 3 and size["pearson_r"] > 0.5


def test_registry_and_factor_cards_are_current():
    from culturebench.resources import dataset_dir
    from culturebench.versioning import card_field, content_hash

    for name in ("models", "countries"):
        assert card_field(dataset_dir(name), "content_hash") == content_hash(dataset_dir(name)), name
