"""Run every check on a linked site and turn its findings into diagnostics at the configured severity."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, Severity
from ..workdays import NO_HOLIDAYS, Holidays
from . import freshness, leaders, records
from .finding import Finding
from .rules import RULES, RULES_BY_ID
from .settings import AuditSettings

if TYPE_CHECKING:
    from ..graph import Site

_Check = Callable[["Site", AuditSettings, Holidays], Iterable[Finding]]

# Each check with the rules it can report: a check whose rules are all off does not run.
CHECKS: tuple[tuple[tuple[str, ...], _Check], ...] = (
    (("department.duties-phones",), lambda site, _, __: records.department_duties_phones(site)),
    (("procedure.basis",), lambda site, _, __: records.procedure_basis(site)),
    (("procedure.catch-all-condition",), lambda site, _, __: records.procedure_catch_all_condition(site)),
    (("procedure.catch-all-material",), lambda site, _, __: records.procedure_catch_all_material(site)),
    (("procedure.materials",), lambda site, _, __: records.procedure_materials(site)),
    (("procedure.time-limit",), lambda site, _, __: records.procedure_time_limit(site)),
    (("procedure.fee",), lambda site, _, __: records.procedure_fee(site)),
    (("reception.elements",), lambda site, _, __: leaders.reception_elements(site)),
    (("reception.published-in-advance",), lambda site, _, __: leaders.reception_published_in_advance(site)),
    (("reception.reason",), lambda site, _, __: leaders.reception_reason(site)),
    (("reception.postponed-new-date",), lambda site, _, __: leaders.reception_postponed_new_date(site)),
    (("leader.reception-this-year",), lambda site, _, __: leaders.leader_reception_this_year(site)),
    (("leader.quotas",), lambda site, _, __: leaders.leader_quotas(site)),
    (("leader.activity-unreported",), lambda site, _, __: leaders.leader_activity_unreported(site)),
    (("leader.receptions-figure",), lambda site, _, __: leaders.leader_receptions_figure(site)),
    (("leader.contact-points",), lambda site, _, __: leaders.leader_contact_points(site)),
    (("hall.working-hours",), lambda site, _, __: records.hall_working_hours(site)),
    (("site.identity",), lambda site, _, __: records.site_identity(site)),
    (("freshness.phones-stale", "freshness.phones-unverified"),
     lambda site, settings, _: freshness.phones_verified(site, settings)),
    (("freshness.notices",), lambda site, settings, _: freshness.notices_current(site, settings)),
    (("freshness.policies",), lambda site, settings, _: freshness.policies_current(site, settings)),
    (("freshness.policy-published",),
     lambda site, settings, holidays: freshness.policies_published_in_time(site, settings, holidays)),
    (("holidays.current-year",), lambda site, _, holidays: freshness.holidays_cover_the_year(site, holidays)),
)
assert {rule for ids, _ in CHECKS for rule in ids} == set(RULES_BY_ID), "every rule has a check"
assert len(RULES_BY_ID) == len(RULES), "rule ids are unique"


def audit(
    site: Site, settings: AuditSettings | None = None, holidays: Holidays = NO_HOLIDAYS
) -> tuple[Diagnostic, ...]:
    """Every openness finding of a linked site, sorted by place; code `audit.<rule id>`."""
    settings = settings or AuditSettings()
    found: list[Diagnostic] = []
    for rule_ids, check in CHECKS:
        if all(settings.severity_of(RULES_BY_ID[rule_id]) is None for rule_id in rule_ids):
            continue
        for finding in check(site, settings, holidays):
            diagnostic = _diagnostic(finding, settings)
            if diagnostic is not None:
                found.append(diagnostic)
    return tuple(sorted(found, key=Diagnostic.sort_key))


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
        lines = texts.get(diagnostic.location.path, "").split("\n")
        line = diagnostic.location.line
        if not diagnostic.source_line and 1 <= line <= len(lines):
            diagnostic = dataclasses.replace(diagnostic, source_line=lines[line - 1])
        quoted.append(diagnostic)
    return tuple(quoted)
