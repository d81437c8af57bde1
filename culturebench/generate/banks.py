"""The banks a spec can grow: each one's row validator, scored pole and data layout.

A benchmark declares the banks it lets `culturebench generate` grow (`Benchmark.growable`), so this module
knows none of them by name.

A grown folder may hold values its bank's schema does not (a new domain, a new category): the builder records
them in the card's YAML header under `schema_extension` ({domains: [...], categories: [...]}), and
`Bank.schema_of(folder)` reads them back, so the validators accept them for that folder only. A folder without
that key (every shipped bank) is held to the bank's own schema.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from culturebench.generate.spec import Spec, SpecError
from culturebench.items import DilemmaSchema, ItemError, load_dilemmas, validate_dilemma
from culturebench.resources import dataset_dir

EXTENSION_KEY = "schema_extension"
EXTENSION_FIELDS = ("domains", "categories")


def extend_schema(schema: DilemmaSchema, extension: dict[str, list[str]] | None) -> DilemmaSchema:
    """`schema` with the extension's domains and categories added after its own (values it holds are kept once)."""
    if not extension:
        return schema
    more = {f: tuple(v for v in extension.get(f, ()) if v not in getattr(schema, f)) for f in EXTENSION_FIELDS}
    return dataclasses.replace(schema, **{f: (*getattr(schema, f), *more[f]) for f in EXTENSION_FIELDS})


@dataclass(frozen=True)
class Bank:
    """A binary dilemma bank: its schema (fields, poles; the first pole is scored) and its data files, laid out
    one of two ways. With `splits`, one file per split (`data/<split>.jsonl`), and a new item goes to the split
    of its cell that holds fewest, so the splits stay stratified. Without, one file per category
    (`data/<category in lower case>.jsonl`, each a config of the card), and a new item goes to its category's."""

    name: str
    schema: DilemmaSchema
    splits: tuple[str, ...] = ()

    @property
    def pole(self) -> str:
        return self.schema.poles[0]

    @property
    def per_category(self) -> bool:
        return not self.splits

    def validate(self, row: object, where: str) -> dict:
        return validate_dilemma(row, where, self.schema)

    def folder(self) -> Path:
        return dataset_dir(self.name)

    def extended(self, extension: dict[str, list[str]] | None) -> Bank:
        """This bank with extra domains and categories allowed (a spec's `extend`)."""
        return dataclasses.replace(self, schema=extend_schema(self.schema, extension))

    def schema_of(self, folder: Path) -> DilemmaSchema:
        """The schema `folder` is held to: the bank's, extended by what the folder's card records."""
        from culturebench.cards import card_header

        extension = card_header(folder).get(EXTENSION_KEY)
        if extension is not None and not (
            isinstance(extension, dict)
            and set(extension) <= set(EXTENSION_FIELDS)
            and all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in extension.values())
        ):
            raise ItemError(f"{folder}/README.md: {EXTENSION_KEY!r} must map {EXTENSION_FIELDS} to lists of values")
        return extend_schema(self.schema, extension)

    def file_key(self, category: str) -> str:
        """The data file (stem) that holds a category's items in the per-category layout."""
        return category.lower()

    def data_file(self, folder: Path, key: str) -> Path:
        return Path(folder) / "data" / f"{key}.jsonl"

    def items(self, folder: Path | None = None) -> dict[str, list[dict]]:
        """{split or category file: its items}, from `folder` or the packaged copy, validated against the
        folder's schema; in the per-category layout every file holds its own category only."""
        folder = Path(folder or self.folder())
        schema = self.schema_of(folder)
        if self.splits:
            out = {s: load_dilemmas([self.data_file(folder, s)], schema) for s in self.splits}
        else:
            files = sorted((folder / "data").glob("*.jsonl"))
            if not files:
                raise ItemError(f"{folder}/data: no data files")
            out = {path.stem: load_dilemmas([path], schema) for path in files}
            for key, rows in out.items():
                stray = next((r for r in rows if self.file_key(r[schema.category]) != key), None)
                if stray:
                    home = self.file_key(stray[schema.category])
                    raise ItemError(f"{self.data_file(folder, key)}: id {stray['id']!r} has {schema.category} "
                                    f"{stray[schema.category]!r}; it belongs in data/{home}.jsonl")  # fmt: skip
        twice = [i for i, n in Counter(r["id"] for rows in out.values() for r in rows).items() if n > 1]
        if twice:
            raise ItemError(f"{folder}/data: ids used in two files: {sorted(twice)}")
        return out


def bank(name: str) -> Bank:
    """The growable bank called `name`, from the benchmark registry."""
    from culturebench.benchmarks import BENCHMARKS

    banks = {b.name: b for benchmark in BENCHMARKS for b in benchmark.growable}
    if name not in banks:
        raise ValueError(f"no generation support for bank {name!r}; known: {', '.join(banks)}")
    return banks[name]


def spec_bank(spec: Spec) -> Bank:
    """The bank `spec` grows, with the domains and categories its `extend` declares; SpecError when a cell asks
    for a value that neither the bank nor `extend` holds (every draft of it would fail the validator)."""
    target = bank(spec.bank).extended(spec.extend)
    schema = target.schema
    for cell in spec.cells():
        for key, allowed, name in ((schema.category, schema.categories, "categories"),
                                   ("domain", schema.domains, "domains")):  # fmt: skip
            value = cell.context.get(key)
            if value is not None and value not in allowed:
                raise SpecError(
                    f"{spec.path}: cell {cell.name!r} has {key} {value!r}, which bank {spec.bank} does not hold "
                    f"({', '.join(allowed)}); declare it under extend: {{{name}: [...]}}"
                )
    return target
