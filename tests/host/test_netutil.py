"""Port allocation: distinct, outside the ephemeral range, and a clear error on bad input."""

from __future__ import annotations

import socket

import pytest

from winci.errors import InfraError, UsageError
from winci.host import netutil


def test_ports_are_distinct_and_inside_the_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(netutil.PORT_RANGE_VAR, "21000-21039")
    monkeypatch.setattr(netutil, "_given", set())
    ports = [netutil.free_port() for _ in range(30)]
    assert len(set(ports)) == 30
    assert all(21000 <= p <= 21039 for p in ports)


def test_default_range_is_below_the_ephemeral_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(netutil.PORT_RANGE_VAR, raising=False)
    _low, high = netutil.port_range()
    assert high < 32768  # Linux's default ip_local_port_range starts there; Windows at 49152


def test_a_listening_port_is_never_given(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((netutil.LOOPBACK, 0))
        s.listen()
        taken = s.getsockname()[1]
        monkeypatch.setenv(netutil.PORT_RANGE_VAR, f"{taken}-{taken + 1}")
        monkeypatch.setattr(netutil, "_given", set())
        if not netutil._bindable(taken + 1):
            pytest.skip("the neighbouring port is taken too")
        assert netutil.free_port() == taken + 1


def test_exhausted_range_is_an_infrastructure_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(netutil.PORT_RANGE_VAR, "21100-21101")
    monkeypatch.setattr(netutil, "_given", {21100, 21101})
    with pytest.raises(InfraError, match="no free TCP port"):
        netutil.free_port()


@pytest.mark.parametrize("value", ["abc", "30000", "30000-20000", "80-90", "1024-70000"])
def test_bad_range_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(netutil.PORT_RANGE_VAR, value)
    with pytest.raises(UsageError, match="WINCI_PORT_RANGE"):
        netutil.port_range()
