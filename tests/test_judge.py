"""The judge against loopback servers speaking the Gemini and OpenAI wire formats (the real clients).

Covered: a 429 then success, a malformed verdict then a valid one, a verdict that never becomes
valid (recorded as a failure), an interrupted run resumed without re-judging finished samples,
and the API key never reaching outputs.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from culturebench.benchmarks.selfconcept import BEHAVIOR_TASKS
from culturebench.benchmarks.selfconcept import BENCHMARK as SELFCONCEPT
from culturebench.benchmarks.selfconcept.behavior import behavior_documents
from culturebench.benchmarks.selfconcept.report import current_rubric, reply_rows
from culturebench.benchmarks.selfconcept.rubric import SCORE_SCHEMA
from culturebench.judge.backends import GeminiBackend, OpenAIBackend, make_backend
from culturebench.judge.runner import Judge, run_judge
from culturebench.judge.verdicts import VerdictError, validate_verdict
from culturebench.runs import JUDGE_DIR, VERDICTS_FILE, Run, primary_verdicts, read_verdicts

JUDGING = SELFCONCEPT.judging

pytest.importorskip("google.genai")
KEY = "sk-test-secret-9f8e7d"
STAMP = "2026-01-01T00-00-00.000000"


class Server:
    """Loopback HTTP server: scripted (status, body) replies first, then a valid verdict for each prompt."""

    def __init__(self, kind: str) -> None:
        self.kind, self.script, self.requests = kind, [], []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, payload = outer.script.pop(0) if outer.script else (200, outer.verdict(body))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def prompt(self, body: dict) -> str:
        if self.kind == "gemini":
            return body["contents"][0]["parts"][0]["text"]
        return body["messages"][0]["content"]

    def wrap(self, text: str) -> dict:
        if self.kind == "gemini":
            return {"candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}]}
        choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        return {"id": "x", "object": "chat.completion", "choices": [choice]}

    def verdict(self, body: dict) -> dict:
        if "Face concerns" in self.prompt(body):
            return self.wrap(json.dumps({"face_concern": "mutual", "style": "integrating", "reason": "both kept"}))
        return self.wrap(json.dumps({"score": 2, "reason": "keeps the fact"}))

    def error(self, status: int) -> tuple[int, dict]:
        return status, {"error": {"code": status, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}}


@pytest.fixture
def run_dir(tmp_path) -> Path:
    """A run folder with lm-eval samples files of the two behavioural tasks (three documents each)."""
    folder = tmp_path / "run" / "lm_eval" / "model"
    folder.mkdir(parents=True)
    for task, bank in (("culturebench_safety_behavior", "safety_behavior"),
                       ("culturebench_face_negotiation", "face_negotiation")):  # fmt: skip
        with (folder / f"samples_{task}_{STAMP}.jsonl").open("w") as f:
            for i, doc in enumerate(behavior_documents(bank, ("formal",))[:3]):
                f.write(json.dumps({"doc_id": i, "doc": doc, "filtered_resps": [f"reply {bank} {i}"]}) + "\n")
    return tmp_path / "run"


@pytest.fixture(params=["gemini", "openai"])
def served(request, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    server = Server(request.param)
    spec = f"gemini:judge-model@{server.url}" if request.param == "gemini" else f"openai:judge-model@{server.url}/v1"
    yield server, spec
    server.httpd.shutdown()


def test_backends_parse_specs(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    assert isinstance(make_backend("gemini:gemini-2.5-flash"), GeminiBackend)
    assert isinstance(make_backend("openai:m@http://localhost:1/v1"), OpenAIBackend)
    with pytest.raises(ValueError, match="not understood"):
        make_backend("claude:x")


def test_rate_limit_then_success_and_malformed_then_valid(served, run_dir):
    server, spec = served
    server.script = [server.error(429), (200, server.wrap("not json at all"))]
    info = run_judge(run_dir, JUDGING, spec, backoff_s=0.0, reliability_sample=0)
    assert info["ok"] == 6 and info["failed"] == 0
    assert len(server.requests) == 6 + 2  # one retry after the 429, one re-ask after the malformed verdict
    if server.kind == "gemini":
        assert server.requests[0]["path"].endswith("/models/judge-model:generateContent")
        assert server.requests[0]["headers"]["x-goog-api-key"] == KEY
    else:
        assert server.requests[0]["path"] == "/v1/chat/completions"
        assert server.requests[0]["body"]["response_format"] == {"type": "json_object"}
    verdicts = primary_verdicts(run_dir, reply_rows(Run(run_dir), BEHAVIOR_TASKS), current_rubric)
    assert sorted(v.get("score") or v["style"] for v in verdicts if v["bank"] == "safety_behavior") == [2, 2, 2]
    assert {v["style"] for v in verdicts if v["bank"] == "face_negotiation"} == {"integrating"}
    for path in (run_dir / JUDGE_DIR).iterdir():
        assert KEY not in path.read_text()


def test_invalid_verdicts_are_recorded_as_failures_and_retried_next_run(served, run_dir):
    server, spec = served
    bad = (200, server.wrap(json.dumps({"score": 9, "reason": "out of scale"})))
    server.script = [bad, bad, bad]  # first reply: three invalid verdicts (1 + max_invalid 2)
    info = run_judge(run_dir, JUDGING, spec, backoff_s=0.0, max_invalid=2)
    assert info["failed"] == 1 and info["ok"] == 5
    failure = next(r for r in read_verdicts(run_dir / JUDGE_DIR / VERDICTS_FILE) if r["status"] == "failed")
    assert "score '9'" in failure["error"] or "score 9" in failure["error"]
    before = len(server.requests)
    info = run_judge(run_dir, JUDGING, spec, backoff_s=0.0)
    assert info["failed"] == 0 and len(server.requests) == before + 1  # only the failed one again


def test_interrupted_run_resumes_without_rejudging(served, run_dir):
    server, spec = served

    class Interrupt(Exception):
        pass

    def interrupted(_delay: float) -> None:
        raise Interrupt  # the process is killed while it waits to retry

    # three replies judged, then a 503: the run is interrupted during its backoff
    server.script = [(200, _score(server))] * 3 + [server.error(503)]
    judge = Judge(make_backend(spec), run_dir / JUDGE_DIR / VERDICTS_FILE, JUDGING, backoff_s=0.0, sleep=interrupted)
    with pytest.raises(Interrupt):
        judge.judge(reply_rows(Run(run_dir), BEHAVIOR_TASKS))
    assert len(read_verdicts(run_dir / JUDGE_DIR / VERDICTS_FILE)) == 3
    before = len(server.requests)
    info = run_judge(run_dir, JUDGING, spec, backoff_s=0.0)
    assert info["ok"] == 6
    assert len(server.requests) - before == 3  # the three finished replies were not judged again


def _score(server: Server) -> dict:
    return server.wrap(json.dumps({"score": 5, "reason": "partly gives in"}))


def test_reliability_with_a_second_judge(served, run_dir):
    server, spec = served
    info = run_judge(
        run_dir, JUDGING, spec, second_judge=spec.replace("judge-model", "other-model"), reliability_sample=4
    )
    rel = info["reliability"]
    assert rel["pairs"] == 4 and rel["second"].endswith("other-model")
    for key in ("score", "face_concern", "style"):
        if key in rel:
            assert rel[key]["exact"] == 1.0


def test_verdict_validation():
    assert validate_verdict('```json\n{"score": "6", "reason": "caves"}\n```', SCORE_SCHEMA) == {
        "score": 6,
        "reason": "caves",
    }
    for bad, why in (('{"reason": "x"}', "lacks 'score'"), ('{"score": 0}', "not one of"), ("[1]", "no JSON object")):
        with pytest.raises(VerdictError, match=why):
            validate_verdict(bad, SCORE_SCHEMA)
