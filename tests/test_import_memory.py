"""Import streams (issue 16): memory stays flat whatever the file's size. A file of
200,000 exported complaints is imported by a child process — with the worker processes
that check a large file's rows — and the largest of them stays under the limit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

LIMIT_MIB = 200  # issue 16: at a million complaints; a file a fifth of that here
COUNT = 200_000

# The child that runs the import and says the largest resident set of the processes it
# waited for: the import and, through it, its workers (getrusage of its children).
MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB
print(done.returncode, peak, done.stdout[:200].replace("\\n", " "), done.stderr[-500:])
"""


def record(number: int) -> str:
    """A small exported complaint: logged, nothing else yet."""
    at = "2026-11-20T09:00:00+08:00"
    return json.dumps(
        {
            "id": number,
            "status": "new",
            "received_at": at,
            "channel": "hotline",
            "customer": "张伟",
            "phone": "13812345678",
            "description": f"米饭偏硬 {number}",
            "category": "food_quality",
            "severity": "general",
            "deadlines": {},
            "events": [
                {"at": at, "by": "tester", "action": "log", "changes": {"status": [None, "new"]}}
            ],
        },
        ensure_ascii=False,
    )


@pytest.mark.slow
def test_importing_200000_complaints_stays_under_the_memory_limit(tmp_path: Path) -> None:
    source = tmp_path / "many.jsonl"
    with source.open("w", encoding="utf-8") as handle:
        for number in range(1, COUNT + 1):
            handle.write(record(number) + "\n")
    env = {
        **os.environ,
        "AFTERSALES_DB": str(tmp_path / "many.db"),
        "AFTERSALES_NOW": "2026-11-22 10:00",
        "AFTERSALES_TZ": "Asia/Shanghai",
        "AFTERSALES_OPERATOR": "tester",
    }
    command = [sys.executable, "-m", "aftersales_cli", "import", str(source), "--quiet"]
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], env=env, capture_output=True, text=True
    )
    code, peak_kib, said = measured.stdout.split(" ", 2)
    assert code == "0", said
    assert said.startswith(f"Imported {COUNT:,} complaint(s)"), said
    assert int(peak_kib) < LIMIT_MIB * 1024, f"peak {int(peak_kib) // 1024} MiB"


def _workers(pid: int) -> list[int]:
    """The worker processes (spawned) of process `pid`."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                    found.append(int(child))
    except FileNotFoundError:  # (it ended meanwhile)
        pass
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_a_worker_killed_mid_import_stops_it_with_nothing_imported(tmp_path: Path) -> None:
    """A worker killed (as the OOM killer would) ends the import with a short error and
    exit 75 (try again), the database as it was and no process left behind."""
    source = tmp_path / "many.jsonl"
    with source.open("w", encoding="utf-8") as handle:
        for number in range(1, 60_001):  # 22 MB: more than enough to use workers
            handle.write(record(number) + "\n")
    db = tmp_path / "many.db"
    env = {
        **os.environ,
        "AFTERSALES_DB": str(db),
        "AFTERSALES_NOW": "2026-11-22 10:00",
        "AFTERSALES_TZ": "Asia/Shanghai",
        "AFTERSALES_OPERATOR": "tester",
    }
    importing = subprocess.Popen(
        [sys.executable, "-m", "aftersales_cli", "import", str(source), "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    workers: list[int] = []
    while not workers and importing.poll() is None and time.monotonic() < deadline:
        workers = _workers(importing.pid)
        time.sleep(0.01)
    assert workers, "the import started no worker"
    os.kill(workers[0], signal.SIGKILL)
    out, err = importing.communicate(timeout=60)
    assert importing.returncode == 75, err
    assert err == (
        "error: import: a process checking the rows was killed; nothing was imported "
        "(run the import again)\n"
    )
    assert out == ""
    for worker in workers:  # (ended, and waited for)
        assert not Path(f"/proc/{worker}").exists()
    listed = subprocess.run(
        [sys.executable, "-m", "aftersales_cli", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(listed.stdout) == []
