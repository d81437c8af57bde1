"""The lm-eval glue (process_results + aggregations) on known answers, without running a model."""

import importlib.util
import math

import pytest

from culturebench.benchmarks.hofstede.documents import hofstede_documents
from culturebench.countries import hofstede_scores
from culturebench.resources import tasks_dir


@pytest.fixture(scope="module")
def utils():
    spec = importlib.util.spec_from_file_location("hofstede_utils", tasks_dir() / "hofstede" / "utils.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _results(p_high: float, high_index: int) -> list[tuple[float, bool]]:
    """lm-eval's multiple-choice results: (log-likelihood, is_greedy) per choice."""
    p = [0.0, 0.0]
    p[high_index], p[1 - high_index] = p_high, 1 - p_high
    return [(math.log(max(x, 1e-12)), False) for x in p]


def test_score_over_100_model_gets_r_1_through_the_task_aggregations(utils):
    scores = hofstede_scores("IVR", "hofstede_2015")  # IVR scores all lie in 0..100
    docs = [d for d in hofstede_documents("IVR", "basic") if d["country"] in scores]
    out = [utils.process_results(d, _results(scores[d["country"]] / 100, d["high_index"])) for d in docs]
    assert set(out[0]) == {"p_high", "position_bias", "pearson_r", "threshold_accuracy"}
    assert utils.agg_pearson_r([o["pearson_r"] for o in out]) == pytest.approx(1.0)
    assert utils.agg_threshold_accuracy([o["threshold_accuracy"] for o in out]) == 1.0
    assert utils.agg_position_bias([o["position_bias"] for o in out]) == pytest.approx(0.0, abs=1e-9)


def test_first_letter_model_through_the_task_aggregations(utils):
    docs = hofstede_documents("all", "none")
    out = [utils.process_results(d, [(0.0, True), (-30.0, False)]) for d in docs]
    assert set(out[0]) == {"p_high", "position_bias"}  # no alignment without a persona
    assert utils.agg_p_high([o["p_high"] for o in out]) == pytest.approx(0.5)
    assert utils.agg_position_bias([o["position_bias"] for o in out]) == pytest.approx(1.0)


def test_shared_intermediates_are_computed_once_per_task_and_never_across_tasks():
    from culturebench.aggregation import once_per_rows

    calls = []

    @once_per_rows
    def table(rows: list) -> int:
        calls.append(len(rows))
        return sum(r["x"] for r in rows)

    rows = [{"x": i} for i in range(5)]
    assert table(list(rows)) == table(list(rows)) == 10  # two metrics' lists, same row objects
    assert calls == [5]
    other = [{"x": i} for i in range(5)]  # another task: equal values, other objects
    assert table(other) == 10 and calls == [5, 5]
    assert table(rows[:4]) == 6
