"""Care mode (关怀版) in real Chromium: a visible switch in every page's header that works
without JavaScript (the stylesheet follows the checkbox) and is remembered from page to page
with it (care.js); large type, contrast of at least 7:1, and nothing wider than the window at
200% zoom, in care mode or not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser import requires_chromium
from tests.sites import build
from tests.static_server import chromium_browser, serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = requires_chromium

REPO = Path(__file__).resolve().parent.parent
# One page of each kind (and the search page with results, and the 404 page).
PAGES = [
    "", "departments/", "departments/bangongshi/", "departments/bangongshi/card/", "directory/",
    "procedures/", "procedures/shebaoka-shenling/", "leaders/", "leaders/chen-xiaolan/", "receptions/",
    "policies/", "policies/shengwei-changwei-lianxi-qunzhong/", "halls/zhengwu-dating/", "notices/",
    "openness/", "data/", "about/", "search/?q=社会保障卡", "404.html",
]
ZOOMED = {"width": 640, "height": 900}  # a 1280 px window at 200% zoom

# The text of every visible element whose own text has less than 7:1 contrast against the
# background it is drawn on (the first opaque background among it and its ancestors).
_LOW_CONTRAST = """() => {
  const rgba = (text) => (text.match(/[\\d.]+/g) || ["0", "0", "0", "0"]).map(Number).concat([1]).slice(0, 4);
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgba(getComputedStyle(el).backgroundColor);
      if (c[3] >= 1) return c;
    }
    return [255, 255, 255, 1];
  };
  const low = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!own || !el.getClientRects().length || style.visibility === "hidden") continue;
    if (el.closest(".visually-hidden, [hidden], svg")) continue;
    const [a, b] = [luminance(rgba(style.color)), luminance(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const what = `${el.tagName.toLowerCase()}.${el.className} ${ratio.toFixed(2)}`;
    if (ratio < 7) low.push(`${what}: ${el.textContent.trim().slice(0, 30)}`);
  }
  return low;
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("care") / "output"
    result = build(REPO, "--output", str(out))
    assert result.code == 0, result.stderr
    with serving(out) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as browser:
        yield browser


def context(browser: Browser, script: bool, **options: object) -> BrowserContext:
    return browser.new_context(java_script_enabled=script, locale="zh-CN", **options)  # type: ignore[arg-type]


def in_care_mode(page: Page) -> bool:
    """Large type and long lines apart: the root font is 20 px and the body's leading 1.8."""
    size, leading = page.evaluate("""() => {
        const root = getComputedStyle(document.documentElement), body = getComputedStyle(document.body);
        return [parseFloat(root.fontSize), parseFloat(body.lineHeight) / parseFloat(body.fontSize)];
    }""")
    if size >= 20:
        assert leading >= 1.8 - 1e-6
        return True
    return False


def switch_on(page: Page) -> None:
    label = page.locator("label[for=care-switch]")
    assert label.is_visible() and label.inner_text() == "关怀版"
    assert page.locator(".site-header #care-switch").count() == 1  # in the header
    label.click()
    assert page.locator("#care-switch").is_checked()


def test_with_javascript_the_switch_works_and_is_remembered(site: str, browser: Browser) -> None:
    ctx = context(browser, script=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site)
    assert not in_care_mode(page)
    switch_on(page)
    assert in_care_mode(page)
    page.locator(".site-nav a", has_text="办事指南").click()  # another page
    page.wait_for_url("**/procedures/")
    assert in_care_mode(page) and page.locator("#care-switch").is_checked()
    assert page.evaluate("document.documentElement.classList.contains('care')")
    page.reload()
    assert in_care_mode(page)
    page.locator("label[for=care-switch]").click()  # off again, and remembered off
    assert not in_care_mode(page)
    page.goto(site + "receptions/")
    assert not in_care_mode(page) and not page.locator("#care-switch").is_checked()
    ctx.close()
    assert errors == []


def test_the_switch_works_with_the_keyboard(site: str, browser: Browser) -> None:
    ctx = context(browser, script=True)
    page = ctx.new_page()
    page.goto(site + "departments/")
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "care-switch":
            break
    assert page.evaluate("document.activeElement.id") == "care-switch"
    page.keyboard.press("Space")
    assert in_care_mode(page)
    ctx.close()


def test_without_javascript_the_switch_works_on_every_page(site: str, browser: Browser) -> None:
    ctx = context(browser, script=False)
    page = ctx.new_page()
    for path in PAGES:
        page.goto(site + path)
        assert not in_care_mode(page), path
        switch_on(page)
        assert in_care_mode(page), path
    ctx.close()


def test_care_mode_has_7_to_1_contrast_everywhere(site: str, browser: Browser) -> None:
    ctx = context(browser, script=False)
    page = ctx.new_page()
    for path in PAGES:
        page.goto(site + path)
        switch_on(page)
        page.mouse.move(0, 0)  # no hover state
        page.evaluate("document.activeElement.blur()")
        assert page.evaluate(_LOW_CONTRAST) == [], path
    ctx.close()


@pytest.mark.parametrize("care", [False, True], ids=["standard", "care"])
def test_nothing_overflows_at_200_percent_zoom(site: str, browser: Browser, care: bool) -> None:
    ctx = context(browser, script=False, viewport=ZOOMED)
    page = ctx.new_page()
    for path in PAGES:
        page.goto(site + path)
        if care:
            switch_on(page)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"/{path} is {width[0]} px wide in a {width[1]} px window"
    ctx.close()
