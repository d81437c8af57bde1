"""CultureBench: cultural-value item banks, lm-eval tasks and the metrics of four studies."""

__version__ = "0.1.0"
