"""A loopback Gemini server that drafts dilemmas (F063 family ones for WVS, or Hofstede ones) and labels them
blind, for the generation tests."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from culturebench.generate.spec import load_spec
from tests.generate.drafts import GOOD
from tests.generate.hofstede_drafts import HOFSTEDE_DRAFTS
from tests.loopback_llm import Server

KEY = "gm-test-secret-4c3b2a"
SPECS = Path(__file__).resolve().parents[2] / "generation" / "specs"
SPEC = SPECS / "wvs_dilemmas.yaml"
HOFSTEDE_SPEC = SPECS / "hofstede_dilemmas.yaml"
CELL = "F063/family"


class GenServer(Server):
    """Answers a generation prompt with the next chunk of `items` (chunks keyed by the request's seed, so a
    re-ask gets the same chunk) and a blind prompt with the option on the `scored` pole, unless `blind_answers`
    (option text of a draft's scored option -> (option to give: "right" or "wrong", confidence)) says otherwise.
    """

    def __init__(self, items: list[dict] = GOOD, scored: str = "positive") -> None:
        super().__init__("gemini")
        self.items = copy.deepcopy(items)
        self.scored = scored
        self.per_request = 5
        self.chunks: dict[int, int] = {}
        self.blind_answers: dict[str, tuple[str, str]] = {}
        self.answered = Counter()  # "draft" / "blind" answers served (each one paid for)

    def answer(self, prompt: str, body: dict) -> str:
        if "Option 1:" in prompt:
            self.answered["blind"] += 1
            options = {n: re.search(rf"^Option {n}: (.*)$", prompt, re.M).group(1) for n in ("1", "2")}
            pole_of = {o["text"]: o["pole"] for item in self.items for o in item["options"]}
            positive = next(n for n, text in options.items() if pole_of.get(text) == self.scored)
            which, confidence = self.blind_answers.get(options[positive], ("right", "sure"))
            given = positive if which == "right" else ("2" if positive == "1" else "1")
            return json.dumps({"pole_option": given, "confidence": confidence, "balanced": "yes", "note": "fine"})
        self.answered["draft"] += 1
        chunk = self.chunks.setdefault(body["generationConfig"]["seed"], len(self.chunks))
        return json.dumps({"items": self.items[chunk * self.per_request : (chunk + 1) * self.per_request]})


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    s = GenServer()
    yield s
    s.close()


@pytest.fixture
def hofstede_server(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    s = GenServer(HOFSTEDE_DRAFTS, scored="high")
    yield s
    s.close()


@pytest.fixture
def spec():
    return load_spec(SPEC)
