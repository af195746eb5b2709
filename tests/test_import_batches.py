"""Import writes exported complaints a batch at a time (issue 16): what it writes is what
one complaint at a time wrote — the repeat figures around what was already there, the
indexes of an empty database, the bad rows in the file's order — and a clash anywhere in
a batch is named by its own line."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli import row_checks, workers
from aftersales_cli.store import events
from tests.conftest import Run, complaint_records, ok

PHONE = "13812345678"


def export(run: Run, db: Path, *extra: str) -> list[dict[str, Any]]:
    return complaint_records(ok_text(run("export", "--show-phone", "--db", str(db), *extra)))


def ok_text(result: Any) -> str:
    assert result.exit_code == 0, (result.exit_code, result.stderr)
    return str(result.stdout)


def jsonl(path: Path, rows: list[Any]) -> Path:
    text = "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows
    )
    path.write_text(text, encoding="utf-8")
    return path


def log_at(run: Run, db: Path, when: str, description: str = "米饭偏硬，口感不好") -> None:
    ok(
        run(
            "log", description, "--channel", "hotline", "--customer", "张伟", "--phone", PHONE,
            "--org", "实验小学", "--db", str(db), now=when,
        )
    )  # fmt: skip


def copies(record: dict[str, Any], count: int, first: int) -> list[dict[str, Any]]:
    """`count` copies of an exported complaint under the ids from `first` on."""
    return [{**copy.deepcopy(record), "id": first + n} for n in range(count)]


def indexes(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return sorted(
            conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'").fetchall()
        )


def test_an_import_between_complaints_already_here_keeps_every_repeat_figure_true(
    run: Run, tmp_path: Path
) -> None:
    here, there = tmp_path / "here.db", tmp_path / "there.db"
    log_at(run, here, "2026-11-20 09:00")  # 1
    log_at(run, here, "2026-11-20 11:00")  # 2: its previous complaint becomes the import
    log_at(run, there, "2026-11-19 09:00")
    log_at(run, there, "2026-11-19 10:00")
    log_at(run, there, "2026-11-20 10:00")  # 3, between 1 and 2
    (record,) = export(run, there, "--from", "2026-11-20")
    ok(run("import", str(jsonl(tmp_path / "in.jsonl", [record])), "--db", str(here)))
    ok(run("check", "--db", str(here)))  # the figures agree with the complaints
    with sqlite3.connect(here) as conn:
        gaps = dict(conn.execute("SELECT id, same_gap_minutes FROM complaints").fetchall())
    # (minutes as the tool counts them, from Julian days: an hour may read 59)
    assert gaps[1] is None and 59 <= gaps[2] <= 60 and 59 <= gaps[3] <= 60


def test_an_import_into_an_empty_database_leaves_it_as_a_new_one_is(
    run: Run, tmp_path: Path
) -> None:
    source, empty, fresh = tmp_path / "source.db", tmp_path / "empty.db", tmp_path / "new.db"
    for hour in (9, 10, 11):
        log_at(run, source, f"2026-11-20 {hour:02d}:00")
    records = export(run, source)
    intake = {"description": "送餐晚了", "channel": "online", "customer": "王", "phone": PHONE}
    path = jsonl(tmp_path / "in.jsonl", [*records, intake])  # a form's row after the export
    assert ok(run("import", str(path), "--db", str(empty), "--json"))["imported"] == 4
    ok(run("list", "--db", str(fresh)))
    assert indexes(empty) == indexes(fresh)
    ok(run("check", "--db", str(empty)))
    with sqlite3.connect(empty) as conn:
        gaps = [g for (g,) in conn.execute("SELECT same_gap_minutes FROM complaints ORDER BY id")]
    assert gaps[0] is None and all(59 <= g <= 60 for g in gaps[1:3])
    assert gaps[3] is None  # (the form's row is another category)


def test_a_refused_import_into_an_empty_database_leaves_its_indexes(
    run: Run, tmp_path: Path
) -> None:
    source, empty = tmp_path / "source.db", tmp_path / "empty.db"
    log_at(run, source, "2026-11-20 09:00")
    ok(run("list", "--db", str(empty)))
    before = indexes(empty)
    path = jsonl(tmp_path / "in.jsonl", [*export(run, source), "{"])
    result = run("import", str(path), "--db", str(empty))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("error: file: 1 bad row(s)")
    assert indexes(empty) == before
    assert ok(run("list", "--db", str(empty), "--json")) == []


def test_bad_rows_are_told_in_the_order_of_the_file(run: Run, tmp_path: Path) -> None:
    """A clash is found when its batch is written, after the rows below it are read: it
    is still told first."""
    db = tmp_path / "here.db"
    log_at(run, db, "2026-11-20 09:00")
    (record,) = export(run, db)
    fresh = copy.deepcopy(record)
    fresh["id"] = 7
    path = jsonl(tmp_path / "in.jsonl", [fresh, record, "{"])  # line 2 is complaint 1 again
    result = run("import", str(path), "--db", str(db))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "error: line 2: id: complaint 1 already exists in this database"
    assert lines[1].startswith("error: line 3: ")
    assert lines[2].startswith("error: file: 2 bad row(s)")


def test_a_clash_deep_in_a_large_file_is_named_by_its_line_alone(run: Run, tmp_path: Path) -> None:
    """More complaints than one batch: the batch with the clash is written again one
    complaint at a time, and only the clashing line is named."""
    db, other = tmp_path / "here.db", tmp_path / "other.db"
    log_at(run, db, "2026-11-20 09:00")
    log_at(run, other, "2026-11-20 08:00")
    (record,) = export(run, other)
    many = copies(record, 1200, 1000)
    clean = jsonl(tmp_path / "clean.jsonl", many)
    many[1099]["id"] = 1  # line 1100: the complaint already here
    clashing = jsonl(tmp_path / "clash.jsonl", many)
    lines = run("import", str(clashing), "--db", str(db)).stderr.splitlines()
    assert lines == [
        "error: line 1100: id: complaint 1 already exists in this database",
        f"error: file: 1 bad row(s) in {clashing}; nothing imported",
    ]
    assert [c["id"] for c in ok(run("list", "--db", str(db), "--json"))] == [1]
    imported = ok(run("import", str(clean), "--db", str(db), "--json"))
    assert imported["ids"] == list(range(1000, 2200))
    ok(run("check", "--db", str(db)))


# ---- the rows checked in worker processes (a large JSON Lines file) ---------------------


@pytest.fixture
def in_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every JSON Lines import of the test is checked by two worker processes, seven
    lines at a time (as a file of more than `PARALLEL_FROM` bytes is)."""
    monkeypatch.setattr(row_checks, "PARALLEL_FROM", 0)
    monkeypatch.setattr(row_checks, "CHUNK", 7)
    monkeypatch.setattr(workers, "available", lambda: 2)


@pytest.mark.usefixtures("in_workers")
def test_checked_by_workers_the_demo_database_comes_back_byte_for_byte(
    run: Run, tmp_path: Path
) -> None:
    demo, empty = tmp_path / "demo.db", tmp_path / "empty.db"
    ok(run("demo", "--db", str(demo)))
    exported, again = tmp_path / "demo.jsonl", tmp_path / "again.jsonl"
    ok(run("export", "--show-phone", "--attachments", "--out", str(exported), "--db", str(demo)))
    ok(run("import", str(exported), "--db", str(empty)))
    ok(run("export", "--show-phone", "--attachments", "--out", str(again), "--db", str(empty)))
    assert again.read_bytes() == exported.read_bytes()
    ok(run("check", "--db", str(empty)))


@pytest.mark.usefixtures("in_workers")
def test_checked_by_workers_bad_rows_and_clashes_are_told_in_the_order_of_the_file(
    run: Run, tmp_path: Path
) -> None:
    db, other = tmp_path / "here.db", tmp_path / "other.db"
    log_at(run, db, "2026-11-20 09:00")
    log_at(run, other, "2026-11-20 08:00")
    (record,) = export(run, other)
    rows: list[Any] = list(copies(record, 40, 100))
    rows[9]["id"] = 1  # line 10: already here
    rows[20]["customer"] = {"a": 1}  # line 21: not a text
    rows[25]["id"] = 105  # line 26: as line 6
    rows.insert(30, "{")  # line 31: not JSON
    path = jsonl(tmp_path / "in.jsonl", rows)
    lines = run("import", str(path), "--db", str(db)).stderr.splitlines()
    assert lines == [
        "error: line 10: id: complaint 1 already exists in this database",
        "error: line 21: customer: a text, not an object",
        "error: line 26: id: 105 is also on line 6",
        "error: line 31: not valid JSON (Expecting property name enclosed in double quotes "
        "at column 1)",
        f"error: file: 4 bad row(s) in {path}; nothing imported",
    ]
    assert [c["id"] for c in ok(run("list", "--db", str(db), "--json"))] == [1]


@pytest.mark.usefixtures("in_workers")
def test_checked_by_workers_a_masked_export_is_refused_once(run: Run, tmp_path: Path) -> None:
    source, empty = tmp_path / "source.db", tmp_path / "empty.db"
    for hour in range(8, 20):
        log_at(run, source, f"2026-11-20 {hour:02d}:00")
    masked = tmp_path / "masked.jsonl"
    ok(run("export", "--out", str(masked), "--db", str(source)))
    result = run("import", str(masked), "--db", str(empty))
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: line 1: phone: is masked; ")


# ---- export's records built in worker processes (from 5,000 complaints) ------------------


def test_built_by_workers_an_export_says_byte_for_byte_what_one_process_writes(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Masked or not, with attachments, to a file or to standard output, in a zone with
    summer time: the lines the workers build are the lines this process writes."""
    from aftersales_cli.commands import data

    demo = tmp_path / "demo.db"
    ok(run("demo", "--db", str(demo)))
    ways = [
        ("--show-phone", "--attachments"),
        (),
        ("--show-phone", "--status", "closed"),
    ]
    for zone in ("Asia/Shanghai", "America/New_York"):
        env = {"AFTERSALES_TZ": zone}
        for n, way in enumerate(ways):
            alone, shared = tmp_path / f"alone-{zone[:4]}{n}.jsonl", tmp_path / f"w-{zone[:4]}{n}"
            ok(run("export", *way, "--out", str(alone), "--db", str(demo), env=env))
            with monkeypatch.context() as patched:
                patched.setattr(data, "PARALLEL_FROM", 0)
                patched.setattr(data, "_BATCH", 3)
                patched.setattr(workers, "available", lambda: 2)
                ok(run("export", *way, "--out", f"{shared}.jsonl", "--db", str(demo), env=env))
                piped = run("export", *way, "--db", str(demo), env=env)
            assert Path(f"{shared}.jsonl").read_bytes() == alone.read_bytes(), (zone, way)
            assert piped.stdout.encode() == alone.read_bytes(), (zone, way)


def test_built_by_workers_an_unreadable_complaint_stops_the_export_by_name(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aftersales_cli.commands import data

    db = tmp_path / "here.db"
    for hour in range(8, 14):
        log_at(run, db, f"2026-11-20 {hour:02d}:00")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE complaints SET received_at = 'yesterday' WHERE id = 5")
    out = tmp_path / "all.jsonl"
    alone = run("export", "--show-phone", "--out", str(out), "--db", str(db))
    monkeypatch.setattr(data, "PARALLEL_FROM", 0)
    monkeypatch.setattr(data, "_BATCH", 2)
    monkeypatch.setattr(workers, "available", lambda: 2)
    shared = run("export", "--show-phone", "--out", str(out), "--db", str(db))
    assert alone.exit_code == shared.exit_code == 74
    assert shared.stderr == alone.stderr
    assert "complaint 5" in shared.stderr
    assert not out.exists()


@pytest.mark.usefixtures("in_workers")
def test_checked_by_workers_a_line_that_is_not_utf8_refuses_the_file_there(
    run: Run, tmp_path: Path
) -> None:
    db, other = tmp_path / "here.db", tmp_path / "other.db"
    log_at(run, other, "2026-11-20 08:00")
    (record,) = export(run, other)
    lines = [json.dumps(c, ensure_ascii=False).encode() for c in copies(record, 20, 100)]
    lines[11] = b'{"b": "\xff"}'  # line 12, in the second chunk of seven
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = run("import", str(path), "--db", str(db))
    assert result.exit_code == 2
    assert result.stderr == f"error: file: cannot read {path}: not UTF-8 text (line 12)\n"
    assert ok(run("list", "--db", str(db), "--json")) == []


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(), _JSON_VALUES, max_size=6))
def test_a_restored_history_entry_keeps_its_changes_as_json_dumps_writes_them(
    changes: dict[str, Any],
) -> None:
    # (the encoder made once must write what json.dumps writes, key order, NaN and all)
    assert events._changes(changes) == json.dumps(changes, ensure_ascii=False)
