"""Every HTML file (and the CSS and SVG) of the demo output passes the Nu HTML Checker (vnu-jar,
pinned in package.json) with zero errors; its warnings are listed. A deliberately broken page shows
the checker reports what it should."""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.checked_sites import VNU, build_broken_site, build_demo, requires_java, requires_vnu

pytestmark = [requires_vnu, requires_java]


@dataclass(frozen=True)
class Message:
    kind: str  # "error", "warning", "info", or "non-document-error" (a file it could not read)
    file: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind}: {self.text}"


def nu_check(directory: Path) -> list[Message]:
    """Run the Nu HTML Checker over every HTML, CSS and SVG file under `directory`."""
    java = shutil.which("java") or "java"
    result = subprocess.run(
        [java, "-Xss8m", "-jar", str(VNU), "--format", "json", "--exit-zero-always",
         "--skip-non-html", "--also-check-css", "--also-check-svg", str(directory)],
        capture_output=True, text=True, timeout=300,
    )
    report = json.loads(result.stderr or result.stdout)  # vnu writes its report to stderr
    messages = []
    for item in report["messages"]:
        kind = item.get("subType", item["type"]) if item["type"] == "info" else item["type"]
        file = item.get("url", "").removeprefix("file:")
        shown = str(Path(file).relative_to(directory)) if file.startswith(str(directory)) else file
        messages.append(Message(kind, shown, int(item.get("lastLine", 0)), item["message"]))
    return messages


@pytest.fixture(scope="module")
def demo_messages(tmp_path_factory: pytest.TempPathFactory) -> list[Message]:
    output = build_demo(tmp_path_factory.mktemp("vnu-demo") / "output")
    assert len(list(output.rglob("*.html"))) > 20
    return nu_check(output)


def test_the_demo_output_is_valid_html_and_css(demo_messages: list[Message]) -> None:
    errors = [m for m in demo_messages if m.kind in ("error", "fatal", "non-document-error")]
    assert not errors, "Nu HTML Checker errors:\n" + "\n".join(map(str, errors))
    notes = [m for m in demo_messages if m.kind not in ("error", "fatal", "non-document-error")]
    if notes:  # allowed, but shown in pytest's warnings summary
        warnings.warn("Nu HTML Checker warnings:\n" + "\n".join(map(str, notes)), stacklevel=1)


def test_the_checker_reports_a_broken_page(tmp_path: Path) -> None:
    output = build_broken_site(tmp_path / "site", tmp_path / "output")
    page = output / "departments" / "office"
    errors = [m for m in nu_check(page) if m.kind == "error" and m.file == "index.html"]
    texts = "\n".join(map(str, errors))
    assert any("Duplicate ID “twice”" in m.text for m in errors), texts
    assert any("“img” element must have an “alt” attribute" in m.text for m in errors), texts
    assert len(errors) == 2, texts  # the rest of the broken page is valid HTML, only inaccessible
