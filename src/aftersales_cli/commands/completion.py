"""Tab completion of the terms an option takes, in English and Chinese (`aftersales
--install-completion`). These run only when a shell asks for candidates: a normal run
builds the options, never calls them.

Each candidate carries the other language as its help, which zsh and fish show beside it
(`hotline  热线`, `热线  hotline`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from aftersales_cli.rules.taxonomy import Vocabulary

Candidates = list[tuple[str, str]]


def candidates(vocabulary: Vocabulary, incomplete: str) -> Candidates:
    """Every key and Chinese term of `vocabulary` that starts with what was typed."""
    offered: Candidates = []
    for key in vocabulary:
        zh = vocabulary.zh(key)
        offered.append((key, zh))
        if zh:
            offered.append((zh, key))
    return [(value, other) for value, other in offered if value.startswith(incomplete)]


def complete_terms(vocabulary: Vocabulary) -> Callable[[str], Candidates]:
    """The completer of an option that takes one of `vocabulary`'s terms."""

    def complete(incomplete: str) -> Candidates:
        return candidates(vocabulary, incomplete)

    return complete


def complete_categories(ctx: typer.Context, incomplete: str) -> Candidates:
    """The categories, with those the rules file in force adds (`--rules`, before or
    after the command, else $AFTERSALES_RULES); an unusable file adds none."""
    from aftersales_cli.rules.config import parse_rules
    from aftersales_cli.rules.taxonomy import CATEGORIES

    given = [c.params.get("rules") for c in (ctx, ctx.parent) if c is not None]
    path = next((p for p in given if p), None) or os.environ.get("AFTERSALES_RULES")
    vocabulary = CATEGORIES
    if path:
        try:
            source = Path(path).expanduser().read_text(encoding="utf-8")
            vocabulary = parse_rules(source, path).category_terms
        except (OSError, ValueError):  # unreadable, not UTF-8, not valid rules
            pass  # completion must never fail; the command itself will say what is wrong
    return candidates(vocabulary, incomplete)


# ---- ids kept in the database ---------------------------------------------------------------
# Completing an action id or an attachment number reads the database the command line
# names, read-only: it never creates, upgrades or writes it, and a missing, unreadable,
# foreign or older file offers nothing (the command itself will say what is wrong).
# Complaint ids are not offered: a desk holds too many for a list to help.

MOST = 100  # candidates offered at most (the newest)
_ACTION_STATES = {"done": "open", "verify": "done"}  # the state each step starts from


def _given(ctx: typer.Context, name: str) -> object:
    """An option given to this command or to any command it is under (`--db` before or
    after the command name)."""
    found: Any = ctx  # typer.Context, its parents Click's
    while found is not None:
        value = found.params.get(name)
        if value:
            return value
        found = found.parent
    return None


def _rows(ctx: typer.Context, sql: str, params: tuple[object, ...]) -> list[tuple[str, str]]:
    import sqlite3

    from aftersales_cli.store.db import resolve_path
    from aftersales_cli.store.migrations import APPLICATION_ID

    try:
        path = resolve_path(str(_given(ctx, "db") or "") or None)
        if not path.is_file():
            return []
        quoted = str(path.resolve()).replace("?", "%3f").replace("#", "%23")
        conn = sqlite3.connect(f"file:{quoted}?mode=ro", uri=True, timeout=1)
        try:
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                return []
            return [(str(a), str(b)) for a, b in conn.execute(sql, params)]
        finally:
            conn.close()
    except (sqlite3.Error, OSError, ValueError):
        return []


def complete_action_ids(ctx: typer.Context, incomplete: str) -> Candidates:
    """The corrective actions the step can take (`action done`: the open ones; `action
    verify`: the done ones), newest first, each with its complaint and what it is."""
    state = _ACTION_STATES.get(ctx.info_name or "")
    if state is None or not (incomplete == "" or incomplete.isdigit()):
        return []
    rows = _rows(
        ctx,
        "SELECT id, '#' || complaint_id || ' ' || department || ': ' || text FROM actions"
        " WHERE state = ? AND CAST(id AS TEXT) LIKE ? || '%' ORDER BY id DESC LIMIT ?",
        (state, incomplete, MOST),
    )
    return [(number, _one_line(help)) for number, help in rows]


def complete_attachment_numbers(ctx: typer.Context, incomplete: str) -> Candidates:
    """The numbers of the attachments of the complaint already typed, each with its
    file's name."""
    complaint = ctx.params.get("complaint_id")
    if not isinstance(complaint, int) or not (incomplete == "" or incomplete.isdigit()):
        return []
    rows = _rows(
        ctx,
        "SELECT number, name FROM attachments WHERE complaint_id = ?"
        " AND CAST(number AS TEXT) LIKE ? || '%' ORDER BY number LIMIT ?",
        (complaint, incomplete, MOST),
    )
    return [(number, _one_line(help)) for number, help in rows]


def _one_line(text: str) -> str:
    """A candidate's help as a shell shows it: one line, no control characters."""
    from aftersales_cli.render.cells import clean

    return clean(" ".join(text.split()), keep=False)
