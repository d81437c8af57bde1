"""h' = h + alpha * v on decoder layer outputs: exact, tuple-aware, seen by output_hidden_states, removed after."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from culturebench.steering.hooks import decoder_layers, steering


def _hidden(model, ids) -> tuple[torch.Tensor, ...]:
    with torch.inference_mode():
        return model(input_ids=ids, output_hidden_states=True).hidden_states


def test_steering_adds_alpha_v_to_the_layer_output_and_output_hidden_states_sees_it(tiny_lm):
    ids = torch.tensor([[5, 60, 70, 80, 90, 100]])
    v = torch.randn(tiny_lm.config.hidden_size, generator=torch.Generator().manual_seed(0))
    plain = _hidden(tiny_lm, ids)
    with steering(tiny_lm, {0: v}, 0.3):
        steered = _hidden(tiny_lm, ids)
    assert torch.allclose(steered[1], plain[1] + 0.3 * v, atol=1e-6)  # hidden_states[1] = layer 0's output
    assert not torch.allclose(steered[2], plain[2], atol=1e-3)  # and layer 1 reads it
    after = _hidden(tiny_lm, ids)
    assert all(torch.equal(a, b) for a, b in zip(after, plain))  # hooks removed


def test_hooks_are_removed_on_errors(tiny_lm):
    hidden = tiny_lm.config.hidden_size
    before = [dict(layer._forward_hooks) for layer in decoder_layers(tiny_lm)]  # transformers' own recorders
    with pytest.raises(IndexError, match="2 decoder layers"):
        with steering(tiny_lm, {5: torch.zeros(hidden)}, 1.0):
            pass
    with pytest.raises(ValueError, match="shape"):
        with steering(tiny_lm, {0: torch.zeros(hidden + 1)}, 1.0):
            pass
    with pytest.raises(RuntimeError, match="inside"):
        with steering(tiny_lm, {0: torch.zeros(hidden)}, 1.0):
            raise RuntimeError("inside")
    assert [dict(layer._forward_hooks) for layer in decoder_layers(tiny_lm)] == before


class _TupleLayer(torch.nn.Module):
    """A decoder layer of the older kind, returning (hidden_states, attention weights)."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(4))

    def forward(self, h):
        return h * self.scale, "attn"


class _TupleModel(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = torch.nn.ModuleList([_TupleLayer(), _TupleLayer()])
        self.config = SimpleNamespace(get_text_config=lambda: SimpleNamespace(hidden_size=4))

    def get_decoder(self):
        return self

    def forward(self, h):
        for layer in self.layers:
            h, extra = layer(h)
        return h, extra


def test_tuple_outputs_keep_their_other_elements():
    model = _TupleModel()
    h = torch.zeros(1, 3, 4)
    with steering(model, {1: torch.tensor([1.0, 2.0, 3.0, 4.0])}, 0.5):
        out, extra = model(h)
    assert extra == "attn"
    assert torch.equal(out, torch.tensor([0.5, 1.0, 1.5, 2.0]).expand(1, 3, 4))
