"""Judge backends: Gemini (google-genai), any OpenAI-compatible endpoint, and a local transformers model.

Each backend turns a judge prompt into answer text. Transient failures (rate limits, server
errors, timeouts) raise `TransientError`, which the runner retries with backoff; anything else
raises `JudgeCallError` and is recorded as a failed verdict. API keys come from the environment
and are scrubbed from every error message, so they never reach logs or outputs.

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

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
GEMINI_KEY_VARS = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
OPENAI_KEY_VAR = "OPENAI_API_KEY"


class TransientError(RuntimeError):
    """A failure worth retrying (rate limit, server error, timeout)."""


class JudgeCallError(RuntimeError):
    """A failure retrying will not fix (bad request, authentication, unknown model)."""


class Backend(Protocol):
    name: str  # identifies the judge in caches and reports, e.g. "gemini:gemini-2.5-flash"

    def answer(self, prompt: str, schema: VerdictSchema, temperature: float) -> str: ...


def _scrub(message: str, secret: str | None) -> str:
    return message.replace(secret, "***") if secret else message


def _classify(status: int | None, message: str, secret: str | None) -> Exception:
    text = _scrub(message, secret)
    if status is None or status in RETRY_STATUS:
        return TransientError(f"status {status}: {text}")
    return JudgeCallError(f"status {status}: {text}")


@dataclass
class GeminiBackend:
    """Gemini through the official google-genai client (JSON response mode, no client-side retries)."""

    model: str
    base_url: str | None = None

    def __post_init__(self) -> None:
        from google import genai
        from google.genai import types

        self._key = next((os.environ[v] for v in GEMINI_KEY_VARS if os.environ.get(v)), None)
        if not self._key:
            raise JudgeCallError(f"set one of {GEMINI_KEY_VARS} to use the Gemini judge")
        options = types.HttpOptions(base_url=self.base_url, retry_options=None) if self.base_url else None
        self._client = genai.Client(api_key=self._key, http_options=options)
        self._types = types
        self.name = f"gemini:{self.model}"

    def answer(self, prompt: str, schema: VerdictSchema, temperature: float) -> str:
        from google.genai import errors

        config = self._types.GenerateContentConfig(temperature=temperature, response_mime_type="application/json")
        try:
            response = self._client.models.generate_content(model=self.model, contents=prompt, config=config)
        except errors.APIError as e:
            raise _classify(e.code, str(e), self._key) from None
        except httpx.TransportError as e:
            raise TransientError(_scrub(f"transport error: {e}", self._key)) from None
        return response.text or ""


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
            raise TransientError(_scrub(f"transport error: {e}", self._key)) from None
        if response.status_code != 200:
            raise _classify(response.status_code, response.text[:300], self._key)
        try:
            return response.json()["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise TransientError(f"malformed response body: {response.text[:200]!r}") from None


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
