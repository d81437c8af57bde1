"""The six Hofstede dimensions, in the project's canonical order."""

from __future__ import annotations

DIMENSIONS: tuple[str, ...] = ("PDI", "IDV", "MAS", "UAI", "LTO", "IVR")

DIMENSION_NAMES: dict[str, str] = {
    "PDI": "Power distance",
    "IDV": "Individualism",
    "MAS": "Masculinity (achievement vs care)",
    "UAI": "Uncertainty avoidance",
    "LTO": "Long-term orientation",
    "IVR": "Indulgence vs restraint",
}


def check_dimension(dimension: str) -> str:
    """Canonical upper-case code, or a ValueError naming the valid ones."""
    code = dimension.upper()
    if code not in DIMENSIONS:
        raise ValueError(f"unknown Hofstede dimension {dimension!r}; valid: {', '.join(DIMENSIONS)}")
    return code
