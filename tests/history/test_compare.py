"""winci compare on run folders and history ids: text, JSON and --fail-on-new."""

from __future__ import annotations

import json
from pathlib import Path

from tests.history.runs import make_run_dir
from winci.cli import main
from winci.history import History, compare, from_run_dir, import_run

A_TESTS = {"unit": [("g.T.test_fixed", "fail", 0.1), ("g.T.test_still", "fail", 0.1),
                    ("g.T.test_new_fail", "success", 0.1), ("g.T.test_slower", "success", 1.0),
                    ("g.T.test_faster", "success", 5.0), ("g.T.test_gone", "success", 0.1),
                    ("g.T.test_flaky", "success", 0.1)]}
B_TESTS = {"unit": [("g.T.test_fixed", "success", 0.1), ("g.T.test_still", "fail", 0.1),
                    ("g.T.test_new_fail", "fail", 0.1), ("g.T.test_slower", "success", 4.0),
                    ("g.T.test_faster", "success", 0.5), ("g.T.test_flaky", "fail", 0.1),
                    ("g.T.test_added", "success", 0.1)],
           "functional": [("g.F.test_first_time", "fail", 0.3)]}


def _runs(tmp_path: Path) -> tuple[Path, Path]:
    a = make_run_dir(tmp_path, "run-a", "2026-11-20T03:00:00Z", A_TESTS)
    b = make_run_dir(tmp_path, "run-b", "2026-11-21T03:00:00Z", B_TESTS,
                     flaky=("g.T.test_flaky",))
    return a, b


def test_compare_groups(tmp_path: Path) -> None:
    a, b = _runs(tmp_path)
    cmp = compare(from_run_dir(a), from_run_dir(b))
    assert cmp.new_failures == [("functional", "g.F.test_first_time"),
                                ("unit", "g.T.test_new_fail")]
    assert cmp.fixed == [("unit", "g.T.test_fixed")]
    assert cmp.still_failing == [("unit", "g.T.test_still")]
    assert cmp.flaky == [("unit", "g.T.test_flaky")]
    assert (cmp.added, cmp.removed) == (2, 1)
    assert [d[1] for d in cmp.durations] == ["g.T.test_faster", "g.T.test_slower"]


def test_cli_text_json_and_fail_on_new(tmp_path: Path, capsys) -> None:
    a, b = _runs(tmp_path)
    assert main(["compare", str(a), str(b)]) == 0
    text = capsys.readouterr().out
    assert "2 new failures, 1 fixed, 1 still failing, 1 flaky" in text
    assert "    5.000     0.500    -4.500  unit: g.T.test_faster" in text
    assert main(["compare", str(a), str(b), "--format", "json", "--fail-on-new"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["fixed"] == [{"lane": "unit", "id": "g.T.test_fixed"}]
    assert data["duration_changes"][0]["delta_s"] == -4.5
    # nothing new from B to B
    assert main(["compare", str(b), str(b), "--fail-on-new"]) == 0


def test_cli_history_ids_and_mixed(tmp_path: Path, capsys) -> None:
    a, b = _runs(tmp_path)
    url = f"sqlite:///{(tmp_path / 'h.sqlite').as_posix()}"
    with History(url) as history:
        pk_a = import_run(history, a)
        import_run(history, b)
    assert main(["compare", str(pk_a), "run-b", "--db-url", url, "--format", "json"]) == 0
    from_db = json.loads(capsys.readouterr().out)
    assert main(["compare", str(a), str(b), "--format", "json"]) == 0
    from_dirs = json.loads(capsys.readouterr().out)
    assert from_db == from_dirs
    assert main(["compare", "run-a", "no-such-run", "--db-url", url]) == 2
    assert "no run 'no-such-run'" in capsys.readouterr().err
