"""The link checker: every internal link and #anchor of a built output resolves; external links
are listed, never fetched. Pure resolution first (pages as text, no disk), then `sitegen check
--output` over the demo and over a deliberately broken output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sitegen.linkcheck import LinkReport, check_pages, page_url, scan_page
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


# --- sitegen check --output ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("links-demo") / "output")


def test_every_link_of_the_demo_resolves(demo_output: Path) -> None:
    result = run("check", str(REPO), "--build-date", BUILD_DATE, "--output", str(demo_output))
    assert result.code == 0, result.stderr
    assert "站内链接全部有效" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("检查通过：")


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
