"""The shared LLM layer against loopback servers speaking the Gemini and OpenAI wire formats (real clients):
structured output, retries with backoff, the request cache (resumable, torn tail tolerated), the Batch API,
key scrubbing, and a tiny local model's constrained JSON."""

from __future__ import annotations

import json

import pytest

from culturebench.llm.backends import GeminiBackend, LocalBackend, OpenAIBackend, backend_name, make_backend
from culturebench.llm.cache import AnswerCache, CacheError
from culturebench.llm.client import BatchPending, Client
from culturebench.llm.errors import BatchFailed, CallError, FatalError, TransientError
from culturebench.llm.request import Request, request_key
from culturebench.llm.structured import InvalidOutput, wire_schema
from tests.loopback_llm import Server

KEY = "llm-test-secret-77aa11"
SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["word", "count"],
    "properties": {"word": {"type": "string", "enum": ["yes", "no"]}, "count": {"type": "integer", "minimum": 0}},
}
GOOD = json.dumps({"word": "yes", "count": 3})


class CountingServer(Server):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.answers = [GOOD]  # answers in turn (the last repeats)
        self.answered = 0

    def answer(self, prompt: str, body: dict) -> str:
        self.answered += 1
        return self.answers[min(self.answered, len(self.answers)) - 1]


@pytest.fixture(params=["gemini", "openai"])
def server(request, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    s = CountingServer(request.param)
    yield s
    s.close()


@pytest.fixture
def gemini(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    s = CountingServer("gemini")
    yield s
    s.close()


def backend_of(server: Server):
    if server.kind == "gemini":
        return GeminiBackend("m", server.url)
    return OpenAIBackend("m", f"{server.url}/v1")


def test_request_key_covers_the_whole_request():
    base = Request("p", SCHEMA, 0.5, 7)
    key = request_key("gemini:m", "u", base)
    variants = [Request("q", SCHEMA, 0.5, 7), Request("p", None, 0.5, 7), Request("p", SCHEMA, 0.6, 7),
                Request("p", SCHEMA, 0.5, 8), base.again()]  # fmt: skip
    keys = {request_key("gemini:m", "u", r) for r in variants}
    keys |= {request_key("gemini:other", "u", base), request_key("gemini:m", "v", base)}
    assert key not in keys and len(keys) == 7
    assert key == request_key("gemini:m", "u", Request("p", json.loads(json.dumps(SCHEMA)), 0.5, 7))


def test_structured_output_on_the_wire(server):
    client = Client(backend_of(server))
    assert client.complete_json("Answer.", SCHEMA, temperature=0.3, seed=5) == {"word": "yes", "count": 3}
    body = server.requests[0]["body"]
    if server.kind == "gemini":
        config = body["generationConfig"]
        assert config["responseMimeType"] == "application/json" and config["seed"] == 5
        assert config["responseSchema"]["properties"]["word"]["enum"] == ["yes", "no"]
        assert "additionalProperties" not in json.dumps(config["responseSchema"])
    else:
        assert body["response_format"] == {"type": "json_object"} and body["seed"] == 5
    client.complete("Free text.")
    plain = server.requests[1]["body"]
    assert "responseMimeType" not in plain.get("generationConfig", {}) and "response_format" not in plain


def test_transient_errors_are_retried_with_exponential_backoff(server, tmp_path):
    slept = []
    client = Client(backend_of(server), tmp_path / "c.jsonl", backoff_s=1.0, max_retries=3, sleep=slept.append)
    server.script = [server.error(429), server.error(503), server.error(500)]
    assert client.complete("hi") == GOOD
    assert slept == [1.0, 2.0, 4.0] and client.paid == 4
    server.script = [server.error(503)] * 4
    with pytest.raises(TransientError, match="gave up after 3 retries"):
        client.complete("other")


def test_fatal_errors_are_not_retried_and_keys_never_leak(server, tmp_path):
    def echo(headers: dict) -> dict:
        return {"error": {"code": 401, "message": f"bad key {headers}", "status": "UNAUTHENTICATED"}}

    client = Client(backend_of(server), tmp_path / "c.jsonl", sleep=lambda d: pytest.fail("retried a 401"))
    server.script = [(401, echo)]
    with pytest.raises(FatalError) as failed:
        client.complete("hi")
    assert KEY not in str(failed.value) and "***" in str(failed.value)
    server.answers = [f"the key is {KEY}"]  # a server echoing the key in an answer: scrubbed before caching
    assert KEY not in client.complete("echo") and KEY.encode() not in (tmp_path / "c.jsonl").read_bytes()


def test_invalid_answers_are_asked_again_and_cached_so_a_rerun_pays_nothing(server, tmp_path):
    server.answers = ["not json", json.dumps({"word": "maybe", "count": 1}), GOOD]
    cache = tmp_path / "c.jsonl"
    client = Client(backend_of(server), cache, max_invalid=2)
    assert client.complete_json("Answer.", SCHEMA) == {"word": "yes", "count": 3}
    assert server.answered == 3
    again = Client(backend_of(server), cache, max_invalid=2)
    assert again.complete_json("Answer.", SCHEMA) == {"word": "yes", "count": 3}
    assert server.answered == 3 and again.paid == 0 and again.cached == 3
    server.answers = ["never json"]
    with pytest.raises(InvalidOutput, match="no valid answer after 2 tries"):
        Client(backend_of(server), cache, max_invalid=1).complete_json("Other.", SCHEMA)


def test_a_torn_cache_line_is_asked_again_and_the_file_repaired(server, tmp_path):
    cache = tmp_path / "c.jsonl"
    client = Client(backend_of(server), cache)
    for prompt in ("a", "b", "c"):
        client.complete(prompt)
    lines = cache.read_bytes().splitlines(keepends=True)
    cache.write_bytes(b"".join(lines[:2]) + lines[2][:25])  # killed while writing the third answer
    again = Client(backend_of(server), cache)
    for prompt in ("a", "b", "c"):
        again.complete(prompt)
    assert again.paid == 1 and server.answered == 4
    assert len([json.loads(line) for line in cache.read_text().splitlines()]) == 3


def test_a_cache_belongs_to_one_backend(tmp_path):
    AnswerCache(tmp_path / "c.jsonl", "gemini:a").add("k", "v")
    with pytest.raises(CacheError, match="gemini:a"):
        AnswerCache(tmp_path / "c.jsonl", "gemini:b")


def test_backend_specs(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    assert isinstance(make_backend("gemini:x@http://127.0.0.1:1"), GeminiBackend)
    assert backend_name("openai:m@http://h/v1") == "openai:m"
    for bad in ("claude:x", "openai:m", "gemini:"):
        with pytest.raises(ValueError, match="not understood"):
            backend_name(bad)


def test_a_local_model_is_named_by_absolute_path_and_content(tiny_model, tmp_path):
    import shutil

    a, b = tmp_path / "a" / "ckpt", tmp_path / "b" / "ckpt"
    shutil.copytree(tiny_model, a)
    shutil.copytree(tiny_model, b)
    name = backend_name(f"local:{a}/")
    assert name.startswith(f"local:{a.resolve()}@sha256:") and name != backend_name(f"local:{b}")
    assert LocalBackend(str(a), text_tokens=2, max_new_tokens=2).name == name
    (a / "config.json").write_text((a / "config.json").read_text() + " ")  # retrained weights at the same path
    assert backend_name(f"local:{a}") not in (name, backend_name(f"local:{b}"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        backend_name(f"local:{tmp_path / 'absent'}")


def test_an_empty_answer_is_retried_or_refused_but_never_cached(server, tmp_path):
    def empty(reason: str) -> tuple[int, dict]:
        if server.kind == "gemini":
            return 200, {"candidates": [{"content": {"role": "model", "parts": []}, "finishReason": reason.upper()}]}
        choice = {"index": 0, "message": {"role": "assistant", "content": None}, "finish_reason": reason}
        return 200, {"id": "x", "object": "chat.completion", "choices": [choice]}

    slept = []
    cache = tmp_path / "c.jsonl"
    client = Client(backend_of(server), cache, sleep=slept.append)
    server.script = [empty("stop")]  # a glitch: retried
    assert client.complete("hi") == GOOD and len(slept) == 1
    blocked = "safety" if server.kind == "gemini" else "content_filter"
    server.script = [empty(blocked)]  # blocked: this request fails, nothing cached
    with pytest.raises(CallError, match="empty answer"):
        client.complete("blocked")
    assert [json.loads(line)["answer"] for line in cache.read_text().splitlines()] == [GOOD]
    assert Client(backend_of(server), cache).complete("blocked") == GOOD  # asked again on a rerun


def test_a_re_ask_changes_the_seed(tmp_path):
    server = CountingServer("openai")
    try:
        server.answers = ["not json", "still not", GOOD]
        client = Client(backend_of(server), tmp_path / "c.jsonl", max_invalid=2)
        assert client.complete_json("Answer.", SCHEMA, seed=5) == {"word": "yes", "count": 3}
        assert [r["body"]["seed"] for r in server.requests] == [5, 6, 7]
        server.answers, server.answered = ["not json", GOOD], 0
        client.complete_json("Unseeded.", SCHEMA)
        assert all("seed" not in r["body"] for r in server.requests[3:]) and len(server.requests) == 5
    finally:
        server.close()


def test_wire_schema_keeps_what_gemini_reads():
    assert wire_schema(SCHEMA) == {k: v for k, v in SCHEMA.items() if k != "additionalProperties"}


# --- the Gemini Batch API ------------------------------------------------------------------------------------


def test_batch_answers_fill_the_cache(gemini, tmp_path):
    client = Client(GeminiBackend("m", gemini.url), tmp_path / "c.jsonl", poll_s=0.0, sleep=lambda d: None)
    client.complete_json("already", SCHEMA)  # cached before the batch: not sent again
    requests = [Request(p, SCHEMA, 0.0) for p in ("already", "one", "two")]
    assert client.prefetch(requests) == 2
    (job,) = gemini.jobs.values()
    assert [r["request"]["contents"][0]["parts"][0]["text"] for r in job["requests"]] == ["one", "two"]
    assert job["requests"][0]["request"]["generationConfig"]["responseMimeType"] == "application/json"
    assert job["polls"] == 2  # running once, then done
    before = len(gemini.requests)
    assert [client.ask_json(r) for r in requests] == [{"word": "yes", "count": 3}] * 3
    assert len(gemini.requests) == before and client.prefetch(requests) == 0


def test_a_batch_still_running_is_kept_and_a_failed_one_dropped(gemini, tmp_path):
    now = [0.0]
    client = Client(GeminiBackend("m", gemini.url), tmp_path / "c.jsonl", poll_s=10.0, batch_timeout_s=15.0,
                    sleep=lambda d: now.__setitem__(0, now[0] + d), clock=lambda: now[0])  # fmt: skip
    gemini.batch_running_polls = 5
    with pytest.raises(BatchPending, match="run the same command again"):
        client.prefetch([Request("one")])
    assert client.batch_state_path.exists() and len(gemini.jobs) == 1
    gemini.script = [(200, {"name": "batches/job1", "metadata": {"state": "BATCH_STATE_FAILED"}})]
    with pytest.raises(BatchFailed, match="JOB_STATE_FAILED"):
        client.prefetch([Request("one")])
    assert not client.batch_state_path.exists()


def test_a_batch_job_that_no_longer_exists_is_forgotten(gemini, tmp_path):
    client = Client(GeminiBackend("m", gemini.url), tmp_path / "c.jsonl", poll_s=0.0, sleep=lambda d: None)
    client.batch_state_path.write_text(json.dumps({"job": "batches/gone", "backend": "gemini:m", "keys": ["k"]}))
    with pytest.raises(FatalError, match="no longer exists.*was removed"):
        client.prefetch([Request("one")])
    assert not client.batch_state_path.exists()
    assert client.prefetch([Request("one")]) == 1 and len(gemini.jobs) == 1  # the next run submits anew


# --- a local transformers model ------------------------------------------------------------------------------


def test_local_model_writes_well_formed_constrained_json(tiny_model):
    backend = LocalBackend(str(tiny_model), text_tokens=4, max_new_tokens=6)
    schema = {"type": "object", "properties": {"score": {"type": "string", "enum": ["1", "2", "3"]},
                                               "reason": {"type": "string"}}}  # fmt: skip
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok, model = AutoTokenizer.from_pretrained(tiny_model), AutoModelForCausalLM.from_pretrained(tiny_model)
    prompt = "Rate the reply from 1 to 3."
    context = tok(prompt + '\n\n{"score": "').input_ids

    def loglik(value: str) -> float:  # the value and its closing quote after the context, summed token by token
        cont = tok(value + '"', add_special_tokens=False).input_ids
        with torch.no_grad():
            logits = model(torch.tensor([context + cont])).logits[0].float()
        return sum(torch.log_softmax(logits[len(context) - 1 + i], -1)[t].item() for i, t in enumerate(cont))

    scores = {v: loglik(v) for v in ("1", "2", "3")}
    best = max(scores, key=scores.get)
    assert len(set(scores.values())) == 3
    others = sorted(v for v in scores if v != best)
    schema["properties"]["score"]["enum"] = [others[0], best, others[1]]  # neither first nor last
    answer = json.loads(backend.complete(prompt, schema))
    assert list(answer) == ["score", "reason"] and answer["score"] == best
    assert isinstance(backend.complete("Say something."), str)
