"""The banks a spec can grow: each one's row validator, scored pole and splits.

A benchmark declares the banks it lets `culturebench generate` grow (`Benchmark.growable`), so this module
knows none of them by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from culturebench.items import DilemmaSchema, load_dilemmas, validate_dilemma
from culturebench.resources import dataset_dir


@dataclass(frozen=True)
class Bank:
    """A binary dilemma bank: its schema (fields, poles; the first pole is scored) and its splits, one data file
    each (`data/<split>.jsonl`); a new item goes to the split of its cell that has fewest, so cells stay even."""

    name: str
    schema: DilemmaSchema
    splits: tuple[str, ...]

    @property
    def pole(self) -> str:
        return self.schema.poles[0]

    def validate(self, row: object, where: str) -> dict:
        return validate_dilemma(row, where, self.schema)

    def folder(self) -> Path:
        return dataset_dir(self.name)

    def split_file(self, folder: Path, split: str) -> Path:
        return Path(folder) / "data" / f"{split}.jsonl"

    def items(self, folder: Path | None = None) -> dict[str, list[dict]]:
        """{split: its items (validated)}, from `folder` or the packaged copy."""
        folder = folder or self.folder()
        return {s: load_dilemmas([self.split_file(folder, s)], self.schema) for s in self.splits}


def bank(name: str) -> Bank:
    """The growable bank called `name`, from the benchmark registry."""
    from culturebench.benchmarks import BENCHMARKS

    banks = {b.name: b for benchmark in BENCHMARKS for b in benchmark.growable}
    if name not in banks:
        raise ValueError(f"no generation support for bank {name!r}; known: {', '.join(banks)}")
    return banks[name]
