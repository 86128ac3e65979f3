"""Differential tests for sitegen.markdown_native: it renders exactly as the markdown-it-py
pipeline of sitegen.markdown does, or declines (returns None).

tests/data/commonmark-spec.json holds the 652 examples of CommonMark 0.31.2, the version
markdown-it-py 4 follows (spec.json as markdown-it-py vendors it; three U+00A0 restored).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from sitegen import markdown
from sitegen.diagnostics import Reporter
from sitegen.markdown import LinkResolver, RenderedMarkdown, render_markdown
from sitegen.yamlfile import split_front_matter

pytest.importorskip("markdown_it_pyrs")

from sitegen.markdown_native import render_markdown_native  # noqa: E402

ROOT = Path(__file__).parent.parent
SPEC = json.loads((Path(__file__).parent / "data" / "commonmark-spec.json").read_text(encoding="ascii"))
BENCH_CONTENT = Path("/tmp/bench-work/corpus/sitegen/1000/content")  # see BENCHMARKS.md
KNOWN = {"@procedures/a", "/procedures/a/", "@halls/main", "/files/a.pdf", "/url", "/uri", "/foo", "/"}


def resolve(target: str) -> str | None:
    """Resolves some internal targets and not others, so both branches of `_final_url` run."""
    return "/zwgk" + target.lstrip("@") if target in KNOWN else None


def python_path(text: str, resolver: LinkResolver = resolve) -> RenderedMarkdown:
    with mock.patch.dict(os.environ, {"SITEGEN_MARKDOWN": "python"}):
        return render_markdown(text, resolver)


def assert_same_or_declined(text: str, resolver: LinkResolver = resolve, where: str = "") -> bool:
    """True when the native path rendered `text` (and agreed), False when it declined."""
    native = render_markdown_native(text, resolver)
    if native is None:
        return False
    expected = python_path(text, resolver)
    assert (native.html, native.headings, native.problems, native.targets) == (
        expected.html, expected.headings, expected.problems, expected.targets
    ), where or text
    return True


# --- the CommonMark spec -------------------------------------------------------------------


def test_vendored_examples_are_the_spec_markdown_it_py_follows() -> None:
    stock = MarkdownIt("commonmark")
    differing = [e["example"] for e in SPEC["examples"] if stock.render(e["markdown"]) != e["html"]]
    assert len(SPEC["examples"]) == 652
    assert differing == [218, 239, 240]  # markdown-it writes an empty quote on one line


@pytest.mark.parametrize("example", SPEC["examples"], ids=lambda e: str(e["example"]))
def test_spec_example(example: dict[str, object]) -> None:
    assert_same_or_declined(str(example["markdown"]))


def test_spec_examples_mostly_go_native() -> None:
    native = sum(render_markdown_native(e["markdown"], resolve) is not None for e in SPEC["examples"])
    assert native >= 0.9 * len(SPEC["examples"])


# --- real bodies ---------------------------------------------------------------------------


def bodies(content: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(content.rglob("*.md")):
        front = split_front_matter(path.read_text(encoding="utf-8"), Reporter(str(path)))
        if front is not None:
            yield str(path), front.body


def site_resolver(content: Path) -> Callable[[str], str | None]:
    """What a site of `content` would publish: its records, by kind and slug, and its files."""
    records = {(p.parent.name, p.stem) for p in content.glob("*/*") if p.suffix in (".md", ".yaml")}
    files = {p.name for p in (content / "files").glob("*")}

    def resolver(target: str) -> str | None:
        kind, _, slug = target.lstrip("@/").partition("/")
        if kind == "files":
            return f"/zwgk/files/{slug}" if slug in files else None
        return f"/zwgk/{kind}/{slug.strip('/')}/" if (kind, slug.strip("/")) in records else None

    return resolver


@pytest.mark.parametrize("content", [ROOT / "content", ROOT / "tests/showcase/content"], ids=["demo", "showcase"])
def test_demo_and_showcase_bodies(content: Path) -> None:
    resolver = site_resolver(content)
    for path, body in bodies(content):
        assert_same_or_declined(body, resolver, path)


@pytest.mark.skipif(not BENCH_CONTENT.is_dir(), reason="benchmark corpus not generated (see BENCHMARKS.md)")
def test_benchmark_corpus_renders_the_same_and_goes_native() -> None:
    resolver = site_resolver(BENCH_CONTENT)
    outcomes = [assert_same_or_declined(body, resolver, path) for path, body in bodies(BENCH_CONTENT)]
    assert len(outcomes) >= 1000
    assert sum(outcomes) >= 0.9 * len(outcomes), f"native for {sum(outcomes)} of {len(outcomes)} bodies"


# --- generated text ------------------------------------------------------------------------

CHARS = "中文字。，“”（）、《》：*_~`[]()!#>-|\\<&  \n\n12ab.:@/"
TOKENS = [
    *CHARS, "**", "~~", "\n\n", "- ", "1. ", "> ", "# ", "## ", "```\n", "    ", "\u3000", "\r\n", "\t",
    "](", "](@procedures/a)", "](@nope)", "](/files/a.pdf)", "](https://x.org/办事)", "![", "<https://a.b/%41>",
    "<a@b.c>", "&amp;", "&copy;", "\\*", "[r]", "\n[r]: @procedures/a\n", ' "t"', "%", "。**", "**中", "a)",
    "（中）", "\n| a | b |\n| :-- | --: |\n| 1 | 2 |\n", "\n|---|\n", "＋", "℃", "①", "\xa0", "…", "—", "·", "\n===\n",
    "\n---\n", "\n  - ", "`code`", "***", "___", "<b>", "mailto:a@b.c", "@procedures/a#f", "javascript:",
]
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(FUZZ, max_examples=3000)
@given(st.text(alphabet=CHARS, max_size=60))
def test_generated_characters(text: str) -> None:
    assert_same_or_declined(text)


@settings(FUZZ, max_examples=3000)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_generated_markdown(text: str) -> None:
    assert_same_or_declined(text)


EMPHASIS = ["**", "*", "_", "__", "~~", *"中文。，“”（）、《》：！＋￥①a1).,\" \n\u3000"]


@settings(FUZZ, max_examples=3000)
@given(st.lists(st.sampled_from(EMPHASIS), max_size=30).map("".join))
def test_generated_emphasis_beside_chinese(text: str) -> None:
    assert_same_or_declined(text)


# --- the gate, case by case ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "**开门办公。**正常受理",  # sitegen's CJK emphasis: pyrs is shown a stand-in for 正
        "要把**力求做到(观点)**作为重点",
        "　　第一条　为了规范政务公开工作，制定本办法。",  # markdown-it-py trims the ideographic spaces
        "| 材料 | 份数 |\n|---|---|\n| 身份证 | 1 |\n",
        "- 甲\n- 乙\n  续行 [x](@nope)\n\n> 引用\n> 第二行 [x](@nope)",
        "[a <https://a.b/%41>中](@nope)",  # a dropped link drops its autolink's close
        "第一行\r\n第二行\r\n[x](@nope)",
    ],
)
def test_goes_native_and_agrees(text: str) -> None:
    assert assert_same_or_declined(text)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[x](javascript:alert(1))", "pyrs leaves a javascript: link unparsed"),
        ("[x](java&#115;cript:alert(1))", "a numeric entity could spell a scheme"),
        ("*$*alpha *£*bravo", "£ is punctuation to markdown-it-py only"),
        ("中~~中~~~~", "pyrs applies the rule of 3 to ~ runs"),
        ("[`", "pyrs 0.4.0 panics on a code span in a link label"),
        ("`   `", "pyrs strips spaces off a code span of spaces"),
        ("```\n中", "an unclosed fence at the end keeps no last line feed in markdown-it-py"),
        ("中```\n-|", "the Rust table rule wants no | in the first row"),
        ("> 中\n  - ", "an empty item ends a quote's lazy paragraph in markdown-it-py"),
        ("> 中\n10. 中", "so does an item numbered from 10"),
        ("".join("  " * i + "- x\n" for i in range(40)), "markdown-it-py stops at maxNesting"),
        (">" * 50_000 + " 深", "pyrs overflows its stack"),
        ("[" * 20 + "x", "markdown-it-py's link scan nests once per ["),
        ("[x](/%E5%8A%9E)", "a written %XX and pyrs's own cannot be told apart"),
    ],
)
def test_declines(text: str, why: str) -> None:
    assert render_markdown_native(text, resolve) is None, why
    assert python_path(text).html  # and the pure-Python path renders it


def test_render_markdown_tries_native_first_unless_told_not_to() -> None:
    # The native path reads the link, then declines at the unclosed fence: the resolver hears
    # the target twice; with SITEGEN_MARKDOWN=python only once.
    text = "[a](@procedures/a)\n\n```\nx"
    asked: list[str] = []

    def resolver(target: str) -> str | None:
        asked.append(target)
        return resolve(target)

    assert markdown._native is not None
    render_markdown(text, resolver)
    assert asked == ["@procedures/a", "@procedures/a"]
    asked.clear()
    python_path(text, resolver)
    assert asked == ["@procedures/a"]


def test_without_the_fast_extra_sitegen_renders_in_python() -> None:
    code = (
        "import sys; sys.modules['markdown_it_pyrs'] = None\n"  # as if not installed
        "from sitegen import markdown\n"
        "print(markdown._native, markdown.render_markdown('**开门办公。**正常受理', lambda t: None).html, end='')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout == "None <p><strong>开门办公。</strong>正常受理</p>\n"
