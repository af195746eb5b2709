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
