"""Problems found in a site's sources, each with its location, and how to show them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a source file; `path` is relative to the site directory, lines and columns 1-based."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        return f"{self.path}:{self.line}:{self.column or 1}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: Severity
    location: Location
    message: str
    hint: str = ""
    code: str = "content"  # a stable id, e.g. "schema.required" or "ref.unknown"
    source_line: str = ""  # the offending line of the file, shown under the message

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.message)


@dataclass(slots=True)
class Reporter:
    """Collects the problems of one source file; `source` lets it quote the offending line."""

    path: str
    source: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _lines: Sequence[str] | None = None

    def error(self, line: int, column: int, message: str, hint: str = "", code: str = "content") -> None:
        self._add(Severity.ERROR, line, column, message, hint, code)

    def warning(
        self, line: int, column: int, message: str, hint: str = "", code: str = "content"
    ) -> None:
        self._add(Severity.WARNING, line, column, message, hint, code)

    def _add(
        self, severity: Severity, line: int, column: int, message: str, hint: str, code: str
    ) -> None:
        self.diagnostics.append(
            Diagnostic(
                severity=severity,
                location=Location(self.path, line, column),
                message=message,
                hint=hint,
                code=code,
                source_line=self._line(line),
            )
        )

    def _line(self, line: int) -> str:
        if self._lines is None:
            self._lines = self.source.split("\n")  # as the parser counts lines, not at U+2028
        if 1 <= line <= len(self._lines):
            return self._lines[line - 1]
        return ""

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def promote_warnings(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """`--strict`: every warning becomes an error."""
    return tuple(
        Diagnostic(Severity.ERROR, d.location, d.message, d.hint, d.code, d.source_line)
        if d.severity is Severity.WARNING
        else d
        for d in diagnostics
    )


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=Diagnostic.sort_key)


_LABELS = {Severity.ERROR: "错误", Severity.WARNING: "警告"}


def format_text(d: Diagnostic) -> str:
    """`content/x.md:14:5: error: message`, then the source line with a caret, then the hint."""
    lines = [f"{d.location}: {d.severity.value}: {d.message}"]
    if d.source_line.strip():
        shown = d.source_line.expandtabs(4).rstrip()
        lines.append(f"    {shown}")
        if d.location.column > 0:
            prefix = d.source_line[: d.location.column - 1].expandtabs(4)
            lines.append("    " + " " * _display_width(prefix) + "^")
    if d.hint:
        lines.append(f"    提示：{d.hint}")
    return "\n".join(lines)


def _display_width(text: str) -> int:
    # Chinese characters take two terminal columns.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def to_dict(d: Diagnostic) -> dict[str, str | int]:
    return {
        "severity": d.severity.value,
        "path": d.location.path,
        "line": d.location.line,
        "column": d.location.column,
        "code": d.code,
        "message": d.message,
        "hint": d.hint,
        "source_line": d.source_line,
    }


def from_dict(data: dict[str, Any]) -> Diagnostic:
    return Diagnostic(
        Severity(data["severity"]), Location(str(data["path"]), int(data["line"]), int(data["column"])),
        str(data["message"]), str(data["hint"]), str(data["code"]), str(data["source_line"]),
    )


def format_json(diagnostics: Sequence[Diagnostic]) -> str:
    items = [to_dict(d) for d in diagnostics]
    return json.dumps({"diagnostics": items}, ensure_ascii=False, indent=2)


def format_github(d: Diagnostic) -> str:
    """A GitHub Actions workflow command, which shows as an annotation on the line."""
    kind = "error" if d.is_error else "warning"
    props = [f"file={_gh_escape_prop(d.location.path)}"]
    if d.location.line > 0:
        props.append(f"line={d.location.line}")
        props.append(f"col={d.location.column or 1}")
    props.append(f"title={_gh_escape_prop(d.code)}")
    body = d.message + (f"（提示：{d.hint}）" if d.hint else "")
    return f"::{kind} {','.join(props)}::{_gh_escape_data(body)}"


def _gh_escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_prop(text: str) -> str:
    return _gh_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def count(diagnostics: Iterable[Diagnostic]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = warnings = 0
    for d in diagnostics:
        if d.is_error:
            errors += 1
        else:
            warnings += 1
    return errors, warnings
