"""Log-likelihoods of continuations after contexts, as lm-eval scores them, for steered and unsteered runs.

Shared by the WVS layer search (p of the answer letters) and the cost of steering (capability control set).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from culturebench.steering.vectors import batches_by_length, encode, left_padded, model_device, pad_id
from culturebench.tokenization import encode_pair


def _forward_last(model, sequences: list[list[int]], keep: int, pad: int) -> torch.Tensor:
    """log-softmax of the logits at the last `keep` positions of each sequence: [B, keep, vocab] float32."""
    inputs = left_padded(sequences, pad, model_device(model))
    try:
        logits = model(**inputs, use_cache=False, logits_to_keep=keep).logits
    except TypeError:  # a model without logits_to_keep
        logits = model(**inputs, use_cache=False).logits
    return torch.log_softmax(logits[:, -keep:, :].float(), dim=-1)


def continuation_logliks(
    model,
    tokenizer,
    requests: Sequence[tuple[str, Sequence[str]]],
    batch_size: int = 16,
    progress: bool = False,
    desc: str = "scoring",
) -> list[list[float]]:
    """Log-likelihood of each continuation after its context, for [(context, continuations), ...].

    As lm-eval: the sum of the continuation tokens' log-probabilities. Inputs that coincide (single-
    token choices after one context: A and B) run once, so a dilemma costs one forward pass.
    """
    from tqdm.auto import tqdm

    pad = pad_id(tokenizer)
    inputs: dict[tuple[int, ...], int] = {}
    keep: list[int] = []
    plan: list[list[tuple[int, list[int]]]] = []
    for context, continuations in requests:
        row = []
        for continuation in continuations:
            ctx, cont = encode_pair(tokenizer, context, continuation, lambda text: encode(tokenizer, text))
            if not cont:
                raise ValueError(f"continuation {continuation!r} encodes to no token after {context[-40:]!r}")
            key = tuple((ctx + cont)[:-1])
            if key not in inputs:
                inputs[key] = len(keep)
                keep.append(0)
            keep[inputs[key]] = max(keep[inputs[key]], len(cont))
            row.append((inputs[key], cont))
        plan.append(row)
    sequences = list(inputs)
    results: list[torch.Tensor | None] = [None] * len(sequences)
    with torch.inference_mode():
        for batch in tqdm(batches_by_length([len(s) for s in sequences], batch_size), desc=desc, disable=not progress):
            k = max(keep[i] for i in batch)
            logp = _forward_last(model, [list(sequences[i]) for i in batch], k, pad).cpu()
            for j, i in enumerate(batch):
                results[i] = logp[j]
    out = []
    for row in plan:
        values = []
        for index, cont in row:
            logp = results[index]
            picked = logp[logp.shape[0] - len(cont) :, :].gather(-1, torch.as_tensor(cont).unsqueeze(-1))
            values.append(float(picked.sum()))
        out.append(values)
    return out
