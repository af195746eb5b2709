"""Plain-text tables for pipes, files and cron: fixed columns, streamed, aligned by the
width a terminal gives each character (a Chinese character takes two)."""

from __future__ import annotations

import io
from pathlib import Path

from conftest import Run, ok

from aftersales_cli.render.cells import width
from aftersales_cli.render.text import Columns


def _log(run: Run, description: str, customer: str, org: str, now: str) -> None:
    where = ["--org", org] if org else []
    argv = ["log", description, "--channel", "hotline", "--customer", customer, *where]
    ok(run(*argv, "--phone", "13812345678", now=now))


def _seed(run: Run, names: list[tuple[str, str]]) -> None:
    (c1, o1), (c2, o2), (c3, o3) = names
    _log(run, "we would like more vegetables", c1, o1, "2026-11-20 09:00")
    _log(run, "the chicken was raw inside", c2, o2, "2026-11-22 07:00")
    _log(run, "the rice had gone off, two children were sick", c3, o3, "2026-11-21 20:00")
    ok(run("assign", "3", "--to", "Li Gong", now="2026-11-21 20:05"))


ASCII = [
    ("Ann", "Sunrise Kindergarten"),
    ("Bob Marley-Johnson", "Westside No. 2 Middle School"),
    ("Cy", ""),
]


# Pinned byte for byte: what a pipe, a file or cron mail got before the writers became one.
LIST = [
    (
        "id      received     severity            category                  sta"
        "tus      customer      org                 phone          next deadlin"
        "e"
    ),
    (
        "1       11-20 09:00  general 一般        other 其他                new    "
        "     Ann           Sunrise Kindergarten  138****5678    forward 11-20 "
        "10:00 · 2 d late"
    ),
    (
        "3       11-21 20:00  urgent 紧急         illness 身体不适          assigned "
        "   Cy                                138****5678    plan 11-21 22:00 ·"
        " 12 h late"
    ),
    (
        "2       11-22 07:00  general 一般        food_quality 食品质量     new      "
        "   Bob Marley-Johnson  Westside No. 2 Middle School  138****5678    fo"
        "rward 11-22 08:00 · 2 h late"
    ),
    "3 complaint(s)",
]
OVERDUE = [
    (
        "id      severity    milestone      due          late                de"
        "partment        assignee    org               customer"
    ),
    (
        "3       urgent      plan           11-21 22:00  12 h late           qu"
        "ality_control   Li Gong                       Cy          ESCALATE"
    ),
    (
        "3       urgent      investigation  11-22 00:00  10 h late           qu"
        "ality_control   Li Gong                       Cy          ESCALATE"
    ),
    (
        "1       general     forward        11-20 10:00  2 d late            cu"
        "stomer_service              Sunrise Kindergarten  Ann"
    ),
    (
        "1       general     plan           11-20 13:00  1 d 21 h late       cu"
        "stomer_service              Sunrise Kindergarten  Ann"
    ),
    (
        "1       general     investigation  11-20 17:00  1 d 17 h late       cu"
        "stomer_service              Sunrise Kindergarten  Ann"
    ),
    (
        "1       general     resolution     11-21 09:00  1 d 1 h late        cu"
        "stomer_service              Sunrise Kindergarten  Ann"
    ),
    (
        "2       general     forward        11-22 08:00  2 h late            pr"
        "oduction                    Westside No. 2 Middle School  Bob Marley-J"
        "ohnson"
    ),
    (
        "3       urgent      sample         11-22 20:00  due in 10 h         qu"
        "ality_control   Li Gong                       Cy"
    ),
    (
        "3       urgent      resolution     11-22 20:00  due in 10 h         qu"
        "ality_control   Li Gong                       Cy"
    ),
    (
        "2       general     plan           11-22 11:00  due in 1 h          pr"
        "oduction                    Westside No. 2 Middle School  Bob Marley-J"
        "ohnson"
    ),
    (
        "2       general     investigation  11-22 15:00  due in 5 h          pr"
        "oduction                    Westside No. 2 Middle School  Bob Marley-J"
        "ohnson"
    ),
    (
        "2       general     resolution     11-23 07:00  due in 21 h         pr"
        "oduction                    Westside No. 2 Middle School  Bob Marley-J"
        "ohnson"
    ),
]
SHOW_TABLES = [
    "Deadlines (Asia/Shanghai)",
    "milestone      due               state                        note",
    "contact        2026-11-21 20:30  met · done 2026-11-21 20:00",
    "forward        2026-11-21 20:15  met · done 2026-11-21 20:05",
    "plan           2026-11-21 22:00  breached · 12 h late",
    "sample         2026-11-22 20:00  pending · in 10 h",
    "investigation  2026-11-22 00:00  breached · 10 h late",
    "lab_report     2026-11-23 20:00  pending · in 1 d 10 h",
    "resolution     2026-11-22 20:00  pending · in 10 h",
    "",
    "History",
    "when              by      what    details",
]


def test_piped_list_overdue_and_show_are_unchanged_for_ascii_names(
    run: Run, twenty_four_seven: Path
) -> None:
    """On the 24/7 clock, as when these bytes were pinned: the layout is the point."""
    _seed(run, ASCII)
    assert run("list").stdout == "\n".join(LIST) + "\n"
    shown = run("show", "3").stdout  # before `overdue` writes the breaches
    assert "\n".join(SHOW_TABLES) + "\n" in shown
    assert shown.endswith(
        "\n2026-11-21 20:05  tester  assign  status new → assigned; assignee Li Gong; "
        "forward done 2026-11-21 20:05\n"
    )
    result = run("overdue", "--within", "1d")
    assert result.exit_code == 1
    assert result.stdout == "\n".join(OVERDUE) + "\n"


def test_piped_list_shows_a_weekend_general_complaint_due_on_monday(run: Run) -> None:
    """On the defaults #2 (general, Sunday 07:00) counts from Monday 08:00; #3 is urgent
    and late all the same."""
    _seed(run, ASCII)
    listed = run("list").stdout.splitlines()
    assert listed[1:4] == LIST[1:3] + [
        "2       11-22 07:00  general 一般        food_quality 食品质量     new      "
        "   Bob Marley-Johnson  Westside No. 2 Middle School  138****5678    fo"
        "rward 11-23 09:00 · in 23 h"
    ]
    late = run("overdue").stdout
    assert "Bob Marley-Johnson" not in late and OVERDUE[1] in late


CJK = [("王芳", "阳光幼儿园"), ("欧阳建国", "第二中学食堂"), ("孙", "")]


def _starts(lines: list[str], header: str, names: list[str]) -> None:
    """Each name found in a line starts at the display column of its heading."""
    for line in lines:
        for name, heading in zip(names, ("customer", "org"), strict=True):
            if name and name in line:
                assert width(line[: line.index(name)]) == header.index(heading), (line, name)


def test_piped_tables_align_chinese_by_the_columns_it_takes(
    run: Run, twenty_four_seven: Path
) -> None:
    _seed(run, CJK)
    ok(run("assign", "2", "--to", "质控李工", now="2026-11-21 20:06"))
    header, *rows = run("list").stdout.splitlines()[:-1]
    for customer, org in CJK:
        _starts([r for r in rows if customer in r], header, [customer, org])
    late_header, *late = run("overdue", "--within", "1d").stdout.splitlines()
    for customer, org in CJK:
        _starts([r for r in late if customer in r], late_header, [customer, org])
    assigned = [r for r in late if "质控李工" in r]
    assert assigned and all(
        width(r[: r.index("质控李工")]) == late_header.index("assignee") for r in assigned
    )


def test_columns_pad_by_display_width_escape_controls_and_never_cut() -> None:
    writer = Columns((4, 6, 0), right=frozenset({0}))
    assert writer.line(["1", "张伟", "x"]) == "   1  张伟    x"
    assert writer.line(["12345", "a\x1bb", ""]) == "12345  a\\x1bb"
    out = io.StringIO()
    writer.write(iter([["7", "欧阳", "z"]] * 2500), out)
    assert out.getvalue() == "   7  欧阳    z\n" * 2500
