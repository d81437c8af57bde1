"""Synthetic runs with known answers, for the leaderboard's tests and its scale benchmark.

A `Respondent` answers every document of the Hofstede persona dilemmas, the WVS dilemmas (no persona
and seed 002's four persona countries) and five country roles of the VSM `aligned` condition. On the
dilemmas its probabilities follow the ground truth with weight `skill` (1: the truth, 0: a country-level
whim); `letter_only` always picks the first option (the foundation tests' letter-only respondent). VSM
answers are pseudo-random. `write_run` writes the lm-eval files and the run's report through the real
`culturebench report` code, so the runs are ordinary run folders. It lives with the tests because it
names the benchmarks' tasks and reads their documents (benchmarks/leaderboard_scale.py imports it too).
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from culturebench.benchmarks.hofstede.documents import hofstede_documents
from culturebench.benchmarks.vsm.survey import vsm_documents
from culturebench.benchmarks.wvs.documents import WVS_DOMAINS, dilemma_documents
from culturebench.benchmarks.wvs.map import map_positions
from culturebench.benchmarks.wvs.report import ARROW_COUNTRIES
from culturebench.countries import hofstede_scores
from culturebench.dimensions import DIMENSIONS
from culturebench.report.build import write_report

STAMP = "2026-12-03T10-00-00.000000"
VSM_CONDITION = "aligned"
VSM_BLOCKS = 5  # country roles of the VSM condition answered (24 items each)


@dataclass(frozen=True)
class Respondent:
    """How a synthetic model answers: skill in [0, 1] towards the truth, or always the first option."""

    name: str
    skill: float = 1.0
    letter_only: bool = False
    seed: int = 0

    def _noise(self, key: str, scale: float) -> float:
        """A fixed pseudo-random offset in [-scale, scale] per (respondent, document)."""
        return scale * (2 * (zlib.crc32(f"{self.seed}:{key}".encode()) / 0xFFFFFFFF) - 1)

    def choice_probs(self, task: str, doc: dict, n_choices: int) -> list[float]:
        """Probabilities over the document's options (index order)."""
        if self.letter_only:
            return [1.0] + [0.0] * (n_choices - 1)
        key = f"{task}:{doc.get('item_id')}:{doc.get('country')}:{doc.get('order')}"
        if "high_index" in doc:  # Hofstede: p(high pole) follows the country's score
            truth = hofstede_scores(doc["dimension"]).get(doc["country"], 50.0) / 100
            chance = 0.5 + self._noise(f"{doc['dimension']}:{doc['country']}", 0.3)  # a country-level whim
            p = self.skill * truth + (1 - self.skill) * chance + self._noise(key, 0.05)
            return _two(p, doc["high_index"])
        if "positive_index" in doc:  # WVS: p(positive pole) leans to the persona country's side of the axis
            official = _official().get(doc["country"], {}).get(doc["axis"], 0.3)
            p = 1 / (1 + math.exp(-self.skill * 1.5 * official)) + self._noise(key, 0.05)
            return _two(p, doc["positive_index"])
        weights = [math.exp(self.skill * self._noise(f"{key}:{i}", 2.0)) for i in range(n_choices)]  # VSM
        return [w / sum(weights) for w in weights]


def _two(p: float, index: int) -> list[float]:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return [p, 1 - p] if index == 0 else [1 - p, p]


@cache
def _official() -> dict[str, dict[str, float]]:
    frame = map_positions().set_index("alpha2")
    return {c: {"trad_secular": r["trad_secular"], "surv_selfexp": r["surv_selfexp"]} for c, r in frame.iterrows()}


@cache
def _documents() -> dict[str, tuple[list[dict], int]]:
    """{task: (documents, options per document)} of the synthetic runs (a fixed subset, for speed)."""
    docs: dict[str, tuple[list[dict], int]] = {}
    for dim in DIMENSIONS:
        docs[f"culturebench_hofstede_{dim.lower()}"] = (hofstede_documents(dim, "basic"), 2)
    for domain in WVS_DOMAINS:
        for persona in ("none", "basic"):
            rows = dilemma_documents(domain, persona)
            keep = [d for d in rows if persona == "none" or d["country"] in ARROW_COUNTRIES]
            docs[f"culturebench_wvs_{domain}_{persona}"] = (keep, 2)
    docs[f"culturebench_vsm_{VSM_CONDITION}"] = (vsm_documents(VSM_CONDITION)[: 24 * VSM_BLOCKS], 5)
    return docs


def write_run(folder: Path, respondent: Respondent, n_boot: int = 100) -> Path:
    """A run folder (lm-eval samples + results file) answered by `respondent`, with its report; returns it."""
    samples = folder / "lm_eval" / "model"
    samples.mkdir(parents=True, exist_ok=True)
    for task, (docs, n_choices) in _documents().items():
        lines = []
        for i, doc in enumerate(docs):
            probs = respondent.choice_probs(task, doc, n_choices)
            ll = [str(math.log(max(p, 1e-9))) for p in probs]
            lines.append(json.dumps({"doc_id": i, "doc": doc, "filtered_resps": [[x, False] for x in ll]}))
        (samples / f"samples_{task}_{STAMP}.jsonl").write_text("\n".join(lines) + "\n")
    results = {"model_name": respondent.name, "config": {"model": "hf", "model_args": f"pretrained={respondent.name}"}}
    (samples / f"results_{STAMP}.json").write_text(json.dumps(results))
    write_report(folder, n_boot=n_boot)
    return folder
