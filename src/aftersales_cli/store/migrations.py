"""The schema, as numbered migrations. Never edit one that has shipped: add the next.

Each step is a function registered with sqlite-utils' `Migrations` (which records what
was applied, and when, in `_sqlite_migrations`); `PRAGMA user_version` holds how many
steps a database has, so opening an up-to-date file costs one pragma and no import of
sqlite-utils.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from sqlite_utils import Database

Step = Callable[["Database"], None]


def _statements(*sql: str) -> Step:
    def run(db: Database) -> None:
        for statement in sql:
            db.execute(statement)

    return run


M0001_INITIAL = _statements(
    """
    CREATE TABLE complaints (
        id INTEGER PRIMARY KEY,
        status TEXT NOT NULL,
        received_at TEXT NOT NULL,
        channel TEXT NOT NULL,
        customer TEXT NOT NULL,
        phone TEXT NOT NULL,
        phone_key TEXT NOT NULL,
        org TEXT,
        order_no TEXT,
        product TEXT,
        batch TEXT,
        delivery_date TEXT,
        delivered_at TEXT,
        quantity INTEGER,
        defective INTEGER,
        description TEXT NOT NULL,
        request TEXT,
        people INTEGER NOT NULL DEFAULT 1,
        ill INTEGER NOT NULL DEFAULT 0,
        injured INTEGER NOT NULL DEFAULT 0,
        category TEXT NOT NULL,
        severity TEXT NOT NULL,
        department TEXT,
        assignee TEXT,
        remedy TEXT,
        amount_fen INTEGER,
        cause TEXT,
        ours INTEGER,
        finding TEXT,
        note TEXT,
        supply_value_fen INTEGER,
        price_fen INTEGER,
        loss_fen INTEGER,
        staff TEXT,
        penalty_offence INTEGER,
        penalty_multiplier TEXT,
        penalty_fen INTEGER,
        staff_fine_fen INTEGER,
        statutory_compensation_fen INTEGER,
        incident INTEGER NOT NULL DEFAULT 0,
        satisfaction INTEGER,
        revisit_method TEXT,
        revisit_note TEXT,
        closed_at TEXT,
        reopened_at TEXT,
        reopen_count INTEGER NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE TABLE deadlines (
        complaint_id INTEGER NOT NULL REFERENCES complaints(id),
        milestone TEXT NOT NULL,
        due_at TEXT,
        done_at TEXT,
        extended_from TEXT,
        reason TEXT,
        late INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (complaint_id, milestone)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        complaint_id INTEGER NOT NULL REFERENCES complaints(id),
        at TEXT NOT NULL,
        by TEXT NOT NULL,
        action TEXT NOT NULL,
        changes TEXT NOT NULL,
        note TEXT
    )
    """,
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE INDEX events_by_complaint ON events (complaint_id, id)",
    "CREATE INDEX complaints_by_received ON complaints (received_at)",
    "CREATE INDEX complaints_by_phone ON complaints (phone_key, received_at)",
    "CREATE INDEX complaints_by_batch ON complaints (batch, received_at) WHERE batch IS NOT NULL",
    """CREATE INDEX complaints_by_product_day ON complaints (product, delivery_date)
       WHERE product IS NOT NULL AND delivery_date IS NOT NULL""",
    """CREATE INDEX complaints_offences ON complaints (org, received_at)
       WHERE penalty_offence IS NOT NULL""",
    """CREATE INDEX complaints_open ON complaints (status)
       WHERE status IN ('new', 'classified', 'assigned', 'reopened', 'closed')""",
    """CREATE INDEX deadlines_pending ON deadlines (due_at)
       WHERE done_at IS NULL AND due_at IS NOT NULL""",
    # Nothing is deleted; the history is append-only.
    """CREATE TRIGGER complaints_never_deleted BEFORE DELETE ON complaints
       BEGIN SELECT RAISE(ABORT, 'complaints are never deleted'); END""",
    """CREATE TRIGGER events_never_deleted BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'the history is never deleted'); END""",
    """CREATE TRIGGER events_never_changed BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'the history is never changed'); END""",
)

M0002_BREACHES = _statements(
    # A `breached` event is written once per milestone: this remembers that it was.
    "ALTER TABLE deadlines ADD COLUMN breach_noted INTEGER NOT NULL DEFAULT 0",
    # When an urgent complaint went overdue and was escalated to management.
    "ALTER TABLE complaints ADD COLUMN escalated_at TEXT",
)

_BIT = (
    "CASE d.milestone WHEN 'contact' THEN 1 WHEN 'plan' THEN 2 WHEN 'investigation' "
    "THEN 4 WHEN 'resolution' THEN 8 WHEN 'revisit' THEN 16 END"
)

M0003_REPORT_FIGURES = _statements(
    # What reports add up, kept on the complaint row by every write (derived from its
    # deadlines and times), so that a quarter is summed from indexes alone.
    "ALTER TABLE complaints ADD COLUMN contact_minutes INTEGER",
    "ALTER TABLE complaints ADD COLUMN handling_minutes INTEGER",
    "ALTER TABLE complaints ADD COLUMN met_mask INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE complaints ADD COLUMN breached_mask INTEGER NOT NULL DEFAULT 0",
    # Minutes since the same phone complained in the same category (the repeat KPI).
    "ALTER TABLE complaints ADD COLUMN same_gap_minutes INTEGER",
    """UPDATE complaints SET
         contact_minutes = (
           SELECT CAST((julianday(d.done_at) - julianday(complaints.received_at)) * 1440
                       AS INTEGER)
           FROM deadlines d WHERE d.complaint_id = complaints.id AND d.milestone = 'contact'),
         handling_minutes = CAST((julianday(closed_at) - julianday(received_at)) * 1440
                                 AS INTEGER),
         met_mask = (SELECT COALESCE(SUM("""
    + _BIT
    + """), 0) FROM deadlines d
                     WHERE d.complaint_id = complaints.id AND d.due_at IS NOT NULL
                       AND d.done_at IS NOT NULL AND d.late = 0 AND d.done_at <= d.due_at),
         breached_mask = (SELECT COALESCE(SUM("""
    + _BIT
    + """), 0) FROM deadlines d
                          WHERE d.complaint_id = complaints.id AND d.due_at IS NOT NULL
                            AND (d.late = 1 OR d.done_at > d.due_at))""",
    "DROP INDEX complaints_by_phone",
    "CREATE INDEX complaints_by_phone ON complaints (phone_key, category, received_at)",
    """UPDATE complaints SET same_gap_minutes = (
         SELECT CAST((julianday(complaints.received_at) - julianday(p.received_at)) * 1440
                     AS INTEGER)
         FROM complaints p
         WHERE p.phone_key = complaints.phone_key AND p.category = complaints.category
           AND (p.received_at < complaints.received_at
                OR (p.received_at = complaints.received_at AND p.id < complaints.id))
         ORDER BY p.received_at DESC, p.id DESC LIMIT 1)""",
    # Indexes the reports read instead of the table: the KPIs of a period...
    "DROP INDEX complaints_by_received",
    """CREATE INDEX complaints_by_received ON complaints (received_at, severity, phone_key,
         handling_minutes)""",
    # ...its distributions, each read value by value (a skip-scan once analysed)...
    "CREATE INDEX complaints_by_category ON complaints (category, received_at)",
    "CREATE INDEX complaints_by_channel ON complaints (channel, received_at)",
    "CREATE INDEX complaints_by_org ON complaints (org, received_at)",
    # (the KPIs and the on-time table are summed per severity, in one pass)
    """CREATE INDEX complaints_by_severity ON complaints (severity, received_at, status,
         satisfaction, contact_minutes, handling_minutes, same_gap_minutes, met_mask,
         breached_mask)""",
    """CREATE INDEX complaints_by_cause ON complaints (cause, received_at, ours)
         WHERE cause IS NOT NULL""",
    # ...responsibility by department and person...
    """CREATE INDEX complaints_by_department ON complaints (department, assignee, received_at,
         status, ours, breached_mask, penalty_fen)""",
    # ...batch clusters by product and delivery day...
    "DROP INDEX complaints_by_product_day",
    """CREATE INDEX complaints_by_product_day ON complaints (product, delivery_date, received_at)
       WHERE product IS NOT NULL AND delivery_date IS NOT NULL""",
    # ...what is overdue, and whether cron has written its breach yet...
    "DROP INDEX deadlines_pending",
    """CREATE INDEX deadlines_pending ON deadlines (due_at, breach_noted, late)
       WHERE done_at IS NULL AND due_at IS NOT NULL""",
    # ...and the money: penalties, fines, compensation, incidents.
    """CREATE INDEX complaints_money ON complaints (received_at, org, penalty_offence,
         penalty_multiplier, penalty_fen, staff_fine_fen, staff, amount_fen,
         statutory_compensation_fen, incident)
       WHERE amount_fen IS NOT NULL OR penalty_fen IS NOT NULL OR staff_fine_fen IS NOT NULL
          OR statutory_compensation_fen IS NOT NULL OR incident = 1""",
)

# Stamped into every aftersales database (`PRAGMA application_id`, "AFSL"), so that the
# tool knows its own files and leaves any other application's SQLite file untouched.
APPLICATION_ID = 0x4146534C

M0004_APPLICATION_ID = _statements(f"PRAGMA application_id = {APPLICATION_ID}")


def _supply_event_and_ledger(db: Database) -> None:
    """0005: the ledger of fines, staff fines and payments, and what a fine's supply event
    is looked up by. Every figure the complaints held becomes an entry, so that an
    existing database's report totals do not change."""
    for statement in (
        "ALTER TABLE complaints ADD COLUMN remedies TEXT",
        # the supply event (client, delivery day, batch or product) of a case, as keyed by
        # rules.supply.event_key; indexed only where a finding makes it count
        "ALTER TABLE complaints ADD COLUMN supply_event TEXT",
        """CREATE TABLE ledger (
            id INTEGER PRIMARY KEY,
            complaint_id INTEGER NOT NULL REFERENCES complaints(id),
            kind TEXT NOT NULL CHECK (kind IN ('fine', 'staff_fine', 'payment')),
            payment_kind TEXT,
            amount_fen INTEGER NOT NULL,
            reason TEXT,
            by TEXT NOT NULL,
            at TEXT NOT NULL,
            reverses INTEGER REFERENCES ledger(id),
            event TEXT,
            offence INTEGER,
            multiplier TEXT,
            staff TEXT
        )""",
        "CREATE INDEX ledger_by_complaint ON ledger (complaint_id, kind, payment_kind, amount_fen)",
        "CREATE INDEX ledger_by_event ON ledger (event) WHERE event IS NOT NULL",
        "CREATE INDEX ledger_reversed ON ledger (reverses) WHERE reverses IS NOT NULL",
        """CREATE INDEX complaints_by_supply_event ON complaints (supply_event)
           WHERE supply_event IS NOT NULL AND finding IS NOT NULL AND ours = 1""",
        """CREATE TRIGGER ledger_never_deleted BEFORE DELETE ON ledger
           BEGIN SELECT RAISE(ABORT, 'the ledger is never deleted'); END""",
        """CREATE TRIGGER ledger_never_changed BEFORE UPDATE ON ledger
           BEGIN SELECT RAISE(ABORT, 'a ledger entry is never changed; reverse it'); END""",
        "UPDATE complaints SET remedies = remedy WHERE remedy IS NOT NULL",
    ):
        db.execute(statement)
    from aftersales_cli.store.ledger import backfill

    backfill(db.conn, "migration", "recorded before the ledger (migration 0005)")


M0005_LEDGER: Step = _supply_event_and_ledger


def M0006_CLIENT_KEYS(db: Database) -> None:  # noqa: N802 - named like the other steps
    """Phones compared as digits (`0086 139…` and `+86 10 …` now match their national
    form: the keys that change are rewritten, and the repeat figures of both the old and
    the new key recomputed); clients compared by `client_key(org)`, with the minutes since
    the client's previous complaint in the same category (the client repeat figure)."""
    from aftersales_cli.rules.fields import client_key, phone_key

    conn = db.conn
    conn.create_function("aftersales_phone_key", 1, phone_key, deterministic=True)
    # (a few thousand clients among a million complaints: each name normalised once)
    conn.create_function(
        "aftersales_client_key", 1, lru_cache(maxsize=1 << 16)(client_key), deterministic=True
    )
    # one pass over the phones: the complaints whose key changes, with both keys
    conn.execute(
        """CREATE TEMP TABLE rekeyed AS
           WITH k AS MATERIALIZED (
             SELECT id, phone_key AS old, aftersales_phone_key(phone) AS new FROM complaints)
           SELECT id, old, new FROM k WHERE old != new"""
    )
    conn.execute(
        """UPDATE complaints SET phone_key = (SELECT new FROM rekeyed r WHERE r.id = complaints.id)
           WHERE id IN (SELECT id FROM rekeyed)"""
    )
    conn.execute(
        """UPDATE complaints SET same_gap_minutes = (
             SELECT CAST((julianday(complaints.received_at) - julianday(p.received_at)) * 1440
                         AS INTEGER)
             FROM complaints p
             WHERE p.phone_key = complaints.phone_key AND p.category = complaints.category
               AND (p.received_at < complaints.received_at
                    OR (p.received_at = complaints.received_at AND p.id < complaints.id))
             ORDER BY p.received_at DESC, p.id DESC LIMIT 1)
           WHERE phone_key IN (SELECT old FROM rekeyed UNION SELECT new FROM rekeyed)"""
    )
    conn.execute("DROP TABLE rekeyed")
    for statement in (
        "ALTER TABLE complaints ADD COLUMN org_key TEXT",
        "ALTER TABLE complaints ADD COLUMN client_gap_minutes INTEGER",
        "UPDATE complaints SET org_key = aftersales_client_key(org) WHERE org IS NOT NULL",
        # a client's complaints in a category (client repeats, at intake and kept)
        """CREATE INDEX complaints_by_client ON complaints (org_key, category, received_at)
           WHERE org_key IS NOT NULL""",
        # minutes since the client's previous complaint in the category: one sorted pass
        """WITH g AS (
             SELECT id, CAST((julianday(received_at) - julianday(LAG(received_at) OVER (
                               PARTITION BY org_key, category ORDER BY received_at, id)))
                             * 1440 AS INTEGER) AS gap
             FROM complaints WHERE org_key IS NOT NULL)
           UPDATE complaints SET client_gap_minutes = g.gap FROM g
           WHERE g.id = complaints.id AND g.gap IS NOT NULL""",
        # the report's client repeats of a period...
        """CREATE INDEX complaints_client_repeats ON complaints (received_at, client_gap_minutes)
           WHERE client_gap_minutes IS NOT NULL""",
        # ...and its client clusters: complaints of a category per client and local day
        """CREATE INDEX complaints_client_day ON complaints (category, received_at, org_key)
           WHERE org_key IS NOT NULL""",
    ):
        conn.execute(statement)


M0007_REVIEW_INDEX = _statements(
    # The monthly review (and the distribution by department) read one index, cause by
    # cause: charged by cause, viewed by handler and by person (reports.review). It takes
    # the place of complaints_by_department, whose penalty column the ledger replaced.
    "DROP INDEX complaints_by_department",
    """CREATE INDEX complaints_review ON complaints (cause, department, assignee, received_at,
         status, ours, breached_mask)""",
)


def M0008_TEXT_INDEX(db: Database) -> None:  # noqa: N802 - named like the other steps
    """The text index `list --text` reads (`store.fulltext`): each complaint's searchable
    texts and each history note as character bigrams, one token per two-character window
    (UTF-8 hex, ASCII lowered), in two contentless FTS5 tables — built here from every
    complaint and note the database already holds."""
    for statement in (
        """CREATE VIRTUAL TABLE search_cases USING fts5(
             terms, content = '', tokenize = 'unicode61')""",
        """CREATE VIRTUAL TABLE search_notes USING fts5(
             terms, content = '', tokenize = 'unicode61')""",
    ):
        db.execute(statement)
    from aftersales_cli.store.fulltext import rebuild

    rebuild(db.conn)


M0009_WHOLE_MULTIPLIERS = _statements(
    # The penalty multiplier was TEXT, which sorts "10" before "2": now an INTEGER, in the
    # complaint's row and in the ledger. SQLite cannot change a column's type, so each is
    # renamed, a new INTEGER column takes its values (the column's affinity makes "2" the
    # number 2; a fractional multiple of an older rules file stays a number, 1.5) and the
    # old one is dropped. The ledger's update guard steps aside for the copy, and is back
    # before the step commits.
    "DROP INDEX complaints_money",
    "ALTER TABLE complaints RENAME COLUMN penalty_multiplier TO penalty_multiplier_text",
    "ALTER TABLE complaints ADD COLUMN penalty_multiplier INTEGER",
    """UPDATE complaints SET penalty_multiplier = penalty_multiplier_text
       WHERE penalty_multiplier_text IS NOT NULL""",
    "ALTER TABLE complaints DROP COLUMN penalty_multiplier_text",
    """CREATE INDEX complaints_money ON complaints (received_at, org, penalty_offence,
         penalty_multiplier, penalty_fen, staff_fine_fen, staff, amount_fen,
         statutory_compensation_fen, incident)
       WHERE amount_fen IS NOT NULL OR penalty_fen IS NOT NULL OR staff_fine_fen IS NOT NULL
          OR statutory_compensation_fen IS NOT NULL OR incident = 1""",
    "DROP TRIGGER ledger_never_changed",
    "ALTER TABLE ledger RENAME COLUMN multiplier TO multiplier_text",
    "ALTER TABLE ledger ADD COLUMN multiplier INTEGER",
    "UPDATE ledger SET multiplier = multiplier_text WHERE multiplier_text IS NOT NULL",
    "ALTER TABLE ledger DROP COLUMN multiplier_text",
    """CREATE TRIGGER ledger_never_changed BEFORE UPDATE ON ledger
       BEGIN SELECT RAISE(ABORT, 'a ledger entry is never changed; reverse it'); END""",
)

M0010_NOTES = _statements(
    # When the latest progress note (`aftersales note`) was recorded; the notes themselves
    # are history entries (action `note`, their kind as `note.kind`).
    "ALTER TABLE complaints ADD COLUMN last_note_at TEXT",
)

# The policy's durations as this migration shipped them (a migration never follows the
# rules file; `aftersales rules` shows what later cases get): forward by severity,
# QC's sample and lab report on its categories, the confirmation after investigation.
_0011_FORWARD_MINUTES = {"urgent": 15, "general": 60, "non_urgent": 24 * 60}
_0011_QC_MINUTES = {"sample": 24 * 60, "lab_report": 48 * 60}
_0011_QC_CATEGORIES = ("food_safety", "illness", "foreign_object")
_0011_CONFIRM_MINUTES = 60


def M0011_MILESTONES(db: Database) -> None:  # noqa: N802 - named like the other steps
    """The whole loop of policy 004: every complaint gets a deadline row for forward,
    sample, lab_report and confirm. Closed ones keep what they had (the new milestones do
    not apply to them); an open one gets each that applies whose due still lies ahead —
    one whose due has passed already is not applicable, never breached. A forward due
    ahead on a case already assigned was met at its first `assign`."""
    from datetime import timedelta

    from aftersales_cli.clock import from_utc_text, now, to_utc_text

    conn = db.conn
    moment = now()
    conn.execute(
        """INSERT INTO deadlines (complaint_id, milestone)
           SELECT c.id, m.name FROM complaints c,
             (SELECT 'forward' AS name UNION ALL SELECT 'sample' UNION ALL
              SELECT 'lab_report' UNION ALL SELECT 'confirm') m
           WHERE true
           ON CONFLICT (complaint_id, milestone) DO NOTHING"""
    )
    open_cases = conn.execute(
        """SELECT c.id, c.received_at, c.severity, c.category,
             (SELECT e.at FROM events e WHERE e.complaint_id = c.id AND e.action = 'assign'
              ORDER BY e.id LIMIT 1),
             (SELECT d.done_at FROM deadlines d WHERE d.complaint_id = c.id
                AND d.milestone = 'investigation')
           FROM complaints c WHERE c.status IN ('new', 'classified', 'assigned', 'reopened')"""
    ).fetchall()
    for cid, received_text, severity, category, assigned, investigated in open_cases:
        received = from_utc_text(received_text)
        dues: dict[str, tuple[datetime, str | None]] = {}
        if severity in _0011_FORWARD_MINUTES:
            forward = received + timedelta(minutes=_0011_FORWARD_MINUTES[severity])
            dues["forward"] = (forward, assigned)
        if category in _0011_QC_CATEGORIES:
            for name, minutes in _0011_QC_MINUTES.items():
                dues[name] = (received + timedelta(minutes=minutes), None)
        if investigated is not None:
            confirm = from_utc_text(investigated) + timedelta(minutes=_0011_CONFIRM_MINUTES)
            dues["confirm"] = (confirm, None)
        for name, (due, done) in dues.items():
            if due < moment:
                continue  # already past at migration: not applicable, never breached
            conn.execute(
                """UPDATE deadlines SET due_at = ?, done_at = ?
                   WHERE complaint_id = ? AND milestone = ?""",
                (to_utc_text(due), done, cid, name),
            )
            if done is not None:  # met (done before a due still ahead): the report's mask
                conn.execute("UPDATE complaints SET met_mask = met_mask | 32 WHERE id = ?", (cid,))


M0012_ILLNESS_DETAILS = _statements(
    # Policy 003's illness details, taken down at intake (or corrected by `edit`): the
    # symptoms, when they began, how much was eaten, whether anyone went to hospital.
    "ALTER TABLE complaints ADD COLUMN symptoms TEXT",
    "ALTER TABLE complaints ADD COLUMN onset_at TEXT",
    "ALTER TABLE complaints ADD COLUMN eaten TEXT",
    "ALTER TABLE complaints ADD COLUMN hospital INTEGER NOT NULL DEFAULT 0",
    # the report's illness table: the ill cases of a period, per client, off one index
    """CREATE INDEX complaints_illness ON complaints (received_at, org, people, hospital, ill)
       WHERE ill = 1""",
)


M0013_ACTIONS = _statements(
    # Corrective actions (整改): one row each, moved on by `action done` and `action
    # verify`; their history is their complaint's (entries naming `actions.ID.FIELD`).
    """CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        complaint_id INTEGER NOT NULL REFERENCES complaints(id),
        text TEXT NOT NULL,
        department TEXT NOT NULL,
        owner TEXT,
        due_at TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        by TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'verified')),
        done_at TEXT,
        verified_at TEXT,
        breach_noted INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX actions_by_complaint ON actions (complaint_id, id)",
    # what `overdue` reads: the open ones by due time (a few among a million complaints)
    "CREATE INDEX actions_open ON actions (due_at, breach_noted) WHERE state = 'open'",
    # the report's table: opened in a period, per department
    "CREATE INDEX actions_by_opened ON actions (opened_at, department)",
    """CREATE TRIGGER actions_never_deleted BEFORE DELETE ON actions
       BEGIN SELECT RAISE(ABORT, 'corrective actions are never deleted'); END""",
    # What was said when it was opened never changes; it only moves on: open, done, verified.
    """CREATE TRIGGER actions_only_move_on BEFORE UPDATE ON actions
       WHEN NEW.id IS NOT OLD.id OR NEW.complaint_id IS NOT OLD.complaint_id
         OR NEW.text IS NOT OLD.text OR NEW.department IS NOT OLD.department
         OR NEW.owner IS NOT OLD.owner OR NEW.due_at IS NOT OLD.due_at
         OR NEW.opened_at IS NOT OLD.opened_at OR NEW.by IS NOT OLD.by
         OR (OLD.done_at IS NOT NULL AND NEW.done_at IS NOT OLD.done_at)
         OR (OLD.verified_at IS NOT NULL AND NEW.verified_at IS NOT OLD.verified_at)
         OR (OLD.breach_noted = 1 AND NEW.breach_noted = 0)
         OR (OLD.state = 'done' AND NEW.state = 'open')
         OR (OLD.state = 'verified' AND NEW.state != 'verified')
       BEGIN SELECT RAISE(ABORT, 'a corrective action only moves on: open, done, verified'); END""",
)


M0014_ATTACHMENTS = _statements(
    # Evidence kept with a case (photos, video stills, lab reports, scans), numbered from 1
    # within each case. A table of its own: nothing that lists, reports or finds what is
    # overdue reads it. The content comes last in the row, so that reading the other
    # columns never reads the file; `sha256` (hex) and `size` are what `check` and
    # `attachment` verify it against. Like the history and the ledger, never changed and
    # never deleted.
    """CREATE TABLE attachments (
        id INTEGER PRIMARY KEY,
        complaint_id INTEGER NOT NULL REFERENCES complaints(id),
        number INTEGER NOT NULL CHECK (number >= 1),
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 1),
        sha256 TEXT NOT NULL,
        by TEXT NOT NULL,
        at TEXT NOT NULL,
        note TEXT,
        content BLOB NOT NULL,
        UNIQUE (complaint_id, number)
    )""",
    """CREATE TRIGGER attachments_never_deleted BEFORE DELETE ON attachments
       BEGIN SELECT RAISE(ABORT, 'attachments are never deleted'); END""",
    """CREATE TRIGGER attachments_never_changed BEFORE UPDATE ON attachments
       BEGIN SELECT RAISE(ABORT, 'an attachment is never changed; attach a new one'); END""",
)


def M0015_CLIENTS(db: Database) -> None:  # noqa: N802 - named like the other steps
    """The client registry (issue 13): clients, the aliases they are also known by, and
    their history — built from the complaints on file: each distinct client key
    (`org_key`'s normalisation) one client, named as its earliest complaint spelled it, a
    client since the local day of that complaint, registered by intake. Set-based: the
    names are read off the `complaints_by_org` index, one row per spelling."""
    from aftersales_cli.clock import from_utc_text, local_zone, now, to_utc_text
    from aftersales_cli.rules.fields import client_key

    conn = db.conn
    zone = local_zone()
    conn.create_function("aftersales_client_key", 1, client_key, deterministic=True)
    conn.create_function(
        "aftersales_local_day",
        1,
        lambda text: from_utc_text(text, zone).date().isoformat(),
        deterministic=True,
    )
    for statement in (
        """CREATE TABLE clients (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            key TEXT NOT NULL UNIQUE,
            kind TEXT CHECK (kind IN ('school', 'office', 'canteen', 'other')),
            since TEXT,
            key_account INTEGER NOT NULL DEFAULT 0 CHECK (key_account IN (0, 1)),
            contact TEXT,
            phone TEXT,
            registered_by TEXT NOT NULL CHECK (registered_by IN ('operator', 'intake')),
            created_at TEXT NOT NULL,
            merged_into INTEGER REFERENCES clients(id)
        )""",
        # Every other name a client is known by (a merged client's name among them): a key
        # is one client's, as a name or as an alias — `client` checks it, `check` too.
        """CREATE TABLE client_aliases (
            key TEXT PRIMARY KEY,
            alias TEXT NOT NULL,
            client_id INTEGER NOT NULL REFERENCES clients(id)
        )""",
        "CREATE INDEX client_aliases_by_client ON client_aliases (client_id)",
        # A client's history, as a complaint's: what changed (old → new), who, when.
        """CREATE TABLE client_events (
            id INTEGER PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients(id),
            at TEXT NOT NULL,
            by TEXT NOT NULL,
            action TEXT NOT NULL,
            changes TEXT NOT NULL,
            note TEXT
        )""",
        "CREATE INDEX client_events_by_client ON client_events (client_id, id)",
        """CREATE TRIGGER clients_never_deleted BEFORE DELETE ON clients
           BEGIN SELECT RAISE(ABORT, 'clients are never deleted; merge them'); END""",
        """CREATE TRIGGER client_aliases_never_deleted BEFORE DELETE ON client_aliases
           BEGIN SELECT RAISE(ABORT, 'aliases are never deleted'); END""",
        """CREATE TRIGGER client_events_never_deleted BEFORE DELETE ON client_events
           BEGIN SELECT RAISE(ABORT, 'the history is never deleted'); END""",
        """CREATE TRIGGER client_events_never_changed BEFORE UPDATE ON client_events
           BEGIN SELECT RAISE(ABORT, 'the history is never changed'); END""",
    ):
        conn.execute(statement)
    at = to_utc_text(now())
    conn.execute(
        """INSERT INTO clients (name, key, since, registered_by, created_at)
           SELECT org, key, aftersales_local_day(first), 'intake', :at FROM (
             SELECT key, org, first,
                    ROW_NUMBER() OVER (PARTITION BY key ORDER BY first, org) AS n FROM (
               SELECT aftersales_client_key(org) AS key, org, MIN(received_at) AS first
               FROM complaints WHERE org IS NOT NULL GROUP BY org))
           WHERE n = 1 AND key IS NOT NULL ORDER BY first, key""",
        {"at": at},
    )
    conn.execute(
        """INSERT INTO client_events (client_id, at, by, action, changes, note)
           SELECT id, created_at, 'migration', 'register',
                  json_object('name', json_array(NULL, name), 'since', json_array(NULL, since),
                              'registered_by', json_array(NULL, registered_by)),
                  'registered from the complaints on file (migration 0015)'
           FROM clients ORDER BY id"""
    )


M0016_SURVEY = _statements(
    # The quarterly satisfaction survey (issue 13): one row per response, of a registered
    # client; its scores one row per aspect (the aspects live in the rules file, so they
    # are rows, not columns). A response keeps the sum and count of its scores, so that
    # whether it is satisfied is one comparison; a score keeps its response's time, so a
    # quarter's aspects are one range of an index. Never changed, never deleted.
    """CREATE TABLE survey_responses (
        id INTEGER PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients(id),
        at TEXT NOT NULL,
        method TEXT NOT NULL CHECK (method IN ('phone', 'questionnaire', 'online')),
        respondent TEXT,
        respondent_key TEXT,
        comment TEXT,
        score_total INTEGER NOT NULL CHECK (score_total >= score_count),
        score_count INTEGER NOT NULL CHECK (score_count >= 1),
        by TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    )""",
    """CREATE INDEX survey_responses_by_time
       ON survey_responses (at, client_id, score_total, score_count, respondent_key)""",
    """CREATE TABLE survey_scores (
        response_id INTEGER NOT NULL REFERENCES survey_responses(id),
        aspect TEXT NOT NULL,
        score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
        at TEXT NOT NULL,
        PRIMARY KEY (response_id, aspect)
    ) WITHOUT ROWID""",
    "CREATE INDEX survey_scores_by_time ON survey_scores (at, aspect, score)",
    # Who to ask: the customers whose complaint was closed in a quarter.
    """CREATE INDEX complaints_closed ON complaints (closed_at, phone_key)
       WHERE closed_at IS NOT NULL""",
    """CREATE TRIGGER survey_responses_never_deleted BEFORE DELETE ON survey_responses
       BEGIN SELECT RAISE(ABORT, 'survey responses are never deleted'); END""",
    """CREATE TRIGGER survey_responses_never_changed BEFORE UPDATE ON survey_responses
       BEGIN SELECT RAISE(ABORT, 'a survey response is never changed'); END""",
    """CREATE TRIGGER survey_scores_never_deleted BEFORE DELETE ON survey_scores
       BEGIN SELECT RAISE(ABORT, 'survey scores are never deleted'); END""",
    """CREATE TRIGGER survey_scores_never_changed BEFORE UPDATE ON survey_scores
       BEGIN SELECT RAISE(ABORT, 'a survey score is never changed'); END""",
)


M0017_OPEN_BY_CLIENT = _statements(
    # A client's open cases, as `log` shows them after taking a complaint down and
    # `client show` lists them: a few rows of a small partial index, whatever the client's
    # history (the query repeats the condition, so that the planner may use it).
    """CREATE INDEX complaints_open_by_client ON complaints (org_key, received_at)
       WHERE status IN ('new', 'classified', 'assigned', 'reopened')""",
)


def M0019_CLIENT_AND_SURVEY_FIGURES(db: Database) -> None:  # noqa: N802 - named like the others
    """Two indexes made covering (issue 13's speed):

    - `client show` counts a client's complaints by category and status with their
      revisit scores: read off complaints_by_client alone (a large client has tens of
      thousands of them, a table lookup each otherwise) — the same index, two columns
      longer;
    - the survey's plan of a quarter asks each customer whose complaint was closed in it
      (a hundred thousand at a million complaints): their client and name, read off
      complaints_closed alone.

    The planner's statistics of both are taken again when the database keeps any (the
    dropped indexes' went with them; sampled, as `db.keep_statistics` takes them)."""
    conn = db.conn
    for statement in (
        "DROP INDEX complaints_by_client",
        """CREATE INDEX complaints_by_client
           ON complaints (org_key, category, received_at, status, satisfaction)
           WHERE org_key IS NOT NULL""",
        "DROP INDEX complaints_closed",
        """CREATE INDEX complaints_closed ON complaints (closed_at, phone_key, org_key, customer)
           WHERE closed_at IS NOT NULL""",
    ):
        conn.execute(statement)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        conn.execute("PRAGMA analysis_limit = 400")
        conn.execute("ANALYZE complaints_by_client")
        conn.execute("ANALYZE complaints_closed")


# In order; a database's `user_version` is how many of these it has.
M0018_ACTION_SURVEY_ASPECT = _statements(
    # A corrective action may be the improvement measure of a survey aspect (its key, from
    # the rules' [survey] aspects); said when it is opened, never changed after.
    "ALTER TABLE actions ADD COLUMN survey_aspect TEXT",
    # what the survey's low aspects read: the actions opened for an aspect in a quarter
    """CREATE INDEX actions_by_survey_aspect ON actions (survey_aspect, opened_at)
       WHERE survey_aspect IS NOT NULL""",
    """CREATE TRIGGER actions_survey_aspect_kept BEFORE UPDATE OF survey_aspect ON actions
       WHEN NEW.survey_aspect IS NOT OLD.survey_aspect
       BEGIN SELECT RAISE(ABORT, 'a corrective action only moves on: open, done, verified'); END""",
)

M0020_BUSINESS_TIME = _statements(
    # How a business-time due was counted (issue 14): JSON — its start (UTC text), the
    # working time, the days off skipped, the make-up workdays counted, the years without
    # official data, the working minutes pauses moved it by; NULL on a 24/7 clock.
    "ALTER TABLE deadlines ADD COLUMN counting TEXT",
    # A pause (`aftersales pause`): since when and why, when it has lasted too long, up
    # to when the pending deadlines were moved for it, and the minutes of pauses over.
    "ALTER TABLE complaints ADD COLUMN paused_at TEXT",
    "ALTER TABLE complaints ADD COLUMN pause_reason TEXT",
    "ALTER TABLE complaints ADD COLUMN pause_limit_at TEXT",
    "ALTER TABLE complaints ADD COLUMN pause_applied_at TEXT",
    "ALTER TABLE complaints ADD COLUMN paused_minutes INTEGER NOT NULL DEFAULT 0",
    # what `overdue` reads: the paused cases, by when they have been paused too long
    """CREATE INDEX complaints_paused ON complaints (pause_limit_at)
       WHERE paused_at IS NOT NULL""",
)

M0021_PAUSED_TIME = _statements(
    # what the report reads for its paused time: only the complaints ever paused, by
    # when they were received (the condition is reports.queries.PAUSED_ROWS, word for word)
    """CREATE INDEX complaints_paused_time ON complaints (received_at, paused_minutes,
       paused_at, pause_applied_at) WHERE paused_minutes > 0 OR paused_at IS NOT NULL""",
)


STEPS: tuple[tuple[str, Step], ...] = (
    ("0001_initial", M0001_INITIAL),
    ("0002_breaches", M0002_BREACHES),
    ("0003_report_figures", M0003_REPORT_FIGURES),
    ("0004_application_id", M0004_APPLICATION_ID),
    ("0005_ledger", M0005_LEDGER),
    ("0006_client_keys", M0006_CLIENT_KEYS),
    ("0007_review_index", M0007_REVIEW_INDEX),
    ("0008_text_index", M0008_TEXT_INDEX),
    ("0009_whole_multipliers", M0009_WHOLE_MULTIPLIERS),
    ("0010_notes", M0010_NOTES),
    ("0011_milestones", M0011_MILESTONES),
    ("0012_illness_details", M0012_ILLNESS_DETAILS),
    ("0013_actions", M0013_ACTIONS),
    ("0014_attachments", M0014_ATTACHMENTS),
    ("0015_clients", M0015_CLIENTS),
    ("0016_survey", M0016_SURVEY),
    ("0017_open_by_client", M0017_OPEN_BY_CLIENT),
    ("0018_action_survey_aspect", M0018_ACTION_SURVEY_ASPECT),
    ("0019_client_and_survey_figures", M0019_CLIENT_AND_SURVEY_FIGURES),
    ("0020_business_time", M0020_BUSINESS_TIME),
    ("0021_paused_time", M0021_PAUSED_TIME),
)

SCHEMA_VERSION = len(STEPS)


def apply(db: Database) -> None:
    """Apply the steps this database lacks (the caller holds the write lock)."""
    from sqlite_utils.migrations import Migrations

    migrations = Migrations("aftersales")
    for name, step in STEPS:
        migrations(name=name)(step)
    migrations.apply(db)
