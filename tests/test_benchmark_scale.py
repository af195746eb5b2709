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
