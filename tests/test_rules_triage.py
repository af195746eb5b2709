"""Category and severity suggestion (POLICY.md §2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.rules.config import default_rules
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.rules.taxonomy import (
    CATEGORIES,
    CHANNELS,
    DEPARTMENTS,
    REMEDIES,
    SEVERITIES,
    SEVERITY_RANK,
)
from aftersales_cli.rules.triage import Facts, check_severity, suggest, suggest_severity

RULES = default_rules()


@pytest.mark.parametrize(
    ("description", "category"),
    [
        ("米饭有馊味，已经变质", "food_safety"),
        ("The chicken smelled rotten", "food_safety"),
        ("牛奶过期三天", "food_safety"),
        ("孩子吃完午饭后腹泻呕吐", "illness"),
        ("Two staff felt sick after lunch", "illness"),
        ("菜里有一根头发", "foreign_object"),
        ("Found a piece of plastic in the rice", "foreign_object"),
        ("鸡腿没熟，里面是生的", "food_quality"),
        ("The portion was tiny", "food_quality"),
        ("午餐送晚了一个小时", "delivery_delay"),
        ("Lunch arrived 40 minutes late", "delivery_delay"),
        ("送错了，我们订的是清真餐", "wrong_delivery"),
        ("饭盒破损，汤洒了一地", "packaging_damaged"),
        ("包装有污渍", "packaging_hygiene"),
        ("标签上没有生产日期", "label_error"),
        ("配送员态度很差还骂人", "service_attitude"),
        ("The driver was rude", "service_attitude"),
        ("投诉三天了一直没人回", "slow_response"),
        ("今天的菜太咸了", "taste_feedback"),
        ("建议增加素食选择", "suggestion"),
        ("请联系我", "other"),
        ("I ate chocolate cake", "other"),  # "late" only at a word start
    ],
)
def test_category_is_suggested_from_words_in_chinese_and_english(
    description: str, category: str
) -> None:
    assert suggest(Facts(description), RULES).category == category


def test_default_severity_comes_from_the_category() -> None:
    assert suggest_severity("food_safety", Facts("x"), RULES)[0] == "urgent"
    assert suggest_severity("delivery_delay", Facts("x"), RULES)[0] == "general"
    assert suggest_severity("taste_feedback", Facts("x"), RULES)[0] == "non_urgent"


@pytest.mark.parametrize(
    "facts",
    [
        Facts("太咸了", ill=True),
        Facts("太咸了", injured=True),
        Facts("太咸了", people=3),
        Facts("太咸了，吃完有点不适"),
        Facts("too salty and now I have a fever"),
        Facts("口味太淡，孩子过敏了"),
    ],
)
def test_illness_injury_or_several_people_make_it_urgent(facts: Facts) -> None:
    severity, reasons = suggest_severity("taste_feedback", facts, RULES)
    assert severity == "urgent"
    assert any("urgent because" in r for r in reasons)


def test_lowering_below_the_suggestion_needs_a_reason() -> None:
    check_severity("urgent", "general", None)  # raising: no reason needed
    check_severity("general", "general", None)
    with pytest.raises(RuleError) as caught:
        check_severity("non_urgent", "general", None)
    assert caught.value.field == "reason"
    with pytest.raises(RuleError):
        check_severity("general", "urgent", "   ")
    check_severity("general", "urgent", "复核后确认无人不适")


@pytest.mark.parametrize(
    ("vocabulary", "typed", "key"),
    [
        (CATEGORIES, "食品安全", "food_safety"),
        (CATEGORIES, "Food-Safety", "food_safety"),
        (CATEGORIES, "身体不适", "illness"),
        (SEVERITIES, "紧急", "urgent"),
        (SEVERITIES, "non-urgent", "non_urgent"),
        (SEVERITIES, "非紧急", "non_urgent"),
        (DEPARTMENTS, "质控", "quality_control"),
        (DEPARTMENTS, "质量控制", "quality_control"),
        (CHANNELS, "热线", "hotline"),
        (CHANNELS, "微信", "online"),
        (CHANNELS, "配送员", "delivery_staff"),
        (REMEDIES, "退款", "refund"),
        (REMEDIES, "封存送检", "seal_and_test"),
    ],
)
def test_english_and_chinese_terms_are_both_accepted(vocabulary, typed, key) -> None:  # type: ignore[no-untyped-def]
    assert vocabulary.parse(typed) == key


def test_a_misspelt_term_is_refused_with_what_is_allowed_and_a_hint() -> None:
    with pytest.raises(RuleError) as caught:
        CATEGORIES.parse("food_safty")
    assert caught.value.field == "category"
    assert "food_safety (食品安全)" in caught.value.message
    assert "did you mean food_safety" in caught.value.message


@given(st.text(max_size=80), st.booleans(), st.booleans(), st.integers(1, 50))
def test_severity_suggestion_never_below_the_category_default(
    text: str, ill: bool, injured: bool, people: int
) -> None:
    facts = Facts(text, people, ill, injured)
    for category, rule in RULES.categories.items():
        severity, _ = suggest_severity(category, facts, RULES)
        assert SEVERITY_RANK[severity] >= SEVERITY_RANK[rule.severity]
        if ill or injured or people > 1:
            assert severity == "urgent"


def test_client_key_matches_spellings_of_one_client() -> None:
    from aftersales_cli.rules.fields import client_key

    assert client_key(" 实验小学 ") == client_key("实验小学")
    assert client_key("ＡＢＣ  School") == client_key("abc school")
    assert client_key("实验小学") != client_key("实验中学")
    assert client_key(None) is None
    assert client_key("   ") is None
