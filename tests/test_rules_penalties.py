"""The penalty ladder, staff fines and statutory compensation (POLICY.md §5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.rules import penalties
from aftersales_cli.rules.config import default_rules, parse_rules

RULES = default_rules()


@pytest.mark.parametrize(("offence", "k"), [(1, 2), (2, 3), (3, 10), (4, 10), (12, 10)])
def test_ladder(offence: int, k: int) -> None:
    assert penalties.multiplier(offence, RULES) == k


@given(st.integers(1, 100), st.integers(1, 100))
def test_multiplier_never_decreases_as_offences_grow(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert penalties.multiplier(low, RULES) <= penalties.multiplier(high, RULES)


def test_penalty_findings_are_counterfeit_expired_spoiled_when_ours() -> None:
    for finding in ("counterfeit", "expired", "spoiled"):
        assert penalties.is_penalty_finding(finding, True, RULES)
        assert not penalties.is_penalty_finding(finding, False, RULES)
        assert not penalties.is_penalty_finding(finding, None, RULES)
    for finding in ("toxic", "pathogen", "foreign_object", "damaged", "none", None):
        assert not penalties.is_penalty_finding(finding, True, RULES)


def test_toxic_or_pathogen_that_is_ours_is_an_incident() -> None:
    assert penalties.is_incident("toxic", True, RULES)
    assert penalties.is_incident("pathogen", True, RULES)
    assert not penalties.is_incident("toxic", False, RULES)
    assert not penalties.is_incident("spoiled", True, RULES)


@pytest.mark.parametrize(
    ("price", "loss", "expected"),
    [
        ("18", None, "1000.00"),  # 10 × 18 = 180 < 1000
        ("150", None, "1500.00"),
        (None, "200", "1000.00"),
        (None, "500", "1500.00"),
        ("120", "500", "1500.00"),  # the larger of 1200 and 1500
        ("200", "500", "2000.00"),
    ],
)
def test_statutory_compensation(price: str | None, loss: str | None, expected: str) -> None:
    got = penalties.statutory_compensation(
        1, Decimal(price) if price else None, Decimal(loss) if loss else None, RULES
    )
    assert got.total == got.per_person == Decimal(expected)


def test_statutory_compensation_is_per_affected_person_beside_the_loss() -> None:
    got = penalties.statutory_compensation(3, Decimal(15), Decimal(400), RULES)
    assert got.per_person == 1200  # 3 × 400 > 10 × 15, > 1000
    assert got.total == 3600 and got.loss == 1200


def test_statutory_is_suggested_only_on_a_food_safety_defect_that_is_ours() -> None:
    assert penalties.is_statutory_case("food_safety", "spoiled", True, RULES)
    assert penalties.is_statutory_case("illness", "foreign_object", True, RULES)
    assert not penalties.is_statutory_case("food_safety", "none", True, RULES)
    assert not penalties.is_statutory_case("food_safety", "other", True, RULES)
    assert not penalties.is_statutory_case("food_safety", "spoiled", False, RULES)
    assert not penalties.is_statutory_case("food_quality", "spoiled", True, RULES)


@given(st.integers(1, 50), st.decimals(0, 100000, places=2), st.decimals(0, 100000, places=2))
def test_statutory_is_at_least_the_minimum_and_each_multiple_per_person(
    people: int, price: Decimal, loss: Decimal
) -> None:
    got = penalties.statutory_compensation(people, price, loss, RULES)
    each = got.per_person
    assert each >= 1000 and each >= price * 10 and each >= loss * 3
    assert got.total == each * people


def test_the_responsible_department_follows_the_cause() -> None:
    assert penalties.responsible_department("processing", "quality_control", RULES) == (
        "production"
    )
    assert penalties.responsible_department("packaging_supplier", None, RULES) == "procurement"
    assert penalties.responsible_department("handover", None, RULES) == "delivery"
    assert penalties.responsible_department("order_entry", None, RULES) == "customer_service"
    assert penalties.responsible_department("traffic", "delivery", RULES) == "delivery"
    assert penalties.responsible_department(None, "customer_service", RULES) == ("customer_service")
    moved = parse_rules('[responsibility]\ncauses = {processing = "质控"}\n', "x.toml")
    assert penalties.responsible_department("processing", "delivery", moved) == "quality_control"


def test_a_bad_responsibility_map_names_the_field() -> None:
    from aftersales_cli.rules.errors import RulesFileError

    with pytest.raises(RulesFileError, match="responsibility.causes.processing"):
        parse_rules('[responsibility]\ncauses = {processing = "kitchenz"}\n', "x.toml")


def test_staff_fine_only_for_service_attitude_that_is_ours_with_a_name() -> None:
    assert penalties.staff_fine("service_attitude", True, "小刘", RULES) == 50
    assert penalties.staff_fine("service_attitude", False, "小刘", RULES) is None
    assert penalties.staff_fine("service_attitude", True, None, RULES) is None
    assert penalties.staff_fine("food_quality", True, "小刘", RULES) is None


def test_ours_by_default_from_the_cause() -> None:
    assert penalties.ours_by_default("traffic", RULES) is False
    assert penalties.ours_by_default("weather", RULES) is False
    assert penalties.ours_by_default("customer", RULES) is False
    assert penalties.ours_by_default("unknown", RULES) is None
    assert penalties.ours_by_default("vehicle_failure", RULES) is True
    assert penalties.ours_by_default("processing", RULES) is True


def test_numbers_come_from_the_rules_file() -> None:
    rules = parse_rules(
        "[penalties]\nstaff_fine = 80\nladder = [1, 4]\n[statutory]\nminimum = 2000\n", "x.toml"
    )
    assert penalties.staff_fine("service_attitude", True, "a", rules) == 80
    assert penalties.multiplier(5, rules) == 4
    assert penalties.statutory_compensation(1, Decimal(10), None, rules).total == 2000
