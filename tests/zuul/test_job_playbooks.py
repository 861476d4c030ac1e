"""winci's Zuul job playbooks (jobs/), run for real with ansible-playbook on a local node.

The node is this Linux host (local connection, the local backend), so the Linux task
files run; the Windows ones are checked statically in test_ansible_static.py. The job
directory, inventory, ansible.cfg, ``zuul`` variable and ``zuul_return`` plugin are
Zuul's (tests/zuul/jobdir.py), and the results are looked for where Zuul would find
them: the build's logs under ``zuul.executor.log_root`` and the returned data in
``zuul.executor.work_root``/results.json.

The wine jobs' command line is checked with a stub in place of ``scripts/winci`` that
records how it was called: the playbooks run for real, Wine does not.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO, tool_bin
from tests.zuul.jobdir import GLANCE, JobDir, show

UNIT_FILTER = "glance.tests.unit.test_versions"
BASE_URL = "http://127.0.0.1:8080/logs"


def glance_tree(tmp: Path) -> Path:
    """Glance 33.0.0's source, from winci's cache (downloaded from PyPI on first use)."""
    from winci.procs import Runner
    from winci.worktree.sources import DEFAULT_GLANCE_VERSION, fetch_pypi_release

    runner = Runner(tmp / "fetch-logs", run_id="zuul-test")
    try:
        return fetch_pypi_release(DEFAULT_GLANCE_VERSION, runner)
    finally:
        runner.close()


def make_jobdir(tmp_path: Path, **job_vars: object) -> JobDir:
    jobdir = JobDir(tmp_path / "jobdir", tool_bin("zuul", "ansible-playbook"),
                    tool_bin("zuul", "python"))
    secret_db = tmp_path / "history-s3cr3t-7f3a.sqlite"
    jobdir.job_vars = {
        "winci_glance_project": GLANCE,
        "winci_copy_source_projects": [GLANCE],
        "winci_run_lanes": ["unit"],
        "winci_run_backend": "local",
        "winci_run_extra_args": ["--filter", UNIT_FILTER, "--concurrency", "2"],
        # A static node with winci installed: this checkout, bootstrapped by scripts/test.
        "winci_run_winci_root": str(REPO),
        "winci_prepare_workspace_posix_root": str(tmp_path / "node" / "winci-ci"),
        "winci_publish_report_root": str(tmp_path / "published"),
        "winci_publish_report_base_url": BASE_URL,
        "winci_run_log_url": "{{ winci_publish_report_base_url }}/{{ zuul.build[:2] }}/"
                             "{{ zuul.build }}/",
        # What Zuul passes for the job's secret winci-history-db.
        "winci_history_db": {"url": f"sqlite:///{secret_db}"},
        **job_vars,
    }
    return jobdir


def zuul_job_vars(name: str) -> dict[str, Any]:
    """A job's ``vars`` from zuul.d/jobs.yaml, merged down its parent chain as Zuul does
    (a child's value of a variable wins over its parent's)."""
    stanzas = yaml.safe_load((REPO / "zuul.d" / "jobs.yaml").read_text())
    jobs = {s["job"]["name"]: s["job"] for s in stanzas if "job" in s}
    chain: list[dict[str, Any]] = []
    current: str | None = name
    while current:
        chain.append(jobs[current])
        current = jobs[current].get("parent")
    merged: dict[str, Any] = {}
    for job in reversed(chain):
        merged.update(job.get("vars") or {})
    return merged


# Stands in for scripts/winci on the node: records what the role ran it with, exits 0.
STUB_WINCI = """\
import json, os, sys
from pathlib import Path
record = {"argv": sys.argv, "cwd": os.getcwd(),
          "env": {k: v for k, v in os.environ.items() if k.startswith("WINCI_ZUUL_")}}
(Path(__file__).resolve().parent.parent / "invocation.json").write_text(json.dumps(record))
"""
WINE_PACKAGES = yaml.safe_load((REPO / "jobs" / "roles" / "winci-ensure-wine" / "defaults" /
                                "main.yaml").read_text())["winci_ensure_wine_packages"]


def stub_build(tmp_path: Path, **job_vars: object) -> tuple[JobDir, Path]:
    """A job directory whose node runs the stub instead of winci, and a small Glance tree."""
    stub = tmp_path / "winci-stub"
    (stub / "scripts").mkdir(parents=True)
    script = stub / "scripts" / "winci"
    script.write_text(f"#!{sys.executable}\n{STUB_WINCI}")
    script.chmod(0o755)
    jobdir = make_jobdir(tmp_path, winci_run_winci_root=str(stub), **job_vars)
    tree = tmp_path / "glance"
    tree.mkdir()
    (tree / "setup.cfg").write_text("[metadata]\nname = glance\n")
    jobdir.prepare_project(GLANCE, tree)
    jobdir.write([GLANCE])
    return jobdir, stub / "invocation.json"


def missing_debian_packages(packages: list[str]) -> list[str] | None:
    """The packages dpkg does not list as installed; None off Debian."""
    if shutil.which("dpkg-query") is None:
        return None
    missing = []
    for pkg in packages:
        done = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                              capture_output=True, text=True, check=False, timeout=60)
        if "install ok installed" not in done.stdout:
            missing.append(pkg)
    return missing


def test_wine_job_runs_winci_with_platform_wine(tmp_path: Path) -> None:
    """glance-wine-unit's vars, through pre-run and run, give `winci run unit --backend
    local --platform wine ...` (a stub stands in for winci: Wine is not run here)."""
    missing = missing_debian_packages(WINE_PACKAGES)
    if missing is None or missing:
        pytest.skip(f"Wine's Debian packages are not all installed ({missing}): the "
                    "pre-run would install them with sudo")
    wine = zuul_job_vars("glance-wine-unit")
    assert wine["winci_run_platform"] == "wine" and wine["winci_run_backend"] == "local"
    run_vars = {k: v for k, v in wine.items()
                if k in ("winci_run_lanes", "winci_run_backend", "winci_run_platform")}
    jobdir, invocation = stub_build(tmp_path, **run_vars)

    pre = jobdir.run("pre.yaml")
    assert pre.returncode == 0, pre.output[-4000:]
    # The wine job's pre-run looked at the node's packages; all present, nothing to sudo.
    assert "TASK [winci-ensure-wine : Read which Debian packages are installed]" in pre.output
    install = re.search(r"Install Wine's missing Debian packages with sudo\] \**\n(\w+): ",
                        pre.output)
    assert install is not None and install.group(1) == "skipping", pre.output[-4000:]
    run = jobdir.run("run.yaml")
    cleanup = jobdir.run("cleanup.yaml")
    assert run.returncode == 0, run.output[-4000:]
    assert cleanup.returncode == 0, cleanup.output[-4000:]

    record = json.loads(invocation.read_text())
    workspace = tmp_path / "node" / "winci-ci"
    assert record["argv"] == [
        str(tmp_path / "winci-stub" / "scripts" / "winci"), "run", "unit",
        "--backend", "local", "--platform", "wine",
        "--glance-src", f"{workspace}/src/{GLANCE}", "--out", f"{workspace}/results",
        "--no-history", "--filter", UNIT_FILTER, "--concurrency", "2"]
    assert record["cwd"] == str(workspace)
    assert record["env"]["WINCI_ZUUL_PIPELINE"] == "winci-check"
    assert record["env"]["WINCI_ZUUL_BUILD"] == jobdir.build
    assert not workspace.exists()


def test_windows_job_passes_no_platform(tmp_path: Path) -> None:
    """Without winci_run_platform (the Windows jobs), no --platform: winci's default;
    and the pre-run does not touch Wine's packages."""
    windows = zuul_job_vars("glance-windows-unit")
    assert "winci_run_platform" not in windows
    jobdir, invocation = stub_build(tmp_path, winci_run_extra_args=[])
    pre = jobdir.run("pre.yaml")
    assert pre.returncode == 0, pre.output[-4000:]
    assert "Read which Debian packages are installed" not in pre.output
    run = jobdir.run("run.yaml")
    cleanup = jobdir.run("cleanup.yaml")
    assert run.returncode == 0, run.output[-4000:]
    assert cleanup.returncode == 0, cleanup.output[-4000:]
    argv = json.loads(invocation.read_text())["argv"]
    assert argv[1:4] == ["run", "unit", "--backend"] and "--platform" not in argv


def resolve_artifacts(result_data: dict[str, object]) -> list[dict[str, str]]:
    """Artifact URLs as Zuul resolves them (zuul.lib.result_data, in the Zuul venv)."""
    code = textwrap.dedent("""
        import json, sys
        from zuul.lib.result_data import get_artifacts_from_result_data
        print(json.dumps(get_artifacts_from_result_data(json.load(sys.stdin))))
    """)
    done = subprocess.run([str(tool_bin("zuul", "python")), "-c", code],
                          input=json.dumps(result_data), capture_output=True, text=True,
                          check=True, timeout=120)
    return list(json.loads(done.stdout))


@pytest.mark.integration
def test_unit_lane_through_the_job_playbooks(tmp_path: Path) -> None:
    jobdir = make_jobdir(tmp_path)
    jobdir.prepare_project(GLANCE, glance_tree(tmp_path))
    jobdir.write([GLANCE])
    secret = jobdir.job_vars["winci_history_db"]["url"]  # type: ignore[index]
    node_results = tmp_path / "node" / "winci-ci" / "results"

    def leak_secret() -> None:
        # A log line and a subunit attachment that caught the secret on the node.
        (node_results / "logs").mkdir(parents=True, exist_ok=True)
        (node_results / "logs" / "leak.log").write_text(f"connecting to {secret}\n")
        (node_results / "unit" / "leak.subunit").write_bytes(b"\xb3" + secret.encode())

    runs = jobdir.run_build(before_post=leak_secret)
    print(show(runs))
    assert all(r.returncode == 0 for r in runs.values()), show(runs)

    # The run folder and the node's logs are in the build's logs, where Zuul keeps them.
    run_dir = jobdir.log_root / "winci-run"
    verdict = json.loads((run_dir / "verdict.json").read_text())
    assert verdict["verdict"] == "SUCCESS"
    assert verdict["lanes"]["unit"]["passed"] > 0
    assert verdict["lanes"]["unit"]["failed"] == 0
    assert (run_dir / "unit" / "testr_results.html").is_file()
    assert (run_dir / "unit" / "results.subunit").stat().st_size > 0
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["zuul"]["change"] == "934512"
    assert manifest["zuul"]["patchset"] == "3"
    assert manifest["zuul"]["pipeline"] == "winci-check"
    assert manifest["zuul"]["build"] == jobdir.build
    assert manifest["zuul"]["log_url"] == f"{BASE_URL}/{jobdir.build[:2]}/{jobdir.build}/"
    assert manifest["glance"]["source"] in ("path", "git")
    # The tree sits at Zuul's relative path (src_dir) under the node's workspace.
    assert manifest["glance"]["path"].endswith(f"winci-ci/src/{GLANCE}")
    assert (jobdir.log_root / "node-logs" / "processes.txt").is_file()

    # zuul_return wrote where Zuul reads it: work_root/results.json.
    results = json.loads(jobdir.results_json.read_text())
    data = results["data"]
    log_url = f"{BASE_URL}/{jobdir.build[:2]}/{jobdir.build}/"
    assert data["zuul"]["log_url"] == log_url
    assert data["winci"]["verdict"] == "SUCCESS"
    artifacts = {a["name"]: a for a in resolve_artifacts(data)}
    assert artifacts["unit test report"]["url"] == f"{log_url}winci-run/unit/testr_results.html"
    assert artifacts["unit test report"]["metadata"] == {"type": "html_report"}
    assert artifacts["verdict"]["url"] == f"{log_url}winci-run/verdict.json"
    published = tmp_path / "published" / jobdir.build[:2] / jobdir.build
    for artifact in artifacts.values():
        relative = artifact["url"].removeprefix(log_url)
        assert (published / relative).is_file(), f"{artifact['name']}: {relative} not published"

    # Secrets are masked in what is published; the subunit file that held one is gone.
    leak = (published / "winci-run" / "logs" / "leak.log").read_text()
    assert secret not in leak and "******" in leak
    assert not (published / "winci-run" / "unit" / "leak.subunit").exists()
    assert (published / "winci-run" / "unit" / "leak.subunit.removed.txt").is_file()
    for path in published.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path

    # The shared history got the run, as a check run; the cleanup left the node clean.
    listed = subprocess.run([str(REPO / ".venv" / "bin" / "winci"), "history", "list",
                             "--db-url", secret], capture_output=True, text=True,
                            check=True, timeout=120).stdout
    assert verdict["run_id"] in listed and " check " in listed, listed
    assert not (tmp_path / "node" / "winci-ci").exists()


@pytest.mark.integration
def test_periodic_build_publishes_the_nightly_trend_report(tmp_path: Path) -> None:
    jobdir = make_jobdir(tmp_path)
    jobdir.pipeline = "winci-periodic"
    jobdir.prepare_project(GLANCE, glance_tree(tmp_path))
    jobdir.write([GLANCE])
    secret = jobdir.job_vars["winci_history_db"]["url"]  # type: ignore[index]
    runs = jobdir.run_build()
    print(show(runs))
    assert all(r.returncode == 0 for r in runs.values()), show(runs)

    run_dir = jobdir.log_root / "winci-run"
    run_id = json.loads((run_dir / "verdict.json").read_text())["run_id"]
    report = run_dir / "nightly-report" / "nightly-report.html"
    assert run_id in report.read_text(), "the report covers this nightly"
    data = json.loads(jobdir.results_json.read_text())["data"]
    log_url = f"{BASE_URL}/{jobdir.build[:2]}/{jobdir.build}/"
    artifacts = {a["name"]: a for a in resolve_artifacts(data)}
    nightly = artifacts["nightly trends and regressions"]
    assert nightly["url"] == f"{log_url}winci-run/nightly-report/nightly-report.html"
    published = tmp_path / "published" / jobdir.build[:2] / jobdir.build
    assert (published / "winci-run" / "nightly-report" / "nightly-report.html").is_file()
    for path in published.rglob("*"):  # the history URL is the job's secret
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    listed = subprocess.run([str(REPO / ".venv" / "bin" / "winci"), "history", "list",
                             "--db-url", secret], capture_output=True, text=True,
                            check=True, timeout=120).stdout
    assert run_id in listed and " nightly " in listed, listed


@pytest.mark.integration
def test_failed_run_still_collects_logs_and_reports(tmp_path: Path) -> None:
    """winci fails at once (not a Glance tree): post-run still fetches, reports ERROR."""
    jobdir = make_jobdir(tmp_path)
    bogus = tmp_path / "not-glance"
    bogus.mkdir()
    (bogus / "README").write_text("not a Glance tree\n")
    jobdir.prepare_project(GLANCE, bogus)
    jobdir.write([GLANCE])

    runs = jobdir.run_build()
    print(show(runs))
    assert runs["pre"].returncode == 0, show(runs)
    assert runs["run"].returncode != 0
    assert "winci run exited 2" in runs["run"].output
    assert runs["post"].returncode == 0, show(runs)
    assert runs["cleanup"].returncode == 0, show(runs)

    assert (jobdir.log_root / "node-logs" / "processes.txt").is_file()
    data = json.loads(jobdir.results_json.read_text())["data"]
    assert data["winci"]["verdict"] == "ERROR"
    assert [a["name"] for a in data["zuul"]["artifacts"]] == []
    assert not (tmp_path / "node" / "winci-ci").exists()
