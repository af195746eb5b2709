"""The rules config: defaults from POLICY.md, TOML overrides, errors that name the key."""

from __future__ import annotations

import json
import tomllib
from datetime import date, time
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, ok, refused
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.commands.policy import effective_toml
from aftersales_cli.rules.config import Duration, Rules, default_rules, parse_rules
from aftersales_cli.rules.errors import RulesFileError
from aftersales_cli.rules.taxonomy import (
    CATEGORIES,
    CHAIN_MILESTONES,
    INTAKE_MILESTONES,
    SEVERITY_RANK,
)


def test_defaults_are_the_policy_table() -> None:
    rules = default_rules()
    table = {
        s: {m: str(d) if d else None for m, d in row.items()}
        for s, row in rules.deadlines.by_severity.items()
    }
    assert table == {
        "urgent": {
            "contact": "30m",
            "forward": "15m",
            "plan": "2h",
            "investigation": "4h",
            "resolution": "24h",
        },
        # in business time, day-long times are working days (DECISIONS §14)
        "general": {
            "contact": "1h",
            "forward": "1h",
            "plan": "4h",
            "investigation": "8h",
            "resolution": "1d",
        },
        "non_urgent": {
            "contact": "1d",
            "forward": "1d",
            "plan": "2d",
            "investigation": None,
            "resolution": "2d",
        },
    }
    # every urgent clock and QC's run 24/7; the rest of general and non-urgent in business time
    working = {"contact", "forward", "plan", "investigation", "resolution", "confirm", "revisit"}
    assert rules.deadlines.business_time == {
        "urgent": set(),
        "general": working,
        "non_urgent": working,
    }
    assert str(rules.deadlines.pause_limit) == "3d"
    # 004 §3.2–3.3: QC's sample and lab report on its categories, the confirmation
    assert (str(rules.deadlines.sample), str(rules.deadlines.lab_report)) == ("24h", "48h")
    assert rules.deadlines.qc_categories == {"food_safety", "illness", "foreign_object"}
    assert str(rules.deadlines.confirm) == "1h"
    assert rules.deadlines.revisit_after_close == Duration(days=3)
    assert [int(k) for k in rules.penalties.ladder] == [2, 3, 10]
    assert rules.penalties.window_days == 365
    assert rules.penalties.staff_fine == 50
    assert rules.statutory.minimum == 1000
    assert rules.targets.responded_24h_rate == 0.98
    assert rules.targets.on_time_rate is None


def test_every_category_of_the_policy_has_its_severity_and_department() -> None:
    rules = default_rules()
    expected = {
        "food_safety": ("urgent", "quality_control"),
        "illness": ("urgent", "quality_control"),
        "foreign_object": ("general", "production"),
        "food_quality": ("general", "production"),
        "delivery_delay": ("general", "delivery"),
        "wrong_delivery": ("general", "delivery"),
        "packaging_damaged": ("general", "procurement"),
        "packaging_hygiene": ("general", "procurement"),
        "label_error": ("general", "quality_control"),
        "service_attitude": ("general", "customer_service"),
        "slow_response": ("general", "customer_service"),
        "taste_feedback": ("non_urgent", "production"),
        "suggestion": ("non_urgent", "customer_service"),
        "other": ("general", "customer_service"),
    }
    got = {k: (c.severity, c.department) for k, c in rules.categories.items()}
    assert got == expected
    assert set(got) == set(CATEGORIES.keys())
    assert list(rules.categories)[-1] == "other"


def test_a_rules_file_overrides_numbers_and_table_entries() -> None:
    rules = parse_rules(
        """
        [deadlines.general]
        contact = "2h"
        plan = "6h"
        [deadlines]
        revisit_after_close = "1d"
        [deadlines.business_time]
        urgent = ["方案"]
        [categories.taste_feedback]
        severity = "一般"
        department = "客服"
        [penalties]
        ladder = [2, 5, 20]
        [targets]
        on_time_rate = 0.9
        """,
        "company.toml",
    )
    assert rules.deadlines.by_severity["general"]["contact"] == Duration(minutes=120)
    assert rules.deadlines.by_severity["general"]["resolution"] == Duration(days=1)  # untouched
    assert rules.deadlines.revisit_after_close == Duration(days=1)
    assert rules.deadlines.business("urgent", "plan")  # a Chinese milestone name too
    assert not rules.deadlines.business("urgent", "contact")
    assert rules.deadlines.business("general", "contact")  # untouched
    assert rules.categories["taste_feedback"].severity == "general"
    assert rules.categories["taste_feedback"].department == "customer_service"
    assert [int(k) for k in rules.penalties.ladder] == [2, 5, 20]
    assert rules.targets.on_time_rate == 0.9


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("soon = []", ("deadlines.business_time.soon", "unknown key")),
        ('general = ["lunch"]', ("deadlines.business_time.general", "'lunch'", "contact")),
        ('general = "plan"', ("deadlines.business_time.general", "list of strings")),
    ],
)
def test_a_bad_business_time_list_is_refused_naming_its_key(
    text: str, words: tuple[str, ...]
) -> None:
    with pytest.raises(RulesFileError) as caught:
        parse_rules(f"[deadlines.business_time]\n{text}\n", "r.toml")
    for word in words:
        assert word in str(caught.value)


def test_a_rules_file_may_add_a_category() -> None:
    rules = parse_rules(
        """
        [categories.allergen_label]
        zh = "过敏原标识"
        severity = "urgent"
        department = "quality_control"
        keywords = ["过敏原"]
        """,
        "x.toml",
    )
    assert rules.categories["allergen_label"].severity == "urgent"
    assert rules.category_terms.parse("过敏原标识") == "allergen_label"
    assert list(rules.categories)[-1] == "other"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[deadlines.general]\ncontactt = '1h'", "deadlines.general.contactt"),
        ("[deadline]\nx = 1", "deadline"),
        ("[deadlines.general]\ncontact = 'soon'", "deadlines.general.contact"),
        ("[deadlines.general]\ncontact = 5", "deadlines.general.contact"),
        ("[deadlines.general]\nplan = '10h'", "deadlines.general.investigation"),
        ("[deadlines.urgent]\ncontact = '2h'", "deadlines.urgent.contact"),
        ("[deadlines.general]\nresolution = 'none'", "deadlines.general.resolution"),
        ("[penalties]\nladder = [3, 2]", "penalties.ladder"),
        ("[penalties]\nladder = []", "penalties.ladder"),
        ("[penalties]\nwindow_days = 0", "penalties.window_days"),
        ("[penalties]\nstaff_fine = 'fifty'", "penalties.staff_fine"),
        ("[penalties]\nfindings = ['mouldy cheese']", "penalties.findings"),
        ("[categories.food_safety]\nseverity = 'critical'", "categories.food_safety.severity"),
        ("[categories.food_safety]\ncolour = 'red'", "categories.food_safety.colour"),
        ("[targets]\nresolution_rate = 95", "targets.resolution_rate"),
        ("[revisit]\nreopen_max = 4", "revisit"),
        ("deadlines = 3", "deadlines"),
        ("this is not toml", "not valid TOML"),
    ],
)
def test_a_bad_rules_file_names_the_key(text: str, key: str) -> None:
    with pytest.raises(RulesFileError) as caught:
        parse_rules(text, "bad.toml")
    assert "bad.toml" in str(caught.value)
    assert key in str(caught.value)


durations = st.one_of(
    st.integers(1, 72).map(lambda h: f"{h}h"),
    st.integers(1, 600).map(lambda m: f"{m}m"),
)


@given(
    st.dictionaries(
        st.sampled_from(["urgent", "general", "non_urgent"]),
        st.dictionaries(st.sampled_from(list(INTAKE_MILESTONES)), durations, min_size=1),
        min_size=1,
    )
)
def test_every_accepted_rules_file_keeps_deadlines_in_order(
    overrides: dict[str, dict[str, str]],
) -> None:
    text = "".join(
        f"[deadlines.{severity}]\n" + "".join(f'{m} = "{d}"\n' for m, d in row.items())
        for severity, row in overrides.items()
    )
    try:
        rules = parse_rules(text, "random.toml")
    except RulesFileError:
        return  # refused with a message: fine
    for severity, row in rules.deadlines.by_severity.items():
        # in business time a day is a working day (08:00-18:00), on the 24/7 clock 24 h
        def span(m: str, severity: str = severity) -> int:
            due = rules.deadlines.by_severity[severity][m]
            assert due is not None
            day = 600 if rules.deadlines.business(severity, m) else 1440
            return due.minutes + due.days * day

        dues = [span(m) for m in CHAIN_MILESTONES if row[m] is not None]
        assert dues == sorted(dues)
    by_rank = sorted(rules.deadlines.by_severity, key=lambda s: -SEVERITY_RANK[s])
    for stricter, looser in zip(by_rank, by_rank[1:], strict=False):
        for m in INTAKE_MILESTONES:
            a, b = rules.deadlines.by_severity[stricter][m], rules.deadlines.by_severity[looser][m]
            if a and b:
                assert a.approx_minutes <= b.approx_minutes


def test_the_defaults_ship_as_a_rules_file_read_like_any_other() -> None:
    text = resources.files("aftersales_cli.rules").joinpath("defaults.toml").read_text("utf-8")
    assert "# Any of these words in the description makes the tool suggest `urgent`." in text
    assert _same(parse_rules(text, "copy.toml"), default_rules())
    assert default_rules().effective["targets"]["on_time_rate"] is None  # left out: unset
    # built once per process
    assert default_rules() is default_rules()


def _same(a: Rules, b: Rules) -> bool:
    """Equal in every field (`Rules` has no `==`: its vocabulary has none)."""
    for name in Rules._fields:
        x, y = getattr(a, name), getattr(b, name)
        if name == "category_terms":
            x, y = x.terms, y.terms
        if name == "survey":
            x, y = (x._replace(aspects=x.aspects.terms), y._replace(aspects=y.aspects.terms))
        if name == "effective":
            x, y = json.dumps(x), json.dumps(y)  # in the same order, too
        if x != y:
            return False
    return True


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "rules.toml"
ODD = r"""
[categories.odd_one]
zh = "怪 \\ \"引号\" 🍜"
keywords = ["it's \"quoted\"", "back\\slash", "🍜 noodle"]
[deadlines.general]
contact = "\t45m\u001f"
plan = " 4h\n"
[categories.food_safety]
severity = "一般"
department = "客服"
[responsibility]
causes = { processing = "质控", traffic = "delivery" }
[targets]
avg_handling_hours = 36.5
"""
CALENDAR = """
[calendar]
holidays = { 2027-02-05 = "春节", "2027-02-08" = "" }
workdays = [2027-02-14, "2027-02-20"]
[calendar.hours]
mon = ["13:00-18:00", "08:00-12:00"]
sat = ["09:00-12:00"]
"""


@pytest.mark.parametrize("ascii_only", [False, True])
@pytest.mark.parametrize(
    "text",
    ["", EXAMPLE.read_text("utf-8"), ODD, CALENDAR],
    ids=["defaults", "example", "odd", "calendar"],
)
def test_the_effective_rules_as_toml_give_the_same_rules(text: str, ascii_only: bool) -> None:
    rules = parse_rules(text, "company.toml")
    written = effective_toml(rules, ascii_only=ascii_only)
    if ascii_only:
        assert written.isascii()
    tomllib.loads(written)  # valid TOML on its own
    assert _same(parse_rules(written, "effective.toml"), rules)


keyword = st.text(min_size=1, max_size=12).filter(lambda w: w.strip())


@given(st.lists(keyword, min_size=1, max_size=4), st.booleans())
def test_any_accepted_keyword_survives_the_toml_round_trip(
    words: list[str], ascii_only: bool
) -> None:
    text = "[categories.other]\nkeywords = " + json.dumps(words) + "\n"
    try:
        rules = parse_rules(text, "random.toml")
    except RulesFileError:
        return  # refused with a message: fine
    again = parse_rules(effective_toml(rules, ascii_only=ascii_only), "effective.toml")
    assert again.categories["other"].keywords == rules.categories["other"].keywords


def test_rules_toml_prints_a_file_that_gives_the_same_rules(run: Run, tmp_path: Path) -> None:
    saved = tmp_path / "effective.toml"
    saved.write_text(run("rules", "--rules", str(EXAMPLE), "--toml").stdout, encoding="utf-8")
    given_back: Any = ok(run("rules", "--rules", str(saved), "--json"))
    assert given_back == ok(run("rules", "--rules", str(EXAMPLE), "--json"))
    assert given_back["deadlines"]["general"]["contact"] == "45m"
    refused(run("rules", "--json", "--toml"), "--toml")


def test_the_defaults_are_parsed_once_and_kept_beside_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aftersales_cli.rules import config

    shipped = tmp_path / "defaults.toml"
    shipped.write_text(config.DEFAULTS_FILE.read_text("utf-8"), "utf-8")
    first = config.parsed_once(shipped)
    (kept,) = (tmp_path / "__pycache__").glob("defaults.toml.*.marshal")

    def no_parsing(text: str, source: str) -> dict[str, Any]:
        raise AssertionError("parsed again")

    monkeypatch.setattr(config, "_toml", no_parsing)
    assert config.parsed_once(shipped) == first  # from the kept copy
    monkeypatch.undo()
    # the file changed: parsed again, and the copy follows it
    shipped.write_text(shipped.read_text("utf-8") + "\n# changed\n", "utf-8")
    assert config.parsed_once(shipped) == first
    monkeypatch.setattr(config, "_toml", no_parsing)
    assert config.parsed_once(shipped) == first
    monkeypatch.undo()
    # a damaged copy is parsed again, never trusted
    kept.write_bytes(b"\x00garbage")
    assert config.parsed_once(shipped) == first
    assert not list((tmp_path / "__pycache__").glob("*.tmp"))


def test_a_folder_that_keeps_nothing_still_gives_the_defaults(tmp_path: Path) -> None:
    from aftersales_cli.rules import config

    shipped = tmp_path / "defaults.toml"
    shipped.write_text(config.DEFAULTS_FILE.read_text("utf-8"), "utf-8")
    (tmp_path / "__pycache__").write_text("a file where the folder would be", "utf-8")
    assert (
        config.parsed_once(shipped)["penalties"]
        == config.parsed_once(config.DEFAULTS_FILE)["penalties"]
    )


def test_the_calendar_defaults_to_weekdays_eight_to_six_with_no_dates_of_its_own() -> None:
    calendar = default_rules().calendar
    office = ((time(8), time(18)),)
    assert calendar.week == (office,) * 5 + ((), ())
    assert calendar.holidays == {} and calendar.workdays == {}


def test_the_calendar_reads_ranges_and_dates_and_builds_a_work_calendar() -> None:
    calendar = parse_rules(CALENDAR, "company.toml").calendar
    assert calendar.week[0] == ((time(8), time(12)), (time(13), time(18)))  # sorted
    assert calendar.week[5] == ((time(9), time(12)),)
    assert calendar.holidays == {date(2027, 2, 5): "春节", date(2027, 2, 8): ""}
    assert calendar.workdays == {date(2027, 2, 14): "", date(2027, 2, 20): ""}
    work = calendar.work_calendar()
    assert work.day(date(2027, 2, 5)).kind == "holiday"
    assert work.day(date(2027, 2, 14)).kind == "makeup"  # a Sunday that is worked
    assert work.day(date(2027, 2, 14)).source == "rules"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            '[calendar.hours]\nmon = ["08:00-12:00", "11:00-18:00"]',
            ["calendar.hours.mon", "overlap"],
        ),
        ('[calendar.hours]\ntue = ["18:00-08:00"]', ["calendar.hours.tue", "before it ends"]),
        ('[calendar.hours]\nwed = ["8-18"]', ["calendar.hours.wed", "08:00-18:00"]),
        ('[calendar.hours]\nthu = ["08:00-25:00"]', ["calendar.hours.thu", "time of day"]),
        ('[calendar.hours]\nfri = "08:00-18:00"', ["calendar.hours.fri", "a list of ranges"]),
        ("[calendar.hours]\nfunday = []", ["calendar.hours.funday"]),
        (
            "[calendar.hours]\nmon = []\ntue = []\nwed = []\nthu = []\nfri = []",
            ["calendar.hours", "at least one weekday"],
        ),
        ('[calendar]\nholidays = { 2027-02-30 = "x" }', ["calendar.holidays", "2027-02-30"]),
        ('[calendar]\nworkdays = ["tomorrow"]', ["calendar.workdays", "a date like"]),
        ("[calendar]\nholidays = 5", ["calendar.holidays", "list of dates"]),
        ("[calendar]\nholidays = { 2027-02-05 = 1 }", ["calendar.holidays.2027-02-05"]),
        ('[calendar]\nholidays = [2027-02-05, "2027-02-05"]', ["2027-02-05 is given twice"]),
        (
            '[calendar]\nholidays = [2027-02-05]\nworkdays = { 2027-02-05 = "补班" }',
            ["calendar.workdays", "2027-02-05", "calendar.holidays"],
        ),
        ("[calendar]\nweekends = []", ["calendar.weekends"]),
    ],
)
def test_a_bad_calendar_is_refused_naming_the_key(text: str, words: list[str]) -> None:
    with pytest.raises(RulesFileError) as raised:
        parse_rules(text, "company.toml")
    for word in words:
        assert word in str(raised.value)


def test_rules_json_carries_the_calendar_dates_as_text(run: Run, tmp_path: Path) -> None:
    company = tmp_path / "company.toml"
    company.write_text(CALENDAR, encoding="utf-8")
    data: Any = ok(run("rules", "--rules", str(company), "--json"))
    assert data["calendar"]["workdays"] == ["2027-02-14", "2027-02-20"]
    assert data["calendar"]["hours"]["mon"] == ["13:00-18:00", "08:00-12:00"]
