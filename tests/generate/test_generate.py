"""`culturebench generate` against a loopback Gemini server (the real google-genai client): a slice of ten WVS
dilemmas for F063 in the family domain, drafted, checked, labelled blind and built into a dataset folder."""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets
import pytest

from culturebench.cli import main
from culturebench.generate.banks import bank
from culturebench.generate.build import build_dataset, bump_version
from culturebench.generate.checks import text_of
from culturebench.generate.pipeline import run_generation
from culturebench.items import near_duplicates
from culturebench.llm.backends import GeminiBackend
from culturebench.llm.client import Client
from culturebench.versioning import card_field, content_hash
from tests.generate.conftest import CELL, KEY, SPEC


class Interrupt(Exception):
    """The process is killed (raised from the client's sleep)."""


def _interrupt(_delay: float) -> None:
    raise Interrupt


def clients(server, out: Path, sleep=lambda _d: None) -> tuple[Client, Client]:
    backend = GeminiBackend("gen-model", server.url)
    kwargs = dict(backoff_s=0.5, sleep=sleep, poll_s=0.0)
    return Client(backend, out / "cache" / "generate.jsonl", **kwargs), Client(backend, out / "cache" / "blind.jsonl",
                                                                            **kwargs)  # fmt: skip


def generate(spec, server, out: Path, batch: bool = False, sleep=lambda _d: None) -> dict:
    gen, blind = clients(server, out, sleep)
    return run_generation(spec, gen, blind, out, cells=[CELL], count=10, batch=batch)


def _no_key_anywhere(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_slice_with_a_rate_limit_is_generated_checked_and_built(spec, server, tmp_path):
    out = tmp_path / "run"
    slept = []
    server.script = [server.error(429)]  # the first request is refused once
    report = generate(spec, server, out, sleep=slept.append)
    assert slept == [0.5]  # one backoff, then the retry succeeded
    assert report["drafts"] == 10 and report["accepted"] == 10 and report["rejected"] == {}
    assert report["blind"]["agreed"] == report["blind"]["labelled"] == 10
    assert server.answered == {"draft": 2, "blind": 10}
    first = server.requests[1]
    assert first["path"].endswith("/models/gen-model:generateContent")
    config = first["body"]["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    options = config["responseSchema"]["properties"]["items"]["items"]["properties"]["options"]
    assert options["items"]["properties"]["pole"]["enum"] == ["positive", "negative"]
    assert "additionalProperties" not in json.dumps(config["responseSchema"])  # Gemini would refuse it

    folder = build_dataset(out, spec, tmp_path / "wvs_dilemmas")
    target = bank("wvs_dilemmas")
    base = target.items()  # the shipped bank as it is now (other work may grow or rewrite it)
    splits = target.items(folder)  # the bank's own validator
    assert {s: len(rows) for s, rows in splits.items()} == {s: len(rows) + 5 for s, rows in base.items()}
    every = [i for rows in splits.values() for i in rows]
    new = {i["id"] for i in every} - {i["id"] for rows in base.values() for i in rows}
    assert len(new) == 10 and all(re.fullmatch(r"F063-f\d\d", i) for i in new)
    assert near_duplicates({i["id"]: text_of(i) for i in every}) == []
    assert card_field(folder, "version") == bump_version(card_field(target.folder(), "version"))
    assert card_field(folder, "content_hash") == content_hash(folder)
    card = (folder / "README.md").read_text()
    assert f"## Generated items (version {card_field(folder, 'version')})" in card and "10/10 (100.0 %)" in card
    blind_rows = [json.loads(line) for line in (folder / "annotations" / "blind_pass.jsonl").open()]
    kept = [r for r in blind_rows if r["id"] in {i["id"] for i in every}]
    assert len(kept) == len(every) and f"{sum(r['agree'] for r in kept)}/{len(every)}" in card
    ds = datasets.load_dataset(str(folder), cache_dir=str(tmp_path / "hf-cache"))  # not a cached copy of the bank
    assert {s: len(ds[s]) for s in ds} == {s: len(rows) for s, rows in splits.items()}
    _no_key_anywhere(tmp_path)


def test_malformed_answer_is_asked_again_and_a_malformed_item_rejected(spec, server, tmp_path):
    server.items[3]["options"][0]["pole"] = "maybe"  # one malformed item in the first answer
    server.script = [(200, server.wrap("Here are your items!"))]  # an answer that is not JSON at all
    report = generate(spec, server, tmp_path / "run")
    assert server.answered["draft"] == 2 and report["calls"]["generation_paid"] == 3
    assert report["rejected"] == {"schema": 1} and report["accepted"] == 9
    rejected = [json.loads(line) for line in (tmp_path / "run" / "rejected.jsonl").open()]
    assert rejected[0]["id"] == "F063-family-r0-3" and "'maybe' is not one of" in rejected[0]["reason"]


def test_interrupted_run_resumes_without_paying_twice(spec, server, tmp_path):
    out = tmp_path / "run"
    server.script = [None, server.error(503)]  # the first request is answered, the second meets a 503
    with pytest.raises(Interrupt):  # killed while waiting to retry the second request
        generate(spec, server, out, sleep=_interrupt)
    cache = out / "cache" / "generate.jsonl"
    assert len(cache.read_text().splitlines()) == 1
    report = generate(spec, server, out)
    assert server.answered == {"draft": 2, "blind": 10}  # the first run paid one, the rerun only the second
    assert report["accepted"] == 10 and report["calls"]["generation_cached"] == 1
    # the blind pass is killed while writing its last answer: the torn line is asked again, nothing else
    blind = out / "cache" / "blind.jsonl"
    lines = blind.read_bytes().splitlines(keepends=True)
    blind.write_bytes(b"".join(lines[:-1]) + lines[-1][:30])
    again = generate(spec, server, out)
    assert server.answered == {"draft": 2, "blind": 11}
    assert again["accepted"] == 10 and again["calls"]["generation_paid"] == 0
    assert [json.loads(line) for line in blind.read_text().splitlines()]  # every line whole again


def test_batch_path_and_a_batch_picked_up_after_an_interruption(spec, server, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(Interrupt):  # killed while the job runs (the first poll says RUNNING)
        generate(spec, server, out, batch=True, sleep=_interrupt)
    assert len(server.jobs) == 1 and (out / "cache" / "generate.batch.json").exists()
    report = generate(spec, server, out, batch=True)
    assert len(server.jobs) == 2  # the drafts' job was picked up, not submitted again; then the blind pass's job
    drafts_job, blind_job = server.jobs.values()
    assert len(drafts_job["requests"]) == 2 and len(blind_job["requests"]) == 10
    assert {r["metadata"]["key"] for r in drafts_job["requests"]} == {
        json.loads(line)["key"] for line in (out / "cache" / "generate.jsonl").open()
    }
    assert not any(r["path"].endswith(":generateContent") for r in server.requests)  # nothing paid twice
    assert report["accepted"] == 10 and report["blind"]["agreed"] == 10
    assert not (out / "cache" / "generate.batch.json").exists()
    path = next(r["path"] for r in server.requests if r["method"] == "POST")
    assert path.endswith("/models/gen-model:batchGenerateContent")


def test_blind_disagreement_and_flags_reject_drafts(spec, server, tmp_path):
    wrong = next(o["text"] for o in server.items[2]["options"] if o["pole"] == "positive")
    unsure = next(o["text"] for o in server.items[7]["options"] if o["pole"] == "positive")
    server.blind_answers = {wrong: ("wrong", "sure"), unsure: ("right", "unsure")}
    report = generate(spec, server, tmp_path / "run")
    assert report["blind"]["labelled"] == 10 and report["blind"]["agreed"] == 9
    flagged = report["blind"]["flagged"]
    assert set(flagged) == {"F063-family-r0-2", "F063-family-r1-2"}
    assert "took the other option" in flagged["F063-family-r0-2"] and "unsure" in flagged["F063-family-r1-2"]
    assert report["accepted"] == 8 and report["rejected"] == {"blind": 2}
    assert "9/10" in (tmp_path / "run" / "report.md").read_text()


def test_cli_generates_and_builds_and_refuses_bad_arguments_first(server, tmp_path, capsys):
    out, folder = tmp_path / "run", tmp_path / "grown"
    argv = ["generate", str(SPEC), "--backend", f"gemini:gen-model@{server.url}", "--out", str(out), "--cells", CELL,
            "--count", "10", "--dataset", str(folder)]  # fmt: skip
    assert main(argv) == 0
    assert (out / "report.md").exists() and (folder / "annotations" / "generated.jsonl").exists()
    before = len(server.requests)
    assert main([*argv[:-2]]) == 0 and len(server.requests) == before  # all cached: nothing paid
    assert main(["generate", str(SPEC), "--out", str(tmp_path / "x"), "--cells", "F999/family"]) == 1
    assert "no cells ['F999/family']" in capsys.readouterr().err
    assert main(["generate", str(SPEC), "--backend", "gemini:other", "--out", str(out)]) == 1  # another backend
    assert "use another --out" in capsys.readouterr().err
    assert len(server.requests) == before
    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    assert "--batch" in capsys.readouterr().out


def test_the_shipped_bank_is_never_the_target(spec, server, tmp_path):
    generate(spec, server, tmp_path / "run")
    with pytest.raises(ValueError, match="new folder"):
        build_dataset(tmp_path / "run", spec, bank("wvs_dilemmas").folder())


def test_a_server_that_stops_answering_fails_the_run_clearly_and_loses_nothing(server, tmp_path, capsys):
    from tests.loopback_llm import HANG

    out = tmp_path / "run"
    argv = ["generate", str(SPEC), "--backend", f"gemini:gen-model@{server.url}", "--out", str(out), "--cells", CELL,
            "--count", "10", "--max-retries", "1", "--backoff", "0"]  # fmt: skip
    assert main([*argv, "--timeout", "0"]) == 1 and "positive number of seconds" in capsys.readouterr().err
    server.script = [None, (200, HANG), (200, HANG)]  # the first draft request is answered, then silence
    assert main([*argv, "--timeout", "0.5"]) == 1
    err = capsys.readouterr().err
    assert f"gemini:gen-model at {server.url}" in err and "gave up after 1 retries" in err and "transport" in err
    assert len((out / "cache" / "generate.jsonl").read_text().splitlines()) == 1  # the answer before it is kept
    assert main([*argv, "--timeout", "0.5"]) == 0  # the server answers again: the run resumes
    assert server.answered["draft"] == 2  # the first answer was not paid twice
