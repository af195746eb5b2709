"""The rules config: defaults from POLICY.md, TOML overrides, errors that name the key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.rules.config import Duration, default_rules, parse_rules
from aftersales_cli.rules.errors import RulesFileError
from aftersales_cli.rules.taxonomy import CATEGORIES, INTAKE_MILESTONES, SEVERITY_RANK


def test_defaults_are_the_policy_table() -> None:
    rules = default_rules()
    table = {
        s: {m: str(d) if d else None for m, d in row.items()} for s, row in rules.deadlines.items()
    }
    assert table == {
        "urgent": {"contact": "30m", "plan": "2h", "investigation": "4h", "resolution": "24h"},
        "general": {"contact": "1h", "plan": "4h", "investigation": "8h", "resolution": "24h"},
        "non_urgent": {"contact": "24h", "plan": "48h", "investigation": None, "resolution": "48h"},
    }
    assert rules.revisit_after_close == Duration(days=3)
    assert [int(k) for k in rules.penalty_ladder] == [2, 3, 10]
    assert rules.penalty_window_days == 365
    assert rules.staff_fine == 50
    assert rules.statutory_minimum == 1000
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
    assert rules.deadlines["general"]["contact"] == Duration(minutes=120)
    assert rules.deadlines["general"]["resolution"] == Duration(minutes=24 * 60)  # untouched
    assert rules.revisit_after_close == Duration(days=1)
    assert rules.categories["taste_feedback"].severity == "general"
    assert rules.categories["taste_feedback"].department == "customer_service"
    assert [int(k) for k in rules.penalty_ladder] == [2, 5, 20]
    assert rules.targets.on_time_rate == 0.9


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
    for row in rules.deadlines.values():
        dues = [row[m].approx_minutes for m in INTAKE_MILESTONES if row[m] is not None]
        assert dues == sorted(dues)
    by_rank = sorted(rules.deadlines, key=lambda s: -SEVERITY_RANK[s])
    for stricter, looser in zip(by_rank, by_rank[1:], strict=False):
        for m in INTAKE_MILESTONES:
            a, b = rules.deadlines[stricter][m], rules.deadlines[looser][m]
            if a and b:
                assert a.approx_minutes <= b.approx_minutes
