"""Which model a run folder belongs to: the model's identity and a fingerprint of it.

lm-eval's request cache keys requests by their text, not by the model, so a cache reused by a
second model silently returns the first model's log-likelihoods. `culturebench evaluate` keys its
cache folder by this fingerprint and records the identity in RUN_DIR/run.json, so a folder holds
one model's run: a resume reuses only what the same model, template and datasets produced.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from culturebench.files import write_json
from culturebench.resources import resource_dir
from culturebench.runs import LM_EVAL_DIR, RUN_FILE, RunFileError, read_json
from culturebench.versioning import content_hash

# Files of a local model folder that define what it computes (hashed in full: they are small).
_DEFINING_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "model.safetensors.index.json",
    "pytorch_model.bin.index.json",
)
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".gguf")
_SAMPLE_BYTES = 1 << 20  # of each weight file, its size and first and last MiB stand for its content


def parse_model_args(model_args: str) -> dict[str, str]:
    """lm-eval's `k=v,k=v` model arguments as a dict (values kept as text)."""
    out = {}
    for part in model_args.split(","):
        if part.strip():
            key, _, value = part.partition("=")
            out[key.strip()] = value.strip()
    return out


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    size = path.stat().st_size
    h.update(str(size).encode())
    with path.open("rb") as f:
        if size <= 2 * _SAMPLE_BYTES:
            h.update(f.read())
        else:
            h.update(f.read(_SAMPLE_BYTES))
            f.seek(-_SAMPLE_BYTES, os.SEEK_END)
            h.update(f.read(_SAMPLE_BYTES))
    return h.hexdigest()[:16]


def local_model_digest(folder: Path) -> dict[str, str]:
    """{file: digest} of a local model folder's defining files and weights (weights sampled, not read whole)."""
    folder = Path(folder)
    files = [folder / name for name in _DEFINING_FILES if (folder / name).is_file()]
    files += sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(_WEIGHT_SUFFIXES))
    return {p.name: file_digest(p) for p in files}


def dataset_hashes() -> dict[str, str]:
    """{dataset: content hash} of every shipped item bank (the documents a run scores come from these)."""
    root = resource_dir("hf_datasets")
    return {p.name: content_hash(p) for p in sorted(root.iterdir()) if (p / "data").is_dir()}


def model_identity(model: str, model_args: str, apply_chat_template: bool) -> dict:
    """Everything that decides a run's numbers besides the tasks: backend, arguments, model files, datasets."""
    args = parse_model_args(model_args)
    identity: dict = {"model": model, "model_args": args, "chat_template": apply_chat_template}
    pretrained = args.get("pretrained")
    if pretrained and Path(pretrained).expanduser().is_dir():
        folder = Path(pretrained).expanduser().resolve()
        identity["model_path"] = str(folder)
        identity["model_files"] = local_model_digest(folder)
    else:
        identity["revision"] = args.get("revision", "main")
    steer = args.get("steer_path")
    if steer and Path(steer).expanduser().is_file():  # lm-eval's steered model: the vectors decide the numbers too
        identity["steer_file"] = file_digest(Path(steer).expanduser())
    identity["datasets"] = dataset_hashes()
    return identity


def fingerprint(identity: dict) -> str:
    """Short stable hash of an identity (the cache folder's name)."""
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def describe(identity: dict) -> str:
    """The model of an identity in a few words, for messages."""
    args = identity.get("model_args", {})
    name = identity.get("model_path") or args.get("pretrained") or identity.get("model")
    return f"{identity.get('model')} model {name}" + (" with chat template" if identity.get("chat_template") else "")


def claim_run_folder(output: Path, identity: dict) -> str:
    """Record that `output` holds this model's run and return its fingerprint; refuse another model's run.

    A folder with lm-eval files but no run.json (made by plain lm-eval or an older culturebench) is
    refused too: nothing says which model wrote them.
    """
    path = Path(output) / RUN_FILE
    key = fingerprint(identity)
    if not path.exists() and any((Path(output) / LM_EVAL_DIR).rglob("samples_*.jsonl")):
        raise RunFileError(
            f"{output} holds lm-eval samples but no {RUN_FILE} saying which model wrote them. Choose a new "
            "--output folder, or pass --overwrite to delete them and start again."
        )
    if path.exists():
        recorded = read_json(path)
        if not isinstance(recorded, dict) or "fingerprint" not in recorded:
            raise RunFileError(f"{path}: not a CultureBench run record; remove it or choose another folder")
        if recorded["fingerprint"] != key:
            what = describe(recorded.get("identity", {}))
            changed = sorted(k for k in set(identity) | set(recorded.get("identity", {}))
                             if identity.get(k) != recorded.get("identity", {}).get(k))  # fmt: skip
            raise RunFileError(
                f"{output} holds a run of another model ({what}; differs in: {', '.join(changed)}). "
                "Choose a new --output folder, or pass --overwrite to delete that run and start again."
            )
    write_json(path, {"fingerprint": key, "identity": identity})
    return key
