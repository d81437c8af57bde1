"""`culturebench steer evaluate`: lm-eval's steered model per alpha, checked against our own hooks, and the summary."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from culturebench.benchmarks.wvs.steer_eval import NONE_TASKS, item_shifts, markdown, moved, with_zero
from culturebench.runs import Run
from culturebench.steering.base import alpha_name
from tests.steering.test_cli import run


def test_alpha_zero_is_always_run():
    assert with_zero([0.4, 0.1]) == [0.0, 0.1, 0.4] and with_zero([0, -0.2]) == [-0.2, 0.0]
    assert alpha_name(0.0) == "alpha_0" and alpha_name(0.25) == "alpha_0.25" and alpha_name(-0.1) == "alpha_-0.1"


def test_item_shifts_are_paired_and_moved_needs_the_ci_past_the_threshold():
    ids = [f"A008-{k}" for k in range(6)] + [f"F063-{k}" for k in range(6)]
    items = ["A008"] * 6 + ["F063"] * 6
    base = pd.DataFrame({"item_id": ids, "item": items, "p_positive": [0.2, 0.4, 0.6, 0.3, 0.5, 0.7] * 2})
    # A008 moves up by exactly 0.1 on every dilemma; F063 by +0.3 on half and -0.3 on the other half
    steered = base.assign(p_positive=base["p_positive"] + ([0.1] * 6 + [0.3, -0.3] * 3))
    shifts = item_shifts(base, steered.sample(frac=1, random_state=1), n_boot=200)  # pairing is by id, not order
    assert shifts["A008"]["shift"] == pytest.approx(0.1) and shifts["A008"]["n"] == 6
    assert shifts["A008"]["ci_low"] == pytest.approx(0.1) and shifts["A008"]["ci_high"] == pytest.approx(0.1)
    assert shifts["F063"]["shift"] == pytest.approx(0.0) and shifts["F063"]["ci_low"] < 0 < shifts["F063"]["ci_high"]
    assert moved(shifts["A008"], 1.0, 0.05) and not moved(shifts["A008"], -1.0, 0.05)
    assert not moved(shifts["A008"], 1.0, 0.2) and not moved(shifts["F063"], 1.0, 0.05)


def test_undefined_entanglement_is_said_not_divided():
    summary = {"targeted_axis": "trad_secular", "target": "trad_secular", "model": "m", "vectors": "v.pt",
               "layers": [1], "tasks": list(NONE_TASKS), "threshold": 0.05,
               "alphas": {"0": {}, "0.4": {"entanglement": {"undefined": "no dilemmas scored both ways"},
                                           "moved": []}}}  # fmt: skip
    table = "\n".join(markdown(summary))
    assert "| 0.4 | - | - | undefined: no dilemmas scored both ways | - |" in table


def test_arguments_are_checked_before_any_model_loads(tmp_path, tiny_model):
    import torch

    from culturebench.steering.vectors import SteeringVectors

    vec = tmp_path / "v.pt"
    SteeringVectors(torch.zeros(2, 64), "meandiff", "F063", {"model": str(tiny_model)}).save(vec)
    with pytest.raises(ValueError, match="--layers"):
        run("steer", "evaluate", "--vectors", str(vec), "--output", str(tmp_path / "out"))
    with pytest.raises(ValueError, match="out of range"):
        run("steer", "evaluate", "--vectors", str(vec), "--layers", "7", "--output", str(tmp_path / "out"))
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        run("steer", "evaluate", "--vectors", str(vec), "--layers", "1", "--output", str(tmp_path / "file"))
    with pytest.raises(ValueError, match="threshold"):
        run("steer", "evaluate", "--vectors", str(vec), "--layers", "1", "--threshold", "2", "--output",
            str(tmp_path / "out"))  # fmt: skip
    assert not (tmp_path / "out").exists()


def _logliks(run_dir) -> dict[tuple[str, str], tuple[dict, list[float]]]:
    rows = Run(run_dir).score_rows(NONE_TASKS, lambda doc, lls: {"doc": doc, "lls": lls})
    return {(r["doc"]["item_id"], r["doc"]["order"]): (r["doc"], r["lls"]) for r in rows}


@pytest.mark.slow
def test_steered_runs_match_our_hooks_and_resume(tmp_path, tiny_model, tiny_lm, tiny_tokenizer, capsys):
    from culturebench.benchmarks.wvs.steer_search import doc_request
    from culturebench.steering.hooks import steering
    from culturebench.steering.logliks import continuation_logliks
    from culturebench.steering.vectors import SteeringVectors

    vec = tmp_path / "vectors.pt"
    run("steer", "train", "--model", str(tiny_model), "--output", str(vec), "--target", "surv_selfexp",
        "--limit", "10", "--device", "cpu")  # fmt: skip
    out = tmp_path / "steered"
    args = ("steer", "evaluate", "--vectors", str(vec), "--layers", "0,1", "--alphas", "0.4", "--output", str(out),
            "--device", "cpu", "--batch-size", "16")  # fmt: skip
    run(*args)
    assert "| 0.4 |" in capsys.readouterr().out
    for alpha in ("alpha_0", "alpha_0.4"):
        assert (out / alpha / "metrics.json").is_file() and (out / alpha / "run.json").is_file()
    identities = {json.loads((out / a / "run.json").read_text())["fingerprint"] for a in ("alpha_0", "alpha_0.4")}
    assert len(identities) == 2  # each alpha's steering file is part of its run's identity

    vectors = SteeringVectors.load(vec)
    plain, steered = _logliks(out / "alpha_0"), _logliks(out / "alpha_0.4")
    assert plain.keys() == steered.keys() and len(plain) == 2 * 300  # every eval dilemma in both orders
    keys = sorted(plain)[::37]
    for key in keys:
        doc, lls = plain[key]
        request = doc_request(tiny_tokenizer, doc)
        assert continuation_logliks(tiny_lm, tiny_tokenizer, [request])[0] == pytest.approx(lls, abs=1e-5)
        with steering(tiny_lm, vectors, 0.4, layers=[0, 1]):
            ours = continuation_logliks(tiny_lm, tiny_tokenizer, [request])[0]
        assert ours == pytest.approx(steered[key][1], abs=1e-5)
    assert any(max(abs(a - b) for a, b in zip(plain[k][1], steered[k][1])) > 1e-4 for k in keys)

    summary = json.loads((out / "steering_summary.json").read_text())
    ent = summary["alphas"]["0.4"]["entanglement"]
    assert ent["targeted_axis"] == "surv_selfexp" and ent["n_dilemmas"] == 300
    assert "ratio" in ent or "undefined" in ent
    if "ratio" in ent:
        t, u = ent["targeted_shift"]["value"], ent["untargeted_shift"]["value"]
        assert ent["ratio"] == pytest.approx(abs(u) / abs(t))
    assert set(summary["alphas"]["0.4"]["items"]) == {"A008", "A165", "E018", "E025", "F063", "F118", "F120",
                                                      "G006", "Y002", "Y003"}  # fmt: skip
    assert math.isfinite(summary["alphas"]["0"]["position"]["trad_secular"])
    assert (out / "steering.png").stat().st_size > 1000 and "entanglement" in (out / "steering.md").read_text()
    assert (out / "steering_items.png").stat().st_size > 1000
    text = (out / "steering.md").read_text()
    y002 = summary["alphas"]["0.4"]["items"]["Y002"]
    row = next(line for line in text.splitlines() if line.startswith("| Y002 (targeted) |"))
    assert f"{y002['shift']:+.3f} [{y002['ci_low']:+.3f}, {y002['ci_high']:+.3f}]" in row
    assert ("*" in row) == ("Y002" in summary["alphas"]["0.4"]["moved"])
    assert "| F063 | " in text and "![steering per item](steering_items.png)" in text
    family = summary["alphas"]["0.4"]["domains"]["family"]
    assert f"| 0.4 | family | {family['trad_secular']:+.3f} | {family['surv_selfexp']:+.3f} |" in text

    before = (out / "alpha_0.4" / "metrics.json").read_text()
    run(*args)  # the same command resumes from lm-eval's cache and gives the same numbers
    assert json.loads((out / "alpha_0.4" / "metrics.json").read_text())["wvs"] == json.loads(before)["wvs"]
    with pytest.raises(FileExistsError, match="layers"):
        run("steer", "evaluate", "--vectors", str(vec), "--layers", "1", "--alphas", "0.4", "--output", str(out))


def test_a_folder_belongs_to_one_steering_and_overwrite_clears_it(tmp_path, tiny_model, tiny_lm):
    """Other vectors, layers or template are refused; --overwrite replaces the manifest and the steering files."""
    import torch

    from culturebench.benchmarks.wvs.steer_eval import claim_folder, steer_file, steer_manifest
    from culturebench.steering.vectors import SteeringVectors

    out = tmp_path / "steered"
    first, second = tmp_path / "a.pt", tmp_path / "b.pt"
    vectors = {}
    for path, scale in ((first, 1.0), (second, 2.0)):
        vectors[path] = SteeringVectors(torch.ones(2, tiny_lm.config.hidden_size) * scale, "meandiff", "F063",
                                        {"model": str(tiny_model)})  # fmt: skip
        vectors[path].save(path)
    claim_folder(out, steer_manifest(first, str(tiny_model), [1], [0.0, 0.4]), overwrite=False)
    steer_file(out, vectors[first], 0.4, [1], tiny_lm)
    model = str(tiny_model)
    others = {
        "vectors_digest": steer_manifest(second, model, [1], [0.4]),
        "layers": steer_manifest(first, model, [0], [0.4]),
        "chat_template": steer_manifest(first, model, [1], [0.4], chat_template=True),
    }
    for what, manifest in others.items():
        with pytest.raises(FileExistsError, match=what):
            claim_folder(out, manifest, overwrite=False)
    with pytest.raises(FileExistsError, match="holds another steering"):
        steer_file(out, vectors[second], 0.4, [1], tiny_lm)
    claim_folder(out, steer_manifest(second, str(tiny_model), [1], [0.4]), overwrite=True)
    path = steer_file(out, vectors[second], 0.4, [1], tiny_lm)
    assert torch.equal(torch.load(path)["layers.1"]["steering_vector"], vectors[second].layer(1))


def test_a_sweep_of_other_vectors_is_refused(tmp_path, tiny_model, tiny_lm):
    import torch

    from culturebench.steering.vectors import SteeringVectors

    vec = tmp_path / "v.pt"
    zero = torch.zeros(2, tiny_lm.config.hidden_size)
    SteeringVectors(zero, "meandiff", "F063", {"model": str(tiny_model)}).save(vec)
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "layer_search.json").write_text(json.dumps({"vectors": str(tmp_path / "other.pt"), "top_layers": [1]}))
    with pytest.raises(ValueError, match="searched the layers of"):
        run("steer", "evaluate", "--vectors", str(vec), "--sweep", str(sweep), "--output", str(tmp_path / "out"))
    with pytest.raises(ValueError, match="not both"):
        run("steer", "evaluate", "--vectors", str(vec), "--sweep", str(sweep), "--layers", "1", "--output",
            str(tmp_path / "out"))  # fmt: skip
