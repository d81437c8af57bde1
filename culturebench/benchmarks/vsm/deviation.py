"""Deviation ratio (Sukiennik et al., seed 003, equation 1).

    DR = mean_d |GT_d - mean GT_d|  /  mean_i Difference_i

The numerator is how far a country's ground truth sits from the global average culture; the
denominator is the model's mean difference from that ground truth. A model that just answers the
global average for every country gets DR = 1 exactly; a model that matches the ground truth
perfectly divides by zero, which is reported as unbounded (inf), not as an error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

# Differences below this (0-100 score points) are floating-point noise: the match is perfect.
PERFECT_MATCH = 1e-9


def ratio_or_unbounded(numerator: float, difference: float) -> float:
    """numerator / difference, or inf where the difference is zero up to floating-point noise."""
    return math.inf if difference <= PERFECT_MATCH else numerator / difference


def mean_abs_difference(model: Mapping[str, float], truth: Mapping[str, float]) -> float:
    """Mean over dimensions of |model_d - truth_d|, over the dimensions both hold."""
    dims = [d for d in truth if d in model]
    if not dims:
        raise ValueError("model and ground truth share no dimension")
    return sum(abs(model[d] - truth[d]) for d in dims) / len(dims)


def deviation_ratio(
    truth: Mapping[str, float],
    global_average: Mapping[str, float],
    differences: Sequence[float],
) -> float:
    """Seed 003 equation 1.

    truth: the country's ground truth per dimension; global_average: the mean ground truth per
    dimension over the countries studied; differences: the model's difference from the ground
    truth for each trial (seed 003: three samples; here usually one value per prompt condition).
    """
    dims = list(truth)
    missing = [d for d in dims if d not in global_average]
    if missing:
        raise ValueError(f"global average lacks dimensions {missing}")
    if not differences:
        raise ValueError("deviation_ratio needs at least one difference")
    numerator = sum(abs(truth[d] - global_average[d]) for d in dims) / len(dims)
    return ratio_or_unbounded(numerator, sum(differences) / len(differences))
