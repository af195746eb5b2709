"""The installed `aftersales` console script, for tests that run it as a user's shell or
cron would: a whole process with a bare environment, never the test's own."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

# What cron gives a job (Debian's cron: see the crontab(5) manual), and nothing else.
CRON_PATH = "/usr/bin:/bin"


def script_folder() -> Path:
    """The folder holding the `aftersales` console script of the Python running the
    tests (a venv's bin, where CI installs the package), else the one on PATH."""
    beside = Path(sys.executable).parent / "aftersales"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside.parent
    found = shutil.which("aftersales")
    if found is None:
        raise AssertionError(
            "no `aftersales` console script: install the package first "
            "(python3 -m pip install -e '.[test]')"
        )
    return Path(found).parent


def bare_env(home: Path, **extra: str) -> dict[str, str]:
    """Only what cron provides — HOME, LOGNAME, SHELL and PATH=/usr/bin:/bin, no locale,
    no terminal — plus `extra`. PYTHONPATH is passed on when set, so that a checkout run
    with its own src first tests that src through the installed script (CI leaves it
    unset: the package is installed from the checkout)."""
    env = {
        "HOME": str(home),
        "LOGNAME": os.environ.get("LOGNAME", "tester"),
        "SHELL": "/bin/sh",
        "PATH": CRON_PATH,
    }
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    env.update(extra)
    return env
