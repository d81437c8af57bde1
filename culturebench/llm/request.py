"""One model request as a value, and the hash that keys it in the cache."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Request:
    """What is asked: the prompt, the JSON Schema of the answer (None: free text), temperature and seed.

    `attempt` > 0 marks a re-ask after an answer that was not valid: a different request (its seed, if any, is
    the first ask's seed + attempt), cached apart, so a resumed run finds every answer it already paid for, the
    invalid ones included.
    """

    prompt: str
    schema: dict | None = None
    temperature: float = 0.0
    seed: int | None = None
    attempt: int = 0

    def again(self) -> Request:
        """The same request asked once more (after an invalid answer), with seed + attempt when a seed is set:
        a seeded backend would give the same invalid answer to the same seed."""
        seed = None if self.seed is None else self.seed + 1
        return Request(self.prompt, self.schema, self.temperature, seed, self.attempt + 1)


def request_key(backend_name: str, endpoint: str, request: Request) -> str:
    """sha256 of the whole request and who answers it (backend with model, endpoint): the cache key.

    The attempt is left out of the first ask, so the key of a plain request is the hash of exactly
    what is sent.
    """
    payload = {"backend": backend_name, "endpoint": endpoint, **asdict(request)}
    if not request.attempt:
        del payload["attempt"]
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
