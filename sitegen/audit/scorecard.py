"""The audit as the public sees it on /openness/: each rule's result and what is published."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic
from .rules import RULES, RULES_BY_ID
from .settings import AuditSettings

if TYPE_CHECKING:
    from ..graph import Site

PASSED, FAILED, WARNED, UNCHECKED = "通过", "未通过", "警告", "未检查"


@dataclass(frozen=True, slots=True)
class RuleResult:
    id: str
    title: str
    source: str
    status: str  # 通过 / 未通过 / 警告 / 未检查 (turned off in site.yaml)
    findings: int
    errors: int


@dataclass(frozen=True, slots=True)
class Gap:
    """A record that does not pass every rule of a coverage line."""

    title: str  # as the public knows it: the department's name, “张三 2026年12月10日接访” …
    record: Any  # the record itself (for `url_of` when it has a page); the SiteConfig for the footer
    rules: tuple[str, ...]  # the titles of the rules it does not pass


@dataclass(frozen=True, slots=True)
class Coverage:
    """“17 of 17 departments publish their duties and phones”, and which do not."""

    label: str
    rules: tuple[str, ...]  # rule ids that decide it
    total: int
    passed: int
    gaps: tuple[Gap, ...]

    @property
    def complete(self) -> bool:
        return self.passed == self.total


@dataclass(frozen=True, slots=True)
class Scorecard:
    checked: dt.date  # the build date
    rules: tuple[RuleResult, ...]  # in the order of RULES
    coverage: tuple[Coverage, ...]
    errors: int
    warnings: int

    @property
    def passed(self) -> bool:
        return self.errors == 0

    @property
    def status(self) -> str:
        return FAILED if self.errors else (WARNED if self.warnings else PASSED)


def scorecard(site: Site, findings: Iterable[Diagnostic], settings: AuditSettings | None = None) -> Scorecard:
    """Summarise `audit`'s findings (other diagnostics are ignored) for the public page."""
    settings = settings or AuditSettings()
    audit_findings = [d for d in findings if d.code.startswith("audit.") and d.code[6:] in RULES_BY_ID]
    by_rule: dict[str, list[Diagnostic]] = {}
    for finding in audit_findings:
        by_rule.setdefault(finding.code[6:], []).append(finding)
    results = tuple(_result(rule.id, by_rule.get(rule.id, []), settings) for rule in RULES)
    owners = _Owners(site)
    failing: dict[str, set[int]] = {}  # rule id -> ids of the records it reports
    for finding in audit_findings:
        record = owners.of(finding)
        if record is not None:
            failing.setdefault(finding.code[6:], set()).add(id(record))
    return Scorecard(
        checked=site.build_date,
        rules=results,
        coverage=tuple(_coverage(label, rules, items, failing) for label, rules, items in _lines(site, settings)),
        errors=sum(1 for d in audit_findings if d.is_error),
        warnings=sum(1 for d in audit_findings if not d.is_error),
    )


def _result(rule_id: str, found: Sequence[Diagnostic], settings: AuditSettings) -> RuleResult:
    rule = RULES_BY_ID[rule_id]
    errors = sum(1 for d in found if d.is_error)
    checked = settings.severity_of(rule) is not None
    status = (FAILED if errors else WARNED if found else PASSED) if checked else UNCHECKED
    return RuleResult(rule.id, rule.title, rule.source, status, len(found), errors)


def _lines(site: Site, settings: AuditSettings) -> list[tuple[str, tuple[str, ...], list[tuple[str, Any]]]]:
    """Each coverage line: its label, its rules, and the (title, record) pairs it counts."""
    year = site.build_date.year
    sessions = [s for s in site.sessions if s.date.year == year]
    names = {leader.slug: leader.name for leader in site.leaders}
    return [
        ("公开基本职责和联系电话的部门", ("department.duties-phones",),
         [(d.name, d) for d in site.departments]),
        (f"联系电话在 {settings.phone_verified_days} 天内核实过的部门",
         ("freshness.phones-stale", "freshness.phones-unverified"), [(d.name, d) for d in site.departments]),
        ("办事指南要素齐全、规范的事项",
         ("procedure.basis", "procedure.catch-all-condition", "procedure.catch-all-material",
          "procedure.materials", "procedure.time-limit", "procedure.fee"),
         [(p.title, p) for p in site.procedures]),
        ("正常工作时间对外开放的服务大厅", ("hall.working-hours",), [(h.name, h) for h in site.halls]),
        (f"{year}年公开要素齐全、状态及时更新的接访场次",
         ("reception.elements", "reception.published-in-advance", "reception.reason", "reception.postponed-new-date"),
         [(f"{names.get(s.leader, s.leader)} {s.date.year}年{s.date.month}月{s.date.day}日接访", s)
          for s in sessions]),
        (f"{year}年已安排接访并公开职务和分管工作的领导", ("leader.reception-this-year", "reception.elements"),
         [(x.name, x) for x in site.leaders]),
        (f"{year}年直接联系群众要求已达到并报送的领导",
         ("leader.quotas", "leader.activity-unreported", "leader.receptions-figure", "leader.contact-points"),
         [(x.name, x) for x in site.leaders]),
        (f"成文后 {settings.policy_publish_workdays} 个工作日内公开的政策文件", ("freshness.policy-published",),
         [(p.title, p) for p in site.policies]),
        ("网站标识", ("site.identity",), [(site.config.title, site.config)]),
    ]


def _coverage(label: str, rules: tuple[str, ...], items: list[tuple[str, Any]],
              failing: dict[str, set[int]]) -> Coverage:
    gaps = []
    for title, record in items:
        broken = tuple(RULES_BY_ID[r].title for r in rules if id(record) in failing.get(r, set()))
        if broken:
            gaps.append(Gap(title, record, broken))
    return Coverage(label, rules, len(items), len(items) - len(gaps), tuple(gaps))


class _Owners:
    """The record a finding is about, from its file and line (a reception file holds many sessions)."""

    def __init__(self, site: Site) -> None:
        self.by_path: dict[str, Any] = {site.config.origin.path: site.config}
        for records in (site.departments, site.procedures, site.leaders, site.halls, site.policies, site.notices):
            for record in records:
                self.by_path[record.origin.path] = record
        self.sessions: dict[str, list[Any]] = {}
        for session in sorted(site.sessions, key=lambda s: s.origin.line):
            self.sessions.setdefault(session.origin.path, []).append(session)

    def of(self, finding: Diagnostic) -> Any:
        path, line = finding.location.path, finding.location.line
        sessions = self.sessions.get(path)
        if sessions is not None:  # the last session starting at or before the line
            index = bisect.bisect_right([s.origin.line for s in sessions], line)
            return sessions[index - 1] if index else None
        return self.by_path.get(path)
