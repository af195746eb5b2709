"""The history's stored times shown in local time the fast way (`clock.LocalTimes`, an
offset per hour of UTC) read exactly as the plain way, in every kind of zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.clock import LocalTimes, from_utc_text, iso_local, to_utc_text
from aftersales_cli.clock import _zone as zone_named

ZONES = (
    "UTC",
    "Asia/Shanghai",
    "America/New_York",  # DST, changing on the hour of UTC
    "Europe/London",
    "Asia/Kolkata",  # +05:30
    "Australia/Adelaide",  # +09:30/+10:30, changing half past an hour of UTC
    "Australia/Lord_Howe",  # a half-hour DST
    "America/St_Johns",  # -03:30/-02:30
)


@given(
    st.sampled_from(ZONES),
    st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31, 23, 59, 59)),
)
def test_a_stored_time_reads_as_the_exact_conversion(name: str, moment: datetime) -> None:
    zone = zone_named(name)
    times = LocalTimes(zone)
    text = to_utc_text(moment.replace(tzinfo=UTC))
    exact = iso_local(from_utc_text(text, zone), zone)
    assert times.text(text) == exact
    assert times.text(text) == exact  # the hour now known


def test_every_second_around_a_change_of_offset() -> None:
    for name, change in (
        ("America/New_York", datetime(2026, 11, 1, 6, tzinfo=UTC)),
        ("Australia/Adelaide", datetime(2026, 10, 3, 16, 30, tzinfo=UTC)),
    ):
        zone = zone_named(name)
        times = LocalTimes(zone)
        for second in range(-3700, 3700, 7):
            text = to_utc_text(change + timedelta(seconds=second))
            assert times.text(text) == iso_local(from_utc_text(text, zone), zone), text


@pytest.mark.parametrize("text", ["2026-02-30T10:00:00Z", "2026-11-22T24:00:00Z", "soon"])
def test_text_that_is_not_a_time_raises_as_the_plain_way(text: str) -> None:
    times = LocalTimes(zone_named("Asia/Shanghai"))
    with pytest.raises(ValueError):
        from_utc_text(text)
    with pytest.raises(ValueError):
        times.text(text)


def test_other_iso_forms_take_the_plain_way() -> None:
    times = LocalTimes(zone_named("Asia/Shanghai"))
    assert times.text("2026-11-22T08:30Z") == "2026-11-22T16:30:00+08:00"


@given(
    st.sampled_from(ZONES),
    st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30), allow_imaginary=False),
)
def test_a_time_is_stored_as_its_utc_iso_text_to_the_second(name: str, moment: datetime) -> None:
    """The stored form every time has: ISO-8601 in UTC to the second, `Z` at the end —
    what `datetime.isoformat` writes, the fraction of a second dropped."""
    aware = moment.replace(tzinfo=zone_named(name))
    exact = aware.astimezone(UTC).isoformat(timespec="seconds")
    assert to_utc_text(aware) == exact.removesuffix("+00:00") + "Z"
    assert from_utc_text(to_utc_text(aware), UTC) == aware.replace(microsecond=0)
