"""Layer search (seed 002, §3.3 "Layer-selection heuristics", §4.3): where does a vector move the model?

For each decoder layer on its own, the layer's vector is added at a few alphas and p(positive) is
measured on held-out steer dilemmas, both option orders, read exactly as the benchmark reads them:
the log-likelihoods of the continuations " A" and " B" (lm-eval's `target_delimiter` plus the
letter; the bare letter under a chat template), encoded as lm-eval's HF backend encodes them,
softmaxed by `metrics.dilemma_score_row`, the two orders averaged by `scoring.combine_orders`.

The effect of a layer is its slope: the least-squares change of p(positive) per unit alpha over the
alpha grid (alpha = 0, the unsteered model, always included). The seed keeps the four layers with
the largest shift toward the positive pole and steers them together; `top_layers` ranks by the
signed slope and keeps only layers that push toward the positive pole and, with `min_shift`, whose
shift at the largest alpha reaches that threshold (so it may hold fewer than k, or none).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from culturebench.benchmarks.wvs.metrics import dilemma_score_row
from culturebench.prompts import LETTERS
from culturebench.runs import RunFileError, append_json_lines, read_json_lines
from culturebench.scoring import combine_orders
from culturebench.stats import DEFAULT_SEED, percentile_interval
from culturebench.steering.base import DEFAULT_ALPHAS, DEFAULT_TOP_K
from culturebench.steering.hooks import steering
from culturebench.steering.logliks import continuation_logliks
from culturebench.steering.vectors import SteeringVectors


def doc_request(tokenizer, doc: dict) -> tuple[str, tuple[str, ...]]:
    """(context, continuations) lm-eval scores for a dilemma document (chat template or not)."""
    if doc.get("chat_template"):
        context = tokenizer.apply_chat_template(
            [{"role": "user", "content": doc["prompt"]}], tokenize=False, add_generation_prompt=True
        )
        return context, LETTERS  # lm-eval drops target_delimiter under a chat template
    return doc["prompt"], tuple(" " + letter for letter in LETTERS)


def score_documents(
    model, tokenizer, docs: Sequence[dict], batch_size: int = 16, progress: bool = False, desc: str = "scoring"
) -> pd.DataFrame:
    """Score rows (`metrics.dilemma_score_row`) of dilemma documents, one per document and order."""
    requests = [doc_request(tokenizer, d) for d in docs]
    logliks = continuation_logliks(model, tokenizer, requests, batch_size=batch_size, progress=progress, desc=desc)
    return pd.DataFrame([dilemma_score_row(d, ll) for d, ll in zip(docs, logliks)])


def steered_scores(
    model,
    tokenizer,
    vectors: SteeringVectors | Mapping[int, torch.Tensor],
    layers: Sequence[int],
    alpha: float,
    docs: Sequence[dict],
    batch_size: int = 16,
    progress: bool = False,
) -> pd.DataFrame:
    """Order-averaged p(positive) per dilemma with alpha * v added at all `layers` together."""
    with steering(model, vectors, alpha, layers):
        rows = score_documents(model, tokenizer, docs, batch_size, progress, desc=f"alpha={alpha:g}")
    return combine_orders(rows, value="p_positive")


STEPS_FORMAT = "culturebench-layer-search"
STEP_COLUMNS = ["item_id", "item", "p_positive"]


class SweepSteps:
    """The finished (layer, alpha) steps of one layer search, appended as each finishes, so a killed sweep resumes.

    The file's first line names the sweep (`identity`: what decides the numbers, e.g. the model's files or commit,
    the vectors' digest, the dilemmas and their prompt text, template, device, dtype); a file of another sweep is
    refused, never mixed. Alphas and layers are not part of it: a rerun with more of
    them reuses the steps already done. The unsteered scores are the step (None, 0.0).
    """

    def __init__(self, path: Path, identity: Mapping[str, object]) -> None:
        self.path = Path(path)
        self.header = json.loads(json.dumps({"format": STEPS_FORMAT, **identity}))  # as it reads back
        self.done: dict[tuple[int | None, float], pd.DataFrame] = {}
        for i, row in enumerate(read_json_lines(self.path, "sweep step")):
            if i == 0:
                if row != self.header:
                    other = sorted(k for k in {*row, *self.header} if row.get(k) != self.header.get(k))
                    raise FileExistsError(f"{self.path} holds a layer search with other {', '.join(other)}; "
                                          "choose a new --output or pass --overwrite")  # fmt: skip
                continue
            try:
                key = (None if row["layer"] is None else int(row["layer"]), float(row["alpha"]))
                self.done[key] = pd.DataFrame(row["scores"], columns=STEP_COLUMNS)
            except (KeyError, TypeError, ValueError) as e:
                raise RunFileError(f"{self.path}: line {i + 1} is not a sweep step ({e})") from e

    def get(self, layer: int | None, alpha: float) -> pd.DataFrame | None:
        return self.done.get((layer, float(alpha)))

    def add(self, layer: int | None, alpha: float, combined: pd.DataFrame) -> None:
        """Append one step's order-averaged scores (flushed at once: a later kill cannot lose it)."""
        scores = [[str(r.item_id), str(r.item), float(r.p_positive)] for r in combined[STEP_COLUMNS].itertuples()]
        step = {"layer": layer, "alpha": float(alpha), "scores": scores}
        append_json_lines(self.path, [step], "sweep step", header=self.header)
        self.done[(layer, float(alpha))] = pd.DataFrame(scores, columns=STEP_COLUMNS)


def item_balanced_mean(combined: pd.DataFrame) -> float:
    """Mean over map items of the mean p(positive) of their dilemmas (each item weighs the same, as on the map)."""
    return float(combined.groupby("item")["p_positive"].mean().mean())


@dataclass(frozen=True)
class LayerSearch:
    """The curve of a layer search and the layers it picks.

    curve: one row per (layer, alpha): p_positive (item-balanced), shift from alpha = 0, n_dilemmas.
    slopes: one row per layer: slope (d p_positive / d alpha, least squares) and its bootstrap CI,
        shift at the largest alpha, whether p_positive is monotone non-decreasing in alpha, and
        whether the layer qualifies (slope > 0 and shift at the largest alpha >= min_shift).
    scores: order-averaged p_positive per (layer, alpha, dilemma), for CIs and entanglement.
    """

    curve: pd.DataFrame
    slopes: pd.DataFrame
    top_layers: list[int]
    baseline: float
    alphas: tuple[float, ...]
    scores: pd.DataFrame
    top_k: int = DEFAULT_TOP_K
    min_shift: float = 0.0

    def to_dict(self) -> dict:
        return {
            "alphas": list(self.alphas),
            "baseline_p_positive": self.baseline,
            "top_layers": list(self.top_layers),
            "top_k": self.top_k,
            "min_shift": self.min_shift,
            "slopes": self.slopes.to_dict(orient="records"),
            "curve": self.curve.to_dict(orient="records"),
        }


def _check_alphas(alphas: Sequence[float]) -> tuple[float, ...]:
    grid = tuple(sorted({0.0, *(float(a) for a in alphas)}))
    if len(grid) < 2:
        raise ValueError("the layer search needs at least one alpha besides 0")
    if not all(np.isfinite(grid)):
        raise ValueError(f"alphas must be finite, got {list(alphas)}")
    return grid


def _slope(alphas: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Least-squares slope of each row of p [draws, alphas] on alphas."""
    centred = alphas - alphas.mean()
    return (p - p.mean(axis=1, keepdims=True)) @ centred / float(centred @ centred)


def slope_interval(scores: pd.DataFrame, alphas: Sequence[float], n_boot: int, seed: int) -> tuple[float, float]:
    """Percentile CI of one layer's slope, resampling dilemmas within each map item (paired across alphas)."""
    if n_boot <= 0:
        return math.nan, math.nan
    wide = scores.pivot_table(index=["item", "item_id"], columns="alpha", values="p_positive").reindex(columns=alphas)
    rng = np.random.default_rng(seed)
    per_item = []
    for _, g in wide.groupby(level="item"):
        values = g.to_numpy(dtype=float)  # [dilemmas, alphas]
        per_item.append(values[rng.integers(0, len(values), size=(n_boot, len(values)))].mean(axis=1))
    draws = _slope(np.asarray(alphas, dtype=float), np.mean(per_item, axis=0))
    low, high = percentile_interval(draws)
    return float(low), float(high)


def layer_search(
    model,
    tokenizer,
    vectors: SteeringVectors,
    docs: Sequence[dict],
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    layers: Sequence[int] | None = None,
    top_k: int = DEFAULT_TOP_K,
    batch_size: int = 16,
    progress: bool = False,
    n_boot: int = 1000,
    seed: int = DEFAULT_SEED,
    min_shift: float = 0.0,
    steps: SweepSteps | None = None,
) -> LayerSearch:
    """Steer one layer at a time at each alpha; p(positive) on `docs` (both orders of each dilemma).

    The slope's CI (n_boot resamples of dilemmas within items) says whether a layer's effect is
    more than the noise of the held-out set; the ranking uses the point slope. `min_shift` (a change
    of p(positive), the seed's "threshold") bars layers whose shift at the largest alpha falls short.
    With `steps`, finished steps are read from and appended to that file (a rerun resumes).
    """
    from tqdm.auto import tqdm

    grid = _check_alphas(alphas)
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1, got {top_k}")
    if not 0 <= min_shift < 1:
        raise ValueError(f"min_shift is a change of p(positive) in [0, 1), got {min_shift}")
    if min_shift > 0 and grid[-1] <= 0:
        raise ValueError("min_shift is read at the largest alpha, so the grid needs a positive alpha")
    layers = list(range(vectors.n_layers)) if layers is None else sorted(set(layers))
    for layer in layers:
        vectors.layer(layer)  # range check before any forward pass
    if not docs:
        raise ValueError("no documents to search layers on")
    ids = sorted({d["item_id"] for d in docs})

    def step(layer: int | None, alpha: float) -> pd.DataFrame:
        """One step's order-averaged scores: from `steps` when done before, else computed (and recorded)."""
        done = steps.get(layer, alpha) if steps is not None else None
        if done is not None:
            if sorted(done["item_id"]) != ids:
                raise RunFileError(f"{steps.path}: step layer {layer}, alpha {alpha:g} scored other dilemmas")
            return done
        if layer is None:
            rows = score_documents(model, tokenizer, docs, batch_size, desc="alpha=0")
            combined = combine_orders(rows, value="p_positive")
        else:
            combined = steered_scores(model, tokenizer, vectors, [layer], alpha, docs, batch_size)
        if steps is not None:
            steps.add(layer, alpha, combined)
        return combined[STEP_COLUMNS]

    base = step(None, 0.0)
    parts = []
    jobs = [(layer, a) for layer in layers for a in grid if a != 0.0]
    for layer, alpha in tqdm(jobs, desc="layer search", disable=not progress):
        parts.append(step(layer, alpha).assign(layer=layer, alpha=alpha))
    parts += [base.assign(layer=layer, alpha=0.0) for layer in layers]
    keep = ["layer", "alpha", "item_id", "item", "p_positive"]
    scores = pd.concat(parts, ignore_index=True)[keep].sort_values(["layer", "alpha", "item_id"], ignore_index=True)
    baseline = item_balanced_mean(base)
    curve = (
        scores.groupby(["layer", "alpha"])
        .apply(
            lambda g: pd.Series({"p_positive": item_balanced_mean(g), "n_dilemmas": g["item_id"].nunique()}),
            include_groups=False,
        )
        .reset_index()
    )
    curve["shift"] = curve["p_positive"] - baseline
    curve["n_dilemmas"] = curve["n_dilemmas"].astype(int)
    rows = []
    for layer, g in curve.groupby("layer"):
        g = g.sort_values("alpha")
        low, high = slope_interval(scores[scores["layer"] == layer], grid, n_boot, seed)
        rows.append(
            {
                "layer": int(layer),
                "slope": _slope(np.asarray(grid), g["p_positive"].to_numpy()[None, :])[0],
                "slope_ci_low": low,
                "slope_ci_high": high,
                "shift_at_max_alpha": float(g["shift"].iloc[-1]),
                "monotonic": bool(np.all(np.diff(g["p_positive"].to_numpy()) >= 0)),
            }
        )
    slopes = pd.DataFrame(rows)
    slopes["qualifies"] = (slopes["slope"] > 0) & (slopes["shift_at_max_alpha"] >= min_shift)
    ranked = slopes[slopes["qualifies"]].sort_values(["slope", "layer"], ascending=[False, True])
    top = sorted(int(x) for x in ranked["layer"].head(top_k))
    curve = curve[["layer", "alpha", "p_positive", "shift", "n_dilemmas"]]
    return LayerSearch(curve, slopes, top, baseline, grid, scores, top_k, float(min_shift))
