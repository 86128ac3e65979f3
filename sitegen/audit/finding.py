"""What a check finds, before severities apply; and the small helpers every check shares."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .. import models as m
from ..diagnostics import Location
from .rules import RULES_BY_ID


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str  # a Rule id
    location: Location
    message: str
    hint: str
    # A shortfall that the rest of the year can still make good (22号 quotas before December):
    # reported as a warning whatever the rule's severity, unless the rule is off.
    at_most_warning: bool = False
    source_line: str = ""  # the line it points at, when found with its file's text (see record_findings)

    def to_json(self) -> list[Any]:
        loc = self.location
        return [self.rule, loc.path, loc.line, loc.column, self.message, self.hint, self.at_most_warning,
                self.source_line]

    @staticmethod
    def from_json(item: Any) -> Finding:
        """What to_json gave (the build cache keeps the record checks' findings with the
        records); ValueError for anything else, a rule sitegen does not have too."""
        if type(item) is not list or [type(value) for value in item] != _JSON_TYPES:
            raise ValueError(f"not a cached finding: {item!r}"[:200])
        rule, path, line, column, message, hint, at_most_warning, source_line = item
        if rule not in RULES_BY_ID:
            raise ValueError(f"unknown audit rule {rule!r}")
        return Finding(rule, Location(path, line, column), message, hint, at_most_warning, source_line)


_JSON_TYPES = [str, str, int, int, str, str, bool, str]


def place(origin: m.Origin, *keys: str) -> Location:
    """Where the first of `keys` that was written is ("identity.icp", then "identity"), else the record."""
    for key in keys:
        position = origin.positions.get(key)
        if position is not None:
            return Location(origin.path, *position)
    return Location(origin.path, origin.line, 1)


_PUNCTUATION = re.compile(r"[\s。.，,；;：:、！!？?（）()【】\[\]“”\"'‘’《》<>…·~～_—/\\|-]+")
# What editors write when they have nothing to write: not content the public can use.
_PLACEHOLDERS = frozenset({
    "无", "暂无", "没有", "空", "略", "见上", "同上", "详见", "待定", "待补充", "待完善", "待更新", "另行通知",
    "另行公布", "另行确定", "不详", "未知", "xx", "xxx", "tbd", "todo", "na", "null", "none", "某某", "0",
})


def plain(text: str) -> str:
    """The text without spaces and punctuation, case-folded: what placeholder checks compare."""
    return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", text)).casefold()


_FILLER = re.compile(r"[x某×*]+")


@functools.lru_cache(maxsize=8192)  # materials, conditions and hours repeat across thousands of procedures
def is_placeholder(text: str) -> bool:
    """“无”, “待定”, “/”, “XXX”: a field that is filled in but says nothing."""
    cleaned = plain(text)
    return cleaned in _PLACEHOLDERS or not cleaned or _FILLER.fullmatch(cleaned) is not None


def quoted(text: str, limit: int = 24) -> str:
    """“text”, shortened for a message."""
    return f"“{text if len(text) <= limit else text[:limit] + '…'}”"
