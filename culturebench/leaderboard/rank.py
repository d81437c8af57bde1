"""Rankings from the results table: per headline metric, per benchmark, and overall, with ties where CIs overlap.

The numbers are the ones each benchmark declares as its headline (`Benchmark.headline`, collected by
`collect`); this module only orders them. The method, as the app prints it, is `METHOD`.
"""

from __future__ import annotations

import math

import pandas as pd

from culturebench.model_registry import find_model

OVERALL = "overall"
SIZE_BINS = ((10.0, "under 10B"), (100.0, "10-100B"), (math.inf, "100B and over"))
UNKNOWN = "unknown"
DIGITS = 9  # values and scores are compared rounded to this many decimals: float noise never splits a tie

METHOD = """**How the ranking works.**
- *Per metric*: models are ordered by the benchmark's headline number in its declared direction. Where the
  number has a 95% CI, ties follow the CIs: the best model leads rank group 1 and every following model whose
  CI overlaps the leader's CI joins that group; the first model that does not overlap leads the next group.
  A group's rank is the position of its leader (1, 1, 1, 4, ...). Without CIs only equal values tie.
- *Undefined numbers* (e.g. a correlation over constant answers) are never ranked: they are listed last with
  no rank, and count as rank n (last place) in the scores below.
- *Per benchmark*: the mean of the position score (n - rank) / (n - 1), n the models scored on that metric (1 =
  first, 0 = last; a lone model scores 1, or 0 when its number is undefined), over the ranked metrics that every
  scored model of the benchmark reports. A run that reports only part of what another run of the benchmark made
  with the same culturebench version reports (e.g. one Hofstede dimension) is *partial*: it is ranked on each
  metric it has, but gets no benchmark or overall score for that benchmark, so it never narrows or reorders the
  others' scores. Runs of different versions (one may report a metric the other's version did not have) are
  scored on the metrics they share.
- *Overall*: the mean of the benchmark scores over the benchmarks the model was run on (how many is shown);
  a benchmark a model was not run on is missing, not zero.
- Metrics that describe where a model sits rather than how well it does (a benchmark marks them, e.g. map
  positions) are shown but not ranked. Runs scored on other dataset versions, runs made with `--limit` (part of
  the items) and demo runs are shown, marked, and never ranked.
- Ranks are recomputed among the models the filters keep."""


def rank_metric(rows: pd.DataFrame) -> pd.DataFrame:
    """One metric's rows (one per run) -> the same rows ordered best first with `rank` and `tied` (CI overlap).

    rank is None for an undefined value. See METHOD for the rule. Runs that disagree on the direction are refused.
    """
    directions = rows["higher_is_better"].astype(bool).unique()
    if len(directions) > 1:
        where = "/".join(str(rows[c].iloc[0]) for c in ("benchmark", "metric") if c in rows) or "a metric"
        raise ValueError(f"{where}: runs disagree on higher_is_better (collected with different culturebench "
                         "versions?); collect them again with one version")  # fmt: skip
    higher = bool(directions[0]) if len(directions) else True
    defined = rows[pd.to_numeric(rows["value"]).notna()]
    undefined = rows.drop(defined.index)
    ordered = defined.assign(_key=defined["value"].round(DIGITS))
    ordered = ordered.sort_values("_key", ascending=not higher, kind="stable").drop(columns="_key")
    ranks: list[int] = []
    leader = None
    for position, (_, row) in enumerate(ordered.iterrows(), start=1):
        if leader is None or not _same_group(leader, row):
            leader, leader_rank = row, position
        ranks.append(leader_rank)
    counts = pd.Series(ranks).value_counts()
    tied = [counts[r] > 1 for r in ranks]
    out = pd.concat([ordered.assign(rank=ranks, tied=tied), undefined.assign(rank=None, tied=False)])
    return out.reset_index(drop=True)


def _same_group(leader: pd.Series, row: pd.Series) -> bool:
    """Tied with the group's leader: CIs overlap, or (without CIs) the same value."""
    bounds = [leader["ci_low"], leader["ci_high"], row["ci_low"], row["ci_high"]]
    if any(b is None or math.isnan(b) for b in bounds):
        return round(row["value"], DIGITS) == round(leader["value"], DIGITS)
    return row["ci_high"] >= leader["ci_low"] and row["ci_low"] <= leader["ci_high"]


def eligible(table: pd.DataFrame) -> pd.DataFrame:
    """The rows that may be ranked: current dataset versions, complete runs (no --limit, not a demo), metrics not
    marked descriptive (`ranked` false)."""
    return table[table["current_datasets"] & table["complete"] & table["ranked"]]


def partial_runs(rows: pd.DataFrame) -> dict[str, str]:
    """{run: 'k of n metrics'} for the runs of one benchmark whose ranked metrics are a strict subset of another
    run's of the same culturebench version (see METHOD); `rows` are the benchmark's eligible rows."""
    sets = rows.groupby("run")["metric"].agg(frozenset)
    version = rows.groupby("run")["culturebench_version"].first()
    out = {}
    for run, mine in sets.items():
        same = [other for name, other in sets.items() if version[name] == version[run]]
        fuller = max((other for other in same if mine < other), key=len, default=None)
        if fuller is not None:
            out[str(run)] = f"{len(mine)} of {len(fuller)} metrics"
    return out


def scored_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows benchmark scores are made of: eligible rows, without partial runs, on the metrics every remaining
    run of the benchmark reports (see METHOD)."""
    parts = []
    for _, rows in eligible(table).groupby("benchmark", sort=False):
        rows = rows[~rows["run"].isin(partial_runs(rows))]
        runs = rows["run"].nunique()
        parts.append(rows[rows.groupby("metric")["run"].transform("nunique") == runs])
    return pd.concat(parts) if parts else table.iloc[:0]


def position_scores(table: pd.DataFrame) -> pd.DataFrame:
    """run x (benchmark, metric) position score in [0, 1] over `scored_rows`; an undefined value takes last place
    (0, also when it is the only run)."""
    parts = []
    for _, rows in scored_rows(table).groupby(["benchmark", "metric"], sort=False):
        ranked = rank_metric(rows)
        n = len(ranked)
        rank = pd.to_numeric(ranked["rank"], errors="coerce")
        score = (n - rank.fillna(n)) / (n - 1) if n > 1 else rank.notna().astype(float)  # undefined: last place
        parts.append(ranked[["run", "benchmark", "metric"]].assign(score=score.astype(float)))
    if not parts:
        return pd.DataFrame(columns=["run", "benchmark", "metric", "score"])
    return pd.concat(parts, ignore_index=True)


def benchmark_ranking(table: pd.DataFrame, benchmark: str) -> pd.DataFrame:
    """One benchmark: a row per run with its score, tied rank, coverage (PARTIAL: see METHOD), and each headline
    metric as 'value [lo, hi] (#r)'."""
    rows = table[table["benchmark"] == benchmark]
    scores = position_scores(rows).groupby("run")["score"].mean()
    partial = partial_runs(eligible(rows))
    out = _runs(rows).assign(score=lambda f: f["run"].map(scores))
    out["coverage"] = out["run"].map(lambda run: f"PARTIAL: {partial[run]}" if run in partial else "")
    cells = {}
    for metric, group in rows.groupby("metric", sort=False):
        current = eligible(group)
        ranked = pd.concat([rank_metric(current), group.drop(current.index).assign(rank=None, tied=False)])
        cells[metric] = dict(zip(ranked["run"], ranked.apply(_cell, axis=1)))
    for metric, by_run in cells.items():
        out[metric] = out["run"].map(by_run).fillna("")
    return _order(out)


def overall_ranking(table: pd.DataFrame) -> pd.DataFrame:
    """A row per run: its benchmark scores, the overall score (their mean), the benchmarks covered, its rank."""
    scores = position_scores(table)
    per_bench = scores.groupby(["run", "benchmark"])["score"].mean().unstack("benchmark")
    out = _runs(table)
    for bench in per_bench.columns:
        out[bench] = out["run"].map(per_bench[bench]).round(3)
    out["benchmarks"] = out["run"].map(per_bench.notna().sum(axis=1)).fillna(0).astype(int)
    out["score"] = out["run"].map(per_bench.mean(axis=1))
    return _order(out)


def _runs(table: pd.DataFrame) -> pd.DataFrame:
    """One row per run: model, run id, registry facts, whether its datasets are current and it is complete."""
    runs = table.drop_duplicates("run")[["run", "entry", "model", "current_datasets", "stale_datasets", "complete",
                                         "incomplete"]]  # fmt: skip
    facts = pd.DataFrame([model_facts(m) for m in runs["model"]], index=runs.index)
    datasets = runs.apply(lambda r: "current" if r["current_datasets"] else f"OTHER VERSIONS: {r['stale_datasets']}",
                          axis=1)  # fmt: skip
    items = runs.apply(lambda r: "all" if r["complete"] else f"INCOMPLETE: {r['incomplete']}", axis=1)
    out = pd.concat([runs[["model", "run", "entry"]], facts], axis=1).assign(datasets=datasets, items=items)
    return out.reset_index(drop=True)


def _order(out: pd.DataFrame) -> pd.DataFrame:
    """Best score first; equal scores (to DIGITS decimals) share a rank; runs without a score (undefined, other
    datasets, incomplete, partial) last."""
    out = out.assign(score=out["score"].round(DIGITS))
    out = out.sort_values("score", ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    ranks = out["score"].rank(ascending=False, method="min")
    out.insert(0, "rank", ranks.map(lambda r: "" if pd.isna(r) else str(int(r))))
    out["score"] = out["score"].round(3)
    return out


def _cell(row: pd.Series) -> str:
    """'value [ci_low, ci_high] (#rank, tied)' as the rankings table shows one metric."""
    value = row["value"]
    if value is None or math.isnan(value):
        return "undefined"
    text = f"{value:.3f}"
    if row["ci_low"] is not None and not math.isnan(row["ci_low"]) and not math.isnan(row["ci_high"]):
        text += f" [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"
    if row.get("rank") is not None and not pd.isna(row.get("rank")):
        text += f" (#{int(row['rank'])}{'=' if row.get('tied') else ''})"
    return text


def size_bin(params_b: float | None) -> str:
    """A model size as one of SIZE_BINS' labels, or 'unknown'."""
    if params_b is None or math.isnan(params_b):
        return UNKNOWN
    return next(label for bound, label in SIZE_BINS if params_b < bound)


def model_facts(model: str) -> dict[str, object]:
    """Origin, organisation, size (billions and bin) from the model registry; 'unknown' where it has none."""
    info = find_model(model)
    params = info.params_b if info else None
    return {"origin": info.origin if info else UNKNOWN, "organisation": info.organisation if info else UNKNOWN,
            "params_b": params, "size": size_bin(params)}  # fmt: skip


def filter_runs(table: pd.DataFrame, origins=(), organisations=(), sizes=()) -> pd.DataFrame:
    """The table's rows whose model matches every given filter (an empty filter keeps all)."""
    facts = {m: model_facts(m) for m in table["model"].unique()}
    keep = table["model"].map(
        lambda m: (
            (not origins or facts[m]["origin"] in origins)
            and (not organisations or facts[m]["organisation"] in organisations)
            and (not sizes or facts[m]["size"] in sizes)
        )
    )
    return table[keep.astype(bool)]


def ranking(table: pd.DataFrame, benchmark: str = OVERALL, origins=(), organisations=(), sizes=()) -> pd.DataFrame:
    """The rankings tab: overall or one benchmark, among the runs the filters keep."""
    rows = filter_runs(table, origins, organisations, sizes)
    if rows.empty:
        return pd.DataFrame(columns=["rank", "model", "run", "origin", "organisation", "size", "score"])
    return overall_ranking(rows) if benchmark == OVERALL else benchmark_ranking(rows, benchmark)
