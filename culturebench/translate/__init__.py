"""Machine translation of item banks: protected slots, a resumable cache, back-translation checks.

`culturebench translate` (translate.cli) runs `pipeline.translate_dataset`: the source rows' text fields are
masked (protect), translated by one engine (engines) through an append-only cache (cache), restored and
checked, back-translated and scored with chrF (quality), and written as one config per language (output).
"""
