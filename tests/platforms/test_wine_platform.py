"""The wine platform for real: Windows CPython 3.12 (python.org's embeddable build)
under Debian's Wine, provisioned as a run provisions it."""

from __future__ import annotations

import json
import secrets
import shutil
import time
from pathlib import Path

import pytest

from winci.envs.builder import EnvSpec
from winci.envs.constraints import upper_constraints
from winci.errors import InfraError, ProcessTimeout
from winci.platforms.wine import env as wine_env
from winci.platforms.wine.info import FACTS_ARGS, parse_facts
from winci.platforms.wine.prefix import to_windows_path
from winci.platforms.wine.provision import WinePlatform
from winci.procs import Runner

from .conftest import live_processes, make_wheel


def run_python(wine: WinePlatform, tmp_path: Path, code: str, *, name: str = "py",
               env: Path | None = None, timeout: float = 120,
               extra_env: dict[str, str] | None = None) -> list[str]:
    executor = wine.executor(env or wine.interpreter.home)
    with Runner(tmp_path / "logs", run_id=wine.runner.run_id) as runner:
        done = executor.run(runner, [executor.program("python"), "-c", code], name=name,
                            cwd=tmp_path, timeout=timeout, extra_env=extra_env or {})
    assert done.returncode == 0, done.tail_text()
    return done.tail


def test_the_interpreter_is_windows_cpython(wine: WinePlatform, tmp_path: Path) -> None:
    facts = parse_facts(run_python(wine, tmp_path, FACTS_ARGS[1]))
    assert facts["sys_platform"] == "win32"
    assert facts["os_name"] == "nt"
    assert facts["bits"] == 64
    assert str(facts["version"]).startswith("3.12.")
    assert "MSC v." in str(facts["sys_version"])
    assert str(facts["windows"]).startswith("10.0.")  # the prefix says Windows 10
    manifest = wine.manifest()
    assert manifest["sys_version"] == facts["sys_version"]
    assert str(manifest["wine"]).startswith("wine-")
    assert manifest["what"] == "Windows CPython under Wine"


def test_services_get_windows_start_timeout(wine: WinePlatform, tmp_path: Path) -> None:
    """services.exe waits 30 s for a service process, as Windows does (Wine 8: 10 s)."""
    with Runner(tmp_path / "logs", run_id=wine.runner.run_id) as runner:
        done = wine.session.run(runner, ["reg", "query",
                                         r"HKLM\System\CurrentControlSet\Control",
                                         "/v", "ServicesPipeTimeout"],
                                name="reg-query", timeout=120)
    assert "30000" in done.tail_text(10)


def test_site_packages_and_pythonpath_work(wine: WinePlatform, tmp_path: Path) -> None:
    """The ._pth file is gone: PYTHONPATH and site-packages are honoured, and the
    extension modules are found in DLLs\\ (as in a normal install)."""
    home = wine.interpreter.home
    assert not list(home.glob("*._pth"))
    assert (home / "DLLs" / "_socket.pyd").is_file()
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "winci_marker.py").write_text("WHERE = 'pythonpath'\n", encoding="utf-8")
    out = run_python(wine, tmp_path, "import sys, site, winci_marker, pip, _socket, ssl; "
                     "print(winci_marker.WHERE, any(p.endswith('site-packages') "
                     "for p in sys.path), pip.__version__)",
                     extra_env={"PYTHONPATH": to_windows_path(extra)})
    assert out[-1].split()[:2] == ["pythonpath", "True"]


def test_wine_gaps_are_covered(wine: WinePlatform, tmp_path: Path) -> None:
    """ProcessPrng comes from the shim built here; shutil.copy2 does not call the
    CopyFile2 Wine 8 lacks."""
    (tmp_path / "a.txt").write_text("copied", encoding="utf-8")
    out = run_python(wine, tmp_path, (
        "import ctypes, shutil\n"
        "buf = (ctypes.c_ubyte * 64)()\n"
        "ok = ctypes.WinDLL('bcryptprimitives').ProcessPrng(buf, 64)\n"
        "shutil.copy2('a.txt', 'b.txt')\n"
        "print('prng', ok, len(set(buf)) > 8)"))
    assert out[-1] == "prng 1 True"
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "copied"


def test_socket_options_wine_refuses_are_not_offered(wine: WinePlatform, tmp_path: Path) -> None:
    """Wine 8 refuses TCP_KEEPIDLE/KEEPINTVL/KEEPCNT (WSAENOPROTOOPT); code that sets
    them when present (keystoneauth) finds them absent and keeps to SO_KEEPALIVE."""
    out = run_python(wine, tmp_path, (
        "import socket\n"
        "s = socket.socket()\n"
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)\n"
        "s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)\n"
        "print('keepalive', [hasattr(socket, n) for n in "
        "('TCP_KEEPIDLE', 'TCP_KEEPINTVL', 'TCP_KEEPCNT')])"))
    assert out[-1] == "keepalive [False, False, False]"


@pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-img is not installed")
def test_qemu_img_is_the_hosts_through_the_relay(wine: WinePlatform, tmp_path: Path) -> None:
    """A Windows process runs ``qemu-img`` by name (Glance's processutils call): the
    relay maps the Windows paths, hands back stdout, stderr and the exit code."""
    assert "qemu-img" in wine.host_tools.programs
    assert wine.manifest()["host_programs_relayed"] == list(wine.host_tools.programs)
    with Runner(tmp_path / "logs") as runner:
        runner.run(["qemu-img", "create", "-f", "qcow2", tmp_path / "a b.qcow2", "1M"],
                   name="qemu-img-create", timeout=60)
    src = to_windows_path(tmp_path / "a b.qcow2")
    out = run_python(wine, tmp_path, (
        "import json, shutil, subprocess, sys\n"
        "print('found', shutil.which('qemu-img').lower().endswith('qemu-img.exe'))\n"
        f"info = subprocess.run(['qemu-img', 'info', '--output=json', {src!r}],"
        " capture_output=True, check=True)\n"
        "print('format', json.loads(info.stdout)['format'])\n"
        f"subprocess.run(['qemu-img', 'convert', '-O', 'raw', {src!r}, 'out.raw'], check=True)\n"
        "bad = subprocess.run(['qemu-img', 'info', 'missing.img'], capture_output=True)\n"
        "print('missing', bad.returncode, b'missing.img' in bad.stderr)\n"))
    assert out[-3:] == ["found True", "format qcow2", "missing 1 True"]
    assert (tmp_path / "out.raw").stat().st_size == 1024 * 1024


def test_binary_stdout_arrives_byte_for_byte(wine: WinePlatform, tmp_path: Path) -> None:
    executor = wine.executor(wine.interpreter.home)
    stream = tmp_path / "out" / "stream.bin"
    code = ("import sys; sys.stdout.buffer.write(bytes(range(256)) * 400 + b'\\r\\n\\n'); "
            "sys.stderr.write('to the log\\n')")
    with Runner(tmp_path / "logs", run_id=wine.runner.run_id) as runner:
        done = executor.run(runner, [executor.program("python"), "-c", code], name="bin",
                            cwd=tmp_path, timeout=120, extra_env={}, stdout_path=stream)
    assert done.returncode == 0
    assert stream.read_bytes() == bytes(range(256)) * 400 + b"\r\n\n"
    assert "to the log" in done.log.read_text(encoding="utf-8")


def test_a_timeout_ends_the_windows_children(wine: WinePlatform, tmp_path: Path) -> None:
    """Wine makes a Windows program's children orphans; a timeout ends them too."""
    mark = f"winci-sleeper-{secrets.token_hex(4)}"
    code = ("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
            f"'import time; time.sleep(300)', '{mark}']); time.sleep(300)")
    executor = wine.executor(wine.interpreter.home)
    with Runner(tmp_path / "logs", run_id=wine.runner.run_id) as runner:
        started = time.monotonic()
        with pytest.raises(ProcessTimeout):
            executor.run(runner, [executor.program("python"), "-c", code], name="sleepy",
                         cwd=tmp_path, timeout=8, extra_env={"WINCI_TEST_MARK": mark})
        assert time.monotonic() - started < 40
        assert live_processes("WINCI_TEST_MARK", mark) == []


def test_program_names_the_environments_scripts(wine: WinePlatform) -> None:
    executor = wine.executor(wine.interpreter.home)
    assert executor.program("python") == wine.interpreter.home / "python.exe"
    assert executor.program("pip") == wine.interpreter.home / "Scripts" / "pip.exe"
    with pytest.raises(InfraError, match=r"has no stestr\.exe"):
        executor.program("stestr")
    with pytest.raises(InfraError, match="no Windows environment"):
        wine.executor(None).program("stestr")


def test_env_is_reused_and_a_half_built_one_is_rebuilt(
        wine: WinePlatform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = make_wheel(tmp_path)
    spec = EnvSpec(name="tiny", requirements=(), constraints=upper_constraints(),
                   local_packages=(wheel,), local_key=secrets.token_hex(6))
    builds: list[Path] = []
    real_build = wine_env._build

    def counting_build(*args: object) -> None:
        builds.append(Path(str(args[-1])))
        real_build(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(wine_env, "_build", counting_build)
    env = wine.ensure_env(spec)
    try:
        assert builds == [env]
        assert env.parent.name == "venvs" and env.name.startswith("wine-tiny-")
        stamp = json.loads((env / "winci-env.json").read_text(encoding="utf-8"))
        assert stamp["interpreter"] == wine.interpreter.key
        # the environment's own interpreter runs the console script pip made for it
        executor = wine.executor(env)
        with Runner(tmp_path / "logs", run_id=wine.runner.run_id) as runner:
            done = executor.run(runner, [executor.program("winci_tiny-cli")], name="cli",
                                cwd=tmp_path, timeout=120, extra_env={})
        assert done.tail[-1] == "tiny 42"

        assert wine.ensure_env(spec) == env  # cached: nothing built
        assert builds == [env]

        (env / "winci-env.json").unlink()  # as if a build had been killed half-way
        (env / "half-built").write_text("", encoding="utf-8")
        assert wine.ensure_env(spec) == env
        assert builds == [env, env]
        assert not (env / "half-built").exists()
        assert (env / "winci-env.json").is_file()
    finally:
        shutil.rmtree(env, ignore_errors=True)


def test_a_failed_build_leaves_no_environment(wine: WinePlatform, tmp_path: Path) -> None:
    spec = EnvSpec(name="broken", requirements=(), constraints=upper_constraints(),
                   local_packages=(tmp_path / "missing-0.1-py3-none-any.whl",),
                   local_key=secrets.token_hex(6))
    with pytest.raises(InfraError, match="could not install the broken environment"):
        wine.ensure_env(spec)
    assert not wine_env.env_dir(spec, wine.interpreter).exists()
