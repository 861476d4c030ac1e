"""Masking of secrets (passwords, tokens, credentials) in logs and published artifacts."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from pathlib import Path

MASK = "********"

# key = value / key: value / "key": "value" for keys that hold secrets
_SECRET_KEYS = (
    r"password|passwd|secret|token|api_key|apikey|credential|private_key|"
    r"admin_token|transport_url_password|auth_key|vault_password"
)
_KV_RE = re.compile(
    rf"(?P<key>\b[\w.-]*(?:{_SECRET_KEYS})[\w.-]*\b\"?\s*[:=]\s*\"?)(?P<val>[^\s\"',;]+)",
    re.IGNORECASE,
)
# scheme://user:password@host
_URL_RE = re.compile(r"(?P<pre>\b[a-z][a-z0-9+.-]*://[^:/\s@]+:)(?P<val>[^@\s/]+)(?P<post>@)")


class Masker:
    """Replaces known secret values and secret-looking fields with ``********``."""

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
        text = _URL_RE.sub(lambda m: m.group("pre") + MASK + m.group("post"), text)
        return _KV_RE.sub(lambda m: m.group("key") + MASK, text)

    def mask_file(self, src: Path, dest: Path | None = None) -> Path:
        """Write a masked copy of ``src`` to ``dest`` (in place when ``dest`` is None)."""
        dest = dest or src
        text = src.read_text(encoding="utf-8", errors="replace")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(self.mask(text), encoding="utf-8")
        return dest


GLOBAL_MASKER = Masker()
