"""Reports built from a finished run's lm-eval samples alone."""
