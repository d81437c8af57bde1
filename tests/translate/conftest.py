"""A tiny random-weight NLLB-architecture model, built on the spot: the real translation code paths, offline.

The tokenizer is transformers' own NllbTokenizer (it knows the NLLB language codes without files) over a BPE
vocabulary trained here; the model is an M2M100ForConditionalGeneration with a 32-wide single layer. Its output
is nonsense, which is what the protected-slot and back-translation checks must catch.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

WORDS = (
    "my aunt friend should I tell her ask move to help what do you think answer with a number from let decide "
    "the of and in is for that it at be this have or by one not but all when we can your which their said if "
    "will each about how up out them then she many some so these would other into has more two like him see time "
    "could no make than first been its who now people children work home family money neighbour colleague"
).split()


def build_tiny_nllb(folder: Path, seed: int = 0) -> Path:
    """Save a tiny random M2M100 model and an NllbTokenizer to `folder`; returns it."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    corpus = [" ".join(WORDS[i:] + WORDS[:i]) for i in range(len(WORDS))] + ["? . , ! : ( ) { } country"]
    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    specials = ["<s>", "<pad>", "</s>", "<unk>"]  # the ids NLLB expects: 0, 1, 2, 3
    alphabet = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,?!:;(){}'_-")
    bpe.train_from_iterator(
        corpus, trainers.BpeTrainer(vocab_size=400, special_tokens=specials, initial_alphabet=alphabet)
    )
    trained = json.loads(bpe.to_str())["model"]
    tokenizer = NllbTokenizer(vocab=trained["vocab"], merges=[tuple(m) for m in trained["merges"]], src_lang="eng_Latn")
    torch.manual_seed(seed)
    config = M2M100Config(
        vocab_size=len(tokenizer),
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=256,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
    )
    model = M2M100ForConditionalGeneration(config)
    with torch.no_grad():  # special tokens (end, language codes) never win, so the output is visible nonsense
        model.get_output_embeddings().weight[tokenizer.all_special_ids] = 0.0
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_nllb(tmp_path_factory) -> Path:
    return build_tiny_nllb(tmp_path_factory.mktemp("nllb") / "tiny-nllb")


ROWS = [
    {
        "id": "d-001",
        "dimension": "PDI",
        "scenario": "My aunt looks after the children. She will not take money.",
        "question": "Should I ask her to follow our routines in {country}?",
        "options": [
            {"text": "A. Let her decide", "pole": "high"},
            {"text": "B. Ask her to follow them", "pole": "low"},
        ],
    },
    {
        "id": "d-002",
        "dimension": "IDV",
        "scenario": "A friend from {country} asked me for help with two moves.",
        "question": "Answer with a number from 1 to 5.",
        "options": [{"text": "Help my friend", "pole": "low"}, {"text": "Keep my own plans", "pole": "high"}],
    },
    {
        "id": "d-003",
        "dimension": "IDV",
        "scenario": "My colleague wants the team to share credit for the work.",
        "question": "What should I do?",
        "options": [{"text": "Share the credit", "pole": "low"}, {"text": "Keep my credit", "pole": "high"}],
    },
]


@pytest.fixture
def source_dataset(tmp_path) -> Path:
    """A small dilemma bank in the project's dataset-folder layout (card with configs, data/*.jsonl)."""
    folder = tmp_path / "mini_dilemmas"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    card = (
        "---\npretty_name: Mini dilemmas\nlicense: cc-by-4.0\nconfigs:\n  - config_name: all\n    default: true\n"
        "    data_files:\n      - split: test\n        path: data/*.jsonl\n---\n\n# Mini dilemmas\n"
    )
    (folder / "README.md").write_text(card, encoding="utf-8")
    return folder
