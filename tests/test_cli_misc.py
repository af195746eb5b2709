"""Help, README, version, rules and the module entry point."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Run, ok, refused

from aftersales_cli.cli import COMMANDS

README = Path(__file__).resolve().parent.parent / "README.md"
NAMES = [name for name, _, _ in COMMANDS]


def _registered() -> list[list[str]]:
    """Every command a user can run: each registered name, and each command of a group
    (`action add`, `action done`, …)."""
    from aftersales_cli.cli import command_function
    from aftersales_cli.commands.options import Group

    found: list[list[str]] = []
    for name in NAMES:
        function = command_function(name)
        found.append([name])
        if isinstance(function, Group):
            found.extend([name, sub] for sub in function.commands)
    return found


@pytest.mark.parametrize("argv", _registered(), ids=" ".join)
def test_every_command_has_help_with_an_example(run: Run, argv: list[str]) -> None:
    result = run(*argv, "--help")
    assert result.exit_code == 0
    shown = " ".join(result.stdout.split())
    assert f"Example: aftersales {' '.join(argv)} " in shown, shown


@pytest.mark.parametrize("name", NAMES)
def test_every_command_is_in_the_readme(name: str) -> None:
    assert re.search(rf"\$ aftersales (--[a-z]+ \S+ )*{name}\b", README.read_text("utf-8")), name


def test_readme_starts_with_the_two_set_up_commands() -> None:
    text = README.read_text("utf-8")
    demo = text.index("pip install . && aftersales demo")
    tests = text.index("pip install -e '.[test]' && python3 -m pytest")
    assert demo < tests < text.index("\n## ", text.index("\n## ") + 1)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (README.parent / ".ci" / "run").read_text()
    assert "python3 -m pip install -e '.[test]' && python3 -m pytest" in ci
    assert "ruff check" in ci and "mypy src" in ci


def test_the_readme_documents_every_exit_code_the_tool_uses() -> None:
    from aftersales_cli import errors
    from aftersales_cli.cli import BROKEN_PIPE

    table = README.read_text("utf-8").split("### Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| `(\d+)` \|", table, re.M)}
    used = {
        errors.OK,
        errors.FOUND,
        errors.BAD_INPUT,
        errors.INTERNAL_ERROR,
        errors.CANNOT_WRITE,
        errors.DATABASE_UNUSABLE,
        errors.LOCKED,
        errors.INTERRUPTED,
        BROKEN_PIPE,
    }
    assert documented == used
    assert errors.CannotWrite.exit_code == errors.CANNOT_WRITE
    assert errors.DatabaseUnusable.exit_code == errors.DATABASE_UNUSABLE
    assert errors.DatabaseLocked.exit_code == errors.LOCKED


def test_version_and_no_arguments(run: Run) -> None:
    assert run("--version").stdout.startswith("aftersales 0.")
    result = run()
    assert result.exit_code == 0 and "log" in result.stdout


def test_no_arguments_print_the_help_and_nothing_else(run: Run) -> None:
    bare, helped = run(), run("--help")
    assert (bare.exit_code, bare.stdout, bare.stderr) == (0, helped.stdout, "")


def test_unknown_command_is_one_line(run: Run) -> None:
    refused(run("lgo"), "lgo")
    refused(run("lgo", "--help"), "No such command 'lgo'")
    assert refused(run("--db", "x.db")) == "error: Missing command."


def _modules_loaded(*argv: str) -> set[str]:
    """The modules a real `aftersales ARGV` imports."""
    code = (
        "import sys\n"
        "from aftersales_cli import cli\n"
        f"sys.argv = ['aftersales', *{list(argv)!r}]\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "print('\\nloaded:', *sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return set(result.stdout.rsplit("\nloaded:", 1)[1].split())


def _command_modules_loaded(*argv: str) -> set[str]:
    """The command modules a real `aftersales ARGV` imports (the registry is lazy)."""
    loaded = {m for m in _modules_loaded(*argv) if m.startswith("aftersales_cli.commands.")}
    return loaded - {"aftersales_cli.commands.options"}


def test_a_command_module_is_imported_only_when_its_command_runs(run: Run) -> None:
    run("log", "米饭偏硬", "--channel", "online", "--customer", "a", "--phone", "13800000000")
    assert _command_modules_loaded("--version") == set()
    assert "aftersales_cli.commands.report" not in _command_modules_loaded("show", "1")
    assert "aftersales_cli.commands.browse" in _command_modules_loaded("show", "1")
    # the list of commands comes from the registry: it imports none of them
    assert _command_modules_loaded("--help") == set()


def test_reading_a_case_loads_no_heavy_library(run: Run) -> None:
    """Start-up is benchmarked: `show` on an up-to-date database needs neither Rich,
    sqlite-utils nor pendulum, and Typer coerces its options without pydantic (Typer
    0.29 builds a pydantic TypeAdapter per option: +70 ms a command, so it is pinned
    below; this fails if an upgrade brings it back)."""
    run("log", "米饭偏硬", "--channel", "online", "--customer", "a", "--phone", "13800000000")
    heavy = {"rich", "sqlite_utils", "pendulum", "pydantic", "chinese_calendar"}
    assert heavy & {m.split(".")[0] for m in _modules_loaded("show", "1")} == set()


@pytest.mark.parametrize(
    "argv",
    [
        ("show", "1"),
        ("list",),
        ("overdue",),
        ("log", "米饭变质", "--channel", "online", "--customer", "b", "--phone", "13800000001"),
    ],
)
def test_the_holiday_calendar_is_not_loaded_by_the_everyday_commands(
    run: Run, argv: tuple[str, ...]
) -> None:
    """The calendar is read where a deadline is counted in working time, and only there
    (DECISIONS §14): showing, listing and cron read what was stored, and an urgent
    complaint's clocks run 24/7."""
    run("log", "米饭偏硬", "--channel", "online", "--customer", "a", "--phone", "13800000000")
    loaded = _modules_loaded(*argv)
    assert "chinese_calendar" not in {m.split(".")[0] for m in loaded}
    assert "aftersales_cli.rules.business" not in loaded
    assert "aftersales_cli.rules.business" in _modules_loaded("calendar")


def test_logging_a_general_complaint_counts_its_deadlines_by_the_calendar() -> None:
    loaded = _modules_loaded(
        "log", "饭凉了", "--channel", "online", "--customer", "b", "--phone", "13800000001"
    )
    assert "aftersales_cli.rules.business" in loaded
    assert "chinese_calendar" in {m.split(".")[0] for m in loaded}


def test_python_dash_m_works(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aftersales_cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and result.stdout.startswith("aftersales ")


def test_rules_shows_the_policy_in_force(run: Run) -> None:
    out = run("rules").stdout
    assert "urgent 紧急        30m      15m      2h    4h             24h" in out
    assert "sample 24h, lab_report 48h from receipt" in out
    assert "revisit 3d after close" in out
    data = ok(run("rules", "--json"))
    assert data["penalties"]["ladder"] == [2, 3, 10]


def test_rules_file_changes_deadlines_of_new_complaints(
    run: Run, tmp_path: Path, thursday: None
) -> None:
    example = README.parent / "examples" / "rules.toml"
    out = run("rules", "--rules", str(example)).stdout
    assert "general 一般       45m" in out and "allergen 过敏原" in out
    data = ok(
        run(
            "log",
            "花生酱三明治",
            "--channel",
            "online",
            "--customer",
            "a",
            "--phone",
            "13800000000",
            "--json",
            env={"AFTERSALES_RULES": str(example)},
        )
    )
    assert data["category"] == "allergen" and data["severity"] == "urgent"
    data = ok(
        run(
            "log",
            "送错了",
            "--channel",
            "online",
            "--customer",
            "a",
            "--phone",
            "13800000000",
            "--rules",
            str(example),
            "--json",
        )
    )
    assert data["deadlines"]["contact"]["due_at"] == "2026-11-19T10:45:00+08:00"
    assert (
        json.loads(run("rules", "--json", "--rules", str(example)).stdout)["penalties"][
            "window_days"
        ]
        == 180
    )
