"""The judge against loopback servers speaking the Gemini and OpenAI wire formats (the real clients).

Covered: a 429 then success, a malformed verdict then a valid one, a verdict that never becomes
valid (recorded as a failure), an interrupted run resumed without re-judging finished samples,
and the API key never reaching outputs.
"""

from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path

import pytest

from culturebench.benchmarks.selfconcept import BEHAVIOR_TASKS
from culturebench.benchmarks.selfconcept import BENCHMARK as SELFCONCEPT
from culturebench.benchmarks.selfconcept.behavior import behavior_documents
from culturebench.benchmarks.selfconcept.report import current_rubric, reply_rows
from culturebench.benchmarks.selfconcept.rubric import SCORE_SCHEMA
from culturebench.judge.runner import Judge, run_judge
from culturebench.judge.verdicts import VerdictError, validate_verdict
from culturebench.llm.backends import GeminiBackend, OpenAIBackend, make_backend
from culturebench.runs import JUDGE_DIR, VERDICTS_FILE, Run, primary_verdicts, read_json_lines
from tests.loopback_llm import HANG, Server, closed_port_url

JUDGING = SELFCONCEPT.judging

pytest.importorskip("google.genai")
KEY = "sk-test-secret-9f8e7d"
STAMP = "2026-01-01T00-00-00.000000"


class JudgeServer(Server):
    """The loopback server answering every judge prompt with a valid verdict, unless told otherwise."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.bad_bank: str | None = None  # answer this bank's prompts with something that is not a verdict
        self.reason = "keeps the fact"

    def answer(self, prompt: str, body: dict) -> str:
        face = "Face concerns" in prompt
        if self.bad_bank == ("face_negotiation" if face else "safety_behavior"):
            return "I would rather not say."
        if face:
            return json.dumps({"face_concern": "mutual", "style": "integrating", "reason": self.reason})
        return json.dumps({"score": 2, "reason": self.reason})


def spec_for(kind: str, url: str) -> str:
    return f"gemini:judge-model@{url}" if kind == "gemini" else f"openai:judge-model@{url}/v1"


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
def kind(request, monkeypatch) -> str:
    """Each wire format in turn, with its API key set in the environment."""
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return request.param


@pytest.fixture
def served(kind):
    server = JudgeServer(kind)
    yield server, spec_for(kind, server.url)
    server.close()


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
    failure = next(r for r in read_json_lines(run_dir / JUDGE_DIR / VERDICTS_FILE) if r["status"] == "failed")
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
    assert len(read_json_lines(run_dir / JUDGE_DIR / VERDICTS_FILE)) == 3
    before = len(server.requests)
    info = run_judge(run_dir, JUDGING, spec, backoff_s=0.0)
    assert info["ok"] == 6
    assert len(server.requests) - before == 3  # the three finished replies were not judged again


def _score(server: JudgeServer) -> dict:
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


# --- a torn last verdict -------------------------------------------------------------------------------------


@pytest.mark.parametrize("cut", ["mid_json", "mid_character", "before_newline"])
def test_torn_last_verdict_is_cut_off_before_the_next_append(served, run_dir, cut):
    server, spec = served
    server.reason = "garde le fait, 保持事实"  # not ASCII: a cut can split a UTF-8 character
    run_judge(run_dir, JUDGING, spec, backoff_s=0.0)
    path = run_dir / JUDGE_DIR / VERDICTS_FILE
    *kept, last = path.read_bytes().splitlines(keepends=True)
    at = {"mid_json": len(last) // 2, "mid_character": last.index("保".encode()) + 1, "before_newline": -1}[cut]
    path.write_bytes(b"".join(kept) + last[:at])  # the process was killed while writing the last verdict
    before = len(server.requests)
    # resumed, with a reliability sample so that rows are appended even when nothing was lost
    info = run_judge(run_dir, JUDGING, spec, backoff_s=0.0, reliability_sample=2)
    assert info["ok"] == 6
    rejudged = 0 if cut == "before_newline" else 1  # a complete verdict lacking its newline is kept
    assert len(server.requests) - before == rejudged + 2
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    rows = [json.loads(line) for line in text.splitlines()]  # every line is a whole verdict
    primary = [r["key"] for r in rows if r["repeat"] == 0]
    assert len(primary) == len(set(primary)) == 6  # every verdict exactly once, the torn one judged again
    assert sum(r["repeat"] == 1 for r in rows) == 2
    assert read_json_lines(path) == rows


def test_a_file_torn_by_an_older_version_is_read_and_repaired(served, run_dir, caplog):
    """Older versions appended the next verdict right after a torn one: the whole verdict after the tear is kept."""
    server, spec = served
    run_judge(run_dir, JUDGING, spec, backoff_s=0.0)
    path = run_dir / JUDGE_DIR / VERDICTS_FILE
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:2]) + lines[2][:40] + b"".join(lines[3:]))  # line 3 torn, line 4 glued to it
    with caplog.at_level(logging.WARNING):
        rows = read_json_lines(path)
    assert [r["key"] for r in rows] == [json.loads(line)["key"] for line in lines[:2] + lines[3:]]
    assert "torn" in caplog.text
    before = len(server.requests)
    assert run_judge(run_dir, JUDGING, spec, backoff_s=0.0)["ok"] == 6
    assert len(server.requests) - before == 1  # only the torn verdict again


# --- a section whose verdicts all failed ---------------------------------------------------------------------


def _add_self_construal_samples(run_dir: Path) -> None:
    """Scored self-construal samples (digit log-likelihoods) beside the behavioural ones: an unrelated section."""
    from culturebench.benchmarks.selfconcept.selfreport import likert_documents

    folder = run_dir / "lm_eval" / "model"
    with (folder / f"samples_culturebench_self_construal_{STAMP}.jsonl").open("w") as f:
        for i, doc in enumerate(likert_documents("self_construal", ("formal",))[:6]):
            logliks = [-3.0 + 0.5 * ((k + i) % 4) for k in range(7)]
            f.write(json.dumps({"doc_id": i, "doc": doc, "filtered_resps": [[ll, False] for ll in logliks]}) + "\n")


@pytest.mark.parametrize("bad_bank", ["face_negotiation", "safety_behavior"])
def test_report_is_written_when_every_verdict_of_one_section_failed(served, run_dir, bad_bank):
    from culturebench.report.build import write_report

    server, spec = served
    server.bad_bank = bad_bank  # never a valid verdict for this bank: all its verdicts are failures
    _add_self_construal_samples(run_dir)
    info = run_judge(run_dir, JUDGING, spec, backoff_s=0.0, max_invalid=0)
    assert info["failed"] == 3 and info["ok"] == 3
    report = write_report(run_dir, n_boot=20).read_text()
    metrics = json.loads((run_dir / "metrics.json").read_text())["selfconcept"]
    assert "### Self-construal (scored)" in report and "scored" in metrics  # the unrelated section is there
    if bad_bank == "face_negotiation":
        face = metrics["face_negotiation"]
        assert face["judged"] == 0 and face["failed"] == 3
        assert all(n == 0 for n in face["counts"]["style"].values())
        section = report.split("### Face negotiation")[1]
        assert "No valid verdicts" in section and "3 failed" in section
        assert "### Observed behaviour (judged)" in report and metrics["safety_behavior"]["scores"]["formal"]
    else:
        assert metrics["safety_behavior"]["status"] == {"formal": {"failed": 3}}
        section = report.split("### Observed behaviour (judged)")[1].split("###")[0]
        assert "No valid verdicts" in section and "3 failed" in section
        assert metrics["face_negotiation"]["judged"] == 3


# --- the API key never reaches a file or a log ---------------------------------------------------------------


def _echoed(headers: dict) -> str:
    """The request headers, the API key's first (a body cut short after a few hundred characters still holds it)."""
    first = sorted(headers.items(), key=lambda kv: kv[0].lower() not in ("authorization", "x-goog-api-key"))
    return "; ".join(f"{k}: {v}" for k, v in first)


def _echo_html(headers: dict) -> str:
    return f"<html><body>Upstream error. Your request: {_echoed(headers)}</body></html>"


def _echo_json(headers: dict) -> dict:
    return {"error": {"code": 400, "message": f"bad request: {_echoed(headers)}", "status": "INVALID_ARGUMENT"}}


LEAKS = {  # error path -> (scripted reply, the backends whose error message quotes the body, key scrubbed)
    "malformed_200_body": ((200, _echo_html), {"openai"}),  # google-genai's parse error does not quote the body
    "non_json_error_body": ((502, _echo_html), {"gemini", "openai"}),
    "error_body_echoes_key": ((400, _echo_json), {"gemini", "openai"}),
    "auth_error_echoes_key": ((401, _echo_json), {"gemini", "openai"}),
    "timeout": ((200, HANG), set()),
}


def _backend(kind: str, url: str, timeout_s: float | None = None):
    extra = {} if timeout_s is None else {"timeout_s": timeout_s}
    return (
        GeminiBackend("judge-model", url, **extra)
        if kind == "gemini"
        else OpenAIBackend("judge-model", f"{url}/v1", **extra)
    )


def _assert_no_key(run_dir: Path, caplog, capfd, *texts: str) -> None:
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    out, err = capfd.readouterr()
    for text in (caplog.text, out, err, *texts):
        assert KEY not in text


@pytest.mark.parametrize("path", list(LEAKS))
def test_api_key_never_reaches_outputs_or_logs_on_any_error_path(served, run_dir, caplog, capfd, path):
    server, _ = served
    caplog.set_level(logging.DEBUG)
    reply, echoed = LEAKS[path]
    server.script = [reply] * 2  # the first reply fails (1 call + 1 retry, or one call each for two replies)
    backend = _backend(server.kind, server.url, timeout_s=0.2 if path == "timeout" else None)
    info = run_judge(run_dir, JUDGING, backend, backoff_s=0.0, max_retries=1)
    assert info["failed"] >= 1
    errors = [r["error"] for r in read_json_lines(run_dir / JUDGE_DIR / VERDICTS_FILE) if r["status"] == "failed"]
    assert errors and all(errors)
    if server.kind in echoed:
        assert any("***" in e for e in errors), errors  # the echoed key reached the message, scrubbed
    _assert_no_key(run_dir, caplog, capfd)


def test_api_key_never_reaches_outputs_when_the_judge_is_unavailable(served, run_dir, caplog, capfd):
    from culturebench.judge.runner import JudgeUnavailable

    server, spec = served
    caplog.set_level(logging.DEBUG)
    server.fallback = (401, _echo_json)  # every call refused, the body echoing the key
    with pytest.raises(JudgeUnavailable) as stopped:
        run_judge(run_dir, JUDGING, spec, backoff_s=0.0, max_fatal=2)
    assert "***" in str(stopped.value)
    _assert_no_key(run_dir, caplog, capfd, str(stopped.value))
    with pytest.raises(JudgeUnavailable) as stopped:  # connection refused
        run_judge(run_dir, JUDGING, spec_for(server.kind, closed_port_url()), backoff_s=0.0, max_fatal=2)
    _assert_no_key(run_dir, caplog, capfd, str(stopped.value))


# --- failing fast: fatal errors, the deadline ----------------------------------------------------------------


def _no_sleep(delay: float) -> None:
    raise AssertionError(f"slept {delay} s: a fatal error must not be retried")


def test_unreachable_judge_gives_up_after_max_fatal_calls(kind, run_dir):
    from culturebench.judge.runner import JudgeUnavailable

    url = closed_port_url()
    start = time.monotonic()
    with pytest.raises(JudgeUnavailable, match=re.escape(url)) as stopped:
        run_judge(run_dir, JUDGING, spec_for(kind, url), max_fatal=3, sleep=_no_sleep)
    assert time.monotonic() - start < 1.0
    assert "refused" in str(stopped.value).lower()
    rows = read_json_lines(run_dir / JUDGE_DIR / VERDICTS_FILE)
    assert [(r["status"], r["calls"]) for r in rows] == [("failed", 1)] * 3  # three calls, then it stopped


def test_a_judge_that_never_answers_stops_after_max_fatal_replies(served, run_dir):
    """Each reply times out on every retry: without a bound the run would spend hours, one reply after another."""
    from culturebench.judge.runner import JudgeUnavailable

    server, _ = served
    server.fallback = (200, HANG)
    start = time.monotonic()
    with pytest.raises(JudgeUnavailable, match=re.escape(server.url)) as stopped:
        run_judge(run_dir, JUDGING, _backend(server.kind, server.url, timeout_s=0.2), max_retries=1, max_fatal=3,
                  backoff_s=0.0, sleep=lambda delay: None)  # fmt: skip
    assert "gave up after 1 retries" in str(stopped.value)
    assert time.monotonic() - start < 5.0
    rows = read_json_lines(run_dir / JUDGE_DIR / VERDICTS_FILE)
    assert [(r["status"], r["calls"]) for r in rows] == [("failed", 2)] * 3


def test_authentication_error_stops_the_run_and_keeps_the_verdicts(served, run_dir):
    from culturebench.judge.runner import JudgeUnavailable

    server, spec = served
    server.script = [(200, _score(server))] * 2
    server.fallback = server.error(401)
    with pytest.raises(JudgeUnavailable, match=re.escape(server.url)) as stopped:
        run_judge(run_dir, JUDGING, spec, max_fatal=3, sleep=_no_sleep)
    assert "401" in str(stopped.value) and "judge-model" in str(stopped.value)
    assert len(server.requests) == 2 + 3
    rows = read_json_lines(run_dir / JUDGE_DIR / VERDICTS_FILE)
    assert [r["status"] for r in rows] == ["ok", "ok", "failed", "failed", "failed"]
    server.fallback = None  # the key is fixed: the rerun judges only what is missing
    assert run_judge(run_dir, JUDGING, spec)["ok"] == 6
    assert len(server.requests) == 5 + 4


@pytest.mark.parametrize("status", [401, 403, 404])
def test_fatal_statuses_are_not_retried(served, run_dir, status):
    from culturebench.judge.runner import JudgeUnavailable

    server, spec = served
    server.fallback = server.error(status)
    with pytest.raises(JudgeUnavailable, match=f"{status}"):
        run_judge(run_dir, JUDGING, spec, max_fatal=1, sleep=_no_sleep)
    assert len(server.requests) == 1


def test_server_errors_stop_at_the_deadline(served, run_dir):
    from culturebench.judge.runner import JudgeDeadlineReached

    server, spec = served
    now = [0.0]
    slept = []

    def sleep(delay: float) -> None:
        slept.append(delay)
        now[0] += delay

    server.script = [(200, _score(server))] * 2
    server.fallback = server.error(503)  # then the server is down for good
    with pytest.raises(JudgeDeadlineReached, match="deadline of 5 s") as stopped:
        run_judge(run_dir, JUDGING, spec, backoff_s=1.0, max_retries=20, deadline_s=5.0, sleep=sleep,
                  clock=lambda: now[0])  # fmt: skip
    assert slept == [1.0, 2.0]  # the next wait (4 s) would end past the deadline: it stops instead
    assert len(server.requests) == 2 + 3
    assert "2 replies judged in this run" in str(stopped.value) and "503" in str(stopped.value)
    assert [r["status"] for r in read_json_lines(run_dir / JUDGE_DIR / VERDICTS_FILE)] == ["ok", "ok"]


def test_deadline_is_checked_between_calls(served, run_dir):
    from culturebench.judge.runner import JudgeDeadlineReached

    server, spec = served
    now = [0.0]
    server.on_request = lambda: now.__setitem__(0, now[0] + 2.0)  # every call takes 2 s
    with pytest.raises(JudgeDeadlineReached):
        run_judge(run_dir, JUDGING, spec, deadline_s=5.0, sleep=_no_sleep, clock=lambda: now[0])
    assert len(server.requests) == 3  # started at 0, 2 and 4 s; at 6 s the deadline has passed
    assert [r["status"] for r in read_json_lines(run_dir / JUDGE_DIR / VERDICTS_FILE)] == ["ok"] * 3
