"""How a failed model call is classified, and the one place API keys are scrubbed from text.

Three kinds of failure: `TransientError` (rate limits, 408, server errors, timeouts, dropped
connections, malformed response bodies), which callers retry with backoff; `FatalError` (connection
refused, unknown host, 401, 403, 404), which no retry fixes; and `CallError` (any other refusal of
one request, e.g. a 400). Messages carry the server's answer as it came, so every backend lists its
API keys in `secrets` and callers pass each message through `scrub` before logging or writing it.
"""

from __future__ import annotations

import httpx

try:  # google-genai talks through httpx2 (a fork under its own name) when it is installed, else httpx
    import httpx2
except ImportError:  # pragma: no cover - depends on the installed google-genai
    httpx2 = None

_HTTPX = tuple(m for m in (httpx, httpx2) if m is not None)
TRANSPORT_ERRORS: tuple[type[Exception], ...] = tuple(m.TransportError for m in _HTTPX)
# the server cannot be reached at all: refused, unknown host / DNS failure, TLS failure, no http(s) scheme
CONNECT_ERRORS: tuple[type[Exception], ...] = tuple(e for m in _HTTPX for e in (m.ConnectError, m.UnsupportedProtocol))
FATAL_STATUS = frozenset({401, 403, 404})  # bad or missing key, no access, unknown model or wrong URL
RETRY_STATUS = frozenset({408, 429})  # and every 5xx
SCRUBBED = "***"


class LLMError(RuntimeError):
    """A failed model call (the message may hold secrets until it is scrubbed)."""


class TransientError(LLMError):
    """A failure worth retrying (rate limit, server error, timeout, malformed response)."""


class CallError(LLMError):
    """A failure retrying this request will not fix (e.g. a bad request)."""


class FatalError(CallError):
    """The backend cannot be used at all (unreachable, unknown host, authentication, unknown model or URL)."""


class NotFound(FatalError):
    """A 404: the model, the URL or (for a Batch API job) the job does not exist."""


class BatchFailed(CallError):
    """A batch job failed, was cancelled or expired; its missing requests must be submitted anew."""


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """`text` with every secret replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, SCRUBBED)
    return text


def status_error(status: int | None, message: str) -> LLMError:
    """The error an HTTP status (None: unknown) stands for: fatal, transient or a failure of this request."""
    text = f"status {status}: {message}"
    if status == 404:
        return NotFound(text)
    if status in FATAL_STATUS:
        return FatalError(text)
    if status is None or status in RETRY_STATUS or status >= 500:
        return TransientError(text)
    return CallError(text)


def transport_error(e: Exception) -> LLMError:
    """A connection that could not be made is fatal; a timeout or a dropped connection is transient."""
    if isinstance(e, CONNECT_ERRORS):
        return FatalError(f"cannot connect ({type(e).__name__}): {e}")
    return TransientError(f"transport error ({type(e).__name__}): {e}")


def empty_answer(reason: str | None) -> LLMError:
    """An empty answer is never an answer (so never cached): stopped for a reason of the request itself (safety
    block, token limit) it fails that request; with no reason, or a plain stop, it is a glitch worth retrying."""
    if reason and str(reason).upper() not in ("STOP", "FINISH_REASON_UNSPECIFIED"):
        return CallError(f"empty answer (stopped: {reason})")
    return TransientError(f"empty answer (stopped: {reason or 'no reason given'})")
