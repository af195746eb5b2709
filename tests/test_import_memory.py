"""Import streams (issue 16): memory stays flat whatever the file's size. A file of
200,000 exported complaints is imported by a child process — with the worker processes
that check a large file's rows — and the largest of them stays under the limit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
