"""The openness audit (政务公开体检): the rules that make a government site publishable, as code.

    findings = audit(site, settings, holidays)      # diagnostics with code "audit.<rule id>"
    card = scorecard(site, findings, settings)      # what /openness/ shows the public
    mine = commitments(site, leader)                # a leader's 22号 targets beside the figures

Every rule in `RULES` has a stable id, a Chinese title, the article it enforces and a default
severity that site.yaml's `audit: rules:` can change to error, warning or off. The audit is pure:
it reads a linked `Site` (whose build date stands for “today”) and a holidays calendar.

Nothing in this package imports the graph at run time, so the schema can import the settings.
"""

from __future__ import annotations

from .engine import CHECKS, audit, quote_lines
from .finding import Finding
from .leaders import QUOTA_DUE, Commitment, Commitments, commitments
from .rules import QUOTAS, RULES, RULES_BY_ID, Quota, Rule
from .scorecard import FAILED, PASSED, UNCHECKED, WARNED, Coverage, Gap, RuleResult, Scorecard, scorecard
from .settings import LEVELS, AuditSettings, AuditSettingsField, Level

__all__ = [
    "CHECKS", "FAILED", "LEVELS", "PASSED", "QUOTAS", "QUOTA_DUE", "RULES", "RULES_BY_ID", "UNCHECKED", "WARNED",
    "AuditSettings", "AuditSettingsField", "Commitment", "Commitments", "Coverage", "Finding", "Gap", "Level",
    "Quota", "Rule", "RuleResult", "Scorecard", "audit", "commitments", "quote_lines", "scorecard",
]
