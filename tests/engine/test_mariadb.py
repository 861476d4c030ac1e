"""The private MariaDB server: starts on a free loopback port, provisions, stops."""

from __future__ import annotations

from pathlib import Path

import pymysql
import pytest

from winci.host.netutil import port_in_use
from winci.procs import Runner
from winci.stack.mariadb import Database, MariaDBServer, server_binary

pytestmark = pytest.mark.skipif(server_binary() is None, reason="mariadb-server not installed")


def test_private_server_provisions_and_stops(tmp_path: Path) -> None:
    with Runner(tmp_path / "logs", run_id="test-mariadb") as runner:
        server = MariaDBServer(runner, tmp_path / "mysql")
        server.start()
        try:
            server.create_database(Database("glance", "glance", "s3cret-pw"))
            conn = pymysql.connect(host="127.0.0.1", port=server.port, user="glance",
                                   password="s3cret-pw", database="glance")
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                assert cur.fetchone() == (1,)
            conn.close()
        finally:
            server.stop()
        assert not port_in_use(server.port)
    # the password given on stdin never reaches the log
    logs = "".join(p.read_text() for p in (tmp_path / "logs").glob("*.log"))
    assert "s3cret-pw" not in logs
