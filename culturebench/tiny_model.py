"""A tiny random-weight Llama with a tokenizer trained on the spot: the real code paths, offline.

Its numbers are meaningless; it exists so the demo and the tests can run real lm-eval on a real
transformers model loaded by path, without downloading anything.
"""

from __future__ import annotations

from pathlib import Path

from culturebench.countries import all_countries
from culturebench.jsonl import read_jsonl
from culturebench.resources import dataset_dir

CORPUS_DATASET = "hofstede_dilemmas"  # varied everyday English: enough for a 2,000-token BPE

CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
SPECIAL_TOKENS = ["<s>", "</s>", "<pad>", "<unk>", "<|system|>", "<|user|>", "<|assistant|>"]


def _corpus() -> list[str]:
    """Varied text so byte-level BPE reaches its vocabulary size (DESIGN.md pitfall)."""
    lines = []
    for path in sorted((dataset_dir(CORPUS_DATASET) / "data").glob("*.jsonl")):
        for _, item in read_jsonl(path):
            lines += [item["scenario"], item["question"], *(o["text"] for o in item["options"])]
    lines += [f"{c.name} {c.language}" for c in all_countries()]
    # Every answer token the tasks score must be learned the same way (" A" ... " J", " 1" ... " 7").
    lines += [f"Answer: {choice}" for choice in "ABCDEFGHIJ1234567"] * 50
    return lines


def build_tiny_model(path: str | Path, seed: int = 0, vocab_size: int = 2000) -> Path:
    """Save a 2-layer random Llama and its tokenizer to `path`; returns the folder."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(_corpus(), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(path)

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(fast),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(path)
    return path
