"""Model backends shared by the judge and the generator: Gemini (google-genai), any OpenAI-compatible
server, and a local transformers model.

Every backend answers `complete(prompt, schema=None, temperature=0.0, seed=None) -> str`: the answer
text, JSON when a JSON Schema is given (Gemini: `response_mime_type` application/json with
`response_schema`; OpenAI: JSON mode; local: constrained decoding of flat objects). A failure raises
one of `culturebench.llm.errors` (transient, fatal or a failure of this request). API keys come from
the environment only; each backend lists them in `secrets` for `scrub`. Gemini also runs the Batch
API (`submit_batch`, `batch_results`), which `culturebench.llm.client.Client` drives.

A spec names a backend: `gemini:MODEL[@BASE_URL]`, `openai:MODEL@BASE_URL` (e.g. a vLLM server at
http://localhost:8000/v1) or `local:PATH` (a transformers model folder). A local model is named by its
absolute path and the content revision of its files (`local_name`), so two folders of one basename, or
retrained weights saved over the same folder, never share a cache or a run folder.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import httpx

from culturebench.llm.errors import (
    TRANSPORT_ERRORS,
    BatchFailed,
    CallError,
    FatalError,
    LLMError,
    TransientError,
    empty_answer,
    status_error,
    transport_error,
)
from culturebench.llm.request import Request
from culturebench.llm.revision import folder_revision
from culturebench.llm.structured import wire_schema

GEMINI_KEY_VARS = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
GEMINI_DEFAULT_URL = "https://generativelanguage.googleapis.com"
OPENAI_KEY_VAR = "OPENAI_API_KEY"
BATCH_DONE = "JOB_STATE_SUCCEEDED"
BATCH_FAILED = frozenset({"JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED"})
T = TypeVar("T")


class Backend(Protocol):
    name: str  # identifies the model in caches and reports, e.g. "gemini:gemini-2.5-flash"
    endpoint: str  # where it is: the base URL, or the local model's folder
    secrets: tuple[str, ...]  # API keys to scrub from every message and answer

    def complete(
        self, prompt: str, schema: dict | None = None, temperature: float = 0.0, seed: int | None = None
    ) -> str: ...


@dataclass
class GeminiBackend:
    """Gemini through the official google-genai client (structured output, no client-side retries)."""

    model: str
    base_url: str | None = None
    timeout_s: float = 120.0

    def __post_init__(self) -> None:
        from google import genai
        from google.genai import types

        self._key = next((os.environ[v] for v in GEMINI_KEY_VARS if os.environ.get(v)), None)
        if not self._key:
            raise CallError(f"set one of {GEMINI_KEY_VARS} to use Gemini")
        options = types.HttpOptions(base_url=self.base_url, timeout=int(self.timeout_s * 1000), retry_options=None)
        self._client = genai.Client(api_key=self._key, http_options=options)
        self._types = types
        self.name = f"gemini:{self.model}"
        self.endpoint = self.base_url or GEMINI_DEFAULT_URL
        self.secrets = (self._key,)

    def _config(self, schema: dict | None, temperature: float, seed: int | None):
        if schema is None:
            return self._types.GenerateContentConfig(temperature=temperature, seed=seed)
        return self._types.GenerateContentConfig(
            temperature=temperature,
            seed=seed,
            response_mime_type="application/json",
            response_schema=wire_schema(schema),
        )

    def _call(self, fn: Callable[[], T]) -> T:
        """fn() with google-genai's errors turned into the layer's own."""
        from google.genai import errors

        try:
            return fn()
        except errors.APIError as e:
            if e.code == 400 and ("API_KEY_INVALID" in str(e) or "API key not valid" in str(e)):
                raise FatalError(f"status 400 (API key not valid): {e}") from None
            raise status_error(e.code, str(e)) from None
        except TRANSPORT_ERRORS as e:
            raise transport_error(e) from None
        except (ValueError, TypeError, KeyError, AttributeError) as e:  # a 200 whose body is not a response
            raise TransientError(f"malformed response body ({type(e).__name__}): {e}") from None

    def complete(
        self, prompt: str, schema: dict | None = None, temperature: float = 0.0, seed: int | None = None
    ) -> str:
        config = self._config(schema, temperature, seed)
        response = self._call(lambda: self._client.models.generate_content(model=self.model, contents=prompt,
                                                                           config=config))  # fmt: skip
        return self._call(lambda: _gemini_text(response))

    def submit_batch(self, requests: dict[str, Request]) -> str:
        """Start a Batch API job of inlined requests, each tagged with its key; returns the job's name."""
        src = [
            self._types.InlinedRequest(
                model=self.model, contents=r.prompt, metadata={"key": key},
                config=self._config(r.schema, r.temperature, r.seed),
            )
            for key, r in requests.items()
        ]  # fmt: skip
        job = self._call(lambda: self._client.batches.create(model=self.model, src=src))
        if not job.name:
            raise TransientError("the batch job was created without a name")
        return job.name

    def batch_results(self, name: str, keys: list[str]) -> dict[str, str | LLMError] | None:
        """None while job `name` runs; when it has succeeded, {key: answer text, or the error of that request}.

        `keys` are the job's keys in submission order, for responses that come back without their metadata.
        A failed, cancelled or expired job raises BatchFailed (submit again).
        """
        job = self._call(lambda: self._client.batches.get(name=name))
        state = getattr(job.state, "value", job.state)
        if state in BATCH_FAILED:
            raise BatchFailed(f"batch job {name} ended as {state}: {job.error}")
        if state != BATCH_DONE:
            return None
        responses = (job.dest.inlined_responses if job.dest else None) or []
        out: dict[str, str | LLMError] = {}
        for k, item in enumerate(responses):
            key = (item.metadata or {}).get("key") or (keys[k] if k < len(keys) else None)
            if key is None:
                continue
            if item.error is not None or item.response is None:
                out[key] = CallError(f"batch request failed: {item.error}")
                continue
            try:
                out[key] = self._call(lambda item=item: _gemini_text(item.response))
            except LLMError as e:  # an empty answer: left uncached, asked again directly
                out[key] = e
        return out


def _gemini_text(response) -> str:
    """The text of a generateContent response; an empty one raises (see `empty_answer`), it is never an answer."""
    if text := response.text:
        return text
    feedback = response.prompt_feedback
    candidate = (response.candidates or [None])[0]
    reason = (feedback.block_reason if feedback else None) or getattr(candidate, "finish_reason", None)
    raise empty_answer(getattr(reason, "value", reason))


@dataclass
class OpenAIBackend:
    """Chat completions of any OpenAI-compatible server (OpenAI, vLLM, llama.cpp...), JSON mode for schemas."""

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

    def complete(
        self, prompt: str, schema: dict | None = None, temperature: float = 0.0, seed: int | None = None
    ) -> str:
        messages = [{"role": "user", "content": prompt}]
        body: dict = {"model": self.model, "messages": messages, "temperature": temperature}
        if seed is not None:
            body["seed"] = seed
        if schema is not None:
            body["response_format"] = {"type": "json_object"}
        try:
            response = self._client.post("/chat/completions", json=body)
        except httpx.TransportError as e:
            raise transport_error(e) from None
        if response.status_code != 200:
            raise status_error(response.status_code, response.text)
        try:
            choice = response.json()["choices"][0]
            text = choice["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise TransientError(f"malformed response body: {response.text!r}") from None
        if not text:
            raise empty_answer(choice.get("finish_reason"))
        return text


def _flat_fields(schema: dict | None) -> list[tuple[str, list[str] | None]] | None:
    """(property, allowed strings or None for free text) of a flat object schema, else None."""
    if not schema or schema.get("type") != "object":
        return None
    fields = []
    for name, sub in schema.get("properties", {}).items():
        if "enum" in sub:
            fields.append((name, [str(v) for v in sub["enum"]]))
        elif sub.get("type") == "string":
            fields.append((name, None))
        else:
            return None
    return fields


@dataclass
class LocalBackend:
    """A local transformers model, which cannot be trusted to write JSON. For a flat object schema each
    enum field is chosen among its values by log-likelihood after the prompt (constrained decoding) and
    each free-text field is a short greedy continuation, so the answer is always well-formed; any other
    request is answered by plain greedy generation."""

    path: str
    text_tokens: int = 24  # per free-text field of a constrained answer
    max_new_tokens: int = 512  # of a plain answer

    def __post_init__(self) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.name = local_name(self.path)  # first: a missing folder is named before anything loads
        self._torch = torch
        self._tok = AutoTokenizer.from_pretrained(self.path)
        self._model = AutoModelForCausalLM.from_pretrained(self.path)
        self._model.eval()
        # Keep the end of over-long prompts (the request and the answer format are there).
        self._max_context = int(getattr(self._model.config, "max_position_embeddings", 4096)) - self.text_tokens - 16
        self.endpoint, self.secrets = str(Path(self.path).expanduser().resolve()), ()

    def _encode(self, text: str, room: int = 0):
        ids = self._tok(text, return_tensors="pt").input_ids
        return ids[:, -max(self._max_context - room, 1) :]

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

    def _greedy(self, text: str, tokens: int, room: int = 0) -> str:
        ids = self._encode(text, room)
        with self._torch.no_grad():
            out = self._model.generate(ids, max_new_tokens=tokens, do_sample=False,
                                       pad_token_id=self._tok.pad_token_id or self._tok.eos_token_id)  # fmt: skip
        return self._tok.decode(out[0, ids.shape[1] :], skip_special_tokens=True)

    def complete(
        self, prompt: str, schema: dict | None = None, temperature: float = 0.0, seed: int | None = None
    ) -> str:
        fields = _flat_fields(schema)
        if fields is None:
            return self._greedy(prompt, self.max_new_tokens, room=self.max_new_tokens - self.text_tokens)
        text, answer = prompt + "\n\n{", {}
        for i, (field, allowed) in enumerate(fields):
            text += ("" if i == 0 else ", ") + f'"{field}": "'
            if allowed is None:
                answer[field] = self._greedy(text, self.text_tokens).split('"')[0].strip()
            else:
                logprobs = [self._logprob(text, value + '"') for value in allowed]
                answer[field] = allowed[self._pick(logprobs, temperature, prompt)]
            text += answer[field] + '"'
        return json.dumps(answer, ensure_ascii=False)


def parse_spec(spec: str) -> tuple[str, str, str]:
    """(kind, model or path, base URL or "") of a backend spec (see module docstring), or a ValueError."""
    kind, _, rest = spec.partition(":")
    model, _, base_url = rest.partition("@")
    if (kind == "gemini" and model) or (kind == "openai" and model and base_url):
        return kind, model, base_url
    if kind == "local" and rest:
        return kind, rest, ""
    raise ValueError(
        f"backend spec {spec!r} not understood; use gemini:MODEL[@BASE_URL], openai:MODEL@BASE_URL or local:PATH"
    )


def local_name(path: str) -> str:
    """`local:ABSOLUTE_PATH@REVISION`, the name of a local model (see module docstring)."""
    return f"local:{Path(path).expanduser().resolve()}@{folder_revision(path)}"


def backend_name(spec: str) -> str:
    """The name the backend of `spec` will carry (as in caches and reports), without building it."""
    kind, model, _ = parse_spec(spec)
    return local_name(model) if kind == "local" else f"{kind}:{model}"


def make_backend(spec: str, timeout_s: float | None = None) -> Backend:
    """The backend a spec names (see module docstring), or a ValueError saying what is accepted.

    timeout_s: how long a remote backend waits for one answer (default each backend's own); a server that never
    answers then fails the call as a transient error, retried and finally reported, instead of hanging the run."""
    kind, model, base_url = parse_spec(spec)
    if timeout_s is not None and not timeout_s > 0:
        raise ValueError(f"a timeout must be a positive number of seconds, got {timeout_s}")
    wait = {} if timeout_s is None else {"timeout_s": timeout_s}
    if kind == "gemini":
        return GeminiBackend(model, base_url or None, **wait)
    if kind == "openai":
        return OpenAIBackend(model, base_url, **wait)
    return LocalBackend(model)
