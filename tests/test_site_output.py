"""Properties of a built site: complete, every link resolves, deterministic, nothing rewritten."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

import pytest

from sitegen.write import MARKER
from tests.sites import build, snapshot, write_site

REPO = Path(__file__).resolve().parent.parent


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.h1 = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("href", "src"):
            if values.get(name):
                self.links.append(values[name] or "")
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "h1":
            self.h1 += 1


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _page_url(output: Path, base_path: str, page: Path) -> str:
    rel = page.relative_to(output).as_posix()
    return base_path + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def _target(output: Path, base_path: str, page: Path, link: str) -> tuple[Path, str] | None:
    """The file an internal link points at (and its fragment), or None for external links.

    Relative links resolve against the page's URL; every link must stay under the base path.
    """
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return page, parts.fragment
    resolved = urlsplit(urljoin(_page_url(output, base_path, page), link)).path
    assert resolved.startswith(base_path), f"{link} in {page} leaves {base_path}"
    rel = unquote(resolved[len(base_path):])
    target = output / rel
    if rel == "" or rel.endswith("/"):
        target = target / "index.html"
    return target, parts.fragment


def assert_links_resolve(output: Path, base_path: str = "/") -> int:
    pages = sorted(output.rglob("*.html"))
    parsed = {page: _parse(page) for page in pages}
    checked = 0
    for page, links in parsed.items():
        for link in links.links:
            found = _target(output, base_path, page, link)
            if found is None:
                continue
            target, fragment = found
            assert target.is_file(), f"{page.relative_to(output)}: {link} -> missing {target}"
            if fragment and target.suffix == ".html":
                assert fragment in parsed[target].ids, f"{page}: anchor #{fragment} missing in {target}"
            checked += 1
    return checked


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "output"
    result = build(REPO, "--output", str(out))
    assert result.code == 0, result.stderr
    assert "0 个警告" in result.stderr, result.stderr
    return out


PAGE_KINDS = [
    "index.html", "departments/index.html", "directory/index.html", "procedures/index.html",
    "leaders/index.html", "receptions/index.html", "policies/index.html", "halls/index.html",
    "notices/index.html", "404.html", "sitemap.xml", "robots.txt",
]


def test_demo_has_every_page_kind(demo: Path) -> None:
    for rel in PAGE_KINDS:
        assert (demo / rel).is_file(), rel
    for section, minimum in (("departments", 12), ("procedures", 10), ("leaders", 5), ("policies", 2),
                             ("halls", 1), ("notices", 1)):
        pages = [p for p in (demo / section).iterdir() if (p / "index.html").is_file()]
        assert len(pages) >= minimum, section
    assert any((p / "index.html").is_file() and p.name not in PAGE_KINDS for p in demo.iterdir() if p.is_dir())


def test_demo_links_resolve_and_pages_have_one_h1(demo: Path) -> None:
    assert assert_links_resolve(demo) > 500
    for page in demo.rglob("*.html"):
        assert _parse(page).h1 == 1, page


def test_demo_shows_the_demo_banner_and_footer_identity(demo: Path) -> None:
    home = (demo / "index.html").read_text(encoding="utf-8")
    assert "示例数据" in home
    for label in ("主办单位", "网站标识码", "ICP", "公安", "我为政府网站找错"):
        assert label in home, label
    assert 'lang="zh-CN"' in home


def test_sitemap_lists_exactly_the_html_pages(demo: Path) -> None:
    tree = ElementTree.parse(demo / "sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    listed = sorted(loc.text or "" for loc in tree.getroot().findall("s:url/s:loc", ns))
    base = "https://www.example.gov.cn/"
    pages = sorted(
        base + ("" if p.parent == demo else p.parent.relative_to(demo).as_posix() + "/")
        for p in demo.rglob("index.html")
    )
    assert listed == pages


def test_building_twice_gives_identical_bytes_and_rewrites_nothing(tmp_path: Path, demo: Path) -> None:
    out = tmp_path / "again"
    first = build(REPO, "--output", str(out))
    assert first.code == 0
    assert snapshot(out) == snapshot(demo)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    second = build(REPO, "--output", str(out))
    assert second.code == 0
    assert "写入 0 个文件" in second.stderr, second.stderr
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes


def test_one_edit_rewrites_only_changed_files(tmp_path: Path) -> None:
    site = write_site(tmp_path, {})
    assert build(site).code == 0
    before = snapshot(site / "output")
    notice = (site / "content/notices/duty.md")
    notice.write_text(notice.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    result = build(site)
    after = snapshot(site / "output")
    changed = sorted(k for k in after if after[k] != before.get(k) and k != MARKER)
    assert "notices/duty/index.html" in changed
    assert "departments/office/index.html" not in changed
    assert f"写入 {len(changed)} 个文件" in result.stderr


def test_base_url_path_is_respected_by_every_link(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    result = build(site, "--base-url", "https://www.example.gov.cn/zwgk/")
    assert result.code == 0, result.stderr
    assert assert_links_resolve(site / "output", "/zwgk/") > 500
    assert "https://www.example.gov.cn/zwgk/departments/" in (site / "output/sitemap.xml").read_text()


def test_fixture_site_links_resolve(tmp_path: Path) -> None:
    site = write_site(tmp_path, {})
    assert build(site).code == 0
    assert assert_links_resolve(site / "output") > 50


def test_output_does_not_depend_on_the_number_of_jobs(tmp_path: Path, demo: Path) -> None:
    for jobs in ("1", "2", "3"):
        out = tmp_path / f"jobs-{jobs}"
        assert build(REPO, "--output", str(out), "--jobs", jobs).code == 0
        assert snapshot(out) == snapshot(demo), jobs
