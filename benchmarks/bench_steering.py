"""Cost of steering: vectors, the layer sweep and a steered evaluation, against the unsteered pass.

    python benchmarks/bench_steering.py                                   # tiny random Llama, CPU
    python benchmarks/bench_steering.py --config-like llama-3b --device cuda --dilemmas 30

`--config-like llama-3b` builds a random-weight model of Llama-3.2-3B's shape (28 layers, hidden
3072, GQA 24/8 heads, vocabulary 128,256) directly on the device, so timings are those of the real
shape with meaningless numbers; the tokenizer is the tiny one (its ids fit the vocabulary).

Prints seconds per contrast pair (vectors), per layer of the sweep (all alphas, both orders of the
held-out dilemmas) and per scored prompt with and without steering (hooks at the top-4 layers;
best of three, interleaved).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

# Llama-3.2-3B(-Instruct) config.json, the seed's Llama (seed 002, Appendix A).
LLAMA_3B = dict(
    vocab_size=128256, hidden_size=3072, intermediate_size=8192, num_hidden_layers=28, num_attention_heads=24,
    num_key_value_heads=8, head_dim=128, max_position_embeddings=131072, rms_norm_eps=1e-5,
    tie_word_embeddings=True, rope_parameters={"rope_type": "default", "rope_theta": 500000.0},
)  # fmt: skip


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def build(config_like: str, device: str, work: Path):
    """(model, tokenizer, name) of the chosen shape, on the device, in eval mode."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from culturebench.tiny_model import build_tiny_model

    tiny = build_tiny_model(work / "tiny-model")
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    if config_like == "tiny":
        return AutoModelForCausalLM.from_pretrained(tiny).to(device).eval(), tokenizer, "tiny random Llama"
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    config = LlamaConfig(**LLAMA_3B, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id)  # fmt: skip
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = LlamaForCausalLM(config)  # random init on the device: no 12 GB detour through the CPU
    finally:
        torch.set_default_dtype(previous)
    n = sum(p.numel() for p in model.parameters()) / 1e9
    return model.eval(), tokenizer, f"random Llama-3.2-3B shape ({n:.2f} B parameters, {dtype})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config-like", choices=("tiny", "llama-3b"), default="tiny")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--target", default="trad_secular", help="map item or axis; default trad_secular")
    parser.add_argument("--pairs", type=int, default=20, help="contrast pairs for the vectors; default 20")
    parser.add_argument("--dilemmas", type=int, default=10, help="held-out dilemmas of the sweep; default 10")
    parser.add_argument("--alphas", default="0,0.1,0.2,0.4")
    parser.add_argument("--layers", type=int, default=None, help="sweep only the first N layers (a quicker look)")
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()

    from culturebench.benchmarks.wvs import steering as wvs
    from culturebench.benchmarks.wvs.steer_cli import parse_alphas
    from culturebench.benchmarks.wvs.steer_search import layer_search, score_documents
    from culturebench.steering.hooks import steering
    from culturebench.steering.vectors import train_vectors

    alphas = parse_alphas(args.alphas)
    work = Path(tempfile.mkdtemp(prefix="culturebench-bench-steer-"))
    model, tokenizer, name = build(args.config_like, args.device, work)
    pairs = wvs.contrast_pairs(wvs.take_balanced(wvs.steer_dilemmas(args.target, "train"), args.pairs))
    docs = wvs.search_documents(wvs.take_balanced(wvs.steer_dilemmas(args.target, "held_out"), args.dilemmas))
    bs = args.batch_size

    score_documents(model, tokenizer, docs[:bs], bs)  # warm-up
    _sync(args.device)
    start = time.perf_counter()
    vectors = train_vectors(model, tokenizer, pairs, "meandiff", args.target, wvs.dataset_provenance(), batch_size=bs)
    _sync(args.device)
    t_vectors = time.perf_counter() - start

    layers = list(range(vectors.n_layers if args.layers is None else min(args.layers, vectors.n_layers)))
    start = time.perf_counter()
    search = layer_search(model, tokenizer, vectors, docs, alphas, layers=layers, batch_size=bs, n_boot=0)
    _sync(args.device)
    t_sweep = time.perf_counter() - start

    # timing only: a random model may have no layer that pushes toward the positive pole
    top = search.top_layers or sorted(
        int(x) for x in search.slopes.sort_values("slope", ascending=False)["layer"].head(4)
    )

    def timed(alpha: float | None) -> float:
        start = time.perf_counter()
        if alpha is None:
            score_documents(model, tokenizer, docs, bs)
        else:
            with steering(model, vectors, alpha, top):
                score_documents(model, tokenizer, docs, bs)
        _sync(args.device)
        return time.perf_counter() - start

    # interleaved, best of three: a shared machine's noise is larger than the hooks' cost
    runs = [(timed(None), timed(max(alphas))) for _ in range(3)]
    t_plain, t_steered = min(r[0] for r in runs), min(r[1] for r in runs)

    n_alpha = len([a for a in search.alphas if a != 0])
    print(f"\nmodel: {name}; device {args.device}, batch size {bs}")
    print(f"vectors ({len(pairs)} pairs, {2 * len(pairs)} passes, all {vectors.n_layers} layers): "
          f"{t_vectors:.2f} s, {t_vectors / len(pairs) * 1000:.1f} ms per pair")  # fmt: skip
    print(f"layer sweep ({len(layers)} layers x {n_alpha} alphas x {len(docs)} prompts, plus alpha = 0): "
          f"{t_sweep:.2f} s, {t_sweep / len(layers):.2f} s per layer")  # fmt: skip
    print(f"evaluation, {len(docs)} prompts: unsteered {t_plain / len(docs) * 1000:.2f} ms/prompt, "
          f"steered at layers {top} {t_steered / len(docs) * 1000:.2f} ms/prompt "
          f"(x{t_steered / t_plain:.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
