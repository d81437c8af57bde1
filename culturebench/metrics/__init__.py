"""Metrics of every CultureBench benchmark, each defined once and used by tasks and reports."""
