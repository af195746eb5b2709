"""The report as CSV files and as one HTML page: what a manager opens in Excel or prints."""

from __future__ import annotations

import csv
import dataclasses
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pendulum
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aftersales_cli.render.report_csv import write_csv
from aftersales_cli.render.report_html import STYLE, render_html
from aftersales_cli.render.report_tables import KPI_NAMES, kpi_name, tables
from aftersales_cli.render.spreadsheet import csv_text
from aftersales_cli.reports.kpi import ComparedKpi, Handling, Kpi, Ratio
from aftersales_cli.reports.period import quarter
from aftersales_cli.reports.report import (
    Charge,
    ClientMoney,
    Illness,
    IllnessRow,
    OnTime,
    PersonCharge,
    Previous,
    Report,
    Responsibility,
    Trend,
    TrendPoint,
)
from aftersales_cli.rules.survey import Aspect, ClientFigures, Figures, LowAspect

FORMULA = '=HYPERLINK("http://x")'
SCRIPT = "<script>alert(1)</script>"


TZ = pendulum.timezone("Asia/Shanghai")


def _rate(
    key: str, value: float | None, target: float | None, met: bool | None, n: int, d: int
) -> Kpi:
    better = "lower" if key == "repeat_rate" else "higher"
    within = 24 if key == "responded_24h_rate" else None
    return Kpi(key, value, target, met, better, Ratio(n, d), within)


PREVIOUS_KPIS = {
    k.key: k
    for k in (
        _rate("responded_24h_rate", 0.9, 0.98, False, 9, 10),
        _rate("resolution_rate", 1.0, 0.95, True, 10, 10),
        _rate("satisfaction_rate", None, 0.9, None, 0, 0),
        Kpi("avg_handling_hours", 12.5, 48.0, True, "lower", Handling(10, 12.5, 7.0, 20.0)),
        _rate("repeat_rate", 0.1, 0.05, False, 1, 10),  # lower is better
        _rate("on_time_rate", 0.95, None, None, 19, 20),
    )
}
DELTAS = {"responded_24h_rate": -0.035, "resolution_rate": 0.1, "avg_handling_hours": -3.5}


SURVEY = Figures(
    quarter="2026Q4",
    planned=12,
    answered=3,
    responses=4,
    satisfied=3,
    previous_rate=None,
    target=0.9,
    aspects=(
        Aspect("food", "菜品质量", 4, 13 / 3, 2 / 3),
        Aspect("price", "价格", 4, 3.25, 0.5),
    ),
    clients=(ClientFigures(FORMULA, 3, 4.1667, 1.0), ClientFigures("实验小学", 1, 3.0, 0.0)),
    low_aspects=(LowAspect("price", "价格", 3.25, 0.5, (SCRIPT, "偏贵")),),
)


def sample_report() -> Report:
    """A small report, as `reports.build.build` returns one."""
    production = ("production", 7, 7, 6, 1, 1200.5)
    return Report(
        period=quarter(2026, 4, TZ),
        generated_at=pendulum.datetime(2026, 11, 22, 10, tz=TZ),
        total=10,
        kpis={
            key: ComparedKpi(**vars(k), delta=DELTAS.get(key)) for key, k in PREVIOUS_KPIS.items()
        },
        on_time={
            "contact": {"urgent": OnTime(4, 1, 0.8)},
            "resolution": {"general": OnTime(5, 0, 1.0)},
        },
        breaches_by_milestone={
            "contact": 1,
            "plan": 0,
            "investigation": 0,
            "resolution": 0,
            "revisit": 0,
        },
        by_category={"food_quality": 6, "delivery_delay": 4},
        by_severity={"urgent": 5, "general": 5},
        by_channel={"hotline": 10},
        by_department={"production": 7, "unassigned": 3},
        by_org={"实验小学": 5, FORMULA: 3, SCRIPT: 2},
        top_causes=(),
        penalties=(
            ClientMoney(FORMULA, 2, (2, 3), 1200.5, 50, 0, 1000, 0, 1),
            ClientMoney("实验小学", 0, (), 0, 0, 260, 0, 1, 0),
        ),
        penalties_total=1250.5,
        compensation_total=260,
        compensation_by_kind={},
        ledger_summary=(),
        ledger_largest=(),
        statutory=(),
        statutory_total=0,
        statutory_cases=0,
        illness=Illness(3, 7, 1, (IllnessRow("实验小学", 2, 6, 1), IllnessRow(FORMULA, 1, 1, 0))),
        responsibility=Responsibility(
            departments=(Charge(*production),),
            people=(PersonCharge("-刘师傅", "production", 7, 7, None, 1, 1200.5),),
        ),
        batch_clusters=(),
        batch_clusters_total=0,
        repeat_complainants=(),
        trend=Trend(
            "week",
            (
                TrendPoint("2026-10-01", "W40 10-01", 0, 0),
                TrendPoint("2026-10-05", "W41 10-05", 6, 3),
                TrendPoint("2026-10-12", "W42 10-12", 4, 2),
            ),
        ),
        previous=Previous(quarter(2026, 3, TZ), 8, PREVIOUS_KPIS),
        survey=SURVEY,
    )


# --- CSV ------------------------------------------------------------------------------


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_writes_every_table_in_order(tmp_path: Path) -> None:
    report = sample_report()
    folder = tmp_path / "out" / "2026Q4"  # created, parents too
    paths = write_csv(report, folder)
    names = [t.name for t in tables(report, full=True)]  # the whole ledger, not the largest
    assert paths == [folder / f"{n}.csv" for n in names]
    assert all(p.is_file() for p in paths)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.csv" for n in names)


def test_csv_has_bom_header_and_raw_typed_values(tmp_path: Path) -> None:
    report = sample_report()
    paths = {p.stem: p for p in write_csv(report, tmp_path)}
    for table in tables(report, full=True):
        path = paths[table.name]
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        rows = _read(path)
        assert rows[0] == table.names
        assert len(rows) == len(list(table.rows)) + 1  # empty tables keep their header
    kpis = _read(paths["kpis"])
    responded = kpis[1]
    assert responded[:6] == ["Responded within 24 h", "0.9", "0.98", "false", "0.9", "-0.035"]
    satisfaction = next(r for r in kpis if r[0] == KPI_NAMES["satisfaction_rate"])
    assert satisfaction[1:4] == ["", "0.9", ""]  # no value, no verdict: empty cells
    handling = next(r for r in kpis if r[0] == KPI_NAMES["avg_handling_hours"])
    assert handling[3] == "true"
    assert handling[5] == "-3.5"  # a negative number is never altered
    assert _read(paths["by_category"])[1] == ["food_quality 食品质量", "6", "0.6"]
    assert _read(paths["penalties"])[1][1:4] == ["2", "×2 ×3", "1200.5"]


def test_csv_round_trips_chinese_and_neutralises_formulas(tmp_path: Path) -> None:
    paths = {p.stem: p for p in write_csv(sample_report(), tmp_path)}
    by_org = _read(paths["by_org"])
    assert by_org[1] == ["实验小学", "5", "0.5"]
    assert by_org[2][0] == "'" + FORMULA
    assert by_org[3][0] == SCRIPT  # not a formula: left alone
    assert _read(paths["penalties"])[1][0] == "'" + FORMULA
    assert _read(paths["responsibility_people"])[1][0] == "'-刘师傅"
    for path in paths.values():
        for row in _read(path)[1:]:
            for cell in row:
                if cell.startswith(("=", "+", "@", "\t", "\r")):
                    raise AssertionError(f"{path.name}: formula-like cell {cell!r}")
                if cell.startswith("-"):
                    float(cell)  # only numbers may start with a minus


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=30))
@example("'=1+1")
@example("''@x")
@example("'plain")
@example("none")
def test_csv_any_org_name_reads_back_as_text(name: str) -> None:
    from aftersales_cli.render.blocks import client

    report = dataclasses.replace(sample_report(), by_org={name: 1})
    with tempfile.TemporaryDirectory() as folder:
        path = write_csv(report, Path(folder))[[t.name for t in tables(report)].index("by_org")]
        cell = _read(path)[1][0]
    # quoted when it would start a formula, even behind apostrophes (one rule with export)
    # (the report's `none`, no client at all, reads as such, as in every view)
    shown = client(name)
    after_quotes = shown.lstrip("'")
    expected = "'" + shown if after_quotes[:1] and after_quotes[0] in "=+-@\t\r" else shown
    assert cell == expected
    assert csv_text(cell) == shown


# --- HTML -----------------------------------------------------------------------------


class Page(HTMLParser):
    """Collects start tags with their attributes, and the text, of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.open and self.open[-1] == "td":
            self.cells.append(data)

    def names(self) -> list[str]:
        return [t for t, _ in self.tags]

    def all_text(self) -> str:
        return " ".join(self.text)


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


def test_html_is_one_self_contained_page() -> None:
    page = render_html(sample_report())
    assert page.startswith("<!DOCTYPE html>")
    parsed = parse(page)
    html_tag = next(a for t, a in parsed.tags if t == "html")
    assert html_tag.get("lang") == "zh-CN"
    assert any(t == "meta" and (a.get("charset") or "").lower() == "utf-8" for t, a in parsed.tags)
    assert "style" in parsed.names()
    for tag, attrs in parsed.tags:
        assert tag not in ("script", "link", "iframe", "img", "object", "embed")
        for key in ("src", "href", "srcset", "action", "data"):
            value = (attrs.get(key) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), (tag, key, value)
    lowered = page.lower()
    assert "@import" not in lowered
    assert "url(" not in lowered
    assert "http://" not in lowered.replace("http://x", "")  # only the escaped org name


def test_html_shows_header_kpis_and_every_table() -> None:
    report = sample_report()
    parsed = parse(render_html(report))
    text = parsed.all_text()
    assert "After-sales report 售后报告" in text
    assert "2026Q4" in text
    assert "2026-10-01 – 2026-12-31" in text  # the end is exclusive: shown to the day before
    assert "2026-11-22 10:00" in text
    for kpi in report.kpis.values():
        assert kpi_name(kpi) in text
    assert "✔ met" in text and "✘ missed" in text and "no target" in text
    assert "-3.5 h" in text and "-3.5 pp" in text
    for table in tables(report):
        assert table.title in text
    assert "实验小学" in parsed.cells and "food_quality 食品质量" in parsed.cells


def test_html_none_kpi_reads_no_data() -> None:
    parsed = parse(render_html(sample_report()))
    text = parsed.all_text()
    start = text.index(KPI_NAMES["satisfaction_rate"])
    card = text[start : text.index(KPI_NAMES["avg_handling_hours"])]
    assert "no data" in card and "—" in card
    assert "✔" not in card and "✘" not in card


def test_html_one_chart_per_charted_table_and_a_none_line_for_empty_tables() -> None:
    report = sample_report()
    parsed = parse(render_html(report))
    charted = [t for t in tables(report) if t.chart is not None and t.rows]
    assert [t for t in tables(report) if t.chart is not None and not t.rows]  # top_causes
    assert parsed.names().count("svg") == len(charted)
    assert parsed.names().count("rect") >= sum(  # a bar per non-zero value
        1 for t in charted for r in t.rows if r[t.chart or 0]
    )
    empty = [t for t in tables(report) if not t.rows]
    assert parsed.all_text().count("None in this period.") == len(empty)
    shown = [t for t in tables(report) if t.rows and t.name != "kpis"]
    assert parsed.names().count("table") == len(shown)


def test_html_escapes_customer_text() -> None:
    page = render_html(sample_report())
    parsed = parse(page)
    assert "script" not in parsed.names()
    assert SCRIPT not in page
    assert SCRIPT in parsed.cells  # shown as text
    assert FORMULA in parsed.cells
    assert f"{SCRIPT} / 偏贵" in parsed.cells  # a survey comment too


@settings(max_examples=50, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40))
@example("none")
def test_html_any_org_name_is_text_never_markup(name: str) -> None:
    from aftersales_cli.render.blocks import client

    baseline = sample_report()
    first, *rest = baseline.penalties
    penalties = (dataclasses.replace(first, org=name), *rest)
    report = dataclasses.replace(baseline, by_org={name: 1}, penalties=penalties)
    parsed = parse(render_html(report))
    expected = parse(render_html(dataclasses.replace(baseline, by_org={"x": 1})))
    assert parsed.names() == expected.names()
    assert client(name) in parsed.cells  # `none`, no client at all, reads as such


def test_money_reads_the_same_in_the_report_as_on_the_case_card() -> None:
    """A month whose reversals outweigh its fines nets negative: `-¥80.00` everywhere,
    never `¥-80.00`."""
    from decimal import Decimal

    from aftersales_cli.render.blocks import show_yuan
    from aftersales_cli.render.report_tables import format_value
    from aftersales_cli.reports.units import Unit

    assert format_value(-80.0, Unit.MONEY) == show_yuan(Decimal("-80")) == "-¥80.00"
    assert format_value(1234.5, Unit.MONEY) == show_yuan(Decimal("1234.5")) == "¥1,234.50"
    report = dataclasses.replace(sample_report(), penalties_total=-80.0)
    assert "-¥80.00" in render_html(report) and "¥-80" not in render_html(report)


def test_csv_rates_and_shares_have_at_most_4_decimals(tmp_path: Path) -> None:
    """Issue 11: `share` had 17 digits (0.3333333333333333) where `rate` had 4."""
    report = sample_report()
    thirds = dataclasses.replace(report.kpis["resolution_rate"], value=2 / 3, delta=2 / 3 - 1.0)
    report = dataclasses.replace(
        report,
        total=3,
        by_category={"food_quality": 1, "delivery_delay": 2},
        kpis={**report.kpis, "resolution_rate": thirds},
        on_time={"contact": {"urgent": OnTime(1, 2, 1 / 3)}},
    )
    paths = {p.stem: p for p in write_csv(report, tmp_path)}
    assert _read(paths["by_category"])[1:] == [
        ["food_quality 食品质量", "1", "0.3333"],
        ["delivery_delay 配送延误", "2", "0.6667"],
    ]
    assert _read(paths["on_time"])[1][-1] == "0.3333"
    resolved = next(r for r in _read(paths["kpis"]) if r[0] == KPI_NAMES["resolution_rate"])
    assert resolved[1] == "0.6667" and resolved[5] == "-0.3333"
    handling = next(r for r in _read(paths["kpis"]) if r[0] == KPI_NAMES["avg_handling_hours"])
    assert handling[1] == "12.5"  # hours are not rates: left as they are


# --- printing (issue 11: checked by printing the demo's page to A4 in headless Chromium;
# these pin the structure that printing relies on) --------------------------------------


class Printed(HTMLParser):
    """Each `td` with its class and text, and the tags that enclose the footer."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []
        self.cells: list[tuple[str, str]] = []
        self.footer_in: list[tuple[str, str]] = []
        self.last_section_in: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "footer":
            self.footer_in = list(self.stack)
        if tag == "section":
            self.last_section_in = list(self.stack)
        self.stack.append((tag, dict(attrs).get("class") or ""))
        if tag == "td":
            self.cells.append((dict(attrs).get("class") or "", ""))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] == "td":
            cls, text = self.cells[-1]
            self.cells[-1] = (cls, text + data)


def test_html_prints_the_footer_with_the_last_table() -> None:
    printed = Printed()
    printed.feed(render_html(sample_report()))
    assert printed.footer_in[-1] == ("div", "end")  # one block that is never split...
    assert printed.last_section_in == printed.footer_in  # ...with the last table in it
    assert ".end" in STYLE and "break-inside: avoid" in STYLE.split(".end", 1)[1][:200]


def test_html_never_breaks_a_chinese_word_in_a_cell() -> None:
    report = dataclasses.replace(
        sample_report(), by_org={"滨江小学, Brightwave Tech, 第二中学": 1, "2026-11-19 12:50": 1}
    )
    printed = Printed()
    printed.feed(render_html(report))
    cells = {text: cls for cls, text in printed.cells}
    assert "nw" in cells["2026-11-19 12:50"].split()  # short: on one line
    assert "nw" in cells["food_quality 食品质量"].split()
    assert "nw" not in cells["滨江小学, Brightwave Tech, 第二中学"].split()  # wraps at spaces
    td = STYLE.split("\ntd {", 1)[1].split("}", 1)[0]
    assert "word-break: keep-all" in td  # between words, never inside 第二中学
