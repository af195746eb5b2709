"""Nothing lost, nobody let in: concurrent use, crashes, schema upgrades, unusable files."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import BASIC, Run, ok, refused

from aftersales_cli.rules.taxonomy import MILESTONE_KEYS
from aftersales_cli.store.migrations import SCHEMA_VERSION

FIXTURES = Path(__file__).parent / "fixtures"


def cli_env(db: Path, now: str = "2026-11-22 10:00", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERSALES_")}
    env.update(
        {
            "AFTERSALES_DB": str(db),
            "AFTERSALES_NOW": now,
            "AFTERSALES_TZ": "Asia/Shanghai",
            "AFTERSALES_OPERATOR": "tester",
            **extra,
        }
    )
    return env


# A worker runs many commands in one process (each command opens its own connection, as
# separate `aftersales` processes would) and reports every failure on stderr.
WORKER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from typer.testing import CliRunner
    from aftersales_cli.cli import app

    kind, tag, count, stop = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    runner = CliRunner()
    failures = 0
    if kind == "log":
        for i in range(count):
            r = runner.invoke(app, ["log", f"米饭变质 worker {tag} #{i}", "--channel", "online",
                                    "--customer", f"客户{tag}", "--phone", "13812345678",
                                    "--batch", "B-1", "--received-at", "2026-11-22 06:00"])
            if r.exit_code != 0:
                failures += 1
                sys.stderr.write(f"log {i}: {r.exit_code} {r.stderr}")
    else:
        runs = 0
        while not stop.exists() or runs < 3:
            r = runner.invoke(app, ["overdue", "--json"])
            runs += 1
            if r.exit_code not in (0, 1):
                failures += 1
                sys.stderr.write(f"overdue: {r.exit_code} {r.stderr}")
        print(runs)
    sys.exit(1 if failures else 0)
""")


@pytest.mark.slow
def test_two_writers_and_cron_at_the_same_moment(tmp_path: Path) -> None:
    db = tmp_path / "busy.db"
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    stop = tmp_path / "stop"
    env = cli_env(db)
    start = [sys.executable, str(script)]
    writers = [
        subprocess.Popen(
            [*start, "log", tag, "300", str(stop)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("A", "B")
    ]
    cron = subprocess.Popen(
        [*start, "overdue", "C", "0", str(stop)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    outcomes = [w.communicate(timeout=300) + (w.returncode,) for w in writers]
    stop.touch()
    cron_out, cron_err = cron.communicate(timeout=120)
    for _, err, code in outcomes:
        assert code == 0 and "locked" not in err, err[-2000:]
    assert cron.returncode == 0 and "locked" not in cron_err, cron_err[-2000:]
    assert int(cron_out) >= 3

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    descriptions = [r[0] for r in conn.execute("SELECT description FROM complaints")]
    assert len(descriptions) == 600 and len(set(descriptions)) == 600
    for tag in "AB":
        assert {d for d in descriptions if f"worker {tag} " in d} == {
            f"米饭变质 worker {tag} #{i}" for i in range(300)
        }
    ids = [r[0] for r in conn.execute("SELECT id FROM complaints ORDER BY id")]
    assert ids == list(range(1, 601))
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM complaints c WHERE (SELECT COUNT(*) FROM events e "
            "WHERE e.complaint_id = c.id AND e.action = 'log') != 1"
        ).fetchone()[0]
        == 0
    )
    assert conn.execute("SELECT COUNT(*) FROM deadlines").fetchone()[0] == 600 * len(MILESTONE_KEYS)
    # Each late milestone got its `breached` event exactly once, from cron or a later run.
    subprocess.run(
        [sys.executable, "-m", "aftersales_cli", "overdue"],
        env=env,
        capture_output=True,
        check=False,
    )
    dupes = conn.execute(
        "SELECT COUNT(*) FROM (SELECT complaint_id, changes FROM events WHERE action = "
        "'breached' GROUP BY complaint_id, changes HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    assert dupes == 0
    assert (
        conn.execute("SELECT COUNT(*) FROM events WHERE action = 'breached'").fetchone()[0]
        == 600 * 3
    )  # contact, forward and plan


def test_many_processes_creating_the_database_at_once(tmp_path: Path) -> None:
    db = tmp_path / "new" / "first.db"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "aftersales_cli", "list", "--json"],
            env=cli_env(db),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    results = [(p.communicate(timeout=60), p.returncode) for p in procs]
    assert all(code == 0 and out.strip() == "[]" for (out, _), code in results), results
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 2
    applied = conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id").fetchall()
    from aftersales_cli.store.migrations import STEPS

    assert [a[0] for a in applied] == [name for name, _ in STEPS]  # each exactly once


def _integrity_and_wholeness(db: Path) -> int:
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    complaints = conn.execute("SELECT COUNT(*) FROM complaints").fetchone()[0]
    # Every complaint stored is whole: a deadline row per milestone and its first history entry.
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM complaints c WHERE (SELECT COUNT(*) FROM deadlines d "
            f"WHERE d.complaint_id = c.id) != {len(MILESTONE_KEYS)} OR NOT EXISTS "
            "(SELECT 1 FROM events e "
            "WHERE e.complaint_id = c.id)"
        ).fetchone()[0]
        == 0
    )
    conn.close()
    return int(complaints)


@pytest.mark.slow
def test_killed_in_the_middle_of_writes(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    env = cli_env(db)
    subprocess.run(
        [sys.executable, "-m", "aftersales_cli", "list"], env=env, check=True, capture_output=True
    )
    for delay in (0.4, 0.7, 1.1):
        proc = subprocess.Popen(
            [sys.executable, str(script), "log", "K", "100000", str(tmp_path / "stop")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _integrity_and_wholeness(db)
    assert ok_after_crash(db)


def ok_after_crash(db: Path) -> bool:
    result = subprocess.run(
        [sys.executable, "-m", "aftersales_cli", "log", "after the crash", *BASIC, "--json"],
        env=cli_env(db),
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0 and json.loads(result.stdout)["id"] > 0


@pytest.mark.slow
def test_killed_in_the_middle_of_a_bulk_import(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    row = {
        "description": "送餐晚了" * 150,  # (16 MiB of rows and more: a bulk load)
        "channel": "online",
        "customer": "张伟",
        "phone": "13812345678",
        "org": "实验小学",
        "received_at": "2026-11-20 09:00",
    }
    count = 12000
    rows.write_text(
        "\n".join(json.dumps(row, ensure_ascii=False) for _ in range(count)), encoding="utf-8"
    )
    db = tmp_path / "import.db"
    env = cli_env(db)
    subprocess.run(
        [sys.executable, "-m", "aftersales_cli", "list"], env=env, check=True, capture_output=True
    )

    def written() -> int:  # (into an empty database the pages go to the file itself)
        files = (db, Path(f"{db}-wal"))
        return sum(f.stat().st_size for f in files if f.exists())

    empty = written()
    proc = subprocess.Popen(
        [sys.executable, "-m", "aftersales_cli", "import", str(rows)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Kill it once the transaction has spilled pages: mid-write.
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if written() > empty + 1_000_000:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the import ended before it could be killed mid-write"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert Path(f"{db}-journal").exists()  # (written directly: its rollback journal is left)
    assert _integrity_and_wholeness(db) == 0  # none of it
    finished = subprocess.run(
        [sys.executable, "-m", "aftersales_cli", "import", str(rows)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert _integrity_and_wholeness(db) == count  # and then all of it
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # others read as it writes
    conn.close()


def test_an_older_schema_is_upgraded_in_place_keeping_every_row(run: Run, tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema-v1.db", db)
    listed = ok(run("list", "--all", "--json", "--show-phone", "--db", str(db)))
    assert [(c["id"], c["status"], c["phone"]) for c in listed] == [
        (2, "new", "+86 139 8765 4321"),
        (1, "revisited", "13812345678"),
    ]
    first = ok(run("show", "1", "--json", "--db", str(db)))
    penalty = first["penalty"]
    assert (penalty["offence"], penalty["multiplier"], penalty["amount"]) == (1, 2, 3600)
    assert first["escalated_at"] is None
    assert [e["action"] for e in first["events"]] == ["log", "close", "revisit"]
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 4
    # and it works on: the upgraded file takes new complaints and cron's breach events
    ok(run("log", "新的投诉", *BASIC, "--db", str(db)))
    assert run("overdue", "--db", str(db)).exit_code == 1
    assert conn.execute("SELECT COUNT(*) FROM events WHERE action = 'breached'").fetchone()[0] >= 1


def test_an_upgrade_changes_nothing_but_the_schema(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema-v1.db", db)
    before = sqlite3.connect(FIXTURES / "schema-v1.db")
    before.row_factory = sqlite3.Row
    rows = [dict(r) for r in before.execute("SELECT * FROM complaints ORDER BY id")]
    subprocess.run(
        [sys.executable, "-m", "aftersales_cli", "list"],
        env=cli_env(db),
        check=True,
        capture_output=True,
    )
    after = sqlite3.connect(db)
    after.row_factory = sqlite3.Row
    upgraded = [dict(r) for r in after.execute("SELECT * FROM complaints ORDER BY id")]
    # every old column keeps its value; the multiplier's text became its number (0009)
    expected = [
        {**r, "penalty_multiplier": None if r["penalty_multiplier"] is None else 2} for r in rows
    ]
    assert [r["penalty_multiplier"] for r in rows] == ["2", None]
    assert [{k: r[k] for k in rows[0]} for r in upgraded] == expected


@pytest.fixture
def immutable(tmp_path: Path, run: Run):  # type: ignore[no-untyped-def]
    """A database file nobody may write, not even root (chattr +i)."""
    db = tmp_path / "ro.db"
    ok(run("log", "x", *BASIC, "--db", str(db), now="2026-11-19 07:00"))  # late by Sunday
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode != 0:
            pytest.skip("root cannot make a file read-only here (no chattr)")
    else:
        db.chmod(0o444)
    try:
        yield db
    finally:
        subprocess.run(["chattr", "-i", str(db)], capture_output=True)
        db.chmod(0o600)


def test_a_read_only_database_is_read_and_never_written(run: Run, immutable: Path) -> None:
    before = immutable.read_bytes()
    assert len(ok(run("list", "--json", "--db", str(immutable)))) == 1
    assert ok(run("show", "1", "--json", "--db", str(immutable)))["id"] == 1
    refused(run("log", "y", *BASIC, "--db", str(immutable)), "database", "read-only", code=74)
    refused(run("assign", "1", "--db", str(immutable)), "database", "read-only", code=74)
    late = run("overdue", "--db", str(immutable))
    assert late.exit_code == 1 and "read-only" in late.stderr and "contact" in late.stdout
    assert immutable.read_bytes() == before


def test_an_unreachable_folder_is_one_line(run: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    where = str(blocker / "sub" / "x.db")
    refused(run("list", "--db", where), "database", "cannot create", code=74)
    refused(run("log", "x", *BASIC, "--db", "/proc/aftersales/x.db"), "database", code=74)


def test_bulk_loading_knows_every_column_the_store_writes() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from aftersales_cli.rules.case import Case
    from aftersales_cli.store.codec import COLUMNS, to_row

    case = Case(
        received_at=datetime(2026, 11, 22, tzinfo=ZoneInfo("Asia/Shanghai")),
        channel="online",
        customer="a",
        phone="13800000000",
        description="x",
        category="other",
        severity="general",
    )
    written = {"id", "same_gap_minutes", "client_gap_minutes", *to_row(case)}
    assert set(COLUMNS) == written


def test_a_database_grown_by_the_tool_gets_the_statistics_reports_need(
    run: Run, tmp_path: Path
) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        "\n".join(
            json.dumps(
                {
                    "description": "送餐晚了",
                    "channel": "online",
                    "customer": "张伟",
                    "phone": f"138{n:08d}",
                    "received_at": f"2026-08-{1 + n % 28:02d} 10:00",
                },
                ensure_ascii=False,
            )
            for n in range(2000)
        ),
        encoding="utf-8",
    )
    db = tmp_path / "grown.db"
    ok(run("import", str(rows), "--db", str(db)))
    ok(run("report", "--quarter", "2026Q3", "--json", "--db", str(db)))
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM sqlite_stat1").fetchone()[0] > 0
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT c.category, COUNT(*) FROM complaints c "
        "WHERE c.received_at >= ? AND c.received_at < ? GROUP BY c.category",
        ("a", "b"),
    ).fetchall()
    assert "COVERING INDEX complaints_by_category" in plan[0][3]


def test_statistics_never_wait_for_a_busy_writer(run: Run, tmp_path: Path) -> None:
    db = tmp_path / "busy.db"
    ok(run("log", "x", *BASIC, "--db", str(db)))
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    ok(run("show", "1", "--db", str(db)))  # reads, then closes without blocking
    assert time.monotonic() - started < 5
    writer.execute("ROLLBACK")
