"""The errors a user may see. Each becomes one line on stderr and exit code 2."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action: one line that names the field and what is allowed."""

    exit_code = 2

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
    """The database cannot be opened or used (not SQLite, too new, read-only...)."""
