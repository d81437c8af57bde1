"""A loopback Hugging Face Hub on 127.0.0.1 for tests: the real `huggingface_hub` and `datasets` clients talk to it.

It speaks the part of the Hub HTTP API that publishing and loading a dataset use: repo creation, preupload
(every file "regular", no LFS/Xet), ndjson commits, tags, refs, repo info with siblings, tree listings,
paths-info, whoami and `/resolve/` (HEAD and GET, with Range) carrying X-Repo-Commit and ETag. Commits are
kept in memory; branches, tags and commit shas all work as revisions. Writes need `Authorization: Bearer
<token>`; reads are anonymous, as for a public repo. `requests` logs (method, path) for tests to inspect.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"
REPO_TYPES = {"datasets": "dataset", "models": "model", "spaces": "space"}
WRITE_USER = "culturebench-bot"


def git_blob_id(content: bytes) -> str:
    """The git object id of a blob, which the Hub reports as a file's oid (and the client recomputes)."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclass
class Commit:
    sha: str
    files: dict[str, bytes]
    title: str
    date: str


@dataclass
class Repo:
    repo_id: str
    repo_type: str
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    def resolve(self, revision: str) -> Commit | None:
        """A branch, a tag or a full commit sha, as the Hub resolves them."""
        sha = self.branches.get(revision) or self.tags.get(revision) or revision
        return self.commits.get(sha)

    def commit(self, parent: Commit | None, files: dict[str, bytes], title: str) -> Commit:
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        h = hashlib.sha1(f"{parent.sha if parent else ''}\0{title}\0{len(self.commits)}".encode())
        for path in sorted(files):
            h.update(path.encode() + b"\0" + git_blob_id(files[path]).encode())
        commit = Commit(h.hexdigest(), dict(files), title, stamp)
        self.commits[commit.sha] = commit
        return commit


class HubError(Exception):
    """An error reply with the Hub's X-Error-Code / X-Error-Message headers (the client maps them to exceptions)."""

    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class LoopbackHub:
    """Start with `with LoopbackHub(token=...) as hub:`; `hub.url` is the endpoint for HfApi / HF_ENDPOINT."""

    def __init__(self, token: str = "hf_loopback_write_token"):
        self.token = token
        self.repos: dict[tuple[str, str], Repo] = {}
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the hub is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> LoopbackHub:
        hub = self

        class Handler(_Handler):
            pass

        Handler.hub = hub
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def writes(self) -> list[tuple[str, str]]:
        """Requests that could change state (everything but GET/HEAD and the read-only POSTs)."""
        read_posts = ("/paths-info/", "/api/validate-yaml")
        return [
            (m, p) for m, p in self.requests if m not in ("GET", "HEAD") and not any(part in p for part in read_posts)
        ]

    def files(self, repo_id: str, revision: str = "main", repo_type: str = "dataset") -> dict[str, bytes]:
        """The files of a repo at a revision (for assertions)."""
        commit = self._repo(repo_type, repo_id).resolve(revision)
        if commit is None:
            raise KeyError(revision)
        return dict(commit.files)

    def _repo(self, repo_type: str, repo_id: str) -> Repo:
        repo = self.repos.get((repo_type, repo_id))
        if repo is None:
            raise HubError(404, f"Repository {repo_id} not found", "RepoNotFound")
        return repo

    def _commit(self, repo: Repo, revision: str) -> Commit:
        commit = repo.resolve(revision)
        if commit is None:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return commit


def _entries(commit: Commit, base: str, recursive: bool, expand: bool) -> list[dict]:
    """Tree entries under `base` ("" = root): files and folders as the Hub's tree endpoint lists them."""
    prefix = f"{base}/" if base else ""
    found: dict[str, dict] = {}
    for path, content in sorted(commit.files.items()):
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix) :].split("/")
        for depth in range(1, len(parts)):
            folder = prefix + "/".join(parts[:depth])
            if recursive or depth == 1:
                found.setdefault(folder, _folder_entry(commit, folder))
            if not recursive:
                break
        if recursive or len(parts) == 1:
            found[path] = _file_entry(path, content)
    if expand:
        for entry in found.values():
            entry["lastCommit"] = {"id": commit.sha, "title": commit.title, "date": commit.date}
    return list(found.values())


def _file_entry(path: str, content: bytes) -> dict:
    return {"type": "file", "oid": git_blob_id(content), "size": len(content), "path": path}


def _folder_entry(commit: Commit, folder: str) -> dict:
    listing = "".join(f"{p}\0{git_blob_id(c)}" for p, c in sorted(commit.files.items()) if p.startswith(folder + "/"))
    return {"type": "directory", "oid": hashlib.sha1(listing.encode()).hexdigest(), "size": 0, "path": folder}


def _flag(query: dict[str, list[str]], name: str) -> bool:
    """A boolean query parameter as the client sends it (`true`/`false`, or 1/0)."""
    return query.get(name, ["false"])[0].lower() in ("true", "1")


API_REPO = re.compile(r"^/api/(datasets|models|spaces)/([^/]+/[^/]+)(?:/(.*))?$")
RESOLVE = re.compile(r"^/(?:(datasets|spaces)/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")


class _Handler(BaseHTTPRequestHandler):
    hub: LoopbackHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet: tests read hub.requests instead
        pass

    # ---- plumbing

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, length: int | None = None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, data: object, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self._reply(status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})})

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _authorized(self) -> bool:
        return self.headers.get("Authorization") == f"Bearer {self.hub.token}"

    def _require_write(self) -> None:
        if not self.headers.get("Authorization"):
            raise HubError(401, "Invalid username or password.")
        if not self._authorized():
            raise HubError(401, "Invalid credentials in Authorization header")

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        self.hub.requests.append((self.command, path))
        try:
            with self.hub.lock:
                self._route(path, parse_qs(urlsplit(self.path).query))
        except HubError as e:
            headers = {"X-Error-Message": e.message}
            if e.code:
                headers["X-Error-Code"] = e.code
            self._json({"error": e.message}, e.status, headers)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _dispatch

    # ---- routes

    def _route(self, path: str, query: dict[str, list[str]]) -> None:
        if path == "/api/whoami-v2":
            self._require_write()
            return self._json({"type": "user", "name": WRITE_USER, "orgs": [{"name": "culturebench"}], "auth": {}})
        if path == "/api/validate-yaml" and self.command == "POST":
            self._body()
            return self._json({"errors": [], "warnings": []})
        if path == "/api/repos/create" and self.command == "POST":
            return self._create_repo(json.loads(self._body()))
        m = API_REPO.match(path)
        if m:
            repo_type, repo_id, rest = REPO_TYPES[m.group(1)], m.group(2), m.group(3) or ""
            return self._api(self.hub._repo(repo_type, repo_id), rest, query)
        m = RESOLVE.match(path)
        if m and self.command in ("GET", "HEAD"):
            repo_type = REPO_TYPES[m.group(1) or "models"]
            return self._resolve(self.hub._repo(repo_type, m.group(2)), unquote(m.group(3)), unquote(m.group(4)))
        raise HubError(404, f"no route for {self.command} {path}")

    def _create_repo(self, payload: dict) -> None:
        self._require_write()
        repo_type = payload.get("type") or "model"
        repo_id = f"{payload['organization']}/{payload['name']}" if payload.get("organization") else payload["name"]
        prefix = "" if repo_type == "model" else f"{repo_type}s/"
        url = f"http://{self.headers['Host']}/{prefix}{repo_id}"
        if (repo_type, repo_id) in self.hub.repos:
            return self._json({"error": "You already created this repo", "url": url}, 409)
        repo = Repo(repo_id, repo_type)
        repo.branches["main"] = repo.commit(None, {".gitattributes": GITATTRIBUTES}, "initial commit").sha
        self.hub.repos[(repo_type, repo_id)] = repo
        self._json({"url": url, "name": repo_id, "id": repo_id})

    def _api(self, repo: Repo, rest: str, query: dict[str, list[str]]) -> None:
        head, _, tail = rest.partition("/")
        if self.command == "GET" and head in ("", "revision"):
            return self._info(repo, self.hub._commit(repo, unquote(tail) if head else "main"))
        if self.command == "GET" and head == "refs":
            return self._refs(repo)
        if self.command == "GET" and head == "tree":
            revision, _, sub = tail.partition("/")
            commit = self.hub._commit(repo, unquote(revision))
            sub = unquote(sub).strip("/")
            entries = _entries(commit, sub, _flag(query, "recursive"), _flag(query, "expand"))
            if sub and not entries and sub not in commit.files:
                raise HubError(404, f"{sub} does not exist at {revision}", "EntryNotFound")
            return self._json(entries)
        if self.command == "POST" and head == "paths-info":
            return self._paths_info(self.hub._commit(repo, unquote(tail)), parse_qs(self._body().decode()))
        if self.command == "POST" and head == "preupload":
            self._require_write()
            return self._preupload(self.hub._commit(repo, unquote(tail)), json.loads(self._body()))
        if self.command == "POST" and head == "commit":
            self._require_write()
            return self._commit(repo, unquote(tail), self._body())
        if self.command == "POST" and head == "tag":
            self._require_write()
            return self._tag(repo, unquote(tail), json.loads(self._body()))
        raise HubError(404, f"no route for {self.command} /{rest}")

    def _info(self, repo: Repo, commit: Commit) -> None:
        self._json(
            {
                "_id": hashlib.sha1(repo.repo_id.encode()).hexdigest()[:24],
                "id": repo.repo_id,
                "author": repo.repo_id.split("/")[0],
                "sha": commit.sha,
                "lastModified": commit.date,
                "private": False,
                "gated": False,
                "disabled": False,
                "tags": [],
                "downloads": 0,
                "likes": 0,
                "siblings": [
                    {"rfilename": p, "size": len(c), "blobId": git_blob_id(c)} for p, c in sorted(commit.files.items())
                ],
                "createdAt": next(iter(repo.commits.values())).date,
            }
        )

    def _refs(self, repo: Repo) -> None:
        def refs(kind: str, names: dict[str, str]) -> list[dict]:
            return [{"name": n, "ref": f"refs/{kind}/{n}", "targetCommit": sha} for n, sha in names.items()]

        self._json(
            {
                "branches": refs("heads", repo.branches),
                "tags": refs("tags", repo.tags),
                "converts": [],
                "pullRequests": [],
            }
        )

    def _paths_info(self, commit: Commit, form: dict[str, list[str]]) -> None:
        out = []
        for path in form.get("paths", []):
            path = path.strip("/")
            if path in commit.files:
                out.append(_file_entry(path, commit.files[path]))
            elif any(p.startswith(path + "/") for p in commit.files):
                out.append(_folder_entry(commit, path))
        self._json(out)

    def _preupload(self, commit: Commit, payload: dict) -> None:
        files = []
        for f in payload["files"]:
            existing = commit.files.get(f["path"])
            oid = git_blob_id(existing) if existing is not None else None
            files.append({"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": oid})
        self._json({"files": files, "commitOid": commit.sha})

    def _commit(self, repo: Repo, branch: str, body: bytes) -> None:
        if branch not in repo.branches:
            raise HubError(404, f"Invalid rev id: {branch}", "RevisionNotFound")
        parent = repo.commits[repo.branches[branch]]
        files = dict(parent.files)
        title = "commit"
        for line in body.splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            key, value = item["key"], item["value"]
            if key == "header":
                title = value["summary"]
                if value.get("parentCommit") and value["parentCommit"] != parent.sha:
                    raise HubError(412, "A commit has happened since. Please refresh and try again.")
            elif key == "file":
                if value.get("encoding") != "base64":
                    raise HubError(400, f"unsupported encoding {value.get('encoding')!r}")
                files[value["path"]] = base64.b64decode(value["content"])
            elif key == "deletedFile":
                if value["path"] not in files:
                    raise HubError(404, "A file with this name doesn't exist", "EntryNotFound")
                del files[value["path"]]
            elif key == "deletedFolder":
                files = {p: c for p, c in files.items() if not p.startswith(value["path"].rstrip("/") + "/")}
            else:
                raise HubError(400, f"the loopback hub takes regular files only, not {key!r}")
        commit = repo.commit(parent, files, title)
        repo.branches[branch] = commit.sha
        prefix = "" if repo.repo_type == "model" else f"{repo.repo_type}s/"
        url = f"http://{self.headers['Host']}/{prefix}{repo.repo_id}/commit/{commit.sha}"
        self._json({"success": True, "commitOid": commit.sha, "commitUrl": url, "pullRequestUrl": None})

    def _tag(self, repo: Repo, revision: str, payload: dict) -> None:
        commit = self.hub._commit(repo, revision)
        if payload["tag"] in repo.tags:
            raise HubError(409, f"Tag {payload['tag']} already exists")
        repo.tags[payload["tag"]] = commit.sha
        self._json({})

    def _resolve(self, repo: Repo, revision: str, path: str) -> None:
        commit = self.hub._commit(repo, revision)
        headers = {"X-Repo-Commit": commit.sha}
        if path not in commit.files:
            raise_headers = {"X-Error-Code": "EntryNotFound", "X-Error-Message": "Entry not found", **headers}
            return self._json({"error": "Entry not found"}, 404, raise_headers)
        content = commit.files[path]
        headers |= {"ETag": f'"{git_blob_id(content)}"', "Accept-Ranges": "bytes"}
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if m and m.group(1):
            start = int(m.group(1))
            end = min(int(m.group(2)) if m.group(2) else len(content) - 1, len(content) - 1)
            if start >= len(content):
                return self._reply(416, b"", {"Content-Range": f"bytes */{len(content)}", **headers})
            part = content[start : end + 1]
            return self._reply(206, part, {"Content-Range": f"bytes {start}-{end}/{len(content)}", **headers})
        self._reply(200, content, {"Content-Type": "application/octet-stream", **headers})
