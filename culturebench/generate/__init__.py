"""Growing an item bank with a model: a declarative spec per bank (generation/specs/), drafting through
culturebench.llm, automatic checks with reasons, a blind second pass, and the dataset builder."""
