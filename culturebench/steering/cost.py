"""What steering costs a model, against alpha: three measures beside the shift it buys.

- `neutral_loglik`: mean log-likelihood per token of a shipped neutral text (timetables, recipes, a
  river; nothing about values). Steering that only moves values leaves it where alpha = 0 has it.
- `capability`: accuracy on a shipped control set of 40 easy multiple-choice questions (arithmetic,
  units, science, everyday knowledge, language, reasoning), scored as lm-eval scores multiple choice
  (the answer with the highest log-likelihood after "Answer:").
- `generation_perplexity`: the seed's measure: the model continues short neutral prompts under
  steering (up to 128 new tokens, temperature 0.7, seeded) and the perplexity of those tokens is read
  by the steered model itself (`self`, as the seed did) and by the unsteered model (`reference`: how
  fluent the steered text reads to the original model, which a degenerate model cannot talk itself into).

The data ship in `culturebench/steering/data/`, written by this project.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import torch

from culturebench.steering.hooks import steering
from culturebench.steering.logliks import continuation_logliks
from culturebench.steering.vectors import encode, model_device

DATA = Path(__file__).resolve().parent / "data"
GENERATION_PROMPTS: tuple[str, ...] = (
    "The weather forecast for the coming week says",
    "To repot a house plant, first",
    "The history of the bicycle begins",
    "Our train was delayed this morning because",
)
MAX_NEW_TOKENS = 128
TEMPERATURE = 0.7


@cache
def neutral_texts() -> tuple[str, ...]:
    """The shipped neutral paragraphs."""
    text = (DATA / "neutral.txt").read_text(encoding="utf-8")
    return tuple(p.strip() for p in text.split("\n\n") if p.strip())


@cache
def capability_items() -> tuple[dict, ...]:
    """The shipped control questions: {id, kind, question, choices, answer (index)}."""
    lines = (DATA / "capability.jsonl").read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


def _token_logprobs(model, ids: list[int]) -> torch.Tensor:
    """log p(token_t | tokens_<t) for t >= 1 of one sequence, float32 on the CPU."""
    inputs = torch.as_tensor([ids], device=model_device(model))
    with torch.inference_mode():
        logits = model(input_ids=inputs, use_cache=False).logits[0, :-1].float()
    logp = torch.log_softmax(logits, dim=-1)
    return logp.gather(-1, inputs[0, 1:].unsqueeze(-1)).squeeze(-1).cpu()


def neutral_loglik(model, tokenizer) -> float:
    """Mean log-likelihood per token over the neutral paragraphs (each read from its first token)."""
    values = [_token_logprobs(model, encode(tokenizer, text)) for text in neutral_texts()]
    return float(torch.cat(values).mean())


def capability_accuracy(model, tokenizer, items: Sequence[dict] | None = None, batch_size: int = 16) -> float:
    """Share of control questions whose right answer has the highest log-likelihood."""
    items = list(items or capability_items())
    requests = [(f"Question: {i['question']}\nAnswer:", tuple(" " + c for c in i["choices"])) for i in items]
    logliks = continuation_logliks(model, tokenizer, requests, batch_size=batch_size)
    hits = [max(range(len(ll)), key=ll.__getitem__) == i["answer"] for ll, i in zip(logliks, items)]
    return sum(hits) / len(hits)


def generate(model, tokenizer, prompt: str, max_new_tokens: int, temperature: float, seed: int) -> list[int]:
    """Prompt tokens followed by up to `max_new_tokens` sampled ones (seeded, so alphas are compared fairly)."""
    ids = encode(tokenizer, prompt)
    generator = torch.Generator(device="cpu").manual_seed(seed)
    out = list(ids)
    past = None
    step = torch.as_tensor([ids], device=model_device(model))
    with torch.inference_mode():
        for _ in range(max_new_tokens):
            result = model(input_ids=step, cache=past, use_cache=True)
            past = result.cache
            probs = torch.softmax(result.logits[0, -1].float() / temperature, dim=-1).cpu()
            token = int(torch.multinomial(probs, 1, generator=generator))
            out.append(token)
            if token == tokenizer.eos_token_id:
                break
            step = torch.as_tensor([[token]], device=model_device(model))
    return out


def _perplexity(model, ids: list[int], n_prompt: int) -> float:
    """exp of the mean negative log-likelihood of the tokens after the prompt."""
    logp = _token_logprobs(model, ids)[n_prompt - 1 :]
    return math.exp(-float(logp.mean())) if len(logp) else math.nan


def generation_perplexity(
    model,
    tokenizer,
    vectors: Mapping[int, torch.Tensor],
    alpha: float,
    max_new_tokens: int = MAX_NEW_TOKENS,
    temperature: float = TEMPERATURE,
    seed: int = 0,
) -> dict[str, float]:
    """{self, reference}: mean perplexity of steered continuations, read steered and unsteered (see module doc)."""
    own, reference = [], []
    for k, prompt in enumerate(GENERATION_PROMPTS):
        n_prompt = len(encode(tokenizer, prompt))
        with steering(model, vectors, alpha):
            ids = generate(model, tokenizer, prompt, max_new_tokens, temperature, seed + k)
            own.append(_perplexity(model, ids, n_prompt))
        reference.append(_perplexity(model, ids, n_prompt))
    return {"self": sum(own) / len(own), "reference": sum(reference) / len(reference)}


def steering_cost(
    model,
    tokenizer,
    vectors: Mapping[int, torch.Tensor],
    alphas: Sequence[float],
    max_new_tokens: int = MAX_NEW_TOKENS,
    seed: int = 0,
    progress: bool = False,
) -> list[dict]:
    """One row per alpha (0 always among them): neutral log-likelihood and its change from alpha = 0, control
    accuracy, perplexities."""
    from tqdm.auto import tqdm

    rows = []
    alphas = sorted({0.0, *(float(a) for a in alphas)})  # every change is measured from the unsteered model
    for alpha in tqdm(alphas, desc="cost of steering", disable=not progress):
        with steering(model, vectors, alpha):
            row = {"alpha": float(alpha), "neutral_loglik": neutral_loglik(model, tokenizer),
                   "capability_accuracy": capability_accuracy(model, tokenizer)}  # fmt: skip
        ppl = generation_perplexity(model, tokenizer, vectors, alpha, max_new_tokens, seed=seed)
        rows.append({**row, "perplexity_self": ppl["self"], "perplexity_reference": ppl["reference"]})
    base = next(r for r in rows if r["alpha"] == 0)
    for row in rows:
        row["neutral_loglik_change"] = row["neutral_loglik"] - base["neutral_loglik"]
    return rows
