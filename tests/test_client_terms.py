"""Terms per client in the rules file (issue 13): `[clients."NAME"]` — stricter
deadlines for a key account, and the contract start of its penalty window."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftersales_cli.rules.config import parse_rules
from aftersales_cli.rules.errors import RulesFileError
from tests.conftest import BASIC, TWENTY_FOUR_SEVEN, Run, ok, refused

TERMS = """
[clients."实验小学"]
contract_start = 2025-09-01
deadlines.general = { contact = "30m", plan = "2h", resolution = "9h" }
deadlines.urgent = { contact = "15m" }
"""


@pytest.fixture
def rules_file(tmp_path: Path) -> str:
    path = tmp_path / "rules.toml"
    path.write_text(TERMS, encoding="utf-8")
    return str(path)


def test_a_clients_terms_are_read_by_its_key() -> None:
    rules = parse_rules(TERMS, "r.toml")
    terms = rules.clients["实验小学"]
    assert str(terms.deadlines["general"]["contact"]) == "30m"
    assert terms.contract_start is not None and terms.contract_start.isoformat() == "2025-09-01"
    assert parse_rules('[clients."ＡＢＣ School"]\n', "r").clients.keys() == {"abc school"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[clients."A"]\ndeadlines.urgent = { contact = "1h" }\n', "later than the policy's 30m"),
        (
            '[clients."A"]\ndeadlines.general = { resolution = "2h" }\n',
            "earlier than investigation",
        ),
        ('[clients."A"]\ndeadlines.urgent = { revisit = "1h" }\n', "deadlines.urgent.revisit"),
        ('[clients."A"]\ndeadlines.fast = { contact = "1m" }\n', "a table under a severity"),
        ('[clients."A"]\ncontract_start = "soon"\n', "contract_start: a date"),
        ('[clients."A"]\nfee = 3\n', "unknown key 'clients.A.fee'"),
        ('[clients."A"]\n[clients."ａ"]\n', "the same client as 'A'"),
        ('[clients." "]\n', "must not be empty"),
    ],
)
def test_bad_client_terms_name_their_key(text: str, words: str) -> None:
    with pytest.raises(RulesFileError, match=words.replace("(", r"\(").replace(".", r"\.")):
        parse_rules(text, "r.toml")


def due(case: dict[str, object], milestone: str) -> str:
    deadlines = case["deadlines"]
    assert isinstance(deadlines, dict)
    return str(deadlines[milestone]["due_at"])[:16]


def test_a_key_accounts_complaint_is_due_sooner_by_its_terms(
    run: Run, rules_file: str, thursday: None
) -> None:
    ok(run("client", "add", "实验小学", "--alias", "实小"))
    args = ("log", "米饭偏硬", "--channel", "online", "--customer", "张伟", "--phone",
            "13812345678", "--rules", rules_file, "--json")  # fmt: skip
    mine = ok(run(*args, "--org", "实小"))  # an alias: filed under the client, its terms
    other = ok(run(*args, "--org", "第二中学"))
    assert (
        due(mine, "contact") == "2026-11-19T10:30" and due(other, "contact") == "2026-11-19T11:00"
    )
    assert due(mine, "plan") == "2026-11-19T12:00" and due(other, "plan") == "2026-11-19T14:00"
    assert due(mine, "investigation") == due(other, "investigation")  # not in its terms
    # raised to urgent: its urgent row (contact 15m from now, sooner than it was)
    raised = ok(run("classify", "1", "--severity", "urgent", "--rules", rules_file, "--json",
                    now="2026-11-19 10:05"))  # fmt: skip
    assert due(raised, "contact") == "2026-11-19T10:20"


def test_a_key_accounts_resolution_in_hours_on_the_24_7_clock(run: Run, tmp_path: Path) -> None:
    rules = tmp_path / "terms-24-7.toml"
    rules.write_text(TERMS + TWENTY_FOUR_SEVEN, encoding="utf-8")
    mine = ok(run("log", "米饭偏硬", *BASIC, "--org", "实验小学", "--rules", str(rules), "--json"))
    assert due(mine, "resolution") == "2026-11-22T19:00"  # 9 h, not the policy's day


def test_a_key_accounts_resolution_is_never_later_than_the_policys_in_business_time(
    run: Run, rules_file: str, thursday: None, tmp_path: Path
) -> None:
    args = ("log", "米饭偏硬", *BASIC, "--rules", rules_file, "--json")
    mine = ok(run(*args, "--org", "实验小学"))
    other = ok(run(*args, "--org", "第二中学"))
    assert due(other, "resolution") == "2026-11-20T10:00"  # the next working day
    assert due(mine, "resolution") == "2026-11-20T09:00"  # 9 working hours: 8 + 1
    # 12 working hours outlast a working day of 08:00-18:00 (10 h): not stricter, refused
    later = tmp_path / "later.toml"
    later.write_text(TERMS.replace('resolution = "9h"', 'resolution = "12h"'), "utf-8")
    refused(run("rules", "--rules", str(later)), "resolution", "12h is later than the policy's 1d")


def test_a_corrected_client_brings_its_terms(run: Run, rules_file: str, thursday: None) -> None:
    case = ok(run("log", "米饭偏硬", *BASIC, "--org", "第二中学", "--rules", rules_file, "--json"))
    assert due(case, "contact") == "2026-11-19T11:00"
    edited = ok(
        run(
            "edit",
            str(case["id"]),
            "--org",
            "实验小学",
            "--reason",
            "打错了单位",
            "--rules",
            rules_file,
            "--json",
        )  # fmt: skip
    )
    assert edited["org"] == "实验小学" and due(edited, "contact") == "2026-11-19T10:30"


def test_the_terms_are_printed_by_rules_and_round_trip(
    run: Run, rules_file: str, tmp_path: Path
) -> None:
    shown = run("rules", "--rules", rules_file).stdout
    assert "实验小学" in shown and "contract from 2025-09-01" in shown
    effective = tmp_path / "effective.toml"
    effective.write_text(ok(run("rules", "--toml", "--rules", rules_file)) or run(
        "rules", "--toml", "--rules", rules_file).stdout, encoding="utf-8")  # fmt: skip
    assert parse_rules(effective.read_text("utf-8"), "e").clients == parse_rules(TERMS, "r").clients


def test_a_bad_rules_file_with_terms_is_one_line(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[clients."A"]\ndeadlines.urgent = { contact = "2h" }\n', encoding="utf-8")
    refused(run("list", "--rules", str(path)), "clients.A.deadlines.urgent.contact", "stricter")


def _fined(run: Run, n: int, day: str, rules_file: str) -> dict[str, object]:
    ok(run("log", "米饭变质发酸", *BASIC, "--org", "实验小学", "--batch", f"B{n}",
           "--delivery-date", day, now=f"{day} 09:00"))  # fmt: skip
    closed = ok(run("close", str(n), "--remedy", "更换套餐", "--cause", "storage_transport",
                    "--finding", "spoiled", "--supply-value", "1000", "--rules", rules_file,
                    "--json", now=f"{day} 10:00"))  # fmt: skip
    penalty = closed["penalty"]
    assert isinstance(penalty, dict)
    return penalty


def test_the_offence_count_restarts_with_each_contract_year(run: Run, rules_file: str) -> None:
    assert _fined(run, 1, "2026-06-10", rules_file)["multiplier"] == 2
    assert _fined(run, 2, "2026-08-20", rules_file)["multiplier"] == 3
    # 2026-09-01 began a new contract year: the count starts again, within 365 days or not
    third = _fined(run, 3, "2026-09-03", rules_file)
    assert third["multiplier"] == 2 and third["offence"] == 1
    assert _fined(run, 4, "2026-10-03", rules_file)["multiplier"] == 3
    shown = ok(run("show", "3", "--json"))
    reasons = [e["reason"] for e in shown["ledger"] if e["kind"] == "fine"]
    assert any("since the contract year began 2026-09-01" in r for r in reasons), reasons


def test_without_a_contract_start_the_window_is_365_days(run: Run, tmp_path: Path) -> None:
    plain = tmp_path / "plain.toml"
    plain.write_text("", encoding="utf-8")
    for n, day in enumerate(("2026-06-10", "2026-08-20", "2026-09-03"), start=1):
        multiplier = _fined(run, n, day, str(plain))["multiplier"]
    assert multiplier == 10


def test_contract_years_from_an_anniversary() -> None:
    from datetime import date

    from aftersales_cli.rules.ledger import contract_year

    assert contract_year(date(2026, 8, 31), date(2025, 9, 1)) == date(2025, 9, 1)
    assert contract_year(date(2026, 9, 1), date(2025, 9, 1)) == date(2026, 9, 1)
    assert contract_year(date(2027, 2, 28), date(2024, 2, 29)) == date(2027, 2, 28)
    assert contract_year(date(2024, 1, 5), date(2025, 9, 1)) == date(2023, 9, 1)
