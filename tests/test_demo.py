"""`aftersales demo` builds a realistic database from the embedded scenario."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from conftest import Run, ok, refused

from aftersales_cli.rules.taxonomy import CATEGORIES, CHANNELS


@pytest.fixture
def demo_db(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    result = run("demo")
    assert result.exit_code == 0, result.stderr
    assert "Built aftersales-demo.db" in result.stdout
    assert "Needing attention" in result.stdout
    assert "What cron would report (aftersales overdue)" in result.stdout
    assert "The quarter's review (aftersales report --quarter" in result.stdout
    assert "Key figures against targets" in result.stdout
    return tmp_path / "aftersales-demo.db"


def test_demo_covers_every_category_channel_and_status(run: Run, demo_db: Path) -> None:
    cases = ok(run("list", "--all", "--json", "--db", str(demo_db)))
    assert 30 <= len(cases) <= 60
    assert {c["category"] for c in cases} == set(CATEGORIES.keys())
    assert {c["channel"] for c in cases} == set(CHANNELS.keys())
    statuses = Counter(c["status"] for c in cases)
    assert set(statuses) == {"new", "classified", "assigned", "closed", "revisited", "reopened"}
    states = Counter(d["state"] for c in cases for d in c["deadlines"].values())
    assert states["breached"] and states["pending"] and states["met"]
    offences = sorted(c["penalty"]["offence"] for c in cases if c["penalty"])
    assert offences[:3] == [1, 2, 3]
    assert any(c["incident"] for c in cases)
    assert any(c["reopen_count"] for c in cases)
    english = [c for c in cases if c["description"].isascii()]
    assert 0 < len(english) < len(cases)


def test_demo_overdue_finds_late_cases(run: Run, demo_db: Path) -> None:
    assert run("overdue", "--db", str(demo_db)).exit_code == 1


def test_demo_is_replayed_through_the_lifecycle(demo_db: Path) -> None:
    conn = sqlite3.connect(demo_db)
    actions = {row[0] for row in conn.execute("SELECT DISTINCT action FROM events")}
    assert {"log", "classify", "close", "revisit"} <= actions
    assert conn.execute("SELECT value FROM meta WHERE key = 'demo'").fetchone() == ("1",)


def test_demo_rebuilds_its_own_file_but_never_another(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    assert run("demo").exit_code == 0
    mine = tmp_path / "cases.db"
    ok(
        run(
            "log",
            "x",
            "--channel",
            "online",
            "--customer",
            "a",
            "--phone",
            "13800000000",
            "--db",
            str(mine),
        )
    )
    before = mine.read_bytes()
    refused(run("demo", "--db", str(mine)), "db", "not a demo database")
    assert mine.read_bytes() == before
    assert not list(tmp_path.glob(".*building*"))


@pytest.mark.parametrize("now", ["2026-01-01 00:05", "2026-07-01 09:00", "2027-02-28 23:59"])
def test_demo_works_at_any_moment(run: Run, tmp_path: Path, now: str) -> None:
    result = run("demo", "--db", str(tmp_path / f"{now[:4]}.db"), now=now)
    assert result.exit_code == 0, result.stderr
