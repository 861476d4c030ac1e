"""The Windows images' PowerShell helper parses (tree-sitter PowerShell, from the ansible
tool environment): checked statically, not run on Windows."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import REPO, tool_bin

PARSE = """\
import sys, tree_sitter, tree_sitter_powershell
parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
for path in sys.argv[1:]:
    with open(path, 'rb') as f:
        print(path, 'ERROR' if parser.parse(f.read()).root_node.has_error else 'ok')
"""


def _parse(*paths: str) -> str:
    python = tool_bin("ansible", "python")
    out = subprocess.run([str(python), "-c", PARSE, *paths], capture_output=True, text=True,
                         timeout=60, check=True)
    return out.stdout


def test_winci_install_ps1_parses(tmp_path: Path) -> None:
    script = REPO / "dockerfiles" / "base" / "winci-install.ps1"
    broken = tmp_path / "broken.ps1"
    broken.write_text(script.read_text().replace("if ($item.PSIsContainer) {",
                                                 "if ($item.PSIsContainer {"))
    assert _parse(str(script), str(broken)).split() == [str(script), "ok", str(broken), "ERROR"]
