"""Checks of leaders' receptions and of their yearly commitments under 鄂发〔2013〕22号."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import models as m
from ..diagnostics import Location
from .finding import Finding, is_placeholder, place, plain, quoted
from .rules import CONTACT_POINT_YEARS, QUOTAS, Quota

if TYPE_CHECKING:
    from ..graph import Site

# A quota is a yearly total: until this day of the year a shortfall is only a warning, since the
# rest of the year can make it good. From it on, the rule's own severity applies.
QUOTA_DUE = (12, 1)
_VAGUE_REASONS = frozenset({
    "因故", "因故取消", "因故延期", "因事", "有事", "临时有事", "工作原因", "因工作原因", "工作需要", "因工作需要",
    "另有安排", "另有公务", "其他原因", "因其他原因", "个人原因", "特殊原因", "不可抗力",
})
_COUNTED = ("held", "scheduled")


# --- receptions ----------------------------------------------------------------------------------


def reception_elements(site: Site) -> Iterator[Finding]:
    for session in site.sessions:
        if is_placeholder(session.location):
            yield Finding("reception.elements", place(session.origin, "location"),
                          f"{session.date} 的接访地点写的是 {quoted(session.location)}",
                          "写明接访的具体地点，如“厅机关1号楼一楼信访接待室”；上门回访可写到县（市）")
    # Name, position and portfolio come from the leader's record: checked once per leader.
    for leader in site.leaders:
        if not site.sessions_by_leader.get(leader.slug):
            continue
        for key, label in (("name", "姓名"), ("position", "职务"), ("portfolio", "分管工作")):
            value = getattr(leader, key)
            if is_placeholder(value):
                yield Finding("reception.elements", place(leader.origin, key),
                              f"接访领导的{label}写的是 {quoted(value)}",
                              f"接访须公开领导的姓名、职务和分管工作：请填写实际的{label}")


def reception_published_in_advance(site: Site) -> Iterator[Finding]:
    for session in site.sessions:
        if session.status == "scheduled" and session.date < site.build_date:
            yield Finding("reception.published-in-advance", place(session.origin, "status", "date"),
                          f"{session.date} 的接访日期已过，状态仍是“待举行”（scheduled）",
                          "举行后把 status 改为 held；取消或延期的改为 cancelled / postponed 并写明 reason")


def reception_reason(site: Site) -> Iterator[Finding]:
    for session in site.sessions:
        reason = session.reason
        if session.status not in ("cancelled", "postponed") or reason is None:
            continue  # a missing reason is a validation error already
        if is_placeholder(reason) or plain(reason) in _VAGUE_REASONS or len(plain(reason)) < 4:
            what = "取消" if session.status == "cancelled" else "延期"
            yield Finding("reception.reason", place(session.origin, "reason"),
                          f"{session.date} 的接访{what}原因 {quoted(reason)} 过于笼统",
                          f"写明{what}的具体原因，以及已预约群众的事项如何处理")


def reception_postponed_new_date(site: Site) -> Iterator[Finding]:
    for session in site.sessions:
        if session.status != "postponed":
            continue
        if session.new_date is None:
            yield Finding("reception.postponed-new-date", place(session.origin, "status"),
                          f"{session.date} 的接访已延期，但没有公布新的日期",
                          "添加 `new_date: …`，并为新的日期添加一场接访")
            continue
        later = site.sessions_by_leader.get(session.leader, ())
        if not any(other.date == session.new_date for other in later):
            yield Finding("reception.postponed-new-date", place(session.origin, "new_date"),
                          f"{session.date} 的接访延期到 {session.new_date}，但接访安排中没有这一天的场次",
                          f"在接访安排中为 {session.new_date} 添加一场接访，写明时间、地点和方式")


# --- leaders and their 22号 commitments ----------------------------------------------------------


def leader_reception_this_year(site: Site) -> Iterator[Finding]:
    year = site.build_date.year
    for leader in site.leaders:
        if not _sessions_in(site, leader, year, _COUNTED):
            yield Finding("leader.reception-this-year", place(leader.origin, "name"),
                          f"{leader.name} 在 {year} 年没有已举行或已安排的接访",
                          "每位领导每年至少安排接待群众来访 1 次：在 content/receptions/ 中添加接访安排")


def leader_quotas(site: Site) -> Iterator[Finding]:
    year = site.build_date.year
    early = (site.build_date.month, site.build_date.day) < QUOTA_DUE
    for leader in site.leaders:
        has_session = bool(_sessions_in(site, leader, year, _COUNTED))
        for row in commitments(site, leader, year).rows:
            if not row.quota.audited or row.recorded is None or row.met:
                continue
            if row.quota.key == "receptions" and not has_session:
                continue  # leader.reception-this-year reports it already
            so_far = "截至目前" if early else ""
            yield Finding("leader.quotas", _activity_place(leader, year, row.quota.key),
                          f"{leader.name} {year} 年{so_far}{row.quota.label} {row.recorded}{row.quota.unit}，"
                          f"要求{row.quota.requirement}",
                          "请按要求安排；如数据有误，更新 activity 中的数字（接访次数以接访记录中已举行的场次计）",
                          at_most_warning=early)


def leader_activity_unreported(site: Site) -> Iterator[Finding]:
    year = site.build_date.year
    for leader in site.leaders:
        if _activity(leader, year) is None:
            yield Finding("leader.activity-unreported", place(leader.origin, "activity", "name"),
                          f"{leader.name} 没有报送 {year} 年的直接联系群众数据",
                          f"在 activity 下添加 `{year}: {{research_days: …, county_visits: …, unit_visits: …, "
                          "heart_talks: …}`；未报送不等于 0")
            continue
        for row in commitments(site, leader, year).rows:
            if row.quota.audited and row.recorded is None:
                yield Finding("leader.activity-unreported", _activity_place(leader, year, row.quota.key),
                              f"{leader.name} {year} 年的“{row.quota.label}”未报送",
                              f"在 activity 的 {year} 下添加 `{row.quota.key}: 数字`；未报送不等于 0")


def leader_receptions_figure(site: Site) -> Iterator[Finding]:
    year = site.build_date.year
    for leader in site.leaders:
        activity = _activity(leader, year)
        if activity is None or activity.receptions is None:
            continue
        held = len(_sessions_in(site, leader, year, ("held",)))
        if activity.receptions != held:
            yield Finding("leader.receptions-figure", _activity_place(leader, year, "receptions"),
                          f"{leader.name} {year} 年报送接访 {activity.receptions} 次，"
                          f"接访安排中已举行的却是 {held} 场",
                          "每场接访都应公开；补齐接访记录（status: held），或更正报送的次数")


def leader_contact_points(site: Site) -> Iterator[Finding]:
    year = site.build_date.year
    for leader in site.leaders:
        if not leader.contact_points:
            yield Finding("leader.contact-points", place(leader.origin, "name"),
                          f"{leader.name} 没有公开联系点",
                          "在 contact_points 下写明联系的县（市）和基层单位，如 "
                          "`- {county: 十堰市郧西县, unit: 上津镇津城村, since: 2024}`")
            continue
        current = leader.contact_points[-1]
        since = current.since if isinstance(current.since, int) or current.since is None else current.since.year
        if since is not None and year >= since + CONTACT_POINT_YEARS:
            index = len(leader.contact_points)
            yield Finding("leader.contact-points", place(leader.origin, f"contact_points[{index}]", "contact_points"),
                          f"{leader.name} 的现联系点（{current.county}、{current.unit}）自 {since} 年起已满 "
                          f"{CONTACT_POINT_YEARS} 年",
                          "联系点 3 年一轮换：在 contact_points 末尾添加新的联系点；如已轮换，请更新")


def _activity(leader: m.Leader, year: int) -> m.Activity | None:
    return next((a for a in leader.activity if a.year == year), None)


def _activity_place(leader: m.Leader, year: int, key: str) -> Location:
    return place(leader.origin, f"activity.{year}.{key}", f"activity.{year}", "activity", "name")


def _sessions_in(site: Site, leader: m.Leader, year: int, statuses: tuple[str, ...]) -> tuple[m.Session, ...]:
    return tuple(
        s for s in site.sessions_by_leader.get(leader.slug, ()) if s.date.year == year and s.status in statuses
    )


@dataclass(frozen=True, slots=True)
class Commitment:
    """One 22号 quota of one leader's year: the target beside the recorded figure."""

    quota: Quota
    recorded: int | None  # None: 未报送 (not reported), which is not 0
    source: str  # "activity" (the leader's reported figures) or "receptions" (counted from the records)
    met: bool
    status: str  # 已达到 / 未达到 / 进行中 (the year is not over) / 未报送


@dataclass(frozen=True, slots=True)
class Commitments:
    leader: m.Leader
    year: int
    as_of: dt.date  # the build date: figures are “so far” until the year is over
    rows: tuple[Commitment, ...]

    @property
    def reported(self) -> bool:
        return any(row.recorded is not None for row in self.rows if row.source == "activity")


def commitments(site: Site, leader: m.Leader, year: int | None = None) -> Commitments:
    """A leader's 22号 targets beside the recorded figures of `year` (default: the build date's)."""
    year = site.build_date.year if year is None else year
    activity = _activity(leader, year)
    over = site.build_date >= dt.date(year + 1, 1, 1)
    rows = []
    for quota in QUOTAS:
        if quota.key == "receptions":
            recorded: int | None = len(_sessions_in(site, leader, year, ("held",)))
            source = "receptions"
        else:
            recorded = None if activity is None else getattr(activity, quota.key)
            source = "activity"
        met = recorded is not None and recorded >= quota.target
        if recorded is None:
            status = "未报送"
        elif met:
            status = "已达到"
        else:
            status = "未达到" if over else "进行中"
        rows.append(Commitment(quota, recorded, source, met, status))
    return Commitments(leader, year, site.build_date, tuple(rows))
