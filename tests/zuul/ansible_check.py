"""Check the modules and options of every task in jobs/, offline, with Ansible's own docs.

Runs in the Zuul tool environment (ansible 11, with the ansible.windows and
community.windows collections):

    .venv-tools/zuul/bin/python tests/zuul/ansible_check.py [--jobs DIR] [--json]

``ansible-playbook --syntax-check`` does not open task files included at run time, and
the Windows task files never run here (no Windows host), so their mistakes would first
show on a Windows node. This reads every task file of every role and every play, and
for each task checks, against ``ansible-doc --json`` of the module it names: that the
module exists, that every option given is one of the module's options or aliases, and
that its required options are given. Values are not checked (most are templates).
Windows modules are thereby checked statically only.

Exit status: 0 no finding, 1 findings, 2 usage error. ``--json`` prints
``{"findings": [...], "checked": [{file, task, module}]}``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

JOBS = Path(__file__).resolve().parents[2] / "jobs"
ACTION_PLUGINS = Path(__file__).resolve().parent / "plugins" / "action"
# Modules that take free-form text, and the option names that text may also use.
FREE_FORM = {"ansible.builtin.command", "ansible.builtin.shell", "ansible.windows.win_command",
             "ansible.windows.win_shell", "ansible.builtin.raw", "ansible.builtin.script"}
# Modules whose options are the caller's own names (facts, stats).
ANY_KEYS = {"ansible.builtin.set_fact", "ansible.builtin.set_stats"}
# Options the action plugins of these modules accept beyond the module's own docs.
ACTION_OPTIONS: dict[str, set[str]] = {
    "ansible.builtin.include_tasks": {"file", "apply", "_raw_params"},
    "ansible.builtin.import_tasks": {"file", "_raw_params"},
}
# Modules only Zuul provides (as action plugins): options from Zuul's source.
ZUUL_MODULES = {"zuul_return": {"data", "secret_data", "path", "file", "secret_file"}}


def task_keywords() -> set[str]:
    from ansible.playbook.block import Block
    from ansible.playbook.task import Task

    words = set(Task.fattributes) | set(Block.fattributes)
    return words | {"local_action", "action", "args", "loop_control", "vars", "notify",
                    "block", "rescue", "always"}


def walk(tasks: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for task in tasks or []:
        if not isinstance(task, dict):
            continue
        if "block" in task:
            for key in ("block", "rescue", "always"):
                out.extend(walk(task.get(key) or []))
        else:
            out.append(task)
    return out


def collect(jobs: Path) -> list[tuple[Path, dict[str, Any]]]:
    found: list[tuple[Path, dict[str, Any]]] = []
    task_files = sorted(jobs.glob("roles/*/tasks/*.yaml"))
    task_files += sorted(jobs.glob("roles/*/handlers/*.yaml"))
    for path in task_files:
        found += [(path, t) for t in walk(yaml.safe_load(path.read_text()) or [])]
    for path in sorted(jobs.glob("*.yaml")):
        for play in yaml.safe_load(path.read_text()) or []:
            for section in ("pre_tasks", "tasks", "post_tasks", "handlers"):
                found += [(path, t) for t in walk(play.get(section) or [])]
    return found


def module_of(task: dict[str, Any], keywords: set[str]) -> tuple[str | None, Any]:
    names = [k for k in task if k not in keywords and not k.startswith("with_")]
    if len(names) != 1:
        return None, names
    return names[0], task[names[0]]


def resolve(names: set[str]) -> dict[str, str | None]:
    """Fully qualified name of each module (None when Ansible cannot find it)."""
    from ansible.plugins.loader import action_loader, init_plugin_loader, module_loader

    init_plugin_loader()
    action_loader.add_directory(str(ACTION_PLUGINS))
    out: dict[str, str | None] = {}
    for name in names:
        ctx = module_loader.find_plugin_with_context(name)
        if ctx.resolved:
            out[name] = ctx.resolved_fqcn
        elif name in ZUUL_MODULES and action_loader.has_plugin(name):
            out[name] = name
        else:
            out[name] = None
    return out


def docs(fqcns: set[str]) -> dict[str, Any]:
    ansible_doc = Path(sys.executable).with_name("ansible-doc")
    done = subprocess.run([str(ansible_doc), "--json", "-t", "module", *sorted(fqcns)],
                          capture_output=True, text=True, check=False, timeout=300)
    data = json.loads(done.stdout or "{}")
    return {name: (entry or {}).get("doc") or {} for name, entry in data.items()}


def check(jobs: Path, checked: list[dict[str, str]] | None = None) -> list[dict[str, Any]]:
    keywords = task_keywords()
    tasks = collect(jobs)
    findings: list[dict[str, Any]] = []

    def add(path: Path, task: dict[str, Any], message: str) -> None:
        findings.append({"file": str(path.relative_to(jobs.parent)),
                         "task": task.get("name", "?"), "message": message})

    wanted = {}
    for path, task in tasks:
        module, args = module_of(task, keywords)
        if module is None:
            add(path, task, f"cannot tell the module: candidates {args}")
            continue
        wanted[(path, id(task))] = (module, args)
    fqcn = resolve({m for m, _ in wanted.values()})
    documented = docs({f for f in fqcn.values() if f and f not in ZUUL_MODULES})
    for path, task in tasks:
        if (path, id(task)) not in wanted:
            continue
        module, args = wanted[(path, id(task))]
        name = fqcn.get(module)
        if checked is not None:
            checked.append({"file": str(path.relative_to(jobs.parent)),
                            "task": task.get("name", "?"), "module": name or module})
        if name is None:
            add(path, task, f"module {module} does not exist (not in ansible-core or the "
                "collections of the ansible package Zuul runs)")
            continue
        if name == "ansible.windows.win_shell":
            script = args if isinstance(args, str) else (args or {}).get("cmd", "")
            for line, text in powershell_errors(str(script)):
                add(path, task, f"PowerShell does not parse at script line {line}: {text}")
        if not isinstance(args, dict):
            if name not in FREE_FORM and name not in ACTION_OPTIONS:
                add(path, task, f"{module} takes options, not free-form text")
            continue
        args = {**args, **(task.get("args") or {})}
        if name in ANY_KEYS:
            continue
        if name in ZUUL_MODULES:
            options, aliases, required = ZUUL_MODULES[name], set(), set()
        else:
            spec = documented.get(name, {}).get("options") or {}
            options = set(spec)
            aliases = {a for o in spec.values() for a in (o.get("aliases") or [])}
            required = {k for k, o in spec.items() if o.get("required")}
            required_via = {k: {k, *(spec[k].get("aliases") or [])} for k in required}
            for opt, names in required_via.items():
                if not names & set(args):
                    add(path, task, f"{module}: required option {opt} is missing")
        allowed = options | aliases | ACTION_OPTIONS.get(name, set())
        if name in FREE_FORM:
            allowed |= {"cmd", "_raw_params"}
        for key in args:
            if key not in allowed:
                add(path, task, f"{module}: unknown option {key} (options: "
                    f"{', '.join(sorted(options))})")
    return findings


def powershell_errors(script: str) -> list[tuple[int, str]]:
    """(line, text) where tree-sitter-powershell rejects ``script`` (Jinja blanked)."""
    import tree_sitter
    import tree_sitter_powershell

    # Literal braces written as {{ '{{' }} and {{ '}}' }} first, then every expression.
    source = script.replace("{{ '{{' }}", "\x00").replace("{{ '}}' }}", "\x01")
    source = re.sub(r"\{\{.*?\}\}", "JINJA", source, flags=re.S)
    source = re.sub(r"\{%.*?%\}", "", source, flags=re.S)
    source = source.replace("\x00", "{{").replace("\x01", "}}")
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    tree = parser.parse(source.encode("utf-8"))
    lines = source.splitlines()
    errors: list[tuple[int, str]] = []

    def walk(node: Any) -> None:
        if node.is_error or node.is_missing:
            row = node.start_point[0]
            errors.append((row + 1, lines[row].strip() if row < len(lines) else ""))
        elif node.has_error:
            for child in node.children:
                walk(child)

    walk(tree.root_node)
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=Path, default=JOBS, help="the jobs/ folder")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not (args.jobs / "roles").is_dir():
        print(f"ansible_check: {args.jobs} has no roles/ folder", file=sys.stderr)
        return 2
    checked: list[dict[str, str]] = []
    findings = check(args.jobs.resolve(), checked)
    if args.json:
        print(json.dumps({"findings": findings, "checked": checked}, indent=1))
    else:
        for f in findings:
            print(f"{f['file']}: {f['task']}: {f['message']}")
        print(f"ansible_check: {len(checked)} task(s) checked, {len(findings)} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
