"""Render an editor's Markdown body to safe HTML, with heading anchors and checked links.

CommonMark + GFM tables and strikethrough; raw HTML is escaped. Every href/src is decided in
`_check_links`. Emphasis follows the "CommonMark CJK-friendly amendments"
(github.com/tats-u/markdown-cjk-friendly); a line break between Chinese characters adds no space.

With the optional `fast` extra installed (markdown-it-pyrs), `sitegen.markdown_native` renders
first and this module's markdown-it-py pipeline renders whatever it declines; the results are
identical byte for byte. Set the environment variable SITEGEN_MARKDOWN=python to always use the
pure-Python pipeline.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.parser_block import ParserBlock
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.state_inline import Scanned
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str  # plain text
    anchor: str  # id attribute value


@dataclass(frozen=True, slots=True)
class MarkdownProblem:
    line: int  # 1-based, within the markdown text given
    column: int  # 1-based, best effort (1 if unknown)
    message: str
    hint: str
    code: str = "markdown.link"  # stable id: "markdown.link" or "markdown.nesting"


@dataclass(frozen=True, slots=True)
class RenderedMarkdown:
    html: str
    headings: tuple[Heading, ...]
    problems: tuple[MarkdownProblem, ...]
    targets: tuple[str, ...]  # resolved internal targets as written, without #fragment


class LinkResolver(Protocol):
    """Map an internal target without its #fragment to its final URL, or None."""

    def __call__(self, target: str) -> str | None: ...


_ALLOWED_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_SCHEME_RE = re.compile(r"([a-z][a-z0-9+.\-]*):")
# Browsers drop tabs/newlines inside a scheme and trim spaces/controls around it.
_INVISIBLE_RE = re.compile(r"[\x00-\x20\x7f]+")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_LINE_RE = re.compile(r"\r\n|\r|\n")
_DASHES_RE = re.compile(r"[\s\-]+")
_HINT_FORMS = (
    "链接可写作 https://… 、mailto:… 、tel:… 、#锚点、[名称](@procedures/slug) "
    "或站内路径 /procedures/slug/"
)
_HINT_MISSING = "链接写作 [名称](@procedures/slug) 或站内路径 /procedures/slug/，请核对记录的文件名"
# Ambiguous-width marks that Chinese text uses as full-width punctuation.
_CJK_AMBIGUOUS = frozenset("“”‘’…—·")


def _is_cjk(ch: str) -> bool:
    """A CJK character per the amendments: East Asian Width W/F/H and not emoji, or Hangul."""
    cp = ord(ch)
    if 0x1100 <= cp <= 0x11FF or 0xA960 <= cp <= 0xA97F or 0xD7B0 <= cp <= 0xD7FF:
        return True  # Hangul jamo, partly of neutral width
    if 0xE0100 <= cp <= 0xE01EF:
        return True  # ideographic variation selectors count as part of the ideograph
    if 0x2300 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF or 0x1F000 <= cp <= 0x1FAFF:
        return False  # wide symbols there are emoji
    return unicodedata.east_asian_width(ch) in ("W", "F", "H")


def _is_hangul(ch: str) -> bool:
    cp = ord(ch)
    return 0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F or 0xAC00 <= cp <= 0xD7FF


class _CjkStateInline(StateInline):
    def scanDelims(self, start: int, canSplitWord: bool) -> Scanned:
        """CommonMark flanking rules, amended so that CJK text around `**` counts.

        Only *non-CJK* punctuation blocks flanking, and a CJK character on the outside
        side of a run acts like whitespace/punctuation does in the original rules.
        Without CJK characters on either side this reduces exactly to CommonMark.
        """
        src, pos, maximum = self.src, start, self.posMax
        marker = src[start]
        while pos < maximum and src[pos] == marker:
            pos += 1
        last = src[start - 1] if start > 0 else " "
        if "\ufe00" <= last <= "\ufe0e" and start > 1:
            last = src[start - 2]  # a variation selector belongs to the character before
        nxt = src[pos] if pos < maximum else " "

        last_ws, next_ws = isWhiteSpace(ord(last)), isWhiteSpace(ord(nxt))
        last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
        next_punct = isMdAsciiPunct(ord(nxt)) or isPunctChar(nxt)
        last_cjk, next_cjk = _is_cjk(last), _is_cjk(nxt)
        last_latin_punct = last_punct and not last_cjk
        next_latin_punct = next_punct and not next_cjk

        left = not next_ws and (not next_latin_punct or last_ws or last_latin_punct or last_cjk)
        right = not last_ws and (not last_latin_punct or next_ws or next_latin_punct or next_cjk)
        can_open = left and (canSplitWord or not right or last_punct)
        can_close = right and (canSplitWord or not left or next_punct)
        return Scanned(can_open, can_close, pos - start)


class _CjkParserInline(ParserInline):
    def parse(self, src: str, md: MarkdownIt, env: EnvType, tokens: list[Token]) -> list[Token]:
        state = _CjkStateInline(src, md, env, tokens)
        self.tokenize(state)
        for rule in self.ruler2.getRules(""):
            rule(state)
        return state.tokens


class _NestingParserBlock(ParserBlock):
    """Says what markdown-it drops: below `maxNesting` levels of lists and quotes it skips the
    rest of the block without a word, and a page would silently lose text."""

    def tokenize(self, state: StateBlock, startLine: int, endLine: int) -> None:
        if state.level >= state.md.options.maxNesting:
            line = state.skipEmptyLines(startLine)
            ctx = state.env.get("sitegen")
            if line < endLine and state.sCount[line] >= state.blkIndent and isinstance(ctx, _Context):
                ctx.report(line + 1, "", "列表或引用嵌套得太深，从这里起的内容无法显示",
                           "把嵌套改浅：列表最多嵌套 9 层，引用最多 19 层", "markdown.nesting")
        super().tokenize(state, startLine, endLine)


class _SiteMarkdownIt(MarkdownIt):
    """Leaves every target as written; `_check_links` validates and normalises them all."""

    def validateLink(self, url: str) -> bool:
        return True

    def normalizeLink(self, url: str) -> str:
        return url


@dataclass(slots=True)
class _Context:
    """Per-render state carried in markdown-it's env."""

    source: str
    resolve: LinkResolver
    problems: list[MarkdownProblem] = field(default_factory=list)
    targets: dict[str, None] = field(default_factory=dict)  # an ordered set
    headings: list[Heading] = field(default_factory=list)
    lines: list[str] | None = None  # split on the first problem only
    searched: dict[int, int] = field(default_factory=dict)  # line -> where to look next

    def report(self, line: int, written: str, message: str, hint: str, code: str = "markdown.link") -> None:
        if self.lines is None:
            self.lines = _LINE_RE.split(self.source)
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        # Best effort: the target as written, after the previous problem on this line.
        column = text.find(written, self.searched.get(line, 0)) + 1 if written else 0
        if column > 0:
            self.searched[line] = column
        visible = _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", written)
        self.problems.append(MarkdownProblem(line, max(column, 1), message + visible, hint, code))


def _final_url(ctx: _Context, written: str, line: int, noun: str) -> str | None:
    """The href/src to emit for a target as written, or None (problem recorded)."""
    raw = written.strip()
    probe = _INVISIBLE_RE.sub("", unquote(raw)).lower()
    scheme = _SCHEME_RE.match(probe)
    if scheme is not None:
        if scheme.group(1) in _ALLOWED_SCHEMES:
            return normalizeLink(raw)
        ctx.report(line, written, f"不允许的{noun}：", _HINT_FORMS)
        return None
    if probe.startswith(("//", "/\\", "\\")):  # protocol-relative: an external host
        ctx.report(line, written, f"不允许的{noun}：", "外部链接请写完整地址，如 https://www.gov.cn/")
        return None
    if probe.startswith(("@", "/")):
        path, hash_mark, fragment = raw.partition("#")
        url = ctx.resolve(path)
        if url is None:
            ctx.report(line, written, f"{noun}目标不存在：", _HINT_MISSING)
            return None
        ctx.targets[path] = None
        return normalizeLink(url + hash_mark + fragment)
    if noun == "图片" and ".." in probe.split("#", 1)[0].replace("\\", "/").split("/"):
        # An image climbing out of the page could embed anything once deployed; images
        # live under /files/ and are named there.
        ctx.report(line, written, f"不允许的{noun}：", _HINT_FORMS)
        return None
    return normalizeLink(raw)  # a #fragment or a relative path


def _plain_text(tokens: Sequence[Token] | None) -> str:
    parts: list[str] = []
    for token in tokens or ():
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.type == "image":
            parts.append(_plain_text(token.children))
    return "".join(parts)


def _check_links(state: StateCore) -> None:
    ctx: _Context = state.env["sitegen"]
    line = 1
    for block in state.tokens:
        if block.map is not None:
            line = block.map[0] + 1
        if block.type != "inline" or not block.children:
            continue
        kept: list[Token] = []
        breaks = 0  # lines of the block before the current token
        drop_close = False
        for token in block.children:
            if token.type in ("softbreak", "hardbreak"):
                breaks += 1
            elif token.type == "link_open":
                href = _final_url(ctx, str(token.attrGet("href")), line + breaks, "链接")
                if href is None:
                    drop_close = True  # links cannot nest: the next link_close is ours
                    continue
                token.attrSet("href", href)
            elif token.type == "link_close" and drop_close:
                drop_close = False
                continue
            elif token.type == "image":
                src = _final_url(ctx, str(token.attrGet("src")), line + breaks, "图片")
                if src is None:
                    alt = Token("text", "", 0)
                    alt.content = _plain_text(token.children)
                    token = alt
                else:
                    token.attrSet("src", src)
            kept.append(token)
        block.children = kept


def _edge_char(tokens: list[Token], index: int, step: int) -> str:
    """The visible character next to tokens[index] going in `step` direction, or ''."""
    index += step
    while 0 <= index < len(tokens):
        token = tokens[index]
        if token.type in ("text", "code_inline"):
            if token.content:
                return token.content[-1] if step < 0 else token.content[0]
        elif token.nesting == 0:  # another break, an image...: not text
            return ""
        index += step
    return ""


def _joins_without_space(before: str, after: str) -> bool:
    if not before or not after or _is_hangul(before) or _is_hangul(after):
        return False  # Korean separates words with spaces
    wide_before, wide_after = _is_cjk(before), _is_cjk(after)
    return (
        (wide_before or wide_after)
        and (wide_before or before in _CJK_AMBIGUOUS)
        and (wide_after or after in _CJK_AMBIGUOUS)
    )


def _join_cjk_lines(state: StateCore) -> None:
    """Drop a soft line break between two Chinese characters (browsers show it as a space)."""
    for block in state.tokens:
        children = block.children
        if block.type != "inline" or not children:
            continue
        if any(t.type == "softbreak" for t in children):
            block.children = [
                token
                for i, token in enumerate(children)
                if token.type != "softbreak"
                or not _joins_without_space(_edge_char(children, i, -1), _edge_char(children, i, 1))
            ]


def _slugify(text: str) -> str:
    kept = "".join(ch for ch in text if ch.isalnum() or ch.isspace() or ch == "-")
    return _DASHES_RE.sub("-", kept).strip("-").lower()


def _anchor_headings(state: StateCore) -> None:
    ctx: _Context = state.env["sitegen"]
    used: set[str] = set()
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text = _plain_text(tokens[i + 1].children).strip()
        base = _slugify(text) or "section"
        anchor, n = base, 1
        while anchor in used:
            n += 1
            anchor = f"{base}-{n}"
        used.add(anchor)
        token.attrSet("id", anchor)
        ctx.headings.append(Heading(int(token.tag[1:]), text, anchor))


def _render_table(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Wrap tables in a box that scrolls sideways, so wide tables stay readable on phones."""
    html = str(self.renderToken(tokens, idx, options, env))
    return html + "</div>\n" if tokens[idx].nesting < 0 else '<div class="table-wrap">' + html


def _build() -> MarkdownIt:
    # maxNesting bounds recursion on hostile input (50,000 nested `[`, `*` or `>`).
    options = {"html": False, "xhtmlOut": False, "maxNesting": 20}
    md = _SiteMarkdownIt("commonmark", options)
    md.inline = _CjkParserInline()
    md.block = _NestingParserBlock()
    md.configure("commonmark", options)  # apply the preset's rule set to the new parsers
    md.enable(["table", "strikethrough"])
    # Order matters: link lines are counted from soft breaks before CJK ones are dropped.
    md.core.ruler.push("sitegen_links", _check_links)
    md.core.ruler.push("sitegen_cjk_breaks", _join_cjk_lines)
    md.core.ruler.push("sitegen_anchors", _anchor_headings)
    md.add_render_rule("table_open", _render_table)
    md.add_render_rule("table_close", _render_table)
    return md


_MD = _build()


def render_markdown(text: str, resolve: LinkResolver) -> RenderedMarkdown:
    """Render `text` to HTML, collecting headings, link problems and resolved targets."""
    if _native is not None and os.environ.get("SITEGEN_MARKDOWN") != "python":
        rendered = _native.render_markdown_native(text, resolve)
        if rendered is not None:
            return rendered
    ctx = _Context(text, resolve)
    env: EnvType = {"sitegen": ctx}
    html: str = _MD.renderer.render(_MD.parse(text, env), _MD.options, env)
    return RenderedMarkdown(html, tuple(ctx.headings), tuple(ctx.problems), tuple(ctx.targets))


# Last, because the native renderer imports the helpers above.
try:
    from . import markdown_native as _native
except ModuleNotFoundError as error:  # the optional `fast` extra is not installed
    if error.name != "markdown_it_pyrs":
        raise
    _native = None  # type: ignore[assignment]
