"""A generation spec: everything that defines how one bank's drafts are asked for, in one YAML or JSON file.

    bank: wvs_dilemmas            # the shipped bank the drafts grow (its validator, poles, near-duplicate corpus)
    model: gemini-2.5-flash       # the default model (--backend overrides)
    temperature: 1.0
    per_request: 5                # drafts asked for in one request
    count: 10                     # drafts per cell
    cells:                        # the cells are the product of these dimensions; each value's attributes
      item: {F063: {axis: trad_secular, positive: ..., negative: ...}, ...}   # fill the prompt's slots
      domain: {family: {code: f, setting: ...}, ...}
    row_fields: [item, axis, domain]   # copied from the cell into every draft
    id_format: "{item}-{code}{n:02d}"  # ids of accepted drafts in the built dataset (n: first unused)
    prompt: "... {item} ... {positive} ... {setting} ... {n} ..."   # n: drafts in this request
    item_schema: {type: object, ...}   # JSON Schema of one drafted item (the fields the model writes)
    checks: {max_length_ratio: 1.5, near_duplicate_cosine: 0.3, pole_words: [...]}
    blind: {prompt: "... {scenario} {question} {option_1} {option_2} {positive} {negative} ..."}
    extend: {domains: [digital_life]}  # optional: domains (and categories) beyond the bank's schema, which the
                                       # cells may use; the built card records them (culturebench.generate.banks)

A cell is named by its values joined with "/" (`F063/family`), which is what --cells takes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import string
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml

REQUIRED = ("bank", "model", "temperature", "per_request", "count", "cells", "row_fields", "id_format", "prompt",
            "item_schema", "blind")  # fmt: skip
DEFAULT_CHECKS = {"max_length_ratio": 1.5, "near_duplicate_cosine": 0.3, "pole_words": []}


class SpecError(ValueError):
    """A malformed spec; the message names the file and the key."""


@dataclass(frozen=True)
class Cell:
    """One cell: its name (`F063/family`) and the prompt context (each dimension's value and its attributes)."""

    name: str
    context: dict


@dataclass
class Spec:
    path: Path
    bank: str
    model: str
    temperature: float
    per_request: int
    count: int
    dimensions: dict[str, dict[str, dict]]
    row_fields: list[str]
    id_format: str
    prompt: str
    item_schema: dict
    blind_prompt: str
    checks: dict = field(default_factory=lambda: dict(DEFAULT_CHECKS))
    digest: str = ""  # sha256 of the spec file: a run folder belongs to one spec
    extend: dict[str, list[str]] = field(default_factory=dict)  # domains and categories beyond the bank's schema

    def cells(self) -> list[Cell]:
        """Every cell, in the order of the dimensions and their values."""
        out = []
        for values in itertools.product(*(list(v.items()) for v in self.dimensions.values())):
            context = {}
            for dim, (value, attrs) in zip(self.dimensions, values):
                context |= {dim: value, **attrs}
            out.append(Cell("/".join(v for v, _ in values), context))
        return out

    def select(self, names: list[str] | None) -> list[Cell]:
        """The cells named (all when None), or SpecError listing the valid names."""
        cells = self.cells()
        if not names:
            return cells
        by_name = {c.name: c for c in cells}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise SpecError(f"{self.path}: no cells {unknown}; valid cells look like {cells[0].name!r} "
                            f"({len(cells)} in all)")  # fmt: skip
        return [by_name[n] for n in names]


def _slots(template: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def load_spec(path: Path) -> Spec:
    """Read and check a spec (YAML or JSON): every key present, the schema valid, every prompt slot known."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: no such spec file")
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw) if path.suffix in (".yaml", ".yml") else json.loads(raw)
    except (yaml.YAMLError, json.JSONDecodeError) as e:
        raise SpecError(f"{path}: not valid {'YAML' if path.suffix != '.json' else 'JSON'}: {e}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: expected a mapping at the top")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise SpecError(f"{path}: missing keys {missing}")
    dims = data["cells"]
    if not isinstance(dims, dict) or not dims or not all(isinstance(v, dict) and v for v in dims.values()):
        raise SpecError(f"{path}: 'cells' must map each dimension to its values (each with its attributes)")
    dims = {d: {str(v): dict(a or {}) for v, a in values.items()} for d, values in dims.items()}
    for key in ("per_request", "count"):
        if not isinstance(data[key], int) or data[key] < 1:
            raise SpecError(f"{path}: {key!r} must be a positive integer, got {data[key]!r}")
    try:
        jsonschema.Draft202012Validator.check_schema(data["item_schema"])
    except jsonschema.SchemaError as e:
        raise SpecError(f"{path}: 'item_schema' is not a valid JSON Schema: {e.message}") from None
    blind = data["blind"]
    if not isinstance(blind, dict) or not isinstance(blind.get("prompt"), str):
        raise SpecError(f"{path}: 'blind' must hold a 'prompt'")
    checks = {**DEFAULT_CHECKS, **(data.get("checks") or {})}
    unknown_checks = set(checks) - set(DEFAULT_CHECKS)
    if unknown_checks:
        raise SpecError(f"{path}: unknown keys under 'checks': {sorted(unknown_checks)}")
    extend = data.get("extend") or {}
    if (
        not isinstance(extend, dict)
        or set(extend) - {"domains", "categories"}
        or not all(isinstance(v, list) and all(isinstance(x, str) and x.strip() for x in v) for v in extend.values())
    ):
        raise SpecError(f"{path}: 'extend' must map 'domains' and/or 'categories' to lists of new values")
    spec = Spec(path, str(data["bank"]), str(data["model"]), float(data["temperature"]), data["per_request"],
                data["count"], dims, list(data["row_fields"]), str(data["id_format"]), str(data["prompt"]),
                data["item_schema"], blind["prompt"], checks, hashlib.sha256(raw).hexdigest(), extend)  # fmt: skip
    context = set(spec.cells()[0].context)
    for name, template, known in (
        ("prompt", spec.prompt, context | {"n"}),
        ("id_format", spec.id_format, context | {"n"}),
        ("blind.prompt", spec.blind_prompt, context | {"scenario", "question", "option_1", "option_2"}),
    ):
        unknown = _slots(template) - known
        if unknown:
            raise SpecError(f"{path}: {name} has unknown slots {sorted(unknown)}; known: {sorted(known)}")
    stray = [f for f in spec.row_fields if f not in context]
    if stray:
        raise SpecError(f"{path}: row_fields {stray} are not dimensions or attributes of the cells")
    return spec
