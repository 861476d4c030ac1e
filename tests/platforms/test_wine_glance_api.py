"""Glance's API on Windows CPython under Wine as ``winci run --platform wine`` brings it
up, for real: served by the patch queue's ``glance.cmd.api_waitress`` with two worker
processes on one socket, its images on a share named by UNC path and its state on a
mapped drive letter (both host folders through the prefix's ``dosdevices``), behind
the native Keystone and MariaDB. One stack for the module (~70 s); at its end nothing
of the run is left: not a process (Wine's own included), not its prefix.

The tests run in file order: the last one stops the API.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import signal
import socket
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
import requests

from winci.backends import BackendConfig
from winci.backends.wine import WineBackend
from winci.host.memory import PeakRss
from winci.platforms.wine.install import WineTools
from winci.procs import Completed, Runner
from winci.procs.runner import CHILD_ENV
from winci.procs.tree import processes_with_env
from winci.stack.image_client import ImageClient, random_chunks
from winci.ui import Progress
from winci.worktree.prepared import PreparedTree

from .conftest import nothing_left_of_run

pytestmark = [pytest.mark.integration]

MiB = 1 << 20
# The CI slice of benchmarks/big_image.py (which moves 1 GiB): big enough that an API
# holding the body in memory would show it, small enough for CI under Wine (~20 MB/s).
# WINCI_BIG_IMAGE_MIB=1024 runs the test at the benchmark's size (by hand: ~6 min).
SLICE = int(os.environ.get("WINCI_BIG_IMAGE_MIB", "96")) * MiB

# glance_store's filesystem driver by itself under Windows CPython, one store at a drive
# letter and one at a UNC path: add (sha512), get, delete; one line per store.
STORES = """\
import hashlib, io, os, sys, uuid
from oslo_config import cfg
import glance_store
conf = cfg.CONF
conf.register_opt(cfg.DictOpt('enabled_backends'))
conf([], project='glance', default_config_files=[])
folders = dict(zip(('drive', 'unc'), sys.argv[1:3]))
conf.set_override('enabled_backends', {name: 'file' for name in folders})
glance_store.register_store_opts(conf)
for name, folder in folders.items():
    conf.set_override('filesystem_store_datadir', folder, group=name)
conf.set_override('default_backend', 'drive', group='glance_store')
glance_store.create_multi_stores(conf)
data = bytes(range(256)) * 4096
for name, folder in folders.items():
    image = str(uuid.uuid4())
    url, size, _, multihash, _ = glance_store.add_with_multihash(
        conf, image, io.BytesIO(data), len(data), name, 'sha512')
    there = os.path.isfile(os.path.join(folder, image))
    chunks, _ = glance_store.get(url, name)
    same = b''.join(chunks) == data and multihash == hashlib.sha512(data).hexdigest()
    glance_store.delete(url, name)
    print('STORE', name, url, size, there, same, os.listdir(folder) == [])
"""


@pytest.fixture(scope="module")
def stack(wine_tools: WineTools, glance_tree: PreparedTree,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[WineBackend]:
    base = tmp_path_factory.mktemp("wine-api")
    run_id = f"test-wine-api-{secrets.token_hex(4)}"
    runner = Runner(base / "out" / "logs", run_id=run_id)
    backend = WineBackend(BackendConfig(run_id=run_id, out_dir=base / "out",
                                        private_dir=base / "private", lanes=("tempest",),
                                        platform="wine"), runner)
    try:
        backend.prepare(glance_tree, Progress(io.StringIO()))
        backend.up(lambda step: None)
        yield backend
    finally:
        backend.down()
        assert runner.close()
    assert nothing_left_of_run(run_id) == []
    assert not (base / "private" / "wine-prefix").exists()


@pytest.fixture(scope="module")
def client(stack: WineBackend) -> ImageClient:
    return ImageClient(stack.settings)


def _share(stack: WineBackend) -> Path:
    assert stack.share is not None
    return stack.share.folder


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _windows_python(stack: WineBackend, *args: str, name: str,
                    timeout: float = 300) -> Completed:
    """``python.exe ARGS`` of the stack's Windows environment, from the work tree, as
    the stack runs ``glance-manage`` (but its failures are the test's to read)."""
    assert stack.wine is not None and stack.glance_env is not None and stack.tree
    tree = stack.tree.path
    return stack.wine.session.run(
        stack.runner, [stack.glance_env / "python.exe", *args], name=name,
        timeout=timeout, cwd=tree, check=False,
        extra_env=stack.glance.python.tree_env(tree))  # type: ignore[union-attr]


HOLD = ("import sys, time\n"
        "files = [open(p, 'rb') for p in sys.argv[1:]]\n"
        "print('holding', len(files), flush=True)\n"
        "time.sleep(600)\n")


@contextlib.contextmanager
def _held_open(stack: WineBackend, *paths: str) -> Iterator[None]:
    """The Windows files ``paths`` held open by another Windows process, as Python
    opens files (no FILE_SHARE_DELETE: Windows refuses to delete or move them)."""
    assert stack.wine is not None and stack.glance_env is not None
    holder = stack.wine.session.start_service(
        [stack.glance_env / "python.exe", "-c", HOLD, *paths],
        name=f"holder-{secrets.token_hex(2)}", lifetime=300)
    try:
        deadline = time.monotonic() + 60
        said = f"holding {len(paths)}"  # its own line (the log's first echoes the script)
        while said not in holder.log.read_text(encoding="utf-8",
                                                errors="replace").splitlines():
            assert holder.alive() and time.monotonic() < deadline, holder.tail_text(20)
            time.sleep(0.2)
        yield
    finally:
        holder.stop()


def _facts(stack: WineBackend) -> dict[str, object]:
    api = stack.platform_info().get("glance_api")
    assert isinstance(api, dict), stack.platform_info()
    return api


def test_several_windows_workers_serve_one_socket(stack: WineBackend,
                                                  client: ImageClient) -> None:
    s = stack.settings

    def get(path: str) -> int:
        return requests.get(f"{s.glance_url}{path}", headers=client.headers,
                            timeout=60).status_code

    facts = _facts(stack)
    for _ in range(5):  # the kernel picks the worker: ask until two have answered
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(get, ["/versions", "/v2/images"] * 20))
        assert set(codes) == {200}
        facts = _facts(stack)
        if int(str(facts.get("workers_that_served", 0))) >= 2:
            break
    # the launcher's line: Windows CPython runs the queue's server...
    assert (facts["sys_platform"], facts["serves"]) == ("win32", "glance.cmd.api_waitress")
    # ...whose two workers said which they are, and both served
    workers = facts["worker_processes"]
    assert isinstance(workers, list) and len(workers) == 2, facts
    assert {w["sys_platform"] for w in workers} == {"win32"}
    assert facts["workers_that_served"] == 2, facts
    assert len(stack.glance.worker_processes()) == 2  # type: ignore[union-attr]
    # the store is a UNC path, the state a drive letter; the manifest says so
    folders = facts["folders"]
    assert isinstance(folders, dict)
    assert folders["file1"] == "\\\\winci-sofs\\glance\\images/file1"
    assert folders["os_glance_staging_store"] == "S:\\node/staging"
    assert stack.platform_info()["image_share"]["unc"] == "\\\\winci-sofs\\glance"  # type: ignore[index]
    # the second API (image_remote) on Windows CPython too: the same stores, its own state
    remote = stack.platform_info()["glance_api_remote"]
    assert isinstance(remote, dict) and remote["sys_platform"] == "win32", remote
    assert remote["folders"]["file1"] == folders["file1"]
    assert remote["folders"]["os_glance_staging_store"] == "S:\\node2/staging"
    # no secret in the access log: requests' paths only
    logs = [stack.glance.own_log, stack.glance.service.log]  # type: ignore[union-attr]
    for log in logs:
        assert client.token not in log.read_text(encoding="utf-8", errors="replace")


def test_images_on_the_share_by_unc_path_and_drive_letter(stack: WineBackend,
                                                          client: ImageClient) -> None:
    share = _share(stack)
    data = secrets.token_bytes(3 * MiB + 7)
    image = client.create("winci-unc")
    client.upload(image, data)
    shown = client.show(image)
    assert (shown["status"], shown["size"]) == ("active", len(data))
    # written by the Windows process through \\winci-sofs\glance, located by file:// URI
    assert (share / "images" / "file1" / image).read_bytes() == data
    url = f"file://winci-sofs/glance/images/file1/{image}"
    assert shown["direct_url"] == url
    assert [loc["url"] for loc in shown["locations"]] == [url]
    assert shown["os_hash_value"] == hashlib.sha512(data).hexdigest()

    # glance-direct: staged through S:\node\staging, imported onto the UNC store, then
    # copied to the second store
    staged = client.create("winci-staged")
    client.upload(staged, data, stage=True)
    assert (share / "node" / "staging" / staged).read_bytes() == data
    client.import_image(staged, "glance-direct")
    client.wait_for(staged, "active", timeout=180)
    assert (share / "images" / "file1" / staged).read_bytes() == data
    assert not (share / "node" / "staging" / staged).exists()
    client.import_image(staged, "copy-image", stores=["file2"])
    client.wait_for(staged, "active", timeout=180, stores=("file1", "file2"))
    assert (share / "images" / "file2" / staged).read_bytes() == data

    # the image cache on S:: a download fills it, the cache API lists it
    first = client.download(image)
    deadline = time.monotonic() + 60
    while not (share / "node" / "image-cache" / image).is_file():
        assert time.monotonic() < deadline, "the download did not fill the cache"
        time.sleep(0.5)
    again = client.download(image)  # served from the cache
    assert first.sha512 == again.sha512 == hashlib.sha512(data).hexdigest()
    cached = [entry["image_id"] for entry in client.cache()["cached_images"]]
    assert image in cached


def test_the_filesystem_store_at_a_drive_letter_and_a_unc_path(stack: WineBackend) -> None:
    """The driver behind the file stores and the staging store, under Windows CPython
    with a datadir at each kind of name: locations as glance_store 0001 writes them."""
    done = _windows_python(stack, "-c", STORES, "S:\\store-drive",
                           "\\\\winci-sofs\\glance\\store-unc", name="glance-store-paths")
    assert done.returncode == 0, done.tail_text(30)
    lines = {line.split()[1]: line.split()[2:] for line in done.tail
             if line.startswith("STORE ")}
    drive_url, unc_url = lines["drive"][0], lines["unc"][0]
    assert drive_url.startswith("file:///S:/store-drive/")
    assert unc_url.startswith("file://winci-sofs/glance/store-unc/")
    for fields in lines.values():
        assert fields[1:] == [str(MiB), "True", "True", "True"], fields
    share = _share(stack)
    assert (share / "store-drive").is_dir() and (share / "store-unc").is_dir()


def test_a_big_upload_streams_through_a_worker(stack: WineBackend,
                                               client: ImageClient) -> None:
    """The CI slice of benchmarks/big_image.py: an upload with a length and a chunked
    one, each read back by digest; the serving worker's memory grows far less than
    the image (the API streams it to the store, it does not hold it)."""
    glance = stack.glance
    assert glance is not None
    expected = hashlib.sha512()
    for chunk in random_chunks(SLICE):
        expected.update(chunk)
    with PeakRss(glance.worker_processes) as peak:
        sized = client.create("winci-slice-sized")
        source = stack.config.private_dir / "slice.bin"
        with source.open("wb") as out:
            for chunk in random_chunks(SLICE):
                out.write(chunk)
        with source.open("rb") as body:
            client.upload(sized, body, timeout=600)
        chunked = client.create("winci-slice-chunked")
        client.upload(chunked, random_chunks(SLICE), timeout=600)
        for image in (sized, chunked):
            got = client.download(image, timeout=600)
            shown = client.show(image)
            assert (got.size, got.sha512) == (SLICE, expected.hexdigest())
            assert (shown["os_hash_value"], shown["checksum"]) == (got.sha512, got.md5)
    source.unlink()
    assert len(peak.by_pid) >= 2 and peak.samples > 10
    assert peak.max_growth < SLICE // 2, (peak.by_pid, peak.first_by_pid)


def test_the_cache_prefetches_while_a_queue_entry_is_held_open(
        stack: WineBackend, client: ImageClient) -> None:
    """The cache API's prefetcher (the cache worker thread of an API worker) copies
    queued images from the UNC store into the cache on S:. A queue entry another
    process holds open cannot be deleted on Windows: the image is cached and recorded
    all the same (glance 0003), and the next queued image is fetched too."""
    cache = _share(stack) / "node" / "image-cache"
    first, second = client.create("winci-prefetch-1"), client.create("winci-prefetch-2")
    for image in (first, second):
        client.upload(image, secrets.token_bytes(MiB))
    (cache / "queue" / first).touch()  # queued, and held open before the fetch
    with _held_open(stack, f"S:\\node\\image-cache\\queue\\{first}"):
        for image in (first, second):
            client.queue_for_cache(image)
        deadline = time.monotonic() + 120
        while not {first, second} <= {e["image_id"] for e in client.cache()["cached_images"]}:
            assert time.monotonic() < deadline, client.cache()
            time.sleep(1)
        assert (cache / "queue" / first).exists()  # still held: left queued
    assert (cache / first).stat().st_size == (cache / second).stat().st_size == MiB
    log = stack.glance.own_log.read_text(encoding="utf-8", errors="replace")  # type: ignore[union-attr]
    assert f"queue\\{first} is in use and was not removed; the image is cached" in log


def test_the_cache_cleaner_leaves_files_held_open_for_later(stack: WineBackend) -> None:
    cache = _share(stack) / "node" / "image-cache"
    names = {"invalid": ("held", "free"), "incomplete": ("stalled",)}
    for folder, files in names.items():
        for name in files:
            (cache / folder / name).write_bytes(b"x" * 1024)
    two_days_ago = time.time() - 2 * 86400
    os.utime(cache / "incomplete" / "stalled", (two_days_ago, two_days_ago))
    conf = stack.glance.python.path(stack.glance.config)  # type: ignore[union-attr]
    clean = ("import sys; from glance.cmd.cache_cleaner import main; sys.exit(main())",
             "--config-file", conf)
    with _held_open(stack, "S:\\node\\image-cache\\invalid\\held",
                    "S:\\node\\image-cache\\incomplete\\stalled"):
        done = _windows_python(stack, "-c", *clean, name="glance-cache-cleaner")
        assert done.returncode == 0, done.tail_text(30)
        assert not (cache / "invalid" / "free").exists()
        assert (cache / "invalid" / "held").exists()
        assert (cache / "incomplete" / "stalled").exists()
    log = stack.glance.own_log.read_text(encoding="utf-8", errors="replace")  # type: ignore[union-attr]
    assert "invalid\\held is in use; a later clean will remove it" in log
    done = _windows_python(stack, "-c", *clean, name="glance-cache-cleaner-again")
    assert done.returncode == 0, done.tail_text(30)
    assert not (cache / "invalid" / "held").exists()
    assert not (cache / "incomplete" / "stalled").exists()


def test_a_second_scrubber_restore_refuses_while_one_runs(stack: WineBackend,
                                                          client: ImageClient) -> None:
    """Two ``glance-scrubber --restore`` at once: the second finds the named mutex
    ``Global\\glance-scrubber`` held (glance 0004) and refuses; the first, held at
    its database update by a row lock the test keeps, then restores the image."""
    if stack.settings.db != "mysql" or stack.resolve_db_mode() != "mysql":
        pytest.skip("needs the MariaDB server (a row lock holds the first scrubber)")
    pymysql = pytest.importorskip("pymysql")
    s = stack.settings
    image = client.create("winci-scrub")
    client.upload(image, secrets.token_bytes(MiB))

    def connect(user: str, password: str) -> object:
        return pymysql.connect(host=s.host, port=s.db_port, user=user,
                               password=password, database="glance")

    # the lock as Glance's own user; the watch as oslo.db's test admin (it reads
    # information_schema.innodb_trx, which needs the PROCESS privilege)
    lock = connect("glance", s.db_password)
    watch = connect("openstack_citest", s.citest_password)
    with lock.cursor() as cur:  # type: ignore[attr-defined]
        cur.execute("UPDATE images SET status='pending_delete', deleted=1, "
                    "deleted_at=UTC_TIMESTAMP() WHERE id=%s", (image,))
        lock.commit()  # type: ignore[attr-defined]
        cur.execute("SELECT id FROM images WHERE id=%s FOR UPDATE", (image,))
    conf = stack.glance.python.path(stack.glance.config)  # type: ignore[union-attr]
    restore = ("-m", "glance.cmd.scrubber", "--config-file", conf, "--restore", image)
    assert stack.wine is not None and stack.glance_env is not None and stack.tree
    first = stack.wine.session.start_service(
        [stack.glance_env / "python.exe", *restore], name="scrubber-restore-first",
        lifetime=300, cwd=stack.tree.path,
        extra_env=stack.glance.python.tree_env(stack.tree.path))  # type: ignore[union-attr]
    try:
        deadline = time.monotonic() + 180
        while True:  # the first scrubber waits for the row: it holds the mutex
            with watch.cursor() as cur:  # type: ignore[attr-defined]
                cur.execute("SELECT COUNT(*) FROM information_schema.innodb_trx "
                            "WHERE trx_state = 'LOCK WAIT'")
                if cur.fetchone()[0]:
                    break
            assert first.alive() and time.monotonic() < deadline, first.tail_text(30)
            time.sleep(0.5)
        second = _windows_python(stack, *restore, name="scrubber-restore-second")
        assert second.returncode == 1, second.tail_text(30)
        assert "ERROR: glance-scrubber is already running" in second.tail_text(30)
    finally:
        lock.rollback()  # type: ignore[attr-defined]
        lock.close()  # type: ignore[attr-defined]
    assert first.wait(180) == 0, first.tail_text(30)
    with watch.cursor() as cur:  # type: ignore[attr-defined]
        cur.execute("SELECT status, deleted FROM images WHERE id=%s", (image,))
        assert cur.fetchone() == ("active", 0)
    watch.close()  # type: ignore[attr-defined]


def test_glance_manage_on_windows_cpython(stack: WineBackend) -> None:
    """``glance-manage`` under Windows CPython against the run's database: its schema
    version, and the metadata definitions loaded (merged) from the share by UNC path."""
    assert stack.glance is not None and stack.tree is not None
    conf = stack.glance.python.path(stack.glance.config)
    manage = ("-m", "glance.cmd.manage", "--config-file", conf)
    done = _windows_python(stack, *manage, "db", "version", name="glance-manage-version")
    assert done.returncode == 0, done.tail_text(30)
    assert done.tail and done.tail[-1].strip().endswith("_contract01"), done.tail
    shipped = sorted((stack.tree.path / "etc" / "metadefs").glob("*.json"))
    folder = _share(stack) / "metadefs"
    folder.mkdir()
    for path in shipped:
        (folder / path.name).write_bytes(path.read_bytes())
    done = _windows_python(stack, *manage, "db", "load_metadefs", "--path",
                           "\\\\winci-sofs\\glance\\metadefs", "--merge",
                           name="glance-manage-load-metadefs")
    assert done.returncode == 0, done.tail_text(30)
    log = stack.glance.own_log.read_text(encoding="utf-8", errors="replace")
    loaded = {path.name for path in shipped
              if f"File \\\\winci-sofs\\glance\\metadefs\\{path.name} loaded to database"
              in log}
    assert len(shipped) > 20 and loaded == {path.name for path in shipped}


def test_a_worker_that_dies_is_replaced(stack: WineBackend) -> None:
    glance = stack.glance
    assert glance is not None and glance.service is not None
    before = _facts(stack)["worker_processes"]
    assert isinstance(before, list)
    victim = glance.worker_processes()[0]
    victim.kill()  # the worker's host process, as if Windows ended it
    victim.wait(10)
    deadline = time.monotonic() + 120
    while True:
        after = _facts(stack)["worker_processes"]
        assert isinstance(after, list)
        if len(after) > len(before) and len(glance.worker_processes()) == 2:
            break
        assert time.monotonic() < deadline, after
        time.sleep(1)
    assert victim.pid not in [p.pid for p in glance.worker_processes()]
    assert "restarting" in glance.service.log.read_text(encoding="utf-8", errors="replace")
    assert requests.get(f"{stack.settings.glance_url}/versions", timeout=30).ok


def test_ending_the_server_ends_every_worker(stack: WineBackend) -> None:
    """Only the server's own process is signalled; its Windows workers end by
    themselves (their stdin pipe closes, and the kill-on-close job object), so nothing
    is left listening. Last: the API is down after it."""
    glance = stack.glance
    assert glance is not None and glance.service is not None
    workers = glance.worker_processes()
    assert len(workers) == 2
    port = stack.settings.glance_port
    assert _listening(port)
    glance.service.popen.send_signal(signal.SIGTERM)
    glance.service.popen.wait(timeout=60)
    gone, alive = psutil.wait_procs(workers, timeout=60)
    assert alive == [] and len(gone) == 2
    deadline = time.monotonic() + 30
    while _listening(port) and time.monotonic() < deadline:
        time.sleep(0.5)
    if _listening(port):
        # Seen twice in CI runs on a loaded machine (never in runs by hand): the socket
        # outlived every Windows process that had a handle to it, held by wineserver
        # alone. Nothing of the service may be left; the socket's object in wineserver is Wine's
        # (docs/wine-platform.md, "Wine limitations met").
        left = processes_with_env(CHILD_ENV, glance.service.tag)
        listeners = _listeners(port)
        assert left == [] and listeners and all("wineserver" in who for who in listeners), \
            (left, listeners)
        warnings.warn(f"port {port}: held by wineserver alone after the server and its "
                      f"workers ended ({listeners})", stacklevel=1)
    glance.service.stop()


def _listeners(port: int) -> list[str]:
    """Who still listens on ``port``: each host process with its command line."""
    found = []
    for conn in psutil.net_connections(kind="tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN:
            try:
                proc = psutil.Process(conn.pid) if conn.pid else None
                what = " ".join(proc.cmdline()) if proc else "?"
            except psutil.Error:
                what = "(gone)"
            found.append(f"pid {conn.pid}: {what}")
    return found
