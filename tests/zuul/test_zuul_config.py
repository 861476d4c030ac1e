"""winci's Zuul configuration, checked offline by tests/zuul/zuul_check.py with Zuul 14.

The checker runs once, in the Zuul tool environment, over the real configuration and
over one copy per planted mistake; each test then looks for its finding.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, tool_bin

CHECKER = Path(__file__).resolve().parent / "zuul_check.py"

# The anchored reporting block of zuul.d/pipelines.yaml: the voting switch.
COMMENT_ONLY = """    <<: &winci-gerrit-report
      success:
        opendev: {}
      failure:
        opendev: {}
"""
VOTING = """    <<: &winci-gerrit-report
      success:
        opendev:
          Verified: 1
      failure:
        opendev:
          Verified: -1
"""
WINDOWS_LABEL = "winci-windows-2025-hyperv"
REGEX = r"(?im)^[ \t]*(recheck|recheck[ \t]+winci\b[^\n]*|winci-recheck)[ \t]*$"


@dataclass(frozen=True)
class Plant:
    """Replace ``old`` by ``new`` (first occurrence) in ``file``; expect ``check``."""

    id: str
    file: str
    old: str
    new: str
    check: str
    message: str


PLANTS = [
    Plant("unknown-job-attribute", "zuul.d/jobs.yaml", "    timeout: 3600\n",
          "    timeout: 3600\n    nodset: winci-linux\n", "schema",
          "extra keys not allowed @ data['nodset']"),
    Plant("bad-pipeline-value", "zuul.d/pipelines.yaml", "    precedence: low\n",
          "    precedence: urgent\n", "schema", "precedence"),
    Plant("broken-yaml", "zuul.d/nodesets.yaml", "        label: winci-debian-bookworm\n",
          "        label: [winci-debian-bookworm\n", "schema", "nodesets.yaml"),
    Plant("missing-parent", "zuul.d/jobs.yaml", "    name: glance-windows-unit\n"
          "    parent: winci-base\n", "    name: glance-windows-unit\n"
          "    parent: winci-bsae\n", "references", "parent job winci-bsae is not defined"),
    Plant("missing-nodeset", "zuul.d/jobs.yaml", "    nodeset: winci-linux\n",
          "    nodeset: winci-lnux\n", "references", "nodeset winci-lnux is not defined"),
    Plant("missing-secret", "zuul.d/jobs.yaml", "        secret: winci-history-db\n",
          "        secret: winci-history\n", "references",
          "secret winci-history is not defined"),
    Plant("missing-project-template", "zuul.d/projects.yaml", "      - winci-glance-windows\n",
          "      - winci-glance-window\n", "references",
          "project-template winci-glance-window is not defined"),
    Plant("missing-playbook", "zuul.d/jobs.yaml", "    run: jobs/run.yaml\n",
          "    run: jobs/runs.yaml\n", "references",
          "run playbook jobs/runs.yaml does not exist"),
    Plant("missing-role", "jobs/run.yaml", "    - winci-run\n", "    - winci-runn\n",
          "references", "role winci-runn not found"),
    Plant("missing-job", "zuul.d/project-templates.yaml",
          "        - glance-windows-nightly\n", "        - glance-windows-nightlly\n",
          "references", "runs job glance-windows-nightlly, which is not defined"),
    Plant("missing-pipeline", "zuul.d/project-templates.yaml", "    winci-periodic:\n",
          "    winci-nightly:\n", "references", "pipeline winci-nightly is not defined"),
    Plant("dependency-not-in-pipeline", "zuul.d/project-templates.yaml",
          "            dependencies: [glance-wine-unit]\n",
          "            dependencies: [glance-pre-flight]\n", "references",
          "depends on glance-pre-flight, which that pipeline does not run"),
    Plant("required-project-not-in-tenant", "zuul.d/jobs.yaml", "      - openstack/glance\n",
          "      - openstack/glance-store\n", "references",
          "required project openstack/glance-store is not in the tenant"),
    Plant("unknown-lane", "zuul.d/jobs.yaml", "      winci_run_lanes: [tempest]\n",
          "      winci_run_lanes: [tempest-image]\n", "vars",
          "lane 'tempest-image' is not a lane of winci run"),
    Plant("unknown-backend", "zuul.d/jobs.yaml", "      winci_run_backend: local\n",
          "      winci_run_backend: podman\n", "vars", "'podman' is not local or docker"),
    Plant("unknown-platform", "zuul.d/jobs.yaml", "      winci_run_platform: wine\n",
          "      winci_run_platform: wien\n", "vars",
          "winci_run_platform 'wien' is not linux, wine or windows"),
    Plant("wine-with-docker", "zuul.d/jobs.yaml",
          "      winci_run_backend: local\n      winci_run_platform: wine\n",
          "      winci_run_backend: docker\n      winci_run_platform: wine\n", "vars",
          "job glance-wine-unit: winci_run_platform wine (from winci-wine-base) needs "
          "winci_run_backend local, not 'docker'"),
    Plant("wine-backend-from-windows-base", "zuul.d/jobs.yaml",
          "      winci_run_backend: local\n      winci_run_platform: wine\n",
          "      winci_run_platform: wine\n", "vars",
          "needs winci_run_backend local, not 'docker' (from winci-base)"),
    Plant("wine-on-windows-nodeset", "zuul.d/jobs.yaml",
          "    abstract: true\n    nodeset: winci-linux\n", "    abstract: true\n", "vars",
          "job glance-wine-functional: winci_run_platform wine (from winci-wine-base) needs "
          "a Linux nodeset; winci-windows-hyperv (from winci-base) is Windows"),
    Plant("windows-on-linux-nodeset", "zuul.d/jobs.yaml",
          "      winci_run_lanes: [preflight]\n",
          "      winci_run_lanes: [preflight]\n      winci_run_platform: windows\n", "vars",
          "job glance-preflight: winci_run_platform windows needs a Windows nodeset; "
          "winci-linux (from glance-preflight) is Linux"),
    Plant("windows-platform-reaches-linux-job", "zuul.d/jobs.yaml",
          "      winci_run_backend: docker\n",
          "      winci_run_backend: docker\n      winci_run_platform: windows\n", "vars",
          "job glance-preflight: winci_run_platform windows (from winci-base) needs a "
          "Windows nodeset"),
    Plant("reporter-unknown-connection", "zuul.d/pipelines.yaml", "      winci-mail:\n",
          "      winci-email:\n", "connections",
          "failure reporter uses connection 'winci-email'"),
    Plant("tenant-unknown-source", "docs/zuul/main.yaml",
          "      opendev:\n        untrusted-projects:\n",
          "      gerrit:\n        untrusted-projects:\n", "connections",
          "tenant source 'gerrit' is not a connection of zuul.conf"),
    Plant("tenant-schema", "docs/zuul/main.yaml", "          - openstack/glance:\n"
          "              include: []\n", "          - openstack/glance:\n"
          "              includes: []\n", "tenant", "extra keys not allowed"),
    Plant("project-not-in-tenant", "zuul.d/projects.yaml", "    name: opendev/ci-sandbox\n",
          "    name: openstack/nova\n", "connections",
          "project openstack/nova is not a project of the tenant"),
    Plant("cron-bad-hour", "zuul.d/pipelines.yaml", '"17 2 * * *"', '"17 25 * * *"',
          "cron", "timer '17 25 * * *'"),
    Plant("cron-four-fields", "zuul.d/pipelines.yaml", '"17 2 * * *"', '"17 2 * *"',
          "cron", "4 fields"),
    Plant("recheck-too-broad", "zuul.d/pipelines.yaml", REGEX, "(?i)recheck", "recheck",
          "'Patch Set 3:\\n\\nplease recheck' triggers it"),
    Plant("recheck-other-ci", "zuul.d/pipelines.yaml", REGEX,
          r"(?im)^[ \t]*(recheck|winci-recheck)\b", "recheck",
          "'Patch Set 3:\\n\\nrecheck hyperv' triggers it"),
    Plant("recheck-misses-keyword", "zuul.d/pipelines.yaml", REGEX,
          r"(?im)^[ \t]*recheck[ \t]*$", "recheck",
          "'Patch Set 3:\\n\\nrecheck winci' does not trigger it"),
    Plant("recheck-not-re2", "zuul.d/pipelines.yaml", REGEX,
          r"(?im)^(?!please)[ \t]*(recheck|recheck[ \t]+winci\b[^\n]*|winci-recheck)[ \t]*$",
          "recheck", "is not RE2 syntax"),
    Plant("start-report", "zuul.d/pipelines.yaml", "    merge-conflict:\n",
          "    start:\n      opendev: {}\n    merge-conflict:\n", "opendev",
          "second comment per patch set"),
    Plant("switch-not-shared", "zuul.d/pipelines.yaml", "    <<: *winci-gerrit-report\n",
          "    success:\n      opendev:\n        Verified: 1\n"
          "    failure:\n      opendev:\n        Verified: -1\n",
          "opendev", "Gerrit pipelines disagree on voting"),
    Plant("votes-on-failure-only", "zuul.d/pipelines.yaml", COMMENT_ONLY,
          COMMENT_ONLY.replace("      failure:\n        opendev: {}\n",
                               "      failure:\n        opendev:\n          Verified: -1\n"),
          "opendev", "votes on ['failure'] only"),
]


def copy_config(dest: Path) -> Path:
    for rel in ("zuul.d", "jobs", "docs/zuul"):
        shutil.copytree(REPO / rel, dest / rel,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def plant(repo: Path, p: Plant) -> None:
    path = repo / p.file
    text = path.read_text()
    assert p.old in text, f"{p.id}: {p.old!r} is no longer in {p.file}; update the plant"
    path.write_text(text.replace(p.old, p.new, 1))


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the checker once over the real config, the voting variant and every plant."""
    base = tmp_path_factory.mktemp("zuul-config")
    repos = {"real": REPO}
    voting = copy_config(base / "voting")
    plant(voting, Plant("voting", "zuul.d/pipelines.yaml", COMMENT_ONLY, VOTING, "", ""))
    repos["voting"] = voting
    # A Windows job asks for the windows platform: its Windows nodeset fits.
    windows = copy_config(base / "windows-platform")
    plant(windows, Plant("windows-platform", "zuul.d/jobs.yaml",
                         "      winci_run_lanes: [unit]\n",
                         "      winci_run_lanes: [unit]\n      winci_run_platform: windows\n",
                         "", ""))
    text = (windows / "zuul.d/jobs.yaml").read_text()
    job = text[text.rindex("- job:", 0, text.index("winci_run_platform: windows")):]
    assert job.startswith("- job:\n    name: glance-windows-unit\n"), job[:80]
    repos["windows-platform"] = windows
    # A Windows label whose name does not say so: nodepool.yaml's WinRM node tells.
    renamed = copy_config(base / "nodepool-label")
    for file in ("zuul.d/nodesets.yaml", "docs/zuul/nodepool.yaml"):
        path = renamed / file
        path.write_text(path.read_text().replace(WINDOWS_LABEL, "winci-hv-2025"))
    plant(renamed, next(p for p in PLANTS if p.id == "wine-on-windows-nodeset"))
    repos["nodepool-label"] = renamed
    for p in PLANTS:
        repo = copy_config(base / p.id)
        plant(repo, p)
        repos[p.id] = repo
    args = [a for repo in repos.values() for a in ("--repo", str(repo))]
    done = subprocess.run([str(tool_bin("zuul", "python")), str(CHECKER), "--json", *args],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    out = json.loads(done.stdout)
    return {name: out[str(repo.resolve())] for name, repo in repos.items()}


def test_real_config_has_no_finding(checked: dict[str, Any]) -> None:
    assert checked["real"]["findings"] == []
    assert checked["real"]["report_modes"] == {"winci-check": "comment-only",
                                               "winci-sandbox": "comment-only"}


def test_the_switch_turns_both_gerrit_pipelines_to_voting(checked: dict[str, Any]) -> None:
    assert checked["voting"]["findings"] == []
    assert checked["voting"]["report_modes"] == {"winci-check": "voting",
                                                 "winci-sandbox": "voting"}


def test_windows_platform_fits_the_windows_nodeset(checked: dict[str, Any]) -> None:
    assert checked["windows-platform"]["findings"] == []


def test_nodepool_says_which_labels_are_windows(checked: dict[str, Any]) -> None:
    messages = [f["message"] for f in checked["nodepool-label"]["findings"]]
    assert any("needs a Linux nodeset; winci-windows-hyperv (from winci-base) is Windows"
               in m for m in messages), messages


@pytest.mark.parametrize("p", PLANTS, ids=[p.id for p in PLANTS])
def test_planted_mistake_is_caught(checked: dict[str, Any], p: Plant) -> None:
    findings = checked[p.id]["findings"]
    hits = [f for f in findings
            if f["check"] == p.check and (p.message in f["message"] or p.message in f["file"])]
    assert hits, f"{p.id}: no {p.check} finding with {p.message!r}; got:\n" + \
        "\n".join(f"{f['check']}: {f['file']}: {f['message']}" for f in findings)


def test_checker_command_line_exit_codes(tmp_path: Path) -> None:
    python = str(tool_bin("zuul", "python"))
    clean = subprocess.run([python, str(CHECKER)], capture_output=True, text=True,
                           timeout=300, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "0 finding(s)" in clean.stdout
    repo = copy_config(tmp_path / "repo")
    plant(repo, PLANTS[3])
    bad = subprocess.run([python, str(CHECKER), "--repo", str(repo)], capture_output=True,
                         text=True, timeout=300, check=False)
    assert bad.returncode == 1
    assert "zuul.d/jobs.yaml" in bad.stdout and "[references]" in bad.stdout
    missing = subprocess.run([python, str(CHECKER), "--repo", str(tmp_path / "nope")],
                             capture_output=True, text=True, timeout=300, check=False)
    assert missing.returncode == 2
