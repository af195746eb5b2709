"""Issue 8, databases that are not ours, damaged or unwell (defects 9, 10, 12, 14, 17), the
`check` command, and exit codes that mean what they say."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BASIC, Run, ok
from hostile_support import (
    ROOT,
    Nobody,
    SmallDisk,
    build_template,
    cli_env,
    damage_page,
    digest,
    empty_index_leaf,
    error_line,
    invoke,
    listing,
    mode,
    patch_open_db,
    public_folder,
    run_in_pty,
    settle,
    small_disk,
)

APPLICATION_ID = 0x4146534C  # "AFSL"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("db-template") / "aftersales.db")


@pytest.fixture
def seeded(template: Path, db_path: Path) -> Path:
    shutil.copy2(template, db_path)
    return db_path


@pytest.fixture(scope="module")
def four_late(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four complaints whose first contact is late, the breaches already noted by cron."""
    db = tmp_path_factory.mktemp("late") / "late.db"
    for n in range(4):
        ok(invoke(db, "log", f"米饭变质 {n}", *BASIC, now="2026-11-22 06:00"))
    assert invoke(db, "overdue").exit_code == 1
    settle(db)
    return db


@pytest.fixture
def late(four_late: Path, db_path: Path) -> Path:
    shutil.copy2(four_late, db_path)
    return db_path


def sidecars(db: Path) -> list[str]:
    return [s for s in ("-wal", "-shm", "-journal") if Path(f"{db}{s}").exists()]


# ---- defect 9: another application's SQLite file ----------------------------------------


def foreign(path: Path, user_version: int, complaints_table: bool = False) -> Path:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('buy milk')")
        if complaints_table:
            conn.execute("CREATE TABLE complaints (id INTEGER PRIMARY KEY, what TEXT)")
        conn.execute(f"PRAGMA user_version = {user_version}")
    conn.close()
    return path


FOREIGN = [
    pytest.param(0, False, id="user_version-0"),
    pytest.param(2, False, id="user_version-2"),
    pytest.param(0, True, id="with-a-complaints-table"),
]


@pytest.mark.parametrize(("user_version", "complaints_table"), FOREIGN)
@pytest.mark.parametrize(
    "argv", [["list"], ["show", "1"], ["log", "x", *BASIC], ["overdue"]], ids=lambda a: a[0]
)
def test_defect_09_another_applications_database_is_refused_and_left_untouched(
    run: Run, tmp_path: Path, user_version: int, complaints_table: bool, argv: list[str]
) -> None:
    notes = foreign(tmp_path / "notes.db", user_version, complaints_table)
    before, files = digest(notes), listing(tmp_path)
    error_line(run(*argv, "--db", str(notes)), 2, "database", "another application")
    assert digest(notes) == before
    assert listing(tmp_path) == files  # no -wal, -shm or journal left behind


def test_an_empty_file_is_taken_as_a_new_database(run: Run, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    fresh.touch()
    ok(run("log", "x", *BASIC, "--db", str(fresh)))


def test_defect_09_the_tool_stamps_its_databases(run: Run, seeded: Path, tmp_path: Path) -> None:
    new = tmp_path / "new.db"
    ok(run("list", "--db", str(new)))
    old = tmp_path / "old.db"
    shutil.copy(ROOT / "tests" / "fixtures" / "schema-v1.db", old)
    ok(run("list", "--db", str(old)))  # an older aftersales schema is upgraded, and stamped
    for db in (new, old):
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        conn.close()


# ---- defect 10: a database created through a dangling symbolic link -----------------------


def test_defect_10_a_database_created_through_a_dangling_symlink_is_private(
    run: Run, tmp_path: Path
) -> None:
    target = tmp_path / "data" / "real.db"
    target.parent.mkdir()
    link = tmp_path / "link.db"
    link.symlink_to(target)
    old = os.umask(0o022)
    try:
        ok(run("log", "x", *BASIC, "--db", str(link)))
    finally:
        os.umask(old)
    assert link.is_symlink() and target.exists()
    assert mode(target) == 0o600


# ---- defect 12: damaged databases ---------------------------------------------------------

READERS = [["show", "1"], ["list"], ["export"], ["report"], ["backup", "{tmp}/copy.db"]]


@pytest.mark.parametrize("argv", READERS, ids=lambda a: a[0])
def test_defect_12_a_damaged_database_is_reported_as_damaged(
    run: Run, seeded: Path, tmp_path: Path, argv: list[str]
) -> None:
    damage_page(seeded, "complaints")
    before = digest(seeded)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    error_line(run(*argv, env={"AFTERSALES_DEBUG": ""}), 74, "damaged or not a database")
    assert digest(seeded) == before
    assert not (tmp_path / "copy.db").exists()


def test_not_a_database_at_all_is_one_line(run: Run, tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("just some text, not sqlite\n" * 100)
    result = run("list", "--db", str(junk))
    assert result.exit_code in (2, 74)
    error_line(result, result.exit_code, "database")


@pytest.mark.parametrize("argv", [["overdue"], ["overdue", "--json"]], ids=" ".join)
def test_defect_12_overdue_never_says_nothing_is_late_when_it_could_not_read(
    run: Run, late: Path, argv: list[str]
) -> None:
    intact = run(*argv)
    assert intact.exit_code == 1 and "米饭变质" not in intact.stderr
    empty_index_leaf(late, "deadlines_pending")
    error_line(run(*argv, env={"AFTERSALES_DEBUG": ""}), 74, "damaged")


# ---- `aftersales check` ---------------------------------------------------------------------


def test_check_passes_a_healthy_database(run: Run, seeded: Path) -> None:
    result = run("check")
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.output
    report = ok(run("check", "--json"))
    assert report["ok"] is True and report["problems"] == []
    assert report["complaints"] == 3 and report["events"] >= 4
    assert report["integrity"] == ["ok"]


def test_check_is_silent_for_cron_when_all_is_well(run: Run, seeded: Path) -> None:
    """Cron mails whatever a job prints: a healthy database prints nothing when piped."""
    result = run("check")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_check_finds_a_damaged_index(run: Run, late: Path) -> None:
    empty_index_leaf(late, "deadlines_pending")
    before = digest(late)
    result = run("check")
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    assert "deadlines_pending" in result.stdout + result.stderr
    report = json.loads(run("check", "--json").stdout)
    assert report["ok"] is False and report["integrity"] != ["ok"]
    assert digest(late) == before


def test_check_finds_an_inconsistent_database(run: Run, seeded: Path) -> None:
    conn = sqlite3.connect(seeded)
    with conn:
        conn.execute("DELETE FROM deadlines WHERE complaint_id = 3")  # its deadlines are gone
        conn.execute("UPDATE complaints SET status = 'closed' WHERE id = 1")  # no close event
    conn.close()
    result = run("check")
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    report = json.loads(run("check", "--json").stdout)
    assert report["ok"] is False and report["integrity"] == ["ok"]
    assert {p["complaint_id"] for p in report["problems"]} >= {1, 3}


def test_check_of_a_file_it_cannot_read_at_all_exits_74(run: Run, tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    error_line(run("check", "--db", str(junk)), 74)


CRON = re.compile(r"^\s*[`$]*\s*[\d*/,\-]+\s+[\d*/,\-]+\s+[\d*/,\-]+\s+[\d*/,\-]+\s+[\d*/,\-]+\s")


def test_the_nightly_cron_runs_check_after_backup() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    cron = [line for line in text.splitlines() if CRON.match(line)]
    backup = [i for i, line in enumerate(cron) if "aftersales backup" in line]
    check = [i for i, line in enumerate(cron) if "aftersales check" in line]
    assert backup and check, cron
    same_line = [i for i in check if i in backup]
    assert min(check) > min(backup) or any(
        cron[i].index("aftersales check") > cron[i].index("aftersales backup") for i in same_line
    ), cron


# ---- defect 14: misleading messages ----------------------------------------------------------


def test_defect_14_a_full_disk_says_so(
    run: Run, seeded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_room_to_grow(conn: sqlite3.Connection) -> None:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")

    patch_open_db(monkeypatch, no_room_to_grow)
    result = run("log", "米饭" * 1000, *BASIC)
    error_line(result, 74, "full")
    conn = sqlite3.connect(seeded)
    assert conn.execute("SELECT COUNT(*) FROM complaints").fetchone()[0] == 3  # none half-done
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


@pytest.fixture
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmallDisk]:
    with small_disk(tmp_path / "disk", monkeypatch, size="2m") as found:
        if not found.real:
            pytest.skip("cannot mount a small tmpfs here (needs root)")
        yield found


def test_defect_14_a_database_on_a_really_full_disk_says_so(
    run: Run, template: Path, disk: SmallDisk
) -> None:
    db = disk.path / "aftersales.db"
    shutil.copy(template, db)
    disk.fill()
    result = run("log", "米饭" * 1000, *BASIC, "--db", str(db))
    error_line(result, 74, "full")


@pytest.fixture(scope="module")
def nobody(template: Path) -> Iterator[Nobody]:
    if os.geteuid() != 0:
        pytest.skip("switching to user nobody needs root")
    server = Nobody(template)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def shared_db(template: Path, nobody: Nobody) -> Iterator[Path]:
    """The seeded database in a folder user nobody may enter but not write."""
    with public_folder() as folder:
        reason = nobody.why_not(folder)
        if reason:
            pytest.skip(reason)
        db = folder / "aftersales.db"
        shutil.copy(template, db)
        db.chmod(0o644)
        outbox = folder / "outbox"
        outbox.mkdir()
        outbox.chmod(0o777)
        yield db


def test_defect_14_an_unreadable_database_says_it_cannot_be_read(
    shared_db: Path, nobody: Nobody
) -> None:
    shared_db.chmod(0o600)
    before = digest(shared_db)
    result = nobody("list", env=cli_env(shared_db), cwd=shared_db.parent)
    error_line(result, 74, "cannot read")
    assert digest(shared_db) == before


READ_ONLY_READERS = [
    ["list", "--all"],
    ["show", "1"],
    ["export"],
    ["report", "--json"],
    ["backup", "{outbox}/copy.db"],
]


@pytest.mark.parametrize("argv", READ_ONLY_READERS, ids=lambda a: a[0])
def test_defect_14_read_commands_work_in_a_folder_the_user_cannot_write(
    shared_db: Path, nobody: Nobody, argv: list[str]
) -> None:
    outbox = shared_db.parent / "outbox"
    argv = [a.replace("{outbox}", str(outbox)) for a in argv]
    before = digest(shared_db)
    result = nobody(*argv, env=cli_env(shared_db), cwd=shared_db.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert digest(shared_db) == before
    assert sidecars(shared_db) == []
    if argv[0] == "backup":
        assert (outbox / "copy.db").exists()


def test_defect_14_overdue_lists_without_writing_in_a_folder_the_user_cannot_write(
    shared_db: Path, nobody: Nobody
) -> None:
    before = digest(shared_db)
    result = nobody("overdue", env=cli_env(shared_db), cwd=shared_db.parent)
    assert result.returncode == 1, result.stderr
    assert "contact" in result.stdout
    assert "Traceback" not in result.stderr
    assert digest(shared_db) == before


def test_defect_14_a_write_in_a_folder_the_user_cannot_write_says_read_only(
    shared_db: Path, nobody: Nobody
) -> None:
    before = digest(shared_db)
    result = nobody("log", "x", *BASIC, env=cli_env(shared_db), cwd=shared_db.parent)
    error_line(result, 74, "read-only")
    assert digest(shared_db) == before


# ---- defect 17: exit codes that mean the wrong thing -----------------------------------------


def test_defect_17_ctrl_c_at_a_prompt_exits_130_after_a_newline(tmp_path: Path) -> None:
    db = tmp_path / "prompt.db"
    # issue 11: the prompts are on stderr, so the terminal shows them with the error
    code, shown, _ = run_in_pty(
        ["log"], cli_env(db), wait_for=b":", send=b"\x03", stderr_on_terminal=True
    )
    assert b":" in shown, shown
    assert code == 130, (code, shown)
    assert shown.endswith(b"\n"), shown
    assert b"Traceback" not in shown


@pytest.mark.parametrize("argv", [["log", "x", *BASIC], ["assign", "1", "--to", "李工"]],
                         ids=lambda a: a[0])  # fmt: skip
def test_defect_17_a_lock_held_past_the_busy_timeout_exits_75(
    run: Run, seeded: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    from aftersales_cli.store import db as store_db

    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 200)
    writer = sqlite3.connect(seeded, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        error_line(run(*argv), 75, "locked")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert len(ok(run("list", "--all", "--json"))) == 3


def test_defect_17_every_exit_code_is_documented_in_the_readme() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("Exit codes")
    passage = text[start : start + 3000]
    for code in ("0", "1", "2", "73", "74", "75", "130"):
        assert f"`{code}`" in passage, code


def test_a_closed_pipe_ends_quietly(seeded: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "aftersales_cli", "export"],
        env=cli_env(seeded),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first write
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert proc.returncode in (141, -13, 0), (proc.returncode, err)
    assert err == b""


def test_check_finds_report_figures_that_disagree_with_the_complaint(
    run: Run, seeded: Path
) -> None:
    conn = sqlite3.connect(seeded)
    with conn:
        conn.execute("UPDATE complaints SET met_mask = 31 WHERE id = 2")
        conn.execute("UPDATE complaints SET same_gap_minutes = 12345 WHERE id = 3")
    conn.close()
    result = run("check")
    assert result.exit_code == 1
    assert "complaint #2: stored report figures disagree: met_mask" in result.stdout
    assert "complaint #3: its repeat figure" in result.stdout
