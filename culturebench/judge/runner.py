"""`culturebench judge RUN_DIR --judge SPEC`: score a run's logged behavioural replies, resumably.

Every verdict is appended to RUN_DIR/judge/verdicts.jsonl the moment it is known, keyed by the
sample (bank, item, variant and a hash of the reply), the judge and the rubric version; a
rerun skips every key already judged successfully, so an interrupted run restarts where it
stopped and never pays twice. Failed verdicts are recorded (and counted in the report) and tried
again on the next run. Reliability is measured on a seeded sample: judged again by a second
judge, or by the same judge once more at a higher temperature, with the agreement (weighted
kappa for scores, Cohen's kappa for categories) in RUN_DIR/judge/reliability.json.
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
from culturebench.judge.backends import Backend, JudgeCallError, TransientError, make_backend
from culturebench.judge.verdicts import VerdictError, VerdictSchema, validate_verdict
from culturebench.runs import (
    JUDGE_DIR,
    JUDGE_INFO_FILE,
    RELIABILITY_FILE,
    VERDICTS_FILE,
    Run,
    RunFileError,
    read_verdicts,
    reply_key,
)

log = logging.getLogger(__name__)


def _cache_key(key: str, judge: str, version: str, repeat: int) -> tuple[str, str, str, int]:
    return (key, judge, version, repeat)


class Judge:
    """Judges replies with one backend, retrying transient errors and invalid verdicts, appending to the cache."""

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
    ) -> None:
        self.backend, self.path, self.judging = backend, verdicts_path, judging
        self.temperature, self.max_retries, self.max_invalid = temperature, max_retries, max_invalid
        self.backoff_s, self.sleep = backoff_s, sleep
        self.done = {
            _cache_key(r["key"], r["judge"], r["rubric_version"], r["repeat"]): r
            for r in read_verdicts(verdicts_path)
            if r["status"] == "ok"
        }

    def _call(self, prompt: str, schema: VerdictSchema) -> tuple[dict | None, str, int]:
        """(verdict or None, error, calls made)."""
        calls, invalid, transient = 0, 0, 0
        while True:
            calls += 1
            try:
                text = self.backend.answer(prompt, schema, self.temperature)
            except TransientError as e:
                transient += 1
                if transient > self.max_retries:
                    return None, f"gave up after {self.max_retries} retries: {e}", calls
                self.sleep(self.backoff_s * 2 ** (transient - 1))
                continue
            except JudgeCallError as e:
                return None, str(e), calls
            try:
                return validate_verdict(text, schema), "", calls
            except VerdictError as e:
                invalid += 1
                if invalid > self.max_invalid:
                    return None, f"invalid verdict after {invalid} tries: {e}", calls

    def judge(self, replies: list[dict], repeat: int = 0, desc: str = "judging") -> list[dict]:
        """One verdict row per reply (from the cache where possible)."""
        out = []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            for reply in tqdm(replies, desc=desc, unit="reply"):
                key, version = reply_key(reply), self.judging.version(reply)
                ck = _cache_key(key, self.backend.name, version, repeat)
                if ck in self.done:
                    out.append(self.done[ck])
                    continue
                verdict, error, calls = self._call(self.judging.prompt(reply), self.judging.schema(reply))
                row = {
                    "key": key, "judge": self.backend.name, "rubric_version": version, "repeat": repeat,
                    **{k: reply[k] for k in ("bank", "id", "variant", "construct", "facet")},
                    "status": "ok" if verdict else "failed", **(verdict or {}), "error": error, "calls": calls,
                }  # fmt: skip
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
                f.flush()
                if verdict:
                    self.done[ck] = row
                out.append(row)
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
) -> dict:
    """Judge every logged reply of a run that `judging` names, then the reliability sample; returns judge.json."""
    run_dir = Path(run_dir)
    replies = judging.replies(Run(run_dir))
    if not replies:
        raise RunFileError(f"no logged replies to judge under {run_dir}; run the behaviour tasks with --log_samples "
                           "first (culturebench evaluate does)")  # fmt: skip
    path = run_dir / JUDGE_DIR / VERDICTS_FILE
    primary = make_backend(judge) if isinstance(judge, str) else judge
    kwargs = dict(max_retries=max_retries, max_invalid=max_invalid, backoff_s=backoff_s)
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
