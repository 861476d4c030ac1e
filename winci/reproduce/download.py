"""Where a build's logs are: a folder given, or downloaded from the build's log URL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from winci.errors import InfraError, UsageError
from winci.reproduce.build import INVENTORY, LOG_RUN_DIR, Build, lanes_with_failures, load_build
from winci.runfolder import MANIFEST, SUBUNIT, SUMMARY, VERDICT


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _get(session: Any, url: str, dest: Path, *, required: bool) -> bool:
    import requests

    try:
        with session.get(url, stream=True, timeout=(10, 300)) as resp:
            if resp.status_code == 404 and not required:
                return False
            if resp.status_code == 404:
                raise UsageError(f"{url} not found (404)",
                                 "give the log URL of a winci build (its log root, with "
                                 f"{LOG_RUN_DIR}/ and {INVENTORY})")
            resp.raise_for_status()
            dest.parent.mkdir(parents=True, exist_ok=True)
            part = dest.with_name(dest.name + ".part")
            with part.open("wb") as fh:
                for chunk in resp.iter_content(chunk_size=1 << 16):
                    fh.write(chunk)
            part.replace(dest)
            return True
    except requests.RequestException as exc:
        raise InfraError(f"cannot download {url}: {exc.__class__.__name__}: {exc}",
                         "check the URL and the network, or download the log folder and "
                         "give its path") from None


def download(url: str, dest: Path, *, lanes: Sequence[str] | None = None,
             include_flaky: bool = False, say: Callable[[str], None] = print) -> Path:
    """Download what reproduce needs from a build's log URL into ``dest`` (same layout)."""
    import requests

    base = url if url.endswith("/") else url + "/"
    if base.rstrip("/").endswith("/" + LOG_RUN_DIR):  # the run folder's URL: go up one
        base = base.rstrip("/")[: -len(LOG_RUN_DIR)]
    run = f"{LOG_RUN_DIR}/"
    with requests.Session() as session:
        say(f"downloading the build's logs from {base} into {dest}")
        got_inventory = _get(session, base + INVENTORY, dest / INVENTORY, required=False)
        if not got_inventory:
            say(f"  note: no {INVENTORY} there: change, patch set and ref come from the "
                "manifest only")
        _get(session, base + run + MANIFEST, dest / LOG_RUN_DIR / MANIFEST, required=True)
        _get(session, base + run + VERDICT, dest / LOG_RUN_DIR / VERDICT, required=True)
        build = load_build(dest, url)
        wanted = list(lanes) if lanes else lanes_with_failures(build,
                                                               include_flaky=include_flaky)
        for lane in wanted:
            lane_dir = dest / LOG_RUN_DIR / lane
            has_summary = _get(session, f"{base}{run}{lane}/{SUMMARY}", lane_dir / SUMMARY,
                               required=False)
            has_stream = _get(session, f"{base}{run}{lane}/{SUBUNIT}", lane_dir / SUBUNIT,
                              required=False)
            if not (has_summary or has_stream):
                raise UsageError(f"{base}{run}{lane}/ has neither {SUMMARY} nor {SUBUNIT}",
                                 f"is {lane!r} a lane of that build?")
    return dest


def locate(source: str, dest: Path, *, lane: str | None = None, include_flaky: bool = False,
           say: Callable[[str], None] = print) -> Build:
    """The build, downloaded into ``dest`` first when ``source`` is a URL."""
    if is_url(source):
        folder = download(source, dest, lanes=[lane] if lane else None,
                          include_flaky=include_flaky, say=say)
        return load_build(folder, source)
    folder = Path(source).expanduser()
    if not folder.is_dir():
        raise UsageError(f"{source} is neither an http(s) URL nor a folder",
                         "give a Zuul build's log URL or a downloaded log folder")
    return load_build(folder.resolve(), source)
