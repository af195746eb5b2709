"""Evidence kept with a case: `attach` a photo, video still, lab report or scan, and
write one back with `attachment`. The file lives inside the database, so that one file
stays the whole record (and `backup` copies it)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Annotated

import typer

from aftersales_cli.commands.completion import complete_attachment_numbers
from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    IdArgument,
    JsonOption,
    RulesOption,
    session,
)
from aftersales_cli.commands.options import whole_number
from aftersales_cli.errors import BadInput, DatabaseUnusable
from aftersales_cli.render import output, record_json
from aftersales_cli.render.blocks import Line
from aftersales_cli.rules.attachments import size_text

CHUNK = 1024 * 1024  # read a file a MiB at a time


def read_file(given: str, limit: int) -> tuple[bytes, str]:
    """The whole content of the regular file `given` and its SHA-256 (hex), read in
    chunks. A symbolic link is followed (reading through one changes nothing); a folder,
    a pipe, a device or a socket is refused without being opened for reading in a way
    that could wait; a file over `limit` bytes is refused before it is read (and one
    that grows past it while read, as soon as it does); an empty one is refused."""
    import hashlib

    if not given.strip():
        raise BadInput("file", "must not be empty; give the file to attach")
    path = Path(given).expanduser()
    try:
        info = os.stat(path)
    except FileNotFoundError:
        gone = " (a symbolic link to nothing)" if path.is_symlink() else ""
        raise BadInput("file", f"{path} does not exist{gone}") from None
    except OSError as exc:
        raise BadInput("file", f"cannot read {path}: {exc.strerror or exc}") from None
    _regular(path, info.st_mode)
    if info.st_size > limit:
        raise BadInput("file", _too_large(path, info.st_size, limit))
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise BadInput("file", f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        _regular(path, os.fstat(fd).st_mode)  # the file opened is the one looked at
        digest = hashlib.sha256()
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(CHUNK, limit + 1 - total))
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise BadInput("file", _too_large(path, total, limit, growing=True))
            digest.update(chunk)
            chunks.append(chunk)
    except OSError as exc:
        raise BadInput("file", f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if not total:
        raise BadInput("file", f"{path} is empty; there is nothing to attach")
    return b"".join(chunks), digest.hexdigest()


def _regular(path: Path, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise BadInput("file", f"{path} is a folder; give a file")
    if not stat.S_ISREG(mode):
        raise BadInput("file", f"{path} is not a regular file (a pipe, device or socket)")


def _too_large(path: Path, size: int, limit: int, *, growing: bool = False) -> str:
    grew = " and still growing" if growing else ""
    return (
        f"{path} is {size_text(size)}{grew}; an attachment is at most {size_text(limit)} "
        "(attachments.max_mib in the rules file)"
    )


def attach(
    ctx: typer.Context,
    complaint_id: IdArgument,
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="The photo, video still, lab report or scan.",
            show_default=False,
        ),
    ],
    note: Annotated[str | None, typer.Option(help="What it shows (kept with it).")] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """The file is stored inside the database (so one file stays the whole record, and
    `backup` copies it) with its name, size, SHA-256, its type read from its content, who
    and when; attachments are numbered from 1 within the case, at any status, and never
    changed or deleted. At most 20 MiB (attachments.max_mib in the rules file). `show`
    lists them; `attachment ID N --out FILE` writes one back.

    Example: aftersales attach 42 留样检测报告.pdf --note "质检中心检测报告"
    """
    from aftersales_cli.desk import evidence, parse

    with session(ctx, db=db, rules=rules, by=by) as s:
        limit = s.rules.attachments.max_bytes
        content, sha256 = read_file(file, limit)  # before the database is opened
        command = parse.attach(complaint_id, file, content, sha256, note, s.rules)
        kept = evidence.attach(s.desk(), command).attachment
        if json_:
            output.print_json({"complaint_id": complaint_id, **record_json.attachment_json(kept)})
            return
        output.show(
            [
                Line(
                    f"Attached {kept.name} to complaint #{complaint_id} as attachment "
                    f"{kept.number} ({kept.type}, {size_text(kept.size)}, sha256 "
                    f"{kept.sha256[:12]}…).",
                    "ok",
                )
            ]
        )


def attachment(
    ctx: typer.Context,
    complaint_id: IdArgument,
    number: Annotated[
        int,
        typer.Argument(
            metavar="N",
            help="The attachment's number within the case (as `show` lists them).",
            show_default=False,
            parser=whole_number("an attachment number"),
            autocompletion=complete_attachment_numbers,
        ),
    ],
    out: Annotated[
        str,
        typer.Option(
            "--out", metavar="FILE", help="Write it here (a new file).", show_default=False
        ),
    ],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace --out if it exists.")
    ] = False,
    json_: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The file is written as every file the tool writes: never over an existing one
    without --overwrite, never through a symbolic link, whole or not at all, private
    (0600). Content that no longer matches the SHA-256 recorded when it was attached is
    refused (exit 74; run `aftersales check`).

    Example: aftersales attachment 42 1 --out ~/报告.pdf
    """
    import hashlib

    from aftersales_cli import files
    from aftersales_cli.store import attachments
    from aftersales_cli.store.db import snapshot

    with session(ctx, db=db) as s:
        path = files.given_path(out, "out")
        assert path is not None
        target = files.check_target(path, "out", overwrite=overwrite, database=s.db_path)
        with snapshot(s.conn) as conn:
            kept, content = attachments.content(conn, complaint_id, number)
        if len(content) != kept.size or hashlib.sha256(content).hexdigest() != kept.sha256:
            raise DatabaseUnusable(
                f"attachment: {number} of complaint {complaint_id} is damaged (its content "
                "is not what was recorded when it was attached); nothing was written — run "
                "`aftersales check`, and restore from a backup"
            )
        with files.writing_bytes(target, "out", overwrite=overwrite) as handle:
            handle.write(content)
        if json_:
            output.print_json(
                {
                    "complaint_id": complaint_id,
                    **record_json.attachment_json(kept),
                    "file": str(target),
                }
            )
            return
        output.show(
            [
                Line(
                    f"Wrote attachment {number} of complaint #{complaint_id} ({kept.name}, "
                    f"{kept.type}, {size_text(kept.size)}) to {target} — SHA-256 verified.",
                    "ok",
                )
            ]
        )
