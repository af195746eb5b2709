"""`list --text` through the text index: exactly what a substring match finds, at index
speed — the newest first, in notes too, one character by reading every complaint."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from conftest import Run, ok
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales_cli.rules.case import Case
from aftersales_cli.rules.fields import phone_key
from aftersales_cli.store import complaints as store
from aftersales_cli.store import events, fulltext, health, search
from aftersales_cli.store.db import open_db, transaction

# Chinese, Latin in both cases, digits, punctuation (some of it LIKE's own), spaces.
CHARS = "馊味腹泻头发王老师实验小学米饭偏硬aAbBzZé0123-_%.,()+ ，。！"
texts = st.text(alphabet=CHARS, max_size=14)
optional = st.none() | texts
phones = st.text(alphabet="0123456789 -+()", min_size=1, max_size=16)


def fold(text: str) -> str:
    """ASCII letters lowered, nothing else: how SQLite's LIKE compares."""
    return "".join(c.lower() if c.isascii() else c for c in text)


def substring_scan(conn: sqlite3.Connection, query: str) -> list[int]:
    """The ids a plain substring match finds: the complaint's texts and its notes, and a
    query written like a phone against the digits of every phone."""
    digits = search.phone_digits(query)
    found = []
    for row in conn.execute("SELECT * FROM complaints ORDER BY id"):
        notes = [
            n
            for (n,) in conn.execute("SELECT note FROM events WHERE complaint_id = ?", [row["id"]])
        ]
        held = [row[f] for f in search.TEXT_FIELDS] + notes
        if any(t is not None and fold(query) in fold(t) for t in held) or (
            digits and digits in phone_key(row["phone"])
        ):
            found.append(row["id"])
    return found


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "description": draw(texts.filter(bool)),
        "customer": draw(texts.filter(bool)),
        "phone": draw(phones),
        **{f: draw(optional) for f in ("org", "product", "batch", "order_no", "request", "note")},
        "notes": draw(st.lists(optional, max_size=2)),
        "edit": draw(st.none() | texts.filter(bool)),
    }


def store_all(conn: sqlite3.Connection, drawn: list[dict[str, Any]]) -> None:
    """Through the store's own writes: insert, append notes, edit a description."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with transaction(conn):
        for n, values in enumerate(drawn):
            at = start + timedelta(hours=n)
            fields = {k: v for k, v in values.items() if k not in ("notes", "edit")}
            case = store.insert(
                conn,
                Case(
                    received_at=at, channel="online", category="other", severity="general", **fields
                ),
                by="t",
                at=at,
                note=values["notes"][0] if values["notes"] else None,
            )
            for note in values["notes"][1:]:
                events.append(conn, case.id or 0, at, "t", "note", "{}", note)
            if values["edit"] is not None:
                edited = Case(**{**case.__dict__, "description": values["edit"]})
                store.update(conn, case, edited, action="edit", by="t", at=at)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    drawn=st.lists(cases(), min_size=1, max_size=6),
    queries=st.lists(texts.filter(lambda t: 1 <= len(t) <= 6), min_size=1, max_size=4),
    picks=st.lists(
        st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(1, 6), st.booleans()),
        max_size=4,
    ),
)
def test_the_indexed_search_finds_exactly_what_a_substring_scan_finds(
    drawn: list[dict[str, Any]], queries: list[str], picks: list[tuple[int, int, int, bool]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        conn = open_db(Path(folder) / "t.db")
        conn.row_factory = sqlite3.Row
        store_all(conn, drawn)
        # queries drawn at random, and pieces of what was stored (so that most hit), some
        # with their case swapped
        stored = [
            t
            for v in drawn
            for t in (v["description"], v["customer"], v["phone"], *v["notes"])
            if t
        ]
        for which, start, length, swap in picks:
            text = stored[which % len(stored)]
            piece = text[start % len(text) :][:length]
            queries.append(piece.swapcase() if swap else piece)
        for query in queries:
            got = sorted(c.id or 0 for c in search.search(conn, search.Query(text=query)))
            assert got == substring_scan(conn, query), query
        assert list(health.search_index_disagrees(conn)) == []
        conn.close()


def test_a_query_is_the_phrase_of_its_bigrams() -> None:
    assert fulltext.bigrams("馊味") == ["e9a68ae591b3"]
    assert fulltext.bigrams("AbC") == fulltext.bigrams("abc") == ["6162", "6263"]
    assert fulltext.bigrams("é") == [] and fulltext.bigrams(None) == []
    assert fulltext.phrase("a,b") == '"612c 2c62"'  # punctuation is a token like any other
    assert fulltext.terms("ab", None, "cd") == "6162 6364"  # no window spans two texts


def test_list_text_finds_two_chinese_characters_newest_first(
    run: Run, log: Callable[..., Any]
) -> None:
    old = log("午餐有馊味", now="2026-11-20 12:00")
    log("米饭偏硬", now="2026-11-21 12:00")
    new = log("汤也有馊味了", now="2026-11-21 13:00")
    found = ok(run("list", "--all", "--text", "馊味", "--json"))
    assert [c["id"] for c in found] == [new["id"], old["id"]]
    assert [
        c["id"] for c in ok(run("list", "--all", "--text", "馊味", "--limit", "1", "--json"))
    ] == [new["id"]]


def test_list_text_finds_a_note_of_the_history(run: Run, log: Callable[..., Any]) -> None:
    case = log("米饭偏硬")
    log("米饭偏软")
    ok(run("done", str(case["id"]), "contact", "--note", "客户要求退款到原账户"))
    found = ok(run("list", "--all", "--text", "原账户", "--json"))
    assert [c["id"] for c in found] == [case["id"]]


def test_list_text_finds_an_edited_text_and_forgets_the_old_one(
    run: Run, log: Callable[..., Any], db_path: Path
) -> None:
    case = log("米饭偏硬，张师傅送来的")
    conn = open_db(db_path)
    before = store.get(conn, case["id"])
    with transaction(conn):
        store.update(
            conn,
            before,
            Case(**{**before.__dict__, "description": "汤里有头发"}),
            action="edit",
            by="t",
            at=before.received_at,
        )
    conn.close()
    assert [c["id"] for c in ok(run("list", "--all", "--text", "头发", "--json"))] == [case["id"]]
    assert ok(run("list", "--all", "--text", "张师傅", "--json")) == []


def test_one_character_reads_every_complaint_and_says_so(run: Run, log: Callable[..., Any]) -> None:
    case = log("汤里有头发")
    result = run("list", "--all", "--text", "发", "--json")
    assert [c["id"] for c in ok(result)] == [case["id"]]
    assert "one character" in result.stderr
    assert "one character" not in run("list", "--all", "--text", "头发", "--json").stderr


def test_a_database_without_the_index_gets_it_on_opening(
    run: Run, log: Callable[..., Any], db_path: Path
) -> None:
    """Migration 0008 indexes what an existing database holds."""
    case = log("汤里有头发", customer="王老师")
    ok(run("done", str(case["id"]), "contact", "--note", "已致歉"))
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TABLE search_cases")
    conn.execute("DROP TABLE search_notes")
    conn.execute("PRAGMA user_version = 7")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0008_text_index'")
    conn.commit()
    conn.close()
    for text in ("头发", "王老师", "已致歉", "12345678"):
        assert [c["id"] for c in ok(run("list", "--all", "--text", text, "--json"))] == [case["id"]]


def test_check_finds_an_index_that_disagrees(
    run: Run, log: Callable[..., Any], db_path: Path
) -> None:
    log("汤里有头发")
    assert run("check").exit_code == 0
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE complaints SET description = '汤里有一根头发' WHERE id = 1")  # by hand
    conn.commit()
    conn.close()
    result = run("check")
    assert result.exit_code == 1
    assert "complaint #1: its search index entry disagrees with its texts" in result.output


def test_a_bulk_load_indexes_what_it_loads(tmp_path: Path) -> None:
    """`bulk.load` indexes the complaints (from their stored texts, or from the entries
    its caller made) and the history notes it inserts, in its transaction."""
    from aftersales_cli.store import bulk

    conn = open_db(tmp_path / "bulk.db")
    conn.row_factory = sqlite3.Row
    columns = ("id", "status", "received_at", "channel", "customer", "phone", "phone_key",
               "description", "category", "severity")  # fmt: skip
    row = ("new", "2026-11-20T04:00:00Z", "online", "王老师", "13900000070", "13900000070")
    with transaction(conn):
        bulk.load(
            conn,
            [
                (1, *row, "汤里有头发", "other", "general"),
                (2, *row, "米饭偏硬", "other", "general"),
            ],
            [],
            [(1, "2026-11-20T04:00:00Z", "t", "log", "{}", "客户要求退款")],
            complaint_columns=columns,
        )
        bulk.load(
            conn,
            [(3, *row, "送来的菜有馊味", "other", "general")],
            [],
            [],
            complaint_columns=columns,
            documents=[(3, fulltext.case_terms("送来的菜有馊味", None, "王老师", None, None, None,
                                               None, None, "13900000070", "13900000070"))],
        )  # fmt: skip
    for text, ids in (("头发", [1]), ("退款", [1]), ("馊味", [3]), ("0070", [3, 2, 1])):
        assert [c.id for c in search.search(conn, search.Query(text=text))] == ids, text
    assert list(health.search_index_disagrees(conn)) == []


def test_a_phone_of_one_digit_reads_every_complaint_and_says_so(
    run: Run, log: Callable[..., Any]
) -> None:
    """`+8` is written like a phone: its one digit is looked for among the phones' digits,
    which the index (pairs) cannot do."""
    case = log("汤里有头发", phone="+86 139 0000 0070")
    result = run("list", "--all", "--text", "+8", "--json")
    assert [c["id"] for c in ok(result)] == [case["id"]]
    assert "one digit of a phone" in result.stderr


def test_what_the_index_offers_is_checked_against_the_texts(tmp_path: Path) -> None:
    """The index over-finds — a phrase across two fields' ends, the digits of a phone-like
    text elsewhere than in a phone — and each candidate is checked on the texts."""
    conn = open_db(tmp_path / "t.db")
    conn.row_factory = sqlite3.Row
    store_all(
        conn,
        [
            {"description": "汤凉了", "customer": "王ab", "phone": "13800000000", "org": "bc店",
             "product": None, "batch": None, "order_no": None, "request": None, "note": None,
             "notes": [], "edit": None},
            {"description": "编号12号", "customer": "李", "phone": "13900000000", "org": None,
             "product": None, "batch": None, "order_no": None, "request": None, "note": None,
             "notes": [], "edit": None},
        ],
    )  # fmt: skip
    for query in ("abc", "1-2"):
        assert fulltext.collect(conn, search._match(query) or "") == 1  # offered...
        assert list(search.search(conn, search.Query(text=query))) == []  # ...and dropped
    assert [c.id for c in search.search(conn, search.Query(text="12"))] == [2]


@given(st.lists(st.none() | st.text(max_size=60), max_size=6))
def test_a_document_is_every_bigram_of_its_texts_in_order(texts: list[str | None]) -> None:
    # (short texts' tokens are kept between documents; long ones made each time)
    expected = " ".join(token for text in texts for token in fulltext.bigrams(text))
    assert fulltext.terms(*texts) == expected
    assert fulltext.terms(*texts) == expected  # (the second time from what was kept)
