"""Secret masking in logs and published config files."""

from __future__ import annotations

import configparser
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


def test_values_of_keys_that_only_contain_a_secret_word_are_kept() -> None:
    m = Masker()
    for line in ("paste.filter_factory = keystonemiddleware.auth_token:filter_factory",
                 "password_hash_rounds = 4",
                 "key_repository = /var/lib/winci/fernet-keys",
                 "max_active_keys = 3",
                 "auth_type = password",
                 "use_dynamic_credentials = true",
                 "GET /v2/images?sort_key=name&sort_dir=asc HTTP/1.1",
                 "PWD=/work/main OLDPWD=/tmp"):
        assert m.mask(line) == line


def test_values_of_secret_keys_are_masked_in_every_syntax() -> None:
    m = Masker()
    cases = {
        "memcache_secret_key = abc123": "memcache_secret_key = ********",
        "password = two words  ": "password = ********  ",
        "  admin_password: x1y2z3": "  admin_password: ********",
        "X-Auth-Token: gAAAAAB-tok": "X-Auth-Token: ********",
        '{"password": "pw1", "user": "glance"}': '{"password": "********", "user": "glance"}',
        "{'auth_type': 'password', 'password': 'pw2'}":
            "{'auth_type': 'password', 'password': '********'}",
        "OS_PASSWORD=pw3 MYSQL_PWD=pw4": "OS_PASSWORD=******** MYSQL_PWD=********",
        "hmac_keys = SECRET_KEY": "hmac_keys = ********",
        "/v2?api_key=k1&limit=2": "/v2?api_key=********&limit=2",
    }
    for text, masked in cases.items():
        assert m.mask(text) == masked, text


PASTE_INI = """\
# a paste pipeline like Glance's etc/glance-api-paste.ini
[pipeline:glance-api-keystone]
pipeline = cors healthcheck versionnegotiation authtoken context rootapp

[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app

[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true

[filter:osprofiler]
paste.filter_factory = osprofiler.web:WsgiMiddleware.factory
hmac_keys = not-a-real-key
enabled = yes
"""


def test_a_masked_paste_ini_loads_with_the_same_non_secret_values(tmp_path: Path) -> None:
    src = tmp_path / "glance-api-paste.ini"
    src.write_text(PASTE_INI, encoding="utf-8")
    dest = Masker().mask_file(src, tmp_path / "out" / "glance-api-paste.ini")

    def load(path: Path) -> dict[str, dict[str, str]]:
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(path, encoding="utf-8")
        return {s: dict(parser[s]) for s in parser.sections()}

    before, after = load(src), load(dest)
    assert after["filter:authtoken"]["paste.filter_factory"] == \
        "keystonemiddleware.auth_token:filter_factory"
    assert after["filter:osprofiler"]["hmac_keys"] == MASK
    del before["filter:osprofiler"]["hmac_keys"], after["filter:osprofiler"]["hmac_keys"]
    assert after == before
