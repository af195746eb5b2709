"""The options many commands share, defined once (cheap to import: Typer only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="PATH",
        show_default=False,
        help="Database file [default: $AFTERSALES_DB, else "
        "~/.local/share/aftersales/aftersales.db]",
    ),
]
RulesOption = Annotated[
    str | None,
    typer.Option(
        "--rules",
        metavar="FILE",
        show_default=False,
        help="TOML file overriding policy numbers [default: $AFTERSALES_RULES]",
    ),
]
ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="NAME",
        show_default=False,
        help="Operator name for the history [default: $AFTERSALES_OPERATOR, else your user name]",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (stable keys) instead.")]
MAX_ID = 2**63 - 1  # SQLite's largest INTEGER
IdArgument = Annotated[
    int,
    typer.Argument(metavar="ID", help="Complaint id.", show_default=False, min=1, max=MAX_ID),
]


@dataclass
class Globals:
    """Options given before the command name."""

    db: str | None = None
    rules: str | None = None
    by: str | None = None
