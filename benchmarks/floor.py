#!/usr/bin/env python3
"""The naive floor of moving a database: every row of complaints, deadlines and events,
read with `sqlite3` and written as one JSON line each.

    python benchmarks/floor.py DB OUT

What any Python script pays to move the rows an export moves, with nothing of the tool's
own (no history rules, no masking, no clients or survey, no fsync): `run.py --scale` times
`export` and `import` against it. OUT is a new file (0600: it holds customers' phones).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys

TABLES = ("complaints", "deadlines", "events")


def main(db: str, out: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    rows = 0
    with open(os.open(out, flags, 0o600), "w", encoding="utf-8") as handle:
        write = handle.write
        for table in TABLES:
            cursor = conn.execute(f"SELECT * FROM {table}")  # the three names above
            names = [column[0] for column in cursor.description]
            for row in cursor:
                write(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) + "\n")
                rows += 1
    conn.close()
    print(f"{rows} rows")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
