"""Help reads as a person writes it (issue 11, Found 9): `ID`, not `{ID}`; no Python type
names (`<str>`, `<list[str]>`, `<int range>`); no integer bounds no one would type
(`[1<=x<=9223372036854775807]`); and each command's one-line summary in full at the top
level, on one line of an 80-column terminal."""

from __future__ import annotations

import inspect
import re

import pytest
from conftest import Run

from aftersales_cli.cli import COMMANDS, command_function
from aftersales_cli.commands.options import Group
from aftersales_cli.render.cells import width

NAMES = [name for name, _, _ in COMMANDS]
SUMMARIES = {name: line for name, _, line in COMMANDS}
ARTEFACTS = re.compile(r"\{[A-Za-z_]+\}|<[a-z][a-z_ \[\],]*>|<=x|x<=|x>=|x>|\d{16,}")


def help_of(run: Run, *argv: str) -> str:
    result = run(*argv, "--help", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.stdout


def _every_help() -> list[list[str]]:
    """The top level, each command, and each command of a group (`client add`, …)."""
    found: list[list[str]] = [[]]
    for name in NAMES:
        found.append([name])
        function = command_function(name)
        if isinstance(function, Group):
            found.extend([name, sub] for sub in function.commands)
    return found


@pytest.mark.parametrize("argv", _every_help(), ids=lambda a: " ".join(a) or "top")
def test_help_has_no_type_reprs_braces_or_giant_bounds(run: Run, argv: list[str]) -> None:
    """…and fits 80 columns as a terminal counts them: a Chinese character takes two (the
    help of `log`, `close`, `pay`, `client add`, `survey import`… ran past the edge, wrapped
    by characters)."""
    shown = help_of(run, *argv)
    assert not ARTEFACTS.findall(shown), ARTEFACTS.findall(shown)
    too_wide = [line for line in shown.splitlines() if width(line) > 80]
    assert not too_wide, too_wide
    said_twice = re.search(r"(\[default: [^\]]+\])\.? +\1", " ".join(shown.split()))
    assert said_twice is None, said_twice  # `survey import --method` said its default twice


@pytest.mark.parametrize("name", NAMES)
def test_each_command_opens_with_a_one_line_summary_shown_whole(run: Run, name: str) -> None:
    """The registry's summary is listed whole by `aftersales --help` and opens the
    command's own help, followed by the function's docstring (which does not repeat it)."""
    first = SUMMARIES[name]
    assert "\n" not in first and first.endswith((".", "…")), first
    top = help_of(run)
    assert re.search(rf"^  {name} +{re.escape(first)}$", top, re.M), (first, top)
    doc = inspect.getdoc(command_function(name))
    assert doc and first not in doc, f"{name}: the docstring repeats the summary"
    own = " ".join(help_of(run, name).split())
    assert f"{first} {' '.join(doc.split())[:60]}" in own, own


def test_usage_names_arguments_plainly(run: Run) -> None:
    assert "show [OPTIONS] ID\n" in help_of(run, "show")
    assert "done [OPTIONS] ID MILESTONE\n" in help_of(run, "done")
    assert "log [OPTIONS] [DESCRIPTION]\n" in help_of(run, "log")
    shown = help_of(run, "log")
    assert "--channel CHANNEL" in shown and "--delivery-date DELIVERY_DATE" in shown
    assert "--limit N" in help_of(run, "list")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["show", "0"], ("ID", "complaint id", "1 or more")),
        (["show", "abc"], ("ID", "complaint id")),
        (["show", "99999999999999999999999"], ("ID", "too large")),
        (["list", "--limit", "0"], ("--limit", "1 or more")),
        (["list", "--limit", "99999999999999999999999"], ("--limit", "too large")),
    ],
)
def test_a_bad_whole_number_is_explained_without_giant_bounds(
    run: Run, argv: list[str], words: tuple[str, ...]
) -> None:
    result = run(*argv)
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message
    assert all(word in message for word in words), message
    assert "9223372036854775807" not in message
