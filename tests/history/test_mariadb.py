"""The history on a real MariaDB server (a private mariadbd on a free 127.0.0.1 port)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import URL, select

from tests.history.runs import make_run_dir
from tests.history.test_analysis import BROKE, NIGHTS, WOBBLY, _load_nights
from tests.results.streams import mixed_stream, write_stream
from winci.cli import main
from winci.history import History, import_stream, lane_findings
from winci.history.models import TEST_ID_LEN, Base, TestResult
from winci.procs import Runner
from winci.stack.mariadb import Database, MariaDBServer, server_binary

pytestmark = pytest.mark.skipif(server_binary() is None, reason="mariadb-server not installed")


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDBServer]:
    base = tmp_path_factory.mktemp("mariadb")
    with Runner(base / "logs", run_id="test-history-mariadb") as runner:
        server = MariaDBServer(runner, base / "server")
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def url(mariadb: MariaDBServer, request: pytest.FixtureRequest) -> str:
    name = "h_" + request.node.name.replace("test_", "")[:40]
    # a '%' and an '@' in the password: the URL must reach Alembic without interpolation
    mariadb.create_database(Database(name, "winci_hist", "hist-pw%@x"))
    return URL.create("mysql+pymysql", "winci_hist", "hist-pw%@x", "127.0.0.1", mariadb.port,
                      name).render_as_string(hide_password=False)


def test_migrations_match_models_on_mysql(url: str) -> None:
    with History(url) as history:
        assert history.engine.dialect.name == "mysql"
        with history.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert "hist-pw" not in history.safe_url
    History(url).close()  # second open: nothing to migrate


def test_import_stream_and_long_ids(url: str, tmp_path: Path) -> None:
    long_id = "glance.tests.unit.T.test_" + "x" * (TEST_ID_LEN - 25) + "[id-1,smoke]"
    stream = write_stream(tmp_path / "long.subunit", [(long_id, "success", 0.1, {})])
    with History(url) as history:
        import_stream(history, mixed_stream(tmp_path / "s.subunit"), run_id="mixed")
        import_stream(history, stream, run_id="long")
        with history.session() as s:
            ids = set(s.scalars(select(TestResult.test_id)))
            attrs = set(s.scalars(select(TestResult.attrs)))
    assert len(ids) == 9
    assert long_id[: -len("[id-1,smoke]")] in ids and "[id-1,smoke]" in attrs


def test_regressions_and_compare_on_mysql(url: str, tmp_path: Path, capsys) -> None:
    _load_nights(tmp_path, url)
    with History(url) as history:
        found = lane_findings(history, "unit", last=len(NIGHTS), kind="nightly")
    broke = next(r for r in found.regressions if r.test_id == BROKE)
    assert broke.first_failed_run == "nightly-2026-11-22"
    assert WOBBLY in {t for _, t in found.flaky}
    assert main(["compare", "nightly-2026-11-21", "nightly-2026-11-22", "--db-url", url,
                 "--fail-on-new"]) == 1
    assert f"unit  {BROKE}" in capsys.readouterr().out
    run_dir = make_run_dir(tmp_path, "run-x", "2026-11-25T01:00:00Z",
                           {"unit": [(BROKE, "success", 0.5)]})
    assert main(["history", "add", str(run_dir), "--db-url", url]) == 0
    assert main(["history", "list", "--db-url", url, "--limit", "1"]) == 0
    assert "run-x" in capsys.readouterr().out
