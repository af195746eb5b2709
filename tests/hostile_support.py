"""Helpers for the issue-8 regression tests (tests/test_hostile_*.py): damaged files,
full disks, other users, and the byte-level checks those tests share.

Not a test module and not a conftest: each test file imports what it needs.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import BASIC, ok
from typer.testing import CliRunner, Result

from aftersales_cli.cli import app

NOW = "2026-11-22 10:00"
NOBODY = 65534
ROOT = Path(__file__).resolve().parent.parent


def defect(number: int, why: str) -> pytest.MarkDecorator:
    """A regression test that fails on the code of issue 8's report (strict xfail)."""
    return pytest.mark.xfail(strict=True, reason=f"issue 8 defect {number}: {why}")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def mode(path: Path) -> int:
    return os.stat(path, follow_symlinks=False).st_mode & 0o777


def error_line(result: Result | subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    """Exit `code`, exactly one line on stderr starting `error: `, naming `words`; nothing
    on stdout; no traceback."""
    crash = None
    if isinstance(result, subprocess.CompletedProcess):
        exit_code, out, err = result.returncode, result.stdout, result.stderr
    else:
        exit_code, out, err = result.exit_code, result.stdout, result.stderr
        crash = result.exception
    assert exit_code == code, (exit_code, out[-2000:], err[-2000:], repr(crash))
    message = err.strip()
    assert message.startswith("error: "), message
    assert "\n" not in message, message
    assert "Traceback" not in err
    assert out == "", out[-2000:]
    for word in words:
        assert word in message, (word, message)
    return message


# ---- running the tool ----------------------------------------------------------------


def cli_env(db: Path | None = None, now: str = NOW, **extra: str) -> dict[str, str]:
    """A clean environment for `python -m aftersales_cli` (as test_robustness.cli_env)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERSALES_")}
    env.pop("PYTHONIOENCODING", None)
    env.update(
        {
            "AFTERSALES_NOW": now,
            "AFTERSALES_TZ": "Asia/Shanghai",
            "AFTERSALES_OPERATOR": "tester",
            **extra,
        }
    )
    if db is not None:
        env["AFTERSALES_DB"] = str(db)
    return env


def sub(
    *args: str,
    db: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    cwd: Path | None = None,
    encoding: str = "utf-8",
) -> subprocess.CompletedProcess[str]:
    """`python -m aftersales_cli ARGS` in a child process; its output read as `encoding`;
    never raises."""
    return subprocess.run(
        [sys.executable, "-m", "aftersales_cli", *args],
        env={**cli_env(db), **(env or {})},
        capture_output=True,
        encoding=encoding,
        timeout=timeout,
        check=False,
        cwd=cwd,
    )


def jsonl_lines(text: str) -> list[str]:
    """The lines of JSON Lines output: split on newline only (never on U+2028, U+0085...)."""
    return [line for line in text.split("\n") if line]


def complaint_lines(text: str) -> list[str]:
    """The complaints' lines of a JSON Lines export (the clients and survey responses that
    follow them left out)."""
    return [
        line
        for line in jsonl_lines(text)
        if not {"client", "survey_response"} & json.loads(line).keys()
    ]


def invoke(db: Path, *args: str, now: str = NOW, **env: str) -> Result:
    """The tool in this process on `db`, independent of the test's own fixtures."""
    merged = {
        "AFTERSALES_DB": str(db),
        "AFTERSALES_NOW": now,
        "AFTERSALES_TZ": "Asia/Shanghai",
        "AFTERSALES_OPERATOR": "tester",
        "AFTERSALES_DEBUG": "1",
        "HOME": str(db.parent / "home"),
        **env,
    }
    return CliRunner().invoke(app, list(args), env={"AFTERSALES_RULES": None, **merged})


def build_template(db: Path) -> Path:
    """The seeded database of test_cli_errors: #1 open (urgent, org 实验小学), #2 closed,
    #3 open with its first contact made at intake (hotline)."""
    steps = [
        ("2026-11-22 09:00", ["log", "米饭变质", *BASIC, "--org", "实验小学"]),
        ("2026-11-22 09:30", ["log", "鸡腿没熟", *BASIC]),
        ("2026-11-22 09:40", ["log", "送错了", "--channel", "hotline", *BASIC[2:]]),
        (
            "2026-11-22 10:00",
            ["close", "2", "--remedy", "refund", "--cause", "processing", "--finding", "none"],
        ),
    ]
    for now, argv in steps:
        ok(invoke(db, *argv, now=now))
    settle(db)
    return db


def settle(db: Path) -> None:
    """Fold the WAL into the main file, so that the file alone is the database."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


# ---- personal data -------------------------------------------------------------------


def phone_leaks(text: str, phones: Sequence[str]) -> list[str]:
    """Every run of 7+ consecutive digits in `text` that is taken from one of `phones`
    (their digits, as typed or without a +86 prefix), and every phone as typed."""
    found = [p for p in phones if p in text]
    keys = set()
    for phone in phones:
        digits = "".join(c for c in phone if c.isdigit())
        keys.add(digits)
        if digits.startswith("86") and len(digits) == 13:
            keys.add(digits[2:])
    for run in re.findall(r"\d{7,}", text):
        for start in range(len(run) - 6):
            if any(run[start : start + 7] in key for key in keys):
                found.append(run)
                break
    return found


# ---- damaged databases ---------------------------------------------------------------


def page_size_and_root(db: Path, name: str) -> tuple[int, int]:
    conn = sqlite3.connect(db)
    try:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        row = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    finally:
        conn.close()
    assert row is not None, f"no {name} in {db}"
    return int(size), int(row[0])


def damage_page(db: Path, name: str) -> None:
    """Flip the page-type byte of the root page of table/index `name`: SQLite reports the
    file as malformed whenever that b-tree is read."""
    settle(db)
    size, root = page_size_and_root(db, name)
    data = bytearray(db.read_bytes())
    header = (root - 1) * size + (100 if root == 1 else 0)
    assert data[header] in (2, 5, 10, 13), data[header]
    data[header] ^= 0xFF
    db.write_bytes(bytes(data))


def empty_index_leaf(db: Path, name: str) -> None:
    """Zero the cell count of the root page of index `name` (a leaf, with few rows): the
    index then says there is nothing while the table still holds every row."""
    settle(db)
    size, root = page_size_and_root(db, name)
    data = bytearray(db.read_bytes())
    header = (root - 1) * size
    assert data[header] == 10, f"the root of {name} is not an index leaf page"
    assert int.from_bytes(data[header + 3 : header + 5], "big") > 0
    data[header + 3 : header + 5] = b"\x00\x00"
    db.write_bytes(bytes(data))


def patch_open_db(
    monkeypatch: pytest.MonkeyPatch,
    after: Callable[[sqlite3.Connection], None],
) -> None:
    """Wrap `aftersales_cli.store.db.open_db` (and every module that imported it by name)
    so that `after(conn)` runs on each connection it opens."""
    from aftersales_cli.store import db as store_db

    original = store_db.open_db

    def wrapped(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn: sqlite3.Connection = original(*args, **kwargs)
        after(conn)
        return conn

    monkeypatch.setattr(store_db, "open_db", wrapped)
    for name, module in list(sys.modules.items()):
        if name.startswith("aftersales_cli.") and getattr(module, "open_db", None) is original:
            monkeypatch.setattr(module, "open_db", wrapped)


# ---- a full disk ---------------------------------------------------------------------


class SmallDisk:
    """A folder on a small tmpfs (root only) that `fill()` makes completely full; where
    no tmpfs can be mounted, `fill()` makes `os.fsync` fail with ENOSPC instead."""

    def __init__(self, path: Path, real: bool, monkeypatch: pytest.MonkeyPatch) -> None:
        self.path = path
        self.real = real
        self._monkeypatch = monkeypatch

    def fill(self) -> None:
        if not self.real:

            def no_space(fd: int) -> None:
                raise OSError(errno.ENOSPC, "No space left on device")

            self._monkeypatch.setattr(os, "fsync", no_space)
            return
        chunk = b"\0" * 4096
        with open(self.path / ".filler", "wb", buffering=0) as handle:
            with contextlib.suppress(OSError):
                while True:
                    handle.write(chunk)
        with open(self.path / ".filler", "ab", buffering=0) as handle:
            with contextlib.suppress(OSError):
                while True:
                    handle.write(b"\0")


@contextlib.contextmanager
def small_disk(
    folder: Path, monkeypatch: pytest.MonkeyPatch, size: str = "64k"
) -> Iterator[SmallDisk]:
    folder.mkdir(parents=True, exist_ok=True)
    mounted = False
    if os.geteuid() == 0 and shutil.which("mount"):
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        )
        mounted = done.returncode == 0
    try:
        yield SmallDisk(folder, mounted, monkeypatch)
    finally:
        if mounted:
            if subprocess.run(["umount", str(folder)], capture_output=True).returncode:
                subprocess.run(["umount", "-l", str(folder)], capture_output=True)


# ---- another user --------------------------------------------------------------------

# Run the tool as user `nobody`. The interpreter running the tests may live where nobody
# cannot read (e.g. /root/.pyenv), so a plain `setpriv ... python -m aftersales_cli` cannot
# even import its libraries (lazily imported ones included). So a small server, started as
# root, first runs every command once on a scratch copy (importing whatever they use), then
# forks a child for each request that drops to nobody — uid and gid 65534, no supplementary
# groups, what `setpriv --reuid=65534 --regid=65534 --clear-groups` does — and runs the
# command for real in that child: its own exit code, stdout and stderr.
NOBODY_SERVER = r"""
import json, os, shutil, sys, tempfile, traceback
from typer.testing import CliRunner
import aftersales_cli.cli as cli

UID = int(sys.argv[2])
protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # stray output never mixes into the replies
scratch = tempfile.mkdtemp()
warm = os.path.join(scratch, "warm.db")
shutil.copy(sys.argv[1], warm)
junk = os.path.join(scratch, "junk.db")
with open(junk, "wb") as handle:
    handle.write(b"SQLite format 3\x00" + b"\xff" * 4000)
basic = ["--channel", "online", "--customer", "x", "--phone", "13812345678"]
for argv in (["--version"], ["list", "--all"], ["list", "--all", "--json"], ["show", "1"],
             ["show", "1", "--json"], ["export"], ["export", "--format", "csv"], ["report"],
             ["report", "--json"], ["overdue"], ["overdue", "--json"], ["check"],
             ["backup", os.path.join(scratch, "copy.db")], ["log", "x", *basic],
             ["list", "--db", "/proc/none/x.db"], ["list", "--db", junk]):
    CliRunner().invoke(cli.app, argv, env={"AFTERSALES_DB": warm})
shutil.rmtree(scratch, ignore_errors=True)
protocol.write("ready\n")
protocol.flush()
for line in sys.stdin:
    request = json.loads(line)
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            os.environ.clear()
            os.environ.update(request["env"])
            os.chdir(request["cwd"])
            os.setgroups([])
            os.setresgid(UID, UID, UID)
            os.setresuid(UID, UID, UID)
            sys.argv = ["aftersales", *request["argv"]]
            try:
                cli.main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    out.seek(0)
    err.seek(0)
    protocol.write(json.dumps({
        "code": os.waitstatus_to_exitcode(status),
        "stdout": out.read().decode("utf-8", "replace"),
        "stderr": err.read().decode("utf-8", "replace"),
    }) + "\n")
    protocol.flush()
"""


class Nobody:
    """Runs `aftersales ARGS` as user nobody (see NOBODY_SERVER)."""

    def __init__(self, warm_db: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", NOBODY_SERVER, str(warm_db), str(NOBODY)],
            env=cli_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        assert self.proc.stdout is not None
        self.ready = self.proc.stdout.readline().strip() == "ready"

    def __call__(
        self, *args: str, env: dict[str, str], cwd: Path
    ) -> subprocess.CompletedProcess[str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        request = {"argv": list(args), "env": env, "cwd": str(cwd)}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        return subprocess.CompletedProcess(
            list(args), reply["code"], reply["stdout"], reply["stderr"]
        )

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def why_not(self, cwd: Path) -> str | None:
        """None when the tool runs as nobody here, else why not (for pytest.skip)."""
        if not self.ready:
            assert self.proc.stderr is not None
            self.close()
            return "the tool does not start as nobody here"
        probe = self("--version", env=cli_env(), cwd=cwd)
        if probe.returncode != 0:
            return f"the tool does not run as nobody here: {probe.stderr.strip()[-300:]}"
        return None


@contextlib.contextmanager
def public_folder() -> Iterator[Path]:
    """A folder under the system temp dir that other users may enter (tmp_path may not be:
    pytest makes it 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="aftersales-nobody-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def jsonl(records: Sequence[Any]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


# ---- a real terminal -------------------------------------------------------------------


def run_in_pty(
    args: Sequence[str],
    env: dict[str, str],
    *,
    wait_for: bytes | None = None,
    send: bytes = b"",
    script: Sequence[tuple[bytes, bytes]] = (),
    stderr_on_terminal: bool = False,
    timeout: float = 30,
) -> tuple[int, bytes, bytes]:
    """`python -m aftersales_cli ARGS` with stdin and stdout (and stderr, if
    `stderr_on_terminal`, as at a person's terminal) on a new pseudo-terminal that is its
    controlling terminal (so a typed Ctrl-C interrupts it), else stderr on a pipe. Once
    `wait_for` has appeared on the terminal, `send` is typed; `script` is a conversation
    of such steps, each waiting for its text to appear after what the previous step
    typed. Returns the exit code, what the terminal showed, and stderr (empty when it
    was on the terminal)."""
    import fcntl
    import pty
    import select
    import struct
    import termios
    import time

    steps = list(script)
    if wait_for is not None or send:
        steps.insert(0, (wait_for or b"", send))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))

    def controlling_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        [sys.executable, "-m", "aftersales_cli", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave if stderr_on_terminal else subprocess.PIPE,
        env=env,
        start_new_session=True,
        preexec_fn=controlling_terminal,  # noqa: PLW1509 - a terminal needs it
    )
    os.close(slave)
    shown = b""
    seen_from = 0  # a step waits for its text after what the previous step typed
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if steps and (not steps[0][0] or steps[0][0] in shown[seen_from:]):
                marker, typed = steps.pop(0)
                if marker:
                    # as a person would: a moment after the prompt, not within a
                    # microsecond of its first byte (a Ctrl-C between the prompt's echo
                    # and the read it is about to start is lost by Python's own input(),
                    # whatever the program does)
                    time.sleep(0.3)
                os.write(master, typed)
                seen_from = len(shown)
                continue
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the terminal closed: the process is done with it
                    chunk = b""
                shown += chunk
                if not chunk and proc.poll() is not None:
                    break
            elif proc.poll() is not None:
                break
        else:
            proc.kill()
        err = proc.stderr.read() if proc.stderr is not None else b""
        code = proc.wait(timeout=10)
    finally:
        os.close(master)
        if proc.stderr is not None:
            proc.stderr.close()
    return code, shown, err
