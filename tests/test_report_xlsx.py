"""Issue 11, found 8: `report --xlsx`, the workbook for managers — opened with openpyxl
and read against `report --json`."""

from __future__ import annotations

import dataclasses
import io
import stat
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, ok, refused
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from test_report_renderers import FORMULA, sample_report

from aftersales_cli.render.blocks import client as client_label
from aftersales_cli.render.cells import width
from aftersales_cli.render.report_tables import kpi_name, tables
from aftersales_cli.render.report_xlsx import write_xlsx

HEADER = 2  # the title is on row 1, the header on row 2, the rows from 3


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """The demo's 2026Q4 report, as JSON and as a workbook written by the CLI."""
    from typer.testing import CliRunner

    from aftersales_cli.cli import app

    folder = tmp_path_factory.mktemp("xlsx")
    db = str(folder / "demo.db")
    env = {
        "AFTERSALES_NOW": "2026-11-22 10:00",
        "AFTERSALES_TZ": "Asia/Shanghai",
        "HOME": str(folder),
        "XDG_DATA_HOME": str(folder),
        "AFTERSALES_RULES": None,
    }
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--db", db], env=env).exit_code == 0
    book = folder / "q4.xlsx"
    argv = ["--db", db, "report", "--quarter", "2026Q4", "--xlsx", str(book), "--json"]
    result = runner.invoke(app, argv, env=env)
    assert result.exit_code == 0, result.stderr
    import json

    assert f"Wrote {book}" in result.stderr
    return json.loads(result.stdout), book


def _rows(sheet: Worksheet) -> list[dict[str, Any]]:
    names = [c.value for c in sheet[HEADER]]
    return [
        dict(zip(names, (c.value for c in row), strict=True))
        for row in sheet.iter_rows(min_row=HEADER + 1)
    ]


def _cells(sheet: Worksheet, name: str) -> list[Any]:
    names = [c.value for c in sheet[HEADER]]
    return [row[names.index(name)] for row in sheet.iter_rows(min_row=HEADER + 1)]


def test_a_sheet_per_table_kpis_first(demo: tuple[dict[str, Any], Path]) -> None:
    _, path = demo
    book = load_workbook(path)
    assert book.sheetnames[0] == "kpis"
    assert "batch_clusters" in book.sheetnames and "ledger_largest" in book.sheetnames
    assert len(book.sheetnames) == 27  # illness, corrective_actions (12), the survey's four (13),
    # paused (14)
    assert "paused" in book.sheetnames
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A3"  # the title and the header stay in view
        assert sheet.cell(HEADER, 1).font.bold


def test_kpis_with_targets_met_or_missed(demo: tuple[dict[str, Any], Path]) -> None:
    data, path = demo
    sheet = load_workbook(path)["kpis"]
    rows = _rows(sheet)
    kpis = data["kpis"]
    assert len(rows) == len(kpis)
    for row, (key, kpi) in zip(rows, kpis.items(), strict=True):
        assert row["value"] == pytest.approx(kpi["value"], abs=1e-4), key
        assert row["target"] == kpi["target"], key
        assert row["met"] == {True: "met", False: "missed", None: None}[kpi["met"]], key
    resolved = next(
        r for r in sheet.iter_rows(min_row=HEADER + 1) if r[1].value == 0.7857
    )  # 33 of 42
    assert resolved[0].value == "Resolved (closed)"
    assert resolved[1].number_format == resolved[2].number_format == "0.0%"
    assert resolved[3].value == "missed" and resolved[3].font.color.rgb.endswith("C62828")
    handling = next(r for r in sheet.iter_rows(min_row=HEADER + 1) if "handling" in str(r[0].value))
    assert handling[1].number_format == '0.0" h"'
    assert isinstance(handling[1].value, float)


def test_numbers_are_numbers_and_money_is_yuan(demo: tuple[dict[str, Any], Path]) -> None:
    data, path = demo
    book = load_workbook(path)
    penalties = book["penalties"]
    # people read (no client) where the JSON keeps its stable `none`
    assert [r["client"] for r in _rows(penalties)] == [
        client_label(p["org"]) for p in data["penalties"]
    ]
    assert _cells(penalties, "penalties") and all(
        cell.value == p["penalties"] and isinstance(cell.value, int | float)
        for cell, p in zip(_cells(penalties, "penalties"), data["penalties"], strict=True)
    )
    for cell in _cells(penalties, "compensation paid"):
        assert cell.number_format.startswith('"¥"#,##0.00')
    by_category = _rows(book["by_category"])
    counts = [r["complaints"] for r in by_category]
    assert counts == list(data["by_category"].values())
    assert all(type(n) is int for n in counts)
    assert [c.number_format for c in _cells(book["by_category"], "share")] == ["0.0%"] * len(counts)
    assert sum(r["share"] for r in by_category) == pytest.approx(1.0)


def test_dates_are_dates_in_local_time(demo: tuple[dict[str, Any], Path]) -> None:
    data, path = demo
    book = load_workbook(path)
    cluster = data["batch_clusters"][0]
    row = _rows(book["batch_clusters"])[0]
    assert row["first"] == datetime.fromisoformat(cluster["first"]).replace(tzinfo=None)
    assert row["last"] == datetime.fromisoformat(cluster["last"]).replace(tzinfo=None)
    at = _cells(book["ledger_largest"], "at")
    assert [c.value for c in at] == [
        datetime.fromisoformat(e["at"]).replace(tzinfo=None) for e in data["ledger_largest"]
    ]
    assert all(c.is_date and c.number_format == "yyyy-mm-dd hh:mm" for c in at)


def test_chinese_intact_and_columns_sized_to_it(demo: tuple[dict[str, Any], Path]) -> None:
    data, path = demo
    sheet = load_workbook(path)["by_org"]
    clients = [r["client"] for r in _rows(sheet)]
    assert clients == [client_label(c) for c in data["by_org"]]
    assert any(not c.isascii() for c in clients)
    widest = max(width(c) for c in clients)  # Chinese characters count two
    assert sheet.column_dimensions["A"].width >= widest
    assert sheet.column_dimensions["A"].width < widest + 5


def test_the_file_is_private_and_the_rules_of_every_output_hold(
    run: Run, log: Any, tmp_path: Path
) -> None:
    log()
    book = tmp_path / "q.xlsx"
    ok(run("report", "--xlsx", str(book)))
    assert stat.S_IMODE(book.stat().st_mode) == 0o600
    before = book.read_bytes()
    message = refused(run("report", "--xlsx", str(book)), "xlsx", "exists", "--overwrite")
    assert "Traceback" not in message
    assert book.read_bytes() == before
    log("又一个投诉", "--phone", "13900000002")
    ok(run("report", "--xlsx", str(book), "--overwrite"))
    assert book.read_bytes() != before
    assert stat.S_IMODE(book.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_symbolic_link_is_never_followed(run: Run, log: Any, tmp_path: Path) -> None:
    log()
    target = tmp_path / "precious.txt"
    target.write_text("keep me", encoding="utf-8")
    link = tmp_path / "q.xlsx"
    link.symlink_to(target)
    refused(run("report", "--xlsx", str(link), "--overwrite"), "xlsx", "symbolic link")
    assert target.read_text("utf-8") == "keep me" and link.is_symlink()
    refused(run("report", "--xlsx", str(tmp_path / "none" / "q.xlsx")), "xlsx", "folder")
    refused(run("report", "--xlsx", ""), "xlsx")


def _sheet_of(report: Any, name: str) -> Worksheet:
    buffer = io.BytesIO()
    write_xlsx(report, buffer)
    buffer.seek(0)
    return load_workbook(buffer)[name]


def test_customer_text_is_never_a_formula() -> None:
    sheet = _sheet_of(sample_report(), "by_org")
    cells = [row[0] for row in sheet.iter_rows(min_row=HEADER + 1)]
    assert [c.value for c in cells] == ["实验小学", FORMULA, "<script>alert(1)</script>"]
    assert all(c.data_type == "s" for c in cells)


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=30))
@example("a\rb\nc\td")
@example("-1")
@example("'=1+1")
@example("零食\u0007")
@example("2026-11-19 12:50")  # a client named like a time is still its name
@example("none")
def test_any_org_name_is_written_as_text(name: str) -> None:
    report = dataclasses.replace(sample_report(), by_org={name: 1})
    cell = _sheet_of(report, "by_org").cell(HEADER + 1, 1)
    # the control characters a workbook cannot hold (XML 1.0) are replaced, visibly; a
    # carriage return is a line break
    lines = name.replace("\r\n", "\n").replace("\r", "\n")
    expected = "".join("\ufffd" if ord(c) < 32 and c not in "\t\n" else c for c in lines)
    # (the report's `none`, no client at all, reads as such)
    assert cell.value == client_label(expected)
    assert cell.data_type == "s"


def test_every_table_of_the_report_is_a_sheet_in_order() -> None:
    report = sample_report()
    buffer = io.BytesIO()
    write_xlsx(report, buffer)
    buffer.seek(0)
    book = load_workbook(buffer)
    assert book.sheetnames == [t.name for t in tables(report)]
    names = [r[0].value for r in book["kpis"].iter_rows(min_row=HEADER + 1)]
    assert names == [kpi_name(k) for k in report.kpis.values()]
    delta = book["kpis"].cell(HEADER + 1, 6)
    assert delta.value == -0.035 and delta.number_format.startswith("+0.0%")


def test_openpyxl_is_loaded_by_xlsx_alone(run: Run, log: Any, tmp_path: Path) -> None:
    from test_cli_misc import _modules_loaded

    log()
    plain = {m.split(".")[0] for m in _modules_loaded("report", "--csv", str(tmp_path / "c"))}
    assert "openpyxl" not in plain
    book = str(tmp_path / "q.xlsx")
    assert "openpyxl" in {m.split(".")[0] for m in _modules_loaded("report", "--xlsx", book)}


def test_a_sheet_prints_one_a4_page_wide(demo: tuple[dict[str, Any], Path]) -> None:
    book = load_workbook(demo[1])
    for sheet in book.worksheets:
        assert sheet.page_setup.paperSize == int(sheet.PAPERSIZE_A4)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows == "$2:$2"
    assert book["ledger_largest"].page_setup.orientation == "landscape"
    assert book["by_category"].page_setup.orientation == "portrait"


def test_survey_sheets_hold_numbers_formatted_by_unit(demo: tuple[dict[str, Any], Path]) -> None:
    data, path = demo
    book = load_workbook(path)
    rows = _rows(book["survey_aspects"])
    aspects = data["survey"]["aspects"]
    assert [r["aspect"].split()[0] for r in rows] == list(aspects)
    for row, (key, aspect) in zip(rows, aspects.items(), strict=True):
        assert row["mean"] == pytest.approx(aspect["mean"], abs=1e-4), key
        assert row["satisfied (4-5)"] == pytest.approx(aspect["satisfied_share"], abs=1e-4)
        assert type(row["scores"]) is int
    assert {c.number_format for c in _cells(book["survey_aspects"], "mean")} == {"0.00"}
    assert {c.number_format for c in _cells(book["survey_clients"], "satisfied")} == {"0.0%"}
    summary = {r["measure"]: r["value"] for r in _rows(book["survey"])}
    assert summary["responses"] == data["survey"]["responses"]
    assert summary["response rate"] == pytest.approx(data["survey"]["response_rate"], abs=1e-4)
    lows = _rows(book["survey_low_aspects"])
    low_keys = [a["key"] for a in data["survey"]["low_aspects"]]
    assert [r["aspect"].split()[0] for r in lows] == low_keys
