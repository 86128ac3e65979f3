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

# The checks that read one record each, with the Site list (and content folder) they run over
# and their rule. A record's findings are the record's alone: the build finds them when it
# validates the record's file, and keeps them with its records (see record_findings).
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


_CHECKS_BY_FOLDER: dict[str, tuple[_RecordCheck, ...]] = {
    folder: tuple(check for kind, _, check in RECORD_CHECKS if kind == folder)
    for folder in {kind for kind, _, _ in RECORD_CHECKS}
}


def record_findings(folder: str, records: Iterable[Any], text: str) -> tuple[Finding, ...]:
    """Every record check's findings on the records of one file of a content folder, whatever
    the settings (the audit leaves out the rules that are off), each with the line of `text`
    (the file's) it points at. What a record alone decides: found once when its file is
    validated, and kept with its records while the file's bytes stay the same."""
    checks = _CHECKS_BY_FOLDER.get(folder, ())
    return tuple(
        dataclasses.replace(finding, source_line=line)
        if (line := _line(text, finding.location.line)) is not None else finding
        for record in records for check in checks for finding in check(record)
    )


def audit(
    site: Site, settings: AuditSettings | None = None, holidays: Holidays = NO_HOLIDAYS,
    checked: Iterable[Finding] | None = None,
) -> tuple[Diagnostic, ...]:
    """Every openness finding of a linked site, sorted by place; code `audit.<rule id>`.
    `checked`: the record checks' findings on every record of the site, found when their files
    were validated (see record_findings); without them, the checks run here. The build passes
    them for a site linked without errors, whose records are exactly the validated ones."""
    settings = settings or AuditSettings()
    found: list[Diagnostic] = []
    for finding in _findings(site, settings, holidays, checked):
        diagnostic = _diagnostic(finding, settings)
        if diagnostic is not None:
            found.append(diagnostic)
    return tuple(sorted(found, key=Diagnostic.sort_key))


def _findings(site: Site, settings: AuditSettings, holidays: Holidays,
              checked: Iterable[Finding] | None) -> Iterator[Finding]:
    if checked is not None:
        yield from checked
    else:
        kinds: dict[str, list[_RecordCheck]] = {}
        for kind, rule_id, record_check in RECORD_CHECKS:
            if settings.severity_of(RULES_BY_ID[rule_id]) is not None:
                kinds.setdefault(kind, []).append(record_check)
        for kind, checks in kinds.items():
            yield from (finding for record in getattr(site, kind) for check in checks for finding in check(record))
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
    return Diagnostic(severity, finding.location, finding.message, hint, f"audit.{rule.id}", finding.source_line)


def quote_lines(diagnostics: Iterable[Diagnostic], texts: Mapping[str, str]) -> tuple[Diagnostic, ...]:
    """The diagnostics with the offending source line filled in, from the files' texts by path.
    A diagnostic that has its line already does not look at its file's text (which a build
    decodes only when asked: see build._Texts)."""
    quoted = []
    for diagnostic in diagnostics:
        if not diagnostic.source_line:
            line = _line(texts.get(diagnostic.location.path, ""), diagnostic.location.line)
            if line is not None:
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
