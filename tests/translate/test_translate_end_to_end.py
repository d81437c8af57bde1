"""`culturebench translate` end to end on a tiny random NLLB model (transformers) and its CTranslate2 conversion.

The model's output is nonsense without placeholders, so every protected span is lost: the check must re-insert
the ones that open or close a sentence and reject the items that lose one mid-sentence, and back-translation
chrF must flag every item. A rerun on a warm cache must load no model and translate nothing.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import yaml

from culturebench.cli import main
from culturebench.hub import local_release
from culturebench.jsonl import read_jsonl
from tests.translate.conftest import ROWS

SLOT = re.compile(r"\{\w+\}")
FAST = ["--beams", "2", "--max-new-tokens", "8", "--batch-size", "16"]


def _run(capsys, *args: str) -> dict:
    rc = main(["translate", *args])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    return json.loads(captured.out)


def _fail(capsys, *args: str) -> str:
    assert main(["translate", *args]) == 1
    return capsys.readouterr().err


class _NoLoad:
    """Stands in for a model class or loader from outside the project: any use fails the test."""

    def __init__(self, *args, **kwargs):
        raise AssertionError("a model was loaded")

    from_pretrained = classmethod(lambda cls, *a, **k: cls())


def _forbid_loading(monkeypatch) -> None:
    import ctranslate2
    import ctranslate2.converters
    import transformers

    for name in ("AutoModelForSeq2SeqLM", "AutoTokenizer"):
        monkeypatch.setattr(transformers, name, _NoLoad)
    monkeypatch.setattr(ctranslate2, "Translator", _NoLoad)
    monkeypatch.setattr(ctranslate2.converters, "TransformersConverter", _NoLoad)


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _check_output(out: Path, langs: list[str], engine: str) -> None:
    card = yaml.safe_load((out / "README.md").read_text(encoding="utf-8").split("---")[1])
    assert [c["config_name"] for c in card["configs"]] == langs
    assert card["translation"]["engine"] == engine and card["translation"]["revision"].startswith("sha256:")
    source = {r["id"]: r for r in ROWS}
    for lang in langs:
        qc = {item["id"]: item for _, item in read_jsonl(out / "qc" / f"{lang}.jsonl")}
        rows = {row["id"]: row for _, row in read_jsonl(out / "data" / f"{lang}.jsonl")}
        # the slot closing d-001's question was re-inserted; d-002 lost its slot mid-sentence and was rejected
        assert qc["d-001"]["status"] == "repaired" and "slot_reinserted" in {f["flag"] for f in qc["d-001"]["flags"]}
        assert qc["d-002"]["status"] == "rejected" and "slot_lost" in {f["flag"] for f in qc["d-002"]["flags"]}
        assert set(rows) == {i for i, q in qc.items() if q["status"] != "rejected"} == {"d-001", "d-003"}
        for item_id, row in rows.items():
            src = source[item_id]
            assert row["lang"] == lang and row["question"] != src["question"]
            for field in ("scenario", "question"):
                assert Counter(SLOT.findall(row[field])) == Counter(SLOT.findall(src[field]))
            assert row["question"].endswith("{country}?") == src["question"].endswith("{country}?")
            for new, old in zip(row["options"], src["options"]):
                assert new["pole"] == old["pole"] and new["text"] != old["text"]
                if re.match(r"[A-H]\. ", old["text"]):  # option letters survive
                    assert new["text"].startswith(old["text"][:3])
        assert all(q["chrf"] is not None and q["chrf"] < 40 for q in qc.values())
    flags = [row for _, row in read_jsonl(out / "flags.jsonl")]
    assert {(f["lang"], f["id"]) for f in flags} == {(lang, i) for lang in langs for i in source}
    assert all("low_chrf" in {x["flag"] for x in f["flags"]} for f in flags)
    text = (out / "README.md").read_text(encoding="utf-8")
    assert f"- `{langs[0]}` `d-002` (rejected): slot_lost" in text
    assert local_release(out, "culturebench").files.keys() >= {"README.md", "flags.jsonl", f"data/{langs[0]}.jsonl"}
    assert not any(
        path.startswith(".cache") for path in local_release(out, "culturebench").files
    )  # the cache stays home


def test_nllb_end_to_end_then_a_free_rerun(tiny_nllb, source_dataset, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    args = [str(source_dataset), "--to", "fr,German", "--engine", f"nllb:{tiny_nllb}", "--out", str(out), *FAST]
    first = _run(capsys, *args, "--back-translate")
    assert first["model_loaded"] and first["translated"] > 0 and first["cached"] == 0
    _check_output(out, ["fr", "de"], "nllb")
    command = f"--to fr,de --engine nllb:{tiny_nllb} --beams 2 --max-new-tokens 8 --back-translate\n```"
    assert command in (out / "README.md").read_text(encoding="utf-8")  # the card's Reproduce: the flags used
    before = _snapshot(out)

    _forbid_loading(monkeypatch)
    again = _run(capsys, *args, "--back-translate")
    assert (again["model_loaded"], again["translated"], again["engine_calls"]) == (False, 0, 0)
    assert again["cached"] == first["translated"]
    assert _snapshot(out) == before

    # arguments are checked before any model is loaded (loading would fail the test here)
    def but(option: str, value: str) -> list[str]:
        return [value if previous == option else a for previous, a in zip(["", *args], args)]

    assert "unknown target language 'xx_Latn'" in _fail(capsys, *but("--to", "fr,xx_Latn"))
    assert "expected one of nllb:MODEL" in _fail(capsys, *but("--engine", "marian:x"))
    assert "no such folder" in _fail(capsys, *but("--engine", f"nllb:{tmp_path / 'nope'}"))
    assert "holds translations of another engine" in _fail(capsys, *but("--beams", "1"))  # another decoding


def test_a_torn_cache_line_is_translated_again(tiny_nllb, source_dataset, tmp_path, capsys):
    out = tmp_path / "out"
    args = [str(source_dataset), "--to", "fr", "--engine", f"ct2:{tiny_nllb}", "--out", str(out), *FAST]
    first = _run(capsys, *args)
    cache = Path(first["cache"])
    cache.write_bytes(cache.read_bytes()[:-10])  # killed while writing the last translation
    again = _run(capsys, *args)
    assert (again["translated"], again["cached"]) == (1, first["translated"] - 1)
    assert len(cache.read_text().splitlines()) == first["translated"] + 1  # header + one line per text
    items = source_dataset / "data" / "items.jsonl"  # a rewritten sentence is the only thing translated anew
    items.write_text(items.read_text().replace("What should I do?", "What should I do now?"))
    assert _run(capsys, *args)["translated"] == 1


def test_ct2_conversion_end_to_end_then_a_free_rerun(tiny_nllb, source_dataset, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    args = [str(source_dataset), "--to", "fr", "--engine", f"ct2:{tiny_nllb}", "--out", str(out), "--back-translate"]
    first = _run(capsys, *args, *FAST)
    assert first["model_loaded"] and first["translated"] > 0
    [converted] = (out / ".cache" / "ct2").iterdir()
    assert converted.name.endswith("-int8") and (converted / "model.bin").is_file()
    _check_output(out, ["fr"], "ct2")
    before = _snapshot(out)

    _forbid_loading(monkeypatch)
    again = _run(capsys, *args, *FAST)
    assert (again["model_loaded"], again["translated"], again["engine_calls"]) == (False, 0, 0)
    assert _snapshot(out) == before


def test_a_converted_ct2_folder_is_used_as_it_is(tiny_nllb, source_dataset, tmp_path, capsys):
    from ctranslate2.converters import TransformersConverter
    from transformers import AutoTokenizer

    ct2 = tmp_path / "ct2-model"
    TransformersConverter(str(tiny_nllb)).convert(str(ct2), quantization="int8")
    args = [str(source_dataset), "--to", "fr", "--engine", f"ct2:{ct2}", "--out", str(tmp_path / "out"), *FAST]
    assert "no NLLB tokenizer files" in _fail(capsys, *args)
    AutoTokenizer.from_pretrained(tiny_nllb).save_pretrained(ct2)
    summary = _run(capsys, *args)
    assert summary["model_loaded"] and summary["languages"]["fr"]["rejected"] == 1
    assert not (tmp_path / "out" / ".cache" / "ct2").exists()  # nothing converted again


def test_a_hub_model_is_read_from_the_local_cache_with_its_commit_as_revision(
    tiny_nllb, source_dataset, tmp_path, capsys
):
    import shutil

    from huggingface_hub import constants

    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = Path(constants.HF_HUB_CACHE) / "models--culturebench-test--tiny-nllb"
    shutil.copytree(tiny_nllb, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    out = tmp_path / "out"
    args = [str(source_dataset), "--to", "fr", "--out", str(out), *FAST]
    summary = _run(capsys, *args, "--engine", "nllb:culturebench-test/tiny-nllb")
    assert summary["model_loaded"] and summary["languages"]["fr"]["kept"] == 2
    record = json.loads((out / "translation.json").read_text())
    assert record["engine"]["model"] == "culturebench-test/tiny-nllb" and record["engine"]["revision"] == commit
    err = _fail(capsys, *args, "--engine", "nllb:culturebench-test/absent")  # offline, and not in the cache
    assert "not in the local Hub cache and HF_HUB_OFFLINE is set" in err


class _UpperCaser:
    """A loopback OpenAI-compatible server that 'translates' by upper-casing."""

    def __new__(cls):
        from tests.loopback_llm import Server

        class Translator(Server):
            def answer(self, prompt: str, body: dict) -> str:
                assert "into French" in prompt or "from French" in prompt
                return prompt.split("Text:\n", 1)[1].upper()

        return Translator("openai")


def test_an_llm_engine_through_the_shared_client_layer(source_dataset, tmp_path, capsys):
    """The real OpenAI-compatible client against a loopback server that 'translates' by upper-casing."""
    server = _UpperCaser()
    try:
        args = [str(source_dataset), "--to", "fr", "--engine", f"llm:openai:mt@{server.url}/v1", "--out", str(tmp_path)]
        first = _run(capsys, *args, "--back-translate")
        assert first["translated"] == len(server.requests) > 0
        rows = {row["id"]: row for _, row in read_jsonl(tmp_path / "data" / "fr.jsonl")}
        assert rows["d-002"]["scenario"] == "A FRIEND FROM {country} ASKED ME FOR HELP WITH TWO MOVES."  # slots kept
        assert rows["d-002"]["question"] == "ANSWER WITH A NUMBER FROM 1 TO 5."
        record = json.loads((tmp_path / "translation.json").read_text())
        assert record["engine"]["model"] == "openai:mt" and record["engine"]["revision"] == f"{server.url}/v1"
        card = (tmp_path / "README.md").read_text(encoding="utf-8")
        # the URL is kept and no decoding flags are made up
        assert f"--to fr --engine llm:openai:mt@{server.url}/v1 --back-translate\n```" in card
        again = _run(capsys, *args, "--back-translate")
        assert (again["translated"], again["model_loaded"]) == (0, False) and len(server.requests) == first[
            "translated"
        ]
    finally:
        server.close()


def test_an_llm_run_killed_mid_batch_pays_again_only_for_what_was_not_answered(source_dataset, tmp_path, capsys):
    server = _UpperCaser()
    try:
        args = [str(source_dataset), "--to", "fr", "--engine", f"llm:openai:mt@{server.url}/v1", "--out", str(tmp_path)]
        server.script = [None, None, server.error(400, "refused", "INVALID_ARGUMENT")]  # the run stops mid-batch
        assert "status 400" in _fail(capsys, *args)
        (answers,) = (tmp_path / ".cache").glob("llm-*.jsonl")
        assert len(answers.read_text().splitlines()) == 2 and not (tmp_path / "data").exists()
        first = _run(capsys, *args)
        assert len(server.requests) == 3 + first["translated"] - 2  # the two answered texts were not paid again
        assert "--back-translate" not in (tmp_path / "README.md").read_text(encoding="utf-8")
    finally:
        server.close()


def test_an_llm_server_that_stops_answering_fails_clearly_and_keeps_the_answers(source_dataset, tmp_path, capsys):
    from tests.loopback_llm import HANG

    server = _UpperCaser()
    try:
        args = [str(source_dataset), "--to", "fr", "--engine", f"llm:openai:mt@{server.url}/v1", "--out", str(tmp_path),
                "--max-retries", "1"]  # fmt: skip
        assert "positive number of seconds" in _fail(capsys, *args, "--timeout", "0")
        assert not server.requests
        server.script = [None, (200, HANG), (200, HANG)]  # one answer, then silence
        error = _fail(capsys, *args, "--timeout", "0.5")
        assert "gave up after 1 retries" in error and "transport" in error and server.url in error
        (answers,) = (tmp_path / ".cache").glob("llm-*.jsonl")
        assert len(answers.read_text().splitlines()) == 1  # the answer before the silence is kept
        first = _run(capsys, *args, "--timeout", "0.5")  # answering again: the run resumes
        assert first["translated"] > 0 and len(server.requests) == 3 + first["translated"] - 1
    finally:
        server.close()
