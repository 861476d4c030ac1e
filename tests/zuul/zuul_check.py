"""Check winci's Zuul configuration offline, with Zuul's own code.

Runs in the Zuul tool environment (``.venv-tools/zuul``, from requirements/tools-zuul.txt):

    .venv-tools/zuul/bin/python tests/zuul/zuul_check.py [--repo DIR] [--json]

Checks, each reported as a finding ``{"check", "file", "line", "message"}``:

tenant       the tenant file (docs/zuul/main.yaml) as ``zuul-admin tenant-conf-check``
             validates it (Zuul's tenant schema), without that command's need for bwrap.
schema       Zuul's configuration loader (``zuul.configloader``) parses every file of
             zuul.d/ with the connections of docs/zuul/zuul.conf, as the scheduler does
             on a reconfiguration: YAML errors, unknown attributes, bad values.
connections  every pipeline trigger, requirement and reporter names a connection of
             zuul.conf; every source of the tenant file is a connection of zuul.conf;
             every project stanza names a project of the tenant.
references   what Zuul only resolves when it builds a tenant layout on a running
             scheduler: parent jobs, nodesets, secrets, project templates, pipelines and
             jobs named by projects, job dependencies, required projects, playbook
             paths, and the roles those playbooks use.
cron         the timer lines, through Zuul's own ZuulCronTrigger (a running scheduler
             only logs a bad line and the pipeline never fires).
recheck      the comment regexes of Gerrit ``comment-added`` triggers, compiled by Zuul
             (google-re2), match ``recheck`` and the CI's own keyword and do not match
             ``please recheck``, other CIs' keywords or quoted comments.
vars         the job variables winci reads: ``winci_run_lanes`` are lanes of ``winci run``
             (read from winci/lanes/base.py), ``winci_run_backend`` is local or docker,
             and ``winci_run_platform`` is linux, wine or windows, with ``wine`` only
             on the local backend and a Linux nodeset and ``windows`` only on a
             Windows nodeset, as each job sees them through its parents (a nodeset is
             Windows when nodepool serves its labels over WinRM or PowerShell,
             docs/zuul/nodepool.yaml; else when a label names windows). A node would
             otherwise first refuse them at run time.
opendev      OpenDev's third-party rules that show in the configuration: one comment
             per patch set (no start report to Gerrit) and one reporting mode (the voting
             switch) shared by every Gerrit pipeline.

Exit status: 0 no finding, 1 findings, 2 usage error. ``--json`` prints
``{repo: {"findings": [...], "report_modes": {pipeline: "comment-only"|"voting"}}}``.
"""

from __future__ import annotations

import argparse
import configparser
import json
import re
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
# What ``winci run --platform`` accepts; empty (or unset) is winci's default, linux.
PLATFORMS = ("linux", "wine", "windows")

# What a recheck regex must accept and refuse. Gerrit's comment-added events carry
# "Patch Set N: <votes>" then a blank line then the reviewer's text.
KEYWORD = "winci"
RECHECK_MUST_MATCH = (
    "recheck",
    "Patch Set 3:\n\nrecheck",
    "Patch Set 3: Code-Review+1\n\nrecheck",
    "Patch Set 7:\n\n(2 comments)\n\nrecheck",
    "Patch Set 3:\n\nRECHECK",
    "Patch Set 3:\n\nrecheck\n\nThe functional lane hit a timeout.",
    "Patch Set 3:\n\nrecheck {kw}",
    "Patch Set 3:\n\nrecheck {kw} tempest timed out on the image upload",
    "Patch Set 3:\n\n{kw}-recheck",
)
RECHECK_MUST_NOT_MATCH = (
    "Patch Set 3:\n\nplease recheck",
    "Patch Set 3:\n\nI will recheck this tomorrow",
    "Patch Set 3:\n\n> recheck\n\nA recheck will not fix this one.",
    "Patch Set 3:\n\nrecheck hyperv",
    "Patch Set 3:\n\nrecheck-hyperv",
    "Patch Set 3:\n\nhyperv-recheck",
    "Patch Set 3:\n\nrecheck cinder-ci",
    "Patch Set 3:\n\nrecheck {kw}x",
    "Patch Set 3:\n\nrecheck{kw}",
    "Patch Set 3:\n\nreverify",
    "Patch Set 2: Verified-1\n\nBuild failed (check pipeline). For information on how "
    "to proceed, see the developer guide: recheck only after fixing the cause.",
)


@dataclass
class Finding:
    check: str
    file: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: [{self.check}] {self.message}"


class Checker:
    def __init__(self, repo: Path, zuul_d: Path, zuul_conf: Path, tenant: Path,
                 keyword: str, nodepool: Path | None = None) -> None:
        self.repo = repo
        self.zuul_d = zuul_d
        self.zuul_conf = zuul_conf
        self.tenant_file = tenant
        self.nodepool_file = nodepool or zuul_conf.with_name("nodepool.yaml")
        self.keyword = keyword
        self.findings: list[Finding] = []
        self.report_modes: dict[str, str] = {}
        # Raw stanzas per type: (file, conf dict) with YAML merges already applied.
        self.stanzas: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self.pipelines: list[Any] = []  # zuul.model.Pipeline objects that parsed
        self.connection_names: list[str] = []

    # -- helpers -------------------------------------------------------------------------
    def add(self, check: str, file: Path | str, message: str, line: int | None = None) -> None:
        self.findings.append(Finding(check, self._rel(file), message, line))

    def _rel(self, path: Path | str) -> str:
        p = Path(path)
        try:
            return str(p.resolve().relative_to(self.repo.resolve()))
        except ValueError:
            return str(p)

    @staticmethod
    def _line(conf: dict[str, Any]) -> int | None:
        mark = conf.get("_start_mark")
        return mark.line + 1 if mark is not None else None

    def named(self, kind: str) -> dict[str, tuple[str, dict[str, Any]]]:
        return {c["name"]: (f, c) for f, c in self.stanzas.get(kind, []) if "name" in c}

    # -- schema and connections, with Zuul's loader ----------------------------------------
    def load(self) -> None:
        from zuul import configloader, model
        from zuul.lib.ansible import AnsibleManager

        connections = self._connections()
        if connections is None:
            return
        self.connection_names = list(connections.connections)
        zuul_config = self._zuul_config()
        zuul_globals = model.SystemAttributes.fromConfig(zuul_config)
        self._check_tenant_file(connections, zuul_globals)
        ansible_manager = AnsibleManager(default_version=zuul_globals.default_ansible_version)
        pcontext = configloader.ParseContext(connections, zuul_globals, None, ansible_manager)
        project, connection, hostname = self._config_project()
        files = sorted(self.zuul_d.glob("*.yaml")) + sorted(self.zuul_d.glob("*.yml"))
        if not files:
            self.add("schema", self.zuul_d, "no *.yaml file: Zuul would load nothing")
        for path in files:
            rel = self._rel(path)
            context = model.SourceContext(f"{hostname}/{project}", project, connection,
                                          "master", rel)
            unparsed = model.UnparsedConfig()
            try:
                unparsed.extend(configloader.safe_load_yaml(
                    path.read_text(encoding="utf-8"), context))
            except Exception as exc:  # Zuul reports YAML errors as config errors too
                self.add("schema", path, _one_line(str(exc)))
                continue
            for kind in ("pipelines", "jobs", "project_templates", "projects", "nodesets",
                         "secrets", "semaphores", "queues", "pragmas"):
                for conf in getattr(unparsed, kind):
                    self.stanzas.setdefault(kind, []).append((rel, conf))
            parsed = configloader.TenantParser.parseConfig(None, unparsed, pcontext)
            self.pipelines.extend(parsed.pipelines)
            for attr, errors in vars(parsed).items():
                if not attr.endswith("_errors"):
                    continue
                for err in errors:
                    line = err.key.mark.line + 1 if getattr(err.key, "mark", None) else None
                    self.add("schema", path, _error_text(err), line)
        for err in pcontext.error_list:
            self.add("schema", self.zuul_d, _error_text(err))

    def _check_tenant_file(self, connections: Any, zuul_globals: Any) -> None:
        """What ``zuul-admin tenant-conf-check`` does, without its bwrap check."""
        from zuul import configloader

        if not self.tenant_file.is_file():
            return
        loader = configloader.ConfigLoader(connections, None, None, zuul_globals, None)
        try:
            loader.readConfig(str(self.tenant_file))
        except Exception as exc:
            self.add("tenant", self.tenant_file, _one_line(str(exc)))

    def _zuul_config(self) -> configparser.ConfigParser:
        config = configparser.ConfigParser(interpolation=None)
        if not self.zuul_conf.is_file():
            self.add("connections", self.zuul_conf, "zuul.conf not found")
            return config
        config.read(self.zuul_conf, encoding="utf-8")
        return config

    def _connections(self) -> Any:
        import zuul.driver.bubblewrap as bubblewrap
        from zuul.lib.connections import ConnectionRegistry

        if shutil.which("bwrap") is None:
            # The registry loads every driver, and the bubblewrap driver asks the bwrap
            # binary for its version; parsing configuration never runs it.
            bubblewrap.BubblewrapDriver._parse_bwrap_version = lambda self: (0, 8, 0)
        registry = ConnectionRegistry()
        try:
            registry.configure(self._zuul_config(), sources=True, triggers=True,
                               reporters=True)
        except Exception as exc:
            self.add("connections", self.zuul_conf, f"Zuul cannot load the connections: {exc}")
            return None
        return registry

    def _config_project(self) -> tuple[str, str, str]:
        """(project, connection, canonical hostname) of winci's config project."""
        tenant = self._tenant()
        config = self._zuul_config()
        for conn_name, source in (tenant.get("source") or {}).items():
            for item in source.get("config-projects") or []:
                name = next(iter(item)) if isinstance(item, dict) else item
                section = f"connection {conn_name}"
                hostname = conn_name
                if config.has_section(section):
                    hostname = config.get(section, "canonical_hostname", fallback="") or \
                        _host(config.get(section, "baseurl", fallback="")) or \
                        config.get(section, "server", fallback=conn_name)
                return name, conn_name, hostname
        return "winci/winci", "winci-git", "localhost"

    def _tenant(self) -> dict[str, Any]:
        import yaml

        if not self.tenant_file.is_file():
            self.add("connections", self.tenant_file, "tenant file not found")
            return {}
        data = yaml.safe_load(self.tenant_file.read_text(encoding="utf-8")) or []
        for item in data:
            if isinstance(item, dict) and "tenant" in item:
                return dict(item["tenant"])
        self.add("connections", self.tenant_file, "no tenant stanza")
        return {}

    # -- connections ------------------------------------------------------------------------
    def check_connections(self) -> None:
        defined = set(self.connection_names)
        for file, conf in self.stanzas.get("pipelines", []):
            name = conf.get("name")
            for section in ("trigger", "require", "reject", "enqueue", "start", "success",
                            "failure", "merge-conflict", "config-error", "no-jobs",
                            "disabled", "dequeue"):
                for conn in (conf.get(section) or {}):
                    if conn not in defined:
                        what = {"trigger": "trigger", "require": "requirement",
                                "reject": "rejection"}.get(section, f"{section} reporter")
                        self.add("connections", file,
                                 f"pipeline {name}: {what} uses connection {conn!r}, which "
                                 f"zuul.conf does not define (defined: "
                                 f"{', '.join(sorted(defined))})", self._line(conf))
        tenant = self._tenant()
        tenant_projects: set[str] = set()
        for conn, source in (tenant.get("source") or {}).items():
            if conn not in defined:
                self.add("connections", self.tenant_file,
                         f"tenant source {conn!r} is not a connection of zuul.conf")
            for kind in ("config-projects", "untrusted-projects"):
                for item in source.get(kind) or []:
                    tenant_projects.add(next(iter(item)) if isinstance(item, dict) else item)
        for file, conf in self.stanzas.get("projects", []):
            name = conf.get("name", "")
            if name and not name.startswith("^") and name not in tenant_projects:
                self.add("connections", file, f"project {name} is not a project of the "
                         f"tenant ({self._rel(self.tenant_file)})", self._line(conf))
        for file, conf in self.stanzas.get("jobs", []):
            for item in _as_list(conf.get("required-projects")):
                name = item.get("name") if isinstance(item, dict) else item
                if name and name not in tenant_projects:
                    self.add("references", file, f"job {conf.get('name')}: required project "
                             f"{name} is not in the tenant", self._line(conf))

    # -- references -------------------------------------------------------------------------
    def check_references(self) -> None:
        jobs = self.named("jobs")
        nodesets = self.named("nodesets")
        secrets = self.named("secrets")
        templates = self.named("project_templates")
        pipelines = self.named("pipelines")
        semaphores = self.named("semaphores")
        for name, (file, conf) in jobs.items():
            line = self._line(conf)
            parent = conf.get("parent")
            if parent and parent not in jobs:
                self.add("references", file, f"job {name}: parent job {parent} is not defined",
                         line)
            if "parent" not in conf and name != "base":
                self.add("references", file, f"job {name}: no parent, so Zuul makes it a "
                         "child of 'base', which winci does not define", line)
            nodeset = conf.get("nodeset")
            if isinstance(nodeset, str) and nodeset not in nodesets:
                self.add("references", file, f"job {name}: nodeset {nodeset} is not defined",
                         line)
            for item in _as_list(conf.get("secrets")):
                secret = item.get("secret", item.get("name")) if isinstance(item, dict) else item
                if secret not in secrets:
                    self.add("references", file, f"job {name}: secret {secret} is not defined",
                             line)
            for item in _as_list(conf.get("semaphores")) + _as_list(conf.get("semaphore")):
                sem = item.get("name") if isinstance(item, dict) else item
                if sem not in semaphores:
                    self.add("references", file, f"job {name}: semaphore {sem} is not defined",
                             line)
            for attr in ("pre-run", "run", "post-run", "cleanup-run"):
                for item in _as_list(conf.get(attr)):
                    playbook = item.get("name") if isinstance(item, dict) else item
                    self._check_playbook(file, name, attr, playbook, line)
        for kind, stanzas in (("project-template", templates),
                              ("project", self.named("projects"))):
            for name, (file, conf) in stanzas.items():
                for template in _as_list(conf.get("templates")):
                    if template not in templates:
                        self.add("references", file, f"{kind} {name}: project-template "
                                 f"{template} is not defined", self._line(conf))
                for key, value in conf.items():
                    if key.startswith("_") or key in ("name", "description", "templates",
                                                      "queue", "default-branch",
                                                      "merge-mode", "vars", "branches"):
                        continue
                    if key not in pipelines:
                        self.add("references", file, f"{kind} {name}: pipeline {key} is not "
                                 "defined", self._line(conf))
                        continue
                    self._check_job_list(file, f"{kind} {name}", key, value, jobs,
                                         self._line(conf))

    def _check_job_list(self, file: str, owner: str, pipeline: str, value: Any,
                        jobs: dict[str, Any], line: int | None) -> None:
        entries = (value or {}).get("jobs") or []
        listed = [next(iter(e)) if isinstance(e, dict) else e for e in entries]
        for entry in entries:
            job, variant = (next(iter(entry.items())) if isinstance(entry, dict)
                            else (entry, {}))
            if job not in jobs:
                self.add("references", file,
                         f"{owner}: pipeline {pipeline} runs job {job}, which is not defined",
                         line)
            for dep in _as_list((variant or {}).get("dependencies")):
                dep_name = dep.get("name") if isinstance(dep, dict) else dep
                if dep_name not in listed:
                    self.add("references", file, f"{owner}: in {pipeline}, job {job} depends "
                             f"on {dep_name}, which that pipeline does not run", line)

    def _check_playbook(self, file: str, job: str, attr: str, playbook: str,
                        line: int | None) -> None:
        path = self.repo / playbook
        if not path.is_file():
            self.add("references", file, f"job {job}: {attr} playbook {playbook} does not "
                     "exist", line)
            return
        import yaml

        try:
            plays = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            self.add("references", path, f"playbook does not parse: {_one_line(str(exc))}")
            return
        for play in plays:
            for role in _as_list(play.get("roles")):
                role_name = role.get("role", role.get("name")) if isinstance(role, dict) \
                    else role
                self._check_role(path, role_name)
            for section in ("pre_tasks", "tasks", "post_tasks"):
                for task in _walk_tasks(play.get(section) or []):
                    for key in ("include_role", "import_role", "ansible.builtin.include_role",
                                "ansible.builtin.import_role"):
                        if isinstance(task.get(key), dict):
                            self._check_role(path, task[key].get("name"))

    def _check_role(self, playbook: Path, role: str | None) -> None:
        if not role or "{{" in role:
            return
        if not (playbook.parent / "roles" / role / "tasks" / "main.yaml").is_file():
            self.add("references", playbook, f"role {role} not found (looked for "
                     f"{self._rel(playbook.parent / 'roles' / role / 'tasks' / 'main.yaml')})")

    # -- cron ---------------------------------------------------------------------------------
    def check_cron(self) -> None:
        from zuul.driver.timer.crontrigger import ZuulCronTrigger
        from zuul.driver.timer.timermodel import TimerEventFilter

        for pipeline in self.pipelines:
            file = pipeline.source_context.path
            for ef in pipeline.event_filters:
                if not isinstance(ef, TimerEventFilter):
                    continue
                for spec in ef.timespecs:
                    problem = cron_problem(spec, ZuulCronTrigger)
                    if problem:
                        self.add("cron", file, f"pipeline {pipeline.name}: timer "
                                 f"{spec!r}: {problem}", pipeline.start_mark.line + 1)

    # -- recheck ------------------------------------------------------------------------------
    def check_recheck(self) -> None:
        from zuul.driver.gerrit.gerritmodel import GerritEventFilter

        for pipeline in self.pipelines:
            file = pipeline.source_context.path
            filters = [ef for ef in pipeline.event_filters
                       if isinstance(ef, GerritEventFilter)
                       and any(t.pattern == "comment-added" for t in ef.types)]
            if not any(isinstance(ef, GerritEventFilter) for ef in pipeline.event_filters):
                continue
            line = pipeline.start_mark.line + 1
            if not filters:
                self.add("recheck", file, f"pipeline {pipeline.name}: no comment-added "
                         "trigger, so `recheck` cannot re-run it", line)
                continue
            regexes = [r for ef in filters for r in ef.comments]
            if not regexes or any(not ef.comments for ef in filters):
                self.add("recheck", file, f"pipeline {pipeline.name}: a comment-added "
                         "trigger without a comment regex runs on every review comment", line)
            for regex in regexes:
                if regex.re2_failure:
                    self.add("recheck", file, f"pipeline {pipeline.name}: {regex.pattern!r} "
                             f"is not RE2 syntax ({regex.re2_failure_message}); Zuul "
                             "compiles trigger regexes with google-re2", line)
            for text in RECHECK_MUST_MATCH:
                text = text.format(kw=self.keyword)
                if not any(r.search(text) for r in regexes):
                    self.add("recheck", file, f"pipeline {pipeline.name}: comment "
                             f"{text!r} does not trigger it, but should", line)
            for text in RECHECK_MUST_NOT_MATCH:
                text = text.format(kw=self.keyword)
                if any(r.search(text) for r in regexes):
                    self.add("recheck", file, f"pipeline {pipeline.name}: comment "
                             f"{text!r} triggers it, but should not", line)

    # -- OpenDev's rules ----------------------------------------------------------------------
    def check_opendev_rules(self) -> None:
        gerrit = {c for c in self.connection_names if self._driver(c) == "gerrit"}
        modes: dict[str, str] = {}
        for file, conf in self.stanzas.get("pipelines", []):
            name = conf["name"]
            line = self._line(conf)
            if gerrit & set(conf.get("start") or {}):
                self.add("opendev", file, f"pipeline {name}: a start report to Gerrit makes a "
                         "second comment per patch set (OpenDev allows one)", line)
            reporters = {k: conf.get(k) or {} for k in ("success", "failure")}
            gerrit_reports = {k: v[c] or {} for k, v in reporters.items() for c in v
                              if c in gerrit}
            if not gerrit_reports:
                continue
            if set(gerrit_reports) != {"success", "failure"}:
                self.add("opendev", file, f"pipeline {name}: reports to Gerrit on "
                         f"{' and '.join(sorted(gerrit_reports))} only; report both success "
                         "and failure", line)
            voting = {k: any(lbl in v for lbl in ("Verified", "verified"))
                      for k, v in gerrit_reports.items()}
            if len(set(voting.values())) > 1:
                self.add("opendev", file, f"pipeline {name}: votes on "
                         f"{[k for k, v in voting.items() if v]} only; flip the switch for "
                         "success and failure together", line)
            modes[name] = "voting" if any(voting.values()) else "comment-only"
        if len(set(modes.values())) > 1:
            first = next(iter(self.stanzas.get("pipelines", [])))[0]
            self.add("opendev", first, "Gerrit pipelines disagree on voting "
                     f"({', '.join(f'{k}: {v}' for k, v in sorted(modes.items()))}); share "
                     "the one switch (`<<: *winci-gerrit-report`)")
        self.report_modes = modes

    def _driver(self, connection: str) -> str:
        config = self._zuul_config()
        return config.get(f"connection {connection}", "driver", fallback="")

    def check_vars(self) -> None:
        lanes = winci_lanes(self.repo)
        for file, conf in self.stanzas.get("jobs", []):
            job_vars = conf.get("vars") or {}
            line = self._line(conf)
            for lane in _as_list(job_vars.get("winci_run_lanes")):
                if lanes and lane not in lanes:
                    self.add("vars", file, f"job {conf.get('name')}: lane {lane!r} is not a "
                             f"lane of winci run ({', '.join(lanes)})", line)
            backend = job_vars.get("winci_run_backend")
            if backend is not None and backend not in ("local", "docker"):
                self.add("vars", file, f"job {conf.get('name')}: winci_run_backend "
                         f"{backend!r} is not local or docker", line)
            platform = job_vars.get("winci_run_platform")
            if platform not in (None, "", *PLATFORMS):
                self.add("vars", file, f"job {conf.get('name')}: winci_run_platform "
                         f"{platform!r} is not linux, wine or windows", line)
            if not conf.get("abstract"):
                self._check_platform(file, conf, line)

    def _check_platform(self, file: str, conf: dict[str, Any], line: int | None) -> None:
        """The platform against the backend and nodeset the job gets through its parents."""
        name = conf.get("name")
        platform, platform_from = self._inherited(conf, "winci_run_platform", var=True)
        if platform not in ("wine", "windows"):
            return
        via = f" (from {platform_from})" if platform_from != name else ""
        if platform == "wine":
            backend, backend_from = self._inherited(conf, "winci_run_backend", var=True)
            if backend is None:
                backend, backend_from = self._role_default("winci_run_backend"), \
                    "winci-run's defaults"
            if backend != "local":
                why = (": winci run refuses --backend docker --platform wine"
                       if backend == "docker" else "")
                self.add("vars", file, f"job {name}: winci_run_platform wine{via} needs "
                         f"winci_run_backend local, not {backend!r} (from {backend_from})"
                         f"{why}", line)
        nodeset, nodeset_from = self._inherited(conf, "nodeset")
        node_os = self._nodeset_os(nodeset)
        shown = nodeset if isinstance(nodeset, str) else "the job's own nodeset"
        if platform == "wine" and node_os == "windows":
            self.add("vars", file, f"job {name}: winci_run_platform wine{via} needs a Linux "
                     f"nodeset; {shown} (from {nodeset_from}) is Windows", line)
        if platform == "windows" and node_os == "linux":
            self.add("vars", file, f"job {name}: winci_run_platform windows{via} needs a "
                     f"Windows nodeset; {shown} (from {nodeset_from}) is Linux", line)

    def _inherited(self, conf: dict[str, Any], key: str,
                   var: bool = False) -> tuple[Any, str | None]:
        """A job attribute (or job variable) as the job sees it: its own, else the nearest
        parent's; and the job it comes from. (None, None) when no job of the chain sets it."""
        jobs = self.named("jobs")
        seen: set[str] = set()
        current: dict[str, Any] | None = conf
        while current is not None and current.get("name") not in seen:
            seen.add(current.get("name", ""))
            source = (current.get("vars") or {}) if var else current
            if key in source:
                return source[key], current.get("name")
            parent = current.get("parent")
            current = jobs[parent][1] if parent in jobs else None
        return None, None

    def _role_default(self, var: str) -> Any:
        """A default of the winci-run role (jobs/roles/winci-run/defaults/main.yaml)."""
        import yaml

        path = self.repo / "jobs" / "roles" / "winci-run" / "defaults" / "main.yaml"
        try:
            defaults = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            return None
        return defaults.get(var) if isinstance(defaults, dict) else None

    def _nodeset_os(self, nodeset: Any) -> str | None:
        """'windows' when a node of the nodeset is Windows, 'linux' when none is, None
        when the nodeset is unknown."""
        if isinstance(nodeset, dict):  # an anonymous nodeset in the job
            nodes = nodeset.get("nodes")
        elif isinstance(nodeset, str) and nodeset in self.named("nodesets"):
            nodes = self.named("nodesets")[nodeset][1].get("nodes")
        else:
            return None
        labels = [str(n["label"]) for n in _as_list(nodes)
                  if isinstance(n, dict) and n.get("label")]
        if not labels:
            return None
        known = self._nodepool_labels()
        if any(known.get(label, "windows" in label.lower()) for label in labels):
            return "windows"
        return "linux"

    def _nodepool_labels(self) -> dict[str, bool]:
        """{label: is Windows} of docs/zuul/nodepool.yaml's static nodes: a node reached
        over WinRM, or with a PowerShell or cmd shell, is Windows."""
        import yaml

        found: dict[str, bool] = {}
        try:
            data = yaml.safe_load(self.nodepool_file.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            return {}
        providers = (data.get("providers") or []) if isinstance(data, dict) else []
        for provider in providers:
            for pool in (provider or {}).get("pools") or []:
                for node in (pool or {}).get("nodes") or []:
                    if not isinstance(node, dict):
                        continue
                    is_windows = (node.get("connection-type") == "winrm"
                                  or node.get("shell-type") in ("powershell", "cmd"))
                    for label in _as_list(node.get("labels")):
                        found[label] = found.get(label, False) or is_windows
        return found

    def run(self) -> list[Finding]:
        self.load()
        if self.connection_names:
            self.check_connections()
            self.check_references()
            self.check_vars()
            self.check_cron()
            self.check_recheck()
            self.check_opendev_rules()
        return self.findings


def winci_lanes(repo: Path) -> tuple[str, ...]:
    """The lanes ``winci run`` accepts, from winci/lanes/base.py (the contract's four)."""
    source = repo / "winci" / "lanes" / "base.py"
    if not source.is_file():
        source = REPO / "winci" / "lanes" / "base.py"
    m = re.search(r"^LANES\s*=\s*\(([^)]*)\)", source.read_text(encoding="utf-8"), re.M) \
        if source.is_file() else None
    if not m:
        return ("unit", "functional", "tempest", "preflight")
    return tuple(re.findall(r"[\"']([\w-]+)[\"']", m.group(1)))


def cron_problem(spec: str, trigger_class: Any) -> str | None:
    """Why Zuul's timer driver would refuse ``spec`` (it only logs it), or None."""
    parts = spec.split()
    if len(parts) < 5 or len(parts) > 7:
        return (f"{len(parts)} fields; Zuul wants 5 to 7 (minute hour day month "
                "day-of-week [second [jitter]])")
    args = dict(minute=parts[0], hour=parts[1], day=parts[2], month=parts[3],
                day_of_week=parts[4], second=parts[5] if len(parts) > 5 else None)
    try:
        jitter = int(parts[6]) if len(parts) > 6 else None
        trigger_class(jitter=jitter, **args)
    except ValueError as exc:
        return str(exc)
    return None


def _walk_tasks(tasks: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for task in tasks:
        if not isinstance(task, dict):
            continue
        out.append(task)
        for key in ("block", "rescue", "always"):
            out.extend(_walk_tasks(task.get(key) or []))
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _host(url: str) -> str:
    m = re.match(r"^[a-z+]+://([^/:]+)", url)
    return m.group(1) if m else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _error_text(err: Any) -> str:
    summary = _summary(err.error)
    short = _one_line(err.short_error or "")
    return summary if not short or summary.startswith(short) else f"{short}: {summary}"


def _summary(error: str) -> str:
    """The 'problem was' part of a Zuul configuration error, on one line."""
    m = re.search(r"problem was:\s*(.*?)(?:\n\s*\n\s*The problem appears|$)", error, re.S)
    return _one_line(m.group(1) if m else error)[:400]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, action="append",
                        help="winci checkout with zuul.d/, jobs/ and docs/zuul/ (default: "
                             "this one); repeat it to check several in one process")
    parser.add_argument("--zuul-d", type=Path, help="default: <repo>/zuul.d")
    parser.add_argument("--zuul-conf", type=Path, help="default: <repo>/docs/zuul/zuul.conf")
    parser.add_argument("--tenant", type=Path, help="default: <repo>/docs/zuul/main.yaml")
    parser.add_argument("--nodepool", type=Path,
                        help="default: <repo>/docs/zuul/nodepool.yaml (which labels are Windows)")
    parser.add_argument("--keyword", default=KEYWORD, help="the CI's recheck keyword")
    parser.add_argument("--json", action="store_true",
                        help="print {repo: {findings, report_modes}} as JSON")
    args = parser.parse_args(argv)
    repos = [r.resolve() for r in args.repo or [REPO]]
    for repo in repos:
        if not repo.is_dir():
            print(f"zuul_check: --repo {repo} is not a directory", file=sys.stderr)
            return 2
    results: dict[str, Any] = {}
    total = 0
    for repo in repos:
        checker = Checker(repo, args.zuul_d or repo / "zuul.d",
                          args.zuul_conf or repo / "docs/zuul/zuul.conf",
                          args.tenant or repo / "docs/zuul/main.yaml", args.keyword,
                          args.nodepool or repo / "docs/zuul/nodepool.yaml")
        findings = checker.run()
        total += len(findings)
        results[str(repo)] = {"findings": [asdict(f) for f in findings],
                              "report_modes": checker.report_modes}
        if not args.json:
            for finding in findings:
                print(finding)
            modes = ", ".join(f"{k}: {v}" for k, v in sorted(checker.report_modes.items()))
            print(f"zuul_check: {repo}: {len(findings)} finding(s); Gerrit reporting: "
                  f"{modes or 'none'}")
    if args.json:
        print(json.dumps(results, indent=1))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
