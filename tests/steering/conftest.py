"""Shared steering fixtures: the tiny random Llama's tokenizer and the planted-direction model."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.steering.planted import PLANTED_LAYER, build_planted_model, synthetic_dilemmas


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


@pytest.fixture(scope="session")
def tiny_lm(tiny_model):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(tiny_model).eval()


@pytest.fixture(scope="session")
def planted(tiny_tokenizer):
    """The planted model, its direction u, synthetic dilemmas split for training and search, and its vectors."""
    from culturebench.benchmarks.wvs.steering import contrast_pairs, search_documents, split_steer
    from culturebench.steering.vectors import train_vectors

    model, u = build_planted_model(tiny_tokenizer)
    dilemmas = synthetic_dilemmas(16)
    train, held_out = split_steer(dilemmas, held_out_fraction=0.25, seed=0)
    pairs = contrast_pairs(train)
    vectors = {
        method: train_vectors(model, tiny_tokenizer, pairs, method, "F063", {"name": "planted-synthetic"})
        for method in ("meandiff", "pca")
    }
    return SimpleNamespace(
        model=model, tokenizer=tiny_tokenizer, u=u, layer=PLANTED_LAYER, train=train, held_out=held_out,
        pairs=pairs, vectors=vectors, docs=search_documents(held_out),
    )  # fmt: skip
