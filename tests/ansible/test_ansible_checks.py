"""The static checks of ansible/ pass, and each one catches a mistake planted in a copy.

Each check runs in the tool environment .venv-tools/ansible (made by scripts/test from
requirements/tools-ansible.txt, collections installed by scripts/test.d/ansible.sh); the
logic is in tests/ansible/checks.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.ansible import checks
from tests.conftest import tool_bin

ANSIBLE = checks.REPO / "ansible"


@pytest.fixture(scope="module", autouse=True)
def _tools() -> None:
    tool_bin("ansible", "ansible-lint")
    if not (checks.TOOL_COLLECTIONS / "ansible_collections" / "ansible" / "windows").is_dir():
        reason = "collections missing: run scripts/test (scripts/test.d/ansible.sh installs them)"
        if os.environ.get("WINCI_REQUIRE_TOOLS"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of ansible/ to plant mistakes in."""
    dest = tmp_path / "ansible"
    shutil.copytree(ANSIBLE, dest)
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def assert_caught(findings: list[str], *patterns: str) -> None:
    assert findings, "the planted mistake was not caught"
    for pattern in patterns:
        assert any(re.search(pattern, f) for f in findings), (pattern, findings)


# ------------------------------------------------------------------ the real tree passes


@pytest.mark.parametrize("name", ["syntax", "argspecs", "options", "ps1", "yamllint", "security"])
def test_check_passes(name: str) -> None:
    assert checks.run_check(name, ANSIBLE) == []


def test_lint_production_profile_passes() -> None:
    assert checks.run_check("lint", ANSIBLE) == []


def test_every_role_has_argument_specs_and_readme() -> None:
    roles = sorted(p.name for p in (ANSIBLE / "roles").iterdir())
    assert len(roles) >= 7
    for role in roles:
        assert (ANSIBLE / "roles" / role / "meta" / "argument_specs.yml").is_file()
        assert (ANSIBLE / "roles" / role / "README.md").is_file()


def test_every_winci_module_has_logic_docs_and_pester_tests() -> None:
    coll = ANSIBLE / "collections" / "ansible_collections" / "winci" / "hyperv"
    modules = sorted(p.stem for p in (coll / "plugins" / "modules").glob("*.ps1"))
    assert modules == [
        "ca_share",
        "cluster",
        "csv_volume",
        "s2d",
        "smb_global_mapping",
        "sofs_role",
    ]
    docs = checks.module_docs(ANSIBLE, [f"winci.hyperv.{m}" for m in modules])
    pester = " ".join(p.read_text() for p in (coll / "tests" / "pester").glob("*.Tests.ps1"))
    for module in modules:
        ps1 = (coll / "plugins" / "modules" / f"{module}.ps1").read_text()
        assert "supports_check_mode = $true" in ps1
        assert "#AnsibleRequires -CSharpUtil Ansible.Basic" in ps1
        # Every option of the spec is documented, and nothing more.
        spec_block = ps1.split("options = @{", 1)[1].split("\n    }", 1)[0]
        spec_names = set(re.findall(r"^\s+(\w+) = @\{", spec_block, re.M))
        doc = docs[f"winci.hyperv.{module}"]["doc"]
        assert spec_names == set(doc["options"]), module
        assert docs[f"winci.hyperv.{module}"]["examples"]
        assert docs[f"winci.hyperv.{module}"]["return"]
        # The logic function it calls has Pester tests, with a check-mode case.
        function = re.search(r"^(Invoke-Winci\w+) -Module \$module", ps1, re.M)
        assert function, module
        assert f"Describe '{function.group(1)}'" in pester
    assert pester.count("-CheckMode") >= len(modules)


def test_ps1_exceptions_are_real_tree_sitter_rejections(tmp_path: Path) -> None:
    """Each documented exception's example is valid PowerShell the grammar rejects."""
    python = tool_bin("ansible", "python")
    for exc in checks.load_ps1_exceptions():
        assert exc["reason"].strip()
        assert re.search(exc["pattern"], exc["example"])
        sample = tmp_path / "sample.ps1"
        sample.write_text(exc["example"] + "\n")
        code = (
            "import sys; from tests.ansible import checks; "
            "print(len(checks.ps1_errors(open(sys.argv[1], 'rb').read())))"
        )
        out = subprocess.run(
            [str(python), "-c", code, str(sample)],
            cwd=checks.REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert int(out) > 0, exc


def test_vault_is_encrypted_and_password_marked_example() -> None:
    vault = ANSIBLE / "inventories" / "example" / "group_vars" / "all" / "vault.yml"
    assert vault.read_text().startswith("$ANSIBLE_VAULT;1.1;AES256")
    readme = (ANSIBLE / "inventories" / "example" / "README.md").read_text()
    assert "EXAMPLE ONLY" in readme


def test_requirements_pin_exact_versions() -> None:
    import yaml

    reqs = yaml.safe_load((ANSIBLE / "requirements.yml").read_text())["collections"]
    names = {r["name"]: r["version"] for r in reqs}
    assert set(names) == {"ansible.windows", "community.windows", "microsoft.ad"}
    for version in names.values():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    # scripts/test.d/ansible.sh installed exactly these for the checks.
    for name, version in names.items():
        manifest = checks.TOOL_COLLECTIONS / "ansible_collections" / name.replace(".", "/")
        info = json.loads((manifest / "MANIFEST.json").read_text())["collection_info"]
        assert info["version"] == version, name


# ------------------------------------------------------------------ planted mistakes
#
# Each mistake is planted in a copy of ansible/ and must be reported by its check. The
# mistakes of one check sit in different places, so they share one copy and one run of the
# check (a run costs seconds); each still has its own test and its own expected finding.

Plant = tuple[str, str, str, str]  # (file, old text, new text, finding expected)
NODE_TASKS = "roles/node_cleanup/tasks/main.yml"
SOFS_TASKS = "roles/sofs/tasks/main.yml"
HYPERV_VARS = "inventories/example/group_vars/hyperv_hosts/main.yml"
WINRM_VARS = "inventories/example/group_vars/windows/winrm.yml"
PSM1 = "collections/ansible_collections/winci/hyperv/plugins/module_utils/WinciHyperV.psm1"

PLANTS: dict[str, dict[str, Plant]] = {
    "lint": {
        "short module name": (NODE_TASKS, "ansible.windows.win_file:", "win_file:", r"fqcn"),
    },
    "syntax": {
        "unknown module": (
            "roles/s2d_storage/tasks/main.yml",
            "winci.hyperv.csv_volume:",
            "winci.hyperv.csv_volumes:",
            r"syntax check of .*csv_volumes",
        ),
        "playbook missing": ("cleanup.yml", "", "", r"cleanup\.yml: playbook missing"),
    },
    "argspecs": {
        "wrong type in inventory": (
            HYPERV_VARS,
            "size_gb: 1024",
            "size_gb: a lot",
            r"role s2d_storage on hv01.*size_gb",
        ),
        "bad choice in inventory": (
            HYPERV_VARS,
            "failover_cluster_witness_type: file_share",
            "failover_cluster_witness_type: disk",
            r"role failover_cluster on hv01.*failover_cluster_witness_type.*one of",
        ),
        "required variable missing": (
            HYPERV_VARS,
            "sofs_share_path:",
            "sofs_share_pth:",
            r"role sofs on hv01.*sofs_share_path",
        ),
        "default not declared in the spec": (
            "roles/node_cleanup/defaults/main.yml",
            "node_cleanup_docker:",
            "node_cleanup_extra: 1\nnode_cleanup_docker:",
            r"node_cleanup: default node_cleanup_extra",
        ),
        "Ansible's own role validation reports it too (hv02 host_vars)": (
            "inventories/example/host_vars/hv02.example.test.yml",
            "",
            "---\nhyperv_host_reboot_timeout: soon\n",
            r"ansible role validation on hv02\.example\.test: .*hyperv_host_reboot_timeout",
        ),
        "role README missing": (
            "roles/ci_node/README.md",
            "",
            "",
            r"roles/ci_node: README\.md missing",
        ),
    },
    "options": {
        "unknown option": (
            NODE_TASKS,
            "    state: absent",
            "    state: absent\n    recurse: true",
            r"win_file: unsupported option recurse",
        ),
        "bad choice": (
            NODE_TASKS,
            "    state: directory",
            "    state: folder",
            r"win_file: value of state",
        ),
        "missing required option": (
            SOFS_TASKS,
            "        rights: Modify\n",
            "",
            r"win_acl: missing required arguments: rights",
        ),
        "bad flag in a flags option": (
            SOFS_TASKS,
            "inherit: ContainerInherit, ObjectInherit",
            "inherit: ContainerInherit, Bogus",
            r"win_acl: inherit: \['Bogus'\]",
        ),
        "winci module option typo": (
            SOFS_TASKS,
            "    continuously_available: true",
            "    continuous_availability: true",
            r"winci\.hyperv\.ca_share: unsupported option continuous_availability",
        ),
        "wrong type for a winci module": (
            "roles/container_host/tasks/main.yml",
            "    require_privacy: true",
            "    require_privacy: sometimes",
            r"smb_global_mapping: .*require_privacy",
        ),
        "winci module docs drift from its .ps1 spec (type)": (
            "collections/ansible_collections/winci/hyperv/plugins/modules/csv_volume.py",
            "Required with O(state=present).\n    type: int",
            "Required with O(state=present).\n    type: str",
            r"winci\.hyperv\.csv_volume: option size_gb: type is 'int' in the \.ps1 spec, 'str'",
        ),
        "winci module docs drift from its .ps1 spec (default)": (
            "collections/ansible_collections/winci/hyperv/plugins/modules/smb_global_mapping.ps1",
            "require_privacy = @{ type = 'bool'; default = $true }",
            "require_privacy = @{ type = 'bool'; default = $false }",
            r"smb_global_mapping: option require_privacy: default is False in the \.ps1 spec, True",
        ),
        "winci module option not documented": (
            "collections/ansible_collections/winci/hyperv/plugins/modules/sofs_role.ps1",
            "        name = @{ type = 'str'; required = $true }",
            "        name = @{ type = 'str'; required = $true }\n        owner = @{ type = 'str' }",
            r"winci\.hyperv\.sofs_role: option owner is in the \.ps1 spec, not documented",
        ),
        "unknown winci module": (
            "roles/s2d_storage/tasks/main.yml",
            "winci.hyperv.s2d:",
            "winci.hyperv.s2d_enable:",
            r"winci\.hyperv\.s2d_enable: no such module",
        ),
    },
    "ps1": {
        "unbalanced parenthesis": (
            PSM1,
            "    if ($null -eq $resource) {",
            "    if ($null -eq $resource {",
            r"WinciHyperV\.psm1:\d+: tree-sitter cannot parse",
        ),
        "exception no longer needed": (
            PSM1,
            "[int64]$p.size_gb * 1GB",
            "[int64]$p.size_gb * 1073741824",
            r"matched nothing: remove it",
        ),
    },
    "yamllint": {
        "trailing spaces": (
            "cleanup.yml",
            "  gather_facts: false",
            "  gather_facts: false   ",
            r"cleanup\.yml:\d+:\d+: \[error\] trailing spaces",
        ),
    },
    "security": {
        "port 5985": (WINRM_VARS, "ansible_port: 5986", "ansible_port: 5985", r"port 5985"),
        "transport plaintext": (
            WINRM_VARS,
            "ansible_winrm_transport: ntlm",
            "ansible_winrm_transport: plaintext",
            r"transport plaintext",
        ),
        "cert validation templated to ignore": (
            WINRM_VARS,
            "ansible_winrm_server_cert_validation: validate",
            "ansible_winrm_server_cert_validation: \"{{ winrm_validation | default('ignore') }}\"",
            r"group_vars/windows/winrm\.yml: ansible_winrm_server_cert_validation=.*disabled",
        ),
        "scheme left out": (
            WINRM_VARS,
            "ansible_winrm_scheme: https\n",
            "",
            r"hv01\.example\.test: ansible_winrm_scheme is None, must be 'https'",
        ),
        "cert validation ignore in host_vars": (
            "inventories/example/host_vars/hv02.example.test.yml",
            "",
            "---\nansible_winrm_server_cert_validation: ignore\n",
            r"host_vars/hv02\.example\.test\.yml: .*certificate validation disabled",
        ),
        "scheme http in host_vars": (
            "inventories/example/host_vars/hv03.example.test.yml",
            "",
            "---\nansible_winrm_scheme: http\n",
            r"host_vars/hv03\.example\.test\.yml: ansible_winrm_scheme='http'",
        ),
        "psrp over http in host_vars": (
            "inventories/example/host_vars/ci01.example.test.yml",
            "",
            "---\nansible_psrp_protocol: http\n",
            r"host_vars/ci01\.example\.test\.yml: ansible_psrp_protocol='http'",
        ),
        "validate_certs false on a download": (
            "roles/ci_node/tasks/main.yml",
            "        force: false\n",
            "        force: false\n        validate_certs: false\n",
            r"ci_node/tasks/main\.yml: .*validate_certs=False: certificate validation disabled",
        ),
        "AllowUnencrypted in a script": (
            "roles/ci_node/files/winrm-cert-mapping.ps1",
            "$ErrorActionPreference = 'Stop'",
            "$ErrorActionPreference = 'Stop'\n"
            "Set-Item WSMan:\\localhost\\Service\\AllowUnencrypted $true",
            r"winrm-cert-mapping\.ps1:\d+: allows unencrypted WinRM",
        ),
        "ignore hidden in a vault file": (
            "inventories/example/group_vars/windows/secret.yml",
            "",
            "vault:---\nansible_winrm_server_cert_validation: ignore\n",
            r"group_vars/windows/secret\.yml: ansible_winrm_server_cert_validation='ignore'",
        ),
    },
}
LINT_PATHS = {"lint": ["roles/node_cleanup"]}


def plant(root: Path, file: str, old: str, new: str) -> None:
    """Apply one planted mistake: edit a file, delete it (new == ""), or create it."""
    path = root / file
    if not old and not new:
        path.unlink()
    elif not old:
        path.parent.mkdir(parents=True, exist_ok=True)
        if new.startswith("vault:"):
            encrypt_example_vault(root, new.removeprefix("vault:"), path)
        else:
            path.write_text(new, encoding="utf-8")
    else:
        edit(path, old, new)


def encrypt_example_vault(root: Path, text: str, dest: Path) -> None:
    plain = dest.with_suffix(".plain")
    plain.write_text(text, encoding="utf-8")
    subprocess.run(
        [
            str(tool_bin("ansible", "ansible-vault")),
            "encrypt",
            "--vault-password-file",
            str(root / checks.VAULT_PASSWORD_FILE),
            "--output",
            str(dest),
            str(plain),
        ],
        check=True,
        capture_output=True,
        env={k: v for k, v in checks.tool_env(root).items() if k != "ANSIBLE_VAULT_PASSWORD_FILE"},
    )
    plain.unlink()
    assert dest.read_text().startswith("$ANSIBLE_VAULT")


_PLANTED: dict[str, list[str]] = {}


def planted_findings(check: str, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Findings of ``check`` on a copy of ansible/ with all of that check's mistakes."""
    if check not in _PLANTED:
        root = tmp_path_factory.mktemp(f"planted-{check}") / "ansible"
        shutil.copytree(ANSIBLE, root)
        for file, old, new, _ in PLANTS[check].values():
            plant(root, file, old, new)
        _PLANTED[check] = checks.run_check(check, root, *LINT_PATHS.get(check, []))
    return _PLANTED[check]


@pytest.mark.parametrize(
    ("check", "mistake"),
    [(check, mistake) for check, plants in PLANTS.items() for mistake in plants],
)
def test_check_catches_planted_mistake(
    check: str, mistake: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    expected = PLANTS[check][mistake][3]
    findings = planted_findings(check, tmp_path_factory)
    assert any(re.search(expected, f) for f in findings), (mistake, expected, findings)


def test_each_planted_mistake_alone_is_caught_by_its_check(tmp_path: Path) -> None:
    """Not only the group: one mistake on its own, in a fresh copy, makes the check fail."""
    root = tmp_path / "ansible"
    shutil.copytree(ANSIBLE, root)
    file, old, new, expected = PLANTS["security"]["scheme left out"]
    plant(root, file, old, new)
    findings = checks.run_check("security", root)
    assert findings and all("ansible_winrm_scheme" in f for f in findings), findings
    assert any(re.search(expected, f) for f in findings)
