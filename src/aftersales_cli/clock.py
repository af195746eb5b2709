"""The one clock: "now", the local zone, and the times people type and read.

`AFTERSALES_NOW` pins now (ISO-8601; without an offset it is local time);
`AFTERSALES_TZ` sets the local zone (default Asia/Shanghai). Stored times are UTC text
`YYYY-MM-DDTHH:MM:SSZ`, which sorts as time does; people see local time.

Times are timezone-aware `datetime`s. The standard library covers what every command
needs (zoneinfo, ISO-8601 parsing) at a fraction of pendulum's import cost; pendulum is
asked only for the odd formats the standard parser does not know (`20261122T0930`).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aftersales_cli.errors import BadInput, UserError
from aftersales_cli.rules.calendar import YEARS, calendar_days, elapsed

ENV_NOW = "AFTERSALES_NOW"
ENV_TZ = "AFTERSALES_TZ"
DEFAULT_TZ = "Asia/Shanghai"

_RELATIVE = r"^([+-])\s*(\d+)\s*(m|min|h|d)$"
_DAY_WORDS = {
    "today": 0,
    "今天": 0,
    "tomorrow": 1,
    "明天": 1,
    "yesterday": -1,
    "昨天": -1,
}


def local_zone() -> tzinfo:
    return _zone(os.environ.get(ENV_TZ) or DEFAULT_TZ)


# An IANA zone name: `Asia/Shanghai`, `UTC`, `America/Argentina/Buenos_Aires`, `Etc/GMT+8`.
_ZONE_NAME = r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*"


@lru_cache(maxsize=8)
def _zone(name: str) -> tzinfo:
    unknown = UserError(
        f"{ENV_TZ}: {name[:40]!r}{'…' if len(name) > 40 else ''} is not a time zone "
        "(an IANA name like Asia/Shanghai)"
    )
    if len(name) > 64 or not re.fullmatch(_ZONE_NAME, name):
        raise unknown
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise unknown from None


def zone_name() -> str:
    return os.environ.get(ENV_TZ) or DEFAULT_TZ


def now() -> datetime:
    """The current time in the local zone, to the second; AFTERSALES_NOW pins it."""
    pinned = os.environ.get(ENV_NOW)
    if pinned:
        try:
            moment = _parse_absolute(pinned)
            if not YEARS[0] <= moment.year <= YEARS[1]:
                raise ValueError("out of range")
            return moment
        except (ValueError, OverflowError):
            raise UserError(
                f"{ENV_NOW}: expected an ISO-8601 time like 2026-11-22T09:30, got {pinned!r}"
            ) from None
    return datetime.now(UTC).astimezone(local_zone()).replace(microsecond=0)


def _parse_absolute(text: str) -> datetime:
    """ISO-8601 (a date is its midnight); without an offset, local time."""
    raw = text.strip()
    zone = local_zone()
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        parsed = _parse_rare(raw)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(zone).replace(microsecond=0)


def _parse_rare(raw: str) -> datetime:
    """The ISO-8601 forms the standard library does not read, through pendulum."""
    import pendulum

    try:
        parsed = pendulum.parse(raw, exact=True)
    except Exception as exc:
        raise ValueError(str(exc)) from None
    if isinstance(parsed, datetime):
        return parsed
    if isinstance(parsed, date):
        return datetime(parsed.year, parsed.month, parsed.day)
    raise ValueError("not a date and time")


def parse_time(text: str, field: str, reference: datetime) -> datetime:
    """A time as an operator types it (see `_parse_time`), within YEARS."""
    try:
        moment = _parse_time(text, field, reference)
    except (OverflowError, ValueError):
        moment = None
    if moment is None or not YEARS[0] <= moment.year <= YEARS[1]:
        raise BadInput(
            field, f"{text.strip()!r} is not a time between the years {YEARS[0]} and {YEARS[1]}"
        )
    return moment


def _parse_time(text: str, field: str, reference: datetime) -> datetime:
    """A time as an operator types it: `2026-11-22 14:30`, `14:30` (today), `+2h`,
    `-30m`, `tomorrow 18:00`, `明天 18:00`, `now`, or ISO-8601 with an offset."""
    raw = text.strip()
    allowed = "a time like '2026-11-22 14:30', '14:30', '+2h', '-30m' or 'tomorrow 18:00'"
    if not raw:
        raise BadInput(field, f"must not be empty; give {allowed}")
    lowered = raw.lower()
    if lowered in ("now", "现在"):
        return reference
    relative = re.match(_RELATIVE, lowered.replace(" ", ""))
    if relative:
        sign, amount, unit = relative.groups()
        n = int(amount) * (1 if sign == "+" else -1)
        if unit == "d":
            return calendar_days(reference, n)
        return elapsed(reference, n * (60 if unit == "h" else 1))
    parts = lowered.split(maxsplit=1)
    day = reference
    if parts[0] in _DAY_WORDS:
        day = calendar_days(reference, _DAY_WORDS[parts[0]])
        if len(parts) == 1:
            raise BadInput(field, f"give a time of day too, e.g. '{parts[0]} 18:00'")
        lowered = parts[1]
    clock_time = re.fullmatch(r"(\d{1,2}):(\d{2})", lowered)
    if clock_time:
        hour, minute = int(clock_time.group(1)), int(clock_time.group(2))
        if hour > 23 or minute > 59:
            raise BadInput(field, f"{raw!r} is not a time of day")
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=local_zone())
    if day is not reference:
        raise BadInput(field, f"{raw!r} is not {allowed}")
    try:
        return _parse_absolute(raw)
    except ValueError:
        raise BadInput(field, f"{raw!r} is not {allowed}") from None


def parse_day_or_time(text: str, field: str, reference: datetime) -> tuple[date, datetime | None]:
    """A delivery: a date (`2026-11-21`) or a date and time (`2026-11-21 11:30`)."""
    raw = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            day = None
        if day is None or not YEARS[0] <= day.year <= YEARS[1]:
            raise BadInput(field, f"{raw!r} is not a date like 2026-11-21") from None
        return day, None
    moment = parse_time(raw, field, reference)
    return moment.date(), moment


def start_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=local_zone())


def end_of(day: date, moment: datetime | None) -> datetime:
    """Where "up to and including" a day (or a moment) ends: the next day's start."""
    if moment is not None:
        return elapsed(moment, 1 / 60)
    return calendar_days(start_of_day(day), 1)


@lru_cache(maxsize=4096)  # (a record written names each of its times about three times)
def to_utc_text(moment: datetime) -> str:
    """As stored: `YYYY-MM-DDTHH:MM:SSZ` (%-formatting: a fifth less than isoformat, a
    third of strftime)."""
    u = moment.astimezone(UTC)
    fields = (u.year, u.month, u.day, u.hour, u.minute, u.second)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % fields  # noqa: UP031 (an f-string: slower)


def from_utc_text(text: str, zone: tzinfo | None = None) -> datetime:
    """The stored `YYYY-MM-DDTHH:MM:SSZ`, as local time (pass `zone` in a hot loop)."""
    return datetime.fromisoformat(text).astimezone(zone or local_zone())


# A stored time exactly as `to_utc_text` writes it (what `LocalTimes` reads fastest).
_STORED = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z"


class LocalTimes:
    """Stored UTC texts as `iso_local` shows them, for a hot loop (an export converts
    about 40 times a complaint): `text(value)` equals
    `iso_local(from_utc_text(value, zone), zone)` — and raises as that does.

    The offset is looked up once per hour of UTC: where it is a whole number of hours
    and the same at both ends of the hour, the local text is the hour's local prefix with
    the value's minutes and seconds. Any other hour (a change of offset within it, a
    zone such as Asia/Kolkata's +05:30) and any other text take the exact way."""

    LIMIT = 100_000  # hours remembered (about 11 years of them; then it starts again)

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self._hours: dict[str, tuple[str, str] | None] = {}
        self._stored = re.compile(_STORED)

    def text(self, value: str) -> str:
        if self._stored.fullmatch(value):
            hour = value[:13]
            try:
                known = self._hours[hour]
            except KeyError:
                known = self._hour(hour)
            if known is not None:
                return known[0] + value[13:19] + known[1]
        return datetime.fromisoformat(value).astimezone(self.zone).isoformat()

    def _hour(self, hour: str) -> tuple[str, str] | None:
        known = None
        try:
            start = datetime.fromisoformat(hour + ":00:00+00:00").astimezone(self.zone)
            end = (start + _LAST_SECOND).astimezone(self.zone)
        except (ValueError, OverflowError):  # not a day, or the calendar's ends: exact way
            return None
        offset = start.utcoffset()
        if offset == end.utcoffset() and offset is not None and offset % _HOUR == _NONE:
            shown = start.isoformat()
            known = (shown[:13], shown[19:])
        if len(self._hours) >= self.LIMIT:
            self._hours.clear()
        self._hours[hour] = known
        return known


_HOUR = timedelta(hours=1)
_LAST_SECOND = timedelta(seconds=3599)
_NONE = timedelta(0)


@lru_cache(maxsize=8)
def local_times(zone: tzinfo) -> LocalTimes:
    """The one `LocalTimes` of a zone (its hours stay known from one call to the next)."""
    return LocalTimes(zone)


def iso_local(moment: datetime | None, zone: tzinfo | None = None) -> str | None:
    """For JSON: local time with its offset, `2026-11-22T16:30:00+08:00` (pass `zone` in
    a hot loop)."""
    if moment is None:
        return None
    zone = zone or local_zone()
    return (moment if moment.tzinfo is zone else moment.astimezone(zone)).isoformat()


def show(moment: datetime | None) -> str:
    """For people: `2026-11-22 16:30` in local time."""
    if moment is None:
        return ""
    return moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")


def span(seconds: float) -> str:
    """`25 min`, `1 h 25 min`, `2 d 3 h` — precise enough to act on."""
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def relative(moment: datetime, reference: datetime) -> str:
    """`in 25 min` or `25 min ago`."""
    seconds = (moment - reference).total_seconds()
    return f"in {span(seconds)}" if seconds >= 0 else f"{span(seconds)} ago"
