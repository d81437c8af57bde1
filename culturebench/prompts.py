"""Prompt conditions and the one renderer every task and script uses.

A condition is a small value object: who the adviser is asked to be (persona), in which order the
two options are listed, whether the model's chat template wraps the prompt, and the prompt variant
(framing) of the self-concept benchmarks. Tasks put the
condition's fields into each document, so per-country numbers come from grouping documents.
"""

from __future__ import annotations

from dataclasses import dataclass

from culturebench.countries import get_country
from culturebench.variants import REFERENCE_VARIANT, VARIANTS

PERSONAS: tuple[str, ...] = ("none", "basic", "profile")
NO_PERSONA = "none"  # the country field of a document asked without a persona
ORDERS: tuple[str, ...] = ("AB", "BA")
LETTERS: tuple[str, str] = ("A", "B")

# The project's own persona wording: the model advises as someone raised in the country.
BASIC_PERSONA = (
    "You grew up in {country} and have lived there all your life. "
    "Someone from your own community asks you for advice, and you answer as a person from {country} would."
)
ANSWER_INSTRUCTION = "Pick one of the two options. Reply with its letter only, A or B."
ANSWER_CUE = "Answer:"


@dataclass(frozen=True)
class Wording:
    """The words around a dilemma: persona sentence (with its {country} slot), instruction and answer cue.

    The default is the project's English; a translation (hf_datasets/hofstede_native) gives its own, with
    the persona country's name as it reads in that sentence (`country_name`; None: the registry's English).
    """

    persona: str = BASIC_PERSONA
    instruction: str = ANSWER_INSTRUCTION
    answer_cue: str = ANSWER_CUE
    country_name: str | None = None


ENGLISH = Wording()


@dataclass(frozen=True)
class PromptCondition:
    """How one prompt is rendered: persona, country, option order, chat template, prompt variant.

    A profile-grounded persona carries its text (`profile`): the benchmark that owns the country
    profiles writes it, so this module defines every persona without knowing where profiles come from.
    """

    persona: str = "none"
    country: str | None = None
    order: str = "AB"
    chat_template: bool = False
    variant: str = REFERENCE_VARIANT
    profile: str | None = None
    options_only: bool = False  # the control: the question and the two options without the scenario

    def __post_init__(self) -> None:
        if self.persona not in PERSONAS:
            raise ValueError(f"unknown persona {self.persona!r}; valid: {PERSONAS}")
        if self.order not in ORDERS:
            raise ValueError(f"unknown option order {self.order!r}; valid: {ORDERS}")
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown prompt variant {self.variant!r}; valid: {sorted(VARIANTS)}")
        if (self.persona == "none") != (self.country is None):
            raise ValueError(f"persona {self.persona!r} and country {self.country!r} do not fit together")
        if (self.persona == "profile") != bool(self.profile):
            raise ValueError(f"persona {self.persona!r} needs a profile text exactly when it is 'profile'")
        if self.country is not None:
            object.__setattr__(self, "country", get_country(self.country).alpha2)

    def ordered_options(self, options: list[dict]) -> list[dict]:
        """The item's options in the order they are shown (AB = as stored, BA = swapped)."""
        return list(options) if self.order == "AB" else [options[1], options[0]]

    def letter_of(self, options: list[dict], pole: str = "high") -> str:
        """Letter under which the option on `pole` is shown."""
        shown = self.ordered_options(options)
        return LETTERS[[o["pole"] for o in shown].index(pole)]


def persona_text(condition: PromptCondition, wording: Wording = ENGLISH) -> str:
    if condition.persona == "none":
        return ""
    if condition.persona == "profile":
        return condition.profile
    return wording.persona.replace("{country}", wording.country_name or get_country(condition.country).name_in_text)


def render_dilemma(item: dict, condition: PromptCondition, wording: Wording = ENGLISH) -> str:
    """The prompt text of a binary dilemma under a condition (the answer letter follows it, or the chat turn)."""
    shown = condition.ordered_options(item["options"])
    parts = []
    persona = persona_text(condition, wording)
    if persona:
        parts.append(persona)
    if condition.options_only:
        parts.append(item["question"].strip())
    else:
        parts.append(f"{item['scenario'].strip()}\n{item['question'].strip()}")
    parts.append("\n".join(f"{letter}. {opt['text'].strip()}" for letter, opt in zip(LETTERS, shown)))
    parts.append(wording.instruction)
    text = "\n\n".join(parts)
    # Under a chat template the assistant turn is the cue; without one, "Answer:" (or its translation) is.
    return text if condition.chat_template else f"{text}\n{wording.answer_cue}"
