"""Structured output: the schema sent to an API, and reading a JSON answer back against the full schema.

Callers describe an answer with a JSON Schema. Gemini's `response_schema` accepts an OpenAPI subset
of it, so `wire_schema` keeps only the keywords Gemini reads; the answer is then validated locally
with `jsonschema` against the whole schema, which is the check that counts.
"""

from __future__ import annotations

import json

import jsonschema

# JSON Schema keywords Gemini's response_schema understands (camelCase as in the REST API)
WIRE_KEYWORDS = frozenset(
    """type properties required items enum minItems maxItems minLength maxLength minimum maximum description
    title format nullable anyOf pattern propertyOrdering""".split()
)


class InvalidOutput(ValueError):
    """An answer that is not JSON, or not of the expected schema (the message says where)."""


def wire_schema(schema: dict) -> dict:
    """`schema` less the keywords Gemini's response_schema would refuse (additionalProperties, $schema, ...)."""
    out = {}
    for key, value in schema.items():
        if key not in WIRE_KEYWORDS:
            continue
        if key == "properties":
            value = {name: wire_schema(sub) for name, sub in value.items()}
        elif key == "items":
            value = wire_schema(value)
        elif key == "anyOf":
            value = [wire_schema(sub) for sub in value]
        out[key] = value
    return out


def schema_errors(value: object, schema: dict) -> list[str]:
    """Every way `value` breaks `schema`, as 'path: message' lines (empty when it is valid)."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors]


def parse_json(text: str, schema: dict | None = None) -> object:
    """The JSON value an answer holds (bare or in a ```json fence), valid against `schema` if given."""
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[-1].rsplit("```", 1)[0]
    try:
        value = json.loads(body)
    except json.JSONDecodeError as e:
        raise InvalidOutput(f"answer is not valid JSON ({e.msg}): {text[:200]!r}") from None
    if schema is not None and (errors := schema_errors(value, schema)):
        raise InvalidOutput("answer does not match the schema: " + "; ".join(errors[:5]))
    return value
