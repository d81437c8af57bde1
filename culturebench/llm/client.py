"""`Client`: a backend with retries, key scrubbing and the answer cache, the one call the generator and other
tools make.

    client = Client(make_backend("gemini:gemini-2.5-flash"), cache_path=Path("out/cache/gemini.jsonl"))
    text = client.complete("Say hello.")                                 # free text
    value = client.complete_json("...", schema={"type": "object", ...})  # parsed JSON, valid against the schema

Every answer is looked up in the cache first (keyed by the hash of the whole request and the backend,
see culturebench.llm.request), so an interrupted run never pays twice. Transient errors (429, 5xx,
timeouts) are retried with exponential backoff; other errors are raised at once. A JSON answer that
does not parse or match the schema is asked again (a new request, cached apart) up to `max_invalid`
times. `prefetch` sends the requests not yet cached as one Gemini Batch API job (its name is kept
beside the cache, so a rerun picks up the running job instead of submitting another) and stores
the answers in the same cache. Every message and answer passes through `scrub`, so no API key
reaches a file or a log.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from culturebench.files import write_json
from culturebench.llm.backends import Backend
from culturebench.llm.cache import AnswerCache
from culturebench.llm.errors import BatchFailed, FatalError, LLMError, NotFound, TransientError, scrub
from culturebench.llm.request import Request, request_key
from culturebench.llm.structured import InvalidOutput, parse_json

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 500


class BatchPending(LLMError):
    """A batch job is still running when the wait ends; run again later to collect it."""


class Client:
    """One backend, its answer cache (`cache_path`, None: no cache), the retry policy and, for the Batch API,
    how often to poll a job (`poll_s`) and how long to wait for it (`batch_timeout_s`, None: until it ends)."""

    def __init__(
        self,
        backend: Backend,
        cache_path: Path | None = None,
        max_retries: int = 5,
        backoff_s: float = 2.0,
        max_invalid: int = 2,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        poll_s: float = 30.0,
        batch_timeout_s: float | None = None,
    ) -> None:
        self.poll_s, self.batch_timeout_s = poll_s, batch_timeout_s
        self.backend, self.max_retries, self.backoff_s, self.max_invalid = backend, max_retries, backoff_s, max_invalid
        self.sleep, self.clock = sleep, clock
        self.secrets: tuple[str, ...] = tuple(getattr(backend, "secrets", ()))
        self.cache = AnswerCache(cache_path, backend.name) if cache_path is not None else None
        self.paid = 0  # answers paid for by this client: calls (retries included) and requests sent in batches
        self.cached = 0  # answers served from the cache

    def _scrub(self, text: str, limit: int | None = MAX_ERROR_CHARS) -> str:
        text = scrub(text, self.secrets)
        return text if limit is None or len(text) <= limit else text[:limit] + "..."

    def key(self, request: Request) -> str:
        return request_key(self.backend.name, self.backend.endpoint, request)

    def _retrying(self, call: Callable[[], object], what: str, paid: bool = True) -> object:
        """call() with transient errors retried after backoff_s, 2 backoff_s, ...; errors re-raised scrubbed.
        `paid`: each call is an answer paid for (not so a batch job's creation or polling)."""
        transient = 0
        while True:
            self.paid += paid
            try:
                return call()
            except TransientError as e:
                error = self._scrub(str(e))
                if transient >= self.max_retries:
                    raise TransientError(f"{what}: gave up after {self.max_retries} retries: {error}") from None
                delay = self.backoff_s * 2**transient
                transient += 1
                log.warning("%s: %s; retry %d of %d in %g s", what, error, transient, self.max_retries, delay)
                self.sleep(delay)
            except LLMError as e:
                raise type(e)(f"{what}: {self._scrub(str(e))}") from None
            except Exception as e:  # a backend bug: stop, without the traceback that could hold a key
                raise LLMError(self._scrub(f"{what} failed unexpectedly: {type(e).__name__}: {e}")) from None

    def ask(self, request: Request) -> str:
        """The answer to `request`: from the cache, or paid for (with retries) and cached at once."""
        key = self.key(request)
        if self.cache is not None and key in self.cache:
            self.cached += 1
            return self.cache.get(key)
        where = self._scrub(f"{self.backend.name} at {self.backend.endpoint}")
        text = self._retrying(
            lambda: self.backend.complete(request.prompt, request.schema, request.temperature, request.seed), where
        )
        text = self._scrub(text, limit=None)
        if self.cache is not None:
            self.cache.add(key, text)
        return text

    def ask_json(self, request: Request, accept: dict | None = None) -> object:
        """The parsed JSON answer, valid against `accept` (default: the request's schema); invalid answers are
        asked again up to `max_invalid` times, then InvalidOutput."""
        accept = request.schema if accept is None else accept
        for _ in range(self.max_invalid + 1):
            try:
                return parse_json(self.ask(request), accept)
            except InvalidOutput as e:
                error = e
                log.warning("%s: %s; asking again", self.backend.name, self._scrub(str(e)))
                request = request.again()
        raise InvalidOutput(f"no valid answer after {self.max_invalid + 1} tries: {self._scrub(str(error))}")

    def complete(
        self, prompt: str, schema: dict | None = None, temperature: float = 0.0, seed: int | None = None
    ) -> str:
        """The answer text (JSON when `schema` is given), cached and retried."""
        return self.ask(Request(prompt, schema, temperature, seed))

    def complete_json(
        self, prompt: str, schema: dict, temperature: float = 0.0, seed: int | None = None, accept: dict | None = None
    ) -> object:
        """The answer as parsed JSON, valid against `accept` (default `schema`), cached, retried and re-asked."""
        return self.ask_json(Request(prompt, schema, temperature, seed), accept)

    # --- the Gemini Batch API -------------------------------------------------------------------------------

    @property
    def batch_state_path(self) -> Path:
        if self.cache is None:
            raise ValueError("the Batch API needs an answer cache (cache_path)")
        return self.cache.path.with_name(self.cache.path.stem + ".batch.json")

    def prefetch(self, requests: list[Request]) -> int:
        """Answer every uncached request through one Batch API job and cache the answers; returns how many.

        A job already submitted by an interrupted run (its name is kept beside the cache) is polled instead
        of submitting again. Requests the job could not answer stay uncached (`ask` pays for them directly).
        Raises BatchPending when `batch_timeout_s` passes first (the job is kept), BatchFailed when the job fails,
        FatalError when the job no longer exists (404); the state file is removed in the last two cases.
        """
        if not hasattr(self.backend, "submit_batch"):
            raise ValueError(f"{self.backend.name} has no Batch API; batch generation needs a gemini backend")
        state_path = self.batch_state_path
        if state_path.exists():
            state = json.loads(state_path.read_text(encoding="utf-8"))
            log.info("picking up batch job %s (%d requests)", state["job"], len(state["keys"]))
        else:
            pending = {self.key(r): r for r in requests if self.key(r) not in self.cache}
            if not pending:
                return 0
            what = f"{self.backend.name}: batch of {len(pending)}"
            name = self._retrying(lambda: self.backend.submit_batch(pending), what, paid=False)
            self.paid += len(pending)
            state = {"job": name, "backend": self.backend.name, "keys": list(pending)}
            write_json(state_path, state)
            log.info("submitted batch job %s (%d requests)", name, len(pending))
        start = self.clock()
        while True:
            try:
                poll = partial(self.backend.batch_results, state["job"], state["keys"])
                results = self._retrying(poll, state["job"], paid=False)
            except BatchFailed as e:
                state_path.unlink(missing_ok=True)
                raise BatchFailed(f"{e}; run again to submit the missing requests anew") from None
            except NotFound as e:  # the job is gone (deleted, or older than the API keeps jobs): never poll it again
                state_path.unlink(missing_ok=True)
                raise FatalError(f"{e}; batch job {state['job']} no longer exists, so its state file {state_path} "
                                 "was removed: run again to submit the missing requests anew") from None  # fmt: skip
            if results is not None:
                break
            timeout = self.batch_timeout_s
            if timeout is not None and self.clock() - start + self.poll_s > timeout:
                raise BatchPending(f"batch job {state['job']} still running after {timeout:g} s; run the same "
                                   "command again to collect it (nothing is submitted twice)")  # fmt: skip
            self.sleep(self.poll_s)
        stored = 0
        for key, answer in results.items():
            if isinstance(answer, str):
                if key not in self.cache:
                    self.cache.add(key, self._scrub(answer, limit=None))
                stored += 1
            else:
                log.warning("batch request %s failed: %s", key[:12], self._scrub(str(answer)))
        state_path.unlink(missing_ok=True)
        return stored
