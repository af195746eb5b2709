"""The vocabulary of the desk: every term an operator may type, in English or Chinese.

Pure. Each vocabulary maps a canonical English key (the one stored and printed in JSON)
to the Chinese term shown beside it and the other spellings accepted on input. The
policy *numbers* attached to categories (default severity, department, keywords) live in
`rules.config`; this module only knows the words.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from typing import NamedTuple

from aftersales_cli.rules.errors import RuleError


def normalise(text: str) -> str:
    """What two spellings of one term have in common: case, spaces and dashes folded."""
    return "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())


class Term(NamedTuple):
    key: str
    zh: str
    aliases: tuple[str, ...] = ()


class Vocabulary:
    """The terms allowed for one field, e.g. `channel`."""

    def __init__(self, field: str, terms: Iterable[Term]) -> None:
        self.field = field
        self.terms: dict[str, Term] = {t.key: t for t in terms}

    @cached_property
    def _lookup(self) -> dict[str, str]:
        """Every accepted spelling → its key (built when first needed)."""
        return {
            normalise(spelling): term.key
            for term in self.terms.values()
            for spelling in (term.key, term.zh, *term.aliases)
        }

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self.terms  # (a list, from a file, is no term)

    def __iter__(self) -> Iterator[str]:
        return iter(self.terms)

    def keys(self) -> list[str]:
        return list(self.terms)

    def zh(self, key: str) -> str:
        term = self.terms.get(key)
        return term.zh if term else ""

    def label(self, key: str | None) -> str:
        """`food_safety 食品安全` — how a term is shown to people."""
        if not key:
            return ""
        zh = self.zh(key)
        return f"{key} {zh}" if zh else key

    def allowed(self) -> str:
        return ", ".join(f"{t.key} ({t.zh})" if t.zh else t.key for t in self.terms.values())

    def parse(self, text: str) -> str:
        """The canonical key for what was typed, or a RuleError naming the field."""
        key = self._lookup.get(normalise(text))
        if key is not None:
            return key
        shown = text if len(text) <= 40 else text[:37] + "..."
        hint = ""
        import difflib  # only to suggest a spelling

        close = difflib.get_close_matches(normalise(text), list(self._lookup), n=1, cutoff=0.75)
        if close:
            hint = f" (did you mean {self._lookup[close[0]]}?)"
        raise RuleError(self.field, f"{shown!r} is not one of {self.allowed()}{hint}")

    def extended(self, extra: Mapping[str, Term]) -> Vocabulary:
        """This vocabulary plus terms a rules file adds (new categories)."""
        return Vocabulary(self.field, [*self.terms.values(), *extra.values()])


CHANNELS = Vocabulary(
    "channel",
    [
        Term("hotline", "热线", ("客服热线", "电话热线", "phone call", "call")),
        Term(
            "online",
            "在线",
            ("网站", "微信", "app", "邮件", "email", "e-mail", "wechat", "web", "website", "网上"),
        ),
        Term("delivery_staff", "配送员", ("司机", "送餐员", "driver", "delivery")),
        Term("letter", "信件", ("书面信件", "来信", "书面", "mail", "post")),
        Term("onsite", "现场", ("on site", "walk in", "in person", "到访")),
    ],
)

SEVERITIES = Vocabulary(
    "severity",
    [
        Term("urgent", "紧急", ("high",)),
        Term("general", "一般", ("normal", "medium")),
        Term("non_urgent", "非紧急", ("nonurgent", "low", "不紧急")),
    ],
)

# Most severe first: the order is the rank used for "raising" and "lowering".
SEVERITY_RANK: dict[str, int] = {key: rank for rank, key in enumerate(reversed(SEVERITIES.keys()))}

DEPARTMENTS = Vocabulary(
    "department",
    [
        Term("production", "生产", ("生产部", "kitchen", "厨房")),
        Term("procurement", "采购", ("采购部", "purchasing")),
        Term("delivery", "配送", ("配送部", "logistics", "物流")),
        Term("quality_control", "质控", ("质量控制", "质控部", "品控", "qc", "quality")),
        Term("customer_service", "客服", ("客服部", "售后", "售后服务部", "cs", "service")),
    ],
)

CATEGORIES = Vocabulary(
    "category",
    [
        Term("food_safety", "食品安全"),
        Term("illness", "身体不适", ("食用后身体不适", "疑似中毒", "sick", "unwell")),
        Term("foreign_object", "异物"),
        Term("food_quality", "食品质量", ("质量",)),
        Term("delivery_delay", "配送延误", ("延误", "late delivery", "delay")),
        Term("wrong_delivery", "配送错误", ("送错", "错发漏发")),
        Term("packaging_damaged", "包装损坏", ("包装破损",)),
        Term("packaging_hygiene", "包装不卫生"),
        Term("label_error", "标签错误", ("标签",)),
        Term("service_attitude", "服务态度", ("态度", "员工行为")),
        Term("slow_response", "回复慢", ("怠慢",)),
        Term("taste_feedback", "口味反馈", ("口味", "taste")),
        Term("suggestion", "建议", ("咨询", "enquiry", "inquiry")),
        Term("other", "其他", ("其它",)),
    ],
)

REMEDIES = Vocabulary(
    "remedy",
    [
        Term("replace", "更换套餐", ("更换", "换货", "exchange")),
        Term("refund", "退款", ("退货",)),
        Term("redeliver", "重新配送", ("补送", "重送")),
        Term("new_packaging", "更换包装"),
        Term("coupon", "优惠券", ("折扣", "discount", "voucher")),
        Term("compensation", "经济赔偿", ("赔偿",)),
        Term("medical_costs", "医疗费用", ("医药费", "medical")),
        Term("apology", "道歉说明", ("道歉", "explanation", "说明")),
        Term("seal_and_test", "封存送检", ("送检", "封存")),
        Term("recall", "召回"),
    ],
)

CAUSES = Vocabulary(
    "cause",
    [
        Term("ingredient_purchase", "食材采购", ("采购",)),
        Term("processing", "加工制作", ("加工", "制作", "cooking")),
        Term("storage_transport", "储存运输", ("储存", "运输", "storage")),
        Term("traffic", "交通", ("交通拥堵", "堵车")),
        Term("weather", "天气", ("恶劣天气",)),
        Term("vehicle_failure", "车辆故障", ("车坏了",)),
        Term("route_planning", "路线规划", ("路线",)),
        Term("order_entry", "订单录入", ("下单错误", "录单")),
        Term("sorting", "分拣"),
        Term("handover", "交接"),
        Term("packaging_supplier", "包装供应商", ("包装",)),
        Term("customer", "客户原因", ("客户",)),
        Term("unknown", "原因不明", ("未知", "不明")),
    ],
)

FINDINGS = Vocabulary(
    "finding",
    [
        Term("spoiled", "腐败变质", ("变质", "霉变", "生虫", "rotten", "mouldy", "moldy")),
        Term("toxic", "有毒有害", ("有毒", "poisonous")),
        Term("pathogen", "致病微生物超标", ("致病菌", "bacteria")),
        Term("unquarantined", "未经检疫", ("未检疫",)),
        Term("diseased_animal", "病死", ("死因不明",)),
        Term("counterfeit", "假冒伪劣", ("掺假掺杂", "掺假", "伪造", "fake", "adulterated")),
        Term("expired", "超过保质期", ("过期",)),
        Term("damaged", "货物损坏", ("受潮串味", "损坏", "受潮")),
        Term("untraceable", "来源不明", ("无法溯源",)),
        Term("foreign_object", "异物"),
        Term("other", "其他", ("其它",)),
        Term("none", "无问题", ("无", "未发现问题", "nothing")),
    ],
)

# The defect list of `001 §6`: each finding obliges an exchange or return (unless not ours).
DEFECT_FINDINGS: tuple[str, ...] = (
    "spoiled",
    "toxic",
    "pathogen",
    "unquarantined",
    "diseased_animal",
    "counterfeit",
    "expired",
    "damaged",
    "untraceable",
)
# The remedies that are an exchange or a return (the customer's choice).
EXCHANGE_REMEDIES: tuple[str, ...] = ("replace", "refund", "redeliver", "recall")
# Remedies that are paid in money, in the order `--amount N` looks for the first of them.
PAYING_REMEDIES: tuple[str, ...] = ("refund", "compensation", "medical_costs", "coupon")

PAYMENT_KINDS = Vocabulary(
    "kind",
    [
        Term("refund", "退款", ("退货",)),
        Term("compensation", "经济赔偿", ("赔偿",)),
        Term("medical_costs", "医疗费用", ("医药费", "medical")),
        Term("coupon", "优惠券", ("折扣", "discount", "voucher")),
        Term("statutory", "法定赔偿", ("十倍赔偿", "惩罚性赔偿", "art148")),
    ],
)
# The kinds of ledger entry.
LEDGER_KINDS: tuple[str, ...] = ("fine", "staff_fine", "payment")

METHODS = Vocabulary(
    "method",
    [
        Term("phone", "电话", ("call",)),
        Term("sms", "短信", ("text",)),
        Term("survey", "问卷", ("在线问卷", "questionnaire", "online")),
    ],
)

# How a survey response was gathered (policy 000 §六(二): 问卷调查、网上投票、电话访谈).
SURVEY_METHODS = Vocabulary(
    "method",
    [
        Term("phone", "电话", ("电话访谈", "call", "phone interview", "telephone")),
        Term("questionnaire", "问卷", ("问卷调查", "纸质问卷", "paper", "form")),
        Term("online", "在线", ("网上投票", "网上", "投票", "web", "vote", "online vote")),
    ],
)

MILESTONES = Vocabulary(
    "milestone",
    [
        Term("contact", "首次联系", ("联系", "contacted")),
        Term("forward", "转交部门", ("转交", "转部门", "forwarded", "hand over")),
        Term("plan", "初步方案", ("方案",)),
        Term("sample", "取样", ("抽样", "采样", "sampled")),
        Term("investigation", "调查处理", ("调查", "investigated")),
        Term("lab_report", "检测报告", ("检验报告", "报告", "lab", "report", "test report")),
        Term("confirm", "结果确认", ("确认", "confirmed", "告知结果")),
        Term("resolution", "解决", ("处理完成", "resolved", "结案")),
        Term("revisit", "回访", ("follow up",)),
    ],
)

# The kinds of progress note (`aftersales note --kind`): a call, visit or message reaches
# the customer (it counts as contact, and as the confirmation of the result); an
# internal note does not.
NOTE_KINDS = Vocabulary(
    "kind",
    [
        Term("call", "电话", ("phone", "phone call", "打电话", "来电", "致电")),
        Term("visit", "走访", ("上门", "拜访", "到访", "on site")),
        Term("message", "消息", ("短信", "微信", "sms", "text", "wechat", "email", "邮件")),
        Term("internal", "内部", ("内部备注", "备注", "memo")),
    ],
)
# The note kinds that reach the customer.
CUSTOMER_NOTE_KINDS: tuple[str, ...] = ("call", "visit", "message")

CLIENT_KINDS = Vocabulary(
    "kind",
    [
        Term("school", "学校", ("小学", "中学", "幼儿园", "kindergarten")),
        Term("office", "单位", ("机关", "企业", "公司", "写字楼", "company")),
        Term("canteen", "食堂", ("餐厅", "cafeteria")),
        Term("other", "其他", ("其它",)),
    ],
)
# Who put a client in the registry: `client add`, or intake meeting a new name.
CLIENT_REGISTRARS: tuple[str, ...] = ("operator", "intake")

STATUSES = Vocabulary(
    "status",
    [
        Term("new", "新登记", ("新建",)),
        Term("classified", "已分类"),
        Term("assigned", "已指派", ("已分派",)),
        Term("closed", "已结案", ("结案",)),
        Term("revisited", "已回访"),
        Term("reopened", "重新处理", ("重新打开", "reopen")),
    ],
)

MILESTONE_KEYS: tuple[str, ...] = tuple(MILESTONES.keys())
# Milestones counted from the received time, a duration per severity; `revisit` is
# counted from the close, `sample` and `lab_report` from receipt on QC's categories,
# `confirm` from the moment investigation is done.
INTAKE_MILESTONES: tuple[str, ...] = ("contact", "forward", "plan", "investigation", "resolution")
# The chain whose deadlines come in order (a rules file may not put one before the other),
# and that `done` completes up to the milestone named.
CHAIN_MILESTONES: tuple[str, ...] = ("contact", "plan", "investigation", "resolution")
# QC's work on a sample of the product (004 §3.2): `lab_report` completes `sample`.
QC_MILESTONES: tuple[str, ...] = ("sample", "lab_report")
# What `aftersales done` records; resolution is what `close` records.
INTERIM_MILESTONES: tuple[str, ...] = (
    "contact",
    "forward",
    "plan",
    "sample",
    "investigation",
    "lab_report",
    "confirm",
)
# What `close` completes (with resolution); QC's work and the confirmation go on after it.
CLOSE_COMPLETES: tuple[str, ...] = ("contact", "forward", "plan", "investigation")
# What `done` records on a closed (or revisited) case too.
AFTER_CLOSE_MILESTONES: tuple[str, ...] = ("sample", "lab_report", "confirm")
# Each milestone's bit in the report masks kept on a complaint's row (migration 0003): in
# the order milestones were added, so that a stored mask never moves.
MILESTONE_BITS: dict[str, int] = {
    "contact": 0,
    "plan": 1,
    "investigation": 2,
    "resolution": 3,
    "revisit": 4,
    "forward": 5,
    "sample": 6,
    "lab_report": 7,
    "confirm": 8,
}

OPEN_STATUSES: tuple[str, ...] = ("new", "classified", "assigned", "reopened")
# Something still to do: open, or closed and awaiting its revisit.
ACTIVE_STATUSES: tuple[str, ...] = (*OPEN_STATUSES, "closed")
