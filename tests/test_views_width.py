"""Every view fits the terminal it is on, from 80 columns up (issue 11): `show` wraps the
description, the request and the notes in full; `list` and `overdue` choose their columns
by width; `report` tables fit or stack; nothing a person needs is cut with `…`.

Each view runs on a real pseudo-terminal with `COLUMNS` set (Rich reads it), on the demo
database plus one complaint whose words are long Chinese sentences. A line's width is
counted as a terminal counts it: a Chinese character takes two cells.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ok
from hostile_support import cli_env, invoke, run_in_pty, settle
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.commands.overdue import TERMINAL_ROWS
from aftersales_cli.render import cells, layout
from aftersales_cli.render.blocks import Cell, Table, show_yuan
from aftersales_cli.render.cells import width

NOW = "2026-11-22 10:00"
WIDTHS = (80, 120, 200)

DESCRIPTION = (
    "十一月二十日中午配送到实验小学三年级的午餐中，红烧排骨有明显的馊味，米饭也偏硬，"
    "有六名学生吃后出现腹痛和腹泻，其中两名学生下午被家长接去医院检查，"
    "校方要求我们说明这批菜品的进货来源、加工时间和配送温度记录"
)
REQUEST = (
    "立即停止供应同一批次的排骨，并且把同批次的菜品全部封存送检，"
    "三天内给出书面调查报告，承担学生的全部医疗费用并当面向家长道歉"
)
NOTE = (
    "当天更换了排骨供应商，留样已经封存并送到区疾控中心检测，和校方约定周五下午到学校向家长说明情况"
)
SGR = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("width") / "demo.db"
    result = invoke(path, "demo", "--db", str(path), now=NOW)
    assert result.exit_code == 0, result.stderr
    logged = ok(invoke(path, "log", DESCRIPTION, "--channel", "hotline", "--customer", "王老师",
                       "--phone", "13916082245", "--org", "实验小学", "--request", REQUEST,
                       "--json", now=NOW))  # fmt: skip
    long_id = str(logged["id"])
    ok(invoke(path, "done", long_id, "plan", "--note", NOTE, "--json", now=NOW))
    settle(path)
    (path.parent / "long-id").write_text(long_id)
    return path


def long_id(db: Path) -> str:
    return (db.parent / "long-id").read_text()


def screen(db: Path, columns: int, *args: str) -> list[str]:
    """What a terminal `columns` wide shows for `aftersales ARGS`: its lines, without
    colour codes and trailing blanks."""
    env = cli_env(db, NOW, TERM="xterm-256color", COLUMNS=str(columns))
    env.pop("NO_COLOR", None)
    code, shown, err = run_in_pty(list(args), env)
    assert code in (0, 1), (code, shown[-2000:], err)
    text = SGR.sub("", shown.decode()).replace("\r", "")
    return [line.rstrip() for line in text.split("\n")]


def assert_fits(lines: list[str], columns: int) -> None:
    wide = [(width(line), line) for line in lines if width(line) > columns]
    assert not wide, f"wider than {columns}: {wide}"
    # (the notice that more rows follow, "… and N more", is no cut)
    cut = [line for line in lines if "…" in line and not line.startswith("… and ")]
    assert not cut, "something was cut"


def joined(lines: list[str]) -> str:
    """The screen as one text without blanks: words wrapped over lines read whole."""
    return re.sub(r"\s+", "", "".join(line.strip() for line in lines))


def data(db: Path, *args: str) -> object:
    return json.loads(invoke(db, *args, "--json", now=NOW).stdout)


@pytest.mark.parametrize("columns", WIDTHS)
def test_show_wraps_the_description_request_and_notes_in_full(db: Path, columns: int) -> None:
    lines = screen(db, columns, "show", long_id(db))
    assert_fits(lines, columns)
    whole = joined(lines)
    for words in (DESCRIPTION, REQUEST, NOTE):
        assert words in whole
    assert "13916082245" in whole  # show gives the phone in full: you call back from it


@pytest.mark.parametrize("columns", WIDTHS)
def test_show_piped_with_a_width_wraps_in_full_too(db: Path, columns: int) -> None:
    result = invoke(db, "show", long_id(db), now=NOW, COLUMNS=str(columns))
    lines = result.stdout.splitlines()
    assert_fits(lines, columns)
    whole = joined(lines)
    for words in (DESCRIPTION, REQUEST, NOTE):
        assert words in whole


def test_show_piped_without_a_width_keeps_whole_lines(db: Path) -> None:
    out = invoke(db, "show", long_id(db), now=NOW).stdout
    assert DESCRIPTION in out and REQUEST in out and NOTE in out


@pytest.mark.parametrize("columns", WIDTHS)
def test_list_fits_and_keeps_ids_deadlines_and_how_late(db: Path, columns: int) -> None:
    lines = screen(db, columns, "list")
    assert_fits(lines, columns)
    cases = data(db, "list")
    assert isinstance(cases, list) and len(cases) > 5
    piped = invoke(db, "list", now=NOW).stdout.splitlines()[1:-1]
    assert len(piped) == len(cases)
    body = lines[next(n for n, x in enumerate(lines) if x.startswith("──")) + 1 :]
    body = [x for x in body if x.strip()]
    rows = [line for line in body if re.match(r"^\s*\d+\s", line)]
    assert [int(r.split()[0]) for r in rows] == [c["id"] for c in cases]
    assert len(body) <= 2 * len(cases)  # one row per case, at most two lines
    for line in piped:
        # the piped listing ends with the next deadline: `plan 11-22 12:00 · 1 h late`
        next_deadline = line.split("  ")[-1]
        due = re.search(r"\d\d-\d\d \d\d:\d\d", next_deadline)
        assert due and any(due.group() in shown for shown in lines), next_deadline
        late = next_deadline.split(" · ", 1)[1]
        assert any(late in shown for shown in lines), f"{late!r} split or missing"
    full = data(db, "list", "--show-phone")
    assert isinstance(full, list)
    phones = {c["phone"] for c in full}
    assert all(p.isdigit() for p in phones)
    assert not [p for p in phones if p in "".join(lines)], "a phone shown in full"


@pytest.mark.parametrize("columns", WIDTHS)
def test_overdue_fits_and_never_cuts_escalate(db: Path, columns: int) -> None:
    lines = screen(db, columns, "overdue")
    assert_fits(lines, columns)
    rows = json.loads(invoke(db, "overdue", "--json", now=NOW).stdout)
    # a terminal shows the most pressing rows, and says how many more there are
    more = len(rows) - TERMINAL_ROWS
    if more > 0:
        assert f"… and {more} more (pipe it or use --json for every row)." in lines
    rows = rows[:TERMINAL_ROWS]
    escalated = sum(1 for r in rows if r["escalate"])
    assert escalated
    assert sum(line.count("ESCALATE") for line in lines) == escalated
    body = lines[next(n for n, x in enumerate(lines) if x.startswith("──")) + 1 :]
    shown = {int(line.split()[0]) for line in body if re.match(r"^\s*\d+\s", line)}
    assert shown == {r["id"] for r in rows}
    for r in rows:
        due = r["due_at"][5:16].replace("T", " ")
        assert any(due in line for line in lines), due


@pytest.mark.parametrize("columns", WIDTHS)
def test_overdue_names_the_department_and_owner_of_a_late_action(db: Path, columns: int) -> None:
    """Issue 12: a late corrective action is listed with its owner and department —
    whom to chase — at every width, 80 columns included (there in the short forms)."""
    from aftersales_cli.rules.taxonomy import DEPARTMENTS

    rows = json.loads(invoke(db, "overdue", "--json", now=NOW).stdout)
    late = [r for r in rows[:TERMINAL_ROWS] if r["milestone"] == "action"]
    assert late, "the demo has a late corrective action"
    lines = screen(db, columns, "overdue")
    assert_fits(lines, columns)
    start = next(n for n, x in enumerate(lines) if x.startswith("──"))
    header, body = lines[start - 1], [x for x in lines[start + 1 :] if x.strip()]
    for action in late:
        first = next(
            n for n, x in enumerate(body)
            if x.split()[:1] == [str(action["id"])]
            and re.search(rf"(action|整改) {action['action_id']}\b", x)
        )  # fmt: skip
        row = body[first : first + 2]  # a row is at most two lines
        if len(row) > 1 and re.match(r"^\s*\d+\s", row[1]):
            row = row[:1]
        department = DEPARTMENTS.zh(action["department"])
        assert department in joined(row), (department, row)
        # the owner's column (its name may wrap within it), read from each line of the row
        owner = "".join(column(line, header, ("assignee", "负责人")) for line in row)
        assert owner == action["owner"], (owner, row)


def column(line: str, header: str, names: tuple[str, ...]) -> str:
    """The text of `line` in the column `header` names (one of `names`), up to the next
    gap, as a terminal lays it out (a Chinese character takes two cells)."""
    name = next(n for n in names if re.search(rf"(^|  ){n}(  |$)", header))
    offset = width(header[: header.index(name)])
    cells, out = 0, []
    for char in line:
        if cells >= offset:
            out.append(char)
        cells += width(char)
    return "".join(out).split("  ")[0].strip()


@pytest.mark.parametrize("columns", WIDTHS)
def test_report_fits_and_money_is_never_cut(db: Path, columns: int) -> None:
    lines = screen(db, columns, "report")
    assert_fits(lines, columns)
    report = data(db, "report")
    assert isinstance(report, dict)
    text = "\n".join(lines)
    for client in report["penalties"]:
        for key in ("penalties", "staff_fines", "compensation", "statutory"):
            assert show_yuan(client[key]) in text, (client["org"], key)
    for key in ("penalties_total", "compensation_total", "statutory_total"):
        assert show_yuan(report[key]) in text, key
    for entry in report["ledger_largest"]:
        assert show_yuan(entry["amount"]) in text, entry


# ---- the layout itself: pure, so tried on any text ----------------------------------------

WORDS = st.text(
    alphabet=st.sampled_from(list("ab cde fg 12 3¥,.") + list("米饭变质孩子腹泻，。") + ["🤢"]),
    max_size=120,
)


@given(WORDS, st.integers(min_value=1, max_value=60))
def test_wrap_keeps_every_character_within_the_width(text: str, size: int) -> None:
    lines = cells.wrap(text, size)
    assert all(width(line) <= max(size, 2) for line in lines), lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_wrap_breaks_english_at_spaces_and_chinese_anywhere_but_before_punctuation() -> None:
    assert cells.wrap("the Kung Pao chicken tasted sour", 12) == [
        "the Kung Pao",
        "chicken",
        "tasted sour",
    ]
    assert cells.wrap("米饭变质，孩子腹泻", 8) == ["米饭变", "质，孩子", "腹泻"]


def test_a_dash_after_a_space_keeps_its_space_and_the_line_before_ends_on_a_word() -> None:
    # the history of a closed case: the note follows " — "
    assert cells.wrap("¥2,520.00; closed_at 2026-11-17 10:40 — 医药费已付", 37) == [
        "¥2,520.00; closed_at 2026-11-17 10:40",
        "— 医药费已付",
    ]
    # Chinese punctuation opening a short run still never starts a line
    assert cells.wrap("ok ok ok ok，再说", 11) == ["ok ok ok", "ok，再说"]


@given(
    st.lists(st.tuples(WORDS, WORDS, st.integers(0, 10**7)), min_size=1, max_size=6),
    st.integers(min_value=20, max_value=200),
)
def test_a_fitted_table_never_cuts_and_never_overflows(
    rows: list[tuple[str, str, int]], size: int
) -> None:
    """Columns: an id and an amount never wrapped, words wrapped, an optional column
    with a short form; fitted as a table or stacked, nothing is lost."""
    table = Table(
        ["id", "words", "amount", "more"],
        [
            [str(n), words, show_yuan(amount), Cell(more, None, more[:2])]
            for n, (words, more, amount) in enumerate(rows)
        ],  # fmt: skip
        right=frozenset({0, 2}),
        keep=frozenset({0, 2}),
        optional=(3,),
    )
    fitted = layout.fit(table, size)
    if isinstance(fitted, layout.Grid):
        assert sum(fitted.widths) + layout.GAP * (len(fitted.widths) - 1) <= size
        for n, ((words, _, amount), row) in enumerate(zip(rows, fitted.rows, strict=True)):
            cells = dict(zip(fitted.columns, row, strict=True))
            assert cells[0] == [str(n)]
            assert cells[2] == [show_yuan(amount)]  # money whole, on one line
            assert "".join(cells[1]).replace(" ", "") == words.replace(" ", "")
            assert all(
                width(line) <= w for c, w in zip(row, fitted.widths, strict=True) for line in c
            )
    else:
        for (words, _, amount), (_, _, fields) in zip(rows, fitted.rows, strict=True):
            values = {label: "".join(lines) for label, lines, _ in fields}
            assert values["amount"] == show_yuan(amount)
            assert values.get("words", "").replace(" ", "") == words.replace(" ", "")


def test_report_names_no_client_and_no_one_assigned_as_such(db: Path) -> None:
    out = invoke(db, "report", now=NOW).stdout
    assert "(no client)" in out and "(unassigned)" in out
    assert not re.search(r"^\s*(none|unassigned)\s", out, re.MULTILINE)
    report = data(db, "report")
    assert isinstance(report, dict) and "none" in report["by_org"]  # the JSON keeps its value
