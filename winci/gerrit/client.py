"""A small Gerrit REST client: authenticated calls, retries, clear errors.

It speaks Gerrit's documented REST protocol:

- authenticated endpoints live under ``/a/`` and take HTTP basic auth with the
  account's HTTP password (Settings > HTTP Credentials);
- JSON responses start with the XSSI guard ``)]}'`` and a newline, which is stripped;
- ``401``/``403`` mean bad or insufficient credentials, ``404`` an unknown (or
  invisible) change or revision, ``409`` a conflict such as a closed change.

Timeouts, connection errors and 5xx answers are retried with exponential backoff,
bounded both in attempts and in total time (:class:`RetryPolicy`). The password is
registered with :data:`winci.masking.GLOBAL_MASKER` and every message this module
logs or raises goes through it.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from winci import __version__
from winci.errors import ConfigError, InfraError, UsageError, WinciError
from winci.gerrit.credentials import Credentials
from winci.masking import GLOBAL_MASKER

LOG = logging.getLogger(__name__)

XSSI_PREFIX = ")]}'"
_RETRYABLE = frozenset({500, 502, 503, 504})
_BODY_EXCERPT = 300


class GerritAuthError(ConfigError):
    """401/403: the credentials are wrong or the account may not do this (exit 2)."""


class GerritNotFound(UsageError):
    """404: the change or revision does not exist or is not visible (exit 2)."""


class GerritConflict(WinciError):
    """409: Gerrit refused the review, typically because the change is closed (exit 3)."""


class GerritUnavailable(InfraError):
    """Gerrit did not answer usefully within the retry budget (exit 3)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry timeouts, connection errors and 5xx answers.

    ``attempts`` counts every try (1 = no retry). The delay before retry ``n`` is
    ``initial_delay * backoff ** (n - 1)`` capped at ``max_delay``; no retry starts
    once ``total_time`` seconds have passed since the first try.
    """

    attempts: int = 5
    initial_delay: float = 2.0
    backoff: float = 2.0
    max_delay: float = 30.0
    total_time: float = 180.0

    def delay(self, retry: int) -> float:
        return float(min(self.max_delay, self.initial_delay * self.backoff ** (retry - 1)))


def change_id(number: int | str, project: str | None = None) -> str:
    """Gerrit's preferred change identifier: ``<project>~<number>``, or the number alone."""
    return f"{project}~{number}" if project else str(number)


def _mask(text: str) -> str:
    return GLOBAL_MASKER.mask(text)


def parse_json(text: str) -> Any:
    """Decode a Gerrit JSON body, stripping the ``)]}'`` guard line when present."""
    if text.startswith(XSSI_PREFIX):
        text = text[len(XSSI_PREFIX):]
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InfraError(f"Gerrit answered with something that is not JSON: "
                         f"{_mask(text[:_BODY_EXCERPT])!r}") from exc


class GerritClient:
    """Calls to one Gerrit server as one account.

    ``timeout`` is the per-request (connect, read) timeout in seconds. ``sleep``
    is injectable so tests can observe the backoff without waiting.
    """

    def __init__(self, credentials: Credentials, *, timeout: float = 30.0,
                 retry: RetryPolicy | None = None,
                 session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.base_url = credentials.url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._session = session or requests.Session()
        self._session.auth = (credentials.username, credentials.password)
        self._session.headers["User-Agent"] = f"winci/{__version__}"
        self._session.headers["Accept"] = "application/json"
        # What the password looks like on the wire: mask that too.
        token = base64.b64encode(
            f"{credentials.username}:{credentials.password}".encode()).decode("ascii")
        GLOBAL_MASKER.add(credentials.password)
        GLOBAL_MASKER.add(token)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> GerritClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- endpoints ---------------------------------------------------------------------

    def get_account(self) -> dict[str, Any]:
        """``GET /a/accounts/self``: the account these credentials log in as."""
        result: dict[str, Any] = self._call("GET", "accounts/self", what="account self")
        return result

    def get_change(self, change: str, *, options: tuple[str, ...] = ()) -> dict[str, Any]:
        """``GET /a/changes/{change}``: a ChangeInfo (``o=`` options such as ALL_REVISIONS)."""
        params = [("o", o) for o in options]
        result: dict[str, Any] = self._call(
            "GET", f"changes/{_seg(change)}", params=params, what=f"change {change}")
        return result

    def list_messages(self, change: str) -> list[dict[str, Any]]:
        """``GET /a/changes/{change}/messages``: every ChangeMessageInfo, oldest first.

        Each has ``tag``, ``author`` and ``_revision_number`` (the patch set number).
        """
        result: list[dict[str, Any]] = self._call(
            "GET", f"changes/{_seg(change)}/messages", what=f"messages of change {change}")
        return result

    def post_review(self, change: str, revision: str | int, review: Mapping[str, Any], *,
                    already_done: Callable[[], bool] | None = None) -> dict[str, Any]:
        """``POST /a/changes/{change}/revisions/{revision}/review`` with a ReviewInput.

        A POST whose answer was lost (timeout, 5xx) may still have been applied. Before
        retrying one, ``already_done`` is asked; when it says True the review is taken
        as posted and not sent again, so a patch set never gets two reports.
        """
        path = f"changes/{_seg(change)}/revisions/{_seg(str(revision))}/review"
        result: dict[str, Any] = self._call(
            "POST", path, body=dict(review), what=f"change {change} revision {revision}",
            before_retry=already_done) or {}
        return result

    # -- transport ---------------------------------------------------------------------

    def _call(self, method: str, path: str, *, what: str,
              params: list[tuple[str, str]] | None = None,
              body: dict[str, Any] | None = None,
              before_retry: Callable[[], bool] | None = None) -> Any:
        url = f"{self.base_url}/a/{path}"
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            problem = self._attempt(method, url, what, params, body)
            if not isinstance(problem, str):
                return problem.value
            elapsed = time.monotonic() - started
            delay = self.retry.delay(attempt)
            if attempt >= self.retry.attempts or elapsed + delay > self.retry.total_time:
                raise GerritUnavailable(
                    f"Gerrit {method} {what} failed after {attempt} attempt(s) in "
                    f"{elapsed:.1f}s: {problem}",
                    "check that Gerrit is reachable from this host; the report can be "
                    "posted later with 'winci vote RUN_DIR'")
            LOG.warning(_mask(f"Gerrit {method} {what}: {problem}; retry {attempt} of "
                              f"{self.retry.attempts - 1} in {delay:.3g}s"))
            self._sleep(delay)
            if before_retry is not None and before_retry():
                LOG.info(_mask(f"Gerrit {method} {what}: it was applied after all; "
                               "not sending it again"))
                return None

    def _attempt(self, method: str, url: str, what: str,
                 params: list[tuple[str, str]] | None,
                 body: dict[str, Any] | None) -> _Ok | str:
        """One try: the decoded answer, or a one-line reason that is worth a retry."""
        try:
            response = self._session.request(method, url, params=params, json=body,
                                              timeout=self.timeout)
        except requests.Timeout:
            return f"no answer within {self.timeout:g}s"
        except requests.ConnectionError as exc:
            return f"cannot connect to {urlsplit(url).netloc}: {_connection_reason(exc)}"
        except requests.RequestException as exc:
            raise InfraError(_mask(f"Gerrit {method} {what}: {_first_line(exc)}")) from None
        status = response.status_code
        if status in _RETRYABLE:
            return f"HTTP {status} {_excerpt(response)}".rstrip()
        if status >= 400:
            raise _http_error(method, what, response)
        if status == 204 or not response.text:
            return _Ok(None)
        return _Ok(parse_json(response.text))


@dataclass(frozen=True)
class _Ok:
    value: Any


def _seg(value: str) -> str:
    """One URL path segment: ``openstack/glance~123`` becomes ``openstack%2Fglance~123``."""
    return quote(value, safe="~")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return _mask(text[0] if text else type(exc).__name__)


def _connection_reason(exc: BaseException) -> str:
    """The useful end of urllib3's nested message: '[Errno 111] Connection refused'."""
    text = str(exc)
    found = re.search(r"\[(?:Errno|WinError) -?\d+\][^'\"()]*", text)
    if found:
        return _mask(found.group(0).strip())
    if "NameResolutionError" in text or "Failed to resolve" in text:
        return "the host name does not resolve"
    return _first_line(exc)[:_BODY_EXCERPT]


def _excerpt(response: requests.Response) -> str:
    text = " ".join(response.text.split())
    if text.startswith(XSSI_PREFIX):
        text = text[len(XSSI_PREFIX):].strip()
    return _mask(text[:_BODY_EXCERPT])


def _http_error(method: str, what: str, response: requests.Response) -> WinciError:
    status = response.status_code
    said = _excerpt(response)
    detail = f"Gerrit {method} {what}: HTTP {status}" + (f" {said}" if said else "")
    if status in (401, 403):
        return GerritAuthError(
            detail, "check the Gerrit username and HTTP password (Settings > HTTP "
            "Credentials) and that the account may review this project; see "
            "docs/gerrit-voting.md")
    if status == 404:
        return GerritNotFound(detail, "check the change number, project and patch set; "
                              "the account must be able to see the change")
    if status == 409:
        return GerritConflict(detail, "nothing was posted; Gerrit refuses votes on "
                              "abandoned or merged changes but takes comments (--comment-only)")
    return InfraError(detail)
