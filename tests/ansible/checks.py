"""Static checks of winci's Ansible content (ansible/), run by tests/ansible.

No Windows host is reachable here, so the playbooks, roles and the winci.hyperv collection
are checked with real tools and Ansible's own validators, without a connection:

- ``lint``: ansible-lint, production profile (ansible/.ansible-lint);
- ``syntax``: ``ansible-playbook --syntax-check`` of every playbook (and they all exist);
- ``argspecs``: every role has a README and ``meta/argument_specs.yml`` covering its
  defaults, and the example inventory's values for each play's hosts pass the role's spec
  (templated, as Ansible's role validation does, with Ansible's ArgumentSpecValidator),
  then Ansible's own role validation runs the playbooks with no other task (no connection);
- ``options``: the options of every task that calls a PowerShell module (ansible.windows,
  community.windows, microsoft.ad, winci.hyperv) against the module's documented options
  from ``ansible-doc --json`` (ansible-lint does not check those), and the ``Ansible.Basic``
  spec of each winci.hyperv module against its documentation;
- ``ps1``: every .ps1/.psm1 parses with tree-sitter PowerShell, except for the documented
  cases where the grammar rejects valid syntax (ps1_parse_exceptions.yml);
- ``yamllint``: yamllint with ansible/.yamllint;
- ``security``: nothing lets WinRM use plain HTTP or skip certificate validation.

The checks that need Ansible run in the tool environment's Python
(``.venv-tools/ansible``, made by scripts/test): ``python checks.py CHECK ROOT [PATH...]``
prints ``{"findings": [...]}`` and exits 1 when there are findings. Tests call
:func:`run_check`, which does that in a child process. ROOT is an ``ansible/`` folder (the
real one, or a copy with a planted mistake).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".venv-tools" / "ansible"
TOOL_COLLECTIONS = TOOLS / "collections"
EXCEPTIONS_FILE = Path(__file__).resolve().parent / "ps1_parse_exceptions.yml"
PLAYBOOKS = (
    "site.yml",
    "hyperv.yml",
    "cluster.yml",
    "storage.yml",
    "sofs.yml",
    "containers.yml",
    "ci-node.yml",
    "cleanup.yml",
    "glance-native.yml",
)
INVENTORY = "inventories/example"
VAULT_PASSWORD_FILE = "inventories/example/vault-password.example"
NO_SUCH_TAG = "winci-role-argument-validation-only"
PS_COLLECTIONS = ("ansible.windows.", "community.windows.", "microsoft.ad.", "winci.hyperv.")

Findings = list[str]


# --------------------------------------------------------------------------- helpers


def tool_env(root: Path) -> dict[str, str]:
    """Environment for Ansible tools working on ``root`` (offline, no colour)."""
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(root / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=f"{root / 'collections'}:{TOOL_COLLECTIONS}",
        ANSIBLE_VAULT_PASSWORD_FILE=str(root / VAULT_PASSWORD_FILE),
        ANSIBLE_NOCOLOR="1",
        NO_COLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PATH=f"{TOOLS / 'bin'}:{env.get('PATH', '')}",
    )
    return env


def _tool(
    root: Path, *cmd: str, timeout: int = 300, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    exe = TOOLS / "bin" / cmd[0]
    return subprocess.run(
        [str(exe), *cmd[1:]],
        cwd=root,
        env={**tool_env(root), **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _rel(root: Path, path: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _yaml_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.suffix in (".yml", ".yaml") and path.is_file():
            yield path


def _load_yaml(path: Path) -> Any:
    import yaml

    text = path.read_text(encoding="utf-8")
    if text.startswith("$ANSIBLE_VAULT"):
        return None
    return yaml.safe_load(text)


def _is_templated(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _vault_secret(root: Path) -> Any:
    from ansible.parsing.vault import VaultSecret

    return VaultSecret((root / VAULT_PASSWORD_FILE).read_bytes().strip())


def _ansible_setup(root: Path) -> None:
    """Point Ansible's plugin loader at the collections (needed outside the CLI)."""
    os.environ.update({k: v for k, v in tool_env(root).items() if k.startswith("ANSIBLE_")})
    from ansible.plugins.loader import init_plugin_loader

    init_plugin_loader([str(root / "collections"), str(TOOL_COLLECTIONS)])


# --------------------------------------------------------------------------- lint


def check_lint(root: Path, paths: list[str] | None = None) -> Findings:
    """ansible-lint with the production profile (from ansible/.ansible-lint)."""
    proc = _tool(root, "ansible-lint", "--offline", "--nocolor", "-f", "pep8", *(paths or []))
    if proc.returncode == 0:
        return []
    lines = [ln for ln in proc.stdout.splitlines() if re.match(r"^\S+:\d+", ln)]
    return lines or [f"ansible-lint exited {proc.returncode}: {proc.stderr.strip()[-2000:]}"]


# --------------------------------------------------------------------------- syntax


def check_syntax(root: Path, paths: list[str] | None = None) -> Findings:
    """All playbooks exist and pass ``ansible-playbook --syntax-check``."""
    findings = [f"{name}: playbook missing" for name in PLAYBOOKS if not (root / name).is_file()]
    books = paths or [name for name in PLAYBOOKS if (root / name).is_file()]
    # One ansible-playbook for all of them (one start-up instead of eight); its error names
    # the file and line at fault.
    proc = _tool(root, "ansible-playbook", "--syntax-check", "-i", INVENTORY, *books)
    if proc.returncode != 0:
        message = " ".join((proc.stderr or proc.stdout).split())[:1500]
        findings.append(f"syntax check of {' '.join(books)}: {message}")
    return findings


# --------------------------------------------------------------------------- argspecs


def _role_names_of_play(play: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    roles = []
    for entry in play.get("roles") or []:
        if isinstance(entry, str):
            roles.append((entry, {}))
        else:
            params = {k: v for k, v in entry.items() if k not in ("role", "name", "tags", "when")}
            roles.append((entry.get("role") or entry["name"], params))
    return roles


def _role_files(root: Path) -> Findings:
    """README, argument specs (entry point main) that declare every default."""
    findings: Findings = []
    for role in sorted(p for p in (root / "roles").iterdir() if p.is_dir()):
        name = _rel(root, role)
        if not (role / "README.md").is_file():
            findings.append(f"{name}: README.md missing")
        spec_file = role / "meta" / "argument_specs.yml"
        if not spec_file.is_file():
            findings.append(f"{name}: meta/argument_specs.yml missing")
            continue
        spec = (_load_yaml(spec_file) or {}).get("argument_specs", {}).get("main")
        if not spec:
            findings.append(f"{name}: meta/argument_specs.yml has no 'main' entry point")
            continue
        options = spec.get("options") or {}
        defaults_file = role / "defaults" / "main.yml"
        defaults = (_load_yaml(defaults_file) or {}) if defaults_file.is_file() else {}
        for var, value in defaults.items():
            if var not in options:
                findings.append(f"{name}: default {var} is not in meta/argument_specs.yml")
            elif "default" in options[var] and options[var]["default"] != value:
                spec_default = options[var]["default"]
                findings.append(f"{name}: {var} is {value!r}, its spec default {spec_default!r}")
        for var, opt in options.items():
            if "default" in opt and var not in defaults:
                findings.append(f"{name}: {var} has a spec default but no defaults/main.yml entry")
    return findings


def ansible_role_validation(root: Path) -> Findings:
    """Ansible's own role argument validation, run for real without touching any host.

    Each role starts with a task that validates its arguments; it is tagged ``always`` and
    runs on the controller. With a tag no task has and facts not gathered, the playbooks
    run only those tasks: no connection is made. A host that fails is left out of the plays
    after, so this reports the first failure per host; the Python validation above reports
    them all.
    """
    books = [b for b in ("site.yml", "cleanup.yml", "glance-native.yml")
             if (root / b).is_file()]
    cmd = ["ansible-playbook", "-i", INVENTORY, *books, "--check", "--tags", NO_SUCH_TAG]
    env = {"ANSIBLE_CALLBACK_RESULT_FORMAT": "json", "ANSIBLE_GATHERING": "explicit"}
    proc = _tool(root, *cmd, extra_env=env)
    if proc.returncode == 0:
        return []
    findings = []
    for host, result in re.findall(r"^fatal: \[(.+?)\]: FAILED! => (\{.*\})$", proc.stdout, re.M):
        try:
            errors = json.loads(result).get("argument_errors") or [json.loads(result).get("msg")]
        except json.JSONDecodeError:
            errors = [result[:300]]
        findings += [f"ansible role validation on {host}: {error}" for error in errors]
    return findings or [f"ansible-playbook exited {proc.returncode}: {proc.stderr.strip()[-1500:]}"]


def check_argspecs(root: Path, paths: list[str] | None = None) -> Findings:
    """Role argument specs, and the example inventory's values for each role's hosts."""
    _ansible_setup(root)
    from ansible.errors import AnsibleError
    from ansible.inventory.manager import InventoryManager
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    from ansible.vars.manager import VariableManager

    findings = _role_files(root)
    loader = DataLoader()
    loader.set_basedir(str(root))
    loader.set_vault_secrets([("default", _vault_secret(root))])
    inventory = InventoryManager(loader=loader, sources=[str(root / INVENTORY)])
    variables = VariableManager(loader=loader, inventory=inventory)

    for book in paths or PLAYBOOKS:
        plays = _load_yaml(root / book) or []
        for play in plays:
            if "import_playbook" in play or "ansible.builtin.import_playbook" in play:
                continue
            hosts = inventory.get_hosts(play.get("hosts", "all"))
            if not hosts:
                findings.append(f"{book}: play {play.get('name')!r} matches no host of {INVENTORY}")
            for role_name, role_params in _role_names_of_play(play):
                role_dir = root / "roles" / role_name
                spec_file = role_dir / "meta" / "argument_specs.yml"
                if not spec_file.is_file():
                    continue
                spec = _load_yaml(spec_file)["argument_specs"]["main"].get("options") or {}
                defaults_file = role_dir / "defaults" / "main.yml"
                defaults = (_load_yaml(defaults_file) or {}) if defaults_file.is_file() else {}
                for host in hosts:
                    all_vars = dict(defaults)
                    all_vars.update(variables.get_vars(host=host))
                    all_vars.update(role_params)
                    all_vars.setdefault("playbook_dir", str(root))
                    templar = Templar(loader=loader, variables=all_vars)
                    where = f"{book}: role {role_name} on {host.name}"
                    try:
                        provided = {k: templar.template(all_vars[k]) for k in spec if k in all_vars}
                    except AnsibleError as exc:
                        findings.append(f"{where}: {' '.join(str(exc).split())[:300]}")
                        continue
                    result = ArgumentSpecValidator(spec).validate(provided)
                    findings.extend(f"{where}: {msg}" for msg in result.error_messages)
    return findings + ansible_role_validation(root)


# --------------------------------------------------------------------------- options


_TASK_KEYWORDS: set[str] | None = None


def _task_keywords() -> set[str]:
    global _TASK_KEYWORDS
    if _TASK_KEYWORDS is None:
        from ansible.playbook.task import Task

        _TASK_KEYWORDS = set(Task.fattributes) | {"local_action", "action", "args", "vars"}
    return _TASK_KEYWORDS


def _iter_tasks(tasks: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for i, task in enumerate(tasks or []):
        if not isinstance(task, dict):
            continue
        label = f"{where}[{i}] {task.get('name', '')!r}"
        if any(k in task for k in ("block", "rescue", "always")):
            for key in ("block", "rescue", "always"):
                yield from _iter_tasks(task.get(key), f"{label}.{key}")
            continue
        yield label, task


def _all_tasks(root: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted((root / "roles").glob("*/tasks/*.yml")) + sorted(
        (root / "roles").glob("*/handlers/*.yml")
    ):
        yield from _iter_tasks(_load_yaml(path), _rel(root, path))
    for book in PLAYBOOKS:
        plays = (_load_yaml(root / book) or []) if (root / book).is_file() else []
        for j, play in enumerate(plays):
            for section in ("pre_tasks", "tasks", "post_tasks", "handlers"):
                yield from _iter_tasks(play.get(section), f"{book}[{j}].{section}")


def _task_module(task: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The module a task calls and its arguments (from ``module: {...}`` and ``args:``)."""
    from ansible.parsing.splitter import parse_kv

    keywords = _task_keywords()
    candidates = [k for k in task if k not in keywords and not k.startswith("with_")]
    if "action" in task and not candidates:
        action = task["action"]
        if isinstance(action, dict):
            module = action.get("module")
            args = {k: v for k, v in action.items() if k != "module"}
        else:
            module, _, rest = str(action).partition(" ")
            args = parse_kv(rest)
        candidates, task = [module], {module: args, "args": task.get("args")}
    if len(candidates) != 1:
        return None, {}
    module = candidates[0]
    raw = task[module]
    args = dict(raw) if isinstance(raw, dict) else parse_kv(raw or "", check_raw=True)
    args.update(task.get("args") or {})
    return module, args


def _doc_to_spec(options: dict[str, Any]) -> dict[str, Any]:
    known = {"str", "list", "dict", "bool", "int", "float", "path", "raw", "json", "jsonarg"}
    known |= {"bytes", "bits"}
    spec: dict[str, Any] = {}
    for name, doc in (options or {}).items():
        entry: dict[str, Any] = {"type": doc.get("type", "str")}
        if entry["type"] not in known:
            entry["type"] = "raw"
        for key in ("required", "choices", "aliases", "elements"):
            if key in doc:
                entry[key] = doc[key]
        if entry.get("elements") not in (None, *known):
            entry["elements"] = "raw"
        if doc.get("suboptions"):
            entry["options"] = _doc_to_spec(doc["suboptions"])
        spec[name] = entry
    return spec


def _placeholder(entry: dict[str, Any], value: Any) -> Any:
    """Stand-in for a templated value: one that fits the option's type and choices."""
    if _is_templated(value):
        if entry.get("choices"):
            return entry["choices"][0]
        return {
            "bool": True,
            "int": 1,
            "float": 1.0,
            "list": [],
            "dict": {},
        }.get(entry.get("type", "str"), value)
    sub = entry.get("options")
    if isinstance(value, dict) and sub:
        return _fill_placeholders(sub, value)
    if isinstance(value, list):
        element = {"type": entry.get("elements", "raw"), "options": sub}
        return [_placeholder(element, v) for v in value]
    return value


def _fill_placeholders(spec: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    aliases = {a: n for n, e in spec.items() for a in e.get("aliases", [])}
    return {k: _placeholder(spec.get(aliases.get(k, k), {}), v) for k, v in args.items()}


def module_docs(root: Path, modules: list[str]) -> dict[str, Any]:
    """``ansible-doc --json`` of the given modules (missing ones are left out)."""
    if not modules:
        return {}
    proc = _tool(root, "ansible-doc", "--json", "-t", "module", *modules)
    try:
        return dict(json.loads(proc.stdout or "{}"))
    except json.JSONDecodeError:
        return {}


# Options whose documentation lists choices but whose module takes a comma-separated list
# of them (a .NET flags enum): win_acl documents inherit with choices ContainerInherit and
# ObjectInherit, and its example (and default) is "ContainerInherit, ObjectInherit".
FLAG_OPTIONS = {("ansible.windows.win_acl", "inherit"), ("ansible.windows.win_acl", "propagation")}


def _split_flags(module: str, spec: dict[str, Any], params: dict[str, Any]) -> Findings:
    """Check flag options part by part; leave one valid part for the validator."""
    problems: Findings = []
    for option in [o for m, o in FLAG_OPTIONS if m == module and o in params]:
        value = params[option]
        if not isinstance(value, str) or _is_templated(value) or "," not in value:
            continue
        parts = [part.strip() for part in value.split(",")]
        bad = [part for part in parts if part not in spec[option].get("choices", parts)]
        if bad:
            problems.append(f"{option}: {bad} not in {spec[option]['choices']}")
        params[option] = parts[0]
    return problems


def _ps_value(text: str) -> Any:
    """A PowerShell literal of a module spec: 'str', $true/$false, numbers, @('a', 'b')."""
    text = text.strip()
    if text in ("$true", "$false"):
        return text == "$true"
    if text.startswith("@(") and text.endswith(")"):
        inner = text[2:-1].strip()
        return [_ps_value(part) for part in inner.split(",")] if inner else []
    if text[:1] in ("'", '"'):
        return text[1:-1]
    return int(text) if text.lstrip("-").isdigit() else text


def ps1_spec(path: Path) -> dict[str, dict[str, Any]]:
    """Options of an Ansible.Basic module spec, one ``name = @{ k = v; ... }`` per line."""
    block = path.read_text(encoding="utf-8").split("options = @{", 1)[1].split("\n    }", 1)[0]
    spec = {}
    for name, body in re.findall(r"^\s+(\w+) = @\{ (.*) \}\s*$", block, re.M):
        pairs = (item.split("=", 1) for item in body.split("; "))
        spec[name] = {key.strip(): _ps_value(value) for key, value in pairs}
    return spec


def _spec_drift(module: str, spec: dict[str, Any], doc: dict[str, Any]) -> Findings:
    """Differences between a module's .ps1 spec and its documentation (.py)."""
    findings = [
        f"{module}: option {name} is in the .ps1 spec, not documented"
        for name in spec
        if name not in doc
    ]
    findings += [
        f"{module}: option {name} is documented, not in the .ps1 spec"
        for name in doc
        if name not in spec
    ]
    fallbacks = {"type": "str", "required": False, "elements": None, "choices": None}
    fallbacks["default"] = None
    for name in sorted(set(spec) & set(doc)):
        for key, fallback in fallbacks.items():
            in_ps1, in_doc = spec[name].get(key, fallback), doc[name].get(key, fallback)
            if in_ps1 != in_doc:
                findings.append(
                    f"{module}: option {name}: {key} is {in_ps1!r} in the .ps1 spec, "
                    f"{in_doc!r} in the docs"
                )
    return findings


def check_options(root: Path, paths: list[str] | None = None) -> Findings:
    """Options of PowerShell-module tasks against ``ansible-doc --json``."""
    _ansible_setup(root)
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible.module_utils.errors import UnsupportedError

    tasks = []
    for where, task in _all_tasks(root):
        module, args = _task_module(task)
        if module and module.startswith(PS_COLLECTIONS):
            tasks.append((where, module, args))
        elif module and module.startswith("win_"):
            tasks.append((where, module, args))
    own = root / "collections" / "ansible_collections" / "winci" / "hyperv" / "plugins" / "modules"
    own_modules = {f"winci.hyperv.{p.stem}": p for p in sorted(own.glob("*.ps1"))}
    docs = module_docs(root, sorted({m for _, m, _ in tasks} | set(own_modules)))
    findings: Findings = []
    # The winci.hyperv modules: what Ansible.Basic enforces (.ps1) must be what is documented.
    for module, ps1 in own_modules.items():
        if module not in docs:
            findings.append(f"{module}: ansible-doc cannot read its documentation ({ps1.stem}.py)")
            continue
        findings += _spec_drift(module, ps1_spec(ps1), docs[module]["doc"].get("options", {}))
    for where, module, args in tasks:
        if module not in docs:
            findings.append(f"{where}: {module}: no such module (ansible-doc does not know it)")
            continue
        spec = _doc_to_spec(docs[module]["doc"].get("options", {}))
        params = {k: v for k, v in args.items() if k != "_raw_params"}
        findings.extend(f"{where}: {module}: {msg}" for msg in _split_flags(module, spec, params))
        result = ArgumentSpecValidator(spec).validate(_fill_placeholders(spec, params))
        for error in result.errors:
            prefix = "unsupported option " if isinstance(error, UnsupportedError) else ""
            findings.append(f"{where}: {module}: {prefix}{error}")
    return findings


# --------------------------------------------------------------------------- ps1


def load_ps1_exceptions() -> list[dict[str, str]]:
    import yaml

    data = yaml.safe_load(EXCEPTIONS_FILE.read_text(encoding="utf-8")) or {}
    return list(data.get("exceptions", []))


def ps1_errors(source: bytes) -> list[tuple[int, str]]:
    """(line, source line) of each place tree-sitter PowerShell rejects."""
    import tree_sitter
    import tree_sitter_powershell

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    tree = parser.parse(source)
    lines = source.decode("utf-8", "replace").splitlines()
    errors: list[tuple[int, str]] = []

    def walk(node: Any) -> None:
        if node.is_error or node.is_missing:
            row = node.start_point[0]
            errors.append((row + 1, lines[row] if row < len(lines) else ""))
            return
        if node.has_error:
            for child in node.children:
                walk(child)

    walk(tree.root_node)
    return errors


def check_ps1(root: Path, paths: list[str] | None = None) -> Findings:
    """tree-sitter parse of every PowerShell file; documented exceptions allowed."""
    exceptions = load_ps1_exceptions()
    used = [False] * len(exceptions)
    findings: Findings = []
    files = sorted(p for p in root.rglob("*") if p.suffix in (".ps1", ".psm1") and p.is_file())
    if not files:
        findings.append("no PowerShell files found")
    for path in files:
        for line, text in ps1_errors(path.read_bytes()):
            for i, exc in enumerate(exceptions):
                if re.search(exc["pattern"], text):
                    used[i] = True
                    break
            else:
                where = f"{_rel(root, path)}:{line}"
                findings.append(f"{where}: tree-sitter cannot parse: {text.strip()}")
    if not paths:
        findings.extend(
            f"{EXCEPTIONS_FILE.name}: exception {exc['pattern']!r} matched nothing: remove it"
            for exc, hit in zip(exceptions, used, strict=True)
            if not hit
        )
    return findings


# --------------------------------------------------------------------------- yamllint


def check_yamllint(root: Path, paths: list[str] | None = None) -> Findings:
    proc = _tool(root, "yamllint", "-c", ".yamllint", "-f", "parsable", *(paths or ["."]))
    if proc.returncode == 0:
        return []
    return proc.stdout.splitlines() or [proc.stderr.strip()]


# --------------------------------------------------------------------------- security

_WINRM_TEXT_RULES = [
    (re.compile(r"AllowUnencrypted\W+\$?true", re.I), "allows unencrypted WinRM"),
    (re.compile(r"Transport\s*=\s*['\"]?HTTP\b(?!S)", re.I), "creates a WinRM HTTP listener"),
    (re.compile(r"-Transport\s+['\"]?HTTP\b(?!S)", re.I), "creates a WinRM HTTP listener"),
]


def _falsy(value: Any) -> bool:
    if isinstance(value, bool):
        return not value
    text = str(value).strip().lower()
    return text in ("false", "no", "off", "0", "n") or bool(re.search(r"\b(false|no)\b", text))


def _winrm_value_problem(key: str, value: Any) -> str | None:
    """Why ``key: value`` lets WinRM run over plain HTTP or unvalidated, or None."""
    text = str(value).lower()
    if key in ("ansible_port", "ansible_winrm_port", "ansible_psrp_port") and "5985" in text:
        return "WinRM over plain HTTP (port 5985)"
    if key in ("ansible_winrm_scheme", "ansible_psrp_protocol") and re.search(r"\bhttp\b", text):
        return "WinRM over plain HTTP (scheme http)"
    if key == "ansible_winrm_transport" and "plaintext" in text:
        return "WinRM transport plaintext (basic auth over HTTP)"
    validation = ("ansible_winrm_server_cert_validation", "ansible_psrp_cert_validation")
    if key in validation and "ignore" in text:
        return "WinRM certificate validation disabled"
    if key in ("validate_certs", "ansible_winrm_validate_certs") and _falsy(value):
        return "certificate validation disabled"
    return None


def _walk_mapping(data: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield path, str(key), value
            yield from _walk_mapping(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _walk_mapping(item, f"{path}[{i}]")


def _security_data(root: Path, path: Path) -> Any:
    import yaml

    text = path.read_text(encoding="utf-8")
    if text.startswith("$ANSIBLE_VAULT"):
        from ansible.parsing.vault import VaultLib

        text = VaultLib([("default", _vault_secret(root))]).decrypt(text).decode("utf-8")
    return yaml.safe_load(text)


def check_security(root: Path, paths: list[str] | None = None) -> Findings:
    """Nothing allows WinRM over plain HTTP or without certificate validation.

    Scans every YAML file (vault files decrypted with the example password) for the
    connection variables and ``validate_certs``, every PowerShell file and YAML file for
    WinRM settings that allow unencrypted traffic, then resolves the example inventory's
    connection variables per host: winrm/psrp hosts must say https explicitly.
    """
    findings: Findings = []
    for path in _yaml_files(root):
        rel = _rel(root, path)
        try:
            data = _security_data(root, path)
        except Exception as exc:  # a file we cannot read is itself a finding
            findings.append(f"{rel}: cannot read: {exc}")
            continue
        for where, key, value in _walk_mapping(data):
            problem = _winrm_value_problem(key, value)
            if problem:
                findings.append(f"{rel}: {where + '.' if where else ''}{key}={value!r}: {problem}")
    for path in sorted(root.rglob("*")):
        if path.suffix in (".ps1", ".psm1", ".yml", ".yaml", ".cfg") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            for n, line in enumerate(text.splitlines(), 1):
                for pattern, problem in _WINRM_TEXT_RULES:
                    if pattern.search(line):
                        findings.append(f"{_rel(root, path)}:{n}: {problem}: {line.strip()}")
    findings.extend(_resolved_connection_findings(root))
    return findings


def _resolved_connection_findings(root: Path) -> Findings:
    _ansible_setup(root)
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    from ansible.vars.manager import VariableManager

    loader = DataLoader()
    loader.set_vault_secrets([("default", _vault_secret(root))])
    inventory = InventoryManager(loader=loader, sources=[str(root / INVENTORY)])
    variables = VariableManager(loader=loader, inventory=inventory)
    findings: Findings = []
    for host in inventory.get_hosts("all"):
        hostvars = variables.get_vars(host=host)
        templar = Templar(loader=loader, variables=hostvars)
        connection = str(templar.template(hostvars.get("ansible_connection", "ssh")))
        if connection.split(".")[-1] not in ("winrm", "psrp"):
            continue
        want = (
            {"ansible_winrm_scheme": "https", "ansible_winrm_server_cert_validation": "validate"}
            if connection.endswith("winrm")
            else {"ansible_psrp_protocol": "https", "ansible_psrp_cert_validation": "validate"}
        )
        for key, expected in want.items():
            value = templar.template(hostvars[key]) if key in hostvars else None
            if str(value) != expected:
                where = f"{INVENTORY}: {host.name}"
                findings.append(f"{where}: {key} is {value!r}, must be {expected!r}")
        port = hostvars.get("ansible_port", hostvars.get("ansible_winrm_port", 5986))
        port = templar.template(port)
        if str(port) == "5985":
            findings.append(f"{INVENTORY}: {host.name}: port 5985 is WinRM over plain HTTP")
    return findings


# --------------------------------------------------------------------------- entry points

CHECKS: dict[str, Callable[..., Findings]] = {
    "lint": check_lint,
    "syntax": check_syntax,
    "argspecs": check_argspecs,
    "options": check_options,
    "ps1": check_ps1,
    "yamllint": check_yamllint,
    "security": check_security,
}


def run_check(name: str, root: Path, *paths: str, timeout: int = 600) -> Findings:
    """Run one check on ``root`` in the tool environment's Python; return its findings."""
    proc = subprocess.run(
        [str(TOOLS / "bin" / "python"), str(Path(__file__).resolve()), name, str(root), *paths],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=tool_env(root),
    )
    try:
        findings = json.loads(proc.stdout.strip().splitlines()[-1])["findings"]
    except (IndexError, KeyError, json.JSONDecodeError) as exc:
        message = f"check {name} crashed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
        raise RuntimeError(message) from exc
    return [str(f) for f in findings]


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in CHECKS:
        print(f"usage: checks.py {{{','.join(CHECKS)}}} ANSIBLE_DIR [PATH...]", file=sys.stderr)
        return 2
    findings = CHECKS[argv[0]](Path(argv[1]).resolve(), list(argv[2:]) or None)
    print(json.dumps({"findings": findings}))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
