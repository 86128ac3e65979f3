"""Built sites for the production checks (nginx, browser, Nu HTML Checker, link checker).

- the demo under the repository's content/, built for the tests' fixed date;
- a deliberately broken site: the small baseline site of tests/sites.py with its own copy of
  the default theme, broken in the ways inspectors find (an <img> without alt, an unlabelled
  input, a duplicate id, a second h1, a skip link to nowhere, a title without the site's name,
  an inline style the CSP refuses, a missing image and an image from another host). Each check
  must report its part of it: that is what proves the check can fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sitegen.theme import PACKAGED_THEMES
from tests.sites import BUILD_DATE, run, write_site

REPO = Path(__file__).resolve().parents[1]
NODE_MODULES = REPO / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"

DEMO_TITLE = "湖北省人力资源和社会保障厅"
BROKEN_PAGE = "departments/office/"  # a page of the broken site that shows every fault
BROKEN_SITE_TITLE = "示例厅政务公开"


def requires(path: Path, how: str) -> pytest.MarkDecorator:
    """Skip when a tool is missing on a developer's machine; in CI (CI=true) run and fail instead,
    so a missing install step can never turn the production checks into silent skips."""
    return pytest.mark.skipif(
        not path.exists() and not os.environ.get("CI"),
        reason=f"{path} is missing: {how}",
    )


requires_axe = requires(AXE, "run `npm ci --ignore-scripts` in the repository to install axe-core")
requires_vnu = requires(VNU, "run `npm ci --ignore-scripts` in the repository to install vnu-jar")
requires_java = requires(Path(shutil.which("java") or "/usr/bin/java"),
                         "install a JDK (apt-get install default-jre-headless)")


def build_demo(output: Path, base_url: str | None = None) -> Path:
    """Build the repository's demo site into `output` (without touching the repository)."""
    extra = ["--base-url", base_url] if base_url else []
    result = run("build", str(REPO), "--build-date", BUILD_DATE, "--output", str(output), "--no-cache", *extra)
    assert result.code == 0, result.stderr
    return output


# Each fault, and the check that must report it.
_FAULTS = (
    '<img src="{{ asset(\'favicon.svg\') }}" width="16" height="16">\n'  # no alt: axe image-alt, Nu
    '<p><input type="text" name="q"></p>\n'  # no label: axe label
    '<p id="twice">一</p><p id="twice">二</p>\n'  # duplicate id: Nu
    "<h1>第二个一级标题</h1>\n"  # two h1
    '<p style="color: #c00">内联样式</p>\n'  # refused by the CSP: a console error
    '<img src="missing.png" alt="不存在的图片">\n'  # a failed request; a broken link
    '<img src="https://cdn.example.com/logo.png" alt="外部图片">\n'  # a request to another host; listed
)


def write_broken_site(root: Path) -> Path:
    """The baseline site with a broken copy of the default theme in its own themes/default."""
    write_site(root, {})
    theme = root / "themes" / "default"
    shutil.copytree(PACKAGED_THEMES / "default", theme)
    base = theme / "templates" / "base.html"
    text = base.read_text(encoding="utf-8")
    replacements = (
        ('href="#main"', 'href="#main-content"'),  # the skip link goes nowhere; a broken anchor
        ("{% block content %}{% endblock %}", "{% block content %}{% endblock %}\n" + _FAULTS),
    )
    for old, new in replacements:
        assert old in text, f"the default theme's base.html no longer has {old!r}: update write_broken_site"
        text = text.replace(old, new, 1)
    # The title loses the site's name: keep only the page's own title.
    start, end = text.index("<title>"), text.index("</title>") + len("</title>")
    text = text[:start] + "<title>{{ page.title }}</title>" + text[end:]
    base.write_text(text, encoding="utf-8")
    return root


def build_broken_site(root: Path, output: Path) -> Path:
    site = write_broken_site(root)
    result = run("build", str(site), "--build-date", BUILD_DATE, "--output", str(output), "--no-cache")
    assert result.code == 0, result.stderr
    return output
