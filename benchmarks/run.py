#!/usr/bin/env python3
"""Time whole `aftersales` processes on a large database, against two floors.

    python benchmarks/run.py --db /tmp/bench-1m.db [--runs 7] [--small /tmp/bench-100k.db]

Each command runs several times as a separate process (output to a pipe, as cron and
scripts see it — or, for the row "on a terminal", to a pseudo-terminal of TERMINAL_SIZE,
as an operator sees it); the table gives the median and max wall time, the peak memory
(max RSS) and each median as a ratio to two floors measured in the same run:

  F0  `python -c "import sqlite3"` — what any Python tool over SQLite pays;
  F1  a one-command Typer app that prints a word — what any Typer CLI pays.

With --small (a database of the same kind, ten times smaller) the peak memory of each
command is also measured there, to show it stays flat as the database grows. The clock
is pinned (AFTERSALES_NOW, default the seed's "now") so that every run sees the same data.
Rounds interleave the floors and the commands in a shuffled order, so that all see the
same machine.
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import os
import pty
import random
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

F1_APP = """import typer

app = typer.Typer()


@app.command()
def hello() -> None:
    print("hello")


app()
"""

# Targets: medians as ratios to F1 (issue 5; the searches and the terminal list: issue 11;
# the client's profile and the survey's quarter: issue 13).
TARGETS = {
    "--version": 1.25,
    "--help": 1.25,
    "log": 1.25,
    "show": 1.25,
    "list on a terminal": 1.25,
    "list --text 2 Chinese": 1.5,
    "list --text phone part": 1.5,
    "list --text customer": 1.5,
    "overdue": 1.6,
    "overdue --json": 1.6,
    "report --quarter": 4.0,
    "report --quarter --json": 4.0,
    "client show": 2.0,
    "survey report --quarter": 2.0,
}
MEMORY_LIMIT_MIB = 80
TERMINAL_SIZE = (50, 80)  # rows, columns: the narrowest terminal the views are made for
ON_TERMINAL = "list on a terminal"


@dataclass
class Timing:
    name: str
    median: float
    worst: float
    peak_mib: float


def _read_terminal(fd: int) -> None:
    """Read what a process writes to its terminal until it closes it."""
    try:
        while os.read(fd, 1 << 16):
            pass
    except OSError:  # EIO: the last writer closed the terminal
        pass


def run_once(
    argv: list[str], env: dict[str, str], terminal: bool = False
) -> tuple[float, float, int]:
    """Wall seconds, max RSS in MiB and exit code of one process, its output read from a
    pipe or, with `terminal`, from a pseudo-terminal of TERMINAL_SIZE."""
    start = time.perf_counter()
    if terminal:
        main, side = pty.openpty()
        rows, columns = TERMINAL_SIZE
        fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        proc = subprocess.Popen(argv, env=env, stdout=side, stderr=subprocess.DEVNULL)
        os.close(side)
        _read_terminal(main)
        os.close(main)
    else:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdout is not None
        while proc.stdout.read(1 << 16):
            pass
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode


def measure_all(
    jobs: list[tuple[str, list[str], tuple[int, ...]]], env: dict[str, str], runs: int
) -> dict[str, Timing]:
    """Every job once per round, `runs` rounds: floors and commands see the same moments of
    a busy machine, so their ratios hold even when the absolute times wander."""
    walls: dict[str, list[float]] = {name: [] for name, _, _ in jobs}
    peaks: dict[str, list[float]] = {name: [] for name, _, _ in jobs}
    for name, argv, _ in jobs:
        run_once(argv, env, name == ON_TERMINAL)  # warm the page cache
    shuffle = random.Random(20261122).shuffle  # the same order every time this runs
    for _ in range(runs):
        order = list(jobs)
        shuffle(order)  # no job always follows the same neighbour
        for name, argv, ok_codes in order:
            wall, peak, code = run_once(argv, env, name == ON_TERMINAL)
            if code not in ok_codes:
                raise SystemExit(f"{name}: exit code {code} ({' '.join(argv)})")
            walls[name].append(wall)
            peaks[name].append(peak)
    return {
        name: Timing(name, statistics.median(walls[name]), max(walls[name]), max(peaks[name]))
        for name, _, _ in jobs
    }


def commands(exe: str, db: Path) -> list[tuple[str, list[str], tuple[int, ...]]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    some_id, customer, phone = conn.execute(
        "SELECT id, customer, phone_key FROM complaints ORDER BY id LIMIT 1"
        " OFFSET (SELECT COUNT(*) / 2 FROM complaints)"
    ).fetchone()
    # the client with the most complaints (a large client's whole history is read)
    (largest,) = conn.execute(
        "SELECT org FROM complaints WHERE org IS NOT NULL GROUP BY org ORDER BY COUNT(*) DESC"
        " LIMIT 1"
    ).fetchone()
    conn.close()
    newest = ["list", "--all", "--limit", "20", "--text"]  # what an operator searches
    base = [exe, "--db", str(db)]
    return [
        ("--version", [exe, "--version"], (0,)),
        ("--help", [exe, "--help"], (0,)),
        (
            "log",
            [
                *base,
                "log",
                "午餐米饭有馊味，两个孩子吃完腹泻",
                "--channel",
                "hotline",
                "--customer",
                "王老师",
                "--phone",
                "13812345678",
                "--org",
                "实验小学",
                "--batch",
                "B261122-1",
                "--people",
                "2",
                "--ill",
            ],
            (0,),
        ),
        ("show", [*base, "show", str(some_id)], (0,)),
        ("list", [*base, "list"], (0,)),
        (ON_TERMINAL, [*base, "list"], (0,)),
        ("list --text 2 Chinese", [*base, *newest, "馊味"], (0,)),
        ("list --text phone part", [*base, *newest, phone[-6:-2]], (0,)),
        ("list --text customer", [*base, *newest, customer], (0,)),
        ("overdue", [*base, "overdue"], (0, 1)),
        ("overdue --json", [*base, "overdue", "--json"], (0, 1)),
        # the last full quarter (a quarter's worth, with the one before it to compare)
        ("report --quarter", [*base, "report", "--quarter", "last"], (0,)),
        ("report --quarter --json", [*base, "report", "--quarter", "last", "--json"], (0,)),
        ("client show", [*base, "client", "show", largest], (0,)),
        # the last full quarter's responses, against its plan and the quarter before
        ("survey report --quarter", [*base, "survey", "report", "--quarter", "last"], (0,)),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="the large database")
    parser.add_argument("--small", type=Path, help="a ten times smaller one, for memory")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    exe = shutil.which("aftersales") or sys.exit("aftersales is not installed")
    # As pip does on install: compiled bytecode, so that no run pays for compiling the
    # package (an editable install under PYTHONDONTWRITEBYTECODE would, every time).
    import aftersales_cli

    compileall.compile_dir(Path(aftersales_cli.__file__).parent, quiet=1)
    env = dict(os.environ)
    env.setdefault("AFTERSALES_NOW", "2026-11-22 10:00")
    env.setdefault("AFTERSALES_TZ", "Asia/Shanghai")
    env["AFTERSALES_OPERATOR"] = "bench"
    with tempfile.TemporaryDirectory() as folder:
        f1 = Path(folder) / "f1.py"
        f1.write_text(F1_APP)
        floor_jobs = [
            ("F0 python -c 'import sqlite3'", [sys.executable, "-c", "import sqlite3"], (0,)),
            ("F1 one-command Typer app", [sys.executable, str(f1)], (0,)),
        ]
        measured = measure_all([*floor_jobs, *commands(exe, args.db)], env, args.runs)
        floors = [measured[name] for name, _, _ in floor_jobs]
        timings = [t for name, t in measured.items() if not name.startswith("F")]
        f0, f1_time = floors[0].median, floors[1].median
        small = {}
        if args.small:
            small = {
                name: t.peak_mib
                for name, t in measure_all(commands(exe, args.small), env, 3).items()
            }
    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    size = conn.execute("SELECT COUNT(*) FROM complaints").fetchone()[0]
    open_ = conn.execute(
        "SELECT COUNT(*) FROM complaints WHERE status IN "
        "('new', 'classified', 'assigned', 'reopened')"
    ).fetchone()[0]
    conn.close()
    print(
        f"{size:,} complaints ({open_:,} open) in {args.db}; {args.runs} runs each; "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; {exe} running "
        f"{Path(aftersales_cli.__file__).parent}"
    )
    header = (
        f"{'command':<34}{'median':>9}{'max':>9}{'×F0':>7}{'×F1':>7}{'target':>8}"
        f"{'peak MiB':>10}" + (f"{'at 1/10':>9}" if small else "") + "  "
    )
    print(header)
    print("-" * len(header))
    for t in floors:
        print(
            f"{t.name:<34}{t.median * 1000:>7.0f}ms{t.worst * 1000:>7.0f}ms"
            f"{t.median / f0:>7.2f}{t.median / f1_time:>7.2f}{'':>8}{t.peak_mib:>10.1f}"
        )
    failed = 0
    for t in timings:
        ratio = t.median / f1_time
        target = TARGETS.get(t.name)
        verdict = "ok" if target is None or ratio <= target else "SLOW"
        if t.peak_mib > MEMORY_LIMIT_MIB:
            verdict = "MEMORY"
        failed += verdict != "ok"
        line = (
            f"{'aftersales ' + t.name:<34}{t.median * 1000:>7.0f}ms{t.worst * 1000:>7.0f}ms"
            f"{t.median / f0:>7.2f}{ratio:>7.2f}{'≤' + str(target):>8}{t.peak_mib:>10.1f}"
        )
        if small:
            line += f"{small[t.name]:>9.1f}"
        print(f"{line}  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
