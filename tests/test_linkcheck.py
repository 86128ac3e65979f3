"""The link checker: every internal link and #anchor of a built output resolves; external links
are listed, never fetched. Pure resolution first (pages as text, no disk), then `sitegen check
--output` over the demo and over a deliberately broken output."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sitegen.linkcheck import (
    PARALLEL_FROM,
    LinkReport,
    _scan_parsed,
    _scan_plain,
    check_links,
    check_pages,
    is_absolute,
    join_fragment,
    join_relative,
    output_files,
    page_url,
    scan_page,
)
from tests.checked_sites import BROKEN_PAGE, REPO, build_broken_site, build_demo
from tests.sites import BUILD_DATE, run

BASE = "https://www.example.gov.cn/"


def check(pages: dict[str, str], other_files: tuple[str, ...] = (), base_url: str = BASE) -> LinkReport:
    scanned = {name: scan_page(text) for name, text in pages.items()}
    return check_pages(base_url, [*pages, *other_files], scanned)


def broken(report: LinkReport) -> list[tuple[str, str, int]]:
    """(code, file, line) of each problem."""
    return [(d.code, d.location.path, d.location.line) for d in report.diagnostics]


# --- resolution ---------------------------------------------------------------------------------


def test_page_urls_are_pretty() -> None:
    assert page_url(BASE, "index.html") == BASE
    assert page_url(BASE, "departments/office/index.html") == BASE + "departments/office/"
    assert page_url("https://x.gov.cn/zwgk/", "404.html") == "https://x.gov.cn/zwgk/404.html"


def test_relative_root_relative_and_absolute_links_to_the_site_resolve() -> None:
    report = check({
        "index.html": '<a href="departments/">部门</a><a href="./departments/office/">办公室</a>',
        "departments/index.html": '<a href="../">首页</a><a href="office/">办公室</a><a href="/feed.xml">订阅</a>',
        "departments/office/index.html": (
            '<link rel="canonical" href="https://www.example.gov.cn/departments/office/">'
            '<link rel="stylesheet" href="../../assets/style.1234abcd.css">'
            '<a href="../../files/%E7%94%B3%E8%AF%B7%E8%A1%A8.pdf">申请表</a>'
            '<img src="../../files/a.png" srcset="../../files/a.png 1x, ../../files/a@2x.png 2x" alt="a">'
            '<a href="../../departments">部门（无斜杠，nginx 会补上）</a>'
        ),
    }, ("feed.xml", "assets/style.1234abcd.css", "files/申请表.pdf", "files/a.png", "files/a@2x.png"))
    assert broken(report) == []
    assert report.pages == 3
    assert report.internal == 12
    assert report.external == {}


def test_a_missing_page_file_or_anchor_is_reported_at_its_line() -> None:
    report = check({
        "index.html": '<main id="main">\n<a href="#main">跳到</a>\n<a href="departments/">部门</a>\n'
                      '<a href="departments/#nowhere">锚点</a>\n<img src="files/missing.png" alt="x">\n'
                      '<a href="departments/#duties">职责</a>',
        "departments/index.html": '<h2 id="duties">职责</h2><a href="../#main">首页正文</a><a href="#top">顶部</a>',
    })
    assert broken(report) == [("link.anchor", "index.html", 4), ("link.broken", "index.html", 5)]
    anchor, missing = report.diagnostics
    assert "#nowhere" in anchor.message and "/departments/" in anchor.message
    assert "files/missing.png" in missing.message
    assert missing.source_line == '<img src="files/missing.png" alt="x">'
    assert missing.location.column == 1


def test_an_a_name_is_an_anchor_too() -> None:
    assert broken(check({"index.html": '<a name="old"></a><a href="#old">旧锚点</a>'})) == []


def test_dotfiles_are_never_a_link_target() -> None:
    report = check({"index.html": '<a href=".sitegen-manifest.json">清单</a>'}, (".sitegen-manifest.json",))
    assert broken(report) == [("link.broken", "index.html", 1)]


def test_under_a_base_path_root_relative_links_must_carry_it() -> None:
    base = "https://www.example.gov.cn/zwgk/"
    report = check({
        "index.html": '<a href="departments/">部门</a>',
        "departments/index.html": "<h1>部门</h1>",
        "404.html": '<a href="/zwgk/departments/">部门</a>\n<a href="/departments/">漏了路径</a>\n'
                    '<a href="/zwgk">首页（无斜杠）</a>',
    }, base_url=base)
    assert broken(report) == [("link.outside", "404.html", 2)]
    assert "/zwgk/" in report.diagnostics[0].message


def test_external_links_are_listed_with_their_pages_and_never_fetched() -> None:
    report = check({
        "index.html": '<a href="https://beian.miit.gov.cn/">备案</a><a href="mailto:a@example.gov.cn">邮件</a>'
                      '<a href="tel:+86-27-87654321">电话</a><a href="http://www.example.gov.cn.evil.test/">x</a>',
        "a/index.html": '<a href="https://beian.miit.gov.cn/">备案</a><a href="//cdn.example.com/x.js">x</a>',
    })
    assert broken(report) == []
    assert report.external == {
        "//cdn.example.com/x.js": ("a/index.html",),
        "http://www.example.gov.cn.evil.test/": ("index.html",),
        "https://beian.miit.gov.cn/": ("a/index.html", "index.html"),
    }
    assert report.internal == 0


def test_a_script_link_is_an_error() -> None:
    report = check({"index.html": '<a href="javascript:void(0)">x</a>'})
    assert broken(report) == [("link.scheme", "index.html", 1)]


# --- reading a page: the fast path reads what html.parser reads ----------------------------------
#
# scan_page reads a page made of well-formed markup with a few regular expressions
# (_scan_plain) and leaves anything else to html.parser (_scan_parsed). Where the fast path
# answers, it must answer exactly what html.parser does: ids, and each link's URL, line,
# column and quoted line.

_NAMES = st.sampled_from(["a", "A", "link", "img", "script", "style", "div", "p", "source", "area", "form"])
_ATTRIBUTE_NAMES = st.sampled_from(["href", "HREF", "src", "srcset", "id", "name", "rel", "class", "alt", "data-x"])
_VALUES = st.lists(st.sampled_from(list("ab/#.:?=&;<>'\" \n\t-") + ["&amp;", "&lt;", "&#47;", "&bogus;", "链"]),
                   max_size=12).map("".join)


@st.composite
def _attribute(draw: st.DrawFn) -> str:
    name = draw(_ATTRIBUTE_NAMES)
    value = draw(_VALUES)
    style = draw(st.sampled_from(["double", "single", "bare", "alone"]))
    space = draw(st.sampled_from([" ", "  ", "\n", " \t"]))
    if style == "alone":
        return f"{space}{name}"
    if style == "double":
        return f'{space}{name}="{value}"'
    if style == "single":
        return f"{space}{name}='{value}'"
    return f"{space}{name}={value}"


@st.composite
def _markup(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["tag", "tag", "tag", "end", "text", "comment", "doctype", "odd"]))
    if kind == "tag":
        name = draw(_NAMES)
        attributes = "".join(draw(st.lists(_attribute(), max_size=4)))
        close = draw(st.sampled_from([">", "/>", " >", " />"]))
        content = ""
        if name.lower() in ("script", "style") and not close.endswith("/>"):
            inner = draw(st.sampled_from(["", '{"a": 1}', "x < y", "</p>", "a\nb", f"</{name} ><a href='y' id='z'>",
                                          "<a href='in-script' id='no'>"]))
            end = draw(st.sampled_from([f"</{name}>", f"</{name.upper()}>", f"</{name} >", ""]))
            content = inner + end
        return f"<{name}{attributes}{close}{content}"
    if kind == "end":
        return draw(st.sampled_from(["</a>", "</div >", "</p\n>", "</ a>", "</>", "</a href='x'>"]))
    if kind == "text":
        return draw(st.lists(st.sampled_from(list("文字 ab\n\r&;<") + ["\u2028", "&amp;"]), max_size=8).map("".join))
    if kind == "comment":
        return draw(st.sampled_from(["<!-- 注释 -->", "<!---->", "<!-- a -- b -->", "<!-->", "<!-- x --!>",
                                     "<!--\n<a href='x'>\n-->", "<!-- a -- ><a href='x' id='y'>-->"]))
    if kind == "doctype":
        return draw(st.sampled_from(["<!doctype html>", "<!DOCTYPE html>"]))
    return draw(st.sampled_from(["<", "< a>", "<?xml ?>", "<!x>", "<a", "<a href='x'", "<3"]))


@settings(max_examples=600, deadline=None)
@given(st.lists(_markup(), max_size=14))
@example(["<script>", "</script ><a href='y' id='z'>", "</script>"])  # html.parser ends a script at "</script >"
@example(["<!-- a -- >", "<a href='x'>", "-->"])  # and a comment at "-- >"
@example(["<script src=a/>", "<a href='x'>", "</script>"])  # "a/" is the value: not a self-closing tag
# each attribute that makes a tag matter, alone on its tag, and names that merely begin like one
@example(["<img alt='' srcset='a.png 1x, b.png 2x'>", "<div class=c ID=x>", "<a name=n>", "<object data=d>"])
@example(["<link hreflang=zh href=h.css>", "<div identity=i>", "<img srcsetx=s>", "<form action=f>"])
def test_the_fast_reading_of_a_page_is_html_parsers_wherever_it_answers(parts: list[str]) -> None:
    text = "".join(parts)
    plain = _scan_plain(text)
    assert plain is None or plain == _scan_parsed(text)


def test_the_fast_reading_answers_for_well_formed_pages_and_not_for_odd_ones() -> None:
    page = ('<!doctype html>\n<html lang="zh-CN"><head><script type="application/ld+json">{"a": "&lt;"}</script>'
            '<style>p { color: red }</style><link rel="stylesheet" href="a.css"></head>\n<body>'
            '<!-- 注释 --><a href="x/?a=1&amp;b=2#top" id="t">链接</a>\n<img src="i.png" srcset="i.png 1x, j.png 2x"'
            ' alt="">\n</body></html>\n')
    plain = _scan_plain(page)
    assert plain is not None and plain == _scan_parsed(page)
    assert [link.url for link in plain.links] == ["a.css", "x/?a=1&b=2#top", "i.png", "i.png", "j.png"]
    assert [(link.line, link.column) for link in plain.links] == [(2, 114), (3, 18), (4, 1), (4, 1), (4, 1)]
    for odd in ("<p>1 < 2</p>", "<script>document.write('</p>')</script>", "<!-- a -- b -->", "</ a>", "<?x?>"):
        assert _scan_plain(page + odd) is None, odd
        assert scan_page(page + odd) == _scan_parsed(page + odd)


_SEGMENTS = st.sampled_from(["a", "办事", "x.html", "%E7%94%B3", ".hidden", "b c"])
_URL_PIECES = st.sampled_from(["../", "./", "..", ".", "a", "办事/", "x.html", "/", "#", "#top", "?q=1", ":", "//",
                               " ", "\\", "%2F", "a.b", "\t"])


@settings(max_examples=600, deadline=None)
@given(st.lists(_SEGMENTS, max_size=4), st.lists(_URL_PIECES, max_size=6).map("".join))
@example(["a", "b"], "../../../../x/")
@example(["zwgk", "a"], "../c/d.html#f")
def test_a_plain_relative_link_joins_as_urljoin_joins_it(segments: list[str], url: str) -> None:
    directory = "/" + "".join(segment + "/" for segment in segments)
    joined = join_relative(directory, url)
    if joined is not None:
        target = urlsplit(urljoin("https://www.example.gov.cn" + directory, url))
        assert joined == (target.path, target.fragment)


_FILES = st.sampled_from(["index.html", "a.html", "办事/", "x?y", "b#c", "d e", "%41", "t\tu", ".", "index.htm"])
_FRAGMENT_PIECES = st.sampled_from(["#", "a", "办", "top", " ", "\t", "\\", "%20", "?q", "/", ":", "#"])


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(["/", "/zwgk/"]), st.lists(_SEGMENTS, max_size=3), _FILES,
       st.lists(_FRAGMENT_PIECES, max_size=5).map("".join))
@example("/", ["a"], "index.html", "#一主要内容")
def test_a_fragment_link_joins_as_urljoin_joins_it(base: str, segments: list[str], file: str, url: str) -> None:
    path = base + "".join(segment + "/" for segment in segments) + file
    joined = join_fragment(path, url)
    if joined is not None:
        served = page_url("https://www.example.gov.cn" + base, path[len(base):])
        target = urlsplit(urljoin(served, url))
        assert joined == (target.path, target.fragment)


def test_fragment_links_take_the_short_way_and_others_do_not() -> None:
    assert join_fragment("/zwgk/a/index.html", "#一主要内容") == ("/zwgk/a/", "一主要内容")
    assert join_fragment("/a/b.html", "#top") == ("/a/b.html", "top")
    for other in ("top", "../#x", "# x", "#a\\b", "?q#x", "https://x.cn/#a"):
        assert join_fragment("/a/index.html", other) is None, other
    assert join_fragment("/a?b/index.html", "#x") is None


def test_plain_relative_links_take_the_short_way_and_others_do_not() -> None:
    assert join_relative("/a/b/", "../../departments/x/#duties") == ("/departments/x/", "duties")
    for other in ("#top", "https://x.gov.cn/", "/feed.xml", "../a/./b", "?q", "mailto:a@b.cn", "//x.cn/", ".."):
        assert join_relative("/a/b/", other) is None, other


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["https://www.example.gov.cn/", "http://x.gov.cn/zwgk/", "https://x.gov.cn/a/b/c.html"]),
       st.lists(st.sampled_from(["https:", "http:", "mailto:", "tel:", "//", "/", "x.cn", "a", "../", "?q", "#f",
                                 " ", "\\", "HTTPS:", "12345", "@"]), max_size=6).map("".join))
@example("https://x.gov.cn/a/b/c.html", "https:x")
def test_an_absolute_link_means_the_same_from_every_page(page: str, url: str) -> None:
    if is_absolute(url):
        assert urlsplit(urljoin(page, url)) == urlsplit(urljoin("https://www.example.gov.cn/", url))


def test_the_output_s_files_are_those_rglob_finds(tmp_path: Path) -> None:
    out = tmp_path / "output"
    for name in ("index.html", ".hidden", "a/index.html", "a/b/c.css", "办事/指南.html", "d/.sitegen-tmp"):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("x", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "inside.html").write_text("x", encoding="utf-8")
    (out / "file-link.html").symlink_to(out / "a/index.html")  # a file, through a link
    (out / "folder-link").symlink_to(tmp_path / "elsewhere")  # not entered
    (out / "dangling.html").symlink_to(tmp_path / "nowhere")  # no file
    (out / "empty").mkdir()
    expected = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert output_files(out) == expected
    assert "file-link.html" in expected and "folder-link/inside.html" not in expected


# --- sitegen check --output ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("links-demo") / "output")


def test_every_link_of_the_demo_resolves(demo_output: Path) -> None:
    result = run("check", str(REPO), "--build-date", BUILD_DATE, "--output", str(demo_output))
    assert result.code == 0, result.stderr
    assert "站内链接全部有效" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("检查通过：")


def test_every_page_of_the_demo_is_read_fast_and_as_html_parser_reads_it(demo_output: Path) -> None:
    pages = sorted(demo_output.rglob("*.html"))
    assert len(pages) > 50
    for page in pages:
        text = page.read_text(encoding="utf-8")
        plain = _scan_plain(text)
        assert plain is not None, page  # sitegen's own pages take the fast path
        assert plain == _scan_parsed(text), page


def test_external_links_are_listed_in_json(demo_output: Path) -> None:
    result = run("check", str(REPO), "--build-date", BUILD_DATE, "--output", str(demo_output), "--format", "json")
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["diagnostics"] == []
    assert report["links"]["pages"] == len(list(demo_output.rglob("*.html")))
    assert report["links"]["internal"] > 1000
    external = {item["url"]: item["pages"] for item in report["links"]["external"]}
    assert "https://beian.miit.gov.cn/" in external  # the footer's ICP link, on every page
    assert f"{demo_output}/index.html" in external["https://beian.miit.gov.cn/"]
    assert f"外部链接 {len(external)} 个" in result.stderr


def test_a_broken_link_is_reported_with_its_file_and_link(tmp_path: Path) -> None:
    output = build_broken_site(tmp_path / "site", tmp_path / "output")
    result = run("check", str(tmp_path / "site"), "--build-date", BUILD_DATE, "--output", str(output))
    assert result.code == 1
    page = f"{output}/{BROKEN_PAGE}index.html"
    assert f"{page}:" in result.stderr
    assert "error: 链接 “missing.png” 指向的 /departments/office/missing.png 不存在" in result.stderr
    assert "error: 链接 “#main-content” 的锚点 #main-content 在 /departments/office/ 中不存在" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("失败：")

    as_json = json.loads(run("check", str(tmp_path / "site"), "--build-date", BUILD_DATE, "--output", str(output),
                             "--format", "json").stdout)
    missing = [d for d in as_json["diagnostics"] if "missing.png" in d["message"] and d["path"] == page]
    assert len(missing) == 1 and missing[0]["code"] == "link.broken" and missing[0]["line"] > 0
    assert missing[0]["source_line"] == '<img src="missing.png" alt="不存在的图片">'
    external = {item["url"]: item["pages"] for item in as_json["links"]["external"]}
    assert page in external["https://cdn.example.com/logo.png"]


def test_the_link_report_is_the_same_on_one_process_or_several(tmp_path: Path) -> None:
    """More pages than PARALLEL_FROM, each linking to an anchor on the next one (which another
    worker reads): the workers leave those anchors to the merge, and nothing is lost or doubled."""
    count = PARALLEL_FROM + 40
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "a.pdf").write_bytes(b"%PDF")
    for i in range(count):
        page = tmp_path / f"p{i}" / "index.html"
        page.parent.mkdir()
        following = (i + 1) % count
        anchor = "nope" if i % 50 == 0 else f"s{following}"
        links = [f'<a href="../p{following}/#{anchor}">下一页</a>', f'<a href="https://example.org/{i % 3}">外</a>',
                 '<a href="#top">顶部</a>', '<a href="../files/a.pdf#page=2">附件</a>']
        if i % 70 == 0:
            links.append(f'<a href="../missing-{i}/">缺失</a>')
        page.write_text(f'<!doctype html>\n<h2 id="s{i}">第{i}节</h2>\n' + "\n".join(links) + "\n", encoding="utf-8")
    serial = check_links(tmp_path, BASE, 1)
    parallel = check_links(tmp_path, BASE, 2)
    assert parallel == serial
    codes = [d.code for d in serial.diagnostics]
    assert codes.count("link.anchor") == len(range(0, count, 50))
    assert codes.count("link.broken") == len(range(0, count, 70))
    assert serial.pages == count and serial.internal == count * 3 + len(range(0, count, 70))
    assert sorted(serial.external) == [f"https://example.org/{k}" for k in range(3)]


def test_an_output_built_for_another_base_url_is_one_clear_error(tmp_path: Path) -> None:
    output = build_demo(tmp_path / "output", base_url="https://www.example.gov.cn/zwgk/")
    result = run("check", str(REPO), "--build-date", BUILD_DATE, "--output", str(output))
    assert result.code == 1
    assert "--base-url https://www.example.gov.cn/zwgk/" in result.stderr
    assert result.stderr.count("error:") == 1
    again = run("check", str(REPO), "--build-date", BUILD_DATE, "--output", str(output),
                "--base-url", "https://www.example.gov.cn/zwgk/")
    assert again.code == 0, again.stderr


def test_check_output_needs_a_built_site(tmp_path: Path) -> None:
    result = run("check", str(REPO), "--build-date", BUILD_DATE, "--output", str(tmp_path))
    assert result.code == 2
    assert "sitegen build" in result.stderr


def test_check_without_output_checks_no_built_tree() -> None:
    result = run("check", str(REPO), "--build-date", BUILD_DATE)
    assert result.code == 0, result.stderr
    assert "站内链接" not in result.stderr
