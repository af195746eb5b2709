"""Evidence (issue 12): `attach` keeps a file inside the database, `attachment` writes it
back verified; `show`, `export --attachments`, `import`, `backup` and `check` carry or
verify them; every hostile file is refused in one line with the database unchanged."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, closed, ok, refused

from aftersales_cli import exchange
from aftersales_cli.rules import history
from aftersales_cli.rules.attachments import clean_name, sniff

Log = Callable[..., dict[str, Any]]

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PDF = b"%PDF-1.7\n" + "检测报告 合格".encode() * 50


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return write(tmp_path / "现场照片.jpg", JPEG)


@pytest.fixture
def report(tmp_path: Path) -> Path:
    return write(tmp_path / "lab report.pdf", PDF)


def state(db: Path) -> tuple[bytes, ...]:
    """Everything on disk of the database (file, WAL), to show a refusal wrote nothing."""
    return tuple(
        Path(f"{db}{suffix}").read_bytes() if Path(f"{db}{suffix}").exists() else b""
        for suffix in ("", "-wal")
    )


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


# ---- attach, show ----------------------------------------------------------------------


def test_attach_numbers_per_case_and_show_lists_them(
    run: Run, log: Log, photo: Path, report: Path
) -> None:
    log()
    log("米饭变质")
    first = ok(run("attach", "1", str(photo), "--note", "客户拍的照片", "--json"))
    assert first == {
        "complaint_id": 1,
        "number": 1,
        "name": "现场照片.jpg",
        "type": "image/jpeg",
        "size": len(JPEG),
        "sha256": hashlib.sha256(JPEG).hexdigest(),
        "by": "tester",
        "at": "2026-11-22T10:00:00+08:00",
        "note": "客户拍的照片",
    }
    assert ok(run("attach", "2", str(report), "--json"))["number"] == 1  # per case
    second = run("attach", "1", str(report))
    assert second.exit_code == 0
    assert "as attachment 2 (application/pdf" in second.stdout

    data = ok(run("show", "1", "--json"))
    assert [(a["number"], a["name"], a["type"]) for a in data["attachments"]] == [
        (1, "现场照片.jpg", "image/jpeg"),
        (2, "lab report.pdf", "application/pdf"),
    ]
    assert all("content" not in a for a in data["attachments"])  # metadata only
    attach_events = [e for e in data["events"] if e["action"] == "attach"]
    assert [e["changes"] for e in attach_events] == [
        {"attachment": [None, 1]},
        {"attachment": [None, 2]},
    ]
    assert attach_events[0]["note"].startswith("现场照片.jpg (image/jpeg, 1.0 KiB); 客户拍的照片")

    text = run("show", "1", env={"COLUMNS": "100"}).stdout
    assert "Attachments" in text
    assert hashlib.sha256(JPEG).hexdigest()[:12] in text
    assert "attachment 1 — 现场照片.jpg" in text
    assert ok(run("show", "2", "--json"))["attachments"][0]["name"] == "lab report.pdf"
    assert ok(run("check", "--json"))["ok"] is True


def test_attach_works_at_any_status_and_records_breaches_first(
    run: Run, log: Log, photo: Path
) -> None:
    log(now="2026-11-20 09:00")
    closed(run, "1", now="2026-11-21 09:00")
    data = ok(run("attach", "1", str(photo), "--json", now="2026-11-22 10:00"))
    assert data["number"] == 1
    shown = ok(run("show", "1", "--json"))
    assert shown["events"][-1]["action"] == "attach"
    assert shown["status"] == "closed"


def test_the_type_is_read_from_the_content_not_the_name(run: Run, log: Log, tmp_path: Path) -> None:
    log()
    disguised = write(tmp_path / "report.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    assert ok(run("attach", "1", str(disguised), "--json"))["type"] == "image/png"
    text = write(tmp_path / "photo.jpg", b"just some text")
    assert ok(run("attach", "1", str(text), "--json"))["type"] == "application/octet-stream"


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xdb", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"GIF89a", "image/gif"),
        (b"GIF87a", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x18ftypheic", "image/heic"),
        (b"\x00\x00\x00\x18ftypmif1", "image/heif"),
        (b"II*\x00", "image/tiff"),
        (b"MM\x00*", "image/tiff"),
        (b"%PDF-1.4", "application/pdf"),
        (b"\x00\x00\x00\x18ftypisom", "application/octet-stream"),  # a video, not a still
        (b"RIFF\x10\x00\x00\x00WAVE", "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
)
def test_sniff(head: bytes, kind: str) -> None:
    assert sniff(head) == kind


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("photo.jpg", "photo.jpg"),
        ("/tmp/x/photo.jpg", "photo.jpg"),
        ("C:\\Users\\李\\报告.pdf", "报告.pdf"),
        ("evil\x1b[2Jname.jpg", "evil[2Jname.jpg"),
        ("\u202egpj.exe", "gpj.exe"),
        ("a\u3000b.jpg", "a b.jpg"),
        ("  spaced.png  ", "spaced.png"),
        ("\x07\x08", "attachment"),
        ("dir/..", "attachment"),
        ("x" * 300 + ".jpeg", "x" * 195 + ".jpeg"),
    ],
)
def test_names_keep_only_a_clean_base_name(given: str, kept: str) -> None:
    assert clean_name(given) == kept


def test_a_name_with_control_characters_is_stored_cleaned(
    run: Run, log: Log, tmp_path: Path
) -> None:
    log()
    odd = write(tmp_path / "a\x1b]0;pwned\x07b.jpg", JPEG)
    assert ok(run("attach", "1", str(odd), "--json"))["name"] == "a]0;pwnedb.jpg"


def test_a_symbolic_link_is_followed_for_reading(
    run: Run, log: Log, photo: Path, tmp_path: Path
) -> None:
    log()
    link = tmp_path / "link.jpg"
    link.symlink_to(photo)
    data = ok(run("attach", "1", str(link), "--json"))
    assert (data["name"], data["sha256"]) == ("link.jpg", hashlib.sha256(JPEG).hexdigest())


# ---- hostile files -----------------------------------------------------------------------


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.jpg"
    os.mkfifo(path)  # nobody writes to it: reading it would wait for ever
    return path


def _dangling(tmp_path: Path) -> Path:
    path = tmp_path / "gone.jpg"
    path.symlink_to(tmp_path / "nowhere.jpg")
    return path


def _huge(tmp_path: Path) -> Path:
    path = tmp_path / "huge.tif"
    with path.open("wb") as handle:  # sparse: 4 GiB on the size, nothing on the disk
        handle.truncate(4 * 1024**3)
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda tmp: tmp / "missing.jpg", ("file:", "missing.jpg", "does not exist")),
        (lambda tmp: tmp, ("file:", "is a folder")),
        (_fifo, ("file:", "pipe.jpg", "not a regular file")),
        (lambda tmp: Path("/dev/null"), ("file:", "/dev/null", "not a regular file")),
        (_dangling, ("file:", "does not exist", "symbolic link to nothing")),
        (_huge, ("file:", "4096.0 MiB", "at most 20.0 MiB")),
        (lambda tmp: write(tmp / "empty.jpg", b""), ("file:", "empty.jpg", "is empty")),
    ],
    ids=["missing", "folder", "fifo", "device", "dangling-link", "too-large", "empty"],
)
def test_hostile_files_are_refused_and_nothing_changes(
    run: Run, log: Log, db_path: Path, tmp_path: Path, make: Callable[[Path], Path], words: Any
) -> None:
    log()
    before = state(db_path)
    target = make(tmp_path)
    refused(run("attach", "1", str(target)), *words)
    assert state(db_path) == before
    assert count(db_path, "attachments") == 0


def test_an_empty_path_is_refused(run: Run, log: Log) -> None:
    log()
    refused(run("attach", "1", ""), "file:", "must not be empty")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_refused(run: Run, log: Log, photo: Path, db_path: Path) -> None:
    log()
    photo.chmod(0)
    before = state(db_path)
    refused(run("attach", "1", str(photo)), "file:", "cannot read", "ermission denied")
    assert state(db_path) == before


def test_the_limit_comes_from_the_rules_file(
    run: Run, log: Log, tmp_path: Path, db_path: Path
) -> None:
    log()
    rules = tmp_path / "rules.toml"
    rules.write_text("[attachments]\nmax_mib = 1\n", "utf-8")
    over = write(tmp_path / "scan.tif", b"II*\x00" + b"\x00" * (1024 * 1024 - 3))
    before = state(db_path)
    refused(run("attach", "1", str(over), "--rules", str(rules)), "1.0 MiB", "at most 1.0 MiB")
    assert state(db_path) == before
    exact = write(tmp_path / "scan.tif", b"II*\x00" + b"\x00" * (1024 * 1024 - 4))
    assert ok(run("attach", "1", str(exact), "--rules", str(rules), "--json"))["size"] == 2**20
    assert ok(run("rules", "--json", "--rules", str(rules)))["attachments"] == {"max_mib": 1}
    assert "at most 20 MiB each" in run("rules").stdout


@pytest.mark.parametrize("value", ["0", "257", '"20"', "1.5"])
def test_a_bad_limit_in_the_rules_file_is_refused(
    run: Run, log: Log, photo: Path, tmp_path: Path, value: str
) -> None:
    log()
    rules = tmp_path / "rules.toml"
    rules.write_text(f"[attachments]\nmax_mib = {value}\n", "utf-8")
    refused(run("attach", "1", str(photo), "--rules", str(rules)), "attachments.max_mib")


def test_attach_to_a_missing_complaint_or_with_a_bad_note(
    run: Run, log: Log, photo: Path, db_path: Path
) -> None:
    log()
    before = state(db_path)
    refused(run("attach", "9", str(photo)), "no complaint 9")
    refused(run("attach", "1", str(photo), "--note", "a\x1bb"), "note", "control character")
    refused(run("attach", "1", str(photo), "--note", " "), "note", "must not be empty")
    refused(run("attach", "0", str(photo)), "complaint id")
    assert state(db_path) == before


# ---- attachment: writing one back ----------------------------------------------------


def test_attachment_writes_the_file_back_privately(
    run: Run, log: Log, photo: Path, tmp_path: Path
) -> None:
    log()
    ok(run("attach", "1", str(photo)))
    out = tmp_path / "out" / "copy.jpg"
    out.parent.mkdir()
    data = ok(run("attachment", "1", "1", "--out", str(out), "--json"))
    assert data["file"] == str(out) and data["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert out.read_bytes() == JPEG
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert (
        "SHA-256 verified" in run("attachment", "1", "1", "--out", str(out), "--overwrite").stdout
    )
    assert sorted(p.name for p in out.parent.iterdir()) == ["copy.jpg"]  # no temporary left


def test_attachment_refuses_what_the_file_rules_refuse(
    run: Run, log: Log, photo: Path, tmp_path: Path, db_path: Path
) -> None:
    log()
    ok(run("attach", "1", str(photo)))
    existing = write(tmp_path / "exists.jpg", b"keep me")
    refused(run("attachment", "1", "1", "--out", str(existing)), "out:", "exists", "--overwrite")
    assert existing.read_bytes() == b"keep me"
    victim = write(tmp_path / "victim.txt", b"untouched")
    link = tmp_path / "link.jpg"
    link.symlink_to(victim)
    refused(run("attachment", "1", "1", "--out", str(link), "--overwrite"), "out:", "symbolic link")
    assert victim.read_bytes() == b"untouched"
    refused(run("attachment", "1", "1", "--out", str(db_path)), "out:", "is the database")
    refused(run("attachment", "1", "2", "--out", str(tmp_path / "n.jpg")), "number:", "has 1")
    refused(run("attachment", "7", "1", "--out", str(tmp_path / "n.jpg")), "no complaint 7")
    refused(run("attachment", "1", "0", "--out", str(tmp_path / "n.jpg")), "attachment number")
    refused(run("attachment", "1", "1", "--out", ""), "out", "must not be empty")
    result = run("attachment", "1", "1")
    assert result.exit_code == 2 and "--out" in result.stderr
    assert not (tmp_path / "n.jpg").exists()


# ---- append-only, check ------------------------------------------------------------------


def test_attachments_are_never_changed_or_deleted(
    run: Run, log: Log, photo: Path, db_path: Path
) -> None:
    log()
    ok(run("attach", "1", str(photo)))
    with sqlite3.connect(db_path) as conn:
        with pytest.raises(sqlite3.DatabaseError, match="never changed"):
            conn.execute("UPDATE attachments SET content = x'00'")
        with pytest.raises(sqlite3.DatabaseError, match="never deleted"):
            conn.execute("DELETE FROM attachments")


def test_check_finds_a_tampered_attachment_and_attachment_refuses_it(
    run: Run, log: Log, photo: Path, report: Path, db_path: Path, tmp_path: Path
) -> None:
    log()
    ok(run("attach", "1", str(photo)))
    ok(run("attach", "1", str(report)))
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER attachments_never_changed")  # as a hand edit would
    flipped = bytes([JPEG[0] ^ 1]) + JPEG[1:]
    conn.execute("UPDATE attachments SET content = ? WHERE number = 1", (flipped,))
    conn.execute("UPDATE attachments SET content = x'00' WHERE number = 2")
    conn.commit()
    conn.close()
    result = run("check")
    assert result.exit_code == 1
    assert "complaint #1: attachment 1: its content's SHA-256 is not the one recorded" in (
        result.stdout
    )
    assert "complaint #1: attachment 2: holds 1 bytes, not the" in result.stdout
    out = tmp_path / "back.jpg"
    refused(run("attachment", "1", "1", "--out", str(out)), "damaged", "check", code=74)
    assert not out.exists()


def test_history_accepts_attach_entries_and_nothing_else_naming_an_attachment() -> None:
    assert "attach" in history.ACTIONS
    assert history.is_known_key("attachment")
    problems = history._entry_key_problems("e", "attachment", "close", [None, 1])
    assert problems and "only by an attach entry" in problems[0][1]
    assert history._entry_key_problems("e", "attachment", "attach", [None, 1]) == []
    assert history._entry_key_problems("e", "attachment", "attach", [1, 2])
    assert history._entry_key_problems("e", "attachment", "attach", [None, 0])
    assert history._entry_key_problems("e", "attachment", "attach", [None, "1"])


# ---- export, import, backup ----------------------------------------------------------


@pytest.fixture
def evidence(run: Run, log: Log, photo: Path, report: Path) -> None:
    log()
    log("米饭变质")
    log("建议增加素食")
    ok(run("attach", "1", str(photo), "--note", "现场"))
    ok(run("attach", "2", str(report)))
    ok(run("attach", "2", str(photo)))


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_export_with_attachments_and_import_give_the_files_back(
    run: Run, evidence: None, tmp_path: Path
) -> None:
    plain = run("export", "--show-phone").stdout
    assert '"attachment": {' not in plain  # only with --attachments
    out = tmp_path / "all.jsonl"
    ok(run("export", "--show-phone", "--attachments", "--out", str(out)))
    rows = _lines(out)
    assert [
        r.get("id") or (r["attachment"]["complaint_id"], r["attachment"]["number"]) for r in rows
    ] == [
        1,
        (1, 1),
        2,
        (2, 1),
        (2, 2),
        3,
    ]
    assert "content" not in rows[1]["attachment"]
    empty = tmp_path / "empty.db"
    result = ok(run("import", str(out), "--db", str(empty), "--json"))
    assert result == {"imported": 3, "ids": [1, 2, 3], "attachments": 3}
    for cid, number, data in ((1, 1, JPEG), (2, 1, PDF), (2, 2, JPEG)):
        back = tmp_path / f"{cid}-{number}"
        ok(run("attachment", str(cid), str(number), "--out", str(back), "--db", str(empty)))
        assert back.read_bytes() == data
    assert run("show", "2", "--db", str(empty)).stdout == run("show", "2").stdout
    again = run("export", "--show-phone", "--attachments", "--db", str(empty)).stdout
    assert again == out.read_text("utf-8")
    assert ok(run("check", "--json", "--db", str(empty)))["ok"] is True


def test_a_large_attachment_travels_in_parts(
    run: Run, evidence: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exchange, "ATTACHMENT_PIECE", 100)
    out = tmp_path / "parts.jsonl"
    ok(run("export", "--show-phone", "--attachments", "--out", str(out)))
    rows = [r for r in _lines(out) if "attachment" in r and r["attachment"]["number"] == 1]
    assert [(r["part"], r["parts"]) for r in rows][:3] == [(1, 11), (2, 11), (3, 11)]
    empty = tmp_path / "empty.db"
    assert ok(run("import", str(out), "--db", str(empty), "--json"))["attachments"] == 3
    back = tmp_path / "back.jpg"
    ok(run("attachment", "1", "1", "--out", str(back), "--db", str(empty)))
    assert back.read_bytes() == JPEG


def _tampered(rows: list[dict[str, Any]], change: Callable[[list[dict[str, Any]]], None]) -> str:
    change(rows)
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def _content(rows: list[dict[str, Any]]) -> None:
    import base64

    data = bytearray(base64.b64decode(rows[1]["content"]))
    data[-1] ^= 1
    rows[1]["content"] = base64.b64encode(bytes(data)).decode()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_content, ("line 2:", "attachment.sha256", "attachment 1 of complaint 1")),
        (
            lambda rows: rows[1]["attachment"].update(size=5),
            ("line 2:", "content", "more than its 5 bytes"),
        ),
        (
            lambda rows: rows[1]["attachment"].update(size=len(JPEG) + 1),
            ("line 2:", "attachment.size", "its content has"),
        ),
        (lambda rows: rows[1].update(parts=2), ("line 2:", "has 1 of its 2 parts")),
        (lambda rows: rows[1].update(part=2, parts=2), ("line 2:", "part 2", "comes first")),
        (lambda rows: rows[1].update(extra=1), ("line 2:", "extra: unknown field")),
        (lambda rows: rows[1].update(content="not base64!"), ("line 2:", "not base64")),
        (
            lambda rows: rows[1]["attachment"].update(name="../../etc/passwd"),
            ("line 2:", "attachment.name", "base name"),
        ),
        (
            lambda rows: rows[1]["attachment"].update(type="text/html"),
            ("line 2:", "attachment.type", "text/html"),
        ),
        (
            lambda rows: rows[1]["attachment"].update(sha256="ABC"),
            ("line 2:", "attachment.sha256", "64 hexadecimal"),
        ),
        (
            lambda rows: rows[1]["attachment"].update(size=21 * 1024 * 1024),
            ("line 2:", "attachment.size", "at most 20.0 MiB"),
        ),
        (
            lambda rows: rows[1]["attachment"].update(complaint_id=9),
            ("line 2:", "complaint 9 is neither in this database"),
        ),
        (
            lambda rows: rows.insert(2, dict(rows[1])),
            ("line 3:", "1 of complaint 1 is already in this database or earlier"),
        ),
        (
            lambda rows: rows[1]["attachment"].pop("at"),
            ("line 2:", "attachment.at", "is required"),
        ),
    ],
    ids=[
        "content-changed",
        "size-smaller",
        "size-larger",
        "part-missing",
        "part-out-of-order",
        "unknown-key",
        "not-base64",
        "path-in-name",
        "unknown-type",
        "bad-sha256",
        "over-the-limit",
        "no-such-complaint",
        "twice",
        "no-time",
    ],
)
def test_import_refuses_an_attachment_that_does_not_add_up(
    run: Run, evidence: None, tmp_path: Path, change: Any, words: tuple[str, ...]
) -> None:
    out = tmp_path / "all.jsonl"
    ok(run("export", "--show-phone", "--attachments", "--out", str(out)))
    bad = tmp_path / "bad.jsonl"
    bad.write_text(_tampered(_lines(out), change), "utf-8")
    empty = tmp_path / "empty.db"
    result = run("import", str(bad), "--db", str(empty))
    assert result.exit_code == 2, result.stderr
    assert "nothing imported" in result.stderr.splitlines()[-1]
    first = result.stderr.splitlines()[0]
    assert all(word in first for word in words), first
    assert count(empty, "complaints") == 0 and count(empty, "attachments") == 0


def test_export_attachments_only_as_json_lines(run: Run, evidence: None, tmp_path: Path) -> None:
    refused(run("export", "--attachments", "--format", "csv"), "attachments", "JSON Lines")
    refused(run("export", "--attachments", "--out", str(tmp_path / "x.csv")), "JSON Lines")
    assert not (tmp_path / "x.csv").exists()


def test_backup_copies_the_attachments(run: Run, evidence: None, tmp_path: Path) -> None:
    copy = tmp_path / "backup.db"
    ok(run("backup", str(copy)))
    back = tmp_path / "from-backup.pdf"
    ok(run("attachment", "2", "1", "--out", str(back), "--db", str(copy)))
    assert back.read_bytes() == PDF
    assert count(copy, "attachments") == 3
    assert ok(run("check", "--json", "--db", str(copy)))["ok"] is True


def test_show_starts_as_before(run: Run, log: Log, photo: Path) -> None:
    """`show` reads the attachments' metadata only: it imports neither the attach
    command, nor hashing, nor base64 (start-up is benchmarked)."""
    import subprocess
    import sys

    log()
    ok(run("attach", "1", str(photo)))
    code = (
        "import sys\nfrom aftersales_cli import cli\n"
        "sys.argv = ['aftersales', 'show', '1']\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "print('\\nloaded:', *sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "现场照片.jpg" in result.stdout
    loaded = set(result.stdout.rsplit("\nloaded:", 1)[1].split())
    assert {
        "hashlib",
        "base64",
        "aftersales_cli.commands.evidence",
        "aftersales_cli.desk.evidence",
    } & loaded == set()
    assert {"rich", "sqlite_utils", "pendulum", "pydantic"} & {
        m.split(".")[0] for m in loaded
    } == set()


def test_a_file_that_grows_past_the_limit_while_read_is_refused(
    run: Run, log: Log, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading stops at the limit + 1 byte, whatever the size looked like before."""
    from aftersales_cli.commands import evidence

    log()
    rules = tmp_path / "rules.toml"
    rules.write_text("[attachments]\nmax_mib = 1\n", "utf-8")
    grown = write(tmp_path / "grown.jpg", JPEG + b"\x00" * (2 * 1024 * 1024))
    real_stat = os.stat

    def small(path: Any, *args: Any, **kwargs: Any) -> Any:
        info = real_stat(path, *args, **kwargs)
        if str(path) == str(grown):  # as it was a moment before it grew
            return os.stat_result((info.st_mode, *info[1:6], len(JPEG), *info[7:]))
        return info

    monkeypatch.setattr(evidence.os, "stat", small)
    before = state(db_path)
    refused(run("attach", "1", str(grown), "--rules", str(rules)), "still growing", "1.0 MiB")
    assert state(db_path) == before
