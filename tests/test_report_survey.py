"""The survey in `aftersales report` (issue 13): the KPI `survey_satisfaction_rate` beside
the revisit-based one, and the survey section in the JSON, the terminal, CSV and HTML."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, ok, refused
from tests.test_cli_survey import scores


@pytest.fixture
def surveyed(run: Run) -> Run:
    """Two clients; one response in 2026Q3 (satisfied), three in October (one
    satisfied, one not) and November (unsatisfied, price 1)."""
    ok(run("client", "add", "实验小学", "--since", "2024-09-01"))
    ok(run("client", "add", "星河科技园", "--since", "2026-10-10"))
    for client, at, given, comment in (
        ("实验小学", "2026-08-10 10:00", {}, None),
        ("实验小学", "2026-10-12 10:00", {"food": 5}, None),
        ("星河科技园", "2026-10-20 10:00", {"price": 2, "taste": 2}, "太贵"),
        ("星河科技园", "2026-11-05 10:00", {"price": 1, "delivery": 2}, "=1+1 送晚了"),
    ):
        argv = ["survey", "record", "--client", client, "--at", at, *scores(**given)]
        ok(run(*argv, *(("--comment", comment) if comment else ()), "--json"))
    return run


def test_the_quarter_report_carries_the_survey_report_and_its_kpi(surveyed: Run) -> None:
    report = ok(surveyed("report", "--quarter", "2026Q4", "--json"))
    alone = ok(surveyed("survey", "report", "--quarter", "2026Q4", "--json"))
    assert report["survey"] == alone  # one set of figures, one shape (DECISIONS §13)
    assert alone["quarter"] == "2026Q4" and alone["responses"] == 3
    kpi = report["kpis"]["survey_satisfaction_rate"]
    assert (kpi["numerator"], kpi["denominator"], kpi["value"]) == (1, 3, 0.3333)
    assert (kpi["target"], kpi["met"], kpi["better"]) == (0.9, False, "higher")
    assert kpi["delta"] == round(1 / 3 - 1, 4)  # 2026Q3: 1 of 1
    before = report["previous"]["kpis"]["survey_satisfaction_rate"]
    assert (before["numerator"], before["denominator"]) == (1, 1)
    assert "satisfaction_rate" in report["kpis"]  # the revisits' rate stays
    keys = list(report["kpis"])
    assert keys.index("survey_satisfaction_rate") == keys.index("satisfaction_rate") + 1
    assert [a["key"] for a in report["survey"]["low_aspects"]][0] == "price"


@pytest.mark.parametrize(
    ("argv", "counted", "previous"),
    [
        (["--month", "2026-11"], (0, 1), (1, 2)),  # October before it
        (["--from", "2026-10-15", "--to", "2026-11-10"], (0, 2), (1, 1)),  # 27 days before
    ],
)
def test_a_month_or_range_counts_its_own_days_without_a_plan(
    surveyed: Run, argv: list[str], counted: tuple[int, int], previous: tuple[int, int]
) -> None:
    report = ok(surveyed("report", *argv, "--json"))
    kpi = report["kpis"]["survey_satisfaction_rate"]
    assert (kpi["numerator"], kpi["denominator"]) == counted
    before = report["previous"]["kpis"]["survey_satisfaction_rate"]
    assert (before["numerator"], before["denominator"]) == previous
    section = report["survey"]
    assert section["responses"] == counted[1] and section["satisfaction_rate"] == 0
    assert section["previous_rate"] == round(previous[0] / previous[1], 4)
    # a survey's plan is a quarter's: a month or a range has none
    assert section["quarter"] is section["planned"] is section["answered"] is None
    assert section["response_rate"] is None
    assert section["low_aspects"][0]["key"] == "price"
    assert "=1+1 送晚了" in section["low_aspects"][0]["comments"]


def test_no_response_is_no_data_never_zero(run: Run) -> None:
    report = ok(run("report", "--quarter", "2026Q4", "--json"))
    kpi = report["kpis"]["survey_satisfaction_rate"]
    assert kpi["value"] is None and kpi["met"] is None and kpi["denominator"] == 0
    assert report["survey"]["responses"] == 0 and report["survey"]["low_aspects"] == []
    text = run("report", "--quarter", "2026Q4").stdout
    assert "Survey scores by aspect (1-5): none." in text
    row = next(line for line in text.splitlines() if line.startswith("Satisfied (survey"))
    assert "no data" in row


def test_the_terminal_shows_the_survey_and_its_low_aspects(surveyed: Run) -> None:
    text = surveyed("report", "--quarter", "2026Q4").stdout
    assert "Satisfaction survey 满意度调查 2026Q4" in text
    assert "Survey aspects that need an improvement measure" in text
    assert "太贵" in text and "price 价格" in text
    month = surveyed("report", "--month", "2026-11").stdout
    assert "满意度调查 2026-11 (no plan" in month and "planned" not in month


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_has_the_survey_files_typed_and_safe(surveyed: Run, tmp_path: Path) -> None:
    folder = tmp_path / "q4"
    ok(surveyed("report", "--quarter", "2026Q4", "--csv", str(folder)))
    report: dict[str, Any] = ok(surveyed("report", "--quarter", "2026Q4", "--json"))
    summary = {r[0]: r[1] for r in _read(folder / "survey.csv")[1:]}
    assert summary["responses"] == "3" and summary["satisfied (mean 4-5)"] == "0.3333"
    aspects = _read(folder / "survey_aspects.csv")
    assert aspects[0] == ["aspect", "mean", "satisfied (4-5)", "scores", "needs a measure"]
    price = next(r for r in aspects if r[0].startswith("price"))
    assert price[1:] == ["2.3333", "0.3333", "3", "yes"]  # 7/3, one of three 4-5
    assert float(price[1]) == report["survey"]["aspects"]["price"]["mean"]
    lows = _read(folder / "survey_low_aspects.csv")
    assert "'=1+1 送晚了" in lows[1][3]  # a formula is never run
    clients = _read(folder / "survey_clients.csv")
    assert [r[0] for r in clients[1:]] == ["星河科技园", "实验小学"]


def test_html_has_a_survey_section(surveyed: Run, tmp_path: Path) -> None:
    page = tmp_path / "q4.html"
    ok(surveyed("report", "--quarter", "2026Q4", "--html", str(page)))
    text = page.read_text("utf-8")
    for name in ("survey", "survey_aspects", "survey_clients", "survey_low_aspects"):
        assert f'id="{name}"' in text
    assert "Satisfied (survey, mean 4-5)" in text and "太贵" in text


# ---- corrective actions for a low aspect (action add --survey-aspect) -------------------

FIX = ("--text", "调整午餐配送路线", "--dept", "配送", "--due", "2026-12-01 18:00")


@pytest.fixture
def with_case(surveyed: Run, log: Any) -> Run:
    log("午餐送晚了", category="delivery_delay", org="星河科技园", now="2026-11-20 09:00")
    return surveyed


def test_an_action_answers_a_survey_aspect_and_the_survey_lists_it(with_case: Run) -> None:
    run = with_case
    added = ok(run("action", "add", "1", *FIX, "--survey-aspect", "配送准时", "--json"))
    assert added["survey_aspect"] == "delivery"  # the label read as its key
    plain = ok(run("action", "add", "1", *FIX, "--json"))
    assert "survey_aspect" not in plain  # only an action that answers one says so
    priced = ok(run("action", "add", "1", *FIX, "--survey-aspect", "PRICE", "--json"))
    report = ok(run("survey", "report", "--quarter", "2026Q4", "--json"))
    lows = {a["key"]: a["actions"] for a in report["low_aspects"]}
    assert lows["price"] == [priced["id"]] and lows["delivery"] == [added["id"]]
    assert lows["taste"] == []
    # the report's section is the same, and so the CSV and the terminal
    assert ok(run("report", "--quarter", "2026Q4", "--json"))["survey"] == report
    text = run("survey", "report", "--quarter", "2026Q4").stdout
    assert f"corrective action {priced['id']}" in text
    assert "no corrective action yet: open one with action add --survey-aspect taste" in text
    # another quarter's survey does not list them
    before = ok(run("survey", "report", "--quarter", "2026Q3", "--json"))
    assert all(a["actions"] == [] for a in before["low_aspects"])


def test_the_aspect_shows_in_list_show_and_the_history(with_case: Run) -> None:
    run = with_case
    ok(run("action", "add", "1", *FIX, "--survey-aspect", "price", "--json"))
    ok(run("action", "add", "1", *FIX, "--json"))
    listed = run("action", "list").stdout
    assert "survey aspect" in listed and "price" in listed
    shown = ok(run("show", "1", "--json"))
    assert [a.get("survey_aspect") for a in shown["actions"]] == ["price", None]
    opened = [e for e in shown["events"] if e["action"] == "action"][0]
    assert opened["changes"]["actions.1.survey_aspect"] == [None, "price"]
    assert "for survey aspect price" in opened["note"]
    assert "survey aspect" in run("show", "1").stdout
    assert ok(run("check", "--json"))["ok"] is True  # the history agrees with the action


def test_an_unknown_aspect_is_refused_and_nothing_written(with_case: Run, db_path: Path) -> None:
    before = db_path.read_bytes()
    message = refused(
        with_case("action", "add", "1", *FIX, "--survey-aspect", "portion"),
        "survey_aspect",
        "price",
    )
    assert "portion" in message
    assert db_path.read_bytes() == before


def test_the_aspect_an_action_answers_never_changes(with_case: Run, db_path: Path) -> None:
    import sqlite3

    ok(with_case("action", "add", "1", *FIX, "--survey-aspect", "price", "--json"))
    with sqlite3.connect(db_path) as conn, pytest.raises(sqlite3.IntegrityError, match="moves on"):
        conn.execute("UPDATE actions SET survey_aspect = 'taste' WHERE id = 1")
