"""A Zuul-shaped job directory for running winci's job playbooks with plain ansible-playbook.

Zuul's executor gives every build a job directory: ``work/`` (``zuul.executor.work_root``)
holding ``src/<canonical project>`` (the prepared git trees) and ``logs/``
(``zuul.executor.log_root``); an inventory with the nodes, the job's variables as host
variables and the nodeset's groups; an ansible.cfg with smart fact gathering and a
jsonfile fact cache (facts survive from one playbook to the next), its action plugins
(``zuul_return`` among them) and ``-e @zuul-vars`` for the ``zuul`` variable. It runs the
pre-run, run, post-run (with ``zuul_success``) and cleanup playbooks one after the other,
each as its own ansible-playbook process. This module rebuilds that for one local node.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
ACTION_PLUGINS = Path(__file__).resolve().parent / "plugins" / "action"
GLANCE = "opendev.org/openstack/glance"


@dataclass
class PlaybookRun:
    playbook: str
    returncode: int
    output: str


@dataclass
class JobDir:
    root: Path
    ansible_playbook: Path
    python: Path
    job_vars: dict[str, Any] = field(default_factory=dict)
    build: str = field(default_factory=lambda: uuid.uuid4().hex)
    pipeline: str = "winci-check"

    @property
    def work_root(self) -> Path:
        return self.root / "work"

    @property
    def log_root(self) -> Path:
        return self.work_root / "logs"

    @property
    def results_json(self) -> Path:
        return self.work_root / "results.json"

    def prepare_project(self, canonical_name: str, tree: Path) -> Path:
        """Copy ``tree`` where Zuul's merger leaves a project, as a git checkout."""
        dest = self.work_root / "src" / canonical_name
        shutil.copytree(tree, dest, symlinks=True,
                        ignore=shutil.ignore_patterns(".git", ".stestr", "__pycache__"))
        env = {**os.environ, "GIT_AUTHOR_NAME": "Zuul", "GIT_AUTHOR_EMAIL": "zuul@example.org",
               "GIT_COMMITTER_NAME": "Zuul", "GIT_COMMITTER_EMAIL": "zuul@example.org"}
        for cmd in (["git", "init", "-q", "-b", "master"], ["git", "add", "-A"],
                    ["git", "commit", "-q", "-m", "Zuul prepared merge of change 934512,3"]):
            subprocess.run(cmd, cwd=dest, env=env, check=True, capture_output=True)
        return dest

    def zuul_vars(self, projects: list[str]) -> dict[str, Any]:
        return {"zuul": {
            "build": self.build,
            "buildset": uuid.uuid4().hex,
            "tenant": "winci",
            "pipeline": self.pipeline,
            "job": "glance-linux-unit-local",
            "voting": True,
            "change": "934512",
            "patchset": "3",
            "branch": "master",
            "ref": "refs/changes/12/934512/3",
            "change_url": "https://review.opendev.org/c/openstack/glance/+/934512",
            "project": {"name": "openstack/glance", "short_name": "glance",
                        "canonical_hostname": "opendev.org", "canonical_name": GLANCE,
                        "src_dir": f"src/{GLANCE}"},
            "projects": {name: {"name": name.split("/", 1)[1], "short_name":
                                name.rsplit("/", 1)[1], "canonical_name": name,
                                "src_dir": f"src/{name}", "checkout": "master",
                                "required": True} for name in projects},
            "executor": {"hostname": "executor.winci.example.org",
                         "src_root": str(self.work_root / "src"),
                         "log_root": str(self.log_root),
                         "work_root": str(self.work_root),
                         "inventory_file": str(self.root / "ansible" / "inventory.yaml"),
                         "result_data_file": str(self.results_json)},
        }}

    def write(self, projects: list[str]) -> None:
        ansible_dir = self.root / "ansible"
        ansible_dir.mkdir(parents=True, exist_ok=True)
        self.log_root.mkdir(parents=True, exist_ok=True)
        # Zuul's JobDir creates results.json empty; zuul_return expects the file to exist.
        self.results_json.touch()
        host_vars = {"ansible_connection": "local",
                     "ansible_python_interpreter": str(self.python), **self.job_vars}
        inventory = {"all": {"hosts": {"linux": host_vars}, "vars": dict(self.job_vars),
                             "children": {"winci_nodes": {"hosts": {"linux": None}},
                                          "zuul_unreachable": {"hosts": {}}}}}
        (ansible_dir / "inventory.yaml").write_text(yaml.safe_dump(inventory))
        (ansible_dir / "zuul-vars.json").write_text(json.dumps(self.zuul_vars(projects)))
        (ansible_dir / "ansible.cfg").write_text("\n".join([
            "[defaults]",
            f"inventory = {ansible_dir / 'inventory.yaml'}",
            "retry_files_enabled = False",
            "gathering = smart",
            "fact_caching = jsonfile",
            f"fact_caching_connection = {self.root / 'fact-cache'}",
            f"action_plugins = {ACTION_PLUGINS}",
            f"local_tmp = {self.root / 'tmp'}",
            "interpreter_python = auto_silent",
            "",
        ]))

    def run(self, playbook: str, *extra: str, timeout: float = 900) -> PlaybookRun:
        ansible_dir = self.root / "ansible"
        env = {**os.environ, "ANSIBLE_CONFIG": str(ansible_dir / "ansible.cfg"),
               "ZUUL_JOBDIR": str(self.root), "ANSIBLE_FORCE_COLOR": "0",
               "ANSIBLE_NOCOLOR": "1", "PYTHONUNBUFFERED": "1"}
        env.pop("WINCI_REQUIRE_TOOLS", None)
        cmd = [str(self.ansible_playbook), str(REPO / "jobs" / playbook),
               "-e", f"@{ansible_dir / 'zuul-vars.json'}", *extra]
        done = subprocess.run(cmd, env=env, cwd=self.root, capture_output=True, text=True,
                              timeout=timeout, check=False)
        output = done.stdout + done.stderr
        (self.root / f"{Path(playbook).stem}.ansible.log").write_text(output)
        return PlaybookRun(playbook, done.returncode, output)

    def run_build(self, before_post: Callable[[], None] | None = None
                  ) -> dict[str, PlaybookRun]:
        """pre, run, post (told whether run passed) and cleanup, as Zuul orders them."""
        runs = {"pre": self.run("pre.yaml")}
        if runs["pre"].returncode == 0:
            runs["run"] = self.run("run.yaml")
        if before_post is not None:
            before_post()
        success = runs.get("run") is not None and runs["run"].returncode == 0
        runs["post"] = self.run("post.yaml", "-e", f"zuul_success={success}")
        runs["cleanup"] = self.run("cleanup.yaml")
        return runs


def show(runs: dict[str, PlaybookRun]) -> str:
    """The tail of each playbook's output, for assertion messages."""
    return "\n".join(f"--- {k} (rc={r.returncode}) ---\n{r.output[-4000:]}"
                     for k, r in runs.items())
