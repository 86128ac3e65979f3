"""The content model: which keys each kind of record has, and how a source file becomes records.

What differs between a department and a procedure lives here, as data (lists of `Spec`);
the parsing itself is the one generic path in `fields.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from . import models as m
from .audit.settings import AuditSettings, AuditSettingsField
from .diagnostics import Reporter
from .fields import (
    INVALID,
    Boolean,
    Choice,
    Converted,
    Field,
    FileName,
    Integer,
    Invalid,
    LanguageTag,
    ListOf,
    Object,
    SiteLink,
    SlugRef,
    Spec,
    Text,
    WebUrl,
    parse_mapping,
)
from .values.dates import parse_date, parse_year_or_date
from .values.docnumber import parse_doc_number
from .values.errors import ValueProblem
from .values.hours import Hours, hours_from_rules, parse_clock, parse_days, parse_hours_text, parse_time_range
from .values.phones import Phone, parse_phone
from .yamlfile import Map, Node, Scalar, Seq, kind_name

# --- value fields that need more than one parser ---------------------------------------------


class PhoneField(Field[Phone]):
    """A phone number; a mobile number is allowed with a warning (rarely meant to be public)."""

    def parse(self, node: Node, where: str, report: Reporter) -> Phone | Invalid:
        phone = Converted(parse_phone, "电话号码").parse(node, where, report)
        if phone is not INVALID and phone.kind == "mobile":
            assert isinstance(node, Scalar)
            report.warning(
                node.line, node.column, f"{where} 是手机号码 {phone.display}",
                "个人手机号一般不宜公开；如确需公开可保留，否则请改为办公电话", "phone.mobile",
            )
        return phone


_HOURS_HINT = "如 `周一至周五 8:30-12:00，14:30-17:30`，或列表 `- {days: mon-fri, open: 8:30, close: 12:00}`"


class HoursField(Field[Hours]):
    """Opening hours, as the text an editor writes or as a list of {days, open, close}."""

    def parse(self, node: Node, where: str, report: Reporter) -> Hours | Invalid:
        if isinstance(node, Scalar):
            return Converted(parse_hours_text, "办公时间").parse(node, where, report)
        if not isinstance(node, Seq) or not node.items:
            report.error(node.line, node.column, f"{where} 的格式无法识别", _HOURS_HINT, "schema.hours")
            return INVALID
        rules = []
        for i, item in enumerate(node.items):
            label = f"{where}[{i + 1}]"
            values = parse_mapping(item, _HOURS_RULE, label, report)
            if values is None:
                continue
            try:
                rules.append((values["days"], parse_time_range(f"{values['open']}-{values['close']}")))
            except ValueProblem as problem:
                assert isinstance(item, Map)
                report.error(item.line, item.column, f"{label}：{problem.message}", problem.hint, "schema.hours")
        if len(rules) != len(node.items):
            return INVALID
        try:
            return hours_from_rules(rules)
        except ValueProblem as problem:  # e.g. two rules overlap on one day
            report.error(node.line, node.column, f"{where}：{problem.message}", problem.hint, "schema.hours")
            return INVALID


_HOURS_RULE = (
    Spec("days", Converted(parse_days, "星期，如 mon-fri"), required=True),
    Spec("open", Converted(lambda s: (parse_clock(s), s)[1], "时间，如 8:30"), required=True),
    Spec("close", Converted(lambda s: (parse_clock(s), s)[1], "时间，如 17:30"), required=True),
)


class TimeLimitField(Field[m.TimeLimit]):
    """Whole working days (`20`, `0` = 即办), or a text such as `30个自然日` or `无`."""

    def parse(self, node: Node, where: str, report: Reporter) -> m.TimeLimit | Invalid:
        text = Text().parse(node, where, report)
        if text is INVALID:
            return INVALID
        if text.isascii() and text.lstrip("+-").isdigit():
            days = int(text)
            if days < 0:
                assert isinstance(node, Scalar)
                report.error(
                    node.line, node.column, f"{where} 不能是负数", "填写工作日数，如 20；即办写 0", "schema.range"
                )
                return INVALID
            return m.TimeLimit(days, None)
        return m.TimeLimit(None, text)


class DocNumberField(Field[str]):
    """发文字号, with `[]` `【】` `()` around the year normalised to 〔〕 (a warning)."""

    def parse(self, node: Node, where: str, report: Reporter) -> str | Invalid:
        number = Converted(parse_doc_number, "发文字号").parse(node, where, report)
        if number is INVALID:
            return INVALID
        if number.changed:
            assert isinstance(node, Scalar)
            report.warning(
                node.line, node.column, f"{where} 已按公文格式规范为 {number.text}（年份用六角括号〔〕）",
                f"请直接写成 {number.text}", "docnumber.brackets",
            )
        return number.text


class YearMap(Field[tuple[m.Activity, ...]]):
    """`activity: {2026: {research_days: 31, …}}`, keyed by year."""

    def parse(self, node: Node, where: str, report: Reporter) -> tuple[m.Activity, ...] | Invalid:
        if not isinstance(node, Map):
            report.error(node.line, node.column, f"{where} 应为按年份的键值对，实际是{kind_name(node)}",
                         "如 `2026: {research_days: 30, receptions: 2}`", "schema.type")
            return INVALID
        years: list[m.Activity] = []
        ok = True
        for key, value in node.entries:
            if not (key.value.isascii() and key.value.isdigit() and len(key.value) == 4):
                report.error(key.line, key.column, f"{where} 的键应为四位年份，实际是 “{key.value}”",
                             "如 2026", "schema.year")
                ok = False
                continue
            values = parse_mapping(value, _ACTIVITY, f"{where}.{key.value}", report)
            if values is None:
                ok = False
                continue
            years.append(m.Activity(year=int(key.value), **values))
        return tuple(sorted(years, key=lambda a: a.year)) if ok else INVALID


# --- the specs of each kind ------------------------------------------------------------------

_count = Integer(minimum=0)
_ACTIVITY = tuple(
    Spec(key, _count)
    for key in ("research_days", "squat_days", "county_visits", "unit_visits", "receptions", "heart_talks")
)
_phone = PhoneField()


class LabelledPhones(Field[tuple[m.LabelledPhone, ...]]):
    """`phones: [{label: 办公电话, number: 027-87654321}]`."""

    _specs = (Spec("label", Text(), True), Spec("number", _phone, True))

    def parse(self, node: Node, where: str, report: Reporter) -> tuple[m.LabelledPhone, ...] | Invalid:
        items = ListOf(Object(lambda label, number: m.LabelledPhone(label, number), self._specs))
        return items.parse(node, where, report)


_date = Converted(parse_date, "日期，如 2026-01-28")

SITE = (
    Spec("title", Text(), True),
    Spec("base_url", WebUrl(), True),
    Spec("language", LanguageTag(), default="zh-CN"),
    Spec("organization", Object(m.Organization, (
        Spec("name", Text(), True),
        Spec("address", Text(), True),
        Spec("postcode", Text()),
        Spec("duty_phone", _phone, True),
        Spec("hours", HoursField(), True),
    )), True),
    Spec("identity", Object(dict, (
        Spec("sponsor", Text(), True),
        Spec("site_code", Text(), True),
        Spec("icp", Text(), True),
        Spec("police", Text(), True),
        Spec("jiucuo_url", WebUrl()),
    )), True),
    Spec("nav", ListOf(Object(m.NavItem, (Spec("title", Text(), True), Spec("url", SiteLink(), True))))),
    Spec("demo", Boolean(), default=False),
    Spec("audit", AuditSettingsField(), default=AuditSettings()),
)

DEPARTMENT = (
    Spec("name", Text(), True),
    Spec("duties", ListOf(Text()), True),
    Spec("phones", LabelledPhones(), True),
    Spec("location", Text(), True),
    Spec("hours", HoursField()),
    Spec("parent", SlugRef()),
    Spec("order", Integer()),
    Spec("head", Object(m.Head, (Spec("name", Text(), default=None), Spec("title", Text(), default=None)))),
    Spec("email", Text()),
    Spec("verified", _date),
)

MATERIAL_FORMS = ("原件", "复印件", "原件及复印件", "电子版")
PROCEDURE = (
    Spec("title", Text(), True),
    Spec("department", SlugRef(), True),
    Spec("category", Text(), True),
    Spec("basis", ListOf(Text()), True),
    Spec("conditions", ListOf(Text()), True),
    Spec("materials", ListOf(Object(m.Material, (
        Spec("name", Text(), True),
        Spec("form", Choice(MATERIAL_FORMS), True),
        Spec("copies", Integer(minimum=0), True),
        Spec("required", Boolean(), default=True),
        Spec("note", Text()),
    ))), True),
    Spec("steps", ListOf(Text()), True),
    Spec("time_limit", Object(m.TimeLimits, (
        Spec("statutory", TimeLimitField(), True),
        Spec("promised", TimeLimitField(), True),
    )), True),
    Spec("fee", Text(), True),
    Spec("location", Text(), True),
    Spec("hours", HoursField()),
    Spec("phones", Object(m.ProcedurePhones, (
        Spec("consult", ListOf(_phone, single=True), True),
        Spec("complaint", ListOf(_phone, single=True), True),
    )), True),
    Spec("visits", Integer(minimum=0), True),
    Spec("online_url", WebUrl()),
    Spec("hall", SlugRef()),
    Spec("code", Text()),
)

LEADER = (
    Spec("name", Text(), True),
    Spec("position", Text(), True),
    Spec("portfolio", Text(), True),
    Spec("order", Integer()),
    Spec("photo", FileName()),
    Spec("resume", Text()),
    Spec("contact_points", ListOf(Object(m.ContactPoint, (
        Spec("county", Text(), True),
        Spec("unit", Text(), True),
        Spec("since", Converted(parse_year_or_date, "年份或日期，如 2023")),
    ))), default=()),
    Spec("activity", YearMap(), default=()),
)

SESSION = (
    Spec("id", SlugRef()),
    Spec("leader", SlugRef(), True),
    Spec("date", _date, True),
    Spec("time", Converted(parse_time_range, "时间段，如 9:00-11:30"), True),
    Spec("location", Text(), True),
    Spec("method", Choice(m.RECEPTION_METHODS), True),
    Spec("topics", Text()),
    Spec("booking", Object(m.Booking, (Spec("phone", _phone), Spec("note", Text())))),
    Spec("status", Choice(m.SESSION_STATUSES), default="scheduled"),
    Spec("reason", Text()),
    Spec("new_date", _date),
)

POLICY = (
    Spec("title", Text(), True),
    Spec("issuer", ListOf(Text(), single=True), True),
    Spec("issued", _date, True),
    Spec("published", _date),
    Spec("doc_number", DocNumberField()),
    Spec("status", Choice(m.POLICY_STATUSES), default="现行有效"),
    Spec("category", Text()),
    Spec("superseded_by", SlugRef()),
    Spec("attachments", ListOf(Object(m.Attachment, (
        Spec("title", Text(), True), Spec("file", FileName(), True),
    ))), default=()),
)

HALL = (
    Spec("name", Text(), True),
    Spec("address", Text(), True),
    Spec("hours", HoursField(), True),
    Spec("phones", LabelledPhones(), True),
    Spec("windows", ListOf(Object(m.Window, (
        Spec("number", Text(), True),
        Spec("name", Text()),
        Spec("matters", Text()),
        Spec("procedures", ListOf(SlugRef()), default=()),
    ))), default=()),
    Spec("accessibility", ListOf(Text()), default=()),
)

NOTICE = (Spec("title", Text(), True), Spec("date", _date, True), Spec("expires", _date))
PAGE = (Spec("title", Text(), True), Spec("order", Integer()))


@dataclass(frozen=True, slots=True)
class Kind:
    """A content folder: its name, its file format, its specs and where it refers to others.

    A reference path is a tuple of keys, "*" standing for every item of a list; the last
    element names the folder the value refers to.
    """

    folder: str
    markdown: bool
    specs: tuple[Spec, ...]
    references: tuple[tuple[str, ...], ...] = ()


KINDS: dict[str, Kind] = {
    kind.folder: kind
    for kind in (
        Kind("departments", False, DEPARTMENT, (("parent", "departments"),)),
        Kind("procedures", True, PROCEDURE, (("department", "departments"), ("hall", "halls"))),
        Kind("leaders", False, LEADER, (("photo", "files"),)),
        Kind("receptions", False, SESSION, (("leader", "leaders"),)),
        Kind("policies", True, POLICY,
             (("superseded_by", "policies"), ("attachments", "*", "file", "files"))),
        Kind("halls", False, HALL, (("windows", "*", "procedures", "*", "procedures"),)),
        Kind("notices", True, NOTICE),
        Kind("pages", True, PAGE),
    )
}


def positions(node: Map) -> m.Positions:
    """Where each value is written, by its path: "fee", "conditions[3]", "time_limit.promised",
    "materials[2].copies", "activity.2026.research_days" — so later checks (the audit) can point at it."""
    found: dict[str, tuple[int, int]] = {}
    pending: list[tuple[str, Node]] = [(key.value, value) for key, value in node.entries]
    while pending:  # no recursion: the YAML loader bounds the depth, this keeps the stack flat too
        path, value = pending.pop()
        found[path] = (value.line, value.column)
        if isinstance(value, Map):
            pending.extend((f"{path}.{key.value}", child) for key, child in value.entries)
        elif isinstance(value, Seq):
            pending.extend((f"{path}[{i + 1}]", item) for i, item in enumerate(value.items))
    return m.Positions(found)


def references(node: Node, kind: Kind) -> tuple[m.Ref, ...]:
    """Every reference a record's mapping makes, with the line and column where it is written."""
    found: list[m.Ref] = []
    for path in kind.references:
        *keys, target = path
        _collect(node, keys, "", target, found)
    return tuple(found)


def _collect(node: Node, keys: list[str], where: str, target: str, found: list[m.Ref]) -> None:
    if not keys:
        if isinstance(node, Scalar) and not node.is_null:
            found.append(m.Ref(target, node.value.strip(), where, node.line, node.column))
        return
    key, rest = keys[0], keys[1:]
    if key == "*":
        if isinstance(node, Seq):
            for i, item in enumerate(node.items):
                _collect(item, rest, f"{where}[{i + 1}]", target, found)
    elif isinstance(node, Map) and (child := node.get(key)) is not None:
        _collect(child, rest, f"{where}.{key}" if where else key, target, found)


def record_values(kind: Kind, node: Node | None, where: str, report: Reporter) -> dict[str, Any] | None:
    """The values of one record's mapping, or None if it has errors."""
    if node is None:
        return None
    return parse_mapping(node, kind.specs, where, report)


def site_config(values: dict[str, Any], base_url_override: str | None, origin: m.Origin) -> m.SiteConfig:
    identity = dict(values["identity"])
    if identity.get("jiucuo_url") is None:
        identity["jiucuo_url"] = jiucuo_url(identity["site_code"])
    base_url = base_url_override or values["base_url"]
    return m.SiteConfig(
        title=values["title"],
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        language=values["language"],
        organization=values["organization"],
        identity=m.Identity(**identity),
        nav=values["nav"],
        demo=values["demo"],
        audit=values["audit"],
        origin=origin,
    )


def jiucuo_url(site_code: str) -> str:
    """The national 我为政府网站找错 platform's page for this site."""
    return f"https://zfwzzc.www.gov.cn/check_web/errorInfo_querySiteId.action?sitecode={site_code}"


def session_id(leader: str, date: dt.date, start_minute: int) -> str:
    """A stable id (the calendar UID) from leader, date and start time."""
    return f"{leader}-{date:%Y%m%d}-{start_minute // 60:02d}{start_minute % 60:02d}"
