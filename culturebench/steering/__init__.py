"""Activation steering of any decoder model (seed 002, §3.3-§4.5): vectors and hooks.

- `vectors`: last-token activations of contrast pairs at every decoder layer; mean-difference and
  first-principal-component directions; the `SteeringVectors` file with its provenance.
- `hooks`: h' = h + alpha * v on chosen decoder layers' outputs, and lm-eval's `--model steered` file.
- `base`: the torch-free pieces (ContrastPair, methods, defaults), so building the CLI parser does not
  import torch.

This package knows models, not benchmarks. What steers along the cultural map lives in the WVS
benchmark: `benchmarks.wvs.steering` (which dilemmas, contrast texts, held-out split),
`benchmarks.wvs.steer_search` (layer search on p(positive)), `benchmarks.wvs.entanglement` and
`benchmarks.wvs.steer_cli` (`culturebench steer train|sweep`).
"""
