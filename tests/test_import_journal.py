"""An import into an empty database writes the file itself, under a rollback journal,
when no other connection has it open — and the database is in the write-ahead log's mode
again when it ends, whatever the end; every other write goes through the log, and puts a
database found out of it back in it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import BASIC, Run, ok

from aftersales_cli.commands import importing


@pytest.fixture(autouse=True)
def bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file a bulk load (a small export stands for a large one)."""
    monkeypatch.setattr(importing, "_DIRECT_FROM", 0)


def journal_mode(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


def exported(run: Run, tmp_path: Path, count: int = 3) -> Path:
    for n in range(count):
        ok(run("log", f"米饭有异味 {n}", *BASIC))
    path = tmp_path / "all.jsonl"
    ok(run("export", "--show-phone", "--out", str(path)))
    return path


def test_an_import_into_an_empty_database_ends_in_the_log_with_no_journal_left(
    run: Run, tmp_path: Path
) -> None:
    source = exported(run, tmp_path)
    target = tmp_path / "new.db"
    ok(run("--db", str(target), "import", str(source)))
    assert journal_mode(target) == "wal"
    assert not Path(f"{target}-journal").exists()
    assert len(ok(run("--db", str(target), "list", "--json"))) == 3


def test_a_refused_import_into_an_empty_database_leaves_it_empty_and_in_the_log(
    run: Run, tmp_path: Path
) -> None:
    source = exported(run, tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(source.read_text(encoding="utf-8") + '{"id": "x"}\n', encoding="utf-8")
    target = tmp_path / "new.db"
    ok(run("--db", str(target), "list", "--json"))
    result = run("--db", str(target), "import", str(bad))
    assert result.exit_code == 2 and "nothing imported" in result.stderr
    assert journal_mode(target) == "wal"
    assert ok(run("--db", str(target), "list", "--json")) == []


def test_an_import_while_another_connection_reads_goes_through_the_log(
    run: Run, tmp_path: Path
) -> None:
    """Leaving the log needs the database to itself: with a reader there (cron's
    `overdue`), the import is written through the log as any write is, not waiting."""
    source = exported(run, tmp_path)
    target = tmp_path / "new.db"
    ok(run("--db", str(target), "list", "--json"))
    reader = sqlite3.connect(target)
    try:
        assert reader.execute("SELECT COUNT(*) FROM complaints").fetchone()[0] == 0
        ok(run("--db", str(target), "import", str(source)))
        assert reader.execute("SELECT COUNT(*) FROM complaints").fetchone()[0] == 3
        assert reader.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        reader.close()


def test_a_backup_copied_into_place_is_written_through_the_log_again(
    run: Run, tmp_path: Path
) -> None:
    """`backup` writes one self-contained file (no log); copied back as the desk's
    database, its first write puts it back in the log's mode."""
    exported(run, tmp_path, count=1)
    copy = tmp_path / "copy.db"
    ok(run("backup", str(copy)))
    assert journal_mode(copy) == "delete"
    restored = tmp_path / "restored.db"
    shutil.copyfile(copy, restored)
    ok(run("--db", str(restored), "list", "--json"))
    assert journal_mode(restored) == "delete"  # (reading changes nothing)
    ok(run("--db", str(restored), "log", "饭菜凉了", *BASIC))
    assert journal_mode(restored) == "wal"
