"""Checks that a tokenizer lets lm-eval score both answer letters in one forward pass.

lm-eval reuses one forward pass for all choices only when every choice's token sequence shares
all tokens but the last (its `_lookup_one_token_cont` grouping). A tokenizer that merges the
letter with what precedes it breaks that, and each choice then costs its own pass; we say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class GroupingCheck:
    ok: bool
    detail: str


def encode_pair(
    tokenizer, context: str, continuation: str, encode: Callable[[str], list[int]] | None = None
) -> tuple[list[int], list[int]]:
    """Same split as lm-eval's causal `_encode_pair`: trailing spaces move to the continuation, the whole
    string is encoded and split after the context's tokens. `encode` defaults to no special tokens."""
    encode = encode or (lambda text: list(tokenizer.encode(text, add_special_tokens=False)))
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces:
        continuation = context[-n_spaces:] + continuation
        context = context[:-n_spaces]
    whole = encode(context + continuation)
    ctx = encode(context)
    return ctx, whole[len(ctx) :]


def check_choice_grouping(
    tokenizer, prompt: str, choices: tuple[str, ...] = ("A", "B"), chat_template: bool = False
) -> GroupingCheck:
    """Whether the choices, appended as lm-eval appends them, differ only in their last token."""
    if chat_template:
        context = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
        )
        continuations = list(choices)  # lm-eval drops target_delimiter under a chat template
    else:
        context, continuations = prompt, [" " + c for c in choices]
    keys, conts = [], []
    for cont in continuations:
        ctx, cont_enc = encode_pair(tokenizer, context, cont)
        if not cont_enc:
            return GroupingCheck(False, f"continuation {cont!r} encodes to no token")
        keys.append(tuple(ctx + cont_enc[:-1]))
        conts.append(cont_enc)
    if len(set(keys)) == 1:
        return GroupingCheck(True, f"choices {continuations} share all tokens but the last: {conts}")
    return GroupingCheck(
        False,
        f"choices {continuations} differ before their last token (continuation tokens {conts}); "
        "lm-eval will run one forward pass per choice instead of one per prompt",
    )
