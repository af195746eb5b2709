"""Issue 8, files the tool writes (defects 1, 8, 10, 15): `report --html`, `report --csv
DIR`, `export --out`, `backup`. Never the database, never an existing file without
`--overwrite`, never through a symbolic link, never partial under its final name, always
0600 (folders 0700)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Run, ok
from hostile_support import (
    SmallDisk,
    build_template,
    cli_env,
    digest,
    error_line,
    invoke,
    jsonl,
    listing,
    mode,
    small_disk,
)
from typer.testing import Result


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("files-template") / "aftersales.db")


@pytest.fixture
def seeded(template: Path, db_path: Path) -> Path:
    shutil.copy2(template, db_path)
    return db_path


@pytest.fixture
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmallDisk]:
    with small_disk(tmp_path / "disk", monkeypatch) as found:
        yield found


@pytest.fixture
def umask_000() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def csv_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.csv"))


# What each writing option looks like: the command line that writes to PATH.
WRITERS = {
    "html": ("report", "--html"),
    "out": ("export", "--out"),
}


# ---- defect 1: the database itself, existing files, symbolic links -------------------


def test_defect_01_report_html_onto_the_database_is_refused(
    run: Run, seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = digest(seeded)
    error_line(run("report", "--html", seeded.name), 2, "html", "is the database")
    assert digest(seeded) == before
    error_line(run("report", "--html", str(seeded)), 2, "html", "is the database")
    assert digest(seeded) == before
    assert ok(run("list", "--all", "--json"))  # every complaint still there


@pytest.mark.parametrize("option", sorted(WRITERS))
def test_defect_01_the_database_is_refused_even_with_overwrite(
    run: Run, seeded: Path, option: str
) -> None:
    before = digest(seeded)
    error_line(run(*WRITERS[option], str(seeded), "--overwrite"), 2, option, "is the database")
    assert digest(seeded) == before


@pytest.mark.parametrize("alias", ["wal", "hard link"])
def test_defect_01_the_wal_or_a_hard_link_of_the_database_is_refused(
    run: Run, seeded: Path, tmp_path: Path, alias: str
) -> None:
    if alias == "wal":
        target = Path(f"{seeded}-wal")
        argv = ["report", "--html", str(target)]
    else:
        target = tmp_path / "alias.html"
        os.link(seeded, target)
        argv = ["report", "--html", str(target), "--overwrite"]
    before = digest(seeded)
    error_line(run(*argv), 2, "html", "is the database")
    assert digest(seeded) == before
    assert ok(run("list", "--all", "--json"))


def test_defect_01_backup_onto_the_database_says_it_is_the_database(run: Run, seeded: Path) -> None:
    before = digest(seeded)
    error_line(run("backup", str(seeded)), 2, "is the database")
    assert digest(seeded) == before


@pytest.mark.parametrize("option", ["html", "csv", "out"])
def test_defect_01_an_existing_file_is_refused_without_overwrite(
    run: Run, seeded: Path, tmp_path: Path, option: str
) -> None:
    if option == "csv":
        folder = tmp_path / "tables"
        folder.mkdir()
        existing = folder / "kpis.csv"
        argv = ["report", "--csv", str(folder)]
    else:
        existing = tmp_path / f"existing.{'html' if option == 'html' else 'jsonl'}"
        argv = [*WRITERS[option], str(existing)]
    existing.write_text("keep me\n", encoding="utf-8")
    files = listing(tmp_path)
    message = error_line(run(*argv), 2, option, existing.name, "--overwrite")
    assert existing.read_text(encoding="utf-8") == "keep me\n", message
    assert listing(tmp_path) == files  # and nothing else was written (--csv: no other file)


@pytest.mark.parametrize("option", ["html", "csv", "out"])
def test_defect_01_overwrite_replaces_an_existing_file_privately(
    run: Run, seeded: Path, tmp_path: Path, option: str
) -> None:
    if option == "csv":
        folder = tmp_path / "tables"
        folder.mkdir()
        existing = folder / "kpis.csv"
        argv = ["report", "--csv", str(folder), "--overwrite"]
    else:
        existing = tmp_path / f"existing.{'html' if option == 'html' else 'jsonl'}"
        argv = [*WRITERS[option], str(existing), "--overwrite"]
    existing.write_text("old\n", encoding="utf-8")
    existing.chmod(0o644)
    ok(run(*argv))
    assert existing.read_text(encoding="utf-8-sig") != "old\n"
    assert mode(existing) == 0o600
    assert not [p for p in listing(tmp_path) if p.endswith(".tmp")]


SYMLINK_CASES = [
    pytest.param("html", False, False, id="html-to-a-file"),
    pytest.param("html", False, True, id="html-to-a-file-overwrite"),
    pytest.param("html", True, False, id="html-dangling"),
    pytest.param("html", True, True, id="html-dangling-overwrite"),
    pytest.param("out", False, False, id="out-to-a-file"),
    pytest.param("out", False, True, id="out-to-a-file-overwrite"),
    pytest.param("out", True, False, id="out-dangling"),
    pytest.param("out", True, True, id="out-dangling-overwrite"),
    pytest.param("file", False, False, id="backup-to-a-file"),
    pytest.param("file", True, False, id="backup-dangling"),
    pytest.param("csv", False, True, id="csv-file-to-a-file-overwrite"),
    pytest.param("csv", True, False, id="csv-file-dangling"),
]


@pytest.mark.parametrize(("option", "dangling", "overwrite"), SYMLINK_CASES)
def test_defect_01_a_symbolic_link_is_never_followed(
    run: Run,
    seeded: Path,
    tmp_path: Path,
    option: str,
    dangling: bool,
    overwrite: bool,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / "precious.txt"
    if not dangling:
        target.write_text("someone else's file\n", encoding="utf-8")
    if option == "csv":
        folder = tmp_path / "tables"
        folder.mkdir()
        link = folder / "kpis.csv"
        argv = ["report", "--csv", str(folder)]
    else:
        link = tmp_path / "link.out"
        argv = ["backup", str(link)] if option == "file" else [*WRITERS[option], str(link)]
    link.symlink_to(target)
    if overwrite:
        argv.append("--overwrite")
    error_line(run(*argv), 2, option, "symbolic link")
    if dangling:
        assert not target.exists()
    else:
        assert target.read_text(encoding="utf-8") == "someone else's file\n"
    assert link.is_symlink() and os.readlink(link) == str(target)


def test_report_csv_into_a_symlinked_folder_is_allowed(
    run: Run, seeded: Path, tmp_path: Path
) -> None:
    real = tmp_path / "real-tables"
    real.mkdir()
    (tmp_path / "tables").symlink_to(real, target_is_directory=True)
    ok(run("report", "--csv", str(tmp_path / "tables")))
    assert "kpis.csv" in csv_names(real)


# ---- defect 10: private files whatever the umask --------------------------------------


def test_defect_10_report_files_are_private_whatever_the_umask(
    run: Run, seeded: Path, tmp_path: Path, umask_000: None
) -> None:
    page, folder = tmp_path / "q4.html", tmp_path / "new" / "tables"
    ok(run("report", "--html", str(page), "--csv", str(folder)))
    assert mode(page) == 0o600
    assert mode(folder) == 0o700
    assert mode(folder.parent) == 0o700
    assert {mode(p) for p in folder.glob("*.csv")} == {0o600}


def test_export_and_backup_files_are_private_whatever_the_umask(
    run: Run, seeded: Path, tmp_path: Path, umask_000: None
) -> None:
    ok(run("export", "--out", str(tmp_path / "all.jsonl")))
    ok(run("backup", str(tmp_path / "copy.db")))
    assert mode(tmp_path / "all.jsonl") == 0o600
    assert mode(tmp_path / "copy.db") == 0o600


# ---- defect 8: temporary file and rename; a full disk, a kill, Ctrl-C -----------------


def no_tmp_left(folder: Path) -> None:
    assert not [p for p in listing(folder) if ".tmp" in p or ".partial" in p], listing(folder)


def test_defect_08_export_on_a_full_disk_leaves_nothing_under_its_name(
    run: Run, seeded: Path, disk: SmallDisk
) -> None:
    disk.fill()
    out = disk.path / "all.jsonl"
    before = digest(seeded)
    result = run("export", "--out", str(out))
    assert not out.exists()
    no_tmp_left(disk.path)
    error_line(result, 73, "out", "No space left on device")
    assert digest(seeded) == before


def test_defect_08_export_overwrite_on_a_full_disk_keeps_the_old_file(
    run: Run, seeded: Path, disk: SmallDisk
) -> None:
    old = disk.path / "all.jsonl"
    old.write_text('{"old": true}\n', encoding="utf-8")
    disk.fill()
    error_line(run("export", "--out", str(old), "--overwrite"), 73, "out")
    assert old.read_text(encoding="utf-8") == '{"old": true}\n'
    no_tmp_left(disk.path)


@pytest.mark.parametrize("option", ["html", "csv"])
def test_defect_08_report_files_on_a_full_disk_leave_nothing(
    run: Run, seeded: Path, disk: SmallDisk, option: str
) -> None:
    disk.fill()
    target = disk.path / ("q4.html" if option == "html" else "tables")
    result = run("report", f"--{option}", str(target))
    if option == "html":
        assert not target.exists()
    elif target.exists():
        assert csv_names(target) == []
    no_tmp_left(disk.path)
    error_line(result, 73, option)


def test_defect_08_backup_on_a_full_disk_exits_73_and_leaves_nothing(
    run: Run, seeded: Path, disk: SmallDisk
) -> None:
    disk.fill()
    target = disk.path / "copy.db"
    result = run("backup", str(target))
    assert not target.exists()
    no_tmp_left(disk.path)
    error_line(result, 73, "file")


def _interrupted_export(run: Run, out: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """export --out, with Ctrl-C arriving after the first record was written."""
    from aftersales_cli import exchange

    real = exchange.export_record
    calls: list[int] = []

    def then_interrupt(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) > 1:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(exchange, "export_record", then_interrupt)
    try:
        return run("export", "--out", str(out))
    except KeyboardInterrupt:  # the tool let Ctrl-C escape: never end the test session
        pytest.fail("Ctrl-C escaped the command")


def test_defect_08_export_interrupted_leaves_no_partial_file(
    run: Run, seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out" / "all.jsonl"
    out.parent.mkdir()
    result = _interrupted_export(run, out, monkeypatch)
    assert result.exit_code == 130, (result.exit_code, result.stderr)
    assert not out.exists()


def test_defect_08_export_killed_midway_leaves_no_partial_file(tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    rows = tmp_path / "rows.jsonl"
    row = {
        "description": "送餐晚了，饭菜凉了" * 12,
        "channel": "online",
        "customer": "张伟",
        "received_at": "2026-11-20 09:00",
    }
    rows.write_text(jsonl([{**row, "phone": f"138{n:08d}"} for n in range(4000)]), encoding="utf-8")
    ok(invoke(db, "import", str(rows)))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "all.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "aftersales_cli", "export", "--out", str(out)],
        env=cli_env(db),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if any(p.stat().st_size > 0 for p in out_dir.iterdir() if p.is_file()):
            break
        time.sleep(0.002)
    assert proc.poll() is None, "the export ended before it could be killed mid-write"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    complete = invoke(db, "export").stdout
    if out.exists():  # only ever the complete file under the final name
        written = out.read_text(encoding="utf-8")
        assert written == complete, f"{written.count(chr(10))} of 4000 records"


# ---- defect 15: options accepted and then ignored or misread ---------------------------


def test_defect_15_report_json_with_html_and_csv_writes_both_and_prints_the_json(
    run: Run, seeded: Path, tmp_path: Path
) -> None:
    page, folder = tmp_path / "q4.html", tmp_path / "tables"
    alone = ok(run("report", "--json"))
    result = run("report", "--json", "--html", str(page), "--csv", str(folder))
    assert ok(result) == alone  # stdout is the JSON only
    assert page.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert "kpis.csv" in csv_names(folder)


EMPTY_PATHS = [
    pytest.param(["list", "--db", ""], "db"),
    pytest.param(["--db", "", "list"], "db"),
    pytest.param(
        ["report", "--csv", ""],
        "csv",
    ),
    pytest.param(["list", "--rules", ""], "rules"),
    pytest.param(["report", "--html", ""], "html"),
    pytest.param(["export", "--out", ""], "out"),
    pytest.param(["backup", ""], "file"),
]


@pytest.mark.parametrize(("argv", "field"), EMPTY_PATHS)
def test_defect_15_an_empty_path_is_refused(
    run: Run,
    seeded: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    field: str,
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = digest(seeded)
    error_line(run(*argv), 2, field)
    assert listing(work) == []  # nothing written where the tool was started
    assert not (tmp_path / "home").exists()  # and no default database created
    assert digest(seeded) == before


def test_an_empty_aftersales_db_means_unset(run: Run, tmp_path: Path) -> None:
    ok(run("list", env={"AFTERSALES_DB": ""}))
    assert (tmp_path / "home" / "data" / "aftersales" / "aftersales.db").exists()


def test_a_report_file_lands_complete_and_reports_where(
    run: Run, seeded: Path, tmp_path: Path
) -> None:
    page = tmp_path / "q4.html"
    result = ok(run("report", "--html", str(page)))
    assert result == {}
    assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert json.loads(run("report", "--json").stdout)["total"] == 3


# ---- a writer killed outright leaves its temporary file: the next write removes it -----


@pytest.mark.parametrize("option", ["html", "out", "backup"])
def test_a_killed_writers_temporary_file_goes_with_the_next_write(
    run: Run, seeded: Path, tmp_path: Path, option: str
) -> None:
    """SIGKILL cannot be caught: an export or a report killed outright leaves
    `.NAME.PID.tmp` beside NAME — the customers' names and phones, gigabytes of them at a
    million complaints. The next write of NAME removes those whose process is gone; a
    running process's, another name's and anything but a regular file are left alone."""
    name = {"out": "all.jsonl", "html": "report.html", "backup": "copy.db"}[option]
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    stale = tmp_path / f".{name}.{finished.pid}.tmp"
    stale.write_text("13800000000\n", encoding="utf-8")
    journal = tmp_path / f".{name}.{finished.pid}.tmp-journal"  # (a backup's copy's)
    journal.write_text("13800000000\n", encoding="utf-8")
    running = tmp_path / f".{name}.{os.getppid()}.tmp"  # (pytest's parent: alive)
    running.write_text("still being written\n", encoding="utf-8")
    other = tmp_path / f".other.jsonl.{finished.pid}.tmp"
    other.write_text("another file's\n", encoding="utf-8")
    kept = tmp_path / "kept.txt"
    kept.write_text("a link's target\n", encoding="utf-8")
    link = tmp_path / f".{name}.{finished.pid + 1}.tmp"
    link.symlink_to(kept)
    writer = ("backup",) if option == "backup" else WRITERS[option]
    ok(run(*writer, str(tmp_path / name)))
    assert (tmp_path / name).exists()
    assert not stale.exists() and not journal.exists()
    assert running.read_text(encoding="utf-8") == "still being written\n"
    assert other.exists() and link.is_symlink() and kept.exists()
