"""The `aftersales` command: global options, the one error boundary, the registry of
commands and how their help reads — nothing else. Commands live in
`aftersales_cli.commands`."""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

from aftersales_cli import __version__
from aftersales_cli.commands.options import ByOption, DbOption, Globals, Group, RulesOption
from aftersales_cli.errors import BAD_INPUT, INTERNAL_ERROR, INTERRUPTED, UserError
from aftersales_cli.rules.errors import RuleError, RulesFileError

F = TypeVar("F", bound=Callable[..., Any])
BROKEN_PIPE = 141  # as a shell reports a process ended by SIGPIPE


def _error(message: str) -> None:
    """One line on stderr: what was wrong, made harmless for the terminal."""
    from aftersales_cli.render.cells import clean  # only when something went wrong

    sys.stderr.write(f"error: {clean(message, keep=False)}\n")


def _paragraphs(text: str) -> list[tuple[int, bool, str]]:
    """Help text as Click reads it: paragraphs between blank lines, each with the indent
    of its first line; one that opens with a line holding only `\\b` is kept as written
    (raw), the others are one line each, to be wrapped."""
    found: list[tuple[int, bool, str]] = []
    lines: list[str] = []
    indent = 0

    def done() -> None:
        if lines:
            raw = lines[0].strip() == "\b"
            found.append((indent, raw, "\n".join(lines[1:]) if raw else " ".join(lines)))
            lines.clear()

    for line in text.expandtabs().splitlines():
        if not line.strip():
            done()
            continue
        if not lines:
            indent = len(line) - len(line.lstrip())
        lines.append(line.strip())
    done()
    return found


class _Formatter(typer.Context.formatter_class):  # type: ignore[misc,valid-type]
    """Click's help formatter, wrapping by the cells a terminal gives each character (a
    Chinese one takes two: Click counts characters, and its lines with Chinese in them ran
    past the edge of an 80-column terminal) — `render.cells.wrap`, as every view wraps."""

    def _wrapped(self, text: str, size: int) -> list[str]:
        from aftersales_cli.render.cells import wrap

        out: list[str] = []
        for n, (indent, raw, body) in enumerate(_paragraphs(text)):
            if n:
                out.append("")
            lines = body.splitlines() if raw else wrap(body, max(size - indent, 10))
            out.extend(" " * indent + line for line in lines)
        return out

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for line in self._wrapped(text, self.width - self.current_indent):
            self.write(f"{indent}{line}\n" if line else "\n")

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        from aftersales_cli.render.cells import width

        rows = [(row[0], row[1] if len(row) > 1 else "") for row in rows]
        first_col = min(max((width(first) for first, _ in rows), default=0), col_max)
        first_col += col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = self._wrapped(second, max(self.width - first_col - 2, 10)) or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n" if line else "\n")


class _Context(typer.Context):
    formatter_class = _Formatter


class _Bare(TyperGroup):
    """A group that, given no arguments, prints its help (exit 0)."""

    context_class = _Context

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            sys.stdout.write(ctx.get_help() + "\n")
            ctx.exit(0)
        rest: list[str] = super().parse_args(ctx, args)
        return rest


class _Group(_Bare):
    """Click's lazy group (a command is built when asked for), through Typer's public API;
    no arguments print the help; usage errors are one line on stderr (exit 2), not a usage
    block and a panel."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [name for name, _, _ in COMMANDS]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The list `aftersales --help` shows: each command's summary from the registry,
        listed whole (importing the commands to read them off their functions cost
        `--help` two thirds of its time)."""
        rows = [(name, _SUMMARY[name]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            if cmd_name not in _WHERE:
                return None
            self.commands[cmd_name] = _build(cmd_name)
        return self.commands[cmd_name]

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(
                args, prog_name, complete_var, standalone_mode, windows_expand_args, **extra
            )
        try:
            result = super().main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )
        except typer.TyperException as exc:  # Click's usage errors
            _error(exc.format_message().replace("\n", " "))
            sys.exit(getattr(exc, "exit_code", BAD_INPUT))
        except Interrupted:  # Ctrl-C (or end of input) inside a command, at a prompt say
            sys.stderr.write("\n")  # not left on the line after ^C
            _error(INTERRUPTED_TEXT)
            sys.exit(INTERRUPTED)
        except typer.Abort:  # Ctrl-C before the command ran; Click wrote the newline
            _error(INTERRUPTED_TEXT)
            sys.exit(INTERRUPTED)
        sys.exit(result if isinstance(result, int) else 0)


class Interrupted(Exception):
    """Ctrl-C (or the end of input at a prompt) while a command ran: every transaction
    rolled back, no file landed."""


INTERRUPTED_TEXT = "interrupted; nothing was changed"


def boundary(command: F) -> F:
    """The one place where errors meant for users become one line on stderr and their
    exit code (errors.py); anything else is a bug (70)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UserError as exc:
            _error(exc.message)
            raise typer.Exit(exc.exit_code) from None
        except (RuleError, RulesFileError) as exc:
            _error(str(exc))
            raise typer.Exit(BAD_INPUT) from None
        except (typer.Exit, typer.TyperException):
            raise
        except (typer.Abort, KeyboardInterrupt):
            raise Interrupted from None
        except BrokenPipeError:
            # The reader went away (`aftersales export | head`): stop quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(BROKEN_PIPE) from None
        except Exception as exc:
            if isinstance(exc, sqlite3.Error):
                from aftersales_cli.store.db import describe

                described = describe(exc)
                if described is not None:  # damaged, full, read-only, locked: not a bug
                    _error(described.message)
                    raise typer.Exit(described.exit_code) from None
            if os.environ.get("AFTERSALES_DEBUG"):
                raise
            _error(
                f"internal error ({type(exc).__name__}: {exc}); "
                "run again with AFTERSALES_DEBUG=1 for the details, and report it"
            )
            raise typer.Exit(INTERNAL_ERROR) from None

    return run  # type: ignore[return-value]


app = typer.Typer(
    cls=_Group,
    rich_markup_mode=None,
    name="aftersales",
    help="The after-sales desk of a centralized catering company (集中配餐售后): complaints, "
    "deadlines, penalties and reports on one SQLite file.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"aftersales {__version__}\n")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """The after-sales desk of a centralized catering company (集中配餐售后).

    Times are shown in $AFTERSALES_TZ (default Asia/Shanghai); AFTERSALES_NOW pins the
    clock. Every command that prints records takes --json.
    """
    ctx.obj = Globals(db=db, rules=rules, by=by)


# Every command: its name, where it lives, and its one-line summary (the first line of its
# help, listed by `aftersales --help`; the function's docstring is the rest of its help). A
# command's module is imported only when that command runs, so that each pays for what it
# uses — and `--help` lists them all without importing any.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("log", "intake:log", "Log a new complaint: suggest category and severity, set deadlines."),
    ("classify", "intake:classify", "Confirm or change category and severity."),
    ("assign", "handling:assign", "Hand a complaint to a department and, optionally, a person."),
    ("done", "handling:done", "Record a milestone as done: contact, plan, sample, confirm…."),
    (
        "extend",
        "handling:extend",
        "Extend a deadline: the customer was told why and given a new time.",
    ),
    ("pause", "pausing:pause", "Pause a complaint's deadlines while it waits on the customer."),
    (
        "resume",
        "pausing:resume",
        "Run a paused complaint's deadlines again, each moved by the pause.",
    ),
    ("close", "handling:close", "Close a complaint: remedies, payments, cause, what was found."),
    ("edit", "edit:edit", "Correct what intake took down (closed cases too), with a reason."),
    ("note", "casefile:note", "Record a progress note: a call, visit, message or internal note."),
    ("pay", "money:pay", "Record a payment to the customer, or reverse a mistaken one."),
    ("action", "actions:action", "Corrective actions (整改): add, done, verify, list."),
    ("revisit", "followup:revisit", "Record the follow-up with the customer after closure."),
    (
        "attach",
        "evidence:attach",
        "Keep a photo, video still, lab report or scan with a complaint.",
    ),
    (
        "attachment",
        "evidence:attachment",
        "Write an attachment back to a file, its SHA-256 verified.",
    ),
    ("client", "clients:client", "Clients (客户): add, list, show, alias, merge."),
    ("show", "browse:show", "Show one complaint whole: its fields, deadlines and history."),
    ("list", "browse:list_", "List complaints with something still to do, most pressing first."),
    (
        "overdue",
        "overdue:overdue",
        "List every pending milestone past its deadline, most urgent first.",
    ),
    ("report", "report:report", "Report a period: every KPI against its target, with charts."),
    ("backup", "data:backup", "Copy the database to FILE while it is in use, and check the copy."),
    ("export", "data:export", "Export complaints with their whole history as JSON Lines or CSV."),
    (
        "import",
        "importing:import_",
        "Import complaints from CSV or JSON Lines: exports or intake rows.",
    ),
    ("survey", "survey:survey", "Satisfaction survey (满意度调查): plan, record, import, report."),
    ("check", "check:check", "Check the database: SQLite's integrity check and the tool's own."),
    (
        "rules",
        "policy:rules_command",
        "Show the rules in force: deadlines, categories, fines, targets.",
    ),
    (
        "calendar",
        "calendar:calendar",
        "The work calendar: days off, holidays and make-up workdays.",
    ),
    ("recompute", "recount:recompute", "Count pending deadlines again after the calendar changed."),
    ("demo", "demo:demo", "Build a demo database from a built-in scenario and tour the tool."),
)
_WHERE = {name: where for name, where, _ in COMMANDS}
_SUMMARY = {name: line for name, _, line in COMMANDS}


class _Command(TyperCommand):
    """A command whose help reads as people write it: `ID`, not `{ID}`; `--channel
    CHANNEL`, not `--channel <str>` (a value without a metavar of its own is named after
    its option); wrapped by the cells a terminal gives each character (`_Formatter`)."""

    context_class = _Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if param.metavar is None and not getattr(param, "is_flag", False):
                name = max(param.opts, key=len) if param.opts else (param.name or "")
                param.metavar = name.lstrip("-").replace("-", "_").upper()

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces: list[str] = super().collect_usage_pieces(ctx)
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in pieces]


def summary(function: Callable[..., Any]) -> str:
    """The first line of a group's command's help: its one-line summary."""
    return (function.__doc__ or "").strip().split("\n", 1)[0]


def help_text(name: str, function: Callable[..., Any] | Group) -> str:
    """A command's whole help: its summary from the registry, then its docstring."""
    return f"{_SUMMARY[name]}\n\n{inspect.cleandoc(function.__doc__ or '')}"


def _build(name: str) -> Any:
    """The command `name`, registered the public way on an app of its own (a group of
    commands on a Typer app of its own, each of them as every command is)."""
    function = command_function(name)
    if isinstance(function, Group):
        group = typer.Typer(
            cls=_Bare,
            name=name,
            help=help_text(name, function),
            short_help=_SUMMARY[name],
            rich_markup_mode=None,
            add_completion=False,
            no_args_is_help=True,
        )
        for sub, command in function.commands.items():
            group.command(sub, cls=_Command, short_help=summary(command))(boundary(command))
        return typer.main.get_group(group)
    single = typer.Typer(rich_markup_mode=None, add_completion=False)
    single.command(name, cls=_Command, help=help_text(name, function), short_help=_SUMMARY[name])(
        boundary(function)
    )
    return typer.main.get_command(single)


def command_function(name: str) -> Callable[..., Any] | Group:
    module, attr = _WHERE[name].split(":")
    function: Callable[..., Any] | Group = getattr(
        importlib.import_module(f"aftersales_cli.commands.{module}"), attr
    )
    return function


def main() -> None:
    # Whatever the locale or PYTHONIOENCODING, a character the output cannot hold is
    # written as an escape, never a crash (JSON escapes it itself: render.output.dumps).
    from aftersales_cli.render import holds_unicode

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if not holds_unicode(stream) and reconfigure is not None:
            reconfigure(errors="backslashreplace")
    # One name whether run as `aftersales` or `python -m aftersales_cli`: the completion
    # scripts call `aftersales` and talk to it through $_AFTERSALES_COMPLETE.
    app(prog_name="aftersales")
