"""A killed layer search resumes from its steps file, gives the numbers of an uninterrupted one, and never mixes."""

from __future__ import annotations

import pandas as pd
import pytest

from culturebench.benchmarks.wvs.steer_search import SweepSteps, layer_search
from culturebench.runs import RunFileError

ALPHAS = (0.0, 0.2, 0.4)
IDENTITY = {"model": "planted", "vectors_digest": "sha256:abc", "chat_template": False, "dtype": "torch.float32"}


def _search(planted, steps: SweepSteps | None, layers=None):
    return layer_search(planted.model, planted.tokenizer, planted.vectors["meandiff"], planted.docs, ALPHAS,
                        layers=layers, top_k=1, n_boot=50, steps=steps)  # fmt: skip


class ForwardCounter:
    """Counts the model's forward passes (a hook on the real model, not a stand-in)."""

    def __init__(self, model) -> None:
        self.calls = 0
        self.handle = model.register_forward_pre_hook(self._count)

    def _count(self, module, args) -> None:
        self.calls += 1


def test_a_killed_sweep_resumes_with_the_same_numbers(tmp_path, planted):
    path = tmp_path / "steps.jsonl"
    counter = ForwardCounter(planted.model)
    try:
        whole = _search(planted, SweepSteps(path, IDENTITY))
        full_calls = counter.calls
        lines = path.read_text().splitlines(keepends=True)
        n_steps = 1 + len(whole.slopes) * (len(ALPHAS) - 1)  # the unsteered step, then layer x alpha
        assert len(lines) == 1 + n_steps

        # killed after the unsteered step and two more, in the middle of writing the next one
        path.write_text("".join(lines[:4]) + lines[4][: len(lines[4]) // 2])
        counter.calls = 0
        resumed = _search(planted, SweepSteps(path, IDENTITY))
        assert 0 < counter.calls < full_calls * (n_steps - 3) / n_steps + 1

        counter.calls = 0
        again = _search(planted, SweepSteps(path, IDENTITY))  # everything done: no forward pass at all
        assert counter.calls == 0
    finally:
        counter.handle.remove()
    for other in (resumed, again):
        pd.testing.assert_frame_equal(other.curve, whole.curve)
        pd.testing.assert_frame_equal(other.slopes, whole.slopes)
        assert other.top_layers == whole.top_layers == [planted.layer]
    assert len(path.read_text().splitlines()) == 1 + n_steps  # the torn step was cut off, redone once


def test_a_steps_file_belongs_to_one_sweep(tmp_path, planted):
    path = tmp_path / "steps.jsonl"
    _search(planted, SweepSteps(path, IDENTITY), layers=[planted.layer])
    with pytest.raises(FileExistsError, match="vectors_digest.*--overwrite"):
        SweepSteps(path, {**IDENTITY, "vectors_digest": "sha256:def"})
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0] + "not json\n" + "".join(lines[1:]))
    with pytest.raises(RunFileError, match="steps.jsonl:2"):
        SweepSteps(path, IDENTITY)
    path.write_text(lines[0] + '{"layer": 1}\n')
    with pytest.raises(RunFileError, match="line 2 is not a sweep step"):
        SweepSteps(path, IDENTITY)


def test_steps_of_other_dilemmas_are_refused(tmp_path, planted):
    path = tmp_path / "steps.jsonl"
    _search(planted, SweepSteps(path, IDENTITY), layers=[planted.layer])
    fewer = [d for d in planted.docs if d["item_id"] != planted.docs[0]["item_id"]]
    with pytest.raises(RunFileError, match="scored other dilemmas"):
        layer_search(planted.model, planted.tokenizer, planted.vectors["meandiff"], fewer, ALPHAS,
                     layers=[planted.layer], n_boot=0, steps=SweepSteps(path, IDENTITY))  # fmt: skip
