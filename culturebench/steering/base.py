"""Torch-free definitions shared by the steering modules, the WVS contrast pairs and the CLI.

Kept apart so that `culturebench --help` and the dataset code do not import torch.
"""

from __future__ import annotations

from dataclasses import dataclass

METHODS: tuple[str, ...] = ("meandiff", "pca")
DEFAULT_ALPHAS: tuple[float, ...] = (0.0, 0.1, 0.2, 0.4)  # the seed caps alpha at 0.4 (seed 002, Appendix A)
DEFAULT_TOP_K = 4  # the seed steers the four layers with the largest shift (§3.3)


@dataclass(frozen=True)
class ContrastPair:
    """One context ended on the positive pole and on the negative pole; `id` names its source item."""

    id: str
    positive: str
    negative: str


def alpha_name(alpha: float) -> str:
    """Folder and file stem of one alpha: alpha_0, alpha_0.2, alpha_-0.1."""
    return f"alpha_{alpha:g}"
