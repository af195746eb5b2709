#!/usr/bin/env python3
"""Seed a benchmark database with N realistic complaints.

    python benchmarks/seed.py --count 1000000 --db /tmp/bench-1m.db

Two years of complaints up to now (AFTERSALES_NOW pins it) from 24 clients, every
category, severity and channel in plausible shares, Chinese descriptions of realistic
length; about 2 % still open (the most recent), most closed and revisited, some
reopened, penalties on the ladder for confirmed spoiled or expired food; the illness
details (symptoms, onset, how much was eaten, hospital) on most cases where someone fell
ill, and a corrective action on a few of the closed food safety, illness and foreign
object cases whose cause was ours — most done and verified by QC, some done late or
never verified, a few forgotten (open past their due time, so `overdue` lists them).
Attachments are not seeded: nothing that lists, reports or finds what is overdue reads
their table (`show` reads a case's few by its index). Deadlines follow the default
rules. Each complaint's history is the one the commands would have written for it —
`log`, `classify`, `assign`, `done`, `extend`, `close`, `revisit` (a low score reopens
it), `action add`/`done`/`verify`, `breached` — in time order, each entry with what it
changed, so that `aftersales check` and `import` accept the data, and the report figures
kept on the rows are the ones the case derives. The client registry holds every client
the complaints name (as migration 0015 would have found them, with the details an
operator fills in: kind, since, key accounts, contacts, a few aliases) and a few more —
two merged into another, two new this quarter; and one survey response for every ten
complaints over the same two years, every aspect scored (issue 13). The database is made
by the tool's own storage layer — the same schema and migrations (`open_db`) — and the
rows go in through `store.bulk.load` in one transaction.
"""

from __future__ import annotations

import argparse
import bisect
import io
import json
import multiprocessing
import pickle
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

from aftersales_cli import clock
from aftersales_cli.render import progress
from aftersales_cli.rules import clients as client_rules
from aftersales_cli.rules import penalties
from aftersales_cli.rules.config import default_rules
from aftersales_cli.rules.fields import client_key, phone_key
from aftersales_cli.rules.taxonomy import (
    DEFECT_FINDINGS,
    EXCHANGE_REMEDIES,
    MILESTONE_BITS,
    MILESTONE_KEYS,
)
from aftersales_cli.store import actions as corrective
from aftersales_cli.store import bulk, codec, fulltext
from aftersales_cli.store import clients as registry
from aftersales_cli.store import ledger as books
from aftersales_cli.store.db import open_db, transaction

DAY = 86_400
YEARS = 2
OPEN_SHARE = 0.02
AWAITING_REVISIT_SHARE = 0.003  # closed in the last days, their revisit still to come

ORGS = [
    "实验小学",
    "第二中学",
    "阳光幼儿园",
    "滨江小学",
    "育才中学",
    "星河科技园",
    "华鑫电子厂食堂",
    "市第一人民医院职工食堂",
    "鼓楼区机关食堂",
    "Greenfield International School",
    "Brightwave Tech",
    "新城外国语学校",
    "城南小学",
    "东方幼儿园",
    "创新产业园",
    "金桥物流园",
    "市妇幼保健院食堂",
    "第三中学",
    "科技大学后勤",
    "宏达机械厂",
    "Harbor Logistics",
    "青少年宫",
    "区政务中心食堂",
    "北湖小学",
]
DISHES = [
    "午餐A套餐",
    "午餐B套餐",
    "宫保鸡丁",
    "番茄炒蛋",
    "红烧肉",
    "清蒸鱼",
    "麻婆豆腐",
    "青椒肉丝",
    "糖醋里脊",
    "土豆牛腩",
    "鱼香肉丝",
    "西兰花炒虾仁",
    "紫菜蛋花汤",
    "冬瓜排骨汤",
    "白米饭",
    "杂粮饭",
    "水果酸奶",
    "清真套餐",
    "素食套餐",
    "儿童营养餐",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
TITLES = ["老师", "女士", "先生", "主任", "经理", "同学家长", "师傅", "班长"]
STAFF = ["客服小王", "客服小李", "客服小陈", "客服小张", "客服小刘", "客服主管陈姐"]
ASSIGNEES = {
    "quality_control": ["质控李工", "质控赵工"],
    "production": ["生产部刘师傅", "生产部周师傅"],
    "delivery": ["配送部张队", "配送部孙队"],
    "procurement": ["采购部陈经理"],
    "customer_service": ["客服主管陈姐", "客服小王"],
}
# category: (share, templates); {d} a dish, {m} minutes, {n} a number.
CATEGORIES: dict[str, tuple[float, list[str]]] = {
    "food_quality": (
        0.20,
        [
            "今天的{d}没有熟透，里面还是生的，孩子们都没法吃，希望尽快处理并说明原因。",
            "{d}份量明显比上周少了很多，学生反映吃不饱，请核实配餐标准。",
            "{d}口感异常，又硬又干，和平时完全不一样，是不是加工出了问题？",
            "送来的{d}已经凉了，放了很久的样子，没有达到保温要求。",
        ],
    ),
    "delivery_delay": (
        0.18,
        [
            "午餐送晚了{m}分钟，学生午休时间都被耽误了，这已经是本周第二次。",
            "今天的{d}比约定时间晚到{m}分钟，司机说路上堵车，希望以后提前出发。",
            "晚餐还没送到，已经超时{m}分钟了，打电话也没人接。",
        ],
    ),
    "wrong_delivery": (
        0.10,
        [
            "送错了，我们订的是{d}，送来的是别的套餐，数量也少了{n}份。",
            "清真餐和普通餐混在一起送来了，标签也不对，请立刻补送。",
            "订单上是{n}份，实际只收到一部分，漏发了{d}。",
        ],
    ),
    "taste_feedback": (
        0.10,
        [
            "最近的{d}太咸了，老师们都反映口味偏重，希望能清淡一些。",
            "{d}太辣了，小朋友吃不了，建议儿童餐少放辣椒。",
            "菜品口味比较单一，{d}连续几天重复，希望多一些变化。",
        ],
    ),
    "foreign_object": (
        0.08,
        [
            "在{d}里发现了一根头发，学生家长很生气，要求给个说法。",
            "{d}里吃出一小块塑料片，幸好没有人受伤，请彻查生产环节。",
            "汤里有异物，像是钢丝球的碎屑，非常危险。",
        ],
    ),
    "packaging_damaged": (
        0.06,
        [
            "饭盒破损，{d}的汤洒了一箱，其他餐盒也被弄脏了。",
            "餐盒盖子没有扣紧，配送途中漏汤，{n}份不能吃了。",
        ],
    ),
    "service_attitude": (
        0.05,
        [
            "配送员态度很差，问他问题直接不理人，还在学校食堂里抽烟。",
            "送餐师傅在园区里乱走，还用了我们的微波炉，希望注意规范。",
        ],
    ),
    "suggestion": (
        0.05,
        [
            "建议增加素食套餐，部分老师有需求，希望能考虑一下。",
            "希望每周能提前公布菜单，方便家长了解孩子的饮食。",
            "请问下个月能不能增加水果的份量？",
        ],
    ),
    "food_safety": (
        0.04,
        [
            "今天的{d}有明显的馊味，像是变质了，已经让学生停止食用并留样。",
            "{d}里的肉发酸发臭，怀疑储存有问题，请立即派人来封存检测。",
            "酸奶超过保质期了，生产日期是上个月的，请说明原因。",
        ],
    ),
    "illness": (
        0.03,
        [
            "中午吃完{d}以后有{n}个孩子腹泻呕吐，已经送医院检查，请立刻派人处理。",
            "员工午餐后陆续出现肚子疼、恶心的症状，怀疑是{d}的问题。",
        ],
    ),
    "slow_response": (
        0.03,
        [
            "上周投诉的问题到现在还没人回复，打了三次电话都说在处理。",
            "换餐的事一直没人理，拖了好几天，希望给个明确答复。",
        ],
    ),
    "packaging_hygiene": (
        0.03,
        [
            "餐盒外面有油渍污渍，包装很脏，看着很不卫生。",
            "保温箱有异味，{d}也沾上了味道。",
        ],
    ),
    "label_error": (
        0.02,
        [
            "{d}的标签上没有生产日期，也看不到过敏原信息。",
            "标签写的是{d}，里面装的却是别的菜，容易让过敏的学生误食。",
        ],
    ),
    "other": (
        0.03,
        [
            "请联系我们后勤老师，关于下学期的订餐数量需要沟通。",
            "发票抬头开错了，需要重新开具。",
        ],
    ),
}
CHANNELS = (
    ["hotline", "online", "delivery_staff", "letter", "onsite"],
    [0.40, 0.35, 0.10, 0.05, 0.10],
)
REMEDIES = {
    "food_quality": "replace",
    "delivery_delay": "apology",
    "wrong_delivery": "redeliver",
    "taste_feedback": "apology",
    "foreign_object": "refund",
    "packaging_damaged": "replace",
    "service_attitude": "apology",
    "suggestion": "apology",
    "food_safety": "seal_and_test",
    "illness": "medical_costs",
    "slow_response": "apology",
    "packaging_hygiene": "new_packaging",
    "label_error": "replace",
    "other": "apology",
}
CAUSES = {
    "food_quality": ["processing", "ingredient_purchase"],
    "delivery_delay": ["traffic", "route_planning", "vehicle_failure", "weather"],
    "wrong_delivery": ["sorting", "order_entry", "handover"],
    "taste_feedback": ["processing"],
    "foreign_object": ["processing", "ingredient_purchase"],
    "packaging_damaged": ["packaging_supplier", "storage_transport"],
    "service_attitude": ["handover"],
    "suggestion": ["unknown"],
    "food_safety": ["storage_transport", "ingredient_purchase", "processing"],
    "illness": ["storage_transport", "processing", "unknown"],
    "slow_response": ["order_entry"],
    "packaging_hygiene": ["packaging_supplier"],
    "label_error": ["processing"],
    "other": ["customer", "unknown"],
}
FINDINGS = ("spoiled", "expired", "none", "none", "pathogen")
METHODS = ("phone", "phone", "sms", "survey")
# The columns the seed fills, in the store's order (`codec.COLUMNS`); these keep their
# defaults (mostly NULL).
LEFT_AT_DEFAULTS = (
    "delivered_at",
    "quantity",
    "defective",
    "request",
    "injured",
    "note",
    "loss_fen",
    "staff",
    "staff_fine_fen",
    "revisit_note",
    "supply_event",
    "late",
    "last_note_at",
    # no case is paused, and every due is counted on the 24/7 clock (as before business
    # time, issue 14: counting a million dues in working time is not what is measured)
    "paused_at",
    "pause_reason",
    "pause_limit_at",
    "pause_applied_at",
    "paused_minutes",
    "counting",
)
COLUMNS = tuple(c for c in codec.COLUMNS if c not in LEFT_AT_DEFAULTS)
DEADLINE_COLUMNS = tuple(c for c in codec.DEADLINE_COLUMNS if c not in LEFT_AT_DEFAULTS)
INTERIM = ("contact", "plan", "investigation")
# The milestones of policy 004's whole loop (migration 0011), each (due, done) per case.
LOOP_004 = ("forward", "sample", "lab_report", "confirm")
QC_DONE = ("sample", "lab_report", "confirm")  # recorded by `done`, on a closed case too
# An open case older than this has usually had its resolution extended (waiting for a lab
# report, for the customer...): the customer was told a new time, before the deadline.
EXTENDED_AFTER = 2 * DAY
EXTENDED_SHARE = 0.8
REASONS = ("等待第三方检测报告", "等待客户确认方案", "部门调查中，已告知客户", "等待供应商回复")
PEOPLE = 150_000  # distinct callers: some call more than once
SATISFACTION = ([5, 4, 3, 2, 1], [0.52, 0.33, 0.09, 0.04, 0.02])
CLASSIFIED_SHARE = 0.3  # assigned cases whose category was confirmed with `classify` first
CLOSED_BEFORE = 3600  # a case the seed closes was closed at least an hour before now
CLOSABLE_AFTER = 2 * 3600  # ...and received at least two hours before now
CRON = 300  # `overdue` runs every 5 minutes and records the breaches it finds
LOCAL = 8 * 3600  # the clients are in Shanghai: UTC+8, no daylight saving time

# The history, as the commands write it (`lifecycle.changes`: each changed field as
# [old, new], keys named as `lifecycle._flatten` names them; times as stored UTC text).
# Built as text, not with json.dumps: a million complaints. Every text the seed puts in
# them is plain (no quote, backslash or control character: checked below).
CLASSIFIED = '{"status": ["new", "classified"]}'
ASSIGNED = '{"status": ["%s", "assigned"], "assignee": [null, "%s"]}'
DONE = '"deadlines.%s.done_at": [null, "%s"]'
EXTENDED = (
    '{"deadlines.resolution.due_at": ["%s", "%s"], '
    '"deadlines.resolution.extended_from": [null, "%s"], '
    '"deadlines.resolution.reason": [null, "%s"]}'
)
CLOSED = (
    '{"status": ["%s", "closed"], "deadlines.resolution.done_at": [null, "%s"], '
    '"deadlines.revisit.due_at": [null, "%s"]%s, "closed_at": [null, "%s"]}'
)
REOPENED = (
    '{"status": ["closed", "reopened"], "deadlines.resolution.due_at": ["%s", "%s"], '
    '"deadlines.resolution.done_at": ["%s", null], "deadlines.revisit.due_at": ["%s", null], '
    '"satisfaction": [null, %d], "revisit_method": [null, "%s"], "closed_at": ["%s", null], '
    '"reopened_at": [null, "%s"], "reopen_count": [0, 1]}'
)
REVISITED = (
    '{"status": ["closed", "revisited"], "deadlines.revisit.done_at": [null, "%s"], '
    '"satisfaction": [null, %d], "revisit_method": [null, "%s"]}'
)
REVISITED_AGAIN = (
    '{"status": ["closed", "revisited"], "deadlines.revisit.done_at": [null, "%s"], '
    '"satisfaction": [%d, %d]}'
)
BREACHED = '{"deadlines.%s.state": ["pending", "breached"]}'
ESCALATED = '{"deadlines.%s.state": ["pending", "breached"], "escalated_at": [null, "%s"]}'


def _plain(texts: Iterable[str]) -> None:
    for text in texts:
        if json.dumps(text, ensure_ascii=False) != f'"{text}"':
            raise AssertionError(f"{text!r} needs escaping in JSON")


_plain(
    [
        *ORGS,
        *DISHES,
        SURNAMES,
        *TITLES,
        *STAFF,
        *(name for names in ASSIGNEES.values() for name in names),
        *(template for _, templates in CATEGORIES.values() for template in templates),
        *REASONS,
    ]
)


def _money(fen: int) -> str:
    """Fen as the history writes money: a JSON number of yuan (`36.0`)."""
    return repr(fen / 100)


def _julian_day(t: int) -> float:
    """SQLite's julianday() of a stored time, to the bit (the repeat query uses it)."""
    return (t * 1000 + 210_866_760_000_000) / 86_400_000.0


class Clock:
    """Epoch seconds to stored UTC text, fast: day and time-of-day strings are cached."""

    def __init__(self, start: int, end: int) -> None:
        self.base = start - start % DAY - DAY  # a day early: the first local mornings
        days = (end - self.base) // DAY + 30
        self.days = [
            time.strftime("%Y-%m-%d", time.gmtime(self.base + d * DAY)) for d in range(days)
        ]
        self.tods = [f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}Z" for s in range(DAY)]
        self.minutes = [f" {m // 60:02d}:{m % 60:02d}" for m in range(DAY // 60)]

    def text(self, t: int | None) -> str | None:
        if t is None:
            return None
        offset = t - self.base
        return self.days[offset // DAY] + self.tods[offset % DAY]

    def day(self, t: int) -> str:
        """The local day (`2026-11-22`)."""
        return self.days[(t + LOCAL - self.base) // DAY]

    def show(self, t: int) -> str:
        """Local time as `clock.show` writes it (`2026-11-22 16:30`)."""
        offset = t + LOCAL - self.base
        return self.days[offset // DAY] + self.minutes[offset % DAY // 60]


def received_times(rng: random.Random, count: int, start: int, end: int) -> list[int]:
    """Spread over the period, mostly in the day (meal times busiest), sorted."""
    hours = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]
    weights = [2, 4, 5, 6, 9, 12, 10, 7, 5, 4, 4, 5, 3, 2, 1]
    days = (end - start) // DAY
    base = start - start % DAY
    picked_days = rng.choices(range(days), k=count)
    picked_hours = rng.choices(hours, weights, k=count)
    seconds = [rng.randrange(3600) for _ in range(count)]
    # Local Shanghai hours: UTC is 8 hours behind.
    times = [
        base + d * DAY + (h - 8) * 3600 + s
        for d, h, s in zip(picked_days, picked_hours, seconds, strict=True)
    ]
    times.sort()
    return [min(t, end - 60) for t in times]


# ---- The case file (issue 12): illness details and corrective actions -------------------
# Drawn from a random stream of their own (`CASE_FILE_SEED`), so the complaints themselves
# are the same as without them.
CASE_FILE_SEED = 12

# Illness details (policy 003: 症状, 食用量), as `log` takes them down on a case where
# someone fell ill — not every caller knows each of them.
SYMPTOMS = (
    "腹泻、呕吐",
    "腹痛、腹泻",
    "恶心、呕吐",
    "发热、腹泻、乏力",
    "头晕、恶心",
    "腹痛、恶心、呕吐",
    "皮疹、瘙痒",
    "腹泻",
)
EATEN = ("一份", "半份", "大半份", "两三口", "整份吃完", "约一碗", "只喝了汤", "吃了一半")
SYMPTOMS_SHARE = 0.9
ONSET_SHARE = 0.75  # when the symptoms began: half an hour to ten hours before the call
EATEN_SHARE = 0.8
HOSPITAL_SHARE = 0.35
IllnessDetails = tuple[str | None, str | None, str | None, int]
NO_ILLNESS_DETAILS: IllnessDetails = (None, None, None, 0)


def illness_details(rand: Any, received: int, text: Any) -> tuple[IllnessDetails, str]:
    """An ill case's (symptoms, onset_at, eaten, hospital) as stored, and what `log`
    writes of them into its history entry (after `"ill"`)."""
    symptoms = SYMPTOMS[int(rand() * len(SYMPTOMS))] if rand() < SYMPTOMS_SHARE else None
    onset = None
    if rand() < ONSET_SHARE:  # typed to the minute
        began = received - int((0.5 + rand() * 9.5) * 3600)
        onset = text(began - began % 60)
    eaten = EATEN[int(rand() * len(EATEN))] if rand() < EATEN_SHARE else None
    hospital = int(rand() < HOSPITAL_SHARE)
    logged = ""
    if symptoms is not None:
        logged += f', "symptoms": [null, "{symptoms}"]'
    if onset is not None:
        logged += f', "onset_at": [null, "{onset}"]'
    if eaten is not None:
        logged += f', "eaten": [null, "{eaten}"]'
    if hospital:
        logged += ', "hospital": [null, true]'
    return (symptoms, onset, eaten, hospital), logged


# Corrective actions (整改, policies 001 and 004): on a few of the closed cases of these
# categories whose cause was ours, opened within two days of the close, due in 3–14 days
# (at 18:00 local), by the department of the cause (the causes of these categories that
# are ours). Most are done in time and verified by
# QC; some are done late, some never verified, and a few forgotten — still open past their
# due time, which `overdue` lists. One action per case.
ACTION_CATEGORIES = frozenset({"food_safety", "illness", "foreign_object"})
ACTION_SHARE = 0.06
ACTION_DEPARTMENTS = {
    "processing": "production",
    "ingredient_purchase": "procurement",
    "storage_transport": "delivery",
}
ACTION_TEXTS = {
    "production": (
        "加工环节增加中心温度检测，每批次记录",
        "更换破损设备配件，班前检查刀具和筛网",
        "厨房人员重新培训操作规范，佩戴发帽口罩",
        "熟食出锅后两小时内分装，超时报废",
    ),
    "procurement": (
        "暂停该批次原料供应商，重新审核资质",
        "原料入库增加感官和保质期查验",
        "与供应商签订质量协议，增加抽检频次",
    ),
    "delivery": (
        "冷藏车加装温度记录仪，每车次留档",
        "配送时间超过两小时的餐品改用保温箱",
        "司机装车前检查餐盒密封和温度",
    ),
}
ACTION_BY = ASSIGNEES["quality_control"]  # QC opens and verifies them
OWNED_SHARE = 0.85  # the rest name only their department
FORGOTTEN_EVERY = 40  # one action in 40, the first among them, is never done
DONE_LATE_SHARE = 0.12
UNVERIFIED_SHARE = 0.1  # done, never verified
DONE_NOTES = ("已完成，附整改照片", "已按要求整改", "整改完成，待质控复查")
VERIFIED_NOTES = ("复查合格", "抽检合格，措施有效")
NOTE_SHARE = 0.5
ACTION_EVENT = (
    '{"actions.%d.text": [null, "%s"], "actions.%d.department": [null, "%s"]%s, '
    '"actions.%d.due_at": [null, "%s"], "actions.%d.state": [null, "open"]}'
)
ACTION_DONE = '{"actions.%d.state": ["open", "done"], "actions.%d.done_at": [null, "%s"]}'
ACTION_VERIFIED = (
    '{"actions.%d.state": ["done", "verified"], "actions.%d.verified_at": [null, "%s"]}'
)
ACTION_LATE = '{"actions.%d.late": [false, true]}'
ACTION_LATE_ESCALATED = '{"actions.%d.late": [false, true], "escalated_at": [null, "%s"]}'
ACTION_INSERT = (
    f"INSERT INTO actions (id, {', '.join(corrective.COLUMNS)}) "
    f"VALUES ({', '.join('?' * (1 + len(corrective.COLUMNS)))})"
)
_plain(
    [
        *SYMPTOMS,
        *EATEN,
        *(t for texts in ACTION_TEXTS.values() for t in texts),
        *DONE_NOTES,
        *VERIFIED_NOTES,
    ]
)


class PlannedAction:
    """A corrective action lived through as `action add`, `action done` and `action
    verify` (and `overdue`, when it went late) would have handled it: its row of the
    actions table, and its complaint's history entries, (at, by, action, changes, note).
    `late`: when its `breached` entry was written, if it went late — the complaint's
    escalation may come with it (`history`)."""

    def __init__(
        self,
        rand: Any,
        action_id: int,
        complaint_id: int,
        department: str,
        closed: int,
        now: int,
    ) -> None:
        def pick(seq: Sequence[str]) -> str:
            return seq[int(rand() * len(seq))]

        self.id, self.complaint_id = action_id, complaint_id
        self.department = department
        self.text = pick(ACTION_TEXTS[self.department])
        self.owner = pick(ASSIGNEES[self.department]) if rand() < OWNED_SHARE else None
        self.by = pick(ACTION_BY)
        self.opened = min(closed + 600 + int(rand() * 2 * DAY), now - 60)
        day = self.opened - (self.opened + LOCAL) % DAY  # local midnight
        self.due = day + (3 + int(rand() * 12)) * DAY + 18 * 3600
        done: int | None = None
        if action_id % FORGOTTEN_EVERY != 1:
            if rand() < DONE_LATE_SHARE:
                done = self.due + 3600 + int(rand() * rand() * 10 * DAY)  # mostly a little
            else:
                done = self.opened + int((self.due - self.opened) * (0.2 + rand() * 0.75))
        verified = None
        if done is not None and rand() >= UNVERIFIED_SHARE:
            verified = done + int((0.5 + rand() * 5) * DAY)
        # what is still to come, as of now, has not happened yet
        self.done = done if done is not None and done <= now - 60 else None
        self.verified = None
        if self.done is not None and verified is not None and verified <= now - 60:
            self.verified = verified
        self.state = "verified" if self.verified else "done" if self.done else "open"
        self.late: int | None = None
        self.late_by = "cron"
        finish = now if self.done is None else self.done
        if finish > self.due:  # noted by `overdue` five minutes on, or by the late `done`
            self.late = min(self.due + CRON, finish)
            if self.done is not None and self.late == self.done:
                self.late_by = self.owner or self.by
        self.done_note = pick(DONE_NOTES) if rand() < NOTE_SHARE else None
        self.verified_note = pick(VERIFIED_NOTES) if rand() < NOTE_SHARE else None

    def row(self, text: Any) -> tuple[Any, ...]:
        """In the order `store.actions.COLUMNS` declares, after the id."""
        return (
            self.id,
            self.complaint_id,
            self.text,
            self.department,
            self.owner,
            text(self.due),
            text(self.opened),
            self.by,
            self.state,
            None if self.done is None else text(self.done),
            None if self.verified is None else text(self.verified),
            int(self.late is not None),
        )

    def history(
        self, text: Any, show: Any, escalated: bool
    ) -> list[tuple[int, str, str, str, str, str | None]]:
        """Its complaint's entries, in the order written; `escalated`: its `breached`
        entry is the complaint's first breach, which escalates it."""
        n, cid = self.id, self.complaint_id
        owner = "" if self.owner is None else f', "actions.{n}.owner": [null, "{self.owner}"]'
        due = text(self.due)
        who = f", owner {self.owner}" if self.owner else ""
        entries: list[tuple[int, str, str, str, str, str | None]] = [
            (
                cid,
                text(self.opened),
                self.by,
                "action",
                ACTION_EVENT % (n, self.text, n, self.department, owner, n, due, n),
                f"{self.text} — {self.department}{who}, due {show(self.due)}",
            )
        ]
        if self.late is not None:
            late = text(self.late)
            who = f"{self.department}, {self.owner}" if self.owner else self.department
            note = f"corrective action {n} ({who}) was due {show(self.due)}"
            changes = ACTION_LATE % n
            if escalated:
                changes = ACTION_LATE_ESCALATED % (n, late)
                note += "; escalated to management"
            entries.append((cid, late, self.late_by, "breached", changes, note))
        if self.done is not None:
            done = text(self.done)
            doer = self.owner or self.by
            entries.append((cid, done, doer, "action", ACTION_DONE % (n, n, done), self.done_note))
        if self.verified is not None:
            verified = text(self.verified)
            entries.append(
                (
                    cid,
                    verified,
                    self.by,
                    "action",
                    ACTION_VERIFIED % (n, n, verified),
                    self.verified_note,
                )
            )
        return entries


# ---- The client registry and the survey (issue 13) ------------------------------------
# Drawn from a random stream of their own (`SURVEY_SEED`): the complaints stay the same.
SURVEY_SEED = 13
# Every client the complaints name: (kind, key account, contact's title or None). Kinds
# and contacts as an operator fills them in; a client since some years before its first
# complaint on file.
CLIENTS: dict[str, tuple[str, bool, str | None]] = {
    "实验小学": ("school", True, "后勤主任"),
    "第二中学": ("school", False, "老师"),
    "阳光幼儿园": ("school", False, "园长"),
    "滨江小学": ("school", False, "老师"),
    "育才中学": ("school", True, "后勤主任"),
    "星河科技园": ("office", False, "行政主管"),
    "华鑫电子厂食堂": ("canteen", False, "食堂经理"),
    "市第一人民医院职工食堂": ("canteen", True, "食堂经理"),
    "鼓楼区机关食堂": ("canteen", False, None),
    "Greenfield International School": ("school", False, "老师"),
    "Brightwave Tech": ("office", False, "行政主管"),
    "新城外国语学校": ("school", False, "后勤主任"),
    "城南小学": ("school", False, "老师"),
    "东方幼儿园": ("school", False, "园长"),
    "创新产业园": ("office", False, "行政主管"),
    "金桥物流园": ("office", False, None),
    "市妇幼保健院食堂": ("canteen", False, "食堂经理"),
    "第三中学": ("school", False, "老师"),
    "科技大学后勤": ("canteen", True, "后勤主任"),
    "宏达机械厂": ("other", False, "经理"),
    "Harbor Logistics": ("office", False, "经理"),
    "青少年宫": ("other", False, "老师"),
    "区政务中心食堂": ("canteen", True, "食堂经理"),
    "北湖小学": ("school", False, "老师"),
}
ALIASES = {  # other names the operators know a client by
    "第二中学": "二中",
    "市第一人民医院职工食堂": "一院食堂",
    "Greenfield International School": "Greenfield School",
    "区政务中心食堂": "政务中心食堂",
}
# Entered twice under another spelling, and merged a few months later: (name, into, kind).
MERGED = (
    ("实验小学(东校区)", "实验小学", "school"),
    ("Brightwave Technology", "Brightwave Tech", "office"),
)
NEW_CLIENTS = (("滨江第二幼儿园", "school"), ("云谷软件园", "office"))  # this quarter
REGISTRAR = STAFF[-1]  # the supervisor keeps the registry
SURVEY_EVERY = 10  # one response per ten complaints: 100,000 at a million
SURVEY_METHODS = (["phone", "questionnaire", "online"], [0.5, 0.3, 0.2])
# Each aspect's scores 5, 4, 3, 2, 1: mostly 4–5; taste and price lower.
SURVEY_SCORES = {
    "food": [0.45, 0.38, 0.11, 0.04, 0.02],
    "taste": [0.30, 0.38, 0.20, 0.08, 0.04],
    "hygiene": [0.55, 0.35, 0.07, 0.02, 0.01],
    "delivery": [0.48, 0.36, 0.10, 0.04, 0.02],
    "packaging": [0.50, 0.37, 0.09, 0.03, 0.01],
    "service": [0.55, 0.33, 0.08, 0.03, 0.01],
    "price": [0.22, 0.38, 0.26, 0.10, 0.04],
}
COMMENT_SHARE = 0.4
NAMED_SHARE = 0.85  # the rest answered without a name (online, mostly)
CONTACT_SHARE = 0.3  # of the named: the client's contact; else a teacher, a parent...
LOW_COMMENTS = {  # on a response's lowest aspect, when it scored 3 or less
    "food": ("菜品质量不稳定，有时候肉太少", "米饭偶尔夹生，希望改进"),
    "taste": ("口味偏咸，希望清淡一些", "菜品重复太多，希望多换花样", "孩子们反映太辣"),
    "hygiene": ("餐盒外面有油渍，不太卫生", "希望配送员注意个人卫生"),
    "delivery": ("经常晚到十几分钟，影响午休", "配送时间不固定，希望准时"),
    "packaging": ("汤容易洒出来，包装要改进", "餐盒太薄，容易变形"),
    "service": ("客服电话不好打通", "反映的问题处理得比较慢"),
    "price": ("价格偏高，希望有优惠", "涨价了但份量没变，性价比一般"),
}
PRAISE = ("总体满意，继续保持", "菜品不错，孩子们爱吃", "服务很好，谢谢", "配送很准时")


def _moment(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _local_day(t: int) -> date:
    return datetime.fromtimestamp(t + LOCAL, UTC).date()


Span = tuple[int, int, int, str | None]  # a client's id, from, until, its contact


def seed_registry(conn: Any, rand: Any, start: int, now: int) -> list[Span]:
    """The registry as `client add`, `client alias` and `client merge` would have written
    it, history entries and all; the clients a survey response may be for, with their
    contacts: merged ones until their merge, new ones from when they were registered."""
    phones = iter(f"1{'3589'[int(rand() * 4)]}{int(rand() * 10**9):09d}" for _ in range(99))
    registered = start - 30 * DAY  # the registry was filled in before the first complaint

    def add(
        name: str, kind: str, key_account: bool, title: str | None, since: int, at: int
    ) -> Span:
        contact = f"{SURNAMES[int(rand() * len(SURNAMES))]}{title}" if title else None
        details = client_rules.Details(
            kind,
            _local_day(since),
            key_account,
            contact,
            next(phones) if contact else None,
        )
        client = client_rules.register(
            name,
            details,
            today=_local_day(at),
            now=_moment(at),
            registered_by="operator",
        )
        changes = client_rules.changes(None, client)
        client_id = registry.insert(conn, client, changes, by=REGISTRAR, note=None)
        return client_id, max(since, start), now, contact

    ids: dict[str, int] = {}
    spans: list[Span] = []
    for n, (name, (kind, key_account, title)) in enumerate(CLIENTS.items()):
        since = start - int((0.2 + rand() * 6) * 365) * DAY  # months to years before
        spans.append(add(name, kind, key_account, title, since, registered + n * 600))
        ids[name] = spans[-1][0]
    for n, (name, alias) in enumerate(ALIASES.items()):
        at = _moment(start + int((0.1 + n * 0.2) * (now - start)))
        registry.add_alias(
            conn, ids[name], alias, client_rules.key("alias", alias), at=at, by=REGISTRAR
        )
    for n, (name, into, kind) in enumerate(MERGED):
        added = start + int((0.3 + n * 0.3) * (now - start))
        merged = added + (60 + int(rand() * 60)) * DAY
        source_id, _, _, _ = add(name, kind, False, None, added, added)
        spans.append((source_id, added, merged, None))
        source, target = registry.get(conn, source_id), registry.get(conn, ids[into])
        after = client_rules.merge(source, target)
        registry.merge(
            conn,
            source,
            after,
            client_rules.changes(target, after),
            at=_moment(merged),
            by=REGISTRAR,
        )
    for n, (name, kind) in enumerate(NEW_CLIENTS):
        added = now - (20 + n * 25) * DAY
        spans.append(add(name, kind, False, "老师", added, added))
    return spans


def survey_rows(
    rng: random.Random, count: int, spans: list[Span], start: int, now: int
) -> tuple[Rows, Rows]:
    """`count` responses spread over the two years (in the daytime, as the calls are
    made and the forms filled in), each for a client registered then, and their scores:
    the rows of survey_responses and survey_scores, in time order."""
    rand = rng.random

    def pick(seq: Sequence[str]) -> str:
        return seq[int(rand() * len(seq))]

    text = Clock(start, now + 10 * DAY).text
    times = sorted(start + int(rand() * (now - 60 - start)) for _ in range(count))
    methods = rng.choices(*SURVEY_METHODS, k=count)
    drawn = {a: rng.choices([5, 4, 3, 2, 1], w, k=count) for a, w in SURVEY_SCORES.items()}
    responses: Rows = []
    scores: Rows = []
    for i, at in enumerate(times):
        rid = i + 1
        client_id, contact = 0, None
        while not client_id:
            cid, begin, end, known_as = spans[int(rand() * len(spans))]
            if begin <= at < end:
                client_id, contact = cid, known_as
        given = {a: drawn[a][i] for a in SURVEY_SCORES}
        comment = None
        if rand() < COMMENT_SHARE:
            lowest = min(given, key=given.__getitem__)
            pool = LOW_COMMENTS[lowest] if given[lowest] <= 3 else PRAISE
            comment = pick(pool)
        respondent = None
        if rand() < NAMED_SHARE:
            respondent = contact if contact and rand() < CONTACT_SHARE else None
            respondent = respondent or f"{pick(SURNAMES)}{pick(TITLES)}"
        method = methods[i]
        recorded = at if method == "phone" else min(at + int(rand() * 3 * DAY), now - 60)
        at_text = text(at)
        responses.append(
            (
                rid,
                client_id,
                at_text,
                method,
                respondent,
                client_key(respondent) or "" if respondent else "",
                comment,
                sum(given.values()),
                len(given),
                pick(STAFF),
                text(recorded),
            )
        )
        scores.extend((rid, aspect, score, at_text) for aspect, score in given.items())
    return responses, scores


RESPONSE_INSERT = (
    "INSERT INTO survey_responses (id, client_id, at, method, respondent, respondent_key,"
    " comment, score_total, score_count, by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
SCORE_INSERT = "INSERT INTO survey_scores (response_id, aspect, score, at) VALUES (?, ?, ?, ?)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar on a terminal")
    args = parser.parse_args(argv)
    if args.db.exists():
        parser.error(f"{args.db} exists; seed a new file")
    started = time.perf_counter()
    now = int(clock.now().timestamp())
    conn = open_db(args.db)  # the tool's schema and migrations
    # Loading a new file: no journal while it fills (a failed seed leaves a file to throw
    # away, nothing else), then back to the tool's WAL mode.
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB while loading
    with (
        transaction(conn),
        bulk.indexes_rebuilt(conn),
        progress.progress("Seeding", args.count, "complaints", quiet=args.quiet) as advance,
    ):
        for complaints, deadlines, events, actions, documents in chunks(args.count, now, args.seed):
            bulk.load(
                conn,
                complaints,
                deadlines,
                events,
                complaint_columns=COLUMNS,
                deadline_columns=DEADLINE_COLUMNS,
                documents=documents,
            )
            conn.executemany(ACTION_INSERT, actions)  # a few: their indexes stay
            advance(len(complaints))
        books.backfill(conn, "seed", "paid and fined at the close")  # what close appends
        surveyed = random.Random(args.seed + SURVEY_SEED)
        start = now - YEARS * 365 * DAY
        spans = seed_registry(conn, surveyed.random, start, now)
        responses, scores = survey_rows(surveyed, args.count // SURVEY_EVERY, spans, start, now)
        conn.executemany(RESPONSE_INSERT, responses)
        conn.executemany(SCORE_INSERT, scores)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    took = time.perf_counter() - started
    size = args.db.stat().st_size / 2**20
    print(
        f"seeded {args.count:,} complaints and {len(responses):,} survey responses into "
        f"{args.db} ({size:,.0f} MiB) in {took:.1f} s",
        file=sys.stderr,
    )
    return 0


Rows = list[tuple[Any, ...]]
CHUNK = 20_000


def generate(count: int, now: int, seed: int) -> Iterator[tuple[Rows, Rows, Rows, Rows]]:
    """The rows, a chunk of complaints (with their deadlines, events and corrective
    actions) at a time.

    Each complaint is lived through as the commands would have handled it — `log`, maybe
    `classify`, `assign`, `done` of the interim milestones, `extend`, `close`, `revisit`
    (a low score reopens it: closed and revisited again), and the `breached` events that
    `overdue` (every 5 minutes) or the late step itself records — and its history holds
    one event per step, in time order, with what that step changed. The stored report
    figures are those `store.codec.report_figures` and the repeat query derive."""
    rng = random.Random(seed)
    rand = rng.random
    case_file = random.Random(seed + CASE_FILE_SEED).random  # illness details, actions
    actions: Rows = []
    last_action = 0

    def pick(seq: Sequence[Any]) -> Any:
        return seq[int(rand() * len(seq))]

    rules = default_rules()
    due_minutes: dict[str, dict[str, int | None]] = {
        s: {m: (int(d.approx_minutes) if d else None) for m, d in row.items()}
        for s, row in rules.deadlines.by_severity.items()
    }
    resolution_minutes = {s: int(row["resolution"] or 0) for s, row in due_minutes.items()}
    revisit_after = rules.deadlines.revisit_after_close.approx_minutes * 60
    qc_seconds = {
        m: None if d is None else d.approx_minutes * 60
        for m, d in (("sample", rules.deadlines.sample), ("lab_report", rules.deadlines.lab_report))
    }
    confirm_after = rules.deadlines.confirm
    confirm_seconds = None if confirm_after is None else confirm_after.approx_minutes * 60
    ladder = rules.penalties.ladder
    window = rules.penalties.window_days * DAY
    reopen_max = rules.revisit.reopen_max
    escalate = rules.severity.escalate_when_overdue
    ours_of = {c: penalties.ours_by_default(c, rules) for cs in CAUSES.values() for c in cs}
    start = now - YEARS * 365 * DAY
    clock_ = Clock(start, now + 10 * DAY)
    fmt, show = clock_.text, clock_.show
    days, tods, base = clock_.days, clock_.tods, clock_.base

    def text(t: int) -> str:  # Clock.text, inlined: some thirty calls per complaint
        return days[(t - base) // DAY] + tods[(t - base) % DAY]

    times = received_times(rng, count, start, now)
    names = list(CATEGORIES)
    categories = rng.choices(names, [CATEGORIES[n][0] for n in names], k=count)
    channels = rng.choices(*CHANNELS, k=count)
    orgs = rng.choices([*ORGS, None], [1.0] * len(ORGS) + [1.5], k=count)
    scores = rng.choices(*SATISFACTION, k=count)
    phones = [f"1{pick('3589')}{int(rand() * 10**9):09d}" for _ in range(PEOPLE)]
    keys = [phone_key(p) for p in phones]
    callers = [f"{pick(SURNAMES)}{pick(TITLES)}" for _ in range(PEOPLE)]
    # The most recent complaints are the ones still to do: open, or closed and awaiting
    # their revisit.
    recent_from = count - int(count * (OPEN_SHARE + AWAITING_REVISIT_SHARE))
    awaiting = AWAITING_REVISIT_SHARE / (OPEN_SHARE + AWAITING_REVISIT_SHARE)
    offences: dict[str, list[int]] = {}
    last_seen: dict[tuple[str, str], int] = {}  # by phone, as the repeat query counts
    client_seen: dict[tuple[str, str], int] = {}  # by client_key(org), likewise
    org_keys = {org: client_key(org) for org in [*ORGS, None]}
    open_states = ("new", "classified", "assigned", "assigned", "reopened")
    at_text = itemgetter(1)
    rows: Rows = []
    deadlines: Rows = []
    events: Rows = []
    for i in range(count):
        cid = i + 1
        received = times[i]
        category = categories[i]
        channel = channels[i]
        hotline = channel == "hotline"
        org = orgs[i]
        rule = rules.categories[category]
        severity = rule.severity
        people, ill = 1, 0
        if category == "illness" or (category == "food_safety" and rand() < 0.3):
            people, ill, severity = 1 + int(rand() * 12), 1, "urgent"
        department = rule.department
        caller = int(rand() * PEOPLE)
        previous = last_seen.get((keys[caller], category))
        gap = (
            None
            if previous is None
            else int((_julian_day(received) - _julian_day(previous)) * 1440)
        )
        last_seen[(keys[caller], category)] = received
        org_key = org_keys[org]
        client_gap = None
        if org_key is not None:  # the same for the client, whatever the phone
            before = client_seen.get((org_key, category))
            if before is not None:
                client_gap = int((_julian_day(received) - _julian_day(before)) * 1440)
            client_seen[(org_key, category)] = received
        dish = pick(DISHES)
        description = pick(CATEGORIES[category][1]).format(
            d=dish, m=15 + int(rand() * 75), n=2 + int(rand() * 28)
        )
        received_text = text(received)
        delivery_day = clock_.day(received) if category not in ("suggestion", "other") else None
        batch = None
        if delivery_day and rand() < 0.6:
            batch = f"B{delivery_day[2:4]}{delivery_day[5:7]}{delivery_day[8:10]}-{pick('12345')}"
        order_no = f"PO{received % 10**8:08d}" if rand() < 0.4 else None
        due = due_minutes[severity]
        status = "revisited"
        if i >= recent_from:
            status = "closed" if rand() < awaiting else pick(open_states)
        worked = status in ("closed", "revisited", "reopened")  # closed at least once
        if worked and now - received < CLOSABLE_AFTER:
            status, worked = "assigned", False  # too recent to have been closed already
        extended = not worked and now - received > EXTENDED_AFTER and rand() < EXTENDED_SHARE
        by = pick(STAFF)
        # The interim milestones, each done by its own `done` (the hotline makes contact at
        # intake); `done` of one completes the earlier ones, so they are done in order.
        done: dict[str, int] = {}
        cursor = received
        stopped = False
        undone = 0.25 if now - received < DAY else 0.03  # open cases: older ones mostly done
        for milestone in INTERIM:
            minutes = due[milestone]
            if minutes is None:
                continue
            if hotline and milestone == "contact":
                done[milestone] = received
                continue
            slow = rand() < 0.06
            share = 1.05 + rand() * 0.95 if slow else 0.1 + rand() * 0.85
            moment = max(received + int(minutes * 60 * share), cursor)
            if worked:
                moment = min(moment, now - CLOSED_BEFORE - 600)
            elif stopped or moment > now or rand() < undone:
                if not extended:
                    stopped = True
                    continue
                # extended: the interim work is done; the resolution was promised for later
                moment = max(received + int(minutes * 60 * (0.2 + rand() * 0.7)), cursor)
            done[milestone] = moment
            cursor = moment
        closed_at: int | None = None
        first_close: int | None = None
        reopened_at: int | None = None
        revisited_at: int | None = None
        satisfaction: int | None = None
        first_score: int | None = None
        ours: int | None = None
        method = remedy = remedies = cause = finding = None
        amount = price = supply = statutory = None
        penalty: tuple[int, str, int] | None = None
        incident = reopen = 0
        resolution = resolution_minutes[severity] * 60
        closing = ""
        if worked:
            hours = min(rng.lognormvariate(2.0, 0.8), resolution / 1200)
            first_close = min(max(cursor + 600, received + int(hours * 3600)), now - CLOSED_BEFORE)
            if status == "closed":  # awaiting the revisit: closed in the last days
                first_close = max(first_close, now - int(rand() * 2.5 * DAY))
            closed_at = first_close
            remedy = REMEDIES[category]
            cause = pick(CAUSES[category])
            is_ours = ours_of[cause]
            ours = None if is_ours is None else int(is_ours)
            if remedy in ("refund", "replace", "medical_costs") and rand() < 0.7:
                amount = (18 + int(rand() * 380)) * 100
            if category in ("food_safety", "illness"):
                finding = pick(FINDINGS)
                price = (12 + int(rand() * 28)) * 100
            if finding in rules.penalties.findings and ours is None:
                finding = "none"  # `close` asks who is responsible first
            if finding in rules.penalties.findings and ours:
                if org:
                    fined = offences.setdefault(org, [])
                    prior = len(fined) - bisect.bisect_left(fined, received - window)
                    k = ladder[min(prior + 1, len(ladder)) - 1]
                    supply = (500 + int(rand() * 4500)) * 100
                    penalty = (prior + 1, str(k), int(supply * k))
                    fined.append(received)
                else:  # `close` fines by the client: a fine without one is refused
                    finding = "none"
            remedies = remedy
            if finding in DEFECT_FINDINGS and ours and remedy not in EXCHANGE_REMEDIES:
                remedies = f"{remedy},refund"  # 001 §6: an exchange or return besides
            if price is not None and penalties.is_statutory_case(
                category, finding, bool(ours), rules
            ):
                statutory = int(
                    penalties.statutory_compensation(
                        people, Decimal(price) / 100, None, rules
                    ).total
                    * 100
                )
            incident = int(finding in rules.penalties.incident_findings and ours == 1)
            # What `close` writes besides the status, deadlines and closed_at.
            closing = f', "remedy": [null, "{remedy}"], "remedies": [null, "{remedies}"]'
            if amount is not None:
                closing += f', "amount": [null, {_money(amount)}]'
            closing += f', "cause": [null, "{cause}"]'
            if ours is not None:
                closing += f', "ours": [null, {"true" if ours else "false"}]'
            if finding is not None:
                closing += f', "finding": [null, "{finding}"]'
            if supply is not None:
                closing += f', "supply_value": [null, {_money(supply)}]'
            if price is not None:
                closing += f', "price": [null, {_money(price)}]'
            if penalty is not None:
                closing += (
                    f', "penalty.offence": [null, {penalty[0]}], "penalty.multiplier": '
                    f'[null, {float(penalty[1])!r}], "penalty.amount": [null, {_money(penalty[2])}]'
                )
            if statutory is not None:
                closing += f', "statutory_compensation": [null, {_money(statutory)}]'
            if incident:
                closing += ', "incident": [null, true]'
            if status != "closed":
                method = pick(METHODS)
            if status == "reopened":  # revisited unsatisfied, and not closed again yet
                reopened_at = first_close + DAY // 2 + int(rand() * 2.5 * DAY)
                if reopened_at > now - 60:
                    reopened_at = first_close + int((now - 60 - first_close) * rand())
                satisfaction = first_score = 1 if rand() < 1 / 3 else 2
                closed_at, reopen = None, 1
            elif status == "revisited":
                revisited_at = min(first_close + DAY // 2 + int(rand() * 2.5 * DAY), now - 60)
                satisfaction = scores[i]
                if satisfaction <= reopen_max:  # reopened, closed again, revisited again
                    hours = min(rng.lognormvariate(2.0, 0.8), resolution / 1200)
                    again = revisited_at + max(600, int(hours * 3600))
                    last = again + DAY // 2 + int(rand() * 2.5 * DAY)
                    if last <= now - 60:
                        first_score, reopen = satisfaction, 1
                        reopened_at, closed_at, revisited_at = revisited_at, again, last
                    satisfaction = pick((3, 4, 5))
        assigned = worked or status == "assigned"
        assignee = pick(ASSIGNEES[department]) if assigned else None
        # Confirmed (sometimes) and assigned soon after intake, before any close.
        span = (now if first_close is None else first_close) - received
        classified_at = None
        if status == "classified" or (assigned and rand() < CLASSIFIED_SHARE):
            classified_at = received + int(rand() * min(1800, span // 3))
        assigned_at = now + DAY  # (never)
        if assigned:
            assigned_at = (classified_at or received) + int(rand() * min(3600, span // 3))
        # The deadlines, the report figures, and the breaches the history records.
        texts = {m: text(t) for m, t in done.items()}  # when each interim step was done
        # Policy 004's loop: forwarded by the assign (or the close); QC samples and reports
        # on its categories (mostly in time, on a closed case too); the result confirmed
        # with the customer after investigation is done (or after the close without one).
        loop: dict[str, tuple[int | None, int | None]] = dict.fromkeys(LOOP_004, (None, None))
        if due["forward"] is not None:
            loop["forward"] = (
                received + due["forward"] * 60,
                assigned_at if assigned else first_close,
            )
        if category in rules.deadlines.qc_categories:
            taken = received
            for milestone in ("sample", "lab_report"):
                seconds = qc_seconds[milestone]
                if seconds is None:
                    continue
                share = 1.05 + rand() * 0.4 if rand() < 0.08 else 0.3 + rand() * 0.65
                taken = max(taken, received + int(seconds * share))
                loop[milestone] = (received + seconds, taken if taken <= now else None)
        started = done.get("investigation")
        if started is None and due["investigation"] is None:
            started = first_close  # no investigation: confirm falls due after the close
        if started is not None and confirm_seconds is not None:
            told = started + int(confirm_seconds * (1.2 + rand() * 2 if rand() < 0.1 else rand()))
            loop["confirm"] = (started + confirm_seconds, told if told <= now else None)
        due_texts: dict[str, str | None] = {}
        breaches: list[tuple[int, int, str, str]] = []  # (noted at, due at, milestone, by)
        met_mask = breached_mask = 0
        extension = None
        first_due = received + resolution
        if reopen and first_close is not None and first_close > first_due:
            # the first resolution, breached at the first close
            noted = min(first_due + CRON, first_close)
            breaches.append(
                (noted, first_due, "resolution", by if noted == first_close else "cron")
            )
        for milestone in MILESTONE_KEYS:
            bit = MILESTONE_BITS[milestone]
            due_at: int | None
            finish: int | None
            extended_from: int | None = None
            reason: str | None = None
            if milestone == "revisit":
                due_at = closed_at + revisit_after if closed_at else None
                finish = revisited_at
            elif milestone == "resolution":
                finish = closed_at
                # counted from receipt, or again from the reopening
                due_at = first_due if reopened_at is None else reopened_at + resolution
                if finish is None and (
                    extended
                    or (reopened_at is not None and due_at < now and rand() < EXTENDED_SHARE)
                ):  # the customer was told of a later time before it was due
                    extended_from, reason = due_at, pick(REASONS)
                    due_at = now + 3600 + int(rand() * 7 * DAY)
                    told = min(extended_from - int(rand() * 3600), now)
                    extension = (told, extended_from, due_at, reason)
            elif milestone in LOOP_004:
                due_at, finish = loop[milestone]
            else:
                minutes = due[milestone]
                due_at = None if minutes is None else received + minutes * 60
                finish = done.get(milestone)
            due_text = due_texts[milestone] = None if due_at is None else text(due_at)
            done_text: str | None
            if milestone in texts:
                done_text = texts[milestone]
            else:
                done_text = None if finish is None else text(finish)
            late = 0
            if due_at is not None:
                if finish is not None:
                    if finish > due_at:
                        late = 1
                        breached_mask |= 1 << bit
                        noted = min(due_at + CRON, finish)
                        who = by  # recorded by the late step itself...
                        if noted < finish:
                            who = "cron"  # ...or by `overdue` before it
                        elif milestone in INTERIM and assignee and finish >= assigned_at:
                            who = assignee
                        breaches.append((noted, due_at, milestone, who))
                    else:
                        met_mask |= 1 << bit
                elif due_at < now:
                    late = 1
                    breaches.append((min(due_at + CRON, now), due_at, milestone, "cron"))
            deadlines.append(
                (
                    cid,
                    milestone,
                    due_text,
                    done_text,
                    None if extended_from is None else text(extended_from),
                    reason,
                    late,
                )
            )
        action = None
        if cause in ACTION_DEPARTMENTS and category in ACTION_CATEGORIES and ours:
            if first_close is not None and case_file() < ACTION_SHARE:
                last_action += 1
                owning = ACTION_DEPARTMENTS[cause]
                action = PlannedAction(case_file, last_action, cid, owning, first_close, now)
                actions.append(action.row(text))
        escalated_at = None
        if breaches:
            breaches.sort()
            if severity in escalate:
                escalated_at = breaches[0][0]
        action_escalates = False  # its breach came first: it carries the escalation
        if action is not None and action.late is not None and severity in escalate:
            if escalated_at is None or action.late < escalated_at:
                escalated_at, action_escalates = action.late, True
        # The history: (complaint, at, by, action, changes, note), put in time order below.
        logged = (
            f'{{"received_at": [null, "{received_text}"], "channel": [null, "{channel}"], '
            f'"customer": [null, "{callers[caller]}"], "phone": [null, "{phones[caller]}"], '
            f'"description": [null, "{description}"], "category": [null, "{category}"], '
            f'"severity": [null, "{severity}"], "status": [null, "new"]'
        )
        if org:
            logged += f', "org": [null, "{org}"]'
        if order_no:
            logged += f', "order_no": [null, "{order_no}"]'
        logged += f', "product": [null, "{dish}"]'
        if batch:
            logged += f', "batch": [null, "{batch}"]'
        if delivery_day:
            logged += f', "delivery_date": [null, "{delivery_day}"]'
        logged += f', "people": [null, {people}]'
        illness = NO_ILLNESS_DETAILS
        if ill:
            logged += ', "ill": [null, true]'
            illness, described = illness_details(case_file, received, text)
            logged += described
        logged += f', "department": [null, "{department}"]'
        for milestone in INTERIM:
            if due_texts[milestone]:
                logged += f', "deadlines.{milestone}.due_at": [null, "{due_texts[milestone]}"]'
                if milestone == "contact" and hotline:
                    logged += f', "deadlines.contact.done_at": [null, "{received_text}"]'
        for milestone in ("forward", "sample", "lab_report"):
            if due_texts[milestone]:
                logged += f', "deadlines.{milestone}.due_at": [null, "{due_texts[milestone]}"]'
        first_due_text = text(first_due)
        logged += f', "deadlines.resolution.due_at": [null, "{first_due_text}"]}}'
        history: list[tuple[int, str, str, str, str, str | None]] = [
            (cid, received_text, by, "log", logged, None)
        ]
        if classified_at is not None:
            history.append((cid, text(classified_at), by, "classify", CLASSIFIED, None))
        if assigned:
            was = "classified" if classified_at else "new"
            assigning = ASSIGNED % (was, assignee)
            if due_texts["forward"]:
                forwarded = DONE % ("forward", text(assigned_at))
                assigning = f"{assigning[:-1]}, {forwarded}}}"
            history.append((cid, text(assigned_at), pick(STAFF), "assign", assigning, None))
        # One `done` per moment (`done plan` also completes a contact still open), by the
        # assignee once there is one.
        moments: dict[int, str] = {}
        for milestone in INTERIM:
            t = done.get(milestone)
            if t is not None and not (hotline and milestone == "contact"):
                part = DONE % (milestone, texts[milestone])
                moments[t] = f"{moments[t]}, {part}" if t in moments else part
        for milestone in QC_DONE:
            t = loop[milestone][1]
            if t is not None:
                part = DONE % (milestone, text(t))
                moments[t] = f"{moments[t]}, {part}" if t in moments else part
        scheduled = done.get("investigation")
        if scheduled is not None and due_texts["confirm"]:
            part = f'"deadlines.confirm.due_at": [null, "{due_texts["confirm"]}"]'
            moments[scheduled] = f"{moments[scheduled]}, {part}"
        for t, parts in sorted(moments.items()):
            who = assignee if assignee and t >= assigned_at else by
            history.append((cid, text(t), who, "done", "{" + parts + "}", None))
        if extension is not None:
            told, old, new, reason = extension
            old_text = text(old)
            history.append(
                (
                    cid,
                    text(told),
                    assignee or by,
                    "extend",
                    EXTENDED % (old_text, text(new), old_text, reason),
                    reason,
                )
            )
        closed_text = None if closed_at is None else text(closed_at)
        after_close = ""  # what the first close also changes of 004's loop
        if not assigned and due_texts["forward"] and first_close is not None:
            after_close += ", " + DONE % ("forward", text(first_close))
        if due_texts["confirm"] and done.get("investigation") is None:
            after_close += f', "deadlines.confirm.due_at": [null, "{due_texts["confirm"]}"]'
        if first_close is not None:
            first_text = text(first_close)
            first_revisit = text(first_close + revisit_after)
            history.append(
                (
                    cid,
                    first_text,
                    by,
                    "close",
                    CLOSED
                    % (
                        "assigned",
                        first_text,
                        first_revisit,
                        closing + after_close,
                        first_text,
                    ),
                    None,
                )
            )
            if reopened_at is not None:
                reopened_text = text(reopened_at)
                history.append(
                    (
                        cid,
                        reopened_text,
                        pick(STAFF),
                        "revisit",
                        REOPENED
                        % (
                            first_due_text,
                            text(reopened_at + resolution),
                            first_text,
                            first_revisit,
                            first_score,
                            method,
                            first_text,
                            reopened_text,
                        ),
                        None,
                    )
                )
                if closed_text is not None:
                    history.append(
                        (
                            cid,
                            closed_text,
                            by,
                            "close",
                            CLOSED
                            % ("reopened", closed_text, due_texts["revisit"], "", closed_text),
                            None,
                        )
                    )
        revisited_text = None
        if revisited_at is not None:
            revisited_text = text(revisited_at)
            history.append(
                (
                    cid,
                    revisited_text,
                    pick(STAFF),
                    "revisit",
                    REVISITED_AGAIN % (revisited_text, first_score, satisfaction)
                    if reopen
                    else REVISITED % (revisited_text, satisfaction, method),
                    None,
                )
            )
        for n, (noted, due_at, milestone, who) in enumerate(breaches):
            note = f"{milestone} was due {show(due_at)}"
            noted_text = text(noted)
            if n == 0 and escalated_at == noted:  # the first breach escalates
                changes = ESCALATED % (milestone, noted_text)
                note += "; escalated to management"
            else:
                changes = BREACHED % milestone
            history.append((cid, noted_text, who, "breached", changes, note))
        if action is not None:
            history += action.history(text, show, action_escalates)
        # Stored UTC text sorts as time does; the sort is stable: the steps of one moment
        # keep the order they were taken in.
        history.sort(key=at_text)
        events += history
        # fmt: off
        rows.append((
            cid, status, received_text, channel, callers[caller], phones[caller], keys[caller],
            org, order_no, dish, batch, delivery_day, description, people, ill, category,
            severity, department, assignee, remedy, remedies, amount, cause, ours, finding,
            supply, price,
            penalty[0] if penalty else None, penalty[1] if penalty else None,
            penalty[2] if penalty else None, statutory, incident, satisfaction, method,
            closed_text, fmt(reopened_at), reopen, fmt(escalated_at),
            None if "contact" not in done else (done["contact"] - received) // 60,
            None if closed_at is None else (closed_at - received) // 60, met_mask,
            breached_mask, gap, org_key, client_gap, *illness,
        ))
        # fmt: on
        if len(rows) == CHUNK or i == count - 1:
            yield rows, deadlines, events, actions
            rows, deadlines, events, actions = [], [], [], []


def _pickled(chunk: tuple[Rows, Rows, Rows, Rows, list[tuple[int, str]]]) -> bytes:
    """A chunk as bytes, pickled without a memo: three times faster to write than the
    queue's own pickling (which remembers every one of its millions of objects), and the
    producer's time is the seed's time."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: the rows hold no cycles
    pickler.dump(chunk)
    return out.getvalue()


# Where each of the text index's fields is in a row (None: left at its default).
_INDEXED = [COLUMNS.index(f) if f in COLUMNS else None for f in fulltext.CASE_FIELDS]


def documents(rows: Rows) -> list[tuple[int, str]]:
    """Each complaint's entry in the text index, as the store makes it."""
    return [
        (row[0], fulltext.case_terms(*(None if i is None else row[i] for i in _INDEXED)))
        for row in rows
    ]


def _produce(count: int, now: int, seed: int, queue: Any) -> None:
    """In a second process: generate the chunks (and the text index's entries, the
    costliest part of the index to make) while the first one inserts them."""
    for complaints, deadlines, events, actions in generate(count, now, seed):
        queue.put(_pickled((complaints, deadlines, events, actions, documents(complaints))))
    queue.put(None)


def chunks(
    count: int, now: int, seed: int
) -> Iterator[tuple[Rows, Rows, Rows, Rows, list[tuple[int, str]]]]:
    """Generated in another process (two cores: one makes rows, one writes them)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=4)
    worker = context.Process(target=_produce, args=(count, now, seed, queue), daemon=True)
    worker.start()
    while (data := queue.get()) is not None:
        chunk: tuple[Rows, Rows, Rows, Rows, list[tuple[int, str]]] = pickle.loads(data)
        yield chunk
    worker.join()


if __name__ == "__main__":
    sys.exit(main())
