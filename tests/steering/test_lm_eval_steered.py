"""Our steering file in lm-eval's own `--model steered`, and its numbers against our hooks."""

from __future__ import annotations

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
from culturebench.steering.vectors import SteeringVectors, train_vectors

ALPHA = 0.4


@pytest.fixture(scope="module")
def wvs_vectors(tiny_model, tiny_lm, tiny_tokenizer) -> SteeringVectors:
    pairs = contrast_pairs(take_balanced(steer_dilemmas("trad_secular", "train"), 5))
    return train_vectors(tiny_lm, tiny_tokenizer, pairs, "meandiff", "trad_secular", dataset_provenance(),
                         model_path=str(tiny_model))  # fmt: skip


def test_hookpoints_are_the_names_lm_eval_resolves(tiny_model, tiny_lm):
    assert hookpoint_names(tiny_lm) == {0: "layers.0", 1: "layers.1"}
    assert hookpoint_names(skeleton(str(tiny_model))) == {0: "layers.0", 1: "layers.1"}
    modules = dict(tiny_lm.base_model.named_modules())
    assert all(modules[name] is tiny_lm.model.layers[i] for i, name in hookpoint_names(tiny_lm).items())


def test_lm_eval_steered_model_gives_our_steered_logliks(tmp_path, tiny_model, tiny_lm, tiny_tokenizer, wvs_vectors):
    from lm_eval.api.instance import Instance
    from lm_eval.models.hf_steered import SteeredModel

    path = write_lm_eval_steer_file(tmp_path / "steer.pt", wvs_vectors, ALPHA, layers=[0, 1])  # names from config
    payload = torch.load(path, weights_only=False)
    assert set(payload) == {"layers.0", "layers.1"}
    assert payload["layers.1"]["action"] == "add" and payload["layers.1"]["steering_coefficient"] == ALPHA
    assert torch.equal(payload["layers.1"]["steering_vector"], wvs_vectors.layer(1))

    doc = search_documents(take_balanced(steer_dilemmas("trad_secular", "held_out"), 1))[1]  # a BA prompt
    context, continuations = doc_request(tiny_tokenizer, doc)
    lm = SteeredModel(pretrained=str(tiny_model), steer_path=str(path), device="cpu", batch_size=1)
    requests = [Instance("loglikelihood", doc, (context, c), idx) for idx, c in enumerate(continuations)]
    theirs = [ll for ll, _ in lm.loglikelihood(requests)]

    with steering(tiny_lm, wvs_vectors, ALPHA, layers=[0, 1]):
        ours = continuation_logliks(tiny_lm, tiny_tokenizer, [(context, continuations)])[0]
    plain = continuation_logliks(tiny_lm, tiny_tokenizer, [(context, continuations)])[0]
    assert ours == pytest.approx(theirs, abs=1e-5)
    assert max(abs(a - b) for a, b in zip(ours, plain)) > 1e-3  # the steering does something


def test_steer_file_refuses_another_models_shape(tmp_path, tiny_lm, wvs_vectors):
    short = SteeringVectors(wvs_vectors.vectors[:1], "meandiff", "trad_secular", wvs_vectors.provenance)
    with pytest.raises(ValueError, match="layers"):
        write_lm_eval_steer_file(tmp_path / "steer.pt", short, ALPHA, [0], model=tiny_lm)
    with pytest.raises(ValueError, match=".pt"):
        write_lm_eval_steer_file(tmp_path / "steer.json", wvs_vectors, ALPHA, [0], model=tiny_lm)
