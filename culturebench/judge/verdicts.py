"""Judge verdicts: the schema of allowed answers and the one validator every judged benchmark uses.

A judge answers in JSON; `validate_verdict` accepts only the fields and values its schema allows,
so a cached verdict is always well-formed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


class VerdictError(ValueError):
    """A judge answer that is not a valid verdict (the message says why)."""


@dataclass(frozen=True)
class VerdictSchema:
    """Allowed values per verdict field (besides the free-text `reason`); integer fields are returned as int."""

    fields: tuple[tuple[str, tuple[str, ...]], ...]
    integer_fields: tuple[str, ...] = ()

    def json_schema(self) -> dict:
        """The verdict as a JSON Schema for the backends' structured output: each field's allowed values, then
        the reason (a local model fills the fields in this order)."""
        properties = {field: {"type": "string", "enum": list(allowed)} for field, allowed in self.fields}
        properties["reason"] = {"type": "string"}
        return {"type": "object", "properties": properties, "required": list(properties)}


def _json_object(text: str) -> dict:
    """The JSON object in a judge answer (bare, or inside a ```json fence or surrounding prose)."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise VerdictError(f"no JSON object in the answer: {text[:200]!r}")
    try:
        value = json.loads(text[start : end + 1])
    except json.JSONDecodeError as e:
        raise VerdictError(f"answer is not valid JSON ({e.msg}): {text[:200]!r}") from None
    if not isinstance(value, dict):
        raise VerdictError("answer is not a JSON object")
    return value


def validate_verdict(text: str, schema: VerdictSchema) -> dict:
    """The verdict fields (a score as int, categories as strings) and reason, or VerdictError naming what is wrong."""
    value = _json_object(text)
    verdict = {}
    for field, allowed in schema.fields:
        if field not in value:
            raise VerdictError(f"verdict lacks {field!r}")
        got = str(value[field]).strip().lower().replace("-", "_").replace(" ", "_")
        if got not in allowed:
            raise VerdictError(f"{field} {value[field]!r} is not one of {list(allowed)}")
        verdict[field] = int(got) if field in schema.integer_fields else got
    reason = value.get("reason", "")
    if not isinstance(reason, str):
        raise VerdictError("reason must be a string")
    return {**verdict, "reason": reason.strip()}
