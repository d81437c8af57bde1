"""Publishing the item banks: each `hf_datasets/<name>` folder becomes the Hub dataset `<org>/<name>`, tagged
with its card's version, and only when the card's content hash matches the data (so a tag names one content)."""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import yaml
from huggingface_hub import DatasetCard, HfApi, constants
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
from huggingface_hub.hf_api import RepoFile
from huggingface_hub.utils import get_token
from huggingface_hub.utils.sha import git_hash

from culturebench.cards import RELEASE_END, RELEASE_START, release_block
from culturebench.resources import HUB_ORG, resource_dir
from culturebench.versioning import content_hash

DEFAULT_ORG = HUB_ORG
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
KEPT_ON_HUB = {".gitattributes"}  # the Hub's own file in every repo: neither uploaded nor compared


class PublishError(RuntimeError):
    """A dataset that must not be published, or a Hub that cannot take it; the message says which and why."""


@dataclass(frozen=True)
class Release:
    """One dataset folder checked for publishing: its repo, version, hash and files (path -> git blob id)."""

    name: str
    folder: Path
    repo_id: str
    version: str
    content_hash: str
    files: dict[str, str]


def release_files(folder: Path) -> dict[str, str]:
    """Files that go to the Hub (hidden files and caches stay home), keyed by path, valued by git blob id."""
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") or part == "__pycache__" for part in rel.split("/")):
            continue
        files[rel] = git_hash(path.read_bytes())
    return files


def check_card(folder: Path) -> DatasetCard:
    """Parse the card with huggingface_hub and check what loading and versioning need from its YAML header."""
    card_path = folder / "README.md"
    try:
        card = DatasetCard.load(card_path, ignore_metadata_errors=False)
    except (ValueError, yaml.YAMLError) as e:
        raise PublishError(f"{card_path}: the card's YAML header does not parse: {e}") from e
    data = card.data.to_dict()
    if not data:
        raise PublishError(f"{card_path}: the card has no YAML header")
    version = str(data.get("version", ""))
    if not SEMVER.match(version):
        raise PublishError(f"{card_path}: 'version' must be MAJOR.MINOR.PATCH, found {version!r}")
    if not str(data.get("content_hash", "")).startswith("sha256:"):
        raise PublishError(f"{card_path}: 'content_hash' (sha256:...) is missing")
    configs = data.get("configs")
    if not isinstance(configs, list) or not configs:
        raise PublishError(f"{card_path}: 'configs' must list at least one config with its data_files")
    names = [c.get("config_name") if isinstance(c, dict) else None for c in configs]
    if None in names or len(set(names)) != len(names):
        raise PublishError(f"{card_path}: every config needs a distinct 'config_name', found {names}")
    if sum(bool(c.get("default")) for c in configs) > 1:
        raise PublishError(f"{card_path}: more than one config is marked default")
    present = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    for config in configs:
        entries = config.get("data_files")
        if not isinstance(entries, list) or not entries:
            raise PublishError(f"{card_path}: config {config['config_name']!r} has no data_files list")
        for entry in entries:
            patterns = entry.get("path") if isinstance(entry, dict) else entry
            for pattern in [patterns] if isinstance(patterns, str) else patterns or [None]:
                if not isinstance(pattern, str) or not fnmatch.filter(present, pattern):
                    raise PublishError(
                        f"{card_path}: config {config['config_name']!r} names data file {pattern!r}, "
                        f"which matches no file in {folder}"
                    )
    return card


def check_release_block(folder: Path) -> None:
    """The card's release block (version, hash, how to load, tasks) must say what its YAML header says."""
    text = (folder / "README.md").read_text(encoding="utf-8")
    m = re.search(re.escape(RELEASE_START) + "(.*?)" + re.escape(RELEASE_END), text, flags=re.S)
    if m is None:
        raise PublishError(
            f"{folder}/README.md has no release block: add '## Loading' with the lines {RELEASE_START} and "
            f"{RELEASE_END}, then call culturebench.cards.write_release_block"
        )
    if m.group(1) != "\n".join(["", "", *release_block(folder), "", ""]):
        raise PublishError(
            f"{folder}/README.md: the release block does not match the card's version, hash or configs; "
            "call culturebench.cards.write_release_block (the bank's builder should) and publish again"
        )


def local_release(folder: Path, org: str) -> Release:
    """Check a dataset folder (card, content hash) and list what would be uploaded."""
    folder = Path(folder)
    if not (folder / "README.md").is_file():
        raise PublishError(f"no dataset folder at {folder} (expected a folder with README.md and data/)")
    card = check_card(folder).data.to_dict()
    stated = str(card["content_hash"])
    try:
        actual = content_hash(folder)
    except FileNotFoundError as e:
        raise PublishError(str(e)) from e
    if stated != actual:
        raise PublishError(
            f"{folder}/README.md states content_hash {stated} but the data files hash to {actual}: the data "
            "changed without a rebuild; rerun the bank's builder (it bumps the version and refreshes the hash)"
        )
    check_release_block(folder)
    return Release(folder.name, folder, f"{org}/{folder.name}", str(card["version"]), actual, release_files(folder))


def dataset_folders(names: list[str], root: Path | None = None) -> list[Path]:
    """The folders to publish: the named ones, or every folder of `hf_datasets/` with a card."""
    root = root or resource_dir("hf_datasets")
    if not names:
        return sorted(p for p in root.iterdir() if (p / "README.md").is_file())
    missing = [n for n in names if not (root / n / "README.md").is_file()]
    if missing:
        known = ", ".join(sorted(p.name for p in root.iterdir() if (p / "README.md").is_file()))
        raise PublishError(f"no dataset folder {missing} under {root} (known: {known})")
    return [root / n for n in names]


def hub_token(repo_root: Path) -> str | None:
    """The token huggingface_hub would use (HF_TOKEN, then the login's token file), refusing one kept in the repo."""
    if not os.environ.get("HF_TOKEN"):
        token_file = Path(constants.HF_TOKEN_PATH).resolve()
        if token_file.is_file() and token_file.is_relative_to(repo_root.resolve()):
            raise PublishError(
                f"the Hub token file {token_file} lies inside the repository {repo_root}: move it out "
                "(set HF_TOKEN, or `hf auth login` with HF_HOME outside the repo)"
            )
    return get_token()


@contextlib.contextmanager
def hub_errors(endpoint: str) -> Iterator[None]:
    """Turn the client's network and HTTP errors into one-line messages (the token is never in them)."""
    try:
        yield
    except OfflineModeIsEnabled as e:
        raise PublishError("HF_HUB_OFFLINE is set: unset it to talk to the Hub") from e
    except httpx2.TransportError as e:
        raise PublishError(f"cannot reach the Hub at {endpoint}: {type(e).__name__}: {e}") from e
    except HfHubHTTPError as e:
        status = e.response.status_code if e.response is not None else None
        if status == 401:
            raise PublishError(
                f"the Hub at {endpoint} refused the credentials (HTTP 401): set HF_TOKEN to a token with write "
                "access, or run `hf auth login`"
            ) from e
        if status == 403:
            raise PublishError(f"the Hub at {endpoint} denied access (HTTP 403): the token cannot write there") from e
        raise PublishError(f"the Hub at {endpoint} answered HTTP {status}: {str(e).splitlines()[0]}") from e


def remote_files(api: HfApi, repo_id: str, revision: str) -> dict[str, str]:
    """Files of the repo at a revision (path -> git blob id), without the Hub's own .gitattributes."""
    tree = api.list_repo_tree(repo_id, repo_type="dataset", revision=revision, recursive=True)
    return {f.path: f.blob_id for f in tree if isinstance(f, RepoFile) and f.path not in KEPT_ON_HUB}


def _difference(local: dict[str, str], remote: dict[str, str]) -> str:
    changed = sorted(p for p in local.keys() & remote.keys() if local[p] != remote[p])
    parts = [
        f"{label}: {', '.join(paths[:5])}{' ...' if len(paths) > 5 else ''}"
        for label, paths in (
            ("changed", changed),
            ("only here", sorted(local.keys() - remote.keys())),
            ("only on the Hub", sorted(remote.keys() - local.keys())),
        )
        if paths
    ]
    return "; ".join(parts)


def _semver(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def publish_one(api: HfApi, release: Release, dry_run: bool, say: Callable[[str], None]) -> str:
    """Create the repo if needed, upload the folder and tag it with the version; returns what happened."""
    repo, version = release.repo_id, release.version
    exists = api.repo_exists(repo, repo_type="dataset")
    tags = {t.name: t.target_commit for t in api.list_repo_refs(repo, repo_type="dataset").tags} if exists else {}
    if version in tags:
        remote = remote_files(api, repo, tags[version])
        if remote == release.files:
            say(f"{repo}: version {version} is already on the Hub with this content; nothing to do")
            return "unchanged"
        raise PublishError(
            f"{repo}: version {version} is already on the Hub with other content ({_difference(release.files, remote)})"
            f"; bump 'version' in {release.folder}/README.md (the builders do) before publishing"
        )
    newer = sorted((t for t in tags if SEMVER.match(t) and _semver(t) > _semver(version)), key=_semver)
    if newer:
        raise PublishError(
            f"{repo}: version {newer[-1]} is already on the Hub; publishing {version} would roll `main` back to an "
            "older bank. Bump 'version' above it, or leave the older release as its tag."
        )
    action = (
        f"{'create the dataset repo, ' if not exists else ''}upload {len(release.files)} files "
        f"({release.content_hash}), remove Hub files no longer in {release.folder.name}/, tag {version}"
    )
    if dry_run:
        say(f"{repo}: would {action}")
        for path in release.files:
            say(f"  {path}")
        return "planned"
    api.create_repo(repo, repo_type="dataset", exist_ok=True)
    commit = api.upload_folder(
        repo_id=repo,
        repo_type="dataset",
        folder_path=release.folder,
        allow_patterns=list(release.files),
        delete_patterns="*",
        commit_message=f"Release {version}",
        commit_description=f"content_hash: {release.content_hash}",
    )
    api.create_tag(repo, repo_type="dataset", tag=version, revision=commit.oid, tag_message=release.content_hash)
    say(f"{repo}: published {version} at commit {commit.oid[:12]} ({len(release.files)} files)")
    return "published"


def publish(
    names: list[str],
    org: str = DEFAULT_ORG,
    endpoint: str | None = None,
    dry_run: bool = False,
    root: Path | None = None,
    say: Callable[[str], None] = print,
) -> dict[str, str]:
    """Publish the named dataset folders (all by default); every folder is checked before anything is sent."""
    root = root or resource_dir("hf_datasets")
    releases = [local_release(folder, org) for folder in dataset_folders(names, root)]
    endpoint = (endpoint or constants.ENDPOINT).rstrip("/")
    token = None if dry_run else hub_token(root.parent)
    if not dry_run and token is None:
        raise PublishError("no Hub token: set HF_TOKEN or run `hf auth login` (dry runs need none)")
    api = HfApi(endpoint=endpoint, token=token)
    outcome = {}
    with hub_errors(endpoint):
        if not dry_run:
            say(f"publishing to {endpoint} as {api.whoami()['name']}")
        for release in releases:
            outcome[release.name] = publish_one(api, release, dry_run, say)
    return outcome


def _command(args: argparse.Namespace) -> None:
    publish(args.names, org=args.org, endpoint=args.endpoint, dry_run=args.dry_run)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `culturebench publish`."""
    p = sub.add_parser(
        "publish",
        help="publish item banks to the Hugging Face Hub as versioned datasets",
        description="Check each dataset folder of hf_datasets/ (its card's YAML header and configs, and that the "
        "card's content_hash matches the data), create the dataset repo ORG/NAME if needed, upload the folder and "
        "tag the commit with the card's version. A version already on the Hub with other content is refused; with "
        "the same content it is left alone. The token comes from HF_TOKEN or `hf auth login`, never from a file in "
        "the repository.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="dataset folders to publish; default: all")
    p.add_argument("--org", default=DEFAULT_ORG, help=f"Hub organisation or user; default {DEFAULT_ORG}")
    p.add_argument("--endpoint", help="Hub URL; default HF_ENDPOINT or https://huggingface.co")
    p.add_argument("--dry-run", action="store_true", help="check and print what would be done; write nothing")
    p.set_defaults(func=_command)
