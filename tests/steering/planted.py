"""A real LlamaForCausalLM whose weights plant a known steering direction u at a known layer L.

Random weights carry no value direction, so the known-answer tests build one by hand: every weight of
a 4-layer Llama is set (most to zero), the forward pass is transformers' own. The synthetic dilemmas
end their positive option with the marker word " city" and their negative option with " farm".

The residual stream (64 dims) holds, besides a constant and small random token noise:

  layer 0  attention (uniform: q = k = 0) writes d_b = share of "B" letter tokens so far;
           MLP, at a marker: d_z = +1 if the positive option was listed under A, -1 if under B
           (a SwiGLU unit gated on the marker: silu(G * is_marker) * (c - K * d_b));
  layer 1  attention averages d_z into d_s at every position: which letter holds the positive option;
  layer L  MLP, at a marker: +X u (" city") or -X u (" farm") -> contrast texts differ along u here
           and only from here on;
  layer 3  MLP: r = d_s * (u . h), exactly bilinear (silu(z) - silu(-z) = z with two units);
  lm_head  rows " A" and " B" differ by 2k along r.

So the logit of A minus B at the answer is k' * (order sign) * (u . h_last): adding alpha * u at the
output of layer L raises p(positive) in BOTH option orders, monotonically (up to RMSNorm saturation,
far beyond the alphas tested). Adding it after layer 3's MLP (layer 3's own output) only moves A vs
B alike in both orders, which the order average cancels; before L, u is not read at the last token.
Layers L and 3 both have mean-difference vectors along u, so the search must tell them apart by
effect, not by direction.
"""

from __future__ import annotations

import random

import torch

N_LAYERS = 4
PLANTED_LAYER = 2
HIDDEN = 64
POSITIVE_MARKER, NEGATIVE_MARKER = " city", " farm"

CONST, IS_B, IS_P, IS_N, D_B, D_Z, D_S, R = range(8)  # residual dims; u lives in dims 8..63
C = 16.0  # constant dim: keeps RMSNorm scales stable under steering
G1, C1, K1 = 4.0, 1.0, 2000.0  # order-sign unit
G2, THETA, X = 40.0, 0.8, 2.5  # marker -> u unit: about 5 u at a marker
G3 = 4.0  # gain of the bilinear unit
LOGIT_K = 2.0

WORDS = (
    "about across after again always another answer around asked because before better between board "
    "book brother budget business call care career chance change child children choice circle class clear "
    "club coffee colleague company cost could council course cousin daughter decision dinner doctor "
    "during early evening every family father festival final first food friend garden group happy health "
    "help home house husband idea income instead join keep land large later learn leave lessons little local "
    "market meeting mentor money month morning mother music neighbour"
).split()


def token_id(tokenizer, text: str) -> int:
    ids = tokenizer.encode(text, add_special_tokens=False)
    assert len(ids) == 1, f"{text!r} is not one token: {ids}"
    return ids[0]


def synthetic_dilemmas(n: int, seed: int = 0, item: str = "F063", axis: str = "trad_secular") -> list[dict]:
    """Dilemmas in the WVS schema whose positive option ends in " city" and negative in " farm"."""
    rng = random.Random(seed)
    words = [w for w in WORDS if w not in ("city", "farm")]
    out = []
    for k in range(n):
        scenario = " ".join(rng.choice(words) for _ in range(rng.randint(18, 40))) + "."
        out.append({
            "id": f"planted-{k:02d}", "item": item, "axis": axis, "domain": "family",
            "scenario": scenario, "question": "what should we do now?",
            "options": [{"text": f"we pick the{POSITIVE_MARKER}", "pole": "positive"},
                        {"text": f"we pick the{NEGATIVE_MARKER}", "pole": "negative"}],
        })  # fmt: skip
    return out


def planted_direction(seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed + 1)
    u = torch.zeros(HIDDEN)
    u[8:] = torch.randn(HIDDEN - 8, generator=g)
    return u / u.norm()


def build_planted_model(tokenizer, seed: int = 0):
    """(model, u): the planted Llama in float32, eval mode, and its unit direction u (planted at PLANTED_LAYER)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=HIDDEN, intermediate_size=8, num_hidden_layers=N_LAYERS,
        num_attention_heads=4, num_key_value_heads=4, head_dim=16, max_position_embeddings=4096,
        rms_norm_eps=1e-6, tie_word_embeddings=False, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )  # fmt: skip
    model = LlamaForCausalLM(config)
    g = torch.Generator().manual_seed(seed)
    u = planted_direction(seed)
    b_tok = token_id(tokenizer, "B")
    p_tok, n_tok = token_id(tokenizer, POSITIVE_MARKER), token_id(tokenizer, NEGATIVE_MARKER)
    a_ans, b_ans = token_id(tokenizer, " A"), token_id(tokenizer, " B")
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.fill_(1.0)
        emb = model.model.embed_tokens.weight
        emb[:, CONST] = C
        emb[:, 8:] = 0.1 * torch.randn(emb.shape[0], HIDDEN - 8, generator=g)
        emb[b_tok, IS_B] = 1.0
        emb[p_tok, IS_P] = 1.0
        emb[n_tok, IS_N] = 1.0
        layers = model.model.layers
        # layer 0: d_b = mean of is_B over the prefix; d_z = order sign at markers
        layers[0].self_attn.v_proj.weight[0, IS_B] = 1.0
        layers[0].self_attn.o_proj.weight[D_B, 0] = 1.0
        mlp = layers[0].mlp
        for unit, (marker, sign) in enumerate(((IS_P, 1.0), (IS_N, -1.0))):
            mlp.gate_proj.weight[unit, marker] = G1
            mlp.up_proj.weight[unit, CONST] = sign * C1 / C
            mlp.up_proj.weight[unit, D_B] = -sign * K1
            mlp.down_proj.weight[D_Z, unit] = 1.0
        # layer 1: d_s = mean of d_z over the prefix
        layers[1].self_attn.v_proj.weight[0, D_Z] = 1.0
        layers[1].self_attn.o_proj.weight[D_S, 0] = 1.0
        # layer L: markers write +-X u (a thresholded gate, so small steered is_P/is_N do not fire it)
        mlp = layers[PLANTED_LAYER].mlp
        for unit, (marker, sign) in enumerate(((IS_P, 1.0), (IS_N, -1.0))):
            mlp.gate_proj.weight[unit, marker] = G2
            mlp.gate_proj.weight[unit, CONST] = -G2 * THETA / C
            mlp.up_proj.weight[unit, CONST] = sign / C
            mlp.down_proj.weight[:, unit] = X * u
        # layer 3: r = d_s * (u . h)
        mlp = layers[3].mlp
        for unit, sign in enumerate((1.0, -1.0)):
            mlp.gate_proj.weight[unit, D_S] = sign * G3
            mlp.up_proj.weight[unit, :] = sign * u
            mlp.down_proj.weight[R, unit] = 1.0
        head = model.lm_head.weight
        head[:] = 0.02 * torch.randn(head.shape, generator=g)
        head[a_ans, R] += LOGIT_K
        head[b_ans, R] -= LOGIT_K
    return model.eval(), u
