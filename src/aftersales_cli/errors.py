"""The errors a user may see, and the exit code of each. Each becomes one line on stderr.

Exit codes (README, "Exit codes"): 0 success; 1 `overdue` or `check` found something;
2 bad input or a refused action, the database unchanged; 73 a file could not be written;
74 the database is damaged, unreadable, on a full disk, or needs a write its folder does
not allow; 75 the database stayed locked past the busy timeout, or a process an import started was
killed (try again); 130 interrupted; 70 only for bugs.
"""

from __future__ import annotations

OK = 0
FOUND = 1
BAD_INPUT = 2
INTERNAL_ERROR = 70  # EX_SOFTWARE: a bug, not the user's doing
CANNOT_WRITE = 73  # EX_CANTCREAT
DATABASE_UNUSABLE = 74  # EX_IOERR
LOCKED = 75  # EX_TEMPFAIL: try again (the database was locked; a worker was killed)
INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C


class UserError(Exception):
    """Bad input or a refused action: one line that names the field and what is allowed."""

    exit_code = BAD_INPUT

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class BadInput(UserError):
    def __init__(self, field: str, message: str, hint: str | None = None) -> None:
        super().__init__(f"{field}: {message}", hint)
        self.field = field


class NotFound(UserError):
    pass


class StoreError(UserError):
    """A database the tool refuses to use, left as it was: not ours, too new, a folder."""


class CannotWrite(BadInput):
    """A file the tool was asked to write could not be written (full disk, no permission);
    nothing is left under its name."""

    exit_code = CANNOT_WRITE


class DatabaseUnusable(UserError):
    """The database is damaged or not a database, unreadable, on a full disk, or needs a
    write its folder does not allow."""

    exit_code = DATABASE_UNUSABLE


class DatabaseLocked(UserError):
    """Another process held the write lock past the busy timeout: try again."""

    exit_code = LOCKED


class WorkerStopped(UserError):
    """A process the command started to share its work was killed (by the OOM killer, by
    hand): nothing was changed, and the same command may well work the next time."""

    exit_code = LOCKED
