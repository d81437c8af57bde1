"""Judge backends: Gemini (google-genai), any OpenAI-compatible endpoint, and a local transformers model.

Each backend turns a judge prompt into answer text. Failures raise a `JudgeError` of one of three kinds:
`TransientError` (rate limits, 408, server errors, timeouts, dropped connections, malformed response
bodies), which the runner retries with backoff; `FatalError` (connection refused, unknown host,
401, 403, 404), which no retry fixes and after a few of which in a row the runner stops the whole
run; and `JudgeCallError` (any other refusal of one request), recorded as a failed verdict. Error
messages carry the server's answer as it came: each backend lists its API keys in `secrets`, and
the runner scrubs them from every message and answer in one place (`scrub`) before anything is
logged or written.

A spec names a backend: `gemini:MODEL[@BASE_URL]`, `openai:MODEL@BASE_URL` (e.g. a vLLM server at
http://localhost:8000/v1) or `local:PATH` (a transformers model folder).
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from typing import Protocol

import httpx

from culturebench.judge.verdicts import VerdictSchema

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
GEMINI_KEY_VARS = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
GEMINI_DEFAULT_URL = "https://generativelanguage.googleapis.com"
OPENAI_KEY_VAR = "OPENAI_API_KEY"
SCRUBBED = "***"


class JudgeError(RuntimeError):
    """A failed judge call (the message may hold secrets until the runner scrubs it)."""


class TransientError(JudgeError):
    """A failure worth retrying (rate limit, server error, timeout, malformed response)."""


class JudgeCallError(JudgeError):
    """A failure retrying this request will not fix (e.g. a bad request); the reply is recorded as failed."""


class FatalError(JudgeCallError):
    """The judge cannot be used at all (unreachable, unknown host, authentication, unknown model or URL)."""


class Backend(Protocol):
    name: str  # identifies the judge in caches and reports, e.g. "gemini:gemini-2.5-flash"
    endpoint: str  # where it is: the base URL, or the local model's folder
    secrets: tuple[str, ...]  # API keys the runner scrubs from every message and answer

    def answer(self, prompt: str, schema: VerdictSchema, temperature: float) -> str: ...


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """`text` with every secret replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, SCRUBBED)
    return text


def status_error(status: int | None, message: str) -> JudgeError:
    """The error an HTTP status (None: unknown) stands for: fatal, transient or a failure of this request."""
    text = f"status {status}: {message}"
    if status in FATAL_STATUS:
        return FatalError(text)
    if status is None or status in RETRY_STATUS or status >= 500:
        return TransientError(text)
    return JudgeCallError(text)


def transport_error(e: Exception) -> JudgeError:
    """A connection that could not be made is fatal; a timeout or a dropped connection is transient."""
    if isinstance(e, CONNECT_ERRORS):
        return FatalError(f"cannot connect ({type(e).__name__}): {e}")
    return TransientError(f"transport error ({type(e).__name__}): {e}")


@dataclass
class GeminiBackend:
    """Gemini through the official google-genai client (JSON response mode, no client-side retries)."""

    model: str
    base_url: str | None = None
    timeout_s: float = 120.0

    def __post_init__(self) -> None:
        from google import genai
        from google.genai import types

        self._key = next((os.environ[v] for v in GEMINI_KEY_VARS if os.environ.get(v)), None)
        if not self._key:
            raise JudgeCallError(f"set one of {GEMINI_KEY_VARS} to use the Gemini judge")
        options = types.HttpOptions(base_url=self.base_url, timeout=int(self.timeout_s * 1000), retry_options=None)
        self._client = genai.Client(api_key=self._key, http_options=options)
        self._types = types
        self.name = f"gemini:{self.model}"
        self.endpoint = self.base_url or GEMINI_DEFAULT_URL
        self.secrets = (self._key,)

    def answer(self, prompt: str, schema: VerdictSchema, temperature: float) -> str:
        from google.genai import errors

        config = self._types.GenerateContentConfig(temperature=temperature, response_mime_type="application/json")
        try:
            response = self._client.models.generate_content(model=self.model, contents=prompt, config=config)
            return response.text or ""
        except errors.APIError as e:
            if e.code == 400 and ("API_KEY_INVALID" in str(e) or "API key not valid" in str(e)):
                raise FatalError(f"status 400 (API key not valid): {e}") from None
            raise status_error(e.code, str(e)) from None
        except TRANSPORT_ERRORS as e:
            raise transport_error(e) from None
        except (ValueError, TypeError, KeyError, AttributeError) as e:  # a 200 whose body is not a response
            raise TransientError(f"malformed response body ({type(e).__name__}): {e}") from None


@dataclass
class OpenAIBackend:
    """Chat completions of any OpenAI-compatible server (OpenAI, vLLM, llama.cpp...), JSON mode."""

    model: str
    base_url: str
    timeout_s: float = 120.0

    def __post_init__(self) -> None:
        self._key = os.environ.get(OPENAI_KEY_VAR)
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        self._client = httpx.Client(base_url=self.base_url.rstrip("/"), headers=headers, timeout=self.timeout_s)
        self.name = f"openai:{self.model}"
        self.endpoint = self.base_url
        self.secrets = (self._key,) if self._key else ()

    def answer(self, prompt: str, schema: VerdictSchema, temperature: float) -> str:
        body = {
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": temperature,
            "response_format": {"type": "json_object"},
        }
        try:
            response = self._client.post("/chat/completions", json=body)
        except httpx.TransportError as e:
            raise transport_error(e) from None
        if response.status_code != 200:
            raise status_error(response.status_code, response.text)
        try:
            return response.json()["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise TransientError(f"malformed response body: {response.text!r}") from None


@dataclass
class LocalBackend:
    """A local transformers model that cannot be trusted to write JSON: each field is chosen among
    its allowed values by log-likelihood after the prompt (constrained decoding), and the reason is
    a short greedy continuation. The verdict is therefore always well-formed."""

    path: str
    reason_tokens: int = 24

    def __post_init__(self) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self._torch = torch
        self._tok = AutoTokenizer.from_pretrained(self.path)
        self._model = AutoModelForCausalLM.from_pretrained(self.path)
        self._model.eval()
        # Keep the end of over-long prompts (the reply and the answer format are there).
        self._max_context = int(getattr(self._model.config, "max_position_embeddings", 4096)) - self.reason_tokens - 16
        self.name = f"local:{os.path.basename(os.path.normpath(self.path))}"
        self.endpoint, self.secrets = self.path, ()

    def _encode(self, text: str, room: int = 0):
        ids = self._tok(text, return_tensors="pt").input_ids
        return ids[:, -(self._max_context - room) :]

    def _logprob(self, context: str, continuation: str) -> float:
        cont = self._tok(continuation, add_special_tokens=False, return_tensors="pt").input_ids
        ctx = self._encode(context, room=cont.shape[1])
        ids = self._torch.cat([ctx, cont], dim=1)
        with self._torch.no_grad():
            logits = self._model(ids).logits[0, ctx.shape[1] - 1 : -1]
        logp = self._torch.log_softmax(logits.float(), dim=-1)
        return float(logp.gather(1, cont[0].unsqueeze(1)).sum())

    def _pick(self, logprobs: list[float], temperature: float, prompt: str) -> int:
        """Argmax at temperature 0; else a draw from softmax(logprob / T), seeded by the prompt (reproducible)."""
        if temperature <= 0:
            return max(range(len(logprobs)), key=logprobs.__getitem__)
        weights = self._torch.softmax(self._torch.tensor(logprobs) / temperature, dim=0).tolist()
        return random.Random(f"{temperature}:{prompt}").choices(range(len(logprobs)), weights=weights)[0]

    def answer(self, prompt: str, schema: VerdictSchema, temperature: float) -> str:

        text = prompt + "\n\n{"
        verdict = {}
        for i, (field, allowed) in enumerate(schema.fields):
            text += ("" if i == 0 else ", ") + f'"{field}": "'
            logprobs = [self._logprob(text, value + '"') for value in allowed]
            verdict[field] = allowed[self._pick(logprobs, temperature, prompt)]
            text += verdict[field] + '"'
        ids = self._encode(text + ', "reason": "')
        with self._torch.no_grad():
            out = self._model.generate(ids, max_new_tokens=self.reason_tokens, do_sample=False,
                                       pad_token_id=self._tok.pad_token_id or self._tok.eos_token_id)  # fmt: skip
        reason = self._tok.decode(out[0, ids.shape[1] :], skip_special_tokens=True).split('"')[0].strip()
        return json.dumps({**verdict, "reason": reason})


def make_backend(spec: str) -> Backend:
    """The backend a spec names (see module docstring), or a ValueError saying what is accepted."""
    kind, _, rest = spec.partition(":")
    model, _, base_url = rest.partition("@")
    if kind == "gemini" and model:
        return GeminiBackend(model, base_url or None)
    if kind == "openai" and model and base_url:
        return OpenAIBackend(model, base_url)
    if kind == "local" and rest:
        return LocalBackend(rest)
    raise ValueError(
        f"judge spec {spec!r} not understood; use gemini:MODEL[@BASE_URL], openai:MODEL@BASE_URL or local:PATH"
    )
