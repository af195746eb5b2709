"""Tab completion (issue 11, Found 4): `--install-completion` and `--show-completion` for
bash, zsh and fish; commands, options, and the values of every term option in English and
Chinese — asked the way each shell's script asks (Typer's `_AFTERSALES_COMPLETE`
protocol)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, ok

VAR = "_AFTERSALES_COMPLETE"


def bash(run: Run, line: str) -> list[str]:
    """The candidates bash gets for `line` (the word after its last space completed)."""
    words = line.split(" ")
    env = {VAR: "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
    result = run(env=env)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def aftersales(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real program, as the shell's completion script runs it."""
    return subprocess.run(
        [sys.executable, "-m", "aftersales_cli", *argv],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_commands_and_options_complete(run: Run) -> None:
    commands = bash(run, "aftersales ")
    assert {"log", "classify", "show", "list", "overdue", "report", "demo"} <= set(commands)
    assert bash(run, "aftersales rep") == ["report"]
    assert bash(run, "aftersales log --ch") == ["--channel"]
    assert "--install-completion" in bash(run, "aftersales --")


@pytest.mark.parametrize(
    ("line", "english", "chinese"),
    [
        ("aftersales log --channel ", "hotline", "热线"),
        ("aftersales log --category ", "food_safety", "食品安全"),
        ("aftersales log --severity ", "urgent", "紧急"),
        ("aftersales classify 1 --category ", "foreign_object", "异物"),
        ("aftersales list --severity ", "non_urgent", "非紧急"),
        ("aftersales list --category ", "delivery_delay", "配送延误"),
        ("aftersales list --dept ", "quality_control", "质控"),
        ("aftersales list --status ", "closed", None),
        ("aftersales assign 1 --dept ", "production", "生产"),
        ("aftersales done 1 ", "contact", None),
        ("aftersales extend 1 --milestone ", "resolution", None),
        ("aftersales close 1 --remedy ", "refund", "退款"),
        ("aftersales close 1 --cause ", "processing", "加工制作"),
        ("aftersales close 1 --finding ", "spoiled", "腐败变质"),
        ("aftersales revisit 1 --method ", "phone", "电话"),
        ("aftersales pay 1 --kind ", "compensation", "经济赔偿"),
        ("aftersales import f.csv --channel ", "online", "在线"),
        ("aftersales export --status ", "revisited", None),
    ],
    ids=lambda v: v.strip() if isinstance(v, str) and v.startswith("aftersales") else "",
)
def test_every_term_option_completes_in_english_and_chinese(
    run: Run, line: str, english: str, chinese: str | None
) -> None:
    from aftersales_cli.rules.taxonomy import MILESTONES, STATUSES

    offered = bash(run, line)
    assert english in offered, offered
    zh = chinese or (MILESTONES if "milestone" in line or "done" in line else STATUSES).zh(english)
    assert zh and zh in offered, offered


def test_a_started_word_narrows_the_terms_in_either_language(run: Run) -> None:
    assert bash(run, "aftersales log --channel 热") == ["热线"]
    assert bash(run, "aftersales log --channel de") == ["delivery_staff"]
    assert bash(run, "aftersales close 1 --remedy 退") == ["退款"]


def test_a_category_a_rules_file_adds_completes(run: Run, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[categories.allergen]\nzh = "过敏原"\nseverity = "urgent"\ndepartment = "production"\n'
        'keywords = ["过敏"]\n',
        encoding="utf-8",
    )
    offered = bash(run, f"aftersales log --rules {rules} --category ")
    assert {"allergen", "过敏原", "food_safety"} <= set(offered)
    env_rules = run(
        env={VAR: "complete_bash", "COMP_WORDS": "aftersales list --category ", "COMP_CWORD": "3",
             "AFTERSALES_RULES": str(rules)},
    ).stdout.splitlines()  # fmt: skip
    assert "过敏原" in env_rules
    rules.write_text("[categories.allergen]\nseverity = 3\n", encoding="utf-8")  # unusable
    assert "allergen" not in bash(run, f"aftersales log --rules {rules} --category ")
    assert "food_safety" in bash(run, f"aftersales log --rules {rules} --category ")


def test_action_ids_and_attachment_numbers_complete_from_the_database(
    run: Run, db_path: Path, tmp_path: Path, log: Callable[..., dict[str, Any]]
) -> None:
    """`action done <Tab>` offers the open actions, `action verify <Tab>` the done ones,
    `attachment ID <Tab>` that case's numbers — each with what it is beside it — read
    from the database the command line names, which completing never writes."""
    log()
    log()
    due = ("--due", "2026-11-30 18:00")
    for text in ("冷藏车温控改造", "留样柜加锁", "分拣复核"):
        ok(run("action", "add", "1", "--text", text, "--dept", "配送", *due))
    ok(run("action", "done", "2"))
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"0" * 64)
    for _ in range(2):
        ok(run("attach", "2", str(photo)))
    assert bash(run, "aftersales action done ") == ["3", "1"]  # the open ones, newest first
    assert bash(run, "aftersales action verify ") == ["2"]  # only what is done
    assert bash(run, "aftersales action done 3") == ["3"]
    assert bash(run, "aftersales attachment 2 ") == ["1", "2"]
    assert bash(run, "aftersales attachment 1 ") in ([], [""])  # nothing to offer
    zsh = run(env={VAR: "complete_zsh", "_TYPER_COMPLETE_ARGS": "aftersales action done "})
    assert r'"1":"#1 delivery\\: 冷藏车温控改造"' in zsh.stdout, zsh.stdout
    zsh = run(env={VAR: "complete_zsh", "_TYPER_COMPLETE_ARGS": "aftersales attachment 2 "})
    assert '"1":"photo.jpg"' in zsh.stdout, zsh.stdout
    # --db before or after the command names the database; $AFTERSALES_DB otherwise
    other = tmp_path / "other.db"
    moved = db_path.rename(other)
    assert bash(run, "aftersales action done ") in ([], [""])  # no file there: nothing
    assert not db_path.exists()
    assert bash(run, f"aftersales --db {moved} action done ") == ["3", "1"]
    assert bash(run, f"aftersales action done --db {moved} ") == ["3", "1"]
    before = moved.read_bytes()
    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE actions (id, state)").connection.commit()
    assert bash(run, f"aftersales --db {foreign} action done ") in ([], [""])  # not ours
    assert moved.read_bytes() == before


@pytest.mark.parametrize(
    ("shell", "env", "expected"),
    [
        ("zsh", {"_TYPER_COMPLETE_ARGS": "aftersales log --channel "}, '"hotline":"热线"'),
        (
            "fish",
            {
                "_TYPER_COMPLETE_ARGS": "aftersales log --channel ",
                "_TYPER_COMPLETE_FISH_ACTION": "get-args",
            },
            "hotline\t热线",
        ),
        ("bash", {"COMP_WORDS": "aftersales log --channel ", "COMP_CWORD": "3"}, "热线"),
    ],
)
def test_each_shell_gets_its_candidates_from_the_real_program(
    shell: str, env: dict[str, str], expected: str
) -> None:
    result = aftersales(**env, **{VAR: f"complete_{shell}"})
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout.splitlines() or expected in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o default -F _aftersales_completion aftersales"),
        ("zsh", "compdef _aftersales_completion aftersales"),
        ("fish", "complete --command aftersales"),
    ],
)
def test_show_completion_prints_the_script_for_each_shell(shell: str, marker: str) -> None:
    result = aftersales("--show-completion", _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    assert result.returncode == 2  # a shell must then be named
    result = aftersales(
        "--show-completion", shell, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1"
    )
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout
    assert f"{VAR}=complete_{shell}" in result.stdout


def test_install_completion_writes_the_shell_start_up_file(tmp_path: Path) -> None:
    result = aftersales(
        "--install-completion",
        "bash",
        HOME=str(tmp_path),
        _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1",
    )
    assert result.returncode == 0, result.stderr
    assert "bash completion installed" in result.stdout
    script = tmp_path / ".bash_completions" / "aftersales.sh"
    assert f"{VAR}=complete_bash" in script.read_text()
    assert str(script) in (tmp_path / ".bashrc").read_text()


def test_help_lists_the_completion_options(run: Run) -> None:
    shown = run("--help").stdout
    assert "--install-completion" in shown and "--show-completion" in shown
