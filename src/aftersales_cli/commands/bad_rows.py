"""The bad rows of a file being imported (`import`, `survey import`): one limiter for both.

A refused import prints the first `SHOWN` bad rows (`error: line N: field: message`) as
they are met, then one line `… and N more bad rows (M in total)`, then the refusal. With
`--errors FILE` every bad row's line, field and message goes to FILE as well — a CSV
(`line,field,message`, UTF-8 with BOM, formula cells neutralised) to fix the source in a
spreadsheet — written under the file-writing rules (`files`) while the import reads,
and landed only when the import is refused: a successful import writes no file and
leaves an existing one as it was.
"""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from aftersales_cli import files
from aftersales_cli.errors import BadInput, UserError
from aftersales_cli.render import output
from aftersales_cli.render.spreadsheet import csv_cell

SHOWN = 20  # bad rows printed on stderr; the rest counted (and all in --errors FILE)

ErrorsOption = Annotated[
    str | None,
    typer.Option(
        "--errors",
        metavar="FILE",
        show_default=False,
        help="When the import is refused, write every bad row to FILE (CSV: line, field, "
        "message) — stderr shows the first 20. No file is written when the import succeeds.",
    ),
]
OverwriteErrorsOption = Annotated[
    bool, typer.Option("--overwrite", help="Replace the file --errors writes if it exists.")
]


class BadRows:
    """Counts the bad rows of one import, prints the first `SHOWN`, and writes every one
    to the errors file (when asked for one) under its temporary name."""

    def __init__(self, source: Path, target: Path | None = None, *, overwrite: bool = False):
        self.source = source
        self.count = 0
        self._pending = None if target is None else files.Pending(target, "errors", overwrite)
        self._handle: IO[str] | None = None
        self._writer: Any = None  # a csv writer (its type is private to the csv module)

    @classmethod
    def to(
        cls, source: Path, errors: str | None, *, overwrite: bool, database: Path | None
    ) -> BadRows:
        """The bad rows of importing `source`, written to `errors` when given: a file
        refused (it exists, is a folder, a link, the database, or `source` itself) before
        anything is read."""
        path = files.given_path(errors, "errors")
        if path is None:
            return cls(source)
        target = files.check_target(path, "errors", overwrite=overwrite, database=database)
        with contextlib.suppress(OSError):
            if os.path.samefile(target, source):
                raise BadInput("errors", f"{path} is the file being imported; choose another file")
        return cls(source, target, overwrite=overwrite)

    def add(self, line: int, field: str | None, message: str, *, last: bool = False) -> None:
        """One bad row (`field` None when the row as a whole could not be read). The
        `last` one ends the import and is said by its refusal: written to the errors
        file, neither printed nor counted here."""
        if not last:
            self.count += 1
            if self.count <= SHOWN:
                where = f"line {line}: {field}" if field else f"line {line}"
                output.note(f"error: {where}: {message}")
        if self._pending is None:
            return
        try:
            if self._writer is None:
                self._handle = os.fdopen(
                    self._pending.create(), "w", encoding="utf-8-sig", newline=""
                )
                self._writer = csv.writer(self._handle)
                self._writer.writerow(("line", "field", "message"))
            self._writer.writerow((line, csv_cell(field), csv_cell(message)))
        except OSError as exc:
            raise self._pending.failed(exc) from None

    def refuse(self, why: str) -> UserError:
        """The refusal that ends the import (its last line, `why`), after the count of
        the rows past the first `SHOWN`; the errors file landed."""
        if self.count > SHOWN:
            more = f"… and {self.count - SHOWN:,} more bad rows ({self.count:,} in total)"
            if self._pending is not None:
                more += f"; all of them are in {self._pending.target}"
            output.note(more)
        if self._pending is not None and self._handle is not None:
            try:
                self._handle.flush()
                os.fsync(self._handle.fileno())
                self._handle.close()
            except OSError as exc:
                raise self._pending.failed(exc) from None
            self._pending.land()
        return UserError(why)

    def close(self) -> None:
        """Whatever was not landed is gone: no temporary file stays behind."""
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
        if self._pending is not None:
            self._pending.discard()


@contextlib.contextmanager
def reading(source: Path, bad: BadRows) -> Iterator[None]:
    """An import reading `source` inside its one transaction: what goes wrong is one line
    naming the file — not text, bad rows (the transaction rolled back, nothing imported),
    an export made without --show-phone, a read that fails — and a closed pipe stays a
    closed pipe."""
    from aftersales_cli import exchange

    try:
        yield
    except exchange.NotText as exc:
        raise BadInput("file", f"cannot read {source}: {exc}") from None
    except exchange.ImportError_ as exc:
        raise bad.refuse(f"file: {exc.bad} bad row(s) in {source}; nothing imported") from None
    except exchange.MaskedExport as exc:
        why = "is masked: the file is an export made without --show-phone"
        bad.add(exc.line, exc.field, why, last=True)
        raise bad.refuse(
            f"line {exc.line}: {exc.field}: is masked; {source} is an export made without "
            "--show-phone (export it again with --show-phone to move complaints); nothing "
            "imported"
        ) from None
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise BadInput("file", f"cannot read {source}: {exc.strerror or exc}") from None
    finally:
        bad.close()
