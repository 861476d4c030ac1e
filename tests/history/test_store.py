"""The history database on SQLite: migrations, stream and run-folder imports, the CLI."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from tests.history.runs import make_run_dir
from tests.results.streams import mixed_stream
from winci.cli import main
from winci.errors import UsageError
from winci.history import History, import_run, import_stream
from winci.history.models import Base, Lane, Run, TestResult

DNS = "glance.tests.unit.test_env.TestEnv.test_needs_dns"


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'h.sqlite').as_posix()}"


def test_open_migrates_to_the_models(tmp_path: Path) -> None:
    with History(_url(tmp_path)) as history:
        names = set(inspect(history.engine).get_table_names())
        assert {"runs", "lanes", "test_results", "alembic_version"} <= names
        with history.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []  # the shipped migrations build exactly the models' schema
    History(_url(tmp_path)).close()  # opening again is a no-op upgrade


def test_default_url_is_in_the_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("WINCI_HISTORY_URL", raising=False)
    monkeypatch.setenv("WINCI_CACHE_DIR", str(tmp_path / "cache"))
    with History() as history:
        assert history.url.endswith("/cache/history.sqlite")
    assert (tmp_path / "cache" / "history.sqlite").is_file()


def test_import_stream_stores_every_test(tmp_path: Path) -> None:
    stream = mixed_stream(tmp_path / "s.subunit")
    with History(_url(tmp_path)) as history:
        pk = import_stream(history, stream, lane="unit", run_id="r1")
        with history.session() as s:
            run = s.get(Run, pk)
            assert run is not None and run.run_id == "r1" and run.kind == "import"
            assert run.started == datetime(2026, 11, 20, 3, 0, 0)
            lane = s.scalars(select(Lane)).one()
            assert (lane.name, lane.total, lane.failed, lane.skipped) == ("unit", 8, 4, 1)
            rows = {r.test_id: r for r in s.scalars(select(TestResult))}
        assert len(rows) == 8
        tempest = next(r for r in rows.values() if r.test_id.startswith("tempest"))
        assert tempest.attrs == "[id-139b765e-7f3d-4b3d-8b37-3ca3876ee318,smoke]"
        assert "AssertionError" in (rows[
            "glance.tests.unit.test_misc.TestMisc.test_breaks"].details or "")
        with pytest.raises(UsageError, match="already in the history"):
            import_stream(history, stream, run_id="r1")
        assert import_stream(history, stream, run_id="r1", replace=True) != pk
        with history.session() as s:
            assert len(s.scalars(select(TestResult)).all()) == 8
            assert len(s.scalars(select(Run)).all()) == 1


def test_import_run_folder_reads_manifest_verdict_and_classification(tmp_path: Path) -> None:
    run_dir = make_run_dir(tmp_path, "run-1", "2026-11-20T03:00:00Z", {
        "unit": [("g.T.test_a", "success", 1.0), (DNS, "fail", 0.5),
                 ("g.T.test_flaky", "fail", 0.2)],
        "functional": [("g.F.test_b", "success", 2.0)]},
        known={DNS: "needs DNS"}, flaky=("g.T.test_flaky",), kind="nightly")
    with History(_url(tmp_path)) as history:
        pk = import_run(history, run_dir)
        with history.session() as s:
            run = s.get(Run, pk)
            assert run is not None
            assert (run.run_id, run.kind, run.verdict, run.glance_version, run.queue_hash) == (
                "run-1", "nightly", "SUCCESS", "33.0.0", "abc123")
            lanes = {lane.name: lane for lane in s.scalars(select(Lane))}
            assert lanes["unit"].verdict == "SUCCESS"
            assert (lanes["unit"].known_failures, lanes["unit"].flaky) == (1, 1)
            rows = {r.test_id: r for r in s.scalars(select(TestResult))}
        assert rows[DNS].known and rows[DNS].details == "needs DNS"
        assert rows["g.T.test_flaky"].flaky and not rows["g.T.test_a"].flaky


def test_cli_import_add_and_list(tmp_path: Path, capsys) -> None:
    url = _url(tmp_path)
    stream = mixed_stream(tmp_path / "s.subunit")
    assert main(["history", "import", str(stream), "--db-url", url, "--lane", "tempest",
                 "--date", "2026-11-01"]) == 0
    run_dir = make_run_dir(tmp_path, "run-2", "2026-11-21T03:00:00Z",
                           {"unit": [("g.T.test_a", "success", 1.0)]})
    assert main(["history", "add", str(run_dir), "--db-url", url]) == 0
    assert main(["history", "list", "--db-url", url]) == 0
    out = capsys.readouterr().out
    assert "import-tempest-20261101T000000" in out
    lines = out.splitlines()
    assert lines.index(next(x for x in lines if "run-2" in x)) < lines.index(
        next(x for x in lines if "import-tempest" in x))  # newest first
    assert main(["history", "add", str(run_dir), "--db-url", url]) == 2
    assert "already in the history" in capsys.readouterr().err
    assert main(["history", "import", str(stream), "--db-url", url, "--date", "nope"]) == 2


def test_bad_url_is_a_config_error(capsys) -> None:
    assert main(["history", "list", "--db-url", "not a url"]) == 2
    assert "not a database URL" in capsys.readouterr().err
