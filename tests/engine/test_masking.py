"""Secret masking in logs and published config files."""

from __future__ import annotations

from pathlib import Path

from winci.masking import MASK, Masker


def test_known_secret_and_secret_fields_are_masked() -> None:
    m = Masker(["Sup3rS3cret"])
    text = m.mask("token Sup3rS3cret\npassword = other-pw\nadmin_password: x1y2z3\n")
    assert "Sup3rS3cret" not in text and "other-pw" not in text and "x1y2z3" not in text
    assert text.count(MASK) == 3


def test_urls_with_credentials_are_masked() -> None:
    m = Masker()
    text = m.mask("connection = mysql+pymysql://glance:pw-in-url@127.0.0.1:3306/glance")
    assert "pw-in-url" not in text
    assert "mysql+pymysql://glance:" in text and "@127.0.0.1:3306/glance" in text


def test_ordinary_text_is_left_alone() -> None:
    m = Masker()
    line = "glance.tests.unit.test_auth.TestKeystoneAuthPlugin.test_get_plugin ... ok"
    assert m.mask(line) == line


def test_mask_file_writes_a_masked_copy(tmp_path: Path) -> None:
    src = tmp_path / "glance-api.conf"
    src.write_text("[keystone_authtoken]\npassword = abcdefgh\nusername = glance\n")
    dest = Masker().mask_file(src, tmp_path / "out" / "glance-api.conf")
    assert "abcdefgh" not in dest.read_text()
    assert "username = glance" in dest.read_text()
    assert "abcdefgh" in src.read_text()
