"""Tests for sitegen.markdown: safe HTML, checked links, anchors, Chinese typography."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from sitegen.markdown import Heading, MarkdownProblem, RenderedMarkdown, render_markdown

# The caller's routing data (a real dict, not a mock of sitegen code).
ROUTES = {
    "@procedures/id-card": "/zwgk/procedures/id-card/",
    "/procedures/id-card/": "/zwgk/procedures/id-card/",
    "@halls/main": "/zwgk/halls/main/",
    "/files/a.pdf": "/zwgk/files/a.pdf",
    "/files/map.png": "/zwgk/files/map.png",
    "/": "/zwgk/",
}


class Resolver:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, target: str) -> str | None:
        self.asked.append(target)
        return ROUTES.get(target)


def render(text: str) -> RenderedMarkdown:
    return render_markdown(text, Resolver())


class Tags(HTMLParser):
    """Every real tag and attribute in the output (escaped text is not a tag)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def names(self) -> list[str]:
        return [tag for tag, _ in self.tags]

    def urls(self) -> list[str]:
        return [v or "" for _, a in self.tags for k, v in a.items() if k in ("href", "src")]


def assert_safe(html: str) -> None:
    tags = Tags(html)
    assert "<script" not in html.lower()
    assert not {"script", "iframe", "svg", "object", "embed", "style"} & set(tags.names())
    for _, attrs in tags.tags:
        assert not [name for name in attrs if name.startswith("on")], attrs
    for url in tags.urls():
        squeezed = "".join(ch for ch in url.lower() if ch > " ")
        assert not squeezed.startswith(("javascript:", "vbscript:", "data:", "file:")), url
        assert "script:" not in squeezed, url


# --- API ---------------------------------------------------------------------------------


def test_result_types_are_frozen() -> None:
    result = render("## 标题\n\n正文")
    assert isinstance(result, RenderedMarkdown)
    assert result.headings == (Heading(2, "标题", "标题"),)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.html = ""  # type: ignore[misc]


def test_commonmark_basics() -> None:
    html = render("一段文字。\n\n- 甲\n- 乙\n\n1. 一\n2. 二\n\n`code` and *em*").html
    assert "<p>一段文字。</p>" in html
    assert "<ul>\n<li>甲</li>\n<li>乙</li>\n</ul>" in html
    assert "<ol>" in html
    assert "<code>code</code> and <em>em</em>" in html


def test_strikethrough() -> None:
    assert render("~~旧规定~~已废止").html == "<p><s>旧规定</s>已废止</p>\n"


def test_table_is_wrapped_for_scrolling() -> None:
    html = render("| 材料 | 份数 |\n|---|---|\n| 身份证 | 1 |\n").html
    assert html.startswith('<div class="table-wrap"><table>\n<thead>')
    assert html.endswith("</table>\n</div>\n")
    assert "<td>身份证</td>" in html


def test_void_elements_are_html5() -> None:
    html = render("![地图](/files/map.png)\n\n第一行\\\n第二行").html
    assert "/>" not in html
    assert '<img src="/zwgk/files/map.png" alt="地图">' in html


# --- raw HTML and unsafe links -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "正文<script>alert(1)</script>正文",
        "<img src=x onerror=alert(1)>",
        "图片 <img src=x onerror=alert(1)> 在行内",
        "<svg onload=alert(1)>",
        '<iframe src="javascript:alert(1)"></iframe>',
        "<div onmouseover=alert(1)>悬停</div>",
        "<style>body{display:none}</style>",
        "| a |\n|---|\n| <script>alert(1)</script> |",
        "> <img src=x onerror=alert(1)>",
    ],
)
def test_raw_html_is_escaped_text(text: str) -> None:
    result = render(text)
    assert_safe(result.html)
    assert "&lt;" in result.html
    assert result.problems == ()


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java&#x09;script:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](javascript&colon;alert(1))",
        "[x](java%09script:alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x](vbscript:msgbox(1))",
        "[x](file:///etc/passwd)",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](data:text/html,alert(1))",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        "![x](javascript:alert(1))",
        "[x]\n\n[x]: javascript:alert(1)",
        "[x](//evil.example.com/)",
    ],
)
def test_unsafe_link_is_reported_and_only_its_text_kept(text: str) -> None:
    result = render(text)
    assert_safe(result.html)
    assert "<a" not in result.html and "<img" not in result.html
    assert result.html.startswith("<p>x")
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert problem.message.startswith(("不允许的链接：", "不允许的图片："))
    assert "https://" in problem.hint
    assert result.targets == ()


@pytest.mark.parametrize("text", ["<javascript:alert(1)>", "<JAVASCRIPT:alert(1)>"])
def test_unsafe_autolink_is_text(text: str) -> None:
    result = render(text)
    assert_safe(result.html)
    assert "<a" not in result.html
    assert "alert(1)" in result.html
    assert result.problems[0].message == "不允许的链接：" + text[1:-1]


def test_control_characters_are_visible_in_the_message() -> None:
    result = render("[x](java&#x09;script:alert(1))")
    assert result.problems[0].message == "不允许的链接：java\\x09script:alert(1)"


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("[国务院](https://www.gov.cn/)", "https://www.gov.cn/"),
        ("[旧站](http://example.gov.cn/a?b=1#c)", "http://example.gov.cn/a?b=1#c"),
        ("[来信](mailto:xinfang@example.gov.cn)", "mailto:xinfang@example.gov.cn"),
        ("[值班电话](tel:027-87654321)", "tel:027-87654321"),
        ("[下文](#materials)", "#materials"),
        ("[附件](attachments/a.pdf)", "attachments/a.pdf"),
        ("[上级](../index.html)", "../index.html"),
        ("<https://www.gov.cn/>", "https://www.gov.cn/"),
        ("[搜索](https://www.gov.cn/search?q=办事)", "https://www.gov.cn/search?q=%E5%8A%9E%E4%BA%8B"),
    ],
)
def test_allowed_links_pass_unchanged_without_extra_attributes(text: str, href: str) -> None:
    result = render(text)
    assert result.problems == ()
    assert Tags(result.html).tags == [("p", {}), ("a", {"href": href})]


# --- internal links ----------------------------------------------------------------------


def test_internal_targets_resolve_with_fragment_and_are_listed_once_in_order() -> None:
    resolver = Resolver()
    text = (
        "见[居民身份证](@procedures/id-card)、[大厅](@halls/main)、"
        "[材料](/procedures/id-card/#materials)、[首页](/)、[附件](/files/a.pdf)，"
        "再见[身份证](@procedures/id-card)。\n\n![图](/files/map.png)"
    )
    result = render_markdown(text, resolver)
    assert result.problems == ()
    assert Tags(result.html).urls() == [
        "/zwgk/procedures/id-card/",
        "/zwgk/halls/main/",
        "/zwgk/procedures/id-card/#materials",
        "/zwgk/",
        "/zwgk/files/a.pdf",
        "/zwgk/procedures/id-card/",
        "/zwgk/files/map.png",
    ]
    assert "/procedures/id-card/" in resolver.asked  # the fragment was split off
    assert not [t for t in resolver.asked if "#" in t]
    assert result.targets == (
        "@procedures/id-card",
        "@halls/main",
        "/procedures/id-card/",
        "/",
        "/files/a.pdf",
        "/files/map.png",
    )


def test_unknown_target_is_a_problem_at_its_line_and_renders_text_only() -> None:
    text = "# 说明\n\n请携带\n[居民身份证](@procedures/id-crad)原件。"
    result = render(text)
    assert result.html.endswith("<p>请携带\n居民身份证原件。</p>\n".replace("\n居", "居"))
    assert "<a" not in result.html
    assert result.problems == (
        MarkdownProblem(
            line=4,
            column=9,
            message="链接目标不存在：@procedures/id-crad",
            hint="链接写作 [名称](@procedures/slug) 或站内路径 /procedures/slug/，"
            "请核对记录的文件名",
        ),
    )
    assert "是不是" not in result.problems[0].hint
    assert result.targets == ()


def test_unknown_image_keeps_its_alt_text() -> None:
    result = render("![办事大厅*平面图*](/files/missing.png)")
    assert result.html == "<p>办事大厅平面图</p>\n"
    assert result.problems[0].message == "图片目标不存在：/files/missing.png"


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("第一行\n第二行\n第三行[x](@nope)", 3, 8),
        ("English\nwords here\nand [x](@nope)", 3, 9),
        ("- 甲\n- 乙\n  续行 [x](@nope)", 3, 10),
        ("| 名称 | 链接 |\n|---|---|\n| 甲 | [x](@ok) |\n| 乙 | [x](@nope) |", 4, 11),
        ("标题\n\n## 见 [x](@nope)", 3, 10),
        ("> 引用\n> 第二行 [x](@nope)", 2, 11),
        ("第一行\\\n第二行 [x](@nope)", 2, 9),
        ("第一行\r\n第二行\r\n[x](@nope)", 3, 5),
        ("[a](@nope) [b](@nope)", 1, 16),
        ("[x]\n\n\n[x]: @nope", 1, 1),
    ],
)
def test_problem_line_and_column(text: str, line: int, column: int) -> None:
    problems = render_markdown(text, lambda t: "/ok/" if t == "@ok" else None).problems
    assert (problems[-1].line, problems[-1].column) == (line, column)


# --- heading anchors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "anchor"),
    [
        ("办理条件", "办理条件"),
        ("Contact Us", "contact-us"),
        ("FAQ 常见问题", "faq-常见问题"),
        ("一、办理条件（个人）", "一办理条件个人"),
        ("《条例》第三条：说明。", "条例第三条说明"),
        ("COVID-19  防控 -- 须知!", "covid-19-防控-须知"),
        ("所需材料　清单", "所需材料-清单"),
        ("**重点**与`代码`", "重点与代码"),
        ("见[大厅](@halls/main)", "见大厅"),
        ("2026年", "2026年"),
    ],
)
def test_heading_slug(title: str, anchor: str) -> None:
    result = render(f"## {title}")
    assert result.headings[0].anchor == anchor
    assert result.html.startswith(f'<h2 id="{anchor}">')


def test_headings_are_collected_with_levels_and_deduplicated() -> None:
    text = "# 总则\n\n## 材料\n\n### 材料\n\n## ！！！\n\n## 材料\n\n#### （）\n\n办理\n流程\n---\n"
    result = render(text)
    assert result.headings == (
        Heading(1, "总则", "总则"),
        Heading(2, "材料", "材料"),
        Heading(3, "材料", "材料-2"),
        Heading(2, "！！！", "section"),
        Heading(2, "材料", "材料-3"),
        Heading(4, "（）", "section-2"),
        Heading(2, "办理流程", "办理流程"),
    )


def test_rendering_twice_shares_no_state() -> None:
    text = "## 材料\n\n[x](@nope)"
    assert render(text) == render(text)
    assert render(text).headings[0].anchor == "材料"


# --- Chinese typography ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("**开门办公。**正常受理", "<strong>开门办公。</strong>正常受理"),
        ("这是**“重点”**内容", "这是<strong>“重点”</strong>内容"),
        ("*强调。*下文", "<em>强调。</em>下文"),
        ("**注意：**请携带", "<strong>注意：</strong>请携带"),
        ("请于**《条例》**施行前", "请于<strong>《条例》</strong>施行前"),
        ("~~旧规定（2013）。~~新规定", "<s>旧规定（2013）。</s>新规定"),
        ("**（一）**办理", "<strong>（一）</strong>办理"),
        ("须**本人**到场", "须<strong>本人</strong>到场"),
        ("**办理**：携带", "<strong>办理</strong>：携带"),
    ],
)
def test_emphasis_next_to_fullwidth_punctuation(text: str, html: str) -> None:
    assert render(text).html == f"<p>{html}</p>\n"


def test_stock_markdown_it_is_not_patched() -> None:
    assert "<strong>" not in MarkdownIt("commonmark").render("**开门办公。**正常受理")


STOCK = MarkdownIt("commonmark", {"html": False, "xhtmlOut": False}).enable("strikethrough")


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("a*b*c", "a<em>b</em>c"),
        ("foo**bar**", "foo<strong>bar</strong>"),
        ("**foo bar **", "**foo bar **"),
        ("*foo*bar", "<em>foo</em>bar"),
        ("_foo_bar", "_foo_bar"),
        ("foo_bar_", "foo_bar_"),
        ("a * foo bar*", "a * foo bar*"),
        ("*foo bar *", "*foo bar *"),
        ('a**"foo"**', "a**&quot;foo&quot;**"),
        ('**"foo"**bar', '**&quot;foo&quot;**bar'),
        ("*(*foo*)*", "<em>(<em>foo</em>)</em>"),
        ("**foo*bar**", "<strong>foo*bar</strong>"),
        ("~~a~~b", "<s>a</s>b"),
    ],
)
def test_latin_emphasis_follows_commonmark(text: str, html: str) -> None:
    assert render(text).html == f"<p>{html}</p>\n" == STOCK.render(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab *_~.,!?()\"'\n", max_size=40))
def test_text_without_cjk_renders_like_stock_commonmark(text: str) -> None:
    assert render(text).html == STOCK.render(text)


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("第一行\n第二行", "第一行第二行"),
        ("办理时限，\n五个工作日。", "办理时限，五个工作日。"),
        ("他说：\n“请稍候。”", "他说：“请稍候。”"),
        ("**重点**\n内容", "<strong>重点</strong>内容"),
        ("见[链接](#a)\n说明", '见<a href="#a">链接</a>说明'),
        ("English\nwords", "English\nwords"),
        ("中文\nEnglish", "中文\nEnglish"),
        ("Say “yes”\n“no” later", "Say “yes”\n“no” later"),
        ("版本 2.0\n发布", "版本 2.0\n发布"),
        ("한국어\n문장", "한국어\n문장"),
        ("第一行\\\n第二行", "第一行<br>\n第二行"),
    ],
)
def test_soft_line_breaks_between_chinese_add_nothing(text: str, html: str) -> None:
    assert render(text).html == f"<p>{html}</p>\n"


# --- pathological input (the suite finishing is the guard) --------------------------------


PATHOLOGICAL = {
    "brackets": "[" * 50_000,
    "stars": "*" * 50_000,
    "quotes": ">" * 50_000 + " 深",
    "images": "![" * 25_000,
    "empty-links": "[](" * 20_000,
    "emphasis": "*a" * 25_000,
    "cjk-strong": "**开。**正" * 10_000,
    "lists": "- " * 20_000 + "x",
    "nested-labels": "[x" * 25_000 + "](@nope)" * 25_000,
    "broken-links": "[a](@nope) " * 10_000,
    "cjk-lines": "中\n" * 50_000,
    "table": "|a|b|\n|-|-|\n" + "|1|2|\n" * 10_000,
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_input_finishes(text: str) -> None:
    result = render(text)
    assert result.html.startswith("<")
    assert_safe(result.html)


@pytest.mark.parametrize("target", ["../../etc/passwd", "a/../../b.png", "..%2f..%2fetc/passwd"])
def test_image_paths_that_climb_out_are_refused(target: str) -> None:
    result = render(f"![x]({target})")
    assert "src" not in result.html
    assert result.problems and result.problems[0].message.startswith("不允许的图片")


def test_problems_carry_their_own_code() -> None:
    nested = render("".join("  " * i + "- x\n" for i in range(40)))
    assert {p.code for p in nested.problems} == {"markdown.nesting"}
    missing = render("[x](@procedures/nowhere)")
    assert [p.code for p in missing.problems] == ["markdown.link"]
