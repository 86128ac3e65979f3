"""Search in Chinese: the demo built with its Pagefind index, served over real HTTP with a strict
Content-Security-Policy, and searched by typing into /search/ in headless Chromium.

Pagefind 1.5 segments the page at indexing and the query in the browser with different
dictionaries; these tests are the recall guard. A query that fails here must be fixed
(configuration, indexing extra terms), never dropped.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

from sitegen.outputs.search import search_terms
from sitegen.write import MARKER
from tests.browser import requires_chromium
from tests.sites import build, write_site
from tests.static_server import chromium_browser, serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REPO = Path(__file__).resolve().parent.parent
BASE_URL = "https://www.example.gov.cn/"

# What people type, the page it must find (among the first ten results shown), and what it is.
QUERIES = [
    ("办公室", "departments/bangongshi/", "a department's name"),
    ("就业促进处", "departments/jiuye-cujin/", "a department's name"),
    ("社会保障卡申领", "procedures/shebaoka-shenling/", "a procedure's name"),
    ("一次性创业补贴申领", "procedures/chuangye-butie/", "a procedure's name Pagefind alone misses"),
    ("联系电话", "directory/", "the phone list"),
    ("接待时间", "receptions/", "the reception schedule"),
    ("办事指南", "procedures/", "the procedures"),
    ("近期免冠彩色证件照", "procedures/shebaoka-shenling/", "a material"),
    ("鄂发〔2013〕22号", "policies/shengwei-changwei-lianxi-qunzhong/", "a 文号"),
    ("陈晓岚", "leaders/chen-xiaolan/", "a leader's name"),
    ("刘卫东", "leaders/liu-weidong/", "a leader's name Pagefind alone misses"),
]
SHOWN = 10  # results shown before "显示更多结果"
# The results are in (a function, not a string: the page's CSP forbids evaluating strings).
DONE = """() => document.getElementById("search-list").getAttribute("aria-busy") === "false" """


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("search") / "output"
    result = build(REPO, "--output", str(out))
    assert result.code == 0, result.stderr
    assert "0 个警告" in result.stderr, result.stderr
    return out


@pytest.fixture(scope="module")
def site(demo: Path) -> Iterator[str]:
    with serving(demo) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page whose script errors and console errors (a refused CSP is one) fail the test."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert errors == [], errors


def fragments(output: Path) -> dict[str, dict[str, object]]:
    """Pagefind's record of each indexed page, by URL, from every shard."""
    records = {}
    for path in (output / "pagefind").glob("*/fragment/*"):
        data = gzip.decompress(path.read_bytes())
        record = json.loads(data[len(b"pagefind_dcd"):])
        records[str(record["url"])] = record
    return records


def search(page: Page, query: str) -> list[str]:
    """Type the query into the search page's field, submit it, and return the paths of the
    results shown (without the site's base path)."""
    field = page.locator("#search-q")
    field.fill(query)
    field.press("Enter")
    page.wait_for_function(
        """q => document.getElementById("search-list").getAttribute("aria-busy") === "false"
                && document.getElementById("search-status").textContent.includes("“" + q + "”")""",
        arg=query,
    )
    hrefs = page.locator("#search-list a").evaluate_all("links => links.map(a => a.pathname)")
    return [str(href) for href in hrefs]


# --- the index -------------------------------------------------------------------------------


def test_every_content_page_is_indexed_without_navigation_and_footer(demo: Path) -> None:
    records = fragments(demo)
    pages = {"/" + p.parent.relative_to(demo).as_posix() + "/" for p in demo.rglob("index.html")}
    pages = {"/" if page == "/./" else page for page in pages}
    left_out = {"/search/"} | {page for page in pages if page.endswith("/card/")}
    assert set(records) == pages - left_out  # 404.html has no index.html: it is not there either
    for url, record in records.items():
        content = str(record["content"]).replace("\u200b", "")
        assert "便民链接" not in content and "公网安备" not in content, url  # the footer
        assert "跳到主要内容" not in content and "接访安排政策文件" not in content, url  # skip link, navigation
    assert "文件" in str(records["/policies/"]["content"])
    assert not list((demo / "pagefind").rglob("pagefind-ui.js"))  # no Pagefind UI: search.js only


def test_key_terms_are_indexed_as_characters(demo: Path) -> None:
    """Names the browser's segmenter splits where the index does not (the recall fix)."""
    leader = fragments(demo)["/leaders/liu-weidong/"]
    assert "刘 卫 东" in str(leader["meta"]["keywords"])  # type: ignore[index]
    policy = fragments(demo)["/policies/shengwei-changwei-lianxi-qunzhong/"]
    assert search_terms(["鄂发〔2013〕22号"]) in str(policy["meta"]["keywords"])  # type: ignore[index]
    assert search_terms(["鄂发〔2013〕22号", "AB-1"]) == "鄂 发 2 0 1 3 2 2 号 a b 1"
    # never on the public page
    assert "刘 卫 东" not in (demo / "leaders/liu-weidong/index.html").read_text(encoding="utf-8")


def test_the_index_is_in_the_manifest_and_unchanged_files_keep_their_mtime(tmp_path: Path) -> None:
    site = write_site(tmp_path, {})
    assert build(site).code == 0
    output = site / "output"
    manifest = json.loads((output / MARKER).read_text(encoding="utf-8"))
    index = sorted(p.relative_to(output).as_posix() for p in (output / "pagefind").rglob("*") if p.is_file())
    assert index and all(path in manifest for path in index)
    before = {path: (output / path).stat().st_mtime_ns for path in index}
    notice = site / "content/notices/duty.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    assert build(site).code == 0
    after = {p.relative_to(output).as_posix(): p.stat().st_mtime_ns for p in (output / "pagefind").rglob("*")
             if p.is_file()}
    kept = [path for path in before if after.get(path) == before[path]]
    assert "pagefind/0/pagefind.js" in kept and any(path.startswith("pagefind/0/fragment/") for path in kept)
    assert after.keys() != before.keys()  # the notice's fragment is a new file


def test_no_search_builds_no_index_and_a_later_build_adds_it(tmp_path: Path) -> None:
    site = write_site(tmp_path, {})
    assert build(site, "--no-search").code == 0
    assert not (site / "output" / "pagefind").exists()
    assert (site / "output" / "search" / "index.html").is_file()  # the page and its section links stay
    result = build(site)  # same content, same cache: the build must still not be skipped
    assert result.code == 0, result.stderr
    assert (site / "output" / "pagefind" / "shards.json").is_file()
    assert not list(site.glob("**/.search-*")) and not (site / "pagefind").exists()  # no scratch left


# --- in the browser ----------------------------------------------------------------------------


@requires_chromium
@pytest.mark.parametrize(("query", "expected", "what"), QUERIES, ids=[q for q, _, _ in QUERIES])
def test_a_chinese_query_finds_its_page(demo: Path, site: str, page: Page, query: str, expected: str,
                                        what: str) -> None:
    body = (demo / expected / "index.html").read_text(encoding="utf-8").split("<main", 1)[1]
    assert query in body, f"{what}: {query} is not on /{expected}"  # the expectation is the demo's own text
    page.goto(site + "search/")
    found = search(page, query)
    assert "/" + expected in found[:SHOWN], f"{what} {query}: /{expected} not among {found}"


def _names(demo: Path) -> list[tuple[str, str]]:
    """Every name the site publishes as open data, with the page it belongs to."""
    def data(name: str) -> list[dict[str, object]]:
        items = json.loads((demo / "data" / f"{name}.json").read_text(encoding="utf-8"))["items"]
        return list(items)

    def path(url: object) -> str:
        return urlsplit(str(url)).path

    cases = [(str(d["name"]), path(d["url"])) for d in data("departments")]
    cases += [(str(h["name"]), path(h["url"])) for h in data("halls")]
    for p in data("procedures"):
        cases.append((str(p["title"]), path(p["url"])))
        cases += [(str(m["name"]), path(p["url"])) for m in p["materials"]]  # type: ignore[attr-defined]
    for p in data("policies"):
        cases.append((str(p["title"]), path(p["url"])))
        if p["doc_number"]:
            cases.append((str(p["doc_number"]), path(p["url"])))
    cases += [(str(s["leader_name"]), path(s["leader_url"])) for s in data("receptions")]
    return sorted(set(cases))


@requires_chromium
def test_every_published_name_finds_its_page(demo: Path, site: str, page: Page) -> None:
    """The recall guard at scale: each department, hall, procedure, material, policy title,
    文号 and leader of the demo, typed as a query, shows its page among the first results."""
    cases = _names(demo)
    assert len(cases) > 60
    page.goto(site + "search/")
    missed = []
    for query, expected in cases:
        found = search(page, query)
        if expected not in found[:SHOWN]:
            missed.append(f"{query} -> {expected} (got {found[:SHOWN]})")
    assert missed == []


@requires_chromium
def test_results_show_title_and_excerpt_and_the_count_is_announced(site: str, page: Page) -> None:
    page.goto(site + "search/?q=社会保障卡")  # a link to the search page shows its results
    page.wait_for_function(DONE)
    status = page.locator("#search-status")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    assert "找到" in status.inner_text() and "社会保障卡" in status.inner_text()
    assert page.locator("#search-q").input_value() == "社会保障卡"
    first = page.locator("#search-list > li").first
    assert first.locator("a").inner_text().strip()
    assert first.locator(".search-result__excerpt mark").count() >= 1
    shown = page.locator("#search-list > li").count()
    assert 1 <= shown <= SHOWN
    if not page.locator("#search-more").is_hidden():  # more results: the button shows the next ones
        page.locator("#search-more").click()
        page.wait_for_function("n => document.querySelectorAll('#search-list > li').length > n", arg=shown)
        assert page.evaluate("document.activeElement.closest('#search-list') !== null")


@requires_chromium
def test_a_query_with_no_result_says_so(site: str, page: Page) -> None:
    page.goto(site + "search/")
    assert search(page, "龘靐齉") == []  # characters no page has
    assert "没有找到" in page.locator("#search-status").inner_text()


@requires_chromium
def test_the_search_page_works_with_the_keyboard_alone(site: str, page: Page) -> None:
    page.goto(site + "search/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")  # to the main content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "search-q"
    page.keyboard.type("就业促进处")
    page.keyboard.press("Enter")
    page.wait_for_function(DONE)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#search-list') !== null")
    assert page.evaluate("document.activeElement.pathname") == "/departments/jiuye-cujin/"
    page.keyboard.press("Enter")
    page.wait_for_url("**/departments/jiuye-cujin/")
    assert page.locator("h1").inner_text() == "就业促进处"


@requires_chromium
def test_the_header_search_box_on_every_page_leads_to_the_results(site: str, page: Page) -> None:
    page.goto(site + "departments/")
    for _ in range(12):  # from the top of the page, with Tab only
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "site-search-q":
            break
    assert page.evaluate("document.activeElement.id") == "site-search-q"
    assert page.locator("form.site-search").get_attribute("role") == "search"
    page.keyboard.type("陈晓岚")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    page.wait_for_function(DONE)
    assert "/leaders/chen-xiaolan/" in page.locator("#search-list a").evaluate_all("a => a.map(x => x.pathname)")


@requires_chromium
def test_without_javascript_the_form_and_the_section_links_remain(site: str, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(site + "departments/")
    page.locator("#site-search-q").fill("办公室")
    page.locator("#site-search-q").press("Enter")  # a plain GET form to /search/
    page.wait_for_url("**/search/?q=*")
    assert page.locator("#search-form").get_attribute("method") == "get"
    assert page.locator("#search-q").get_attribute("name") == "q"
    assert page.locator("#search-noscript").is_visible()  # "搜索需要浏览器启用 JavaScript……"
    links = page.locator(".search-browse a").evaluate_all("a => a.map(x => x.href)")
    for section in ("departments/", "procedures/", "policies/", "leaders/"):
        assert site + section in links, section
    for link in links:
        with urlopen(link) as response:  # noqa: S310 - our own local server
            assert response.status == 200
    context.close()


@requires_chromium
def test_search_works_under_a_base_path(tmp_path: Path, page: Page) -> None:
    site_dir = tmp_path / "site"
    shutil.copytree(REPO / "content", site_dir / "content")
    assert build(site_dir, "--base-url", "https://www.example.gov.cn/zwgk/").code == 0
    with serving(site_dir / "output", "/zwgk/") as site:
        page.goto(site + "search/")
        found = search(page, "办公室")
        assert found[0] == "/zwgk/departments/bangongshi/", found
        page.locator("#search-list a").first.click()
        page.wait_for_url("**/zwgk/departments/bangongshi/")
        assert page.locator("h1").inner_text() == "办公室"
