"""The few Glance image API calls winci's own checks make against a stack it brought up
(the wine stack's tests, ``benchmarks/big_image.py``), as the stack's admin.

Uploads stream from a file or an iterator of chunks (``Transfer-Encoding: chunked``)
and downloads stream into a hash and, if given, a file: nothing here holds an image in
memory, so it can move images of several GiB. The token is masked in winci's logs like
any secret; the client never logs it.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import requests

from winci.errors import InfraError
from winci.masking import GLOBAL_MASKER
from winci.stack.services import KeystoneAPI
from winci.stack.settings import StackSettings

CHUNK = 1 << 20


@dataclass(frozen=True)
class Downloaded:
    size: int
    sha512: str
    md5: str
    seconds: float


def random_chunks(size: int, seed: bytes = b"winci", chunk: int = CHUNK) -> Iterator[bytes]:
    """``size`` bytes of repeatable pseudo-random data (sha512 in counter mode: not
    compressible, no file needed), in chunks of ``chunk`` bytes (a multiple of 4 KiB)."""
    counter, left = 0, size
    while left > 0:
        parts = []
        for _ in range(-(-min(chunk, left) // 4096)):
            parts.append(hashlib.sha512(seed + counter.to_bytes(8, "big")).digest() * 64)
            counter += 1
        piece = b"".join(parts)[:min(chunk, left)]
        left -= len(piece)
        yield piece


class ImageClient:
    """``ImageClient(settings)``: the image API of the stack ``settings`` describes."""

    def __init__(self, settings: StackSettings, timeout: float = 60.0) -> None:
        self.url = settings.glance_url
        self.timeout = timeout
        keystone = KeystoneAPI(f"{settings.keystone_url}/v3", settings.admin_password)
        self.headers = dict(keystone.headers)
        GLOBAL_MASKER.add(self.headers["X-Auth-Token"])

    @property
    def token(self) -> str:
        return self.headers["X-Auth-Token"]

    def _call(self, method: str, path: str, expect: tuple[int, ...], **kwargs: Any
              ) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", self.timeout)
        resp = requests.request(method, f"{self.url}{path}", headers=headers, **kwargs)
        if resp.status_code not in expect:
            raise InfraError(f"Glance {method} {path}: HTTP {resp.status_code} "
                             f"{resp.text[:300]}")
        return resp

    def create(self, name: str, **attrs: Any) -> str:
        body = {"name": name, "disk_format": "raw", "container_format": "bare", **attrs}
        return str(self._call("POST", "/v2/images", (201,), json=body).json()["id"])

    def show(self, image_id: str) -> dict[str, Any]:
        data: dict[str, Any] = self._call("GET", f"/v2/images/{image_id}", (200,)).json()
        return data

    def upload(self, image_id: str, data: bytes | IO[bytes] | Iterable[bytes], *,
               stage: bool = False, timeout: float | None = None) -> float:
        """PUT the image's data (``/file``, or ``/stage`` for an import); a file or bytes
        go with a Content-Length, an iterator chunked. Returns the seconds it took."""
        started = time.monotonic()
        self._call("PUT", f"/v2/images/{image_id}/{'stage' if stage else 'file'}", (204,),
                   data=data, headers={"Content-Type": "application/octet-stream"},
                   timeout=timeout or self.timeout)
        return time.monotonic() - started

    def import_image(self, image_id: str, method: str, **extra: Any) -> None:
        self._call("POST", f"/v2/images/{image_id}/import", (202,),
                   json={"method": {"name": method}, **extra})

    def wait_for(self, image_id: str, status: str, *, timeout: float = 120,
                 stores: tuple[str, ...] = ()) -> dict[str, Any]:
        """The image once its status is ``status``, it is in every one of ``stores`` and
        no import holds it (``os_glance_import_task``: the image turns active before its
        import task ends, and another import is refused with 409 until then)."""
        deadline = time.monotonic() + timeout
        while True:
            image = self.show(image_id)
            have = set(str(image.get("stores", "")).split(","))
            if (image["status"] == status and have.issuperset(stores)
                    and "os_glance_import_task" not in image):
                return image
            if time.monotonic() > deadline:
                raise InfraError(f"image {image_id} is {image['status']} in "
                                 f"{sorted(have)} after {timeout:.0f}s, not {status} in "
                                 f"{list(stores)}")
            time.sleep(0.5)

    def download(self, image_id: str, dest: Path | None = None, *,
                 timeout: float | None = None) -> Downloaded:
        """Stream the image's data into its digests (and ``dest``)."""
        started = time.monotonic()
        sha512, md5, size = hashlib.sha512(), hashlib.md5(usedforsecurity=False), 0
        resp = self._call("GET", f"/v2/images/{image_id}/file", (200,), stream=True,
                          timeout=timeout or self.timeout)
        with resp, contextlib.ExitStack() as stack:
            out = stack.enter_context(dest.open("wb")) if dest is not None else None
            for chunk in resp.iter_content(CHUNK):
                sha512.update(chunk)
                md5.update(chunk)
                if out is not None:
                    out.write(chunk)
                size += len(chunk)
        return Downloaded(size, sha512.hexdigest(), md5.hexdigest(),
                          time.monotonic() - started)

    def delete(self, image_id: str) -> None:
        self._call("DELETE", f"/v2/images/{image_id}", (204,))

    def cache(self) -> dict[str, Any]:
        """``GET /v2/cache``: the node's cached and queued images."""
        data: dict[str, Any] = self._call("GET", "/v2/cache", (200,)).json()
        return data

    def queue_for_cache(self, image_id: str) -> None:
        self._call("PUT", f"/v2/cache/{image_id}", (200, 202, 204))

