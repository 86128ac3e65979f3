"""Checks that what is published is current: verified phones, updated columns, timely policies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..diagnostics import Location
from ..workdays import Holidays, workdays_between
from .finding import Finding, place, quoted
from .settings import AuditSettings

if TYPE_CHECKING:
    from ..graph import Site

HOLIDAYS_FILE = "content/holidays.yaml"


def phones_verified(site: Site, settings: AuditSettings) -> Iterator[Finding]:
    limit = settings.phone_verified_days
    for department in site.departments:
        verified = department.verified
        if verified is None:
            yield Finding("freshness.phones-unverified", place(department.origin, "phones"),
                          f"{department.name} 的联系电话没有注明最近核实日期",
                          f"逐个拨打核实后，添加一行 `verified: {site.build_date.isoformat()}`")
        elif (site.build_date - verified).days > limit:
            yield Finding("freshness.phones-stale", place(department.origin, "verified"),
                          f"{department.name} 的联系电话最近一次核实是 {verified}，已超过 {limit} 天",
                          "逐个拨打核实，更新号码后把 verified 改为核实当天的日期")


def notices_current(site: Site, settings: AuditSettings) -> Iterator[Finding]:
    limit = settings.notice_stale_days
    if not site.notices:
        yield Finding("freshness.notices", Location("content/notices"), "网站没有发布任何通知公告",
                      "在 content/notices/ 中发布通知公告")
        return
    newest = site.notices[0]
    if (site.build_date - newest.date).days > limit:
        yield Finding("freshness.notices", place(newest.origin, "date"),
                      f"最新的通知公告 {quoted(newest.title)} 发布于 {newest.date}，已超过 {limit} 天没有更新",
                      "及时发布通知公告；长期不更新的栏目在政府网站检查中会被判为不合格")


def policies_current(site: Site, settings: AuditSettings) -> Iterator[Finding]:
    limit = settings.policy_stale_days
    if not site.policies:
        yield Finding("freshness.policies", Location("content/policies"), "网站没有公开任何政策文件",
                      "在 content/policies/ 中公开本机关制发的规范性文件和政策文件")
        return
    newest = site.policies[0]
    if (site.build_date - newest.published).days > limit:
        yield Finding("freshness.policies", place(newest.origin, "published", "issued"),
                      f"最新的政策文件 {quoted(newest.title)} 公开于 {newest.published}，已超过 {limit} 天没有更新",
                      "及时公开新制发的政策文件；如确实没有新文件，可在 site.yaml 的 audit 中调整 policy_stale_days")


def policies_published_in_time(site: Site, settings: AuditSettings, holidays: Holidays) -> Iterator[Finding]:
    limit = settings.policy_publish_workdays
    for policy in site.policies:
        late = workdays_between(policy.issued, policy.published, holidays)
        if late > limit:
            yield Finding("freshness.policy-published", place(policy.origin, "published"),
                          f"{quoted(policy.title)} 成文于 {policy.issued}，公开于 {policy.published}，"
                          f"相隔 {late} 个工作日，超过 {limit} 个工作日",
                          "主动公开的政府信息应自形成之日起 20 个工作日内公开；如 published 写错，请更正")


def holidays_cover_the_year(site: Site, holidays: Holidays) -> Iterator[Finding]:
    year = site.build_date.year
    if year not in holidays.years:
        yield Finding("holidays.current-year", Location(HOLIDAYS_FILE),
                      f"{HOLIDAYS_FILE} 没有 {year} 年的节假日安排，工作日只能按周一至周五计算",
                      f"按国务院办公厅关于{year}年部分节假日安排的通知，添加 {year} 年的放假和调休上班日期")
