"""Run every check on a linked site and turn its findings into diagnostics at the configured severity."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic, Severity
from ..workdays import NO_HOLIDAYS, Holidays
from . import freshness, leaders, records
from .finding import Finding
from .rules import RULES, RULES_BY_ID
from .settings import AuditSettings

if TYPE_CHECKING:
    from ..graph import Site

_Check = Callable[["Site", AuditSettings, Holidays], Iterable[Finding]]
_RecordCheck = Callable[[Any], Iterable[Finding]]

# The checks that read one record each, with the Site list they run over and their rule. The
# findings of a record stand as long as the record does (see AuditMemo).
RECORD_CHECKS: tuple[tuple[str, str, _RecordCheck], ...] = (
    ("departments", "department.duties-phones", records.department_duties_phones),
    ("procedures", "procedure.basis", records.procedure_basis),
    ("procedures", "procedure.catch-all-condition", records.procedure_catch_all_condition),
    ("procedures", "procedure.catch-all-material", records.procedure_catch_all_material),
    ("procedures", "procedure.materials", records.procedure_materials),
    ("procedures", "procedure.time-limit", records.procedure_time_limit),
    ("procedures", "procedure.fee", records.procedure_fee),
    ("procedures", "hall.working-hours", records.procedure_working_hours),
    ("halls", "hall.working-hours", records.hall_working_hours),
)

# The checks that read the site as a whole, each with the rules it can report: a check whose
# rules are all off does not run.
CHECKS: tuple[tuple[tuple[str, ...], _Check], ...] = (
    (("reception.elements",), lambda site, _, __: leaders.reception_elements(site)),
    (("reception.published-in-advance",), lambda site, _, __: leaders.reception_published_in_advance(site)),
    (("reception.reason",), lambda site, _, __: leaders.reception_reason(site)),
    (("reception.postponed-new-date",), lambda site, _, __: leaders.reception_postponed_new_date(site)),
    (("leader.reception-this-year",), lambda site, _, __: leaders.leader_reception_this_year(site)),
    (("leader.quotas",), lambda site, _, __: leaders.leader_quotas(site)),
    (("leader.activity-unreported",), lambda site, _, __: leaders.leader_activity_unreported(site)),
    (("leader.receptions-figure",), lambda site, _, __: leaders.leader_receptions_figure(site)),
    (("leader.contact-points",), lambda site, _, __: leaders.leader_contact_points(site)),
    (("site.identity",), lambda site, _, __: records.site_identity(site)),
    (("freshness.phones-stale", "freshness.phones-unverified"),
     lambda site, settings, _: freshness.phones_verified(site, settings)),
    (("freshness.notices",), lambda site, settings, _: freshness.notices_current(site, settings)),
    (("freshness.policies",), lambda site, settings, _: freshness.policies_current(site, settings)),
    (("freshness.policy-published",),
     lambda site, settings, holidays: freshness.policies_published_in_time(site, settings, holidays)),
    (("holidays.current-year",), lambda site, _, holidays: freshness.holidays_cover_the_year(site, holidays)),
)
assert ({rule for ids, _ in CHECKS for rule in ids} | {rule for _, rule, _ in RECORD_CHECKS}
        == set(RULES_BY_ID)), "every rule has a check"
assert len(RULES_BY_ID) == len(RULES), "rule ids are unique"


class AuditMemo:
    """The findings of the record checks, by record, from one audit to the next (serve): an
    unchanged record is the same object in every build of the process, so its findings stand.
    Records no longer in the site are forgotten at each audit."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[Any, tuple[_RecordCheck, ...], list[Finding]]] = {}

    def findings(self, records: Iterable[Any], checks: tuple[_RecordCheck, ...]) -> Iterator[Finding]:
        kept, self._kept = self._kept, {}
        for record in records:
            known = kept.get(id(record))
            if known is not None and known[0] is record and known[1] == checks:
                found = known[2]
            else:
                found = [finding for check in checks for finding in check(record)]
            self._kept[id(record)] = (record, checks, found)
            yield from found


def audit(
    site: Site, settings: AuditSettings | None = None, holidays: Holidays = NO_HOLIDAYS,
    memo: dict[str, AuditMemo] | None = None,
) -> tuple[Diagnostic, ...]:
    """Every openness finding of a linked site, sorted by place; code `audit.<rule id>`.
    `memo`: the record checks' findings of the last audit, by Site list (serve keeps it)."""
    settings = settings or AuditSettings()
    found: list[Diagnostic] = []
    for finding in _findings(site, settings, holidays, memo):
        diagnostic = _diagnostic(finding, settings)
        if diagnostic is not None:
            found.append(diagnostic)
    return tuple(sorted(found, key=Diagnostic.sort_key))


def _findings(site: Site, settings: AuditSettings, holidays: Holidays,
              memo: dict[str, AuditMemo] | None) -> Iterator[Finding]:
    kinds: dict[str, list[_RecordCheck]] = {}
    for kind, rule_id, record_check in RECORD_CHECKS:
        if settings.severity_of(RULES_BY_ID[rule_id]) is not None:
            kinds.setdefault(kind, []).append(record_check)
    for kind, checks in kinds.items():
        if memo is None:  # a single build: nothing to keep
            yield from (finding for record in getattr(site, kind) for check in checks for finding in check(record))
        else:
            yield from memo.setdefault(kind, AuditMemo()).findings(getattr(site, kind), tuple(checks))
    for rule_ids, check in CHECKS:
        if any(settings.severity_of(RULES_BY_ID[rule_id]) is not None for rule_id in rule_ids):
            yield from check(site, settings, holidays)


def _diagnostic(finding: Finding, settings: AuditSettings) -> Diagnostic | None:
    rule = RULES_BY_ID[finding.rule]
    severity = settings.severity_of(rule)
    if severity is None:
        return None
    if finding.at_most_warning:
        severity = Severity.WARNING
    hint = f"{finding.hint}。依据：{rule.source}" if finding.hint else f"依据：{rule.source}"
    return Diagnostic(severity, finding.location, finding.message, hint, f"audit.{rule.id}")


def quote_lines(diagnostics: Iterable[Diagnostic], texts: Mapping[str, str]) -> tuple[Diagnostic, ...]:
    """The diagnostics with the offending source line filled in, from the files' texts by path."""
    quoted = []
    for diagnostic in diagnostics:
        line = _line(texts.get(diagnostic.location.path, ""), diagnostic.location.line)
        if not diagnostic.source_line and line is not None:
            diagnostic = dataclasses.replace(diagnostic, source_line=line)
        quoted.append(diagnostic)
    return tuple(quoted)


def _line(text: str, number: int) -> str | None:
    """Line `number` (from 1) of the text, found without splitting it: findings point at front
    matter, near the top of files that may be long."""
    if number < 1:
        return None
    start = 0
    for _ in range(number - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return None
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]
