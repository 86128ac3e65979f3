"""Every kind of page, served by nginx as in production, in real Chromium at phone and desktop
widths: axe-core finds no WCAG 2.1 A/AA violation, nothing is logged as an error, no request
fails or leaves the server, the skip link moves focus to the main content, and each page has
one h1 and a title naming the site. A deliberately broken page shows that each check can fail.

axe-core (pinned in package.json) is evaluated in the page through the DevTools protocol
(`page.evaluate`), which the page's Content-Security-Policy does not govern: the CSP stays on,
unbypassed, for everything the page itself loads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from tests.browser import launch_chromium, requires_chromium
from tests.checked_sites import (
    AXE,
    BROKEN_PAGE,
    BROKEN_SITE_TITLE,
    DEMO_TITLE,
    build_broken_site,
    build_demo,
    requires_axe,
)
from tests.nginx import Served, nginx_serving, requires_nginx

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Route

pytestmark = [requires_chromium, requires_nginx, requires_axe]

WIDTHS = {"phone": (375, 812), "desktop": (1280, 900)}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MISSING = "no-such-page/"  # any address that is not published: nginx answers with the 404 page
SEARCH = "search/?q=社会保障卡"  # the search page with its results shown
CARE_SWITCH = "#care-switch"  # the header's switch to care mode (关怀版)

_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + "  " + n.html.slice(0, 160)),
  }));
}"""


@dataclass
class PageReport:
    """What one page load showed; `problems` is empty when the page passes every check."""

    url: str
    status: int = 0
    title: str = ""
    h1: int = 0
    skip_link: str = ""  # the focused element after Tab
    care: bool = False  # care mode was on when axe ran
    focus_after_skip: str = ""  # the id of the focused element after Enter
    violations: list[dict[str, Any]] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def problems(self, site_title: str, expected_status: int = 200) -> list[str]:
        found = []
        if self.status != expected_status:
            found.append(f"status {self.status}, expected {expected_status}")
        if not self.title.strip() or site_title not in self.title:
            found.append(f"title {self.title!r} does not name the site {site_title!r}")
        elif self.title.strip() == site_title and urlsplit(self.url).path not in ("", "/"):
            found.append(f"title {self.title!r} says nothing about the page")
        if self.h1 != 1:
            found.append(f"{self.h1} h1 elements, expected exactly 1")
        if 'href="#main"' not in self.skip_link or self.focus_after_skip != "main":
            found.append(f"skip link: Tab focused {self.skip_link!r}, Enter focused #{self.focus_after_skip}")
        found.extend(f"axe {v['id']} ({v['impact']}): {v['help']}: {v['nodes']}" for v in self.violations)
        found.extend(f"console error: {e}" for e in self.console_errors)
        found.extend(f"failed request: {r}" for r in self.failed_requests)
        found.extend(f"request to another host: {r}" for r in self.foreign_requests)
        return found


def inspect(context: BrowserContext, served: Served, path: str, width: str, csp: bool = True,
            care: bool = False) -> PageReport:
    """Load one page as a visitor would and record everything the checks look at. `care=True`
    turns on care mode (关怀版) with the header's switch before axe runs. `csp=False` removes the
    Content-Security-Policy header from every response, to see what a page would do without it."""
    url = served.url(path)
    report = PageReport(url)
    page = context.new_page()
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))  # type: ignore[arg-type]

    def route(route: Route) -> None:
        if urlsplit(route.request.url).netloc == urlsplit(served.origin).netloc:
            if csp:
                route.continue_()
                return
            response = route.fetch()
            headers = {k: v for k, v in response.headers.items() if k.lower() != "content-security-policy"}
            route.fulfill(response=response, headers=headers)
        else:  # never let a page reach another host; record that it tried
            report.foreign_requests.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: report.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: report.console_errors.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: report.failed_requests.append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: report.failed_requests.append(f"{r.url} (HTTP {r.status})")
            if r.status >= 400 and r.url != url else None)
    try:
        response = page.goto(url, wait_until="networkidle" if "?" in path else "load")  # a search query
        report.status = response.status if response else 0
        if report.status == 404:  # the document itself: expected for the 404 page, checked by status
            report.console_errors = [e for e in report.console_errors if "status of 404" not in e]
        report.title = page.title()
        report.h1 = page.locator("h1").count()
        page.keyboard.press("Tab")
        report.skip_link = page.evaluate("document.activeElement ? document.activeElement.outerHTML : ''")
        page.keyboard.press("Enter")
        report.focus_after_skip = page.evaluate("document.activeElement ? document.activeElement.id : ''")
        if care:
            page.locator(CARE_SWITCH).check()
            report.care = page.evaluate("document.documentElement.classList.contains('care')")
            page.evaluate("localStorage.clear()")  # care.js remembers the choice: not for the next page
        page.evaluate(AXE.read_text(encoding="utf-8"))
        report.violations = page.evaluate(_RUN_AXE, WCAG_21_AA)
    finally:
        page.close()
    return report


def pages_of_every_kind(output: Path) -> list[str]:
    """Home, every top-level page (section indexes, directory, receptions, data, openness, search,
    free pages), and the first page of each other shape: a record of each section
    (`procedures/x/`) and each kind of page below a record (`departments/x/card/`). Page kinds
    added later are covered without touching this list."""
    paths: list[str] = []
    shapes: set[tuple[str, ...]] = set()
    for index in sorted(output.rglob("index.html"), key=lambda p: (len(p.parts), p.as_posix())):
        parts = index.parent.relative_to(output).parts
        if parts[:1] == ("pagefind",):
            continue
        shape = parts if len(parts) <= 1 else (parts[0], "*", *parts[2:])
        if shape not in shapes:
            shapes.add(shape)
            paths.append("".join(part + "/" for part in parts))
    return paths


# --- the demo, served by nginx -------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, list[str]]]:
    root = tmp_path_factory.mktemp("a11y-demo")
    output = build_demo(root / "output")
    with nginx_serving(output, root / "nginx") as served:
        yield served, pages_of_every_kind(output)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    with launch_chromium(tmp_path_factory.mktemp("a11y-browser") / "profile") as context:
        yield context


def test_every_kind_of_page_is_checked(demo: tuple[Served, list[str]]) -> None:
    _, paths = demo
    kinds = {"", "departments/", "procedures/", "leaders/", "receptions/", "policies/", "halls/", "notices/",
             "directory/", "data/", "openness/"}
    assert kinds <= set(paths)
    for section in ("departments", "procedures", "leaders", "policies", "halls", "notices"):
        assert any(p.startswith(section + "/") and p.count("/") == 2 for p in paths), section
    free_pages = [p for p in paths if p.count("/") == 1 and p not in kinds]
    assert free_pages, "no free page (content/pages/) in the demo"


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_every_kind_of_page_passes_in_chromium(demo: tuple[Served, list[str]], browser: BrowserContext,
                                               width: str) -> None:
    served, paths = demo
    failures: dict[str, list[str]] = {}
    for path in [*paths, *([SEARCH] if "search/" in paths else []), MISSING]:
        report = inspect(browser, served, path, width)
        problems = report.problems(DEMO_TITLE, 404 if path == MISSING else 200)
        if problems:
            failures[report.url] = problems
    assert not failures, "\n".join(f"{url}:\n  " + "\n  ".join(p) for url, p in failures.items())


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_every_kind_of_page_passes_in_care_mode(demo: tuple[Served, list[str]], browser: BrowserContext,
                                                width: str) -> None:
    served, paths = demo
    if not has_care_mode(browser, served):
        pytest.skip("the theme has no care mode switch (#care-switch)")
    failures: dict[str, list[str]] = {}
    for path in paths:
        report = inspect(browser, served, path, width, care=True)
        problems = report.problems(DEMO_TITLE) + ([] if report.care else ["care mode did not turn on"])
        if problems:
            failures[report.url] = problems
    assert not failures, "\n".join(f"{url} (care mode):\n  " + "\n  ".join(p) for url, p in failures.items())


def has_care_mode(context: BrowserContext, served: Served) -> bool:
    page = context.new_page()
    try:
        page.goto(served.url(""))
        return page.locator(CARE_SWITCH).count() == 1
    finally:
        page.close()


def test_the_404_page_is_the_themes_and_links_under_the_base_path(tmp_path: Path, browser: BrowserContext) -> None:
    output = build_demo(tmp_path / "output", base_url="https://www.example.gov.cn/zwgk/")
    with nginx_serving(output, tmp_path / "nginx", base_url="https://www.example.gov.cn/zwgk/") as served:
        report = inspect(browser, served, "deep/no-such-page/", "phone")
        assert report.problems(DEMO_TITLE, 404) == []
        assert report.title.startswith("页面未找到")


# --- each check can fail -------------------------------------------------------------------------


def test_a_broken_page_fails_every_check(tmp_path: Path, browser: BrowserContext) -> None:
    output = build_broken_site(tmp_path / "site", tmp_path / "output")
    with nginx_serving(output, tmp_path / "nginx") as served:
        report = inspect(browser, served, BROKEN_PAGE, "desktop")
        without_csp = inspect(browser, served, BROKEN_PAGE, "desktop", csp=False)
    violations = {v["id"] for v in report.violations}
    assert {"image-alt", "label"} <= violations, report.violations  # <img> without alt, unlabelled input
    assert report.h1 == 2
    assert BROKEN_SITE_TITLE not in report.title
    assert report.focus_after_skip != "main"
    # nginx's CSP refuses the inline style and the other host's image, and says so in the console.
    refused = [e for e in report.console_errors if "Content Security Policy" in e]
    assert any("inline style" in e for e in refused), report.console_errors
    assert any("cdn.example.com" in e for e in refused), report.console_errors
    assert any("missing.png" in r and "404" in r for r in report.failed_requests), report.failed_requests
    problems = "\n".join(report.problems(BROKEN_SITE_TITLE))
    for expected in ("axe image-alt", "axe label", "2 h1", "title", "skip link", "console error",
                     "failed request"):
        assert expected in problems
    # Without the CSP the image is requested from the other host: the route records it.
    assert without_csp.foreign_requests == ["https://cdn.example.com/logo.png"]
    assert "request to another host" in "\n".join(without_csp.problems(BROKEN_SITE_TITLE))
