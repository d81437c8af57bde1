"""Loopback HTTP servers speaking the Gemini (generateContent, Batch API) and OpenAI (chat completions) wire
formats, for driving the real clients (google-genai, httpx) offline in the judge, llm and generation tests.

`Server(kind)` answers scripted (status, body) replies first (None in the script: the usual reply), then
`fallback` if set, else `default_reply(body)`: the answer `answer(prompt, body)` wrapped as the API would.
Subclasses override `answer`. A body is a JSON value, raw text (sent as HTML), a function of the request
headers returning either (to echo them, API key included), or HANG (no answer until the server shuts down).

Gemini batches: POST .../models/M:batchGenerateContent creates a job (every inlined request answered by
`default_reply`, so scripts do not apply inside a batch); GET .../batches/ID reports it running for
`batch_running_polls` polls, then succeeded with its inlined responses.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG = "hang"  # a scripted reply that never comes (the client times out)
BATCH_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch"


class Server:
    """Loopback HTTP server: scripted replies first, then `fallback`, then `default_reply` (see module docstring)."""

    def __init__(self, kind: str) -> None:
        self.kind, self.script, self.requests = kind, [], []
        self.fallback: tuple[int, object] | None = None
        self.on_request = lambda: None
        self.release = threading.Event()
        self.jobs: dict[str, dict] = {}
        self.batch_running_polls = 1
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                request = {"method": "POST", "path": self.path, "headers": dict(self.headers), "body": body}
                outer.requests.append(request)
                outer.on_request()
                scripted = outer.script.pop(0) if outer.script else None
                if scripted is not None:
                    status, payload = scripted
                elif outer.fallback:
                    status, payload = outer.fallback
                elif self.path.split("?")[0].endswith(":batchGenerateContent"):
                    status, payload = 200, outer.create_batch(self.path, body)
                else:
                    status, payload = outer.default_reply(body)
                self.reply(status, payload)

            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                outer.requests.append({"method": "GET", "path": self.path, "headers": dict(self.headers), "body": None})
                outer.on_request()
                status, payload = outer.script.pop(0) if outer.script else outer.poll_batch(self.path)
                self.reply(status, payload)

            def reply(self, status: int, payload: object) -> None:
                if payload == HANG:
                    outer.release.wait(10)
                    return
                if callable(payload):
                    payload = payload(dict(self.headers))
                raw = isinstance(payload, str)
                data = (payload if raw else json.dumps(payload)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html" if raw else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- what is answered -----------------------------------------------------------------------------------

    def answer(self, prompt: str, body: dict) -> str:
        """The answer text to a prompt (subclasses override)."""
        return "ok"

    def default_reply(self, body: dict) -> tuple[int, dict]:
        return 200, self.wrap(self.answer(self.prompt(body), body))

    def prompt(self, body: dict) -> str:
        if self.kind == "gemini":
            return body["contents"][0]["parts"][0]["text"]
        return body["messages"][0]["content"]

    def wrap(self, text: str) -> dict:
        if self.kind == "gemini":
            return {"candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}]}
        choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        return {"id": "x", "object": "chat.completion", "choices": [choice]}

    def error(self, status: int, message: str = "slow down", state: str = "RESOURCE_EXHAUSTED") -> tuple[int, dict]:
        return status, {"error": {"code": status, "message": message, "status": state}}

    # --- the Gemini Batch API -------------------------------------------------------------------------------

    def create_batch(self, path: str, body: dict) -> dict:
        """A batch job of the inlined requests, every one answered at once (collected when a poll says done)."""
        model = path.split("/models/")[1].split(":")[0]
        name = f"batches/job{len(self.jobs) + 1}"
        inlined = body["batch"]["inputConfig"]["requests"]["requests"]
        responses = [{"response": self.default_reply(r["request"])[1], "metadata": r.get("metadata", {})}
                     for r in inlined]  # fmt: skip
        self.jobs[name] = {"model": model, "requests": inlined, "responses": responses, "polls": 0}
        return {"name": name, "metadata": self._batch_metadata(name, "BATCH_STATE_PENDING")}

    def _batch_metadata(self, name: str, state: str) -> dict:
        return {"@type": BATCH_TYPE, "name": name, "model": f"models/{self.jobs[name]['model']}", "state": state,
                "createTime": "2026-01-01T00:00:00Z"}  # fmt: skip

    def poll_batch(self, path: str) -> tuple[int, dict]:
        name = "batches/" + path.split("?")[0].rsplit("/batches/", 1)[-1]
        if name not in self.jobs:
            return self.error(404, f"{name} not found", "NOT_FOUND")
        job = self.jobs[name]
        job["polls"] += 1
        if job["polls"] <= self.batch_running_polls:
            return 200, {"name": name, "metadata": self._batch_metadata(name, "BATCH_STATE_RUNNING")}
        metadata = self._batch_metadata(name, "BATCH_STATE_SUCCEEDED")
        metadata["output"] = {"inlinedResponses": {"inlinedResponses": job["responses"]}}
        return 200, {"name": name, "metadata": metadata, "done": True}

    def generation_calls(self) -> int:
        """Answers paid for: generateContent calls plus the requests inlined in created batch jobs."""
        direct = sum(r["path"].split("?")[0].endswith(":generateContent") for r in self.requests)
        return direct + sum(len(job["requests"]) for job in self.jobs.values())


def closed_port_url() -> str:
    """The URL of a loopback port nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
