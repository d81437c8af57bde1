"""Fits the shipped map projectors on the Wave 7 country aggregates and writes projector.json.

    python generation/wvs/fit_projector.py

Prints and stores each projector's leave-one-country-out error (RMSE, R², distance quantiles).
"""

from __future__ import annotations

import json

import numpy as np

from culturebench.benchmarks.wvs.map import (
    AXES,
    WVS_REFERENCE,
    fit_projector,
    leave_one_out,
    r_squared,
    reference_items,
)
from culturebench.files import write_text
from culturebench.resources import dataset_dir


def main() -> None:
    frame = reference_items()
    out = {"fitted_on": f"{len(frame)} WVS Wave 7 societies with all ten items and an official map point",
           "projectors": {}}  # fmt: skip
    for kind in ("items", "shares"):
        projector = fit_projector(frame, kind)
        loo = leave_one_out(frame, kind)
        stats = {a: {"loo_rmse": float(np.sqrt(((loo[f"pred_{a}"] - loo[a]) ** 2).mean())),
                     "loo_r2": r_squared(loo[f"pred_{a}"], loo[a])} for a in AXES}  # fmt: skip
        stats["distance"] = {q: float(loo["distance"].quantile(v)) for q, v in
                             (("median", 0.5), ("p90", 0.9), ("max", 1.0))}  # fmt: skip
        stats["within_0.15"] = float((loo["distance"] <= 0.15).mean())
        out["projectors"][kind] = {
            part: {a: {"intercept": f.intercept, "weights": dict(f.weights)} for a, f in fits.items()}
            for part, fits in (("full", projector.full), ("axis_only", projector.axis_only))
        } | {
            "leave_one_out": stats,
        }
        print(kind, json.dumps(stats, indent=1))
    path = dataset_dir(WVS_REFERENCE) / "data" / "projector.json"
    write_text(path, json.dumps(out, indent=2) + "\n")
    print(path)


if __name__ == "__main__":
    main()
