"""`culturebench judge RUN_DIR --judge SPEC`: score a run's logged behavioural replies, resumably.

Every verdict is appended to RUN_DIR/judge/verdicts.jsonl the moment it is known, keyed by the
sample (bank, item, variant and a hash of the reply), the judge and the rubric version; a
rerun skips every key already judged successfully, so an interrupted run restarts where it
stopped and never pays twice (a verdict torn by a kill is cut off and judged again). Failed
verdicts are recorded (and counted in the report) and tried again on the next run. Reliability
is measured on a seeded sample: judged again by a second judge, or by the same judge once more
at a higher temperature, with the agreement (weighted kappa for scores, Cohen's kappa for
categories) in RUN_DIR/judge/reliability.json.

Transient errors are retried with exponential backoff. Fatal ones (the judge unreachable, an
unknown host, 401, 403, 404) are not: after `max_fatal` of them in a row (a reply given up after
every retry counts as one too) the run stops with `JudgeUnavailable`; with `deadline_s` it stops
with `JudgeDeadlineReached` once that many seconds have passed. Either way every verdict written so
far stays and the next run resumes. Every error message and answer of a backend passes through
`Judge._scrub`, which removes the backend's API keys.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from pathlib import Path

from tqdm.auto import tqdm

from culturebench.benchmarks.base import Judging
from culturebench.files import write_json
from culturebench.judge.verdicts import VerdictError, VerdictSchema, validate_verdict
from culturebench.llm.backends import Backend, make_backend
from culturebench.llm.errors import FatalError, LLMError, TransientError, scrub
from culturebench.runs import (
    JUDGE_DIR,
    JUDGE_INFO_FILE,
    RELIABILITY_FILE,
    VERDICTS_FILE,
    Run,
    RunFileError,
    read_json_lines,
    reply_key,
    truncate_torn_tail,
)

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 500  # of an error message, cut after scrubbing (a cut key would not be recognised)


class JudgeStopped(RuntimeError):
    """The run stopped before every reply was judged; the verdicts written so far are kept."""


class JudgeUnavailable(JudgeStopped):
    """The judge failed fatally (unreachable, unknown host, authentication, unknown model) several times in a row."""


class JudgeDeadlineReached(JudgeStopped):
    """The run's time budget (`deadline_s`) is spent."""


def _cache_key(key: str, judge: str, version: str, repeat: int) -> tuple[str, str, str, int]:
    return (key, judge, version, repeat)


class Judge:
    """Judges replies with one backend, retrying transient errors and invalid verdicts, appending to the cache.

    `clock` and `started` (default: now) time `deadline_s`; `sleep` waits between retries.
    """

    def __init__(
        self,
        backend: Backend,
        verdicts_path: Path,
        judging: Judging,
        temperature: float = 0.0,
        max_retries: int = 5,
        max_invalid: int = 2,
        backoff_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        max_fatal: int = 3,
        deadline_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        started: float | None = None,
    ) -> None:
        if max_fatal < 1:
            raise ValueError(f"max_fatal must be at least 1, got {max_fatal}")
        if deadline_s is not None and deadline_s <= 0:
            raise ValueError(f"deadline_s must be positive, got {deadline_s}")
        self.backend, self.path, self.judging = backend, verdicts_path, judging
        self.temperature, self.max_retries, self.max_invalid = temperature, max_retries, max_invalid
        self.backoff_s, self.sleep, self.max_fatal, self.clock = backoff_s, sleep, max_fatal, clock
        self.deadline_s = deadline_s
        self.deadline = None if deadline_s is None else (clock() if started is None else started) + deadline_s
        self.secrets: tuple[str, ...] = tuple(getattr(backend, "secrets", ()))
        self.fatal_in_a_row = 0
        self.judged = 0  # valid verdicts this judge added to the cache
        self.done = {
            _cache_key(r["key"], r["judge"], r["rubric_version"], r["repeat"]): r
            for r in read_json_lines(verdicts_path, "verdict")
            if r["status"] == "ok"
        }

    def _scrub(self, text: str, limit: int | None = MAX_ERROR_CHARS) -> str:
        """The one place every error message and answer of the backend passes: its API keys become ***."""
        text = scrub(text, self.secrets)
        return text if limit is None or len(text) <= limit else text[:limit] + "..."

    @property
    def _where(self) -> str:
        """The judge's name (with its model) and endpoint (base URL), for messages."""
        endpoint = getattr(self.backend, "endpoint", None)
        return self._scrub(f"{self.backend.name} at {endpoint}" if endpoint else self.backend.name)

    def _kept(self) -> str:
        return (f"{self.judged} replies judged in this run and every earlier verdict are kept in {self.path}; "
                "run the same command again to judge the rest")  # fmt: skip

    def _check_deadline(self, wait: float = 0.0, error: str = "") -> None:
        """Stop (JudgeDeadlineReached) when the deadline has passed, or would have before a `wait` ends."""
        if self.deadline is None or self.clock() + wait < self.deadline:
            return
        why = f" before the next retry (in {wait:g} s) after: {error}" if wait else ""
        raise JudgeDeadlineReached(f"judging deadline of {self.deadline_s:g} s reached{why}; {self._kept()}")

    def _call(self, prompt: str, schema: VerdictSchema) -> tuple[dict | None, str, int, bool]:
        """(verdict or None, error, calls made, whether the reply counts toward `max_fatal`).

        A fatal error counts, and so does a reply given up after every retry (timeouts, 5xx), so a judge
        that never answers stops the run after `max_fatal` replies instead of retrying each reply in turn.
        """
        calls, invalid, transient = 0, 0, 0
        while True:
            self._check_deadline()
            calls += 1
            try:
                text = self._scrub(self.backend.complete(prompt, schema.json_schema(), self.temperature), limit=None)
            except LLMError as e:
                error = self._scrub(str(e))
                if not isinstance(e, TransientError):
                    return None, error, calls, isinstance(e, FatalError)
                transient += 1
                if transient > self.max_retries:  # a server that never answers: counts toward max_fatal as well
                    return None, f"gave up after {self.max_retries} retries: {error}", calls, True
                delay = self.backoff_s * 2 ** (transient - 1)
                self._check_deadline(delay, error)
                log.warning("%s: %s; retry %d of %d in %g s", self._where, error, transient, self.max_retries, delay)
                self.sleep(delay)
                continue
            except Exception as e:  # a backend bug: stop, without the traceback that could hold a key
                raise LLMError(self._scrub(f"{self._where} failed unexpectedly: {type(e).__name__}: {e}")) from None
            try:
                return validate_verdict(text, schema), "", calls, False
            except VerdictError as e:
                invalid += 1
                if invalid > self.max_invalid:
                    return None, f"invalid verdict after {invalid} tries: {self._scrub(str(e))}", calls, False

    def judge(self, replies: list[dict], repeat: int = 0, desc: str = "judging") -> list[dict]:
        """One verdict row per reply (from the cache where possible).

        Raises JudgeUnavailable after `max_fatal` fatal errors in a row and JudgeDeadlineReached at the
        deadline; the verdicts written until then are kept.
        """
        out = []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        truncate_torn_tail(self.path, "verdict")  # a verdict torn by a kill must not run into the next one
        with self.path.open("a", encoding="utf-8") as f:
            for reply in tqdm(replies, desc=desc, unit="reply"):
                key, version = reply_key(reply), self.judging.version(reply)
                ck = _cache_key(key, self.backend.name, version, repeat)
                if ck in self.done:
                    out.append(self.done[ck])
                    continue
                verdict, error, calls, fatal = self._call(self.judging.prompt(reply), self.judging.schema(reply))
                row = {
                    "key": key, "judge": self.backend.name, "rubric_version": version, "repeat": repeat,
                    **{k: reply[k] for k in ("bank", "id", "variant", "construct", "facet")},
                    "status": "ok" if verdict else "failed", **(verdict or {}), "error": error, "calls": calls,
                }  # fmt: skip
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
                f.flush()
                if verdict:
                    self.done[ck] = row
                    self.judged += 1
                out.append(row)
                self.fatal_in_a_row = self.fatal_in_a_row + 1 if fatal else 0
                if fatal:
                    log.warning("%s: %s (fatal error %d of %d in a row)", self._where, error, self.fatal_in_a_row,
                                self.max_fatal)  # fmt: skip
                if self.fatal_in_a_row >= self.max_fatal:
                    raise JudgeUnavailable(f"judge {self._where} is unavailable: {self.fatal_in_a_row} fatal errors "
                                           f"in a row, the last: {error}. Check the address, the model name and the "
                                           f"API key; {self._kept()}")  # fmt: skip
        return out


def run_judge(
    run_dir: Path,
    judging: Judging,
    judge: str | Backend,
    second_judge: str | Backend | None = None,
    reliability_sample: int = 0,
    temperature: float = 0.0,
    repeat_temperature: float = 0.7,
    max_retries: int = 5,
    max_invalid: int = 2,
    backoff_s: float = 2.0,
    seed: int = 0,
    max_fatal: int = 3,
    deadline_s: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict:
    """Judge every logged reply of a run that `judging` names, then the reliability sample; returns judge.json.

    Stops with JudgeUnavailable after `max_fatal` fatal errors in a row, and with JudgeDeadlineReached when
    `deadline_s` seconds (on `clock`) have passed; what was judged stays in the cache.
    """
    run_dir = Path(run_dir)
    replies = judging.replies(Run(run_dir))
    if not replies:
        raise RunFileError(f"no logged replies to judge under {run_dir}; run the behaviour tasks with --log_samples "
                           "first (culturebench evaluate does)")  # fmt: skip
    path = run_dir / JUDGE_DIR / VERDICTS_FILE
    primary = make_backend(judge) if isinstance(judge, str) else judge
    kwargs = dict(max_retries=max_retries, max_invalid=max_invalid, backoff_s=backoff_s, sleep=sleep,
                  max_fatal=max_fatal, deadline_s=deadline_s, clock=clock, started=clock())  # fmt: skip
    verdicts = Judge(primary, path, judging, temperature=temperature, **kwargs).judge(replies)
    info = {"judge": primary.name, "temperature": temperature, "replies": len(replies),
            "ok": sum(v["status"] == "ok" for v in verdicts),
            "failed": sum(v["status"] == "failed" for v in verdicts)}  # fmt: skip
    if reliability_sample > 0:
        chosen = sorted(random.Random(seed).sample(range(len(replies)), min(reliability_sample, len(replies))))
        sample = [replies[i] for i in chosen]
        if second_judge is None:  # the same judge again, sampled at a higher temperature
            other, repeat, temp = primary, 1, repeat_temperature
        else:
            other = make_backend(second_judge) if isinstance(second_judge, str) else second_judge
            # a second judge of the same name would hit the primary's cache: count it as a repeat
            repeat, temp = (1, repeat_temperature) if other.name == primary.name else (0, temperature)
        again = Judge(other, path, judging, temperature=temp, **kwargs).judge(sample, repeat=repeat, desc="reliability")
        reliability = {"second": other.name, "repeat": repeat, "temperature": temp,
                       **judging.agreement([verdicts[i] for i in chosen], again)}  # fmt: skip
        write_json(run_dir / JUDGE_DIR / RELIABILITY_FILE, reliability)
        info["reliability"] = reliability
    write_json(run_dir / JUDGE_DIR / JUDGE_INFO_FILE, info)
    return info
