"""A fake Gerrit: a real HTTP server on 127.0.0.1 that speaks the REST endpoints winci uses.

It follows Gerrit's documented behaviour for those endpoints, so the client under test
is winci's real one over real HTTP:

- authenticated endpoints under ``/a/`` with HTTP basic auth (401 with a
  ``WWW-Authenticate: Basic`` challenge otherwise); anything else is 404;
- JSON answers start with the ``)]}'`` XSSI guard line; errors are ``text/plain``;
- ``GET /a/accounts/self``;
- ``GET /a/changes/{id}`` (``o=CURRENT_REVISION`` / ``o=ALL_REVISIONS``), where ``{id}``
  is a number, ``project~number``, ``project~branch~Change-Id`` or a Change-Id;
- ``GET /a/changes/{id}/messages`` (ChangeMessageInfo with ``tag`` and
  ``_revision_number``);
- ``POST /a/changes/{id}/revisions/{rev}/review`` where ``{rev}`` is a patch set number,
  a commit SHA or ``current``: labels are checked against the label's range (400), the
  account's permissions (403) and the change's state (409 for a vote on an abandoned or
  merged change; a comment without labels is accepted, as in Gerrit); the
  message is stored as Gerrit does, prefixed with ``Patch Set N: <votes>``.

Faults are scripted per request (:class:`Fault`): an HTTP status instead of the answer,
or a delay before handling or before answering (the request is applied but the client
may have given up), each used up once.
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
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

XSSI = ")]}'\n"
LABELS = {"Verified": (-1, 1), "Code-Review": (-2, 2)}


@dataclass
class Fault:
    """One scripted misbehaviour for the next request that matches ``method`` and ``path``.

    ``path`` is a regular expression searched in the request path. ``status`` answers
    with that code and ``body`` without handling the request. ``delay`` sleeps for that
    many seconds ``before`` handling it, or after handling it and before answering
    (``before=False``: the change is applied even if the client stopped waiting).
    """

    method: str
    path: str
    status: int | None = None
    body: str = "Internal server error"
    delay: float = 0.0
    before: bool = True
    used: bool = False


@dataclass
class FakeChange:
    number: int
    project: str = "openstack/glance"
    branch: str = "master"
    status: str = "NEW"
    patchsets: int = 1
    subject: str = "Fix the thing on Windows"
    messages: list[dict[str, Any]] = field(default_factory=list)
    votes: dict[str, int] = field(default_factory=dict)

    @property
    def change_id(self) -> str:
        return "I" + hashlib.sha1(f"change-{self.number}".encode()).hexdigest()

    def sha(self, patchset: int) -> str:
        return hashlib.sha1(f"{self.number}/{patchset}".encode()).hexdigest()

    def revisions(self) -> dict[str, dict[str, Any]]:
        return {self.sha(n): {"_number": n, "kind": "REWORK",
                              "ref": f"refs/changes/{self.number % 100:02d}/{self.number}/{n}"}
                for n in range(1, self.patchsets + 1)}

    def info(self, options: list[str]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": f"{self.project.replace('/', '%2F')}~{self.branch}~{self.change_id}",
            "project": self.project, "branch": self.branch, "change_id": self.change_id,
            "subject": self.subject, "status": self.status, "_number": self.number,
            "current_revision_number": self.patchsets,
        }
        if "ALL_REVISIONS" in options:
            data["revisions"] = self.revisions()
            data["current_revision"] = self.sha(self.patchsets)
        elif "CURRENT_REVISION" in options:
            data["revisions"] = {self.sha(self.patchsets): self.revisions()[
                self.sha(self.patchsets)]}
            data["current_revision"] = self.sha(self.patchsets)
        return data


class FakeGerrit:
    """Run with ``with FakeGerrit() as gerrit:``; ``gerrit.url`` is its base URL."""

    def __init__(self, username: str = "winci-ci", password: str = "fake-http-pw-wincitest",
                 account_id: int = 1000042, name: str = "Example Windows Glance CI") -> None:
        self.username = username
        self.password = password
        self.account = {"_account_id": account_id, "name": name, "username": username}
        self.changes: dict[int, FakeChange] = {}
        self.faults: list[Fault] = []
        self.forbidden_labels: set[str] = set()
        self.requests: list[tuple[str, str, dict[str, Any] | None]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="fake-gerrit", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeGerrit:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def add_change(self, number: int, **kwargs: Any) -> FakeChange:
        change = FakeChange(number=number, **kwargs)
        self.changes[number] = change
        return change

    def add_message(self, change: FakeChange, patchset: int, message: str, *,
                    tag: str | None = None, account: dict[str, Any] | None = None) -> None:
        with self._lock:
            self._store_message(change, patchset, message, tag, account or self.account)

    def reviews_posted(self) -> list[tuple[str, str, dict[str, Any] | None]]:
        return [r for r in self.requests if r[0] == "POST" and r[1].endswith("/review")]

    # -- request handling (called from the server's threads) ----------------------------

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if not fault.used and fault.method == method and re.search(fault.path, path):
                    fault.used = True
                    return fault
        return None

    def wait(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == self.username and password == self.password

    def find_change(self, ident: str) -> FakeChange | None:
        parts = ident.split("~")
        for change in self.changes.values():
            if (parts == [str(change.number)]
                    or parts == [change.project, str(change.number)]
                    or parts == [change.project, change.branch, change.change_id]
                    or parts == [change.change_id]):
                return change
        return None

    def handle(self, method: str, path: str, query: dict[str, list[str]],
               body: dict[str, Any] | None) -> tuple[int, Any]:
        """Route one authenticated request; returns (status, JSON value or error text)."""
        segments = [unquote(s) for s in path.split("/")[2:]]  # drop "" and "a"
        if method == "GET" and segments == ["accounts", "self"]:
            return 200, self.account
        if len(segments) < 2 or segments[0] != "changes":
            return 404, "Not found"
        change = self.find_change(segments[1])
        if change is None:
            return 404, f"Not found: {segments[1]}"
        rest = segments[2:]
        with self._lock:
            if method == "GET" and not rest:
                return 200, change.info(query.get("o", []))
            if method == "GET" and rest == ["messages"]:
                return 200, [dict(m) for m in change.messages]
            if method == "POST" and len(rest) == 3 and rest[0] == "revisions" \
                    and rest[2] == "review":
                return self._post_review(change, rest[1], body or {})
        return 404, "Not found"

    def _post_review(self, change: FakeChange, revision: str,
                     review: dict[str, Any]) -> tuple[int, Any]:
        patchset = _patchset_of(change, revision)
        if patchset is None:
            return 404, f"Not found: {revision}"
        labels: dict[str, int] = review.get("labels") or {}
        for label, value in labels.items():
            if label not in LABELS:
                return 400, f'label "{label}" is not a configured label'
            low, high = LABELS[label]
            if not isinstance(value, int) or not low <= value <= high:
                return 400, f"label {label}: {value} is not a valid value"
            if label in self.forbidden_labels:
                return 403, f"Applying label \"{label}\": {value:+d} is restricted"
        # Comments are fine on closed changes; votes are not (Gerrit's PostReview
        # messages). Votes on outdated patch sets are allowed, as in Gerrit.
        if labels and change.status == "ABANDONED":
            return 409, "change is closed"
        if labels and change.status == "MERGED":
            return 409, f"Voting on labels disallowed after submit: {', '.join(sorted(labels))}"
        votes = " ".join(f"{k}{v:+d}" for k, v in labels.items())
        text = f"Patch Set {patchset}:" + (f" {votes}" if votes else "")
        if review.get("message"):
            text += "\n\n" + str(review["message"])
        self._store_message(change, patchset, text, review.get("tag"), self.account)
        change.votes.update(labels)
        return 200, {"labels": labels} if labels else {}

    def _store_message(self, change: FakeChange, patchset: int, message: str,
                       tag: str | None, account: dict[str, Any]) -> None:
        entry: dict[str, Any] = {
            "id": hashlib.sha1(f"{change.number}-{len(change.messages)}".encode()).hexdigest(),
            "author": dict(account), "real_author": dict(account),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f000"),
            "message": message, "_revision_number": patchset,
        }
        if tag:
            entry["tag"] = tag
        change.messages.append(entry)


def _patchset_of(change: FakeChange, revision: str) -> int | None:
    if revision == "current":
        return change.patchsets
    if revision.isdigit():
        number = int(revision)
        return number if 1 <= number <= change.patchsets else None
    for sha, info in change.revisions().items():
        if sha.startswith(revision) and len(revision) >= 4:
            return int(info["_number"])
    return None


def _handler_for(gerrit: FakeGerrit) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            gerrit.requests.append((method, parts.path, body))
            fault = gerrit.take_fault(method, parts.path)
            if fault and fault.status:
                self._send(fault.status, fault.body)
                return
            if fault and fault.before:
                gerrit.wait(fault.delay)
            if not parts.path.startswith("/a/"):
                self._send(404, "Not found")
                return
            if not gerrit.authorized(self.headers.get("Authorization")):
                self._send(401, "Unauthorized", challenge=True)
                return
            status, value = gerrit.handle(method, parts.path, parse_qs(parts.query), body)
            if fault and not fault.before:
                gerrit.wait(fault.delay)
            self._send(status, value)

        def _send(self, status: int, value: Any, *, challenge: bool = False) -> None:
            if status < 400:
                payload = (XSSI + json.dumps(value)).encode()
                content_type = "application/json; charset=UTF-8"
            else:
                payload = f"{value}\n".encode()
                content_type = "text/plain; charset=UTF-8"
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                if challenge:
                    self.send_header("WWW-Authenticate", 'Basic realm="Gerrit Code Review"')
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test)

    return Handler
