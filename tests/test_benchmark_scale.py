"""The scale section of the benchmarks (issue 16): its floor, and the section run whole on a
small seeded database. Timings are measured there, never asserted here."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from test_benchmark_seed import SEED, seed

FLOOR = SEED.parent / "floor.py"
RUN = SEED.parent / "run.py"
TABLES = ("complaints", "deadlines", "events")


def test_the_floor_writes_every_row_as_one_json_line(tmp_path: Path) -> None:
    db = seed(tmp_path, 200)
    out = tmp_path / "floor.jsonl"
    result = subprocess.run(
        [sys.executable, str(FLOOR), str(db), str(out)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = [dict(row) for table in TABLES for row in conn.execute(f"SELECT * FROM {table}")]
    assert len(rows) > 200 * 3
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == rows
    assert out.stat().st_mode & 0o777 == 0o600  # customers' phones
    # a file that is there already is left alone
    again = subprocess.run([sys.executable, str(FLOOR), str(db), str(out)], capture_output=True)
    assert again.returncode != 0 and len(out.read_text(encoding="utf-8").splitlines()) == len(rows)


def test_the_scale_section_times_all_four_and_leaves_no_file(tmp_path: Path) -> None:
    db = seed(tmp_path, 100)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    bin_ = Path(sys.executable).parent  # where `aftersales` is installed with this Python
    result = subprocess.run(
        [sys.executable, str(RUN), "--db", str(db), "--scale", "--scale-runs", "2"],
        capture_output=True,
        text=True,
        env={
            "PATH": f"{bin_}:/usr/bin:/bin",
            "TMPDIR": str(scratch),
            **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
        },
    )
    assert result.returncode in (0, 1), result.stderr  # 1: a row off its target
    table = result.stdout.splitlines()
    assert table[0].startswith("100 complaints, ")
    rows = {line.split("  ")[0]: line for line in table[3:7]}
    assert list(rows) == [
        "floor: rows to JSON lines",
        "aftersales export --show-phone",
        "aftersales import into an empty database",
        "aftersales backup",
    ]
    assert all("STOPPED" not in line for line in rows.values())
    assert "≤1.5" in rows["aftersales export --show-phone"]
    assert "≤3.0" in rows["aftersales import into an empty database"]
    # a line on stderr as each run ends
    done = [re.fullmatch(r"seeded\.db round [12]/2: (.+) [\d.]+ s, \d+ MiB", line)
            for line in result.stderr.splitlines()]  # fmt: skip
    assert sorted(match.group(1) for match in done if match) == sorted(
        ["floor: rows to JSON lines", "export --show-phone", "import into an empty database",
         "backup"] * 2)  # fmt: skip
    assert list(scratch.iterdir()) == []  # the exports, imports and backups are gone


def test_the_work_alone_of_each_slow_command_runs_against_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each command's work alone (`WORK`) calls the store as the command does: a snippet
    that no longer runs (a function renamed, an argument added) fails here, not in a
    benchmark run at a million."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    assert spec is not None and spec.loader is not None
    run = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_run", run)  # its dataclasses look it up
    spec.loader.exec_module(run)
    db = seed(tmp_path, 300)
    env = {**os.environ, "AFTERSALES_NOW": "2026-11-22 10:00"}
    work = run.measure_work(db, run.largest_client(db), env, 1)
    assert set(work) == set(run.WORK) <= set(run.TARGETS)
    assert all(ms >= 0 for ms in work.values())
    run.print_work(work, 0.05)
    shown = capsys.readouterr().out
    for name in run.WORK:
        assert re.search(rf"aftersales {re.escape(name)} +\d+ms +\d+ms  (the work|room)", shown)
