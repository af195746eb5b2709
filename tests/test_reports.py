"""Report periods, KPI math on hand-computed fixtures, and `aftersales report`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum
import pytest
from conftest import BASIC, Run, ok, refused
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.reports import kpi
from aftersales_cli.reports.period import buckets, parse_month, parse_quarter
from aftersales_cli.reports.queries import PENDING_LATE
from aftersales_cli.reports.units import Unit
from aftersales_cli.rules.case import Deadline
from aftersales_cli.rules.config import default_rules
from aftersales_cli.rules.errors import RuleError

Log = Callable[..., dict[str, Any]]
TZ = pendulum.timezone("Asia/Shanghai")
NOW = pendulum.datetime(2026, 11, 22, 10, tz=TZ)
TARGETS = default_rules().targets


# ---- periods -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2026Q3", "2026-Q3", "2026q3", " 2026-q3 "])
def test_quarter_spellings(text: str) -> None:
    q = parse_quarter(text, NOW)
    assert (q.label, q.start, q.end) == (
        "2026Q3",
        pendulum.datetime(2026, 7, 1, tz=TZ),
        pendulum.datetime(2026, 10, 1, tz=TZ),
    )


def test_current_and_last_quarter_and_month() -> None:
    assert parse_quarter("current", NOW).label == "2026Q4"
    assert parse_quarter("last", NOW).label == "2026Q3"
    assert parse_quarter("last", pendulum.datetime(2026, 2, 1, tz=TZ)).label == "2025Q4"
    assert parse_month("current", NOW).label == "2026-11"
    assert parse_month("last", pendulum.datetime(2026, 1, 5, tz=TZ)).label == "2025-12"


def test_previous_periods() -> None:
    assert parse_quarter("2026Q1", NOW).previous().label == "2025Q4"
    assert parse_month("2026-03", NOW).previous().label == "2026-02"


@pytest.mark.parametrize("text", ["2026Q5", "Q3", "2026-13", "last year"])
def test_bad_periods(text: str) -> None:
    with pytest.raises(RuleError):
        parse_quarter(text, NOW) if "Q" in text or "year" in text else parse_month(text, NOW)


def test_trend_buckets_are_weeks_for_a_quarter_and_days_for_a_month() -> None:
    weeks = buckets(parse_quarter("2026Q3", NOW))
    assert weeks[0][0] == pendulum.datetime(2026, 7, 1, tz=TZ)
    assert weeks[1][0] == pendulum.datetime(2026, 7, 6, tz=TZ)  # a Monday
    assert weeks[-1][1] == pendulum.datetime(2026, 10, 1, tz=TZ)
    days = buckets(parse_month("2026-02", NOW))
    assert len(days) == 28


# ---- KPI math --------------------------------------------------------------------------


def test_kpis_on_a_hand_computed_fixture() -> None:
    inputs = kpi.Inputs(
        responded=kpi.Ratio(49, 50),
        resolved=kpi.Ratio(45, 50),
        satisfied=kpi.Ratio(36, 40),
        handling=kpi.Handling(45, 30.0, 20.0, 50.0),
        repeats=kpi.Ratio(3, 50),
        on_time=kpi.Ratio(180, 200),
    )
    got = kpi.kpis(inputs, TARGETS)
    assert got["responded_24h_rate"].to_json() == {
        "value": 0.98,
        "target": 0.98,
        "met": True,
        "better": "higher",
        "numerator": 49,
        "denominator": 50,
        "within_hours": 24,
    }
    assert (got["resolution_rate"].value, got["resolution_rate"].met) == (0.9, False)
    assert (got["satisfaction_rate"].value, got["satisfaction_rate"].met) == (0.9, True)
    assert got["avg_handling_hours"].met is True  # 30 h ≤ 48 h
    assert got["avg_handling_hours"].to_json() == {
        "value": 30.0,
        "target": 48.0,
        "met": True,
        "better": "lower",
        "median": 20.0,
        "p90": 50.0,
        "count": 45,
    }
    assert (got["repeat_rate"].value, got["repeat_rate"].met) == (0.06, False)  # > 5 %
    assert (got["on_time_rate"].value, got["on_time_rate"].met) == (0.9, None)
    assert {k.key: k.unit for k in got.values()} == {
        key: Unit.HOURS if key == "avg_handling_hours" else Unit.RATE for key in kpi.KPI_KEYS
    }


def test_an_empty_period_has_no_data_not_zero() -> None:
    empty = kpi.Inputs(
        kpi.Ratio(0, 0),
        kpi.Ratio(0, 0),
        kpi.Ratio(0, 0),
        kpi.Handling(0, None, None, None),
        kpi.Ratio(0, 0),
        kpi.Ratio(0, 0),
    )
    got = kpi.kpis(empty, TARGETS)
    assert all(k.value is None and k.met is None for k in got.values())
    deltas = kpi.with_deltas(got, got)
    assert all(k.delta is None for k in deltas.values())


def test_deltas() -> None:
    def resolved(value: float) -> kpi.Kpi:
        return kpi.Kpi("resolution_rate", value, None, None, "higher", kpi.Ratio(0, 0))

    now = {"resolution_rate": resolved(0.9)}
    before = {"resolution_rate": resolved(0.8)}
    compared = kpi.with_deltas(now, before)["resolution_rate"]
    assert compared.delta == 0.1
    assert compared.to_json()["delta"] == 0.1 and compared.value == 0.9
    assert kpi.with_deltas(now, {})["resolution_rate"].delta is None


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([1, 2, 3, 4], 0.5, 2.5),
        ([5], 0.9, 5.0),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.1),
        ([3, 1, 2], 0.5, 2.0),
    ],
)
def test_percentiles_interpolate(values: list[float], fraction: float, expected: float) -> None:
    ordered = sorted(values)
    lower, upper, weight = kpi.percentile_positions(len(ordered), fraction)
    assert kpi.interpolate(ordered[lower], ordered[upper], weight) == pytest.approx(expected)


@given(st.lists(st.floats(0, 1000), min_size=1, max_size=50), st.floats(0, 1))
def test_a_percentile_lies_between_the_values(values: list[float], fraction: float) -> None:
    ordered = sorted(values)
    lower, upper, weight = kpi.percentile_positions(len(ordered), fraction)
    got = kpi.interpolate(ordered[lower], ordered[upper], weight)
    assert ordered[0] - 1e-9 <= got <= ordered[-1] + 1e-9


moments = st.one_of(st.none(), st.integers(0, 100).map(lambda m: NOW.add(minutes=m)))


@given(moments, moments, st.booleans(), st.integers(0, 100).map(lambda m: NOW.add(minutes=m)))
def test_reports_count_a_deadline_as_the_rules_state_it(
    due: Any, done: Any, late: bool, now: pendulum.DateTime
) -> None:
    """Reports read a settled outcome from the masks kept on each complaint and count a
    pending deadline past due (PENDING_LATE) as breached: together, the rules' state."""
    deadline = Deadline(due_at=due, done_at=done, late=late)
    conn = sqlite3.connect(":memory:")
    utc = "%Y-%m-%dT%H:%M:%SZ"

    def text(t: pendulum.DateTime | None) -> str | None:
        return None if t is None else t.in_tz("UTC").strftime(utc)

    pending_late = conn.execute(
        f"SELECT COUNT(*) FROM (SELECT :due AS due_at, :done AS done_at, :late AS late) d "
        f"WHERE {PENDING_LATE}",
        {"due": text(due), "done": text(done), "late": int(late), "now": text(now)},
    ).fetchone()[0]
    counted = deadline.outcome or ("breached" if pending_late else None)
    state = deadline.state(now)
    assert counted == (state if state in ("met", "breached") else None)


# ---- aftersales report ---------------------------------------------------------------


@pytest.fixture
def quarter(run: Run, log: Log) -> None:
    """A small quarter whose figures are counted by hand below (now: 2026-11-22 10:00)."""
    # 1: hotline, urgent, closed in 20 h, revisited 5, offence 1 at 实验小学.
    ok(
        run(
            "log",
            "米饭变质",
            *BASIC[2:],
            "--channel",
            "hotline",
            "--org",
            "实验小学",
            "--batch",
            "B-0930",
            "--json",
            now="2026-10-01 00:30",
        )
    )
    ok(
        run(
            "close",
            "1",
            "--remedy",
            "replace",
            "--cause",
            "processing",
            "--finding",
            "spoiled",
            "--supply-value",
            "1000",
            "--delivery-date",
            "2026-09-30",
            "--amount",
            "compensation=30",
            now="2026-10-01 20:30",
        )
    )
    ok(run("revisit", "1", "--satisfaction", "5", now="2026-10-02 20:30"))
    # 2: same phone, same category within 30 days: a repeat; contacted after 30 h.
    log("米饭又变质了", org="实验小学", now="2026-10-20 08:00")
    ok(run("done", "2", "contact", now="2026-10-21 14:00"))
    ok(
        run(
            "close",
            "2",
            "--remedy",
            "refund",
            "--cause",
            "processing",
            "--amount",
            "20",
            "--finding",
            "none",
            now="2026-10-22 08:00",
        )
    )  # 48 h
    ok(run("revisit", "2", "--satisfaction", "2", now="2026-10-23 08:00"))  # reopened
    # 3: delivery delay, open, contacted in 10 min.
    log("午餐送晚了", org="第二中学", now="2026-11-20 11:00")
    ok(run("done", "3", "contact", now="2026-11-20 11:10"))
    # 4: received 2 h ago, not contacted yet: left out of the responded rate.
    log("送错了", now="2026-11-22 08:00")
    # In the previous quarter: one complaint, closed.
    log("菜太咸", now="2026-09-30 23:59")
    ok(run("close", "5", "--remedy", "apology", "--cause", "processing", now="2026-10-01 09:00"))


def test_report_json_is_counted_as_by_hand(run: Run, quarter: None) -> None:
    data = ok(run("report", "--json"))
    assert data["period"] == {
        "start": "2026-10-01T00:00:00+08:00",
        "end": "2027-01-01T00:00:00+08:00",
        "label": "2026Q4",
        "kind": "quarter",
    }
    assert data["total"] == 4  # the complaint of 09-30 23:59 local is in Q3
    k = data["kpis"]
    assert (k["responded_24h_rate"]["numerator"], k["responded_24h_rate"]["denominator"]) == (
        2,
        3,
    )  # 1 (hotline) and 3 (10 min) yes, 2 (30 h) no, 4 too young
    assert k["responded_24h_rate"]["value"] == 0.6667
    assert k["responded_24h_rate"]["met"] is False
    assert k["resolution_rate"]["value"] == 0.25  # only 1; 2 is reopened
    assert (k["satisfaction_rate"]["value"], k["satisfaction_rate"]["denominator"]) == (0.5, 2)
    assert k["avg_handling_hours"]["value"] == 20.0 and k["avg_handling_hours"]["count"] == 1
    assert k["repeat_rate"]["value"] == 0.25 and k["repeat_rate"]["met"] is False
    assert set(k["on_time_rate"]) >= {"value", "target", "met", "delta"}
    assert data["by_severity"] == {"urgent": 2, "general": 2}
    assert data["by_channel"] == {"online": 3, "hotline": 1}
    assert data["by_org"] == {"实验小学": 2, "none": 1, "第二中学": 1}
    assert data["penalties_total"] == 2000
    assert data["compensation_total"] == 50
    prev = data["previous"]
    assert prev["period"]["label"] == "2026Q3" and prev["total"] == 1
    assert prev["kpis"]["resolution_rate"]["value"] == 1.0
    assert k["resolution_rate"]["delta"] == -0.75
    assert data["repeat_complainants"][0]["phone"] == "138****5678"
    assert data["repeat_complainants"][0]["count"] == 4
    assert data["trend"]["unit"] == "week"
    assert sum(p["count"] for p in data["trend"]["points"]) == 4


def test_report_month_and_range(run: Run, quarter: None) -> None:
    assert ok(run("report", "--month", "2026-10", "--json"))["total"] == 2
    month = ok(run("report", "--month", "2026-11", "--json"))
    assert month["trend"]["unit"] == "day" and len(month["trend"]["points"]) == 30
    assert month["previous"]["period"]["label"] == "2026-10"
    rng = ok(run("report", "--from", "2026-10-01", "--to", "2026-10-20", "--json"))
    assert rng["total"] == 2
    assert rng["previous"]["period"]["start"] == "2026-09-11T00:00:00+08:00"
    assert rng["previous"]["total"] == 1


def test_report_of_an_empty_period_says_no_data(run: Run) -> None:
    data = ok(run("report", "--quarter", "2020Q1", "--json"))
    assert data["total"] == 0
    assert all(k["value"] is None for k in data["kpis"].values())
    out = run("report", "--quarter", "2020Q1").stdout
    assert "no data" in out and "Traceback" not in out


def test_report_for_people(run: Run, quarter: None) -> None:
    out = run("report").stdout
    assert "After-sales report 售后报告 2026Q4" in out
    assert "Responded within 24 h" in out and "MISSED" in out
    assert "█" in out  # bars
    assert "\x1b[" not in out


def test_report_bad_input(run: Run) -> None:
    refused(run("report", "--quarter", "2026Q5"), "quarter")
    refused(run("report", "--month", "July"), "month")
    refused(run("report", "--quarter", "current", "--month", "current"), "period")
    refused(run("report", "--from", "2026-10-10", "--to", "2026-10-01"), "to")
    refused(run("report", "--to", "2026-10-01"), "from")


def test_report_writes_csv_and_html(run: Run, quarter: None, tmp_path: Path) -> None:
    result = run("report", "--csv", str(tmp_path / "q4"), "--html", str(tmp_path / "q4.html"))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "q4" / "kpis.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    page = (tmp_path / "q4.html").read_text("utf-8")
    assert "2026Q4" in page and "<svg" in page


def test_repeat_figures_follow_reclassification_and_backfilling(run: Run, log: Log) -> None:
    log("米饭变质", now="2026-11-10 09:00")  # 1
    log("米饭又变质了", now="2026-11-12 09:00")  # 2: a repeat of 1

    def repeats() -> int:
        return int(ok(run("report", "--json"))["kpis"]["repeat_rate"]["numerator"])

    assert repeats() == 1
    ok(run("classify", "1", "--category", "taste_feedback", "--reason", "口味意见"))
    assert repeats() == 0  # 1 is no longer in 2's category
    log("米饭变质", "--received-at", "2026-11-11 09:00")  # 3, back-filled between them
    assert repeats() == 1  # 2 repeats 3 now
    ok(run("classify", "3", "--category", "taste_feedback", "--reason", "口味意见"))
    assert repeats() == 1  # 3 repeats 1 (both taste_feedback); 2 repeats nothing


@given(st.lists(st.integers(0, 500), min_size=1, max_size=60), st.floats(0, 1))
def test_a_percentile_of_a_histogram_is_that_of_the_values(
    values: list[int], fraction: float
) -> None:
    from collections import Counter

    ordered = sorted(values)
    lower, upper, weight = kpi.percentile_positions(len(ordered), fraction)
    expected = kpi.interpolate(ordered[lower], ordered[upper], weight)
    histogram = sorted(Counter(values).items())
    assert kpi.percentile_of_histogram(histogram, fraction) == pytest.approx(expected)


# ---- the JSON, pinned byte for byte ------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def demo_db(run: Run, tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    ok(run("demo", "--db", str(path)))
    return path


@pytest.mark.parametrize(
    ("pinned", "argv"),
    [
        ("report-demo-2026-11.json", ["--month", "2026-11"]),
        ("report-demo-2026Q4.json", ["--quarter", "2026Q4"]),
        (
            "report-demo-range-by-handler.json",
            ["--from", "2026-10-03", "--to", "2026-11-20", "--by-handler", "--show-phone"],
        ),
    ],
)
def test_report_json_of_the_demo_is_as_pinned(
    run: Run, demo_db: Path, pinned: str, argv: list[str]
) -> None:
    """The report's JSON, key for key and byte for byte, as printed before the report
    became typed (captured from the dict-shaped build)."""
    result = run("--db", str(demo_db), "report", *argv, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (FIXTURES / pinned).read_text("utf-8")
