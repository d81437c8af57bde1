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

import hashlib
import json
import logging
import random
import time
from collections.abc import Callable
from pathlib import Path

from tqdm.auto import tqdm

from culturebench.behavior import CONFLICT_STYLES, FACE_CONCERNS
from culturebench.judge.backends import Backend, JudgeCallError, TransientError, make_backend
from culturebench.judge.rubric import SCHEMAS, VerdictError, judge_prompt, rubric_version, validate_verdict
from culturebench.report.samples import RunFileError, reply_rows
from culturebench.stats import weighted_kappa

log = logging.getLogger(__name__)
JUDGE_DIR = "judge"
VERDICTS_FILE = "verdicts.jsonl"
JUDGE_INFO_FILE = "judge.json"
RELIABILITY_FILE = "reliability.json"
SCORE_POINTS = tuple(range(1, 8))


def sample_key(reply: dict) -> str:
    """Hash of what was judged: the item, its variant and the exact reply text."""
    payload = json.dumps([reply["bank"], reply["id"], reply["variant"], reply["reply"]], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def read_verdicts(path: Path) -> list[dict]:
    """Verdicts recorded so far; a torn last line (a run killed mid-write) is dropped, others are errors."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = []
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            if i == len(lines):
                log.warning("%s:%d: dropping an unfinished last verdict; it will be judged again", path, i)
                continue
            raise RunFileError(f"{path}:{i}: not valid JSON ({e.msg})") from None
    return rows


def _cache_key(key: str, judge: str, version: str, repeat: int) -> tuple[str, str, str, int]:
    return (key, judge, version, repeat)


class Judge:
    """Judges replies with one backend, retrying transient errors and invalid verdicts, appending to the cache."""

    def __init__(
        self,
        backend: Backend,
        verdicts_path: Path,
        temperature: float = 0.0,
        max_retries: int = 5,
        max_invalid: int = 2,
        backoff_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.backend, self.path = backend, verdicts_path
        self.temperature, self.max_retries, self.max_invalid = temperature, max_retries, max_invalid
        self.backoff_s, self.sleep = backoff_s, sleep
        self.done = {
            _cache_key(r["key"], r["judge"], r["rubric_version"], r["repeat"]): r
            for r in read_verdicts(verdicts_path)
            if r["status"] == "ok"
        }

    def _call(self, prompt: str, bank: str) -> tuple[dict | None, str, int]:
        """(verdict or None, error, calls made)."""
        calls, invalid, transient = 0, 0, 0
        while True:
            calls += 1
            try:
                text = self.backend.answer(prompt, SCHEMAS[bank], self.temperature)
            except TransientError as e:
                transient += 1
                if transient > self.max_retries:
                    return None, f"gave up after {self.max_retries} retries: {e}", calls
                self.sleep(self.backoff_s * 2 ** (transient - 1))
                continue
            except JudgeCallError as e:
                return None, str(e), calls
            try:
                return validate_verdict(text, SCHEMAS[bank]), "", calls
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
                key, version = sample_key(reply), rubric_version(reply["bank"], reply["id"])
                ck = _cache_key(key, self.backend.name, version, repeat)
                if ck in self.done:
                    out.append(self.done[ck])
                    continue
                verdict, error, calls = self._call(
                    judge_prompt(reply["bank"], reply["id"], reply["reply"]), reply["bank"]
                )
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


def agreement(first: list[dict], second: list[dict]) -> dict:
    """Agreement of two verdict lists on the same replies: weighted kappa (scores), kappa (categories)."""
    pairs = [(a, b) for a, b in zip(first, second) if a["status"] == "ok" and b["status"] == "ok"]
    out: dict = {"pairs": len(pairs)}
    scores = [(int(a["score"]), int(b["score"])) for a, b in pairs if a["bank"] == "safety_behavior"]
    if scores:
        xs, ys = zip(*scores)
        out["score"] = {"n": len(scores), "weighted_kappa_quadratic": weighted_kappa(xs, ys, SCORE_POINTS),
                        "exact": sum(x == y for x, y in scores) / len(scores),
                        "within_one": sum(abs(x - y) <= 1 for x, y in scores) / len(scores)}  # fmt: skip
    for field, cats in (("face_concern", FACE_CONCERNS), ("style", CONFLICT_STYLES)):
        cat = [(a[field], b[field]) for a, b in pairs if a["bank"] == "face_negotiation"]
        if cat:
            xs, ys = zip(*cat)
            out[field] = {"n": len(cat), "kappa": weighted_kappa(xs, ys, cats, weights="none"),
                          "exact": sum(x == y for x, y in cat) / len(cat)}  # fmt: skip
    return out


def run_judge(
    run_dir: Path,
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
    """Judge every logged behavioural reply of a run, then the reliability sample; returns judge.json."""
    run_dir = Path(run_dir)
    replies = reply_rows(run_dir)
    if not replies:
        raise RunFileError(f"no logged replies of culturebench_safety_behavior or culturebench_face_negotiation "
                           f"under {run_dir}; run those tasks with --log_samples first")  # fmt: skip
    path = run_dir / JUDGE_DIR / VERDICTS_FILE
    primary = make_backend(judge) if isinstance(judge, str) else judge
    kwargs = dict(max_retries=max_retries, max_invalid=max_invalid, backoff_s=backoff_s)
    verdicts = Judge(primary, path, temperature=temperature, **kwargs).judge(replies)
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
        again = Judge(other, path, temperature=temp, **kwargs).judge(sample, repeat=repeat, desc="reliability")
        reliability = {"second": other.name, "repeat": repeat, "temperature": temp,
                       **agreement([verdicts[i] for i in chosen], again)}  # fmt: skip
        (run_dir / JUDGE_DIR / RELIABILITY_FILE).write_text(json.dumps(reliability, indent=2))
        info["reliability"] = reliability
    (run_dir / JUDGE_DIR / JUDGE_INFO_FILE).write_text(json.dumps(info, indent=2))
    return info


def primary_verdicts(run_dir: Path, replies: list[dict]) -> list[dict]:
    """The current verdicts of the run's primary judge (judge.json) on its logged `replies` (latest wins)."""
    info_path = Path(run_dir) / JUDGE_DIR / JUDGE_INFO_FILE
    if not info_path.exists():
        return []
    name = json.loads(info_path.read_text())["judge"]
    wanted = {sample_key(r) for r in replies}
    latest: dict[str, dict] = {}
    for row in read_verdicts(Path(run_dir) / JUDGE_DIR / VERDICTS_FILE):
        if row["judge"] == name and row["repeat"] == 0 and row["key"] in wanted:
            if row["rubric_version"] == rubric_version(row["bank"], row["id"]):
                if row["key"] not in latest or latest[row["key"]]["status"] != "ok":
                    latest[row["key"]] = row
    return list(latest.values())
