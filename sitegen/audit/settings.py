"""The audit's settings in site.yaml (`audit:`): per-rule severities and the freshness limits.

    audit:
      phone_verified_days: 365      # 电话核实日期距今不超过的天数
      notice_stale_days: 365        # 最新一条通知公告距今不超过的天数
      policy_stale_days: 730        # 最新一份政策文件距今不超过的天数
      policy_publish_workdays: 20   # 成文后几个工作日内公开（条例第二十六条）
      rules:
        leader.contact-points: off  # error / warning / off
        procedure.basis: error

This module imports nothing that imports the schema, so `schema.py` and `models.py` can use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..diagnostics import Reporter, Severity
from ..fields import INVALID, Choice, Field, Integer, Invalid, Object, Spec, did_you_mean
from ..yamlfile import Map, Node, kind_name
from .rules import RULES_BY_ID, Rule

Level = Literal["error", "warning", "off"]
LEVELS: tuple[Level, ...] = ("error", "warning", "off")


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """What site.yaml's `audit:` says; every field has the default the rules ask for."""

    rules: Mapping[str, Level] = field(default_factory=dict)  # rule id -> level (a dict: it must pickle)
    phone_verified_days: int = 365
    notice_stale_days: int = 365
    policy_stale_days: int = 730
    policy_publish_workdays: int = 20  # 条例 Art.26

    def severity_of(self, rule: Rule) -> Severity | None:
        """The severity a rule reports with, or None when it is turned off."""
        level = self.rules.get(rule.id)
        if level is None:
            return rule.severity
        return None if level == "off" else Severity(level)


class RuleLevels(Field[Mapping[str, Level]]):
    """`rules: {rule-id: error | warning | off}`; an unknown id is an error with “did you mean”."""

    def parse(self, node: Node, where: str, report: Reporter) -> Mapping[str, Level] | Invalid:
        if not isinstance(node, Map):
            report.error(node.line, node.column, f"{where} 应为键值对，实际是{kind_name(node)}",
                         "每行写一条规则，如 `leader.contact-points: off`", "schema.type")
            return INVALID
        levels: dict[str, Level] = {}
        ok = True
        for key, value in node.entries:
            if key.value not in RULES_BY_ID:
                report.error(key.line, key.column, f"{where} 中没有规则 “{key.value}”",
                             did_you_mean(key.value, list(RULES_BY_ID)) + "规则编号见 README 的体检规则表",
                             "audit.unknown-rule")
                ok = False
                continue
            level = Choice(LEVELS).parse(value, f"{where}.{key.value}", report)
            if level is INVALID:
                ok = False
                continue
            levels[key.value] = _LEVEL_OF[level]
        return levels if ok else INVALID


_LEVEL_OF: dict[str, Level] = {"error": "error", "warning": "warning", "off": "off"}
_DEFAULT = AuditSettings()
_days = Integer(minimum=1)
_SPECS = (
    Spec("rules", RuleLevels()),
    Spec("phone_verified_days", _days, default=_DEFAULT.phone_verified_days),
    Spec("notice_stale_days", _days, default=_DEFAULT.notice_stale_days),
    Spec("policy_stale_days", _days, default=_DEFAULT.policy_stale_days),
    Spec("policy_publish_workdays", _days, default=_DEFAULT.policy_publish_workdays),
)


class AuditSettingsField(Object[AuditSettings]):
    """site.yaml's `audit:` mapping — for `Spec("audit", AuditSettingsField(), default=AuditSettings())`.

    An `Object`, so whatever walks the schema (the README's key tables) sees its keys.
    """

    def __init__(self) -> None:
        super().__init__(_settings, _SPECS)


def _settings(rules: Mapping[str, Level] | None, phone_verified_days: int, notice_stale_days: int,
              policy_stale_days: int, policy_publish_workdays: int) -> AuditSettings:
    return AuditSettings(dict(rules or {}), phone_verified_days, notice_stale_days, policy_stale_days,
                         policy_publish_workdays)
