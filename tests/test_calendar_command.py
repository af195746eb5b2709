"""`aftersales calendar`: the month grid, its JSON, the rules file's dates, and refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import Run, ok, refused

from aftersales_cli.render.cells import width

COMPANY = """
[calendar]
holidays = { 2027-02-05 = "公司年会" }
workdays = ["2027-02-20"]
[calendar.hours]
mon = ["08:00-12:00", "13:00-17:30"]
"""


def _by_date(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["date"]: r for r in records}


def test_a_month_in_json_says_what_each_day_is(run: Run) -> None:
    result = run("calendar", "--year", "2026", "--month", "10", "--json")
    days = _by_date(ok(result))
    assert len(days) == 31 and result.stderr == ""
    assert days["2026-10-01"] == {
        "date": "2026-10-01",
        "weekday": "Thu",
        "working": False,
        "kind": "holiday",
        "name": "国庆节",
        "source": "official",
        "hours": [],
    }
    assert days["2026-10-10"]["kind"] == "makeup"  # a Saturday worked (补班)
    assert days["2026-10-10"]["working"] and days["2026-10-10"]["hours"] == ["08:00-18:00"]
    assert days["2026-10-08"] | {"hours": []} == {
        "date": "2026-10-08",
        "weekday": "Thu",
        "working": True,
        "kind": "workday",
        "name": None,
        "source": "weekday",
        "hours": [],
    }
    assert days["2026-10-11"]["kind"] == "weekend" and not days["2026-10-11"]["working"]


def test_the_default_is_this_month_in_the_local_zone(run: Run) -> None:
    # 2026-09-30 20:00 UTC is already October 1st in Shanghai
    days = ok(run("calendar", "--json", now="2026-10-01 04:00"))
    assert days[0]["date"] == "2026-10-01" and len(days) == 31
    assert len(ok(run("calendar", "--year", "2026", "--json"))) == 365  # a whole year
    assert ok(run("calendar", "--month", "2", "--json"))[0]["date"] == "2026-02-01"


def test_the_grid_marks_holidays_and_make_up_days_and_fits_80_columns(run: Run) -> None:
    result = run("calendar", "--year", "2026", "--month", "10")
    text = ok(result) or result.stdout
    assert "2026-10 October" in text
    assert "1 休" in text and "10 班" in text
    assert "休 国庆节 National Day (official)" in text and "补班 国庆节" in text
    assert "10-01 Thu – 10-07 Wed" in text
    assert "\x1b[" not in text  # plain text off a terminal
    assert max(width(line) for line in text.splitlines()) <= 80
    spring = run("calendar", "--year", "2026", "--month", "2").stdout
    assert "春节 Spring Festival" in spring


def test_the_rules_file_s_own_dates_and_hours_are_marked(run: Run, tmp_path: Path) -> None:
    company = tmp_path / "company.toml"
    company.write_text(COMPANY, encoding="utf-8")
    args = ("calendar", "--rules", str(company), "--year", "2027", "--month", "2")
    days = _by_date(ok(run(*args, "--json")))
    assert (
        days["2027-02-05"] | {"kind": "holiday", "name": "公司年会", "source": "rules"}
        == (days["2027-02-05"])
    )
    assert days["2027-02-20"]["kind"] == "makeup" and days["2027-02-20"]["source"] == "rules"
    assert days["2027-02-20"]["hours"] == ["08:00-12:00", "13:00-17:30"]  # Monday's hours
    assert days["2027-02-01"]["hours"] == ["08:00-12:00", "13:00-17:30"]
    text = run(*args).stdout
    assert "5 休*" in text and "20 班*" in text and "公司年会 (rules file)" in text


def test_a_year_without_official_data_is_warned_about_never_guessed(run: Run) -> None:
    result = run("calendar", "--year", "2031", "--month", "1", "--json")
    days = ok(result)
    warning = result.stderr
    assert "2031 has no official holidays" in warning
    assert "[calendar] holidays" in warning and "workdays" in warning
    assert all(d["source"] == "weekday" for d in days)  # weekends only, no guess
    assert (
        ok(run("calendar", "--year", "2026", "--json"))
        and not run("calendar", "--year", "2026", "--month", "3").stderr
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--month", "13"), ["--month", "1 to 12"]),
        (("--month", "0"), ["--month"]),
        (("--year", "99999"), ["--year", "1900 to 2199"]),
        (("--year", "next"), ["--year"]),
        (("--month", "Oct"), ["--month"]),
    ],
)
def test_a_bad_year_or_month_is_refused_in_one_line(
    run: Run, args: tuple[str, ...], words: list[str]
) -> None:
    refused(run("calendar", *args), *words)


def test_a_bad_calendar_in_the_rules_file_is_refused(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[calendar.hours]\nmon = ["08:00-12:00", "11:00-18:00"]\n', encoding="utf-8")
    refused(run("calendar", "--rules", str(bad)), "calendar.hours.mon", "overlap")


def test_help_shows_an_example(run: Run) -> None:
    result = run("calendar", "--help")
    assert result.exit_code == 0 and "Example: aftersales calendar --year 2026" in result.stdout


def test_rules_shows_the_working_hours_and_warns_for_a_year_without_official_data(
    run: Run, tmp_path: Path
) -> None:
    company = tmp_path / "company.toml"
    company.write_text(COMPANY, encoding="utf-8")
    shown = run("rules", "--rules", str(company))
    assert "Mon 08:00-12:00, 13:00-17:30; Tue–Fri 08:00-18:00; Sat–Sun off" in shown.stdout
    assert "1 holiday and 1 workday of the rules file's own" in shown.stdout
    assert shown.stderr == ""  # 2026 has official data
    later = run("rules", now="2031-03-01 10:00")
    assert later.exit_code == 0 and "2031 has no official holidays" in later.stderr
