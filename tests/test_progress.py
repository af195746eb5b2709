"""Progress of long jobs (issue 16): a bar on stderr when stderr is a terminal — done of
total, the unit, the rate, time left — and nothing otherwise (cron, pipes, CI) or with
--quiet: stderr then carries only the summary or the error, as before. `backup` and
`recompute` so far."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from hostile_support import cli_env, sub

NOW = "2026-12-31 17:30"


def on_a_terminal(*args: str, db: Path, now: str = NOW) -> tuple[int, str, str]:
    """`python -m aftersales_cli ARGS` with stderr on a pseudo-terminal: the exit code,
    stdout (a pipe) and what the terminal got."""
    master, slave = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "aftersales_cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env={**cli_env(db, now), "COLUMNS": "100"},
    )
    os.close(slave)
    seen = bytearray()
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed its end
                break
            if not data:
                break
            seen += data
        elif child.poll() is not None:
            break
    assert child.stdout is not None
    out = child.stdout.read().decode()
    code = child.wait(timeout=60)
    os.close(master)
    return code, out, seen.decode(errors="replace")


def test_backup_shows_its_pages_on_a_terminal_and_nothing_on_a_pipe(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    assert sub("log", "米饭偏硬", "--channel", "online", "--customer", "张", "--phone",
               "13812345678", db=db).returncode == 0  # fmt: skip
    code, out, terminal = on_a_terminal("backup", str(tmp_path / "b1.db"), db=db)
    assert code == 0 and "Backed up 1 complaints" in out
    assert "Backing up" in terminal and "pages" in terminal
    quiet = on_a_terminal("backup", str(tmp_path / "b2.db"), "--quiet", db=db)
    assert quiet[0] == 0 and "Backing up" not in quiet[2]
    piped = sub("backup", str(tmp_path / "b3.db"), db=db)
    assert piped.returncode == 0 and piped.stderr == ""


def test_recompute_shows_the_complaints_on_a_terminal_and_nothing_on_a_pipe(
    tmp_path: Path,
) -> None:
    db = tmp_path / "a.db"
    for _ in range(3):
        assert sub("log", "米饭偏硬", "--channel", "online", "--customer", "张", "--phone",
                   "13812345678", db=db).returncode == 0  # fmt: skip
    code, out, terminal = on_a_terminal("recompute", "--open", db=db)
    assert code == 0 and "Counted again 3 complaints" in out
    assert "Counting again" in terminal and "complaints" in terminal
    piped = sub("recompute", "--open", db=db, env={"AFTERSALES_NOW": NOW})
    assert piped.returncode == 0 and "Counting again" not in piped.stderr
    assert piped.stderr == ""


def test_export_and_import_show_their_progress_on_a_terminal_only(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    for _ in range(3):
        assert sub("log", "米饭偏硬", "--channel", "online", "--customer", "张", "--phone",
                   "13812345678", db=db).returncode == 0  # fmt: skip
    out = tmp_path / "all.jsonl"
    code, _, terminal = on_a_terminal("export", "--show-phone", "--out", str(out), db=db)
    assert code == 0 and "Exporting" in terminal and "complaints" in terminal
    piped = sub("export", "--show-phone", "--out", str(tmp_path / "again.jsonl"), db=db)
    assert piped.returncode == 0 and piped.stderr == ""
    code, said, terminal = on_a_terminal("import", str(out), db=tmp_path / "b.db")
    assert code == 0 and "Imported 3 complaint(s)" in said
    assert "Importing" in terminal and "KiB" in terminal
    quiet = on_a_terminal("import", str(out), "--quiet", db=tmp_path / "c.db")
    assert quiet[0] == 0 and "Importing" not in quiet[2]
    piped = sub("import", str(out), db=tmp_path / "d.db")
    assert piped.returncode == 0 and piped.stderr == ""


def test_check_shows_the_complaints_checked_on_a_terminal_only(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    assert sub("log", "米饭偏硬", "--channel", "online", "--customer", "张", "--phone",
               "13812345678", db=db).returncode == 0  # fmt: skip
    code, _, terminal = on_a_terminal("check", db=db)
    assert code == 0 and "Checking" in terminal and "complaints" in terminal
    assert "Checking" not in on_a_terminal("check", "-q", db=db)[2]
    piped = sub("check", db=db)
    assert piped.returncode == 0 and piped.stderr == "" and piped.stdout == ""
