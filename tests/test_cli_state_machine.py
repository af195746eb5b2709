"""Random sequences of real `aftersales` commands against a model of the lifecycle.

Each example gets its own SQLite file in a temporary folder and a simulated clock that
only moves forward. The model knows, per complaint: its status, severity, category, every
deadline of the whole loop of policy 004 (due time, when it was done, whether it was
extended, whether its breach is recorded and whether the history says so), the reopen
count, the escalation, the last note, the penalty offence and every history entry the
commands wrote — `breached` ones included (DECISIONS "When a breach is recorded": a
write command records its case's passed deadlines before its change; `overdue` records
every case's). Every command's exit code is predicted from the model; after every step
the database is read back through `list --all --json` (each deadline's state, due and
done time), `export --show-phone` (every history; each deadline's recorded breach) and
`show --json` of the case changed last, and a refused command must leave the export
unchanged.

Deterministic for CI: `derandomize=True` (and no example database), so every run tries
the same sequences.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import typer.main
import typer.testing
from conftest import TWENTY_FOUR_SEVEN
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from typer.testing import CliRunner, Result

from aftersales_cli.cli import app

SHANGHAI = timezone(timedelta(hours=8))  # no daylight saving: days are 24 h
START = datetime(2026, 11, 22, 8, 0, tzinfo=SHANGHAI)

# The policy's default deadlines in minutes from receipt (POLICY.md §3, rules/defaults.toml
# `[deadlines]`) on the 24/7 clock, which the machine runs on (TWENTY_FOUR_SEVEN: the model
# counts plain minutes; a day is 24 h); None: n/a.
COUNTED_FROM_RECEIPT = ("contact", "forward", "plan", "investigation", "resolution")
DEADLINES: dict[str, dict[str, int | None]] = {
    "urgent": dict(zip(COUNTED_FROM_RECEIPT, (30, 15, 120, 240, 1440), strict=True)),
    "general": dict(zip(COUNTED_FROM_RECEIPT, (60, 60, 240, 480, 1440), strict=True)),
    "non_urgent": dict(zip(COUNTED_FROM_RECEIPT, (1440, 1440, 2880, None, 2880), strict=True)),
}
# QC's work (004 §3.2), from receipt, on these categories only (`deadlines.qc_categories`).
QC = {"sample": 1440, "lab_report": 2880}
QC_CATEGORIES = ("food_safety", "illness", "foreign_object")
CONFIRM_AFTER = timedelta(hours=1)  # after investigation done, or the close without it
CHAIN = ("contact", "plan", "investigation")  # `done` completes the earlier ones
# What `done` records, in the milestone order (DECISIONS §12); the last three also on a
# closed case.
INTERIM = ("contact", "forward", "plan", "sample", "investigation", "lab_report", "confirm")
AFTER_CLOSE = ("sample", "lab_report", "confirm")
MILESTONES = (*INTERIM, "resolution", "revisit")
CLOSE_COMPLETES = ("contact", "forward", "plan", "investigation", "resolution")
REVISIT_AFTER = timedelta(days=3)
LADDER = (2, 3, 10)
RANK = {"non_urgent": 0, "general": 1, "urgent": 2}
OPEN = ("new", "classified", "assigned", "reopened")
EVERY_STATUS = (*OPEN, "closed", "revisited")

DEFAULT_SEVERITY = {
    "food_safety": "urgent",
    "illness": "urgent",
    "foreign_object": "general",
    "food_quality": "general",
    "delivery_delay": "general",
    "wrong_delivery": "general",
    "service_attitude": "general",
    "taste_feedback": "non_urgent",
    "suggestion": "non_urgent",
    "other": "general",
}
# A word that suggests exactly one category (and whether it is an illness word).
WORDS = [
    ("变质", "food_safety", False),
    ("spoiled", "food_safety", False),
    ("腹泻", "illness", True),
    ("vomited", "illness", True),
    ("头发", "foreign_object", False),
    ("没熟", "food_quality", False),
    ("undercooked", "food_quality", False),
    ("迟到", "delivery_delay", False),
    ("送错", "wrong_delivery", False),
    ("态度", "service_attitude", False),
    ("rude", "service_attitude", False),
    ("太咸", "taste_feedback", False),
    ("too salty", "taste_feedback", False),
    ("建议", "suggestion", False),
    ("suggest", "suggestion", False),
    ("", "other", False),
]
CHANNELS = {
    "hotline": ["hotline", "热线", "客服热线"],
    "online": ["online", "在线", "微信"],
    "delivery_staff": ["delivery_staff", "配送员", "driver"],
    "letter": ["letter", "信件"],
    "onsite": ["onsite", "现场"],
}
CATEGORIES = {
    "food_safety": ["food_safety", "食品安全"],
    "illness": ["illness", "身体不适"],
    "foreign_object": ["foreign_object", "异物"],
    "food_quality": ["food_quality", "食品质量"],
    "delivery_delay": ["delivery_delay", "配送延误"],
    "taste_feedback": ["taste_feedback", "口味反馈"],
    "suggestion": ["suggestion", "建议"],
    "other": ["other", "其他"],
}
SEVERITIES = {
    "urgent": ["urgent", "紧急"],
    "general": ["general", "一般"],
    "non_urgent": ["non_urgent", "非紧急"],
}
# note kinds and their spellings; None: the default (internal). The first three reach the
# customer: contact and confirm.
NOTE_KINDS: dict[str | None, str] = {
    "call": "call",
    "电话": "call",
    "visit": "visit",
    "上门": "visit",
    "message": "message",
    "微信": "message",
    "internal": "internal",
    "内部": "internal",
    None: "internal",
}
CUSTOMER_KINDS = ("call", "visit", "message")
DEPARTMENTS = ["quality_control", "质控", "production", "配送", "customer_service"]
# cause → ours by default (None: undetermined); ours more often, to reach the ladder
CAUSES: list[tuple[str, bool | None]] = [
    ("processing", True),
    ("加工", True),
    ("storage_transport", True),
    ("traffic", False),
    ("客户", False),
    ("unknown", None),
]
FINDINGS: dict[str, str] = {
    "spoiled": "spoiled",
    "变质": "spoiled",
    "expired": "expired",
    "掺假": "counterfeit",
    "toxic": "toxic",
    "none": "none",
    "过期": "expired",
}
PENALTY_SPELLINGS = ["spoiled", "变质", "expired", "过期", "掺假"]
FINDING_CHOICES = [None, "spoiled", "变质", "expired", "掺假", "过期", "toxic", "none"]
PENALTY_FINDINGS = ("spoiled", "expired", "counterfeit")
DEFECTS = (*PENALTY_FINDINGS, "toxic")  # of the findings the machine uses
EXCHANGE = ("refund", "退款", "replace")  # of the remedies it uses
ORGS = ["实验小学", "实验小学", "实验小学", "星河科技园"]  # mostly one client: climb the ladder
CLOCK = st.one_of(st.integers(0, 600), st.sampled_from(["due", "past due"]))
MOST = 6  # complaints per example: enough to interact, few enough to be worked through
MISSING = 9999  # an id no example reaches

BAD_COMMANDS = [
    ["classify", "{id}", "--category", "food_safty"],
    ["classify", "{id}", "--severity", "紧急的"],
    ["assign", "{id}", "--dept", "市场部"],
    ["done", "{id}", "lunch"],
    ["extend", "{id}", "--until", "soon", "--reason", "x"],
    ["close", "{id}", "--remedy", "hug", "--cause", "processing"],
    ["close", "{id}", "--remedy", "refund", "--cause", "'; DROP TABLE complaints; --"],
    ["revisit", "{id}", "--satisfaction", "3", "--method", "pigeon"],
    ["revisit", "{id}", "--satisfaction", "6"],
    ["note", "{id}", "已致电", "--kind", "fax"],
    ["note", "{id}", "  ", "--kind", "call"],
    ["done", "{id}", "sample", "--at", "tomorrow"],
    ["list", "--status", "lost"],
    ["log", "x", "--channel", "热线📞", "--customer", "a", "--phone", "13812345678"],
    ["show", str(MISSING)],
    ["assign", str(MISSING)],
    ["done", str(MISSING), "plan"],
    ["close", str(MISSING), "--remedy", "refund", "--cause", "processing"],
    ["revisit", str(MISSING), "--satisfaction", "4"],
    ["note", str(MISSING), "已致电", "--kind", "call"],
]


@dataclass
class Model:
    """What the model knows of one complaint."""

    id: int
    received: datetime
    category: str
    severity: str
    ill_facts: bool  # ill, several people, or an illness word: the rules suggest urgent
    org: str | None
    status: str = "new"
    due: dict[str, datetime | None] = field(default_factory=lambda: dict.fromkeys(MILESTONES))
    done: dict[str, datetime | None] = field(default_factory=lambda: dict.fromkeys(MILESTONES))
    extended: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(MILESTONES, False))
    # the breach recorded on the deadline (a write command saw it pending past due, or it
    # was extended after it): it stands, whatever is done later
    late: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(MILESTONES, False))
    # the history already has its `breached` event (written by a command or `overdue`)
    noted: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(MILESTONES, False))
    escalated: bool = False
    last_note_at: datetime | None = None
    reopen_count: int = 0
    offence: int | None = None  # numbered over the client's fined supply events
    fined_at: datetime | None = None  # the close that fined its supply event
    first_fined_at: datetime | None = None  # the first close that ever fined it
    supply_value: int | None = None
    actions: list[str] = field(default_factory=lambda: ["log"])  # the history's entries

    def suggested(self, category: str) -> str:
        return "urgent" if self.ill_facts else DEFAULT_SEVERITY[category]

    def pending(self, milestone: str) -> bool:
        return self.due[milestone] is not None and self.done[milestone] is None

    def past(self, milestone: str, now: datetime) -> bool:
        """Pending and late: now is after its due (at the due minute it is on time)."""
        due = self.due[milestone]
        return due is not None and self.done[milestone] is None and now > due

    def state(self, milestone: str, now: datetime) -> str:
        """What `list` and `show` say of a deadline as of `now`."""
        due, done = self.due[milestone], self.done[milestone]
        if due is None:
            return "n/a"
        if self.late[milestone] or (done or now) > due:
            return "breached"
        return "pending" if done is None else "met"

    def breaches(self, milestones: list[str]) -> None:
        """The `breached` events of these milestones written now; the first one of an
        urgent case escalates it (once)."""
        for milestone in milestones:
            self.noted[milestone] = True
            self.actions.append(f"breached {milestone}")
        if milestones and self.severity == "urgent":
            self.escalated = True

    def settle(self, now: datetime) -> None:
        """What a write command does first: every pending deadline past due is breached
        for good, and the history says so once."""
        passed = [m for m in MILESTONES if self.past(m, now)]
        for milestone in passed:
            self.late[milestone] = True
        self.breaches([m for m in passed if not self.noted[m]])

    def again(self, milestone: str, due: datetime) -> None:
        """The milestone starting over (resolution after a reopen, the next revisit),
        carrying a breach of its earlier round."""
        old_due, done = self.due[milestone], self.done[milestone]
        breached = old_due is not None and (
            self.late[milestone] or (done is not None and done > old_due)
        )
        self.reset(milestone, due)
        self.late[milestone] = breached

    def reset(self, milestone: str, due: datetime | None) -> None:
        self.due[milestone], self.done[milestone] = due, None
        self.extended[milestone] = self.late[milestone] = self.noted[milestone] = False

    def complete(self, milestones: tuple[str, ...], now: datetime) -> list[str]:
        """Those of `milestones` still pending done now; the ones it completed."""
        completed = [m for m in milestones if self.pending(m)]
        for milestone in completed:
            self.done[milestone] = now
        return completed

    def reclassify(self, severity: str, now: datetime) -> None:
        """Raising: pending deadlines due by the new time from now, if sooner. Lowering:
        by the new time from receipt, if later; one the new level lacks no longer applies
        unless it was already breached. Done milestones stay."""
        old, self.severity = self.severity, severity
        if RANK[severity] == RANK[old]:
            return
        for milestone, minutes in DEADLINES[severity].items():
            due = self.due[milestone]
            if self.done[milestone] is not None:
                continue
            if RANK[severity] > RANK[old]:
                if minutes is not None:
                    sooner = now + timedelta(minutes=minutes)
                    self.due[milestone] = sooner if due is None else min(due, sooner)
            elif due is not None:
                if minutes is None:
                    if not self.late[milestone]:
                        self.reset(milestone, None)
                else:
                    self.due[milestone] = max(due, self.received + timedelta(minutes=minutes))

    def recategorise(self, category: str, now: datetime) -> None:
        """QC's milestones after a change of category: one that now applies is due by its
        time from now; one that no longer applies is dropped unless done or breached."""
        self.category = category
        for milestone, minutes in QC.items():
            if category not in QC_CATEGORIES:
                if self.pending(milestone) and not self.late[milestone]:
                    self.reset(milestone, None)
            elif self.due[milestone] is None:
                self.reset(milestone, now + timedelta(minutes=minutes))


def local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def breached(event: dict[str, Any]) -> str:
    """The milestone a `breached` history entry names."""
    (key,) = [k for k in event["changes"] if k.endswith(".state")]
    return str(key.split(".")[1])


def canonical(actions: list[str]) -> list[str]:
    """History entries with each run of `breached` ones sorted: a command writes its
    case's breaches in milestone order, `overdue` by due time and those due at the same
    minute in no set order; what counts is which are recorded, and when."""
    result: list[str] = []
    run: list[str] = []
    for action in [*actions, ""]:
        if action.startswith("breached "):
            run.append(action)
            continue
        result += sorted(run)
        run = []
        result.append(action)
    return result[:-1]


class Lifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="aftersales-sm-"))
        self.rules = self.folder / "twenty-four-seven.toml"
        self.rules.write_text(TWENTY_FOUR_SEVEN, encoding="utf-8")
        self.now = START
        self.cases: dict[int, Model] = {}
        self.histories: dict[int, list[dict[str, Any]]] = {}
        self.breached: set[tuple[int, str]] = set()  # (id, milestone) ever shown breached
        self.last: int | None = None  # the complaint last changed
        self.runner = CliRunner()
        self.invoke("list", "--all", "--json")  # creates the database

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    # ---- running the CLI -----------------------------------------------------------

    def invoke(self, *argv: str) -> Result:
        env: dict[str, str | None] = {
            "HOME": str(self.folder / "home"),
            "XDG_DATA_HOME": str(self.folder / "home" / "data"),
            "AFTERSALES_DB": str(self.folder / "aftersales.db"),
            "AFTERSALES_NOW": local(self.now),
            "AFTERSALES_TZ": "Asia/Shanghai",
            "AFTERSALES_OPERATOR": "客服小王",
            "AFTERSALES_DEBUG": "1",
            "AFTERSALES_RULES": str(self.rules),
        }
        return self.runner.invoke(app, list(argv), env=env)

    def json(self, *argv: str) -> Any:
        result = self.invoke(*argv)
        assert result.exit_code == 0, (argv, result.exit_code, result.stderr, result.exception)
        return json.loads(result.stdout)

    def export(self) -> str:
        result = self.invoke("export", "--show-phone")
        assert result.exit_code == 0, result.stderr
        return result.stdout

    def tick(self, step: int | str) -> None:
        """Move the clock on (never back): some minutes, or exactly to the next pending
        deadline ("due"), or one minute past it ("past due")."""
        if isinstance(step, str):
            upcoming = [
                due
                for case in self.cases.values()
                for m, due in case.due.items()
                if due is not None and case.done[m] is None and due >= self.now
            ]
            target = min(upcoming, default=self.now)
            step = int((target - self.now).total_seconds() // 60) + (step == "past due")
        self.now += timedelta(minutes=step)

    def command(self, expected: int, *argv: str) -> Result:
        """Run one command and check its exit code; a refused one must be one line
        naming the problem and change nothing."""
        before = self.export() if expected == 2 else None
        result = self.invoke(*argv)
        assert result.exit_code == expected, (
            argv,
            result.exit_code,
            result.stdout[-500:],
            result.stderr,
            result.exception,
        )
        if expected == 2:
            assert result.stderr.startswith("error: "), result.stderr
            assert result.stderr.count("\n") == 1, result.stderr
            assert result.stdout == ""
            assert self.export() == before, f"refused {argv} changed the database"
        return result

    def pick(self, index: int, prefer: tuple[str, ...] = OPEN) -> Model:
        """Mostly a complaint the command can work on — often the one worked on last, so
        that cases live long (reopened, reclassified, extended, closed again) — and
        sometimes any complaint at all, to be refused."""
        everyone = [self.cases[cid] for cid in sorted(self.cases)]
        likely = [case for case in everyone if case.status in prefer]
        last = self.cases.get(self.last or 0)
        if index % 4 == 0 or not likely:
            return everyone[index // 4 % len(everyone)]
        if index % 4 == 1 and last in likely:
            return last
        return likely[index // 4 % len(likely)]

    def changed(self, case: Model, action: str) -> None:
        self.last = case.id
        case.actions.append(action)

    # ---- rules ---------------------------------------------------------------------

    @initialize(
        words=st.lists(st.sampled_from(WORDS), min_size=3, max_size=3),
        channels=st.lists(st.sampled_from(sorted(CHANNELS)), min_size=3, max_size=3),
        findings=st.lists(st.sampled_from(PENALTY_SPELLINGS), min_size=2, max_size=2),
        supplies=st.lists(st.integers(1, 5000), min_size=2, max_size=2),
        unhappy=st.integers(1, 2),
    )
    def a_desk_in_use(
        self,
        words: list[tuple[str, str, bool]],
        channels: list[str],
        findings: list[str],
        supplies: list[int],
        unhappy: int,
    ) -> None:
        """Every example starts from a desk in use, so that 20 steps reach deep: three
        complaints of one client — the first fined, revisited unsatisfied and reopened,
        the second fined (its offence 2) and awaiting its revisit, the third open."""
        for word, channel in zip(words, channels, strict=True):
            self.log(
                clock=10,
                word=word,
                english=False,
                channel=channel,
                spelling=0,
                people=None,
                ill=False,
                org=ORGS[0],
                back=None,
            )
        for n, (finding, supply) in enumerate(zip(findings, supplies, strict=True)):
            self.close(
                clock=60,
                index=4 * n,  # complaint n + 1
                remedy="refund",
                cause=CAUSES[0],
                ours=None,
                finding=finding,
                supply=supply,
            )
        self.revisit(clock=60, index=0, score=unhappy, method="phone")  # complaint 1
        assert [c.status for c in self.cases.values()] == ["reopened", "closed", "new"]

    @precondition(lambda self: len(self.cases) < MOST)
    @rule(
        clock=CLOCK,
        word=st.sampled_from(WORDS),
        english=st.booleans(),
        channel=st.sampled_from(sorted(CHANNELS)),
        spelling=st.integers(0, 2),
        people=st.one_of(st.none(), st.integers(1, 4)),
        ill=st.booleans(),
        org=st.sampled_from([*ORGS, None]),
        back=st.one_of(st.none(), st.integers(0, 600)),
    )
    def log(
        self,
        clock: int | str,
        word: tuple[str, str, bool],
        english: bool,
        channel: str,
        spelling: int,
        people: int | None,
        ill: bool,
        org: str | None,
        back: int | None,
    ) -> None:
        self.tick(clock)
        text, category, illness_word = word
        description = f"{'lunch today' if english else '今天午餐'} {text} #{len(self.cases) + 1}"
        spellings = CHANNELS[channel]
        argv = ["log", description, "--channel", spellings[spelling % len(spellings)]]
        argv += ["--customer", "家长", "--phone", f"1381234{len(self.cases) % 3:04d}", "--json"]
        if people is not None:
            argv += ["--people", str(people)]
        if ill:
            argv.append("--ill")
        if org:
            argv += ["--org", org]
        if back is not None:
            argv += ["--received-at", f"-{back}m"]
        received = self.now - timedelta(minutes=back or 0)
        # each complaint on a delivery of its own (a supply event), delivered that day
        argv += ["--batch", f"B{len(self.cases) + 1}", "--delivery-date", local(received)[:10]]
        result = self.command(0, *argv)
        data = json.loads(result.stdout)
        facts = ill or (people or 1) > 1 or illness_word
        case = Model(
            id=data["id"],
            received=received,
            category=category,
            severity="urgent" if facts else DEFAULT_SEVERITY[category],
            ill_facts=facts,
            org=org,
        )
        for milestone, minutes in DEADLINES[case.severity].items():
            case.due[milestone] = None if minutes is None else received + timedelta(minutes=minutes)
        if category in QC_CATEGORIES:
            for milestone, minutes in QC.items():
                case.due[milestone] = received + timedelta(minutes=minutes)
        if channel == "hotline":
            case.done["contact"] = received  # first contact made at intake
        assert data["id"] not in self.cases and data["id"] == len(self.cases) + 1
        assert (data["category"], data["severity"]) == (case.category, case.severity), data
        self.cases[case.id] = case
        self.last = case.id

    @precondition(lambda self: self.cases)
    @rule(
        clock=CLOCK,
        index=st.integers(0, 10**6),
        category=st.one_of(st.none(), st.sampled_from(sorted(CATEGORIES))),
        severity=st.sampled_from([None, *sorted(SEVERITIES)]),
        chinese=st.booleans(),
        reason=st.booleans(),
    )
    def classify(
        self,
        clock: int | str,
        index: int,
        category: str | None,
        severity: str | None,
        chinese: bool,
        reason: bool,
    ) -> None:
        self.tick(clock)
        case = self.pick(index)
        argv = ["classify", str(case.id)]
        if category:
            argv += ["--category", CATEGORIES[category][chinese]]
        if severity:
            argv += ["--severity", SEVERITIES[severity][chinese]]
        if reason:
            argv += ["--reason", "拍照确认无人不适"]
        new_category = category or case.category
        suggested = case.suggested(new_category)
        kept = case.severity if new_category == case.category else suggested
        new_severity = severity or kept
        lowered = RANK[new_severity] < max(RANK[suggested], RANK[case.severity]) and not reason
        expected = 2 if case.status not in OPEN or lowered else 0
        self.command(expected, *argv)
        if expected == 0:
            case.settle(self.now)
            case.reclassify(new_severity, self.now)
            if new_category != case.category:
                case.recategorise(new_category, self.now)
            case.status = "classified" if case.status == "new" else case.status
            self.changed(case, "classify")

    @precondition(lambda self: self.cases)
    @rule(
        clock=CLOCK,
        index=st.integers(0, 10**6),
        dept=st.one_of(st.none(), st.sampled_from(DEPARTMENTS)),
        person=st.one_of(st.none(), st.sampled_from(["质控李工", "配送部张队", "O'Neil"])),
    )
    def assign(self, clock: int | str, index: int, dept: str | None, person: str | None) -> None:
        self.tick(clock)
        case = self.pick(index)
        argv = ["assign", str(case.id)]
        if dept:
            argv += ["--dept", dept]
        if person:
            argv += ["--to", person]
        expected = 0 if case.status in OPEN else 2
        self.command(expected, *argv)
        if expected == 0:
            case.settle(self.now)
            case.complete(("forward",), self.now)  # handed to the department
            case.status = "assigned"
            self.changed(case, "assign")

    @precondition(lambda self: self.cases)
    @rule(
        clock=CLOCK,
        index=st.integers(0, 10**6),
        which=st.integers(0, 2 * len(INTERIM) - 1),
        note=st.booleans(),
    )
    def done(self, clock: int | str, index: int, which: int, note: bool) -> None:
        """Contact, plan and investigation complete the earlier ones of their chain,
        lab_report completes sample; investigation done makes confirm due an hour later.
        QC's milestones and confirm are recorded on a closed case too. Half the time the
        milestone is any, half the time one the case has pending (so that the rarer ones
        are reached too)."""
        self.tick(clock)
        if which < len(INTERIM):
            milestone = INTERIM[which]
            after_close = milestone in AFTER_CLOSE
            case = self.pick(index, prefer=EVERY_STATUS if after_close else OPEN)
        else:
            case = self.pick(index, prefer=EVERY_STATUS)
            can = AFTER_CLOSE if case.status not in OPEN else INTERIM
            pending = [m for m in can if case.pending(m)] or list(INTERIM)
            milestone = pending[which % len(pending)]
            after_close = milestone in AFTER_CLOSE
        argv = ["done", str(case.id), milestone]
        if note:
            argv += ["--note", "已告知家长：今日先退款"]
        ok = (case.status in OPEN or after_close) and case.pending(milestone)
        self.command(0 if ok else 2, *argv)
        if not ok:
            return
        case.settle(self.now)
        chain = next((c for c in (CHAIN, tuple(QC)) if milestone in c), (milestone,))
        completed = case.complete(chain[: chain.index(milestone) + 1], self.now)
        if "investigation" in completed and case.due["confirm"] is None:
            case.reset("confirm", self.now + CONFIRM_AFTER)
        self.changed(case, "done")

    @precondition(lambda self: self.cases)
    @rule(
        clock=CLOCK,
        index=st.integers(0, 10**6),
        milestone=st.sampled_from((*INTERIM, "resolution")),
        until=st.one_of(st.integers(1, 72), st.sampled_from(["due", "1 min after due"])),
    )
    def extend(self, clock: int | str, index: int, milestone: str, until: int | str) -> None:
        """--until in hours from now ("+5h"), or the current deadline itself or one
        minute after it, typed as a local time."""
        self.tick(clock)
        case = self.pick(index)
        due = case.due[milestone]
        if isinstance(until, int):
            new, typed = self.now + timedelta(hours=until), f"+{until}h"
        else:
            new = (due or self.now) + timedelta(minutes=until == "1 min after due")
            typed = local(new)
        argv = ["extend", str(case.id), "--milestone", milestone, "--until", typed]
        argv += ["--reason", "等待第三方检测报告"]
        ok = (
            case.status in OPEN
            and due is not None
            and case.done[milestone] is None
            and new > self.now
            and new > due
        )
        self.command(0 if ok else 2, *argv)
        if ok:
            case.settle(self.now)  # extended after its deadline, the breach stands
            case.due[milestone] = new
            case.extended[milestone] = True
            resolution = case.due["resolution"]
            if milestone != "resolution" and resolution is not None and new > resolution:
                case.due["resolution"] = new  # the resolution moves with it
                case.extended["resolution"] = True
            self.changed(case, "extend")

    @precondition(lambda self: any(c.status in OPEN for c in self.cases.values()))
    @rule(
        clock=CLOCK,
        index=st.integers(0, 10**6),
        remedy=st.sampled_from(["refund", "退款", "replace", "优惠券"]),
        cause=st.sampled_from(CAUSES),
        ours=st.sampled_from([None, True, True, True, False]),
        finding=st.sampled_from(FINDING_CHOICES),
        supply=st.integers(0, 5000).map(lambda n: n or None),
    )
    def close(
        self,
        clock: int | str,
        index: int,
        remedy: str,
        cause: tuple[str, bool | None],
        ours: bool | None,
        finding: str | None,
        supply: int | None,
    ) -> None:
        self.tick(clock)
        case = self.pick(index)
        argv = ["close", str(case.id), "--remedy", remedy, "--cause", cause[0]]
        if ours is not None:
            argv.append("--ours" if ours else "--not-ours")
        if finding:
            argv += ["--finding", finding]
        if supply is not None:
            argv += ["--supply-value", str(supply)]
        is_ours = cause[1] if ours is None else ours
        found = FINDINGS[finding] if finding else None
        fined = found in PENALTY_FINDINGS and is_ours is True
        value = supply if supply is not None else case.supply_value
        ok = case.status in OPEN and not (
            (fined and (value is None or case.org is None))
            or (found is None and case.category in ("food_safety", "illness"))
            or (found in PENALTY_FINDINGS and is_ours is None)
            or (found in DEFECTS and is_ours is not False and remedy not in EXCHANGE)
        )
        self.command(0 if ok else 2, *argv)
        if not ok:
            return
        case.settle(self.now)
        case.supply_value = value
        case.fined_at = self.now if fined else None
        if fined and case.first_fined_at is None:
            case.first_fined_at = self.now
        self.number_offences(case)
        case.status = "closed"
        case.complete(CLOSE_COMPLETES, self.now)  # QC's work and the confirmation go on
        case.again("revisit", self.now + REVISIT_AFTER)
        if case.due["confirm"] is None:  # no investigation done before: due after the close
            case.reset("confirm", self.now + CONFIRM_AFTER)
        self.changed(case, "close")

    def number_offences(self, closed: Model) -> None:
        """Each fined case is its own supply event: offence 1, 2, 3… per client by
        delivery day, same-day events by which was first fined (a re-close keeps the
        place). Another case whose offence changes gets a `penalty` entry in its history."""
        before = {cid: case.offence for cid, case in self.cases.items()}
        for case in self.cases.values():
            case.offence = None
        by_org: dict[str, list[Model]] = {}
        for case in self.cases.values():
            if case.fined_at is not None and case.org is not None:
                by_org.setdefault(case.org, []).append(case)
        for fined in by_org.values():
            fined.sort(key=lambda c: (local(c.received)[:10], c.first_fined_at, f"b{c.id}"))
            for n, case in enumerate(fined):
                case.offence = n + 1
        for cid, case in self.cases.items():
            if case is not closed and case.offence != before[cid]:
                case.actions.append("penalty")

    @precondition(lambda self: any(c.status == "closed" for c in self.cases.values()))
    @rule(
        clock=CLOCK,
        index=st.integers(0, 10**6),
        score=st.integers(1, 5),
        method=st.sampled_from(["phone", "短信", "survey"]),
    )
    def revisit(self, clock: int | str, index: int, score: int, method: str) -> None:
        self.tick(clock)
        case = self.pick(index, prefer=("closed",))
        argv = ["revisit", str(case.id), "--satisfaction", str(score), "--method", method]
        ok = case.status == "closed"
        self.command(0 if ok else 2, *argv)
        if not ok:
            return
        case.settle(self.now)
        case.complete(("revisit",), self.now)
        if score <= 2:
            case.status = "reopened"
            case.reopen_count += 1
            resolution = DEADLINES[case.severity]["resolution"]
            assert resolution is not None
            case.again("resolution", self.now + timedelta(minutes=resolution))
            # this revisit stays on record (done) until the next close
        else:
            case.status = "revisited"
        self.changed(case, "revisit")

    @rule(
        clock=st.one_of(st.sampled_from(["due", "past due"]), st.integers(0, 1500)),
        within=st.sampled_from([None, 30, 60]),
    )
    def overdue(self, clock: int | str, within: int | None) -> None:
        self.tick(clock)
        horizon = self.now + timedelta(minutes=within or 0)
        late = self.pending_before(self.now)
        argv = ["overdue", "--json"] + (["--within", f"{within}m"] if within else [])
        result = self.invoke(*argv)
        rows = json.loads(result.stdout)
        # exit 1 exactly when something is late
        assert result.exit_code == (1 if late else 0), (result.exit_code, late)
        assert {(r["id"], r["milestone"]) for r in rows} == self.pending_before(horizon)
        assert len(rows) == len(self.pending_before(horizon)), rows
        assert all((r["overdue_minutes"] > 0) == ((r["id"], r["milestone"]) in late) for r in rows)
        # it records the breaches no history has yet (escalating an urgent case once)
        for case in self.cases.values():
            case.breaches([m for m in MILESTONES if case.past(m, self.now) and not case.noted[m]])

    @precondition(lambda self: self.cases)
    @rule(
        clock=CLOCK,
        index=st.integers(0, 10**6),
        kind=st.sampled_from(list(NOTE_KINDS)),
    )
    def note(self, clock: int | str, index: int, kind: str | None) -> None:
        """A progress note, at any status. A call, visit or message is the first contact
        while that is pending, and the confirmation of the result once that is due."""
        self.tick(clock)
        case = self.pick(index, prefer=EVERY_STATUS)
        argv = ["note", str(case.id), "已致电家长说明处理进展"]
        if kind is not None:
            argv += ["--kind", kind]
        self.command(0, *argv)
        case.settle(self.now)
        if NOTE_KINDS[kind] in CUSTOMER_KINDS:
            case.complete(("contact", "confirm"), self.now)
        case.last_note_at = self.now
        self.changed(case, "note")

    @rule(
        clock=CLOCK,
        template=st.sampled_from(BAD_COMMANDS),
        index=st.integers(0, 10**6),
    )
    def bad_command(self, clock: int | str, template: list[str], index: int) -> None:
        self.tick(clock)
        cid = str(self.pick(index).id) if self.cases else str(MISSING)
        self.command(2, *(a.replace("{id}", cid) for a in template))

    # ---- what must always hold -------------------------------------------------------

    def pending_before(self, moment: datetime) -> set[tuple[int, str]]:
        return {
            (case.id, m) for case in self.cases.values() for m in MILESTONES if case.past(m, moment)
        }

    @invariant()
    def every_history_only_grows(self) -> None:
        """What a history held stays as it was, every command that changed a case added
        exactly one entry named after the command, and each breach is recorded once, when
        the model says: before the change of the write command that saw it, or by
        `overdue` — on the deadline (`late`, `breach_noted`: the export's fields) and in
        the history. The export carries every case's history in one call; `show --json`
        of the case changed last must say what the export says."""
        exported = {
            record["id"]: record
            for record in map(json.loads, self.export().splitlines())
            if "id" in record  # a complaint (the clients' records follow them)
        }
        assert sorted(exported) == sorted(self.cases), list(exported)
        if self.last is not None:
            shown = self.json("show", str(self.last), "--json")
            record = exported[self.last]
            assert shown["events"] == record["events"], self.last
            for milestone, deadline in shown["deadlines"].items():
                assert deadline.items() <= record["deadlines"][milestone].items(), deadline
        for cid, case in self.cases.items():
            for milestone, deadline in exported[cid]["deadlines"].items():
                got = (deadline["late"], deadline["breach_noted"])
                want = (case.late[milestone], case.noted[milestone])
                assert got == want, (cid, milestone, got, want)
            events = exported[cid]["events"]
            seen = self.histories.get(cid, [])
            assert events[: len(seen)] == seen, f"history of #{cid} was rewritten"
            actions = [
                e["action"] if e["action"] != "breached" else f"breached {breached(e)}"
                for e in events
            ]
            assert canonical(actions) == canonical(case.actions), (cid, actions, case.actions)
            self.histories[cid] = events

    @invariant()
    def the_database_agrees_with_the_model(self) -> None:
        listed = self.json("list", "--all", "--json")
        ids = [c["id"] for c in listed]
        assert sorted(ids) == sorted(self.cases), ids  # every id, exactly once
        for data in listed:
            case = self.cases[data["id"]]
            got = (data["status"], data["severity"], data["category"], data["reopen_count"])
            want = (case.status, case.severity, case.category, case.reopen_count)
            assert got == want, (case.id, got, want)
            assert (data["escalated_at"] is not None) == case.escalated, (case.id, data)
            assert at(data["last_note_at"]) == case.last_note_at, (case.id, data)
            assert tuple(data["deadlines"]) == MILESTONES, data["deadlines"]
            for milestone, deadline in data["deadlines"].items():
                if (case.id, milestone) in self.breached:  # a breach is never undone
                    assert deadline["state"] == "breached", (case.id, milestone, deadline)
                if deadline["state"] == "breached":
                    self.breached.add((case.id, milestone))
                listed = (
                    deadline["state"],
                    at(deadline["due_at"]),
                    at(deadline["done_at"]),
                    deadline["extended_from"] is not None,
                )
                modelled = (
                    case.state(milestone, self.now),
                    case.due[milestone],
                    case.done[milestone],
                    case.extended[milestone],
                )
                assert listed == modelled, (case.id, milestone, listed, modelled)
            penalty = data["penalty"]
            if case.offence is None:
                assert penalty is None, (case.id, penalty)
            else:
                k = LADDER[min(case.offence, len(LADDER)) - 1]
                assert case.supply_value is not None
                assert (penalty["offence"], penalty["multiplier"], penalty["amount"]) == (
                    case.offence,
                    k,
                    k * case.supply_value,
                ), (case.id, penalty)


SETTINGS = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.slow
def test_random_command_sequences_follow_the_lifecycle(monkeypatch: pytest.MonkeyPatch) -> None:
    # typer's CliRunner builds the click command from `app` on every invoke, which is most
    # of the cost of a call; build it once (the same app, the same command) for speed.
    command = typer.main.get_command(app)
    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: command, raising=False)
    run_state_machine_as_test(Lifecycle, settings=SETTINGS)
