"""Problems as a GitLab Code Quality report (`sitegen check --format gitlab`).

GitLab shows the report's entries on the merge request, at their file and line. The format is
GitLab's Code Quality report: a JSON list of Code Climate issues (description, check_name,
fingerprint, severity, location.path, location.lines.begin).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from .diagnostics import Diagnostic


def format_gitlab(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps([_issue(d) for d in diagnostics], ensure_ascii=False, indent=2)


def _issue(d: Diagnostic) -> dict[str, object]:
    description = d.message + (f"（提示：{d.hint}）" if d.hint else "")
    # Stable across runs, so GitLab can tell which problems a merge request fixed or added.
    key = f"{d.code}\0{d.location.path}\0{d.location.line}\0{d.location.column}\0{d.message}"
    return {
        "type": "issue",
        "check_name": d.code,
        "description": description,
        "categories": ["Bug Risk" if d.is_error else "Style"],
        "severity": "major" if d.is_error else "minor",
        "fingerprint": hashlib.sha256(key.encode("utf-8")).hexdigest(),
        "location": {"path": d.location.path, "lines": {"begin": max(d.location.line, 1)}},
    }
