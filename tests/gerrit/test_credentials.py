"""Where Gerrit credentials come from, and that errors never quote them."""

from __future__ import annotations

import json
import logging
import os
import sys

import pytest

from winci.errors import ConfigError
from winci.gerrit.credentials import load_credentials
from winci.masking import GLOBAL_MASKER

URL = "https://review.example.test"


def test_file_yaml(tmp_path):
    path = tmp_path / "gerrit.yaml"
    path.write_text(f"url: {URL}/\nusername: ci-bot\npassword: file-pw-wincitest-6\n")
    creds = load_credentials(path, environ={})
    assert (creds.url, creds.username, creds.password) == (URL, "ci-bot", "file-pw-wincitest-6")
    assert creds.source == str(path)
    assert "file-pw-wincitest-6" not in repr(creds)
    assert "file-pw-wincitest-6" in GLOBAL_MASKER.secrets


def test_file_json_and_url_override(tmp_path):
    path = tmp_path / "gerrit.json"
    path.write_text(json.dumps({"url": URL, "user": "ci-bot", "password": "json-pw-wincitest-7"}))
    creds = load_credentials(path, url="http://127.0.0.1:8080/a/",
                             environ={"WINCI_GERRIT_URL": "https://ignored.test"})
    assert creds.url == "http://127.0.0.1:8080"  # /a/ is added per request
    assert creds.username == "ci-bot"


def test_environment_and_precedence(tmp_path):
    env = {"WINCI_GERRIT_URL": URL, "WINCI_GERRIT_USER": "env-bot",
           "WINCI_GERRIT_PASSWORD": "env-pw-wincitest-5"}
    default = tmp_path / "default.yaml"
    default.write_text("url: https://default.test\nusername: d\npassword: default-pw-wincitest-3\n")
    creds = load_credentials(environ=env, default_path=default)
    assert (creds.username, creds.source) == ("env-bot", "environment")
    # The default file is the fallback.
    creds = load_credentials(environ={}, default_path=default)
    assert (creds.url, creds.username) == ("https://default.test", "d")
    # A file named in the environment wins over user/password variables.
    named = tmp_path / "named.yaml"
    named.write_text(f"url: {URL}\nusername: named\npassword: named-pw-wincitest-4\n")
    creds = load_credentials(environ={**env, "WINCI_GERRIT_CREDENTIALS": str(named)},
                             default_path=default)
    assert creds.username == "named"


@pytest.mark.parametrize(("env", "message"), [
    ({}, "no Gerrit credentials"),
    ({"WINCI_GERRIT_USER": "x"}, "set both WINCI_GERRIT_USER and WINCI_GERRIT_PASSWORD"),
    ({"WINCI_GERRIT_USER": "x", "WINCI_GERRIT_PASSWORD": "y-pw-wincitest-2"}, "no Gerrit URL"),
    ({"WINCI_GERRIT_URL": "ftp://x", "WINCI_GERRIT_USER": "x",
      "WINCI_GERRIT_PASSWORD": "y-pw-wincitest-2"}, "is not an http(s) URL"),
])
def test_missing_or_bad_settings(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_credentials(environ=env, default_path=tmp_path / "absent.yaml")


def test_url_with_password_is_refused_and_masked(tmp_path):
    env = {"WINCI_GERRIT_URL": "https://bot:url-pw-wincitest-8@review.test",
           "WINCI_GERRIT_USER": "x", "WINCI_GERRIT_PASSWORD": "y-pw-wincitest-2"}
    with pytest.raises(ConfigError, match="must not hold a username or password") as info:
        load_credentials(environ=env)
    assert "url-pw-wincitest-8" not in str(info.value)
    assert "url-pw-wincitest-8" in GLOBAL_MASKER.secrets


def test_file_errors_do_not_quote_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("url: https://x.test\npassword: [broken-pw-wincitest-9\n")
    with pytest.raises(ConfigError, match="not valid YAML at line") as info:
        load_credentials(path, environ={})
    assert "broken-pw-wincitest-9" not in str(info.value)
    path.write_text("url: https://x.test\nusername: u\npasword: typo-pw-wincitest-10\n")
    with pytest.raises(ConfigError, match="unknown keys: pasword") as info:
        load_credentials(path, environ={})
    assert "typo-pw-wincitest-10" not in str(info.value)
    with pytest.raises(ConfigError, match="does not exist"):
        load_credentials(tmp_path / "missing.yaml", environ={})
    path.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_credentials(path, environ={})


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX mode bits")
def test_warns_when_others_can_read_the_file(tmp_path, caplog):
    path = tmp_path / "gerrit.yaml"
    path.write_text(f"url: {URL}\nusername: u\npassword: mode-pw-wincitest-11\n")
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING):
        load_credentials(path, environ={})
    assert "can be read by other users" in caplog.text
    caplog.clear()
    os.chmod(path, 0o600)
    with caplog.at_level(logging.WARNING):
        load_credentials(path, environ={})
    assert caplog.text == ""
