"""A masked phone (everywhere but `show`) hides at least four digits, whatever its length:
a short landline is never shown whole (found trying seven-digit numbers, issue 16)."""

from __future__ import annotations

import pytest
from conftest import Run, ok
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.rules.fields import PHONE_MASKED, mask_phone, phone_key


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("5551234", "****234"),
        ("6234 5678", "****5678"),
        ("0755-1234567", "075****4567"),
        ("13812345678", "138****5678"),
        ("0086123", "***"),  # China's code dropped: three digits left, all hidden
    ],
)
def test_each_length_keeps_what_recognises_the_caller(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@given(st.text("0123456789", min_size=7, max_size=20))
def test_at_least_four_digits_are_hidden_and_the_length_kept(digits: str) -> None:
    masked, key = mask_phone(digits), phone_key(digits)
    assert len(masked) == len(key)
    assert masked.count("*") >= min(PHONE_MASKED, len(key))  # a short one: every digit


def test_a_seven_digit_phone_is_masked_in_the_list(run: Run) -> None:
    ok(run("log", "米饭偏硬", "--channel", "hotline", "--customer", "张", "--phone", "5551234"))
    listed = ok(run("list", "--json"))
    assert listed[0]["phone"] == "****234"
    assert "5551234" not in run("list").stdout
