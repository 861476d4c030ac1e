"""The MSI's properties as the install step reads them: KEY=VALUE lines from the custom
action, each checked before anything is written, one line per bad value that never
holds a secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from glance_windows_service import settings as settings_mod
from glance_windows_service.settings import (
    PROPERTIES,
    SettingsError,
    from_values,
    parse_lines,
    secret_values,
)

PASSWORD = "Sw0rdfish-$1@x"
DB_PASSWORD = "db p@ss%/1"
DB_URL = "mysql+pymysql://glance:db%20p%40ss%25%2F1@db01/glance"
GOOD = {
    "INSTALLDIR": "C:\\Program Files\\OpenStack\\Glance\\",
    "DATABASE_URL": DB_URL,
    "KEYSTONE_URL": "http://keystone01:5000/",
    "GLANCE_PASSWORD": PASSWORD,
    "IMAGE_STORE": r"\\sofs01\glance$\images",
}


def test_defaults_fill_what_is_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_mod.socket, "getfqdn", lambda: "glance01.example.org")
    s = from_values(GOOD)
    assert s.install_dir == Path("C:\\Program Files\\OpenStack\\Glance")
    assert (s.glance_user, s.glance_project, s.workers, s.port, s.bind_host) == (
        "glance", "service", 2, 9292, "0.0.0.0")
    assert s.keystone_url == "http://keystone01:5000"
    assert s.public_url == "http://glance01.example.org:9292"
    assert s.scrubber is False
    assert s.image_store == r"\\sofs01\glance$\images"


def test_given_values_win_and_are_trimmed() -> None:
    s = from_values({**GOOD, "WORKERS": " 8 ", "PORT": "19292", "BIND_HOST": "10.0.0.5",
                     "GLANCE_USER": "glance-win", "SCRUBBER": "1", "UNKNOWN": "ignored",
                     "PUBLIC_URL": "https://images.example.org/"})
    assert (s.workers, s.port, s.bind_host, s.glance_user, s.scrubber) == (
        8, 19292, "10.0.0.5", "glance-win", True)
    assert s.public_url == "https://images.example.org"


def test_public_url_of_an_ipv6_bind_address_has_brackets() -> None:
    assert from_values({**GOOD, "BIND_HOST": "fd00::5"}).public_url == "http://[fd00::5]:9292"


def test_an_empty_property_takes_its_default() -> None:
    # msiexec gives every property of the custom action's data, empty when not set
    s = from_values({**GOOD, "WORKERS": "", "GLANCE_USER": "  "})
    assert (s.workers, s.glance_user) == (int(PROPERTIES["WORKERS"]), "glance")


@pytest.mark.parametrize("change,message", [
    ({"DATABASE_URL": "", "IMAGE_STORE": ""},
     "missing properties DATABASE_URL, IMAGE_STORE: give DATABASE_URL=... IMAGE_STORE=..."),
    ({"GLANCE_PASSWORD": ""}, "missing property GLANCE_PASSWORD: give GLANCE_PASSWORD=..."),
    ({"DATABASE_URL": "postgresql://glance:x@db/glance"}, "must start with mysql+pymysql://"),
    ({"KEYSTONE_URL": "keystone01:5000"}, "KEYSTONE_URL='keystone01:5000': give an http://"),
    ({"PUBLIC_URL": "ftp://x"}, "PUBLIC_URL='ftp://x': give an http://"),
    ({"WORKERS": "0"}, "WORKERS='0': give a whole number from 1 to 64"),
    ({"WORKERS": "two"}, "WORKERS='two': give a whole number"),
    ({"PORT": "70000"}, "PORT='70000': give a whole number from 1 to 65535"),
    ({"SCRUBBER": "yes"}, "SCRUBBER='yes': give 1"),
    ({"IMAGE_STORE": "images"}, "IMAGE_STORE='images': give a full Windows path"),
    ({"IMAGE_STORE": "/srv/images"}, "IMAGE_STORE='/srv/images': give a full Windows path"),
    ({"INSTALLDIR": "Glance"}, "INSTALLDIR='Glance': give a full Windows path"),
    ({"BIND_HOST": "not a host"}, "BIND_HOST='not a host': give an IP address"),
    ({"GLANCE_PASSWORD": "two\tparts"}, "GLANCE_PASSWORD holds a control character"),
])
def test_bad_values_are_one_line_naming_the_property(change: dict[str, str],
                                                     message: str) -> None:
    with pytest.raises(SettingsError) as info:
        from_values({**GOOD, **change})
    text = str(info.value)
    assert message in text and "\n" not in text
    for secret in secret_values({**GOOD, **change}):
        assert secret not in text


def test_lines_are_parsed_as_the_custom_action_sends_them() -> None:
    data = ("INSTALLDIR=C:\\Glance\\\r\nDATABASE_URL=sqlite://\r\n\r\n"
            "glance_password=a=b==\r\nPUBLIC_URL=\r\n")
    assert parse_lines(data.splitlines()) == {
        "INSTALLDIR": "C:\\Glance\\", "DATABASE_URL": "sqlite://",
        "GLANCE_PASSWORD": "a=b==", "PUBLIC_URL": ""}


@pytest.mark.parametrize("value", ["first\nsecond", "first\nPORT=1"])
def test_a_value_with_a_line_break_is_an_error_not_another_property(value: str) -> None:
    data = f"PORT=9292\nGLANCE_PASSWORD={value}\n"
    with pytest.raises(SettingsError) as info:
        parse_lines(data.splitlines())
    assert "line break" in str(info.value)
    assert "second" not in str(info.value)


def test_secrets_are_the_secret_properties_and_the_url_password_both_ways() -> None:
    found = secret_values(GOOD)
    assert set(found) == {PASSWORD, DB_URL, "db%20p%40ss%25%2F1", DB_PASSWORD}
    assert found == sorted(found, key=len, reverse=True)  # longest masked first
    assert from_values(GOOD).secrets() == found


def test_a_password_with_an_unencoded_at_sign_is_one_secret() -> None:
    found = secret_values({"DATABASE_URL": "mysql+pymysql://glance:p@ss@db01/glance"})
    assert "p@ss" in found


def test_no_secret_is_an_empty_string() -> None:
    assert secret_values({"DATABASE_URL": "sqlite://", "GLANCE_PASSWORD": ""}) == [
        "sqlite://"]
