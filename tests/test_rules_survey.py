"""The survey's rules: scores, who to ask in a quarter, and a quarter's figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.rules.config import default_rules, parse_rules
from aftersales_cli.rules.errors import RuleError, RulesFileError
from aftersales_cli.rules.survey import (
    AspectTally,
    Client,
    ClientTally,
    Customer,
    PlanRow,
    answered,
    answered_customers,
    figures,
    plan,
    satisfied,
    score,
    scores,
)

SURVEY = default_rules().survey
ASPECTS = ("food", "taste", "hygiene", "delivery", "packaging", "service", "price")
SH = timezone(timedelta(hours=8))
Q4 = (datetime(2026, 10, 1, tzinfo=SH), datetime(2027, 1, 1, tzinfo=SH))
Q3_START = datetime(2026, 7, 1, tzinfo=SH)


def all_fours() -> dict[str, object]:
    return dict.fromkeys(ASPECTS, 4)


def test_the_policy_aspects_with_their_form_headers() -> None:
    assert list(SURVEY.aspects) == list(ASPECTS)
    assert [SURVEY.aspects.zh(k) for k in ASPECTS] == [
        "菜品质量", "口味", "卫生", "配送准时", "包装", "服务态度", "价格",
    ]  # fmt: skip


@pytest.mark.parametrize("value", ["0", "6", "4.5", "四", "", " ", "-1", "１", True, None])
def test_a_score_is_a_whole_number_from_1_to_5(value: object) -> None:
    with pytest.raises(RuleError) as refused:
        score("taste", value)
    assert refused.value.field == "taste"
    assert "1 to 5" in refused.value.message


@given(st.integers(1, 5))
def test_every_score_from_1_to_5_is_taken_as_text_or_number(n: int) -> None:
    assert score("food", n) == n
    assert score("food", f" {n} ") == n


def test_every_aspect_must_be_scored_and_the_missing_one_is_named() -> None:
    named = all_fours()
    named["price"] = None
    with pytest.raises(RuleError) as refused:
        scores(named, [], SURVEY)
    assert refused.value.field == "price"


def test_score_pairs_take_a_key_or_its_chinese_label() -> None:
    named = all_fours()
    named["price"] = None
    named["service"] = None
    got = scores(named, ["价格=2", "service=5"], SURVEY)
    assert got["price"] == 2 and got["service"] == 5
    assert list(got) == list(ASPECTS)


@pytest.mark.parametrize(
    ("pair", "field"), [("food=3", "food"), ("smell=3", "aspect"), ("food", "score")]
)
def test_a_bad_score_pair_names_what_is_wrong(pair: str, field: str) -> None:
    with pytest.raises(RuleError) as refused:
        scores(all_fours(), [pair], SURVEY)
    assert refused.value.field == field


def test_an_aspect_a_rules_file_adds_is_scored_too() -> None:
    survey = parse_rules('[survey.aspects]\nportion = "份量"\n', "r.toml").survey
    assert list(survey.aspects)[-1] == "portion"
    with pytest.raises(RuleError) as refused:
        scores(all_fours(), [], survey)
    assert refused.value.field == "portion"
    assert scores(all_fours(), ["份量=5"], survey)["portion"] == 5


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[survey.aspects]\nPortion = "x"\n', "survey.aspects.Portion"),
        ('[survey.aspects]\nportion = "口味"\n', "survey.aspects.portion"),
        ('[survey.aspects]\nportion = ""\n', "survey.aspects.portion"),
        ("[survey]\nsatisfied_min = 6\n", "survey.satisfied_min"),
        ("[survey]\nlow_share = 1.5\n", "survey.low_share"),
        ("[survey]\nlow_mean = 0\n", "survey.low_mean"),
        ("[targets]\nsurvey_satisfaction_rate = 2\n", "targets.survey_satisfaction_rate"),
    ],
)
def test_a_bad_survey_rule_names_its_key(text: str, key: str) -> None:
    with pytest.raises(RulesFileError, match=key.replace(".", r"\.")):
        parse_rules(text, "r.toml")


def test_a_response_is_satisfied_when_its_mean_is_at_least_four_exactly() -> None:
    assert satisfied(28, 7, SURVEY)  # mean 4.0
    assert not satisfied(27, 7, SURVEY)  # mean 3.857…
    assert not satisfied(0, 0, SURVEY)


def customer(name: str, phone: str, cid: int, closed: datetime) -> Customer:
    return Customer(name, phone, "实验小学", cid, closed)


def test_the_plan_asks_long_term_and_new_clients_and_recent_complainants() -> None:
    clients = [
        Client("实验小学", date(2024, 3, 1), "王老师", "13800000001"),  # long-term
        Client("滨江中学", date(2025, 12, 31), None, None),  # exactly a year before the end
        Client("华联大厦", date(2026, 1, 1), None, None),  # neither: 12 months not reached
        Client("新城幼儿园", date(2026, 8, 15), "李园长", "13800000002"),  # new (last quarter)
        Client("科技园食堂", date(2026, 11, 20), None, None),  # new (this quarter)
    ]
    customers = [
        customer("张三", "138 0000 0003", 7, datetime(2026, 10, 5, 9, tzinfo=SH)),
        customer("张三", "+86 13800000003", 9, datetime(2026, 11, 5, 9, tzinfo=SH)),  # same phone
        customer("李四", "13800000004", 8, datetime(2026, 9, 30, 23, 59, tzinfo=SH)),  # Q3
    ]
    now = datetime(2026, 12, 31, 23, 0, tzinfo=SH)
    rows = plan(clients, customers, Q4, Q3_START, now, SURVEY)
    assert [(r.reason, r.client, r.name, r.detail) for r in rows] == [
        ("long_term", "实验小学", "王老师", "2024-03-01"),
        ("long_term", "滨江中学", None, "2025-12-31"),
        ("new", "新城幼儿园", "李园长", "2026-08-15"),
        ("new", "科技园食堂", None, "2026-11-20"),
        ("customer", "实验小学", "张三", "#9"),
    ]


def test_the_plan_is_drawn_as_of_now_when_the_quarter_has_not_ended() -> None:
    clients = [
        Client("滨江中学", date(2025, 12, 1), None, None),  # a year by 2026-12-01
        Client("科技园食堂", date(2026, 12, 2), None, None),  # registered after now
    ]
    customers = [customer("张三", "13800000003", 9, datetime(2026, 12, 2, tzinfo=SH))]
    now = datetime(2026, 12, 1, 12, tzinfo=SH)
    rows = plan(clients, customers, Q4, Q3_START, now, SURVEY)
    assert [(r.reason, r.client) for r in rows] == [("long_term", "滨江中学")]


def test_a_planned_row_is_answered_by_its_client_or_by_the_customer_by_name() -> None:
    clients = [Client("实验小学", date(2020, 1, 1), None, None)]
    customers = [customer("张三", "13800000003", 9, datetime(2026, 11, 5, tzinfo=SH))]
    rows = plan(clients, customers, Q4, Q3_START, datetime(2027, 1, 5, tzinfo=SH), SURVEY)
    assert [answered(r, {"实验小学": {"王老师"}}) for r in rows] == [True, False]
    assert [answered(r, {"实验小学": {"张三"}}) for r in rows] == [True, True]
    assert [answered(r, {}) for r in rows] == [False, False]


def test_the_customers_answered_are_counted_as_each_row_is_judged() -> None:
    """The report counts the plan's customers by (client key, name) without drawing them:
    the same count as judging each row, full-width and case folded names alike."""
    rows = [
        PlanRow("customer", "实验小学", "张三", "13800000003", "#9"),
        PlanRow("customer", "实验小学", "Ｌｉ Ｍｉｎｇ", "13800000004", "#10"),
        PlanRow("customer", "实验小学", "李四", "13800000005", "#11"),
        PlanRow("customer", "第二中学", "张三", "13800000006", "#12"),
        PlanRow("customer", None, "张三", "13800000007", "#13"),
    ]
    respondents = {"实验小学": {"张三", "li ming"}, "第三中学": {"张三"}}
    counts = [("实验小学", "张三", 3), ("实验小学", "Ｌｉ Ｍｉｎｇ", 1), ("实验小学", "李四", 2)]
    counts += [("第二中学", "张三", 1), (None, "张三", 1)]
    assert [answered(r, respondents) for r in rows] == [True, True, False, False, False]
    assert answered_customers(counts, respondents) == 3 + 1
    assert answered_customers(counts, {}) == 0


def test_the_figures_of_a_quarter_hand_counted() -> None:
    tallies = [
        AspectTally("food", 4, 18, 4),  # 4.5, all satisfied
        AspectTally("taste", 4, 13, 2),  # 3.25: low by mean
        AspectTally("price", 4, 17, 3),  # 4.25 but 75 % satisfied: low by share
    ]
    clients = [ClientTally("实验小学", 3, 2, 40, 21), ClientTally("滨江中学", 1, 1, 28, 7)]
    got = figures(
        "2026Q4", 10, 4, 4, 3, (1, 2), tallies, clients,
        {"taste": ["太咸了"]}, SURVEY, 0.9, actions={"taste": [3], "food": [9]},
    )  # fmt: skip
    data = got.to_json()
    assert data["response_rate"] == 0.4
    assert data["satisfaction_rate"] == 0.75 and data["met"] is False
    assert data["previous_rate"] == 0.5 and data["change"] == 0.25
    food, hygiene = data["aspects"]["food"], data["aspects"]["hygiene"]
    assert food == {"label": "菜品质量", "mean": 4.5, "satisfied_share": 1.0, "n": 4}
    assert hygiene == {"label": "卫生", "mean": None, "satisfied_share": None, "n": 0}
    assert [(a["key"], a["comments"]) for a in data["low_aspects"]] == [
        ("taste", ["太咸了"]),
        ("price", []),
    ]
    # the actions opened for a low aspect are listed with it (food is not low)
    assert [a["actions"] for a in data["low_aspects"]] == [[3], []]
    assert data["clients"][0] == {
        "client": "实验小学", "responses": 3, "mean": 1.9048, "satisfaction_rate": 0.6667,
    }  # fmt: skip


def test_no_responses_is_no_data_never_zero() -> None:
    data = figures("2026Q4", 0, 0, 0, 0, (0, 0), [], [], {}, SURVEY, 0.9, actions={}).to_json()
    assert data["response_rate"] is None
    assert data["satisfaction_rate"] is None and data["met"] is None
    assert data["change"] is None and data["low_aspects"] == []


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 31), -12, date(2025, 12, 31)),
        (date(2028, 2, 29), -12, date(2027, 2, 28)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -13, date(2024, 12, 15)),
    ],
)
def test_months_after_keeps_the_day_or_the_month_end(
    day: date, months: int, expected: date
) -> None:
    from aftersales_cli.rules.calendar import months_after

    assert months_after(day, months) == expected
