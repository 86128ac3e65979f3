"""Render a Markdown body with markdown-it-pyrs, byte for byte as `sitegen.markdown` does, or decline.

markdown-it-pyrs is markdown-it ported to Rust; it parses about ten times faster than
markdown-it-py. This module walks its syntax tree and applies sitegen's rules (checked links,
heading anchors, joined Chinese lines, wrapped tables) through the helpers of `sitegen.markdown`,
writing the tokens as markdown-it-py's renderer would. Where the two parsers differ and the
result could, it returns None and the caller renders with markdown-it-py. It declines on:

- emphasis pyrs cannot be made to pair as sitegen does. pyrs knows plain CommonMark flanking,
  not the CJK-friendly amendment, and counts symbols (£, ＋) as letters, not punctuation. Where
  a run of `*`, `_`, `~` would flank differently, the CJK character beside it is shown to pyrs
  as a stand-in letter or punctuation mark of the same UTF-8 length that makes the flags agree,
  and mapped back in the output (`_stand_in_plan`); where none does, it declines. Also `~` runs
  of four or more (pyrs applies the rule of 3 to them), and more than 2,000 delimiters in a
  block of lines (pyrs is quadratic in their depth);
- links pyrs would not parse: targets that could spell `javascript:`, `vbscript:`, `file:` or
  `data:` (also through an entity or a case-folding letter); targets whose percent-encoding
  pyrs cannot be told from the writer's (`_Inline.written`); reference labels with cased
  non-ASCII letters (case folding by different Unicode versions);
- nesting near markdown-it-py's `maxNesting` of 20: more than 15 `[` in a block of lines, or
  lists and quotes more than 15 deep (and pyrs overflows its stack some 30,000 deep);
- constructs the Rust rules read differently: tables not fenced by `|` and blank lines, an
  unclosed fence at the end of a text without a final line break, code spans of spaces only,
  list items that cannot interrupt a paragraph next to a quote, a whole line of Unicode spaces;
- pyrs 0.4.0 panicking on a code span left open inside a link label (`[` and `` ` `` together);
- NUL, U+0085, variation selectors U+FE00..U+FE0E, a tree node this module does not know.

tests/test_markdown_native.py holds it to this on the CommonMark spec, the benchmark corpus and
generated text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from html.entities import html5
from typing import cast
from urllib.parse import quote, unquote

import markdown_it_pyrs
from markdown_it.common.normalize_url import normalizeLinkText
from markdown_it.common.utils import MD_TRIM_CHARS, MD_TRIM_RE, escapeHtml, mdTrim, unescapeAll
from markdown_it.rules_inline import StateInline
from markdown_it_pyrs import Node

from .markdown import (
    Heading,
    LinkResolver,
    RenderedMarkdown,
    _CjkStateInline,
    _Context,
    _final_url,
    _is_cjk,
    _joins_without_space,
    _slugify,
)

# sitegen renders with html=False: neither HTML rule is enabled.
_PARSER = markdown_it_pyrs.MarkdownIt("zero").enable_many([
    "blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph", "reference",
    "autolink", "backticks", "emphasis", "entity", "escape", "image", "link", "newline",
    "table", "strikethrough",
])

_MAX_BRACKETS = 15  # `[` per block of lines; each can nest one level in markdown-it-py's link scan
_MAX_DEPTH = 15  # weight of enclosing lists (2: list and item) and quotes (1), below maxNesting 20
_MAX_INLINE_DEPTH = 40  # nested emphasis and links; deeper trees are left to markdown-it-py
_MAX_DELIMITERS = 2000  # `*`, `_`, `~` per block of lines; pyrs is quadratic in emphasis depth

# NUL, U+0085 (whitespace only to Rust), variation selectors (sitegen's `scanDelims` looks past
# them) and the characters that case-fold to ASCII letters (ſ, K, ﬁ...), which could spell a scheme.
_UNSAFE_CHAR_RE = re.compile(
    r"[\x00\x85\xdf\u0130\u0149\u017f\u01f0\u1e96-\u1e9a\u1e9e\u212a\ufb00-\ufb06\ufe00-\ufe0e]"
)
_BLANK_LINE_RE = re.compile(r"\n[ \t]*(?:\r?\n|\r)|\r[ \t]*\r")
# More markers of lists and quotes opening a line than _MAX_DEPTH (pyrs overflows its stack some
# 30,000 deep).
_DEEP_LINE_RE = re.compile(rf"^(?:[ \t]*(?:>|[-*+](?=[ \t])|\d{{1,9}}[.)](?=[ \t]))){{{_MAX_DEPTH + 1}}}", re.M)
# List items that cannot interrupt a paragraph (empty, or numbered from other than 1), which
# markdown-it-py lets end a quote's paragraph on a lazy line.
_QUOTE_RE = re.compile(r"^[ \t]*>", re.M)
_WEAK_ITEM_RE = re.compile(r"^[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]*$|0*(?!1[.)])\d{1,9}[.)])", re.M)
_RUN_RE = re.compile(r"([*_~])\1*")
_LINE_BREAK_RE = re.compile(rb"\r\n|\r|\n")  # each one line to markdown-it-py, as in `_Context`
# A line markdown-it-py may take for a table's second row.
_DELIMITER_ROW_RE = re.compile(rb"[ \t>]*[|:-][|: \t-]*")
_DELIMITER_ROW_STARTS = frozenset((b" ", b"\t", b">", b"|", b":", b"-"))
_MAX_AUTOCOMPLETED_CELLS = 0x10000  # markdown-it-py stops a table there
# Where the parser sees the start or end of its text instead of the character written beside a
# run (a quote marker, a table pipe, a link label's bracket), it sees a space.
_EDGE_BEFORE = frozenset(" \t\n>|[")
_EDGE_AFTER = frozenset(" \t\n|]")
# Punctuation blocks whose categories have not changed since Unicode 4.1, so that Python's and
# Rust's Unicode tables agree on them.
_STABLE_PUNCT = (
    (0x00A1, 0x00BF), (0x2010, 0x205E), (0x3000, 0x303F), (0x30A0, 0x30FF), (0xFE10, 0xFE6F),
    (0xFF00, 0xFFEF),
)
_LETTER, _PUNCT = "\ue000", "\u3001"  # what a stand-in is: a private-use letter, or 、
# Stand-in punctuation marks: 3 bytes in UTF-8, and no entity decodes to one.
_PUNCT_POOL = tuple(
    chr(code) for low, high in ((0x3001, 0x303F), (0xFF01, 0xFF65)) for code in range(low, high + 1)
    if unicodedata.category(chr(code))[0] == "P" and chr(code) not in "".join(html5.values())
)
_BLOCKS = frozenset({
    "paragraph", "heading", "lheading", "blockquote", "bullet_list", "ordered_list", "code_block",
    "fence", "hr", "table", "definition",
})
_INLINE_TAGS = {"em": "em", "strong": "strong", "strikethrough": "s"}
_TRIM_CHARS = frozenset(MD_TRIM_CHARS)


class _Decline(Exception):
    """The tree holds something this module cannot promise to render as markdown-it-py does."""


class _Probe:
    """The two fields of markdown-it's inline state that `scanDelims` reads."""

    __slots__ = ("src", "posMax")

    def __init__(self, src: str) -> None:
        self.src = src
        self.posMax = len(src)


def render_markdown_native(text: str, resolve: LinkResolver) -> RenderedMarkdown | None:
    """What `sitegen.markdown.render_markdown` returns for `text`, or None where that is not certain."""
    if not _source_is_safe(text):
        return None
    plan = _stand_in_plan(text)
    prepared = None if plan is None else _with_stand_ins(text, plan)
    if prepared is None:
        return None
    parsed, restore = prepared
    try:
        root = _PARSER.tree(parsed)
    except BaseException as error:  # pyo3 raises a Rust panic as PanicException, a BaseException
        if isinstance(error, Exception) or type(error).__name__ == "PanicException":
            return None  # a lone surrogate cannot be encoded; a panic is a bug in pyrs
        raise
    try:
        return _Renderer(text, resolve, restore).render(root)
    except _Decline:
        return None


# --- the gate on the source text ---------------------------------------------------------


def _source_is_safe(text: str) -> bool:
    if _UNSAFE_CHAR_RE.search(text) or "&#" in text or _may_spell_refused_scheme(text):
        return False
    if "~~~~" in text:  # pyrs applies CommonMark's rule of 3 to `~` runs too: `a~~b~~~~`
        return False
    if "]:" in text and any(ch.lower() != ch.upper() for ch in set(text) if ch >= "\x80"):
        return False  # reference labels match case-folded, by Unicode tables of different versions
    if _DEEP_LINE_RE.search(text):
        return False
    brackets, delimiters = text.count("["), text.count("*") + text.count("_") + text.count("~")
    if (
        brackets <= _MAX_BRACKETS
        and not (brackets and "`" in text)
        and delimiters <= _MAX_DELIMITERS
        and not (">" in text and _QUOTE_RE.search(text) and _WEAK_ITEM_RE.search(text))
    ):
        return True  # no block of lines can fail the checks below
    return all(_lines_are_safe(chunk) for chunk in _BLANK_LINE_RE.split(text))


def _lines_are_safe(chunk: str) -> bool:
    """The checks on a block of lines without a blank one, which no paragraph outgrows."""
    return (
        chunk.count("[") <= _MAX_BRACKETS
        and not ("[" in chunk and "`" in chunk)  # pyrs 0.4.0 panics on a code span left open in a label
        and chunk.count("*") + chunk.count("_") + chunk.count("~") <= _MAX_DELIMITERS
        and not (_QUOTE_RE.search(chunk) and _WEAK_ITEM_RE.search(chunk))
    )


def _may_spell_refused_scheme(text: str) -> bool:
    """Whether some `:` (or `\\:`, or an entity's `&`) follows `javascript`, `vbscript`, `file` or
    `data` in any case: targets pyrs refuses to parse as links (it asks `^(vbscript|javascript|
    file|data):`, ignoring case)."""
    for separator in ":&":
        i = text.find(separator)
        while i >= 0:
            if text[max(0, i - 12) : i].rstrip("\\").lower().endswith(("script", "file", "data")):
                return True
            i = text.find(separator, i + 1)
    return False


def _stand_in_plan(text: str) -> dict[int, str] | None:
    """What pyrs is shown beside each run of `*`, `_`, `~` (index -> the character, `_LETTER` or
    `_PUNCT`) so that its plain CommonMark flanking gives every run the open/close flags that
    sitegen's CJK-friendly `scanDelims` gives it; None when no choice does."""
    plan: dict[int, str] = {}
    size = len(text)
    for match in _RUN_RE.finditer(text):
        start, end = match.span()
        before = text[start - 1] if start else " "
        after = text[end] if end < size else " "
        if before < "\x80" and after < "\x80":
            continue  # no CJK beside it: the amendment is plain CommonMark, and ASCII is classified alike
        # A character between two runs is seen by both: the first run's choice binds the second.
        choice = _choose(text[start], before, after, plan.get(start - 1), plan.get(end))
        if choice is None:
            return None
        if start:
            plan[start - 1] = choice[0]
        if end < size:
            plan[end] = choice[1]
    return plan


@functools.lru_cache(maxsize=4096)
def _choose(
    marker: str, before: str, after: str, bound_last: str | None, bound_next: str | None
) -> tuple[str, str] | None:
    """What pyrs may be shown before and after a run of `marker` written between `before` and
    `after`, the first choice (keeping the characters written where it can) that agrees."""
    # (character, whether it is the one written beside the run and may be stood in for)
    lasts = [(before, True)]
    if before in _EDGE_BEFORE:
        lasts.append((" ", False))
    if before == "\\":  # `\*` is text, so the run may start one later, after a literal marker
        lasts.append((marker, False))
    nexts = [(after, True)] + ([(" ", False)] if after in _EDGE_AFTER else [])
    for last_in in (bound_last,) if bound_last is not None else _stand_ins(before):
        for next_in in (bound_next,) if bound_next is not None else _stand_ins(after):
            if all(
                _flags_agree(marker, last, nxt, last_in if own_last else last, next_in if own_next else nxt)
                for last, own_last in lasts
                for nxt, own_next in nexts
            ):
                return last_in, next_in
    return None


def _md_trimmed(content: str, left: bool, right: bool) -> str:
    """markdown-it-py trims an inline token's content with `mdTrim` (Unicode spaces too), pyrs
    only spaces and tabs: the first and last text of a block, trimmed the rest of the way."""
    if not content or (content[0] not in _TRIM_CHARS and content[-1] not in _TRIM_CHARS):
        return content
    trimmed = content.lstrip(MD_TRIM_CHARS) if left else content
    trimmed = trimmed.rstrip(MD_TRIM_CHARS) if right else trimmed
    if not trimmed:  # a line of spaces, which markdown-it-py drops with its line break
        raise _Decline
    return trimmed


def _stand_ins(ch: str) -> tuple[str, ...]:
    """What pyrs may be shown in place of `ch`: `ch` itself where both parsers classify it alike,
    and for a 3-byte CJK character that is not a space, a stand-in letter or punctuation mark."""
    keep = (ch,) if _classified_alike(ch) else ()
    if "\u0800" <= ch <= "\uffff" and _is_cjk(ch) and unicodedata.category(ch) != "Zs":
        return keep + (_LETTER, _PUNCT)
    return keep


def _flags_agree(marker: str, last: str, nxt: str, pyrs_last: str, pyrs_next: str) -> bool:
    """Whether sitegen's `scanDelims` gives a run of `marker` between `last` and `nxt` the flags
    that plain CommonMark gives it between what pyrs is shown. markdown-it-py's own `scanDelims`
    stands for pyrs's: they agree on characters that are `_classified_alike`."""
    split = marker != "_"  # emphasis with `*`, and strikethrough, may split words
    amended = _CjkStateInline.scanDelims(cast(_CjkStateInline, _Probe(last + marker + nxt)), 1, split)
    plain = StateInline.scanDelims(cast(StateInline, _Probe(pyrs_last + marker + pyrs_next)), 1, split)
    return (amended.can_open, amended.can_close) == (plain.can_open, plain.can_close)


def _classified_alike(ch: str) -> bool:
    """Whether markdown-it-py and markdown-it-pyrs agree on whether `ch` is whitespace or
    punctuation (py: categories P and S, and Zs; Rust: category P, and White_Space)."""
    if ch < "\x80":
        return True
    category = unicodedata.category(ch)
    if category[0] in "LMN" or category == "Zs":
        return True
    if category[0] == "P":
        return any(low <= ord(ch) <= high for low, high in _STABLE_PUNCT)
    return category in ("Cc", "Cf", "Co") and ch != "\x85"


def _with_stand_ins(text: str, plan: dict[int, str]) -> tuple[str, dict[int, int]] | None:
    """The text pyrs parses and the translation of its strings back to `text`'s characters; None
    if a stand-in could change what a reference label matches. Each (character, stand-in) pair
    gets its own character, one that `text` does not hold, so the translation back is exact."""
    pairs = sorted({(text[i], shown) for i, shown in plan.items() if shown != text[i]})
    if not pairs:
        return text, {}
    if "]:" in text:
        return None
    letters = (chr(code) for code in range(0xE000, 0xF900) if chr(code) not in text)
    marks = (ch for ch in _PUNCT_POOL if ch not in text)
    fresh: dict[tuple[str, str], str] = {}
    for pair in pairs:
        found = next(letters if pair[1] == _LETTER else marks, None)
        if found is None:
            return None
        fresh[pair] = found
    chars = list(text)
    for i, shown in plan.items():
        if shown != text[i]:
            chars[i] = fresh[text[i], shown]
    return "".join(chars), {ord(stand_in): ord(ch) for (ch, _), stand_in in fresh.items()}


# --- the tree walk -----------------------------------------------------------------------


class _Renderer:
    """One rendering: pyrs's tree in document order, as sitegen's core rules walk the tokens and
    markdown-it-py's `renderToken` writes them."""

    def __init__(self, text: str, resolve: LinkResolver, restore: dict[int, int]) -> None:
        self.text = text
        self.ctx = _Context(text, resolve)
        self.restore = restore
        self.encoded_stand_ins = [(quote(chr(shown)), quote(chr(ch))) for shown, ch in restore.items()]
        self.out: list[str] = []
        self.anchors: set[str] = set()
        self.after_hidden = False  # the last token was a tight list's hidden paragraph_close
        self.depth = 0
        self.quotes = 0  # enclosing blockquotes
        self.delimiter_rows: set[int] = set()  # 0-based lines of the tables' second rows
        self._data = b""  # made on first use
        self._lines: list[bytes] = []
        self._breaks: list[int] = []  # where lines end, if some end at \r
        self._counted, self._counted_lines = 0, 1

    def render(self, root: Node) -> RenderedMarkdown:
        self.blocks(root.children, tight=False)
        if "|" in self.text:
            self.check_no_other_tables()
        ctx = self.ctx
        return RenderedMarkdown("".join(self.out), tuple(ctx.headings), tuple(ctx.problems), tuple(ctx.targets))

    def string(self, value: str) -> str:
        """A string from the tree, in the characters of the text."""
        return value.translate(self.restore) if self.restore else value

    def open_tag(self, tag: str, line_feed: bool) -> None:
        prefix = "\n" if self.after_hidden else ""
        self.after_hidden = False
        self.out.append(prefix + tag + ("\n" if line_feed else ""))

    def close_tag(self, tag: str) -> None:
        self.after_hidden = False
        self.out.append(tag + "\n")

    def blocks(self, nodes: Sequence[Node], tight: bool) -> None:
        names = [node.name for node in nodes]
        i, count = 0, len(nodes)
        while i < count:
            if names[i] in _BLOCKS:
                self.block(nodes[i], names[i])
                i += 1
                continue
            if not tight:
                raise _Decline
            j = i + 1  # inline nodes in a tight list item: a hidden paragraph
            while j < count and names[j] not in _BLOCKS:
                j += 1
            html, _ = _Inline(self, nodes[i]).render(nodes[i:j])
            self.out.append(html)
            self.after_hidden = True
            i = j

    def block(self, node: Node, name: str) -> None:
        if name == "paragraph":
            html, _ = _Inline(self, node).render(node.children)
            self.open_tag("<p>", False)
            self.out.append(html + "</p>\n")
        elif name == "heading" or name == "lheading":
            self.heading(node)
        elif name == "bullet_list" or name == "ordered_list":
            self.list_block(node, name)
        elif name == "blockquote":
            self.enter(1)
            self.quotes += 1
            children = node.children
            self.open_tag("<blockquote>", any(child.name != "definition" for child in children))
            self.blocks(children, tight=False)
            self.close_tag("</blockquote>")
            self.quotes -= 1
            self.depth -= 1
        elif name == "code_block":
            self.after_hidden = False  # a render rule of its own, without renderToken's line feed
            self.out.append("<pre><code>" + escapeHtml(self.string(node.meta["content"])) + "</code></pre>\n")
        elif name == "fence":
            if not self.text.endswith(("\n", "\r")) and self.span(node)[1] == len(self.data()):
                raise _Decline  # unclosed at the end: markdown-it-py's content lacks the last \n
            self.after_hidden = False
            meta = node.meta
            info = mdTrim(unescapeAll(self.string(meta["info"]))) if meta["info"] else ""
            code = escapeHtml(self.string(meta["content"]))
            if info:
                lang = escapeHtml("language-" + MD_TRIM_RE.split(info, maxsplit=1)[0])
                self.out.append(f'<pre><code class="{lang}">{code}</code></pre>\n')
            else:
                self.out.append(f"<pre><code>{code}</code></pre>\n")
        elif name == "hr":
            self.open_tag("<hr>", True)
        elif name == "table":
            self.table(node)
        # a definition writes nothing

    def enter(self, weight: int) -> None:
        self.depth += weight
        if self.depth > _MAX_DEPTH:
            raise _Decline

    def heading(self, node: Node) -> None:
        """As `_anchor_headings`: the plain text, slugified, numbered when taken."""
        html, plain = _Inline(self, node).render(node.children)
        level = int(node.meta["level"])
        text = plain.strip()
        base = _slugify(text) or "section"
        anchor, n = base, 1
        while anchor in self.anchors:
            n += 1
            anchor = f"{base}-{n}"
        self.anchors.add(anchor)
        self.ctx.headings.append(Heading(level, text, anchor))
        self.open_tag(f'<h{level} id="{escapeHtml(anchor)}">', False)
        self.out.append(f"{html}</h{level}>\n")

    def list_block(self, node: Node, name: str) -> None:
        self.enter(2)
        tag = "ul" if name == "bullet_list" else "ol"
        start = 1 if tag == "ul" else int(node.meta["start"])
        self.open_tag(f'<ol start="{start}">' if start != 1 else f"<{tag}>", True)
        for item in node.children:
            if item.name != "list_item":
                raise _Decline
            children = item.children
            first = next((child.name for child in children if child.name != "definition"), "")
            self.open_tag("<li>", first in _BLOCKS)  # not before a hidden paragraph or </li>
            self.blocks(children, tight=True)
            self.close_tag("</li>")
        self.close_tag(f"</{tag}>")
        self.depth -= 2

    def table(self, node: Node) -> None:
        """As `_render_table` around markdown-it-py's table tokens."""
        aligns = node.meta["alignments"]
        sections = node.children
        self.check_table(sections, len(aligns))
        out = self.out
        out.append('<div class="table-wrap">' + ("\n" if self.after_hidden else "") + "<table>\n")
        self.after_hidden = False
        for section in sections:
            tag, cell_tag = ("thead", "th") if section.name == "thead" else ("tbody", "td")
            opening = [f"<{cell_tag}>" if align == "none" else f'<{cell_tag} style="text-align:{align}">'
                       for align in aligns]
            closing = f"</{cell_tag}>\n"
            out.append(f"<{tag}>\n")
            for row in section.children:
                out.append("<tr>\n")
                for i, cell in enumerate(row.children):
                    children = cell.children
                    if not children:
                        html = ""
                    elif len(children) == 1 and children[0].name == "text":  # the common cell
                        html = escapeHtml(_md_trimmed(self.string(children[0].meta["content"]), True, True))
                    else:
                        html, _ = _Inline(self, cell).render(children)
                    out.append(f"{opening[i]}{html}{closing}")
                out.append("</tr>\n")
            out.append(f"</{tag}>\n")
        out.append("</table>\n</div>\n")

    def check_table(self, sections: Sequence[Node], columns: int) -> None:
        """The two table rules differ (the Rust one wants no `|` in the first row, but one in the
        second; they start and stop at different lines). They agree on tables outside quotes
        whose every line starts with `|`, with blank lines (or the text's ends) around them."""
        rows = [row for section in sections for row in section.children]
        if [section.name for section in sections] not in (["thead"], ["thead", "tbody"]):
            raise _Decline
        first, last = self.line_of(rows[0]) - 1, self.line_of(rows[-1]) - 1
        lines = self.lines()
        if (
            self.quotes
            or len(rows) * columns > _MAX_AUTOCOMPLETED_CELLS
            or not all(line.lstrip(b" \t").startswith(b"|") for line in lines[first : last + 1])
            or (last + 1 < len(lines) and lines[last + 1].strip(b" \t"))
            or (first and lines[first - 1].strip(b" \t"))  # a table interrupting a paragraph
        ):
            raise _Decline
        self.delimiter_rows.add(first + 1)

    def check_no_other_tables(self) -> None:
        """No line that markdown-it-py could take for a table's second row, under a line with a
        `|`, is outside the tables pyrs found."""
        lines = self.lines()
        for i in range(1, len(lines)):
            line = lines[i]
            if (
                line[:1] in _DELIMITER_ROW_STARTS
                and _DELIMITER_ROW_RE.fullmatch(line)
                and b"|" in lines[i - 1]
                and i not in self.delimiter_rows
            ):
                raise _Decline

    def data(self) -> bytes:
        """The text as pyrs's byte offsets count it, in UTF-8."""
        if not self._data:
            self._data = self.text.encode()
            if b"\r" in self._data:  # lines may end at \r too
                self._breaks = [m.start() for m in _LINE_BREAK_RE.finditer(self._data)]
        return self._data

    def lines(self) -> list[bytes]:
        if not self._lines:
            data = self.data()
            self._lines = _LINE_BREAK_RE.split(data) if self._breaks else data.split(b"\n")
        return self._lines

    def line_at(self, offset: int) -> int:
        """The 1-based line of a byte offset; a line ends at \r\n, \r or \n (as in `_Context`)."""
        data = self.data()
        if self._breaks:
            return bisect_left(self._breaks, offset) + 1
        if offset < self._counted:  # offsets mostly grow: count on from the last one
            self._counted, self._counted_lines = 0, 1
        self._counted_lines += data.count(b"\n", self._counted, offset)
        self._counted = offset
        return self._counted_lines

    def span(self, node: Node) -> tuple[int, int]:
        srcmap = node.srcmap
        if srcmap is None:
            raise _Decline
        return srcmap

    def line_of(self, node: Node) -> int:
        """The 1-based line on which `node` starts, as markdown-it-py numbers lines."""
        return self.line_at(self.span(node)[0])

    def source_of(self, node: Node) -> bytes:
        start, end = self.span(node)
        return self.data()[start:end]


class _Inline:
    """One inline token's children (a paragraph's, heading's, table cell's or hidden paragraph's),
    rendered as they are after sitegen's `_check_links` and `_join_cjk_lines`."""

    def __init__(self, renderer: _Renderer, line_node: Node) -> None:
        self.renderer = renderer
        self.string = renderer.string
        self.line_node = line_node  # starts where markdown-it-py's inline token starts
        self.line = 0  # found at the first link
        self.breaks = 0  # soft and hard breaks so far, as `_check_links` counts them
        self.parts: list[str] = []
        # What `_edge_char` and `_plain_text` see: ("t", text) for non-empty text, ("s", "") for a
        # soft break (its part's index in soft_breaks), ("b", " ") for a hard break, ("i", plain
        # text) for an image.
        self.atoms: list[tuple[str, str]] = []
        self.soft_breaks: list[int] = []
        self.depth = 0
        self.ends: tuple[Node, ...] = ()  # the first and last node, whose text markdown-it-py trims
        self.drop_close = False

    def render(self, nodes: Sequence[Node]) -> tuple[str, str]:
        """The HTML of `nodes`, and their plain text as `_plain_text` gives it."""
        if len(nodes) == 1 and nodes[0].name == "text":  # most table cells, many paragraphs
            content = self.trimmed(nodes[0], self.string(nodes[0].meta["content"]))
            return escapeHtml(content), content
        if nodes:
            self.ends = (nodes[0], nodes[-1])
        self.walk(nodes)
        parts, atoms = self.parts, self.atoms
        plain: list[str] = []
        soft_breaks = iter(self.soft_breaks)
        for k, (kind, value) in enumerate(atoms):
            if kind != "s":
                plain.append(value)
                continue
            part = next(soft_breaks)
            before = atoms[k - 1][1] if k and atoms[k - 1][0] == "t" else ""
            after = atoms[k + 1][1] if k + 1 < len(atoms) and atoms[k + 1][0] == "t" else ""
            if _joins_without_space(before[-1:], after[:1]):
                parts[part] = ""
            else:
                plain.append(" ")
        return "".join(parts), "".join(plain)

    def walk(self, nodes: Sequence[Node]) -> None:
        self.depth += 1
        if self.depth > _MAX_INLINE_DEPTH:
            raise _Decline
        parts = self.parts
        for node in nodes:
            name = node.name
            if name == "text" or name == "text_special":
                meta = node.meta
                content = self.string(meta["content"])
                if node in self.ends and meta.get("info") != "entity":  # text, or an escape
                    content = self.trimmed(node, content)
                self.text(content)
            elif name == "softbreak":
                self.breaks += 1
                self.atoms.append(("s", ""))
                self.soft_breaks.append(len(parts))
                parts.append("\n")
            elif name == "hardbreak":
                self.breaks += 1
                self.atoms.append(("b", " "))
                parts.append("<br>\n")
            elif name in _INLINE_TAGS:
                tag = _INLINE_TAGS[name]
                parts.append(f"<{tag}>")
                self.walk(node.children)
                parts.append(f"</{tag}>")
            elif name == "code_inline":
                content = self.code(node)
                parts.append("<code>" + escapeHtml(content) + "</code>")
                if content:
                    self.atoms.append(("t", content))
            elif name == "link":
                self.link(node)
            elif name == "image":
                self.image(node)
            elif name == "autolink":
                self.autolink(node)
            else:
                raise _Decline
        self.depth -= 1

    def text(self, content: str) -> None:
        self.parts.append(escapeHtml(content))
        if content:  # `_edge_char` looks past empty text
            self.atoms.append(("t", content))

    def trimmed(self, node: Node, content: str) -> str:
        first, last = self.ends or (node, node)
        return _md_trimmed(content, node is first, node is last)

    def current_line(self) -> int:
        if not self.line:
            self.line = self.renderer.line_of(self.line_node)
        return self.line + self.breaks

    def link(self, node: Node) -> None:
        meta = node.meta
        href = _final_url(self.renderer.ctx, self.written(node, meta["url"]), self.current_line(), "链接")
        self.open_link(href, self.string(meta.get("title") or ""))
        self.walk(node.children)
        self.close_link()

    def open_link(self, href: str | None, title: str) -> None:
        if href is None:  # the link goes, its text stays
            self.drop_close = True
            return
        attrs = f' title="{escapeHtml(title)}"' if title else ""
        self.parts.append(f'<a href="{escapeHtml(href)}"{attrs}>')

    def close_link(self) -> None:
        """`_check_links` drops the next link_close after a dropped link_open, which is an
        autolink's when the dropped link holds one."""
        if self.drop_close:
            self.drop_close = False
        else:
            self.parts.append("</a>")

    def image(self, node: Node) -> None:
        meta = node.meta
        src = _final_url(self.renderer.ctx, self.written(node, meta["url"]), self.current_line(), "图片")
        children = node.children
        plain = self.flat_text(children, " ")
        if src is None:  # the image goes, its alt text stays
            self.text(plain)
            return
        title = self.string(meta.get("title") or "")
        attrs = f' title="{escapeHtml(title)}"' if title else ""
        alt = escapeHtml(self.flat_text(children, "\n"))
        self.parts.append(f'<img src="{escapeHtml(src)}" alt="{alt}"{attrs}>')
        self.atoms.append(("i", plain))

    def autolink(self, node: Node) -> None:
        raw = self.autolink_target(node)
        written = raw if ":" in raw else "mailto:" + raw  # an e-mail address has no colon
        self.open_link(_final_url(self.renderer.ctx, written, self.current_line(), "链接"), "")
        self.text(normalizeLinkText(raw))
        self.close_link()

    def written(self, node: Node, url: str) -> str:
        """The target as markdown-it-py hands it to `_check_links` (escapes and entities decoded),
        recovered from pyrs's percent-encoded URL."""
        for shown, ch in self.renderer.encoded_stand_ins:
            url = url.replace(shown, ch)
        if "%" not in url:
            return url  # nothing was encoded, so there is nothing to undo
        # Each %XX is pyrs's own if the destination (in the link, or in a definition for a
        # reference link) holds no % and no entity.
        source = self.renderer.source_of(node)
        own = source if source.endswith(b")") else self.renderer.data()
        if b"%" in own or b"&" in own:
            raise _Decline
        return unquote(url)

    def code(self, node: Node) -> str:
        parts = []
        for child in node.children:
            if child.name != "text":
                raise _Decline
            parts.append(child.meta["content"])
        content = "".join(parts)
        if not content.strip(" "):  # pyrs strips a space off each end of `   ` too, against the spec
            raise _Decline
        return self.string(content)

    def autolink_target(self, node: Node) -> str:
        children = node.children
        if len(children) != 1 or children[0].name != "text_special":
            raise _Decline
        return self.string(children[0].meta["content"])

    def flat_text(self, nodes: Sequence[Node], line_break: str) -> str:
        """An image's text: `renderInlineAsText` (line_break "\\n", for alt) or `_plain_text`
        (line_break " ") over the image's own tokens, which sitegen's rules leave untouched."""
        parts: list[str] = []
        for node in nodes:
            name = node.name
            if name == "text" or name == "text_special":
                parts.append(self.string(node.meta["content"]))
            elif name == "code_inline":
                parts.append(self.code(node))
            elif name == "softbreak" or name == "hardbreak":
                parts.append(line_break)
            elif name == "autolink":
                parts.append(normalizeLinkText(self.autolink_target(node)))
            elif name in _INLINE_TAGS or name == "link" or name == "image":
                parts.append(self.flat_text(node.children, line_break))
            else:
                raise _Decline
        return "".join(parts)
