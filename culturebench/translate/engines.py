"""Translation engines behind one small protocol: translate a batch of texts between two NLLB language codes.

An engine is built from its spec (`nllb:MODEL`, `ct2:PATH`, `llm:SPEC`) without loading anything: its identity
(engine, model, revision, decoding) keys the cache, and the model is loaded on the first `translate` call, so a run
whose translations are all cached never loads one. An engine needs only `identity`, `loaded` and `translate`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from culturebench.llm.revision import folder_revision

log = logging.getLogger(__name__)

ENGINES = ("nllb", "ct2", "llm")
LLM_PROMPT_VERSION = "1"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass(frozen=True)
class EngineIdentity:
    """What a translation depends on besides its text and languages; one cache and one output folder each."""

    engine: str
    model: str
    revision: str
    decoding: str  # the generation settings that change the output, e.g. beams=4,max_new_tokens=512

    @property
    def digest(self) -> str:
        """A short sha256 of the whole identity, for the names of the files that belong to it alone."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


class Engine(Protocol):
    identity: EngineIdentity
    loaded: bool  # whether a model was loaded (a fully cached run must leave it False)

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        """Translations of `texts` from `src` to `tgt` (NLLB codes such as eng_Latn, fra_Latn), in order."""
        ...


@dataclass(frozen=True)
class Settings:
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    beams: int = 4
    max_new_tokens: int = 512  # cap; each batch allows 2 x its longest input + 10
    revision: str | None = None  # Hub revision of an nllb:ORG/NAME model
    work_dir: Path = Path(".")  # the cache folder: ct2 conversions and llm answer caches are kept there
    timeout_s: float | None = None  # llm engines: seconds to wait for one answer (None: the backend's default)
    max_retries: int = 5  # llm engines: retries of a rate limit, server error or timeout

    @property
    def decoding(self) -> str:
        return f"beams={self.beams},max_new_tokens={self.max_new_tokens}"


def make_engine(spec: str, settings: Settings) -> Engine:
    """The engine a spec names; checks the spec and the model's files but loads nothing."""
    kind, sep, target = spec.partition(":")
    if not sep or not target or kind not in ENGINES:
        raise ValueError(f"--engine {spec!r}: expected one of nllb:MODEL (Hub id or folder), ct2:PATH, llm:SPEC")
    if kind == "nllb":
        return NllbEngine(target, settings)
    if kind == "llm":
        return LlmEngine(target, settings.work_dir, settings.timeout_s, settings.max_retries)
    return Ct2Engine(target, settings)


def _resolve_model(name: str, revision: str | None) -> tuple[str, str]:
    """(what to load, revision) for a model folder or a Hub id, without downloading weights."""
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"model folder {path} has no config.json")
        return str(path.resolve()), folder_revision(path)
    if not _HUB_ID.match(name):
        raise FileNotFoundError(f"model {name!r}: no such folder, and not a Hub id (ORG/NAME)")
    from huggingface_hub import HfApi, try_to_load_from_cache

    cached = try_to_load_from_cache(name, "config.json", revision=revision)
    if isinstance(cached, str):
        snapshot = Path(cached).parent
        return str(snapshot), snapshot.name
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "false", ""):
        raise FileNotFoundError(f"model {name!r} is not in the local Hub cache and HF_HUB_OFFLINE is set")
    sha = HfApi().model_info(name, revision=revision).sha
    return name, sha


def _device(setting: str, cuda_available: bool) -> str:
    return ("cuda" if cuda_available else "cpu") if setting == "auto" else setting


def _token_budget(settings: Settings, longest_input: int) -> int:
    return min(settings.max_new_tokens, 2 * longest_input + 10)


class NllbEngine:
    """An NLLB (M2M100-architecture) model through transformers: `src_lang` on the tokenizer, the target language
    token forced as the first generated token."""

    def __init__(self, model: str, settings: Settings) -> None:
        self.settings = settings
        self.source, revision = _resolve_model(model, settings.revision)
        label = self.source if Path(model).expanduser().is_dir() else model  # a folder by path, a Hub model by id
        self.identity = EngineIdentity("nllb", label, revision, settings.decoding)
        self.loaded = False
        self._model = self._tokenizer = None

    def _load(self) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        revision = None if Path(self.source).is_dir() else self.identity.revision
        self._tokenizer = AutoTokenizer.from_pretrained(self.source, revision=revision)
        device = _device(self.settings.device, torch.cuda.is_available())
        self._model = AutoModelForSeq2SeqLM.from_pretrained(self.source, revision=revision).to(device).eval()
        self.loaded = True

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        import torch

        if not self.loaded:
            self._load()
        tok = self._tokenizer
        language_token_id(tok, src)
        tok.src_lang = src
        target_id = language_token_id(tok, tgt)
        batch = tok(texts, return_tensors="pt", padding=True).to(self._model.device)
        with torch.inference_mode():
            out = self._model.generate(
                **batch,
                forced_bos_token_id=target_id,
                num_beams=self.settings.beams,
                max_new_tokens=_token_budget(self.settings, batch["input_ids"].shape[1]),
            )
        return tok.batch_decode(out, skip_special_tokens=True)


def language_token_id(tokenizer, code: str) -> int:
    """The id of a language code token; an error naming the code when the tokenizer lacks it."""
    token_id = tokenizer.convert_tokens_to_ids(code)
    if token_id is None or token_id == tokenizer.unk_token_id:
        raise ValueError(f"the model's tokenizer has no language token {code!r}")
    return token_id


class Ct2Engine:
    """A CTranslate2 conversion of an NLLB model: PATH is a CTranslate2 folder (model.bin and the NLLB tokenizer
    files), or a transformers NLLB folder that is converted once to int8 under the work folder."""

    def __init__(self, path: str, settings: Settings) -> None:
        self.settings = settings
        folder = Path(path).expanduser()
        if not folder.is_dir():
            raise FileNotFoundError(f"ct2 model folder {folder} does not exist")
        self.converted = (folder / "model.bin").is_file()
        if not self.converted and not (folder / "config.json").is_file():
            raise FileNotFoundError(f"{folder} holds neither a CTranslate2 model (model.bin) nor a transformers one")
        if self.converted and not (folder / "tokenizer_config.json").is_file():
            raise FileNotFoundError(
                f"{folder} has no NLLB tokenizer files: save them there with tokenizer.save_pretrained({str(folder)!r})"
            )
        revision = folder_revision(folder)
        self.folder = folder.resolve()
        self.ct2_dir = self.folder if self.converted else settings.work_dir / "ct2" / f"{revision[7:23]}-int8"
        revision = revision if self.converted else f"{revision}+int8"
        self.identity = EngineIdentity("ct2", str(self.folder), revision, settings.decoding)
        self.loaded = False
        self._translator = self._tokenizer = None

    def _convert(self) -> None:
        """transformers folder -> int8 CTranslate2 folder with the tokenizer beside it (once; atomic rename)."""
        from ctranslate2.converters import TransformersConverter
        from transformers import AutoTokenizer

        tmp = self.ct2_dir.with_name(self.ct2_dir.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        log.info("converting %s to CTranslate2 int8 in %s (once)", self.folder, self.ct2_dir)
        TransformersConverter(str(self.folder)).convert(str(tmp), quantization="int8")
        AutoTokenizer.from_pretrained(self.folder).save_pretrained(tmp)
        (tmp / "source.json").write_text(json.dumps({"from": str(self.folder), "revision": self.identity.revision}))
        os.replace(tmp, self.ct2_dir)

    def _load(self) -> None:
        import ctranslate2
        from transformers import AutoTokenizer

        if not (self.ct2_dir / "model.bin").is_file():
            self._convert()
        device = _device(self.settings.device, ctranslate2.get_cuda_device_count() > 0)
        kind, _, index = device.partition(":")
        self._translator = ctranslate2.Translator(str(self.ct2_dir), device=kind, device_index=int(index or 0))
        self._tokenizer = AutoTokenizer.from_pretrained(self.ct2_dir)
        self.loaded = True

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        if not self.loaded:
            self._load()
        tok = self._tokenizer
        language_token_id(tok, src)
        language_token_id(tok, tgt)
        tok.src_lang = src
        tokens = [tok.convert_ids_to_tokens(tok(t)["input_ids"]) for t in texts]
        results = self._translator.translate_batch(
            tokens,
            target_prefix=[[tgt]] * len(texts),
            beam_size=self.settings.beams,
            max_decoding_length=_token_budget(self.settings, max(map(len, tokens))),
        )
        return [tok.decode(tok.convert_tokens_to_ids(r.hypotheses[0][1:]), skip_special_tokens=True) for r in results]


class LlmEngine:
    """A language model through the shared client layer (culturebench.llm), one request per text; SPEC is a
    backend spec (gemini:MODEL[@URL], openai:MODEL@URL, local:PATH). Retries come from the client, and every
    answer is kept in the client's answer cache in `cache_dir` the moment it is paid for, so a run killed
    mid-batch (the translation cache is written per batch) pays again only for what was never answered."""

    def __init__(self, spec: str, cache_dir: Path, timeout_s: float | None = None, max_retries: int = 5) -> None:
        from culturebench.llm.backends import backend_name, parse_spec

        kind, model, base_url = parse_spec(spec)
        revision = folder_revision(model) if kind == "local" else base_url or "default endpoint"
        decoding = f"prompt={LLM_PROMPT_VERSION},temperature=0"
        if timeout_s is not None and not timeout_s > 0:
            raise ValueError(f"--timeout must be a positive number of seconds, got {timeout_s}")
        if max_retries < 0:
            raise ValueError(f"--max-retries must be 0 or more, got {max_retries}")
        self.spec, self.loaded, self.timeout_s, self.max_retries = spec, False, timeout_s, max_retries
        self.identity = EngineIdentity("llm", backend_name(spec), revision, decoding)
        self.answer_cache = Path(cache_dir) / f"llm-{self.identity.digest}.jsonl"
        self._client = None

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        from culturebench.llm.backends import make_backend
        from culturebench.llm.client import Client
        from culturebench.translate.languages import registry_languages

        if self._client is None:
            backend = make_backend(self.spec, self.timeout_s)
            self._client = Client(backend, cache_path=self.answer_cache, max_retries=self.max_retries)
            self.loaded = True
        names = {code: lang.name for code, lang in registry_languages().items()}
        source, target = names.get(src, src), names.get(tgt, tgt)
        return [self._client.complete(llm_prompt(text, source, target)).strip() for text in texts]


def llm_prompt(text: str, source: str, target: str) -> str:
    return (
        f"Translate the text below from {source} into {target}. Every code made of XQZ and two more capital "
        "letters stands for a name or number that must appear in the translation exactly as written, once each. "
        "Reply with the translation alone.\n\nText:\n" + text
    )
