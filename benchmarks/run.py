#!/usr/bin/env python3
"""Time whole `aftersales` processes on a large database, against two floors.

    python benchmarks/run.py --db /tmp/bench-1m.db [--runs 7] [--small /tmp/bench-100k.db]
    python benchmarks/run.py --db /tmp/bench-1m.db [--small …] --scale [--scale-runs 3]

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

After the table, for the slow commands whose work is one database read, that work alone:
each command's queries (and the pure math on what they return) timed inside a process
after its imports, set against the time its target leaves above F1 ((target - 1) x F1).
Where the work alone takes longer, no start-up or rendering can meet the target: the
reads themselves must change (another index, figures kept as the data is written).

With --scale it times moving the whole database instead (issue 16), on --small then --db:

  floor  `benchmarks/floor.py`: every row of complaints, deadlines and events read with
         `sqlite3` and written to a file as one JSON line each;
  `export --show-phone --out FILE`; `import FILE` of that export into an empty database
  (a new one each run); `backup FILE`.

Each is a whole process run --scale-runs times (these take minutes at a million), shuffled
within each round, with its wall time, peak memory and its median as a ratio to the
floor's; a line on stderr as each run ends. Every run of the section is held under
--memory-cap (its address space), so that an import that does not stream stops there
rather than taking a shared machine down: that row then says so. The files are written in a
private temporary folder (0700, each file 0600: they hold customers' phones), each deleted
as soon as it has been timed, the folder at the end.
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import os
import pty
import random
import resource
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
# The scale section (issue 16): medians as ratios to the floor, and its memory limit.
FLOOR = "floor: rows to JSON lines"
EXPORT = "export --show-phone"
IMPORT = "import into an empty database"
BACKUP = "backup"
SCALE_TARGETS = {EXPORT: 1.5, IMPORT: 3.0}
SCALE_MEMORY_LIMIT_MIB = 200
FLOOR_SCRIPT = Path(__file__).resolve().parent / "floor.py"
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
    argv: list[str],
    env: dict[str, str],
    terminal: bool = False,
    errors: int = subprocess.DEVNULL,
    cap_mib: int = 0,
) -> tuple[float, float, int]:
    """Wall seconds, max RSS in MiB and exit code of one process, its output read from a
    pipe or, with `terminal`, from a pseudo-terminal of TERMINAL_SIZE; its stderr to
    `errors`, its address space limited to `cap_mib` (0: no limit)."""

    def limit() -> None:
        cap = cap_mib * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

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
        proc = subprocess.Popen(
            argv,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            preexec_fn=limit if cap_mib else None,
        )
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


def largest_client(db: Path) -> str:
    """The client with the most complaints (a large client's whole history is read)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    (largest,) = conn.execute(
        "SELECT org FROM complaints WHERE org IS NOT NULL GROUP BY org ORDER BY COUNT(*) DESC"
        " LIMIT 1"
    ).fetchone()
    conn.close()
    return str(largest)


def commands(exe: str, db: Path) -> list[tuple[str, list[str], tuple[int, ...]]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    some_id, customer, phone = conn.execute(
        "SELECT id, customer, phone_key FROM complaints ORDER BY id LIMIT 1"
        " OFFSET (SELECT COUNT(*) / 2 FROM complaints)"
    ).fetchone()
    conn.close()
    largest = largest_client(db)
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


# The work of a command that is one database read (the report's: its queries, two at a
# time), run inside a process after its imports
# (`setup` makes its arguments, untimed; `work` is timed): what no start-up or rendering
# can take away. The names are the commands' rows in TARGETS.
WORK_SETUP = """
import sqlite3, sys, time
from aftersales_cli import clock
conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
now = clock.now()
"""
WORK: dict[str, tuple[str, str]] = {
    "overdue": (
        "from aftersales_cli.store import breaches\n"
        "from aftersales_cli.rules.taxonomy import SEVERITY_RANK",
        "sum(1 for _ in breaches.overdue(conn, now, now, SEVERITY_RANK))",
    ),
    "client show": (
        "from aftersales_cli.store import clients\n"
        "from aftersales_cli.rules.fields import client_key\n"
        "keys = [client_key(sys.argv[2])]",
        "counts = clients.counts(conn, keys); clients.money(conn, keys); "
        "clients.open_cases(conn, keys, limit=5); "
        "clients.latest(conn, keys, 5, counts.by_category)",
    ),
    "report --quarter": (
        "from aftersales_cli.reports import build, period\n"
        "from aftersales_cli.rules.config import default_rules\n"
        "quarter = period.parse_quarter('last', now); rules = default_rules()\n"
        "from pathlib import Path\nfrom aftersales_cli.store.db import open_db\n"
        "connect = lambda: open_db(Path(sys.argv[1]), handed_over=True)",
        "build.build(connect, quarter, now, rules)",
    ),
    "survey report --quarter": (
        "from aftersales_cli.reports import period, survey\n"
        "from aftersales_cli.rules.config import default_rules\n"
        "quarter = period.parse_quarter('last', now); rules = default_rules()",
        "survey.figures(conn, quarter, now, rules)",
    ),
}


def measure_work(db: Path, client: str, env: dict[str, str], runs: int) -> dict[str, float]:
    """The median milliseconds of each command's work alone (WORK), each run a new process
    (SQLite's cache as cold as a command finds it), `runs` of each."""
    found: dict[str, list[float]] = {name: [] for name in WORK}
    for _ in range(runs):
        for name, (setup, work) in WORK.items():
            code = (
                f"{WORK_SETUP}{setup}\nstart = time.perf_counter()\n{work}\n"
                "print((time.perf_counter() - start) * 1000)"
            )
            out = subprocess.run(
                [sys.executable, "-c", code, str(db), client],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            found[name].append(float(out.stdout))
    return {name: statistics.median(ms) for name, ms in found.items()}


def print_work(work: dict[str, float], f1: float) -> None:
    """Each command's work alone against the time its target leaves above F1."""
    header = f"{'work alone (after imports)':<34}{'median':>9}{'target leaves':>15}  "
    print()
    print(header)
    print("-" * len(header))
    for name, ms in work.items():
        leaves = (TARGETS[name] - 1) * f1 * 1000
        verdict = "the work alone is over the target" if ms > leaves else "room for start-up"
        print(f"{'aftersales ' + name:<34}{ms:>7.0f}ms{leaves:>13.0f}ms  {verdict}")


@dataclass
class Moved:
    """A database and what the scale section measured on it."""

    db: Path
    counts: dict[str, int]
    export_mib: float
    timings: dict[str, Timing]
    failures: dict[str, str]  # a job whose run failed: the last line it wrote to stderr
    load: tuple[float, float]  # the load average (1 minute) as the section began and ended


def _counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    counts = {
        table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # our own names
        for table in ("complaints", "deadlines", "events")
    }
    conn.close()
    return counts


def _remove(path: Path) -> None:
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        each.unlink(missing_ok=True)


def _warm(db: Path) -> None:
    """Read the database through once, so that no run pays for the first read from disk."""
    with db.open("rb") as handle:
        while handle.read(1 << 24):
            pass


def _last_line(path: Path) -> str:
    lines = path.read_text(errors="replace").strip().splitlines()
    return lines[-1][:120] if lines else "(nothing on stderr)"


def measure_scale(exe: str, db: Path, env: dict[str, str], runs: int, cap_mib: int) -> Moved:
    """The floor, export, import and backup, `runs` rounds of each, shuffled in each round
    (an import reads the newest export, so the first round exports before it imports)."""
    jobs = (FLOOR, EXPORT, IMPORT, BACKUP)
    walls: dict[str, list[float]] = {name: [] for name in jobs}
    peaks: dict[str, list[float]] = {name: [] for name in jobs}
    failures: dict[str, str] = {}
    counts = _counts(db)
    export_mib = 0.0
    load = os.getloadavg()[0]
    _warm(db)
    shuffle = random.Random(20261122).shuffle
    with tempfile.TemporaryDirectory(prefix="aftersales-scale-") as folder:  # 0700
        work = Path(folder)
        errors = work / "stderr"
        exported: Path | None = None
        made = 0
        for round_ in range(1, runs + 1):
            order = list(jobs)
            shuffle(order)
            if exported is None and order.index(IMPORT) < order.index(EXPORT):
                order.remove(IMPORT)
                order.insert(order.index(EXPORT) + 1, IMPORT)
            for name in order:
                made += 1
                if name == FLOOR:
                    out = work / f"floor-{made}.jsonl"
                    argv = [sys.executable, str(FLOOR_SCRIPT), str(db), str(out)]
                elif name == EXPORT:
                    out = work / f"export-{made}.jsonl"
                    argv = [exe, "--db", str(db), "export", "--show-phone", "--out", str(out)]
                elif name == IMPORT:
                    assert exported is not None
                    out = work / f"import-{made}.db"
                    argv = [exe, "--db", str(out), "import", str(exported)]
                else:
                    out = work / f"backup-{made}.db"
                    argv = [exe, "--db", str(db), "backup", str(out)]
                with errors.open("wb") as stderr:
                    os.chmod(errors, 0o600)
                    wall, peak, code = run_once(argv, env, errors=stderr.fileno(), cap_mib=cap_mib)
                if code != 0:
                    failures[name] = f"exit {code}: {_last_line(errors)}"
                    if name != IMPORT:  # an import stopped at the cap is a result
                        raise SystemExit(f"{name}: {failures[name]} ({' '.join(argv)})")
                elif name == IMPORT and _counts(out) != counts:
                    raise SystemExit(f"{name}: {_counts(out)} imported of {counts}")
                walls[name].append(wall)
                peaks[name].append(peak)
                print(
                    f"{db.name} round {round_}/{runs}: {name} {wall:.1f} s, {peak:.0f} MiB"
                    + (f" — {failures[name]}" if code else ""),
                    file=sys.stderr,
                    flush=True,
                )
                if name == EXPORT:
                    if exported is not None:
                        _remove(exported)
                    exported = out
                    export_mib = out.stat().st_size / 2**20
                else:
                    _remove(out)
    return Moved(
        db,
        counts,
        export_mib,
        {
            name: Timing(name, statistics.median(walls[name]), max(walls[name]), max(peaks[name]))
            for name in jobs
        },
        failures,
        (load, os.getloadavg()[0]),
    )


def print_scale(moved: Moved, runs: int, cap_mib: int) -> int:
    """The section's table for one database; the number of rows off their targets."""
    counts = moved.counts
    print(
        f"{counts['complaints']:,} complaints, {counts['deadlines']:,} deadlines, "
        f"{counts['events']:,} history entries in {moved.db} "
        f"({moved.db.stat().st_size / 2**20:,.0f} MiB; its export {moved.export_mib:,.0f} MiB); "
        f"{runs} run{'s' * (runs != 1)} each"
        + (f", within {cap_mib:,} MiB of address space" if cap_mib else "")
        + f"; load average {moved.load[0]:.1f} → {moved.load[1]:.1f}"
    )
    header = f"{'work':<42}{'median':>9}{'max':>9}{'×floor':>8}{'target':>8}{'peak MiB':>10}  "
    print(header)
    print("-" * len(header))
    floor = moved.timings[FLOOR].median
    failed = 0
    for name, t in moved.timings.items():
        label = name if name == FLOOR else f"aftersales {name}"
        target = SCALE_TARGETS.get(name)
        ratio = t.median / floor
        verdicts = []
        if name != FLOOR:
            if target is not None and ratio > target:
                verdicts.append("SLOW")
            if t.peak_mib > SCALE_MEMORY_LIMIT_MIB:
                verdicts.append("MEMORY")
            if name in moved.failures:
                verdicts = [f"STOPPED, {moved.failures[name]}"]
            failed += bool(verdicts)
        print(
            f"{label:<42}{t.median:>8.1f}s{t.worst:>8.1f}s{ratio:>8.2f}"
            f"{'≤' + str(target) if target else '':>8}{t.peak_mib:>10.1f}  "
            + (" ".join(verdicts) or ("" if name == FLOOR else "ok"))
        )
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="the large database")
    parser.add_argument("--small", type=Path, help="a ten times smaller one, for memory")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--scale", action="store_true", help="only the scale section: export, import, backup"
    )
    parser.add_argument("--scale-runs", type=int, default=1, help="runs of each, at --scale")
    parser.add_argument(
        "--memory-cap",
        type=int,
        default=4096,
        metavar="MIB",
        help="address space of each run at --scale (0: none) [default: 4096]",
    )
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
    if args.scale:
        failed = 0
        for db in [args.small, args.db] if args.small else [args.db]:
            moved = measure_scale(exe, db, env, args.scale_runs, args.memory_cap)
            failed += print_scale(moved, args.scale_runs, args.memory_cap)
        print(
            f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; {exe} running "
            f"{Path(aftersales_cli.__file__).parent}"
        )
        return 1 if failed else 0
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
    print_work(measure_work(args.db, largest_client(args.db), env, args.runs), f1_time)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
