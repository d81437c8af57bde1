"""Known answer: a Llama with a direction u planted at layer L (tests/steering/planted.py).

The vectors are trained, the layer searched and p(positive) read by the project's own code on a real
transformers forward pass; only the weights are hand-set.
"""

from __future__ import annotations

import numpy as np
import torch

from culturebench.benchmarks.wvs.steer_search import doc_request, layer_search, score_documents
from culturebench.steering.hooks import steering
from culturebench.steering.logliks import continuation_logliks
from culturebench.steering.vectors import last_token_activations
from tests.steering.planted import N_LAYERS

ALPHAS = (0.0, 0.1, 0.2, 0.4)


def _cos(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.nn.functional.cosine_similarity(a.double(), b.double(), dim=0))


def test_contrast_activations_differ_along_u_from_the_planted_layer_on(planted):
    mean = planted.vectors["meandiff"]
    assert _cos(mean.layer(planted.layer), planted.u) >= 0.9
    assert _cos(mean.layer(planted.layer), planted.u) > 5 * abs(_cos(mean.layer(planted.layer - 1), planted.u))
    # PCA finds the same direction, sign-aligned, scaled to the mean difference's projection
    pca = planted.vectors["pca"].layer(planted.layer)
    assert _cos(pca, planted.u) >= 0.9
    assert torch.dot(pca, mean.layer(planted.layer)) > 0
    assert abs(float(pca.norm()) - float(mean.layer(planted.layer).norm())) < 0.05 * float(pca.norm())
    prov = mean.provenance
    assert prov["n_layers"] == N_LAYERS and prov["ids"] == sorted(d["id"] for d in planted.train)
    assert prov["config_hash"].startswith("sha256:") and prov["method"] == "meandiff"


def test_layer_search_picks_the_planted_layer_and_p_positive_rises_with_alpha(planted):
    search = layer_search(planted.model, planted.tokenizer, planted.vectors["meandiff"], planted.docs, ALPHAS, top_k=1)
    assert search.top_layers == [planted.layer]
    slopes = search.slopes.set_index("layer")["slope"]
    others = slopes.drop(planted.layer).abs().max()
    assert slopes[planted.layer] > 0.1 and slopes[planted.layer] > 10 * others
    assert search.slopes.set_index("layer").loc[planted.layer, "slope_ci_low"] > 0  # beyond held-out noise
    # the layer after L carries the same direction (its vector is along u too) but acts on nothing
    assert _cos(planted.vectors["meandiff"].layer(planted.layer + 1), planted.u) >= 0.9
    curve = search.curve[search.curve["layer"] == planted.layer].sort_values("alpha")
    assert list(curve["alpha"]) == list(ALPHAS)
    assert np.all(np.diff(curve["p_positive"]) > 1e-3), curve
    assert abs(search.baseline - 0.5) < 0.05  # the planted model has no preference of its own
    assert set(search.scores["item_id"]) == {d["id"] for d in planted.held_out}


def test_the_threshold_bars_layers_that_move_too_little(planted):
    vec = planted.vectors["meandiff"]
    loose = layer_search(planted.model, planted.tokenizer, vec, planted.docs, (0.0, 0.4), top_k=4, n_boot=0)
    reach = loose.slopes.set_index("layer").loc[planted.layer, "shift_at_max_alpha"]
    assert planted.layer in loose.top_layers
    strict = layer_search(planted.model, planted.tokenizer, vec, planted.docs, (0.0, 0.4), top_k=4, n_boot=0,
                          min_shift=reach / 2)  # fmt: skip
    assert strict.top_layers == [planted.layer]  # the other layers' noise-level rises no longer count
    assert strict.to_dict()["min_shift"] == reach / 2 and strict.slopes["qualifies"].sum() == 1
    beyond = layer_search(planted.model, planted.tokenizer, vec, planted.docs, (0.0, 0.4), n_boot=0,
                          min_shift=min(0.99, reach + 0.01))  # fmt: skip
    assert beyond.top_layers == []


def test_both_option_orders_move_toward_the_positive_pole(planted):
    vec = planted.vectors["meandiff"]
    base = score_documents(planted.model, planted.tokenizer, planted.docs)
    with steering(planted.model, vec, 0.4, [planted.layer]):
        steered = score_documents(planted.model, planted.tokenizer, planted.docs)
    for order in ("AB", "BA"):
        assert (steered[steered["order"] == order]["p_positive"].to_numpy()
                > base[base["order"] == order]["p_positive"].to_numpy() + 0.01).all()  # fmt: skip


def test_alpha_zero_reproduces_the_unsteered_logliks_exactly(planted):
    requests = [doc_request(planted.tokenizer, d) for d in planted.docs]
    plain = continuation_logliks(planted.model, planted.tokenizer, requests)
    with steering(planted.model, planted.vectors["meandiff"], 0.0):  # every layer, alpha 0
        zero = continuation_logliks(planted.model, planted.tokenizer, requests)
    assert zero == plain


def test_padding_and_batching_do_not_change_activations(planted):
    texts = [p.positive for p in planted.pairs[:5]]
    batched = last_token_activations(planted.model, planted.tokenizer, texts, batch_size=5)
    alone = torch.cat([last_token_activations(planted.model, planted.tokenizer, [t]) for t in texts])
    assert torch.allclose(batched, alone, atol=1e-4, rtol=1e-5)
