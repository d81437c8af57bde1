"""Steering on the architectures the seed steered (Qwen3, Gemma-3) and Mistral, not only the tiny Llama.

Each model is a random-weight miniature of its real class, saved and loaded back by path as lm-eval loads it.
Gemma-3's multimodal class nests its decoder under `language_model`, so its hookpoints are named differently;
on every class the vectors are read from the decoder layers, the steering file names the modules lm-eval's own
`steer` resolves, and lm-eval's steered model gives the numbers of our hooks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from culturebench.benchmarks.wvs.steer_search import doc_request
from culturebench.benchmarks.wvs.steering import (
    contrast_pairs,
    dataset_provenance,
    search_documents,
    steer_dilemmas,
    take_balanced,
)
from culturebench.steering.hooks import hookpoint_names, skeleton, steering, write_lm_eval_steer_file
from culturebench.steering.logliks import continuation_logliks
from culturebench.steering.vectors import train_vectors

ALPHA = 4.0  # random miniatures need a large push to move measurably
N_LAYERS = 3


def _text(vocab: int) -> dict:
    return dict(vocab_size=vocab, hidden_size=32, intermediate_size=64, num_hidden_layers=N_LAYERS,
                num_attention_heads=2, num_key_value_heads=1, head_dim=16, max_position_embeddings=512)  # fmt: skip


def _config(kind: str, vocab: int):
    from transformers import Gemma3Config, Gemma3TextConfig, MistralConfig, Qwen3Config

    if kind == "qwen3":
        return Qwen3Config(**_text(vocab))
    if kind == "mistral":
        return MistralConfig(**_text(vocab))
    if kind == "gemma3_text":
        return Gemma3TextConfig(**_text(vocab), sliding_window=16)
    vision = dict(model_type="siglip_vision_model", hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                  num_attention_heads=2, image_size=28, patch_size=14)  # fmt: skip
    return Gemma3Config(text_config=dict(model_type="gemma3_text", **_text(vocab + 3), sliding_window=16),
                        vision_config=vision, mm_tokens_per_image=4, boi_token_index=vocab,
                        eoi_token_index=vocab + 1, image_token_index=vocab + 2)  # fmt: skip


ARCHITECTURES = {  # kind: (class lm-eval loads, hookpoint prefix)
    "qwen3": ("Qwen3ForCausalLM", "layers."),
    "mistral": ("MistralForCausalLM", "layers."),
    "gemma3_text": ("Gemma3ForCausalLM", "layers."),
    "gemma3": ("Gemma3ForConditionalGeneration", "language_model.layers."),
}


@pytest.fixture(scope="module", params=list(ARCHITECTURES))
def saved(request, tmp_path_factory, tiny_tokenizer) -> tuple[str, Path]:
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp(request.param)
    AutoModelForCausalLM.from_config(_config(request.param, len(tiny_tokenizer))).save_pretrained(folder)
    tiny_tokenizer.save_pretrained(folder)
    return request.param, folder


def test_vectors_hookpoints_and_lm_eval_steering_on_each_architecture(saved, tiny_tokenizer, tmp_path):
    from lm_eval.api.instance import Instance
    from lm_eval.models.hf_steered import SteeredModel
    from transformers import AutoModelForCausalLM

    kind, folder = saved
    cls, prefix = ARCHITECTURES[kind]
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    assert type(model).__name__ == cls
    names = {i: f"{prefix}{i}" for i in range(N_LAYERS)}
    assert hookpoint_names(model) == names == hookpoint_names(skeleton(str(folder)))

    pairs = contrast_pairs(take_balanced(steer_dilemmas("trad_secular", "train"), 3))
    vectors = train_vectors(model, tiny_tokenizer, pairs, "meandiff", "trad_secular", dataset_provenance(),
                            model_path=str(folder))  # fmt: skip
    assert vectors.n_layers == N_LAYERS and bool((vectors.vectors.norm(dim=-1) > 0).all())
    path = write_lm_eval_steer_file(tmp_path / "steer.pt", vectors, ALPHA, [1])  # names from the config alone
    assert list(torch.load(path, weights_only=False)) == [names[1]]

    doc = search_documents(take_balanced(steer_dilemmas("trad_secular", "held_out"), 1))[0]
    context, continuations = doc_request(tiny_tokenizer, doc)
    lm = SteeredModel(pretrained=str(folder), steer_path=str(path), device="cpu", batch_size=1)
    theirs = [ll for ll, _ in lm.loglikelihood([Instance("loglikelihood", doc, (context, c), i)
                                                for i, c in enumerate(continuations)])]  # fmt: skip
    with steering(model, vectors, ALPHA, [1]):
        ours = continuation_logliks(model, tiny_tokenizer, [(context, continuations)])[0]
    plain = continuation_logliks(model, tiny_tokenizer, [(context, continuations)])[0]
    assert ours == pytest.approx(theirs, abs=1e-4)
    assert max(abs(a - b) for a, b in zip(ours, plain)) > 1e-4  # the steering does something
