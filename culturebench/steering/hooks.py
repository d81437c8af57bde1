"""Adding alpha * v to decoder layers' outputs, here and in lm-eval's `--model steered`.

`steering(model, {layer: v}, alpha)` adds alpha * v to the hidden states every chosen decoder layer
returns (h' = h + alpha * v, seed 002 Eq. 3), at every position, as lm-eval's `SteeredModel.add`
does; a layer that returns a tuple has its first element changed. Layers are found through
`model.get_decoder().layers` (transformers 5; Gemma-3 multimodal nests them under `language_model`).
The hooks are registered with `prepend=True`, so hooks transformers installs on the first forward
pass (to collect `output_hidden_states`) see the steered states.

lm-eval names hookpoints by `model.base_model.named_modules()`. `hookpoint_names` finds, among
those, the modules that ARE the decoder layers (by identity, not by guessing a pattern): `layers.N`
for Llama and Qwen, `language_model.layers.N` for Gemma-3 multimodal.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from culturebench.files import write_atomic

if TYPE_CHECKING:
    from culturebench.steering.vectors import SteeringVectors


def decoder_layers(model) -> list[torch.nn.Module]:
    """The decoder layers of a causal LM, in order."""
    decoder = model.get_decoder() if hasattr(model, "get_decoder") else model
    for owner in (decoder, getattr(decoder, "language_model", None), getattr(decoder, "model", None)):
        layers = getattr(owner, "layers", None) if owner is not None else None
        if isinstance(layers, torch.nn.ModuleList) and len(layers):
            return list(layers)
    raise ValueError(f"cannot find the decoder layers of {type(model).__name__} (looked for get_decoder().layers)")


def _vectors(vectors: SteeringVectors | Mapping[int, torch.Tensor], layers: Sequence[int] | None):
    if isinstance(vectors, Mapping):
        chosen = dict(vectors) if layers is None else {i: vectors[i] for i in layers}
    else:
        chosen = vectors.by_layer(layers)
    if not chosen:
        raise ValueError("no layers to steer")
    return chosen


@contextmanager
def steering(
    model,
    vectors: SteeringVectors | Mapping[int, torch.Tensor],
    alpha: float,
    layers: Sequence[int] | None = None,
) -> Iterator[None]:
    """Within the block, every chosen decoder layer's output hidden states become h + alpha * v.

    vectors: a SteeringVectors (with `layers`, default all) or {layer index: vector}.
    The vector is cast to the model's dtype before it is scaled, as lm-eval does, so both give the
    same numbers.
    """
    all_layers = decoder_layers(model)
    chosen = _vectors(vectors, layers)
    hidden = int(model.config.get_text_config().hidden_size)
    handles = []

    def make_hook(delta: torch.Tensor):
        def hook(module, args, output):
            if isinstance(output, tuple):
                return (output[0] + delta, *output[1:])
            return output + delta

        return hook

    try:
        for index, vector in chosen.items():
            if not 0 <= index < len(all_layers):
                raise IndexError(f"layer {index} out of range: the model has {len(all_layers)} decoder layers")
            if vector.shape != (hidden,):
                raise ValueError(f"layer {index}: vector of shape {tuple(vector.shape)}, the model needs ({hidden},)")
            layer = all_layers[index]
            param = next(layer.parameters())
            delta = vector.to(param.device).to(param.dtype) * float(alpha)
            handles.append(layer.register_forward_hook(make_hook(delta), prepend=True))
        yield
    finally:
        for handle in handles:
            handle.remove()


def hookpoint_names(model) -> dict[int, str]:
    """{layer index: name} of the decoder layers as lm-eval resolves hookpoints (`model.base_model.named_modules()`)."""
    index_of = {id(layer): i for i, layer in enumerate(decoder_layers(model))}
    names: dict[int, str] = {}
    for name, module in model.base_model.named_modules():
        if id(module) in index_of and index_of[id(module)] not in names:
            names[index_of[id(module)]] = name
    missing = sorted(set(index_of.values()) - set(names))
    if missing:
        raise ValueError(f"decoder layers {missing} are not under model.base_model; lm-eval could not hook them")
    return dict(sorted(names.items()))


def skeleton(model_path: str):
    """The model's module tree without weights (meta device): enough to name its hookpoints."""
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(model_path)
    with torch.device("meta"):
        return AutoModelForCausalLM.from_config(config)


def lm_eval_steer_payload(vectors: SteeringVectors, alpha: float, layers: Sequence[int], model=None) -> dict:
    """lm-eval's steered-model payload: {hookpoint: {steering_vector, steering_coefficient, action: add}}.

    Hookpoint names come from `model` (or, without one, from a weightless skeleton of the model in the
    vectors' provenance).
    """
    if not layers:
        raise ValueError("no layers to steer")
    if model is None:
        model = skeleton(vectors.provenance["model"])
    names = hookpoint_names(model)
    hidden = int(model.config.get_text_config().hidden_size)
    if vectors.n_layers != len(names) or vectors.hidden_size != hidden:
        raise ValueError(
            f"vectors are [{vectors.n_layers}, {vectors.hidden_size}], the model has {len(names)} layers of {hidden}"
        )
    return {
        names[i]: {
            "steering_vector": vectors.layer(i).clone(),
            "steering_coefficient": float(alpha),
            "action": "add",
            "bias": None,
            "head_index": None,
        }
        for i in sorted(set(layers))
    }


def write_lm_eval_steer_file(
    path: str | Path,
    vectors: SteeringVectors,
    alpha: float,
    layers: Sequence[int],
    model=None,
) -> Path:
    """Write `lm_eval_steer_payload` to `path` (.pt), for `lm_eval --model steered --model_args
    pretrained=...,steer_path=PATH`."""
    path = Path(path)
    if path.suffix not in (".pt", ".pth"):
        raise ValueError(f"lm-eval reads steering files ending in .pt or .pth, not {path.name}")
    payload = lm_eval_steer_payload(vectors, alpha, layers, model)
    return write_atomic(path, lambda tmp: torch.save(payload, tmp))
