"""The period's money rolled up from ledger cells (reports.money): reversals net out, a
fine counts as an offence only while it stands, and every view adds up to the same
ledger. Pure: plain cells, no database."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.reports import ledger_sums, review


def cell(kind: str, net: int, entries: int = 1, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "org": "一中",
        "cause": "processing",
        "department": "quality_control",
        "assignee": "李工",
        "kind": kind,
        "payment_kind": None,
        "staff": None,
        "reversal": False,
        "standing_multiplier": None,
        "entries": entries,
        "net_fen": net,
    }
    return {**base, **kw}


CELLS = [
    cell("fine", 400000, standing_multiplier="2"),  # stands
    cell("fine", 300000),  # fined, then reversed (below): not an offence
    cell("fine", -300000, reversal=True),
    cell("payment", 3600, payment_kind="refund", entries=2),
    cell("payment", -1000, payment_kind="refund", reversal=True),
    cell("payment", 5000, payment_kind="coupon", org="二中"),
    cell("staff_fine", 5000, staff="小刘", cause="handover", department="delivery", assignee=None),
    cell(
        "staff_fine",
        -5000,
        staff="小刘",
        reversal=True,
        cause="handover",
        department="delivery",
        assignee=None,
    ),
    cell("staff_fine", 5000, staff="小张", cause="handover", department="delivery", assignee=None),
]


def test_per_client_figures_are_net_and_count_standing_fines_only() -> None:
    rows = {r["org"]: r for r in ledger_sums.by_org(CELLS, [])}
    first = rows["一中"]
    assert (first["offences"], first["multipliers"], first["penalties_fen"]) == (1, [2], 400000)
    assert (first["staff_fines_fen"], first["compensation_fen"]) == (5000, 2600)
    assert rows["二中"]["compensation_fen"] == 5000
    assert list(rows) == ["一中", "二中"]  # the most fined first


def test_every_view_adds_up_to_the_same_ledger() -> None:
    total = sum(c["net_fen"] for c in CELLS)
    assert sum(r["net_fen"] for r in ledger_sums.summary(CELLS)) == total
    by_org = ledger_sums.by_org(CELLS, [])
    assert (
        sum(r["penalties_fen"] + r["staff_fines_fen"] + r["compensation_fen"] for r in by_org)
        == total
    )
    assert sum(ledger_sums.paid_by_kind(CELLS).values()) == 2600 + 5000
    summary = {(r["kind"], r["payment_kind"]): r for r in ledger_sums.summary(CELLS)}
    assert (summary[("fine", None)]["entries"], summary[("fine", None)]["reversals"]) == (3, 1)


def test_staff_fines_net_of_reversals() -> None:
    assert ledger_sums.staff_fines(CELLS) == [{"staff": "小张", "fines": 1, "amount_fen": 5000}]


def test_the_review_charges_penalties_to_the_cause() -> None:
    from aftersales_cli.rules.config import default_rules

    cells = [
        {
            "cause": "processing",
            "department": "quality_control",
            "assignee": "李工",
            "complaints": 3,
            "closed": 3,
            "ours": 3,
            "breaches": 1,
            "penalties_fen": 0,
        },
        {
            "cause": "handover",
            "department": "delivery",
            "assignee": None,
            "complaints": 1,
            "closed": 1,
            "ours": 1,
            "breaches": 0,
            "penalties_fen": 0,
        },
    ]
    charged = review.with_penalties(cells, ledger_sums.penalties_by_review_key(CELLS))
    by_cause = {r["department"]: r for r in review.by_cause(charged, default_rules())}
    assert by_cause["production"]["handled_by"] == "quality_control"
    assert by_cause["production"]["penalties_fen"] == 400000
    assert by_cause["delivery"]["penalties_fen"] == 5000
    handlers = {r["department"]: r for r in review.by_handler(charged)}
    assert handlers["quality_control"]["penalties_fen"] == 400000
    assert review.department_counts(charged) == {"quality_control": 3, "delivery": 1}


kinds = st.sampled_from(
    [("fine", None), ("staff_fine", None), ("payment", "refund"), ("payment", "coupon")]
)
cells_strategy = st.lists(
    st.builds(
        lambda kind, net, n, org, rev, staff: cell(
            kind[0],
            net,
            entries=n,
            payment_kind=kind[1],
            org=org,
            reversal=rev,
            staff=staff if kind[0] == "staff_fine" else None,
        ),
        kinds,
        st.integers(-(10**7), 10**7),
        st.integers(1, 5),
        st.sampled_from(["一中", "二中", "none"]),
        st.booleans(),
        st.sampled_from(["小刘", "小张"]),
    ),
    max_size=30,
)


@given(cells_strategy)
def test_the_report_totals_are_the_ledger_sums(cells: list[dict[str, Any]]) -> None:
    """Whatever the ledger holds, every money view of the report adds up to its sums."""
    by_org = ledger_sums.by_org(cells, [])
    for kind, column in (
        ("fine", "penalties_fen"),
        ("staff_fine", "staff_fines_fen"),
        ("payment", "compensation_fen"),
    ):
        assert sum(r[column] for r in by_org) == sum(
            c["net_fen"] for c in cells if c["kind"] == kind
        )
    assert sum(r["net_fen"] for r in ledger_sums.summary(cells)) == sum(c["net_fen"] for c in cells)
    assert sum(r["entries"] for r in ledger_sums.summary(cells)) == sum(c["entries"] for c in cells)
    assert sum(ledger_sums.paid_by_kind(cells).values()) == sum(
        c["net_fen"] for c in cells if c["kind"] == "payment"
    )
    assert sum(r["amount_fen"] for r in ledger_sums.staff_fines(cells)) == sum(
        c["net_fen"] for c in cells if c["kind"] == "staff_fine"
    )
