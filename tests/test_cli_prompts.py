"""Interactive `log` at a real (pseudo-)terminal (issue 11, Found 3): each missing field is
asked for and checked at its own prompt, the phone first (a returning caller's name and
client offered as defaults); a bad answer is explained and asked again, three bad ones
end with the error and nothing saved; Ctrl-C says so and exits 130. Off a terminal
nothing waits for input."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from hostile_support import cli_env, run_in_pty

PHONE = b"Contact phone"
NAME = b"Customer name"
CLIENT = b"Client organisation"
WHAT = b"What happened"
CHANNEL = b"Channel"
CATEGORY = b"Category"


def talk(db: Path, *steps: tuple[bytes, str], argv: tuple[str, ...] = ()) -> tuple[int, str]:
    """`aftersales log ARGV` at a terminal, answering each prompt as it appears; the exit
    code and everything the terminal showed (prompts, answers, errors, the case)."""
    script = [(prompt, answer.encode() + b"\r") for prompt, answer in steps]
    code, shown, _ = run_in_pty(["log", *argv], cli_env(db), script=script, stderr_on_terminal=True)
    return code, shown.decode("utf-8", "replace").replace("\r\n", "\n")


def complaints(db: Path) -> list[dict[str, object]]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute(
            "SELECT id, phone, customer, org, description, channel, category FROM complaints"
        )
        return [dict(row) for row in rows]
    finally:
        conn.close()


def test_a_bad_answer_is_explained_and_asked_again(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    code, shown = talk(
        db,
        (PHONE, "12ab"),
        (PHONE, "13812345678"),
        (NAME, "王老师"),
        (CLIENT, "实验小学"),
        (WHAT, "米饭有馊味，孩子说难吃"),
        (CHANNEL, "xyz"),
        (CHANNEL, "热线"),
        (CATEGORY, ""),
    )
    assert code == 0, shown
    assert "phone: 7-20 digits" in shown and "try again (2 left)" in shown
    assert "channel: 'xyz' is not one of" in shown
    # the choices, in English and Chinese, before the channel and category prompts
    assert "hotline 热线" in shown and "delivery_staff 配送员" in shown
    assert "food_safety 食品安全" in shown and "foreign_object 异物" in shown
    assert "Category [food_safety 食品安全]" in shown  # 馊: Enter keeps the suggestion
    assert "Logged complaint #1." in shown
    [saved] = complaints(db)
    assert saved == {
        "id": 1,
        "phone": "13812345678",
        "customer": "王老师",
        "org": "实验小学",
        "description": "米饭有馊味，孩子说难吃",
        "channel": "hotline",
        "category": "food_safety",
    }


def test_three_bad_answers_end_with_the_error_and_nothing_saved(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    code, shown = talk(
        db,
        (WHAT, "   "),
        (WHAT, ""),
        (WHAT, "\x07"),
        argv=("--phone", "13812345678", "--customer", "王老师", "--org", "实验小学"),
    )
    assert code == 2, shown
    assert shown.count("description: must not be empty — try again") == 2
    assert shown.rstrip().splitlines()[-1].startswith("error: description:")
    assert "try again (0 left)" not in shown
    assert complaints(db) == []


def test_a_phone_that_called_before_offers_its_name_and_client(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    first = subprocess.run(
        [sys.executable, "-m", "aftersales_cli", "log", "汤是凉的", "--channel", "online"]
        + ["--customer", "王老师", "--phone", "13812345678", "--org", "实验小学", "--json"],
        env=cli_env(db),
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert first.returncode == 0, first.stderr
    code, shown = talk(
        db,
        (PHONE, "+86 138 1234 5678"),  # the same phone, written another way
        (NAME, ""),
        (CLIENT, ""),
        (WHAT, "菜里有头发"),
        (CHANNEL, "hotline"),
        (CATEGORY, "异物"),
    )
    assert code == 0, shown
    assert "This phone called before: complaint #1, 王老师, 实验小学." in shown
    assert "Customer name [王老师]" in shown and "Client organisation [实验小学]" in shown
    second = complaints(db)[1]
    assert (second["customer"], second["org"], second["category"]) == (
        "王老师",
        "实验小学",
        "foreign_object",
    )


def test_a_returning_phone_can_drop_the_offered_client(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    code, _ = talk(
        db,
        (PHONE, "13812345678"),
        (NAME, "王老师"),
        (CLIENT, "实验小学"),
        (CATEGORY, ""),
        argv=("汤是凉的", "--channel", "online"),
    )
    assert code == 0
    code, shown = talk(
        db, (PHONE, "13812345678"), (NAME, "李先生"), (CLIENT, "-"), (CATEGORY, ""),
        argv=("米饭偏硬", "--channel", "online"),
    )  # fmt: skip
    assert code == 0, shown
    second = complaints(db)[1]
    assert (second["customer"], second["org"]) == ("李先生", None)


def test_ctrl_c_at_a_prompt_says_nothing_was_saved_and_exits_130(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    script = [(PHONE, b"13812345678\r"), (NAME, b"\x03")]
    code, shown, _ = run_in_pty(["log"], cli_env(db), script=script, stderr_on_terminal=True)
    text = shown.decode("utf-8", "replace")
    assert code == 130, text
    assert text.rstrip().endswith("aborted — nothing saved"), text
    assert "\naborted" in text.replace("\r", "")  # on a line of its own, after the ^C
    assert "Traceback" not in text
    assert complaints(db) == []


def test_a_command_line_value_is_checked_before_any_question(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    code, shown = talk(db, argv=("--phone", "12ab"))
    assert code == 2, shown
    assert "error: phone:" in shown
    assert PHONE.decode() not in shown and WHAT.decode() not in shown


def test_off_a_terminal_nothing_waits_for_input(tmp_path: Path) -> None:
    """stdin an open pipe that never says anything: `log` must not read it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "aftersales_cli", "log", "--json"],
        env=cli_env(tmp_path / "g.db"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        code = proc.wait(timeout=30)  # stdin still open: a read of it would hang here
    finally:
        proc.kill()
        proc.stdin.close()
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert code == 2
    assert out == b""
    assert err.decode().strip() == "error: description: required; give DESCRIPTION"
