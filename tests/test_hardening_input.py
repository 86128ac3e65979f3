"""Bad input of every kind: exit 1 at the file and line, or kept exactly as written — never a
traceback, never a silent change of value (issue 3, part 1)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sitegen.markdown import render_markdown
from sitegen.sources import file_key, load_sources
from sitegen.validate import validate
from tests.hardening import FULL_FILES, every_field, full_record, full_site_files, record_file, set_at, wrong_shapes
from tests.sites import BASELINE, DEPARTMENT, HALL, LEADER, PROCEDURE, RECEPTIONS, SITE_YAML, build, check, write_site

OFFICE = "content/departments/office.yaml"
ID_CARD = "content/procedures/id-card.md"


def assert_no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert "内部错误" not in stderr, stderr  # exit 3: a bug in sitegen


def fails_at(site: Path, location: str, message: str = "") -> str:
    """`sitegen check` exits 1 with an error at `path:line:col` (or `path:line:`, or `path`)."""
    result = check(site)
    assert_no_traceback(result.stderr)
    assert result.code == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith(location) and ": error: " in line]
    assert lines, f"no error at {location}:\n{result.stderr}"
    assert any(message in line for line in lines), f"{message!r} not in {lines}"
    return result.stderr


# --- text stays text ---------------------------------------------------------------------------

TEXT_AS_WRITTEN = {
    "content/site.yaml": SITE_YAML.replace("site_code: 4200000001", "site_code: 0271234567"),
    OFFICE: DEPARTMENT.replace("location: 示例路1号3楼301室", "location: 14:30\nhead: {name: NO, title: On}"),
    ID_CARD: PROCEDURE.replace("category: 行政确认", "category: NO")
    .replace("location: 政务服务大厅A区", "location: 9:30")
    .replace("  - 受理\n", "  - 030001\n  - On\n")
    .replace("    copies: 0", "    copies: 0\n    note: 0271234567"),
    "content/halls/main-hall.yaml": HALL.replace("number: A01", "number: 030001").replace("name: 综合受理", "name: On"),
    "content/leaders/zhang-san.yaml": LEADER.replace("portfolio: 主持全面工作", "portfolio: NO\nresume: 1e3"),
    "content/receptions/2026.yaml": RECEPTIONS + "  topics: 9:30\n  booking: {note: 14:30}\n",
}


def test_unquoted_numbers_times_and_booleans_stay_exactly_as_written(tmp_path: Path) -> None:
    site = write_site(tmp_path, TEXT_AS_WRITTEN)
    records = validate(load_sources(site))
    assert not [d for d in records.diagnostics if d.is_error], records.diagnostics
    assert records.config is not None and records.config.identity.site_code == "0271234567"
    assert records.config.organization.postcode == "430071"
    [office] = records.departments
    assert office.location == "14:30" and office.head is not None
    assert (office.head.name, office.head.title) == ("NO", "On")
    [procedure] = records.procedures
    assert (procedure.category, procedure.location, procedure.code) == ("NO", "9:30", "000105001000")
    assert procedure.steps == ("030001", "On", "审核")
    assert procedure.materials[0].note == "0271234567"
    [hall] = records.halls
    assert (hall.windows[0].number, hall.windows[0].name) == ("030001", "On")
    [leader] = records.leaders
    assert (leader.portfolio, leader.resume) == ("NO", "1e3")
    [session] = records.sessions
    assert session.topics == "9:30" and session.booking is not None and session.booking.note == "14:30"

    result = build(site)
    assert result.code == 0, result.stderr
    out = site / "output"
    data = {name: json.loads((out / f"data/{name}.json").read_text(encoding="utf-8"))["items"]
            for name in ("departments", "procedures", "halls", "receptions")}
    assert data["departments"][0]["location"] == "14:30" and data["departments"][0]["head_name"] == "NO"
    assert data["procedures"][0]["code"] == "000105001000" and data["procedures"][0]["steps"][:2] == ["030001", "On"]
    assert data["halls"][0]["windows"][0]["number"] == "030001"
    assert data["receptions"][0]["topics"] == "9:30"
    page = (out / "procedures/id-card/index.html").read_text(encoding="utf-8")
    for text in ("000105001000", "030001", "0271234567", ">NO<", "9:30"):
        assert text in page, text
    assert "sitecode=0271234567" in (out / "index.html").read_text(encoding="utf-8")
    assert "9:30" in (out / "receptions/index.html").read_text(encoding="utf-8")


# --- duplicate keys, at every depth ---------------------------------------------------------------

DUPLICATES = {
    "top-level": (OFFICE, DEPARTMENT + "location: 又一处\n", "10:1"),
    "front-matter": (ID_CARD, PROCEDURE.replace("visits: 1\n", "visits: 1\nfee: 收费\n"), "26:1"),
    "nested-mapping": ("content/site.yaml", SITE_YAML.replace("  name: 示例厅\n", "  name: 示例厅\n  name: 又一个\n"),
                       "5:3"),
    "list-item": (ID_CARD, PROCEDURE.replace("    copies: 0\n", "    copies: 0\n    form: 复印件\n"), "14:5"),
    "reception-item": ("content/receptions/2026.yaml", RECEPTIONS + "  date: 2026-12-11\n", "6:3"),
    "flow-mapping": (OFFICE, DEPARTMENT + "head: {name: 李四, name: 王五}\n", "10:18"),
    "deep": ("content/halls/main-hall.yaml",
             HALL.replace("hours: 周一至周五 9:00-17:00",
                          "hours:\n  - {days: mon-fri, open: 9:00, open: 8:30, close: 17:00}"),
             "4:33"),
    "year": ("content/leaders/zhang-san.yaml",
             LEADER + "activity:\n  2026: {receptions: 1}\n  2026: {receptions: 2}\n", "7:3"),
}


@pytest.mark.parametrize(("path", "text", "at"), DUPLICATES.values(), ids=DUPLICATES.keys())
def test_a_duplicate_key_at_any_depth_is_an_error_at_the_second(tmp_path: Path, path: str, text: str, at: str) -> None:
    site = write_site(tmp_path, {path: text})
    fails_at(site, f"{path}:{at}: error:", "重复的键")


# --- encodings, BOMs, line ends, tabs and invisible characters -----------------------------------


def test_bom_crlf_and_lone_cr_give_the_same_records_and_lines(tmp_path: Path) -> None:
    plain = validate(load_sources(write_site(tmp_path / "lf", {})))
    variants: dict[str, Callable[[str], bytes]] = {
        "bom-crlf": lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode("utf-8"),
        "cr": lambda t: t.replace("\n", "\r").encode("utf-8"),
        "bom": lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
    }
    for name, encode in variants.items():
        site = write_site(tmp_path / name, {rel: encode(text) for rel, text in BASELINE.items()})
        records = validate(load_sources(site))
        assert not [d for d in records.diagnostics if d.is_error], (name, records.diagnostics)
        for kind in ("departments", "procedures", "halls", "leaders", "sessions", "policies", "notices", "pages"):
            assert getattr(records, kind) == getattr(plain, kind), (name, kind)  # values and positions
        assert records.config == plain.config, name
        # an error in such a file is reported at the line and column an editor sees
        broken = DEPARTMENT.replace("027-87000001", "8700-0001")
        write_site(site, {OFFICE: encode(broken)})
        fails_at(site, f"{OFFICE}:7:13: error:", "phones[1].number")


def test_files_the_cache_knows_are_decoded_when_read_and_come_out_the_same(tmp_path: Path) -> None:
    """Record files whose bytes decoded before (the build cache's keys, load_sources `decoded`)
    are decoded only when something reads their text, to the same text. Bytes that do not
    decode, which only a hand-made cache could claim did, read with replacement characters."""
    hall = "content/halls/main-hall.yaml"
    files: dict[str, str | bytes] = {
        rel: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8") for rel, text in BASELINE.items()}
    files[OFFICE] = DEPARTMENT.replace("\n", "\r").encode("utf-8")
    files[hall] = HALL.encode("gbk")
    site = write_site(tmp_path, files)
    eager = load_sources(site)
    assert any(d.location.path == hall and d.code == "source.encoding" for d in eager.diagnostics)
    keys = {file_key(source.path, source.digest) for source in eager.records}
    keys.add(file_key(hall, hashlib.sha256((site / hall).read_bytes()).hexdigest()))

    late = load_sources(site, decoded=keys)
    assert late.site == eager.site and not any(d.location.path == hall for d in late.diagnostics)
    by_path = {source.path: source for source in late.records}
    assert all(source._text is None for source in by_path.values())  # nothing decoded yet
    assert by_path.pop(hall).text.startswith("name: \ufffd")
    assert tuple(by_path.values()) == eager.records  # path, digest and text
    assert "\r" not in by_path[OFFICE].text and not by_path[OFFICE].text.startswith("\ufeff")
    assert validate(late).departments == validate(eager).departments


def test_a_tab_in_the_indentation_is_an_error_with_a_hint(tmp_path: Path) -> None:
    site = write_site(tmp_path, {OFFICE: DEPARTMENT.replace("  - 负责政务公开工作。", "\t- 负责政务公开工作。")})
    stderr = fails_at(site, f"{OFFICE}:4:", "Tab")
    assert "空格" in stderr


def test_tabs_inside_values_are_kept(tmp_path: Path) -> None:
    site = write_site(tmp_path, {OFFICE: DEPARTMENT.replace("name: 办公室", "name:\t办\t公室")})
    [office] = validate(load_sources(site)).departments
    assert office.name == "办\t公室"


ENCODINGS = {
    "gbk": (DEPARTMENT.encode("gbk"), "1:7", "看起来是 GBK/GB18030 编码"),
    "gb18030": ((DEPARTMENT + "email: 𠀀€@example.gov.cn\n").encode("gb18030"), "1:7", "GBK/GB18030"),
    "utf-16": (DEPARTMENT.encode("utf-16"), "1:1", "看起来是 UTF-16 编码"),
    "invalid-utf-8": (DEPARTMENT.encode("utf-8").replace("机关".encode(), b"\xff\xfe\xfa"), "3:7", "不是 UTF-8 编码"),
    "truncated-utf-8": (DEPARTMENT.encode("utf-8") + "名".encode()[:2], "10:1", "不是 UTF-8 编码"),
}


@pytest.mark.parametrize(("raw", "at", "message"), ENCODINGS.values(), ids=ENCODINGS.keys())
def test_other_encodings_are_refused_saying_utf8_was_expected(
    tmp_path: Path, raw: bytes, at: str, message: str
) -> None:
    site = write_site(tmp_path, {OFFICE: raw})
    stderr = fails_at(site, f"{OFFICE}:{at}: error:", message)
    assert "文件不是 UTF-8 编码" in stderr and "另存为”UTF-8" in stderr


def test_nul_and_control_characters_are_errors_at_their_line(tmp_path: Path) -> None:
    site = write_site(tmp_path, {OFFICE: DEPARTMENT.replace("location: 示例路", "location: 示\x01例路"),
                                 "content/halls/main-hall.yaml": HALL.encode("utf-8") + b"\x00"})
    stderr = fails_at(site, f"{OFFICE}:8:12: error:", "控制字符（U+0001）")
    assert "content/halls/main-hall.yaml: error: 文件含有空字符" in stderr


def test_unicode_line_separators_are_kept_and_lines_stay_right(tmp_path: Path) -> None:
    text = DEPARTMENT.replace("location: 示例路1号3楼301室", "location: 示例路\u2028一号\x85楼")
    site = write_site(tmp_path, {OFFICE: text})
    [office] = validate(load_sources(site)).departments
    assert office.location == "示例路\u2028一号\x85楼"
    write_site(site, {OFFICE: text.replace("order: 1", "order: 一")})
    fails_at(site, f"{OFFICE}:9:8: error:", "order 必须是整数")


def test_a_bom_in_the_middle_of_a_file_is_named(tmp_path: Path) -> None:
    site = write_site(tmp_path, {OFFICE: DEPARTMENT.replace("location:", "\ufefflocation:")})
    fails_at(site, f"{OFFICE}:8:", "BOM")


# --- empty and unfinished files ---------------------------------------------------------------------

EMPTY = {
    "empty-yaml": (OFFICE, "", f"{OFFICE}:1:1", "文件没有内容"),
    "comments-only": (OFFICE, "# 办公室\n# 待补充\n", f"{OFFICE}:1:1", "文件没有内容"),
    "blank-lines": (OFFICE, "\n  \n\n", f"{OFFICE}:1:1", "文件没有内容"),
    "empty-receptions": ("content/receptions/2026.yaml", "", "content/receptions/2026.yaml:1:1", "文件没有内容"),
    "comment-receptions": ("content/receptions/2026.yaml", "# 明年再排\n", "content/receptions/2026.yaml:1:1",
                           "没有内容"),
    "empty-markdown": (ID_CARD, "", f"{ID_CARD}:1:1", "必须以 `---` 开头"),
    "empty-front-matter": (ID_CARD, "---\n---\n正文\n", f"{ID_CARD}:1:1", "文件没有内容"),
    "comment-front-matter": (ID_CARD, "---\n# 待补充\n---\n正文\n", f"{ID_CARD}:1:1", "文件没有内容"),
    "never-closes": (ID_CARD, PROCEDURE.replace("---\n## 常见问题", "## 常见问题"), f"{ID_CARD}:1:1",
                     "前置信息没有结束"),
    "only-opening": (ID_CARD, "---\n", f"{ID_CARD}:1:1", "前置信息没有结束"),
    "empty-site": ("content/site.yaml", "", "content/site.yaml:1:1", "文件是空的"),
    "comment-site": ("content/site.yaml", "# 站点\n", "content/site.yaml:1:1", "文件是空的"),
    "scalar-site": ("content/site.yaml", "示例厅\n", "content/site.yaml:1:1", "应为键值对"),
    "list-department": (OFFICE, "- 办公室\n", f"{OFFICE}:1:1", "应为键值对"),
    "mapping-receptions": ("content/receptions/2026.yaml", "leader: zhang-san\n", "content/receptions/2026.yaml:1:1",
                           "应为列表"),
}


@pytest.mark.parametrize(("path", "text", "location", "message"), EMPTY.values(), ids=EMPTY.keys())
def test_empty_and_unfinished_files_are_errors(
    tmp_path: Path, path: str, text: str, location: str, message: str
) -> None:
    fails_at(write_site(tmp_path, {path: text}), f"{location}: error:", message)


# --- YAML features that would run code, expand or hide a value -----------------------------------

TAGS = [
    "name: !!python/object/apply:os.system ['touch {marker}']",
    "name: !!python/object/new:os.system ['touch {marker}']",
    "name: !!python/object/apply:subprocess.call [['touch', '{marker}']]",
    "name: !!python/name:os.system",
    "name: !!python/object:builtins.dict {{a: 1}}",
    "name: !<tag:yaml.org,2002:python/object/apply:os.system> ['touch {marker}']",
    "name: !!str 办公室",
    "name: !local 办公室",
    "name: ! 办公室",
]


@pytest.mark.parametrize("line", TAGS)
def test_tags_are_refused_and_never_run(tmp_path: Path, line: str) -> None:
    marker = tmp_path / "pwned"
    text = DEPARTMENT.replace("name: 办公室", line.format(marker=marker))
    title = line.format(marker=marker).replace("name:", "title:", 1)
    site = write_site(tmp_path / "site", {OFFICE: text, ID_CARD: PROCEDURE.replace("title: 居民身份证申领", title)})
    stderr = fails_at(site, f"{OFFICE}:1:7: error:", "标签")
    assert f"{ID_CARD}:2:8: error:" in stderr  # in front matter too, at the file's own line
    result = build(site)
    assert result.code == 1 and "已发布的输出未改动" in result.stderr
    assert not marker.exists()


def test_anchors_and_aliases_are_refused_not_silently_dropped(tmp_path: Path) -> None:
    site = write_site(tmp_path, {OFFICE: DEPARTMENT.replace("location: 示例路1号", "location: &loc 示例路1号")})
    fails_at(site, f"{OFFICE}:8:11: error:", "锚点")
    write_site(site, {OFFICE: DEPARTMENT + "email: *loc\n"})
    fails_at(site, f"{OFFICE}:10:8: error:", "别名")
    write_site(site, {OFFICE: DEPARTMENT + "<<: *loc\n"})
    fails_at(site, f"{OFFICE}:10:5: error:", "别名")


def test_an_alias_bomb_finishes_fast_with_an_error(tmp_path: Path) -> None:
    bomb = "name: 办公室\nlol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 12))
    site = write_site(tmp_path, {OFFICE: bomb})
    start = time.monotonic()
    fails_at(site, f"{OFFICE}:2:7: error:", "锚点")
    assert time.monotonic() - start < 5


NESTING = {
    "flow-lists": "duties: " + "[" * 5000 + "]" * 5000 + "\n",
    "flow-mappings": "head: " + "{a: " * 5000 + "b" + "}" * 5000 + "\n",
    "block-lists": "duties:\n" + "- " * 5000 + "x\n",
    "block-mappings": "head:\n" + "".join(" " * i + "k:\n" for i in range(1, 5001)),
}


@pytest.mark.parametrize("text", NESTING.values(), ids=NESTING.keys())
def test_5000_levels_of_yaml_nesting_are_an_error_not_a_crash(tmp_path: Path, text: str) -> None:
    site = write_site(tmp_path, {OFFICE: text})
    start = time.monotonic()
    fails_at(site, f"{OFFICE}:", "嵌套层级超过 64 层")
    assert time.monotonic() - start < 10


# --- big and pathological Markdown ------------------------------------------------------------------

DEEP_MARKDOWN = {  # (body, the file line where the content markdown-it cannot show starts)
    "nested-lists": ("- " * 5000 + "最深处\n", 4),
    "nested-quotes": ("> " * 5000 + "最深处\n", 4),
    "quotes-and-lists": ("正文\n\n" + "> - " * 2500 + "最深处\n", 6),
    "indented-lists": ("".join("  " * i + "- 第" + str(i) + "层\n" for i in range(1000)), 13),
    "ordered-lists": ("1. " * 5000 + "最深处\n", 4),
}


def test_5000_levels_of_markdown_nesting_are_errors_not_lost_text(tmp_path: Path) -> None:
    """markdown-it stops at 20 levels and drops the rest of the block: that is reported, not published."""
    files = {f"content/pages/{name}.md": f"---\ntitle: {name}\n---\n{body}"
             for name, (body, _) in DEEP_MARKDOWN.items()}
    site = write_site(tmp_path, files)
    start = time.monotonic()
    result = build(site)
    assert time.monotonic() - start < 20
    assert result.code == 1
    assert_no_traceback(result.stderr)
    for name, (_, line) in DEEP_MARKDOWN.items():
        assert f"content/pages/{name}.md:{line}:1: error: 列表或引用嵌套得太深" in result.stderr, name
    assert not (site / "output").exists()


def test_markdown_nested_as_deep_as_it_can_show_is_kept_whole(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/pages/deep.md": "---\ntitle: 深\n---\n" + "- " * 9 + "列表最深处\n\n"
                                 + "> " * 19 + "引用最深处\n"})
    result = build(site)
    assert result.code == 0, result.stderr
    page = (site / "output/deep/index.html").read_text(encoding="utf-8")
    assert "列表最深处" in page and "引用最深处" in page


def test_a_10_mb_markdown_file_builds(tmp_path: Path) -> None:
    paragraph = ("第{n}条　行政机关应当依照本条例的规定，主动公开本行政机关的**政府信息**，"
                 "并对申请公开的政府信息依法予以答复，详见[条例](https://www.gov.cn/)。\n\n")
    body = "".join((f"## 第{n}章\n\n" if n % 50 == 0 else "") + paragraph.format(n=n) for n in range(50_000))
    assert len(body.encode("utf-8")) > 10_000_000
    site = write_site(tmp_path, {"content/policies/long.md":
                                 f"---\ntitle: 长文件\nissuer: 示例厅\nissued: 2026-03-01\n---\n{body}"})
    start = time.monotonic()
    result = build(site, "--no-cache")
    took = time.monotonic() - start
    assert result.code == 0, result.stderr
    assert took < 60, f"a 10 MB page took {took:.0f} s"
    page = (site / "output/policies/long/index.html").read_text(encoding="utf-8")
    assert "第49999条" in page and page.count("<strong>政府信息</strong>") == 50_000


def test_a_100000_character_line_is_kept_whole(tmp_path: Path) -> None:
    long_text = "政务公开" * 25_000
    site = write_site(tmp_path, {
        OFFICE: DEPARTMENT.replace("  - 负责政务公开工作。", f"  - {long_text}"),
        "content/pages/guide.md": f"---\ntitle: 指南\n---\n{long_text}\n",
    })
    result = build(site)
    assert result.code == 0, result.stderr
    duties = json.loads((site / "output/data/departments.json").read_text(encoding="utf-8"))["items"][0]["duties"]
    assert duties[1] == long_text
    assert f"<p>{long_text}</p>" in (site / "output/guide/index.html").read_text(encoding="utf-8")
    # and an error on such a line is reported at it, with the line quoted
    write_site(site, {OFFICE: DEPARTMENT.replace("027-87000001", "1" * 100_000)})
    fails_at(site, f"{OFFICE}:7:13: error:", "phones[1].number")


# The pathological inputs of CommonMark's own test suite (cmark test/pathological_tests.py),
# at tens of thousands of markers: a quadratic algorithm takes minutes here, a linear one a second.
PATHOLOGICAL = {
    "nested-strong-emph": "*a **a " * 10_000 + "b" + " a** a*" * 10_000,
    "emph-closers-no-openers": "a_ " * 30_000,
    "emph-openers-no-closers": "_a " * 30_000,
    "link-closers-no-openers": "a]" * 30_000,
    "link-openers-no-closers": "[a" * 30_000,
    "mismatched-openers-closers": "*a_ " * 20_000,
    "openers-closers-multiple-of-3": "a**b" + "c* " * 30_000,
    "link-openers-emph-closers": "[ a_" * 20_000,
    "pattern-bracket-paren": "[ (](" * 20_000,
    "pattern-image-brackets": "![[]()" * 20_000,
    "nested-brackets": "[" * 30_000 + "a" + "]" * 30_000,
    "nested-block-quotes": "> " * 30_000 + "a",
    "deeply-nested-lists": "".join("  " * i + "* a\n" for i in range(1000)),
    "backticks": "".join("e" + "`" * i for i in range(1, 1000)),
    "unclosed-links-a": "[a](<b" * 20_000,
    "unclosed-links-b": "[a](b" * 20_000,
    "unclosed-html-comments": "</" + "<!--" * 30_000,
    "angle-brackets": "<" * 50_000,
    "html-openers": "<a" * 30_000,
    "link-reference-definitions": "[a]: u\n" * 20_000 + "[a]\n",
    "many-references": "".join(f"[{i}]: u\n" for i in range(20_000)) + "[0] " * 2_000,
    "nul": "abc\u0000de\u0000" * 1000,
    "emphasis-runs": "**" * 20_000 + "a" + "**" * 20_000,
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_markdown_finishes_in_seconds(text: str) -> None:
    start = time.monotonic()
    result = render_markdown(text, lambda target: None)
    took = time.monotonic() - start
    assert took < 5, f"{took:.1f} s"
    assert "<script" not in result.html


def test_a_site_of_pathological_pages_builds(tmp_path: Path) -> None:
    chosen = ("nested-strong-emph", "pattern-image-brackets", "nested-brackets", "backticks", "angle-brackets",
              "many-references")
    files = {f"content/pages/{name}.md": f"---\ntitle: {name}\n---\n{PATHOLOGICAL[name]}\n" for name in chosen}
    site = write_site(tmp_path, files)
    start = time.monotonic()
    result = build(site, "--no-cache")
    assert result.code == 0, result.stderr
    assert time.monotonic() - start < 30


# --- wrong types, at every field of every kind ---------------------------------------------------


def _wrong_type_cases() -> list[tuple[str, str, str, str, str, str]]:
    """(kind, field label, shape, file, its text, "path:line:col") for every field and every wrong shape."""
    cases = []
    for kind, full_path in FULL_FILES.items():
        record = full_record(kind)
        for n, field_at in enumerate(every_field(kind)):
            for wrong in wrong_shapes(field_at.field):
                text, at = record_file(kind, set_at(record, field_at.keys, wrong))
                assert at is not None
                path = full_path if kind == "site" else full_path.replace("/full.", f"/wrong-{n}-{wrong.name}.")
                cases.append((kind, field_at.where, wrong.name, path, text, f"{path}:{at[0]}:{at[1]}"))
    return cases


WRONG_TYPES = _wrong_type_cases()


def test_the_complete_records_are_valid(tmp_path: Path) -> None:
    """The baseline of the wrong-type cases: every field filled in, and the site builds."""
    result = build(write_site(tmp_path, full_site_files()))
    assert result.code == 0, result.stderr
    assert "warning" not in result.stderr


def test_wrong_types_at_every_record_field_are_errors_at_their_line(tmp_path: Path) -> None:
    cases = [case for case in WRONG_TYPES if case[0] != "site"]
    assert len(cases) > 200
    site = write_site(tmp_path, {**full_site_files(), **{path: text for _, _, _, path, text, _ in cases}})
    result = check(site)
    assert_no_traceback(result.stderr)
    assert result.code == 1
    missing = [f"{kind} {where} ({shape}): {at}" for kind, where, shape, _, _, at in cases
               if f"{at}: error: {where} " not in result.stderr]
    assert not missing, "\n".join(missing)


SITE_CASES = [(where, text, at) for kind, where, _, _, text, at in WRONG_TYPES if kind == "site"]


@pytest.mark.parametrize(("where", "text", "at"), SITE_CASES,
                         ids=[f"{c[1]}-{c[2]}" for c in WRONG_TYPES if c[0] == "site"])
def test_wrong_types_at_every_site_field_are_errors_at_their_line(
    tmp_path: Path, where: str, text: str, at: str
) -> None:
    site = write_site(tmp_path, {**full_site_files(), "content/site.yaml": text})
    fails_at(site, f"{at}: error: {where} ")


# --- file names ---------------------------------------------------------------------------------------

BAD_NAMES = {
    "uppercase": ("content/departments/Office.yaml", "office.yaml"),
    "chinese": ("content/departments/办公室.yaml", "my-page.yaml"),
    "spaces": ("content/notices/duty notice.md", "duty-notice.md"),
    "dots": ("content/departments/office..yaml", "office.yaml"),
    "double-dots": ("content/departments/a..b.yaml", "a-b.yaml"),
    "leading-dash": ("content/departments/-office.yaml", "office.yaml"),
    "trailing-dash": ("content/departments/office-.yaml", "office.yaml"),
    "underscore": ("content/departments/the_office.yaml", "the-office.yaml"),
    "markup": ("content/pages/<svg onload=alert(1)>.md", "svg-onload-alert-1.md"),
}


@pytest.mark.parametrize(("path", "suggestion"), BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_bad_file_names_are_errors_with_a_hint(tmp_path: Path, path: str, suggestion: str) -> None:
    text = BASELINE["content/notices/duty.md"] if path.endswith(".md") else DEPARTMENT
    site = write_site(tmp_path, {path: text})
    stderr = fails_at(site, f"{path}: error:", "不能用作网址")
    assert "提示：文件名只用小写字母、数字和连字符" in stderr and suggestion in stderr
