"""The quarterly satisfaction survey (policy 000 §六(二), 002 "通过定期调查"): the scores a
response gives, who to ask in a quarter, and a quarter's figures.

Pure: the aspects and thresholds come in as `SurveyRules`, the moment and the quarter as
arguments, the counts from the store's queries. A score is a whole number from 1 to 5 per
aspect; a response is satisfied when the mean of its scores is at least
`satisfied_min` (compared exactly, as sum ≥ satisfied_min × count).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from aftersales_cli.rules.calendar import months_after
from aftersales_cli.rules.config import SurveyRules
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.rules.fields import client_key, phone_key

LOWEST, HIGHEST = 1, 5


def score(aspect: str, value: object) -> int:
    """A score as typed (an option, a form's cell): a whole number from 1 to 5."""
    text = str(value).strip() if value is not None else ""
    if isinstance(value, bool) or not text.isascii() or not text.isdigit():
        number = None
    else:
        number = int(text)
    if number is None or not LOWEST <= number <= HIGHEST:
        shown = text if len(text) <= 20 else text[:17] + "..."
        raise RuleError(aspect, f"a score from {LOWEST} to {HIGHEST}, got {shown!r}")
    return number


def scores(
    named: Mapping[str, object | None], extra: Iterable[str], survey: SurveyRules
) -> dict[str, int]:
    """Every aspect's score, in the rules' order: `named` holds the values given per aspect
    key (None: not given), `extra` the `KEY=N` pairs of `--score` (a key or its label)."""
    given: dict[str, object] = {k: v for k, v in named.items() if v is not None}
    for pair in extra:
        key_text, sep, value = pair.partition("=")
        if not sep:
            raise RuleError("score", f"KEY=N, e.g. food=4; got {pair!r}")
        key = survey.aspects.parse(key_text)
        if key in given:
            raise RuleError(key, "scored twice")
        given[key] = value
    unknown = [k for k in given if k not in survey.aspects]
    if unknown:
        raise RuleError(unknown[0], f"not an aspect; one of {survey.aspects.allowed()}")
    missing = [k for k in survey.aspects if k not in given]
    if missing:
        raise RuleError(missing[0], f"a score from {LOWEST} to {HIGHEST} is needed")
    return {k: score(k, given[k]) for k in survey.aspects}


def low(mean: float, share: float, survey: SurveyRules) -> bool:
    """An aspect needs an improvement measure when its mean or its share of satisfied
    scores is below the rules'."""
    return mean < survey.low_mean or share < survey.low_share


def satisfied(total: int, count: int, survey: SurveyRules) -> bool:
    """A response (or any set of scores) is satisfied when its mean is at least the rule."""
    return count > 0 and total >= survey.satisfied_min * count


# --- who to ask ----------------------------------------------------------------------

PLAN_REASONS = ("long_term", "new", "customer")


class Client(NamedTuple):
    name: str
    since: date
    contact: str | None
    phone: str | None


class Customer(NamedTuple):
    """A customer whose complaint was closed; one per complaint, the store's rows."""

    name: str
    phone: str
    client: str | None
    complaint_id: int
    closed_at: datetime


class PlanRow(NamedTuple):
    reason: str  # one of PLAN_REASONS
    client: str | None
    name: str | None  # whom to ask: the client's contact, or the customer
    phone: str | None
    detail: str  # a client's since (2026-10-27); a customer's complaint (#9)


def plan_cutoff(quarter_start: datetime, quarter_end: datetime, now: datetime) -> datetime:
    """The plan is drawn as of the quarter's end, or now if sooner (DECISIONS §13)."""
    return max(quarter_start, min(quarter_end, now))


def plan(
    clients: Iterable[Client],
    customers: Iterable[Customer],
    quarter: tuple[datetime, datetime],
    previous_start: datetime,
    now: datetime,
    survey: SurveyRules,
) -> list[PlanRow]:
    """Who to ask in the quarter [start, end): every long-term client (registered at least
    `long_term_months` before the cutoff), every new one (registered within the quarter
    or the one before, up to the cutoff), and each customer whose complaint was closed in
    the quarter up to the cutoff — once per phone, for their latest such complaint.
    Sorted by reason, then name: the same database and quarter give the same list."""
    start, end = quarter
    cutoff = plan_cutoff(start, end, now)
    long_term_by = months_after(cutoff.date(), -survey.long_term_months)
    rows: list[PlanRow] = []
    for c in clients:
        if c.since <= long_term_by:
            reason = "long_term"
        elif previous_start.date() <= c.since <= cutoff.date():
            reason = "new"
        else:
            continue
        rows.append(PlanRow(reason, c.name, c.contact, c.phone, c.since.isoformat()))
    latest: dict[str, Customer] = {}
    for k in customers:
        if start <= k.closed_at < end and k.closed_at <= now:
            key = phone_key(k.phone) or k.phone
            kept = latest.get(key)
            if kept is None or (k.closed_at, k.complaint_id) > (kept.closed_at, kept.complaint_id):
                latest[key] = k
    for k in latest.values():
        rows.append(PlanRow("customer", k.client, k.name, k.phone, f"#{k.complaint_id}"))
    order = {reason: i for i, reason in enumerate(PLAN_REASONS)}
    rows.sort(key=lambda r: (order[r.reason], client_key(r.client) or "", r.name or "", r.detail))
    return rows


def answered(row: PlanRow, respondents: Mapping[str, set[str]]) -> bool:
    """Whether a planned row was answered: a client's row by any response from that
    client in the quarter; a customer's by a response from their client whose respondent
    has their name. `respondents`: client key → the respondents' name keys ("" unnamed)."""
    names = respondents.get(client_key(row.client) or "")
    if names is None:
        return False
    return row.reason != "customer" or (client_key(row.name) or "") in names


def answered_customers(
    counts: Iterable[tuple[str | None, str, int]], respondents: Mapping[str, set[str]]
) -> int:
    """How many of the plan's customer rows were answered, as `answered` judges each, from
    their counts by (client key, customer name) — a quarter's customers are counted, not
    drawn one row each."""
    found = 0
    name_keys: dict[str, str] = {}
    for client, name, n in counts:
        names = respondents.get(client or "")
        if names is None:
            continue
        key = name_keys.get(name)
        if key is None:
            key = name_keys[name] = client_key(name) or ""
        if key in names:
            found += n
    return found


# --- a quarter's figures -------------------------------------------------------------


class AspectTally(NamedTuple):
    """What the store counts per aspect over a quarter's responses."""

    key: str
    n: int
    total: int  # the sum of the scores
    satisfied: int  # scores ≥ satisfied_min


class ClientTally(NamedTuple):
    client: str
    responses: int
    satisfied: int  # responses whose mean is satisfied
    total: int  # the sum of every score
    n: int  # how many scores


class Aspect(NamedTuple):
    key: str
    label: str
    n: int
    mean: float | None
    satisfied_share: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "mean": _round(self.mean),
            "satisfied_share": _round(self.satisfied_share),
            "n": self.n,
        }


class LowAspect(NamedTuple):
    key: str
    label: str
    mean: float
    satisfied_share: float
    comments: tuple[str, ...]
    actions: tuple[int, ...] = ()  # the corrective actions opened for it in the span

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "mean": _round(self.mean),
            "satisfied_share": _round(self.satisfied_share),
            "comments": list(self.comments),
            "actions": list(self.actions),
        }


class ClientFigures(NamedTuple):
    client: str
    responses: int
    mean: float | None
    satisfaction_rate: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "client": self.client,
            "responses": self.responses,
            "mean": _round(self.mean),
            "satisfaction_rate": _round(self.satisfaction_rate),
        }


class Figures(NamedTuple):
    """A quarter's survey: the JSON `survey` of DECISIONS §13. Over a span that is not a
    quarter (a month's or a range's report) there is no plan: `quarter`, `planned` and
    `answered` are None, and so is the response rate."""

    quarter: str | None
    planned: int | None
    answered: int | None
    responses: int
    satisfied: int
    previous_rate: float | None
    target: float | None
    aspects: tuple[Aspect, ...]
    clients: tuple[ClientFigures, ...]
    low_aspects: tuple[LowAspect, ...]

    @property
    def response_rate(self) -> float | None:
        if self.answered is None or not self.planned:
            return None
        return self.answered / self.planned

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.responses if self.responses else None

    @property
    def change(self) -> float | None:
        rate = self.satisfaction_rate
        return None if rate is None or self.previous_rate is None else rate - self.previous_rate

    @property
    def met(self) -> bool | None:
        rate = self.satisfaction_rate
        return None if rate is None or self.target is None else rate >= self.target

    def to_json(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter,
            "planned": self.planned,
            "answered": self.answered,
            "responses": self.responses,
            "response_rate": _round(self.response_rate),
            "satisfaction_rate": _round(self.satisfaction_rate),
            "target": self.target,
            "met": self.met,
            "previous_rate": _round(self.previous_rate),
            "change": _round(self.change),
            "aspects": {a.key: a.to_json() for a in self.aspects},
            "clients": [c.to_json() for c in self.clients],
            "low_aspects": [a.to_json() for a in self.low_aspects],
        }


def figures(
    quarter: str | None,
    planned: int | None,
    answered_rows: int | None,
    responses: int,
    satisfied_responses: int,
    previous: tuple[int, int],
    aspects: Sequence[AspectTally],
    clients: Sequence[ClientTally],
    comments: Mapping[str, Sequence[str]],
    survey: SurveyRules,
    target: float | None,
    *,
    actions: Mapping[str, Sequence[int]],
) -> Figures:
    """The quarter's figures from the store's counts (a span that is not a quarter: no
    quarter, nothing planned or answered: None). `previous` is (satisfied, responses) of
    the quarter (or span) before; `comments` the comments of responses that scored an
    aspect below `satisfied_min`, by aspect; `actions` the ids of the corrective actions
    opened in the span as the improvement measure of an aspect, by aspect. An aspect is
    low when its mean is below `low_mean` or its satisfied share below `low_share`; the
    lowest mean comes first."""
    tallies = {t.key: t for t in aspects}
    shown: list[Aspect] = []
    for key in survey.aspects:
        t = tallies.get(key, AspectTally(key, 0, 0, 0))
        mean = t.total / t.n if t.n else None
        share = t.satisfied / t.n if t.n else None
        shown.append(Aspect(key, survey.aspects.zh(key), t.n, mean, share))
    lows = [
        LowAspect(
            a.key,
            a.label,
            a.mean,
            a.satisfied_share,
            tuple(comments.get(a.key, ())),
            tuple(actions.get(a.key, ())),
        )
        for a in shown
        if a.mean is not None
        and a.satisfied_share is not None
        and low(a.mean, a.satisfied_share, survey)
    ]
    lows.sort(key=lambda a: (a.mean, a.satisfied_share, a.key))
    by_client = tuple(
        ClientFigures(
            c.client,
            c.responses,
            c.total / c.n if c.n else None,
            c.satisfied / c.responses if c.responses else None,
        )
        for c in sorted(clients, key=lambda c: (-c.responses, client_key(c.client) or ""))
    )
    before_satisfied, before_responses = previous
    return Figures(
        quarter=quarter,
        planned=planned,
        answered=answered_rows,
        responses=responses,
        satisfied=satisfied_responses,
        previous_rate=before_satisfied / before_responses if before_responses else None,
        target=target,
        aspects=tuple(shown),
        clients=by_client,
        low_aspects=tuple(lows),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
