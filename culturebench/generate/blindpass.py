"""The blind second pass of generated drafts: another model (or the same one with another prompt) picks the
option on the scored pole from the scenario, with the options in a random order and no poles shown.

The layout of what the annotator sees (opaque ids, options swapped at random) comes from
culturebench.blind, the same module the hand-built banks use. A draft whose label takes the other
option, or that the annotator marks unsure or unbalanced, is rejected with the annotator's note.
"""

from __future__ import annotations

from culturebench.blind import blind_id, dilemma_rows, pole_text
from culturebench.generate.checks import Rejection
from culturebench.llm.client import Client
from culturebench.llm.request import Request
from culturebench.llm.structured import InvalidOutput

LABEL_SCHEMA = {
    "type": "object",
    "properties": {
        "pole_option": {"type": "string", "enum": ["1", "2"]},
        "confidence": {"type": "string", "enum": ["sure", "unsure"]},
        "balanced": {"type": "string", "enum": ["yes", "no"]},
        "note": {"type": "string"},
    },
    "required": ["pole_option", "confidence", "balanced", "note"],
}


def blind_requests(rows: list[tuple[dict, dict]], prompt: str, seed: str) -> list[tuple[dict, dict, Request]]:
    """(row, what the annotator sees, request) per (row, cell context); options swapped at random by `seed`.

    Each row is shuffled with its own seed (`seed` and its id), so a draft is shown the same way, and its
    cached label reused, whatever other drafts a rerun accepts.
    """
    shown = [dilemma_rows([r], f"{seed}:{r['id']}", fields=("id", "scenario", "question"))[0] for r, _ in rows]
    out = []
    for (row, context), view in zip(rows, shown):
        view = {"blind_id": blind_id(view.pop("id")), **view}
        text = prompt.format(**{**context, **view})
        out.append((row, view, Request(text, LABEL_SCHEMA, 0.0)))
    return out


def label_drafts(
    rows: list[tuple[dict, dict]], prompt: str, client: Client, pole: str, seed: str, batch: bool = False
) -> tuple[dict[str, dict], list[Rejection]]:
    """({id: label with `agree`}, rejections) of the blind pass over (row, cell context) pairs."""
    asked = blind_requests(rows, prompt, seed)
    if batch and asked and hasattr(client.backend, "submit_batch"):
        client.prefetch([r for _, _, r in asked])
    labels, rejections = {}, []
    for row, view, request in asked:
        try:
            label = client.ask_json(request)
        except InvalidOutput as e:
            rejections.append(Rejection(row["id"], "blind", f"no valid blind label: {e}"))
            continue
        chosen = view[f"option_{label['pole_option']}"]
        agree = chosen == pole_text(row, pole)
        labels[row["id"]] = {"id": row["id"], **view, **label, "chosen": chosen, "agree": agree}
        if not agree:
            reason = f"the blind annotator ({client.backend.name}) took the other option for the {pole} pole"
        elif label["confidence"] != "sure" or label["balanced"] != "yes":
            flags = [w for w, bad in (("unsure", label["confidence"] != "sure"),
                                      ("unbalanced", label["balanced"] != "yes")) if bad]  # fmt: skip
            reason = f"flagged by the blind annotator as {' and '.join(flags)}: {label['note']}"
        else:
            continue
        rejections.append(Rejection(row["id"], "blind", reason))
    return labels, rejections
