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


def test_ladder_fine_is_k_times_the_supply_value() -> None:
    p = penalties.ladder_penalty(prior_offences=1, supply_value=Decimal("1200.50"), rules=RULES)
    assert (p.offence, p.multiplier, p.amount) == (2, 3, Decimal("3601.50"))


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
        Decimal(price) if price else None, Decimal(loss) if loss else None, RULES
    )
    assert got == Decimal(expected)


def test_no_statutory_compensation_without_price_or_loss() -> None:
    assert penalties.statutory_compensation(None, None, RULES) is None


@given(st.decimals(0, 100000, places=2), st.decimals(0, 100000, places=2))
def test_statutory_is_at_least_the_minimum_and_each_multiple(price: Decimal, loss: Decimal) -> None:
    got = penalties.statutory_compensation(price, loss, RULES)
    assert got is not None
    assert got >= 1000 and got >= price * 10 and got >= loss * 3


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
    assert penalties.statutory_compensation(Decimal(10), None, rules) == 2000
