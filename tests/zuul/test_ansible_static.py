"""Static checks of jobs/ (playbooks and roles), including the Windows task files.

The Windows task files cannot run here: they are checked statically (module names and
options against Ansible's own docs, tests/zuul/ansible_check.py), never run.
The secret-masking script of winci-mask-secrets is plain Python and runs for real.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO, tool_bin

HERE = Path(__file__).resolve().parent
CHECKER = HERE / "ansible_check.py"
MASK = REPO / "jobs" / "roles" / "winci-mask-secrets" / "files" / "mask_secrets.py"
ROLES = sorted(p.name for p in (REPO / "jobs" / "roles").iterdir() if p.is_dir())


def run_checker(jobs: Path) -> tuple[int, dict[str, list[dict[str, str]]]]:
    done = subprocess.run([str(tool_bin("zuul", "python")), str(CHECKER), "--json",
                           "--jobs", str(jobs)], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    return done.returncode, json.loads(done.stdout)


def test_every_task_uses_a_real_module_with_real_options() -> None:
    rc, out = run_checker(REPO / "jobs")
    assert out["findings"] == [] and rc == 0
    checked = {(c["file"], c["module"]) for c in out["checked"]}
    # The Windows task files are among those checked.
    assert ("jobs/roles/winci-copy-source/tasks/Windows.yaml", "community.windows.win_unzip") \
        in checked
    assert ("jobs/roles/winci-run/tasks/Windows.yaml", "ansible.windows.win_command") in checked
    assert any(f.endswith("publish-report/tasks/main.yaml") and m == "zuul_return"
               for f, m in checked)


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("roles/winci-copy-source/tasks/Windows.yaml", "ansible.windows.win_copy:",
     "ansible.windows.win_copyy:", "module ansible.windows.win_copyy does not exist"),
    ("roles/winci-copy-source/tasks/Windows.yaml", "delete_archive: true",
     "delete_archiv: true", "unknown option delete_archiv"),
    ("roles/winci-copy-source/tasks/Windows.yaml",
     "    dest: \"{{ winci_workspace }}\\\\{{ zuul.projects[item].src_dir | dirname",
     "    creates: \"{{ winci_workspace }}\\\\{{ zuul.projects[item].src_dir | dirname",
     "required option dest is missing"),
    ("roles/winci-cleanup-node/tasks/Linux.yaml", "ansible.builtin.file:",
     "ansible.builtin.fille:", "module ansible.builtin.fille does not exist"),
    ("roles/winci-cleanup-node/tasks/Windows.yaml",
     "if ($ids) { docker rm --force --volumes $ids }",
     "if ($ids) { docker rm --force --volumes $ids", "PowerShell does not parse"),
], ids=["windows-module", "windows-option", "windows-required", "linux-module",
        "windows-powershell"])
def test_planted_task_mistake_is_caught(tmp_path: Path, file: str, old: str, new: str,
                                        message: str) -> None:
    jobs = tmp_path / "jobs"
    shutil.copytree(REPO / "jobs", jobs)
    path = jobs / file
    text = path.read_text()
    assert old in text, f"{old!r} is no longer in {file}; update the plant"
    path.write_text(text.replace(old, new, 1))
    rc, out = run_checker(jobs)
    assert rc == 1
    assert any(message in f["message"] and f["file"] == f"jobs/{file}"
               for f in out["findings"]), out["findings"]


# Renders a task's command argv with Ansible's own Templar, as the node's task would.
RENDER_ARGV = textwrap.dedent("""
    import json, sys, yaml
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    task = yaml.safe_load(open(sys.argv[1]))[0]
    module = next(k for k in task if k.endswith("command"))
    variables = json.loads(sys.stdin.read())
    print(json.dumps(Templar(loader=DataLoader(), variables=variables)
                     .template(task[module]["argv"])))
""")


@pytest.mark.parametrize(("os_file", "root", "sep", "platform", "expected_head"), [
    ("Windows", "C:\\zuul\\src\\winci", "\\", "windows",
     ["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass",
      "-File", "C:\\zuul\\src\\winci\\scripts\\winci.ps1"]),
    ("Windows", "C:\\zuul\\src\\winci", "\\", "",
     ["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass",
      "-File", "C:\\zuul\\src\\winci\\scripts\\winci.ps1"]),
    ("Linux", "/srv/winci", "/", "wine", ["/srv/winci/scripts/winci"]),
    ("Linux", "/srv/winci", "/", "", ["/srv/winci/scripts/winci"]),
], ids=["windows-platform", "windows-default", "linux-wine", "linux-default"])
def test_run_argv_passes_the_platform_when_set(os_file: str, root: str, sep: str,
                                               platform: str,
                                               expected_head: list[str]) -> None:
    """winci-run's command on each OS (the Windows one only rendered, never run here)."""
    variables = {"winci_run_winci_root": root, "winci_workspace_sep": sep,
                 "winci_run_lanes": ["unit"], "winci_run_backend": "local",
                 "winci_run_platform": platform, "winci_run_glance_src": "G",
                 "winci_run_out": "R", "winci_run_local_history": False,
                 "winci_run_extra_args": ["--no-patches"]}
    task_file = REPO / "jobs" / "roles" / "winci-run" / "tasks" / f"{os_file}.yaml"
    done = subprocess.run([str(tool_bin("zuul", "python")), "-c", RENDER_ARGV,
                           str(task_file)], input=json.dumps(variables),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    platform_args = ["--platform", platform] if platform else []
    assert json.loads(done.stdout) == [
        *expected_head, "run", "unit", "--backend", "local", *platform_args,
        "--glance-src", "G", "--out", "R", "--no-history", "--no-patches"]


def test_playbooks_pass_ansible_syntax_check() -> None:
    env = {**os.environ, "ANSIBLE_ACTION_PLUGINS": str(HERE / "plugins" / "action")}
    playbooks = [str(REPO / "jobs" / p) for p in ("pre.yaml", "run.yaml", "post.yaml",
                                                  "cleanup.yaml")]
    done = subprocess.run([str(tool_bin("zuul", "ansible-playbook")), "--syntax-check",
                           "-i", "localhost,", *playbooks], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("playbook: ") == 4


@pytest.mark.parametrize("role", ROLES)
def test_role_has_the_zuul_jobs_layout(role: str) -> None:
    base = REPO / "jobs" / "roles" / role
    readme = (base / "README.rst").read_text()
    assert (base / "tasks" / "main.yaml").is_file()
    defaults = base / "defaults" / "main.yaml"
    if defaults.is_file():
        import yaml

        for var in yaml.safe_load(defaults.read_text()) or {}:
            assert var.startswith(role.replace("-", "_")), f"{var} lacks the role prefix"
            assert f".. zuul:rolevar:: {var}" in readme, f"{var} is not documented"
    node_side = (base / "tasks" / "Windows.yaml").exists()
    if node_side:
        assert (base / "tasks" / "Linux.yaml").is_file()
        assert "ansible.builtin.fail" in (base / "tasks" / "default.yaml").read_text()
        assert "with_first_found" in (base / "tasks" / "main.yaml").read_text()


def mask(root: Path, secrets: list[str]) -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, str(MASK), str(root), "******"],
                          input=json.dumps(secrets), capture_output=True, text=True,
                          check=True, timeout=60)
    for secret in filter(None, secrets):
        assert secret not in done.stdout
    return dict(json.loads(done.stdout))


def test_mask_secrets_masks_text_and_removes_opaque_files(tmp_path: Path) -> None:
    url = "mysql+pymysql://winci:p%40ss-9c1e@db.example.org/winci"
    (tmp_path / "lane" / "logs").mkdir(parents=True)
    (tmp_path / "lane" / "logs" / "a.log").write_text(f"url={url}\npassword=p@ss-9c1e\n")
    (tmp_path / "event.txt").write_bytes("token p@ss-9c1e\r\n".encode("utf-16-le"))
    (tmp_path / "lane" / "results.subunit").write_bytes(b"\xb3\x01" + b"p@ss-9c1e")
    (tmp_path / "clean.log").write_text("nothing to hide\n")
    (tmp_path / "short.log").write_text("abc appears here\n")

    out = mask(tmp_path, [url, "abc", ""])

    assert sorted(out["changed"]) == ["event.txt", "lane/logs/a.log"]
    assert out["removed"] == ["lane/results.subunit"]
    log = (tmp_path / "lane" / "logs" / "a.log").read_text()
    assert "p@ss" not in log and "p%40ss" not in log and log.count("******") == 2
    assert "p@ss".encode("utf-16-le") not in (tmp_path / "event.txt").read_bytes()
    assert not (tmp_path / "lane" / "results.subunit").exists()
    assert "contained a secret" in (tmp_path / "lane" / "results.subunit.removed.txt").read_text()
    assert (tmp_path / "clean.log").read_text() == "nothing to hide\n"
    # Values under 4 characters are not masked: they would blank ordinary text.
    assert (tmp_path / "short.log").read_text() == "abc appears here\n"


def test_mask_secrets_with_no_secret_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text("x\n")
    assert mask(tmp_path, []) == {"changed": [], "removed": []}
