"""Survey responses in SQLite (migration 0016): writing one, and the counts a quarter's
figures and plan are made of. Times are UTC text, as everywhere in the store; a
client merged into another counts as the one it was merged into."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

from aftersales_cli.clock import from_utc_text, local_zone, to_utc_text
from aftersales_cli.rules import survey
from aftersales_cli.rules.fields import client_key
from aftersales_cli.store.codec import stored_json

# A response's client as counted: the client it was merged into, if it was.
_COUNTED = "COALESCE(c.merged_into, c.id)"


def insert(
    conn: sqlite3.Connection,
    client_id: int,
    at: datetime,
    method: str,
    scores: dict[str, int],
    respondent: str | None,
    comment: str | None,
    by: str,
    now: datetime,
) -> int:
    """Write one response and its scores; its id."""
    return _write(conn, Stored(0, client_id, at, method, respondent, comment, scores, by, now))


def _write(conn: sqlite3.Connection, response: Stored, *, keep_id: bool = False) -> int:
    """A response and its scores (under its own id when `keep_id`); the id it has."""
    when = to_utc_text(response.at)
    cursor = conn.execute(
        """INSERT INTO survey_responses (id, client_id, at, method, respondent,
               respondent_key, comment, score_total, score_count, by, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            response.id if keep_id else None,
            response.client_id,
            when,
            response.method,
            response.respondent,
            (client_key(response.respondent) or "") if response.respondent else "",
            response.comment,
            sum(response.scores.values()),
            len(response.scores),
            response.by,
            to_utc_text(response.recorded_at),
        ),
    )
    response_id = cursor.lastrowid
    assert response_id is not None
    conn.executemany(
        "INSERT INTO survey_scores (response_id, aspect, score, at) VALUES (?, ?, ?, ?)",
        [(response_id, aspect, value, when) for aspect, value in response.scores.items()],
    )
    return response_id


class Stored(NamedTuple):
    """A response as kept, its client by id (export and import)."""

    id: int
    client_id: int
    at: datetime
    method: str
    respondent: str | None
    comment: str | None
    scores: dict[str, int]
    by: str
    recorded_at: datetime


def stored(conn: sqlite3.Connection) -> Iterator[Stored]:
    """Every response as kept, in id order, its scores in the order written."""

    zone = local_zone()
    for row in conn.execute(
        """SELECT r.id, r.client_id, r.at, r.method, r.respondent, r.comment, r.by,
                  r.recorded_at,
                  (SELECT json_group_array(json_array(aspect, score)) FROM
                     (SELECT aspect, score FROM survey_scores s
                      WHERE s.response_id = r.id ORDER BY s.aspect))
           FROM survey_responses r ORDER BY r.id"""
    ):
        yield Stored(
            row[0],
            row[1],
            from_utc_text(row[2], zone),
            row[3],
            row[4],
            row[5],
            dict(stored_json(row[8])),
            row[6],
            from_utc_text(row[7], zone),
        )


def restore(conn: sqlite3.Connection, response: Stored) -> None:
    """A response as exported, its id kept (IntegrityError when taken)."""
    _write(conn, response, keep_id=True)


class Quarter(NamedTuple):
    """A quarter's counts: what `rules.survey.figures` makes the figures of."""

    responses: int
    satisfied: int
    aspects: list[survey.AspectTally]
    clients: list[survey.ClientTally]
    respondents: dict[str, set[str]]  # client key → respondents' name keys


def quarter(
    conn: sqlite3.Connection, start: datetime, end: datetime, satisfied_min: int
) -> Quarter:
    """The responses given in [start, end), counted per aspect and per client."""
    span = {"start": to_utc_text(start), "end": to_utc_text(end), "min": satisfied_min}
    by_client: list[survey.ClientTally] = []
    respondents: dict[str, set[str]] = {}
    responses = satisfied = 0
    for name, key, n, happy, total, count in conn.execute(
        f"""SELECT counted.name, counted.key, COUNT(*),
                   SUM(r.score_total >= :min * r.score_count),
                   SUM(r.score_total), SUM(r.score_count)
            FROM survey_responses r JOIN clients c ON c.id = r.client_id
            JOIN clients counted ON counted.id = {_COUNTED}
            WHERE r.at >= :start AND r.at < :end
            GROUP BY counted.id""",
        span,
    ):
        by_client.append(survey.ClientTally(name, n, happy, total, count))
        respondents[key] = set()
        responses += n
        satisfied += happy
    for key, respondent in conn.execute(
        f"""SELECT DISTINCT counted.key, r.respondent_key
            FROM survey_responses r JOIN clients c ON c.id = r.client_id
            JOIN clients counted ON counted.id = {_COUNTED}
            WHERE r.at >= :start AND r.at < :end AND r.respondent_key != ''""",
        span,
    ):
        respondents.setdefault(key, set()).add(respondent)
    aspects = [
        survey.AspectTally(*row)
        for row in conn.execute(
            """SELECT aspect, COUNT(*), SUM(score), SUM(score >= :min) FROM survey_scores
               WHERE at >= :start AND at < :end GROUP BY aspect""",
            span,
        )
    ]
    return Quarter(responses, satisfied, aspects, by_client, respondents)


def satisfied_share(
    conn: sqlite3.Connection, start: datetime, end: datetime, satisfied_min: int
) -> tuple[int, int]:
    """(satisfied, responses) in [start, end): the previous quarter's rate."""
    row = conn.execute(
        """SELECT COALESCE(SUM(score_total >= ? * score_count), 0), COUNT(*)
           FROM survey_responses WHERE at >= ? AND at < ?""",
        (satisfied_min, to_utc_text(start), to_utc_text(end)),
    ).fetchone()
    return int(row[0]), int(row[1])


def low_comments(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    aspect: str,
    satisfied_min: int,
    limit: int,
) -> list[str]:
    """The latest comments of responses that scored `aspect` below satisfied."""
    return [
        comment
        for (comment,) in conn.execute(
            """SELECT r.comment FROM survey_scores s
               JOIN survey_responses r ON r.id = s.response_id
               WHERE s.at >= ? AND s.at < ? AND s.aspect = ? AND s.score < ?
                 AND r.comment IS NOT NULL
               ORDER BY s.at DESC, r.id DESC LIMIT ?""",
            (to_utc_text(start), to_utc_text(end), aspect, satisfied_min, limit),
        )
    ]


def plan_clients(conn: sqlite3.Connection) -> list[survey.Client]:
    """Every registered client (none merged away) with a since date."""
    from datetime import date

    return [
        survey.Client(name, date.fromisoformat(since), contact, phone)
        for name, since, contact, phone in conn.execute(
            """SELECT name, since, contact, phone FROM clients
               WHERE merged_into IS NULL AND since IS NOT NULL ORDER BY id"""
        )
    ]


def closed_customer_counts(
    conn: sqlite3.Connection, start: datetime, end: datetime, now: datetime
) -> list[tuple[str | None, str, int]]:
    """How many customers the plan asks for the complaints closed in [start, end), by
    (client key, customer name) of each one's complaint closed last (none when that was
    after now) — the plan's customer rows counted, not drawn (`closed_customers`, then
    `rules.survey.plan`): read off the index complaints_closed alone."""
    return [
        (key, customer, int(n))
        for key, customer, n in conn.execute(
            # Each phone's last closing, (closed_at, id) as one text that sorts as the pair
            # does (a time is 20 characters, an id padded to 13 digits), whose row's client
            # and name SQLite gives with its MAX: one sort, where a window over the pair
            # took a third longer.
            """SELECT org_key, customer, COUNT(*) FROM (
                 SELECT org_key, customer, MAX(closed_at || (1000000000000 + id)) AS last
                 FROM complaints WHERE closed_at >= :start AND closed_at < :end
                 GROUP BY phone_key)
               WHERE substr(last, 1, 20) <= :now GROUP BY org_key, customer""",
            {"start": to_utc_text(start), "end": to_utc_text(end), "now": to_utc_text(now)},
        )
    ]


def closed_customers(
    conn: sqlite3.Connection, start: datetime, end: datetime
) -> list[survey.Customer]:
    """The customers whose complaint was closed in [start, end): per phone, the complaint
    closed last."""
    zone = local_zone()
    return [
        survey.Customer(customer, phone, org, cid, from_utc_text(closed, zone))
        for customer, phone, org, cid, closed in conn.execute(
            """SELECT c.customer, c.phone, c.org, c.id, c.closed_at FROM complaints c
               JOIN (SELECT phone_key, MAX(closed_at) AS last FROM complaints
                     WHERE closed_at >= :start AND closed_at < :end GROUP BY phone_key) k
                 ON k.phone_key = c.phone_key AND c.closed_at = k.last
               WHERE c.closed_at >= :start AND c.closed_at < :end
               ORDER BY c.closed_at, c.id""",
            {"start": to_utc_text(start), "end": to_utc_text(end)},
        )
    ]


class ClientSurvey(NamedTuple):
    """A client's survey responses, all of them (the clients merged into it counted)."""

    responses: int
    satisfied: int  # responses whose mean is satisfied
    total: int  # the sum of every score
    n: int  # how many scores
    last_at: datetime | None


def of_client(conn: sqlite3.Connection, client_id: int, satisfied_min: int) -> ClientSurvey:
    row = conn.execute(
        f"""SELECT COUNT(*), COALESCE(SUM(r.score_total >= :min * r.score_count), 0),
                   COALESCE(SUM(r.score_total), 0), COALESCE(SUM(r.score_count), 0), MAX(r.at)
            FROM survey_responses r JOIN clients c ON c.id = r.client_id
            WHERE {_COUNTED} = :client""",
        {"min": satisfied_min, "client": client_id},
    ).fetchone()
    last = None if row[4] is None else from_utc_text(row[4], local_zone())
    return ClientSurvey(int(row[0]), int(row[1]), int(row[2]), int(row[3]), last)
