"""The cost of steering: shipped control data, alpha = 0 equals no steering, a large push costs, and the CLI."""

from __future__ import annotations

import json

import pytest
import torch

from culturebench.steering.cost import (
    capability_accuracy,
    capability_items,
    generate,
    generation_perplexity,
    neutral_loglik,
    neutral_texts,
    steering_cost,
)
from tests.steering.test_cli import run


def test_shipped_control_data_are_well_formed():
    items = capability_items()
    assert len(items) == 40 and len({i["id"] for i in items}) == 40
    for item in items:
        assert 0 <= item["answer"] < len(item["choices"]) == 4, item["id"]
        assert len(set(item["choices"])) == 4 and item["question"].strip(), item["id"]
    answers = [i["answer"] for i in items]
    assert all(answers.count(k) >= 3 for k in range(4))  # no answer position carries the set
    assert len(neutral_texts()) >= 6 and all(len(t.split()) > 30 for t in neutral_texts())


def test_alpha_zero_costs_nothing_and_a_push_moves_every_measure(tiny_lm, tiny_tokenizer):
    """Random weights predict near-uniformly, so the sign of the cost is not theirs to show; only that it moves."""
    hidden = tiny_lm.config.hidden_size
    push = {layer: torch.randn(hidden, generator=torch.Generator().manual_seed(layer)) for layer in (0, 1)}
    rows = steering_cost(tiny_lm, tiny_tokenizer, push, [0.0, 40.0], max_new_tokens=8)
    zero, far = rows
    assert zero["neutral_loglik"] == pytest.approx(neutral_loglik(tiny_lm, tiny_tokenizer), abs=1e-6)
    assert zero["capability_accuracy"] == capability_accuracy(tiny_lm, tiny_tokenizer)
    assert zero["neutral_loglik_change"] == 0.0
    assert zero["perplexity_self"] == pytest.approx(zero["perplexity_reference"])  # both read unsteered
    assert abs(far["neutral_loglik_change"]) > 1e-4
    assert far["perplexity_reference"] != pytest.approx(far["perplexity_self"])


def test_generation_is_seeded(tiny_lm, tiny_tokenizer):
    a = generate(tiny_lm, tiny_tokenizer, "The river", 10, 0.7, seed=3)
    assert a == generate(tiny_lm, tiny_tokenizer, "The river", 10, 0.7, seed=3)
    assert a != generate(tiny_lm, tiny_tokenizer, "The river", 10, 0.7, seed=4)
    ppl = generation_perplexity(tiny_lm, tiny_tokenizer, {0: torch.zeros(tiny_lm.config.hidden_size)}, 1.0, 6)
    assert ppl["self"] == pytest.approx(ppl["reference"]) and ppl["self"] > 1


def test_cost_command_on_the_tiny_model(tmp_path, tiny_model, capsys):
    vec = tmp_path / "vectors.pt"
    run("steer", "train", "--model", str(tiny_model), "--output", str(vec), "--target", "F063", "--limit", "4",
        "--device", "cpu")  # fmt: skip
    with pytest.raises(ValueError, match="--layers"):
        run("steer", "cost", "--vectors", str(vec), "--output", str(tmp_path / "cost"))
    run("steer", "cost", "--vectors", str(vec), "--layers", "1", "--alphas", "0.4", "--max-new-tokens", "4",
        "--output", str(tmp_path / "cost"), "--device", "cpu")  # fmt: skip
    summary = json.loads((tmp_path / "cost" / "cost.json").read_text())
    assert [r["alpha"] for r in summary["rows"]] == [0.0, 0.4] and summary["layers"] == [1]
    assert (tmp_path / "cost" / "cost.png").stat().st_size > 1000
    assert "capability_accuracy" in capsys.readouterr().out
