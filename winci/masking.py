"""Masking of secrets (passwords, tokens, credentials) in logs and published artifacts.

Three things are masked, and nothing else:

- the secret values registered with a :class:`Masker` (generated passwords, tokens),
  wherever they appear;
- the password of a URL (``scheme://user:password@host``);
- the *value* of a secret key, in ``key = value`` lines (INI and conf files, log
  lines), ``key: value`` (YAML, HTTP headers) and ``"key": "value"`` (JSON, reprs).

A key is secret by its last word: ``password``, ``admin_password``, ``OS_PASSWORD``,
``memcache_secret_key``, ``X-Auth-Token``, ``api_key``. Keys that merely contain such a
word are not: ``password_hash_rounds = 4``, ``key_repository = ...``, and
``paste.filter_factory = keystonemiddleware.auth_token:filter_factory`` stay as they
are, so a masked copy of a config file still loads with the same non-secret values.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from pathlib import Path

MASK = "********"

# A key is secret when its last word ends with one of these ("adminpassword" too).
_SECRET_ENDINGS = ("password", "passwd", "passphrase", "secret", "token", "apikey")
# ... or is "key" ("api_key", "swift_store_key"), unless one of these comes before it,
_PUBLIC_KEY_QUALIFIERS = frozenset({"sort", "primary", "foreign", "public", "partition"})
# or "keys" after one of these ("hmac_keys"; not "max_active_keys = 3").
_SECRET_KEYS_QUALIFIERS = frozenset({"hmac", "api", "secret", "private", "signing",
                                     "encryption", "access", "auth"})
# ... or is "pwd" after another word ("MYSQL_PWD"; the shell's PWD and OLDPWD are paths).

# Text without any of these has no secret key: skips the key regexes for most lines.
_HINT = re.compile(r"pass|secret|token|key|pwd", re.IGNORECASE)
_KEY = r"[A-Za-z_][\w.-]*"
# A whole line `key = value` / `key: value` (INI, YAML): the value is the rest of the
# line, spaces included. `KEY=value` (environment style) is left to the inline form.
_LINE_RE = re.compile(
    rf"^[ \t]*(?P<key>{_KEY})(?:[ \t]+=[ \t]*|[ \t]*=[ \t]+|:[ \t]+)"
    r"(?P<val>\S(?:.*\S)?)(?=[ \t\r]*$)",
    re.MULTILINE,
)
# `key=value`, `key: value`, `"key": "value"`, `'key': 'value'` anywhere in a line. A
# colon counts only before a space or after a quote, so `module.auth_token:factory`
# (an entry point) is not a key and its value.
_INLINE_RE = re.compile(
    rf"(?<![\w.-])(?P<key>{_KEY})"
    r"(?P<sep>[\"']?[ \t]*=[ \t]*[\"']?|[\"'][ \t]*:[ \t]*[\"']?|:[ \t]+[\"']?)"
    r"(?P<val>[^\s\"',;&{}\[\]()<>]+)"
)
# scheme://user:password@host
_URL_RE = re.compile(r"(?P<pre>\b[a-z][a-z0-9+.-]*://[^:/\s@]+:)(?P<val>[^@\s/]+)(?P<post>@)")
_WORDS_RE = re.compile(r"[^a-z0-9]+")


def is_secret_key(key: str) -> bool:
    """Whether the option or field named ``key`` holds a secret (decided by its last word)."""
    words = [w for w in _WORDS_RE.split(key.lower()) if w]
    if not words:
        return False
    last = words[-1]
    if last.endswith(_SECRET_ENDINGS):
        return True
    if last == "key":
        return len(words) == 1 or words[-2] not in _PUBLIC_KEY_QUALIFIERS
    if last == "keys":
        return len(words) > 1 and words[-2] in _SECRET_KEYS_QUALIFIERS
    return last == "pwd" and len(words) > 1


def _mask_value(match: re.Match[str]) -> str:
    if not is_secret_key(match.group("key")):
        return match.group(0)
    start, end = match.span("val")
    whole = match.group(0)
    base = match.start()
    return whole[:start - base] + MASK + whole[end - base:]


class Masker:
    """Replaces known secret values and the values of secret keys with ``********``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        for s in secrets:
            self.add(s)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4:
            with self._lock:
                self._secrets.add(secret)

    @property
    def secrets(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._secrets)

    def mask(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        if "://" in text:
            text = _URL_RE.sub(lambda m: m.group("pre") + MASK + m.group("post"), text)
        if _HINT.search(text):
            text = _LINE_RE.sub(_mask_value, text)
            text = _INLINE_RE.sub(_mask_value, text)
        return text

    def mask_file(self, src: Path, dest: Path | None = None) -> Path:
        """Write a masked copy of ``src`` to ``dest`` (in place when ``dest`` is None)."""
        dest = dest or src
        text = src.read_text(encoding="utf-8", errors="replace")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(self.mask(text), encoding="utf-8")
        return dest


GLOBAL_MASKER = Masker()
