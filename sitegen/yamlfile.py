"""Read YAML into a tree of text scalars that remember their line and column.

Editors never quote: `number: 0271234567`, `time: 9:30`, `status: NO` must stay text. So this
loader does not resolve scalar types at all — every scalar is kept as the text that was
written, and the schema decides what a field means (see `fields.py`). It builds the tree
from the parser's event stream with an explicit stack, which gives us, without recursion:
duplicate keys reported at the second key, no aliases (so no alias bombs), no tags (so no
`!!python/object`), and a bounded nesting depth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from .diagnostics import Reporter

try:  # the libyaml C parser is several times faster; the pure-Python one behaves the same
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - only without libyaml
    _Loader = yaml.SafeLoader

MAX_DEPTH = 64
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# YAML also breaks lines at NEL, LS and PS, which come in with text copied from web pages and
# Word: the parser's line numbers would no longer be the editor's, and a value would fold (or
# fail) there. They are hidden from the parser as noncharacters and put back into the values,
# so they stay exactly as written.
_HIDE = str.maketrans({"\x85": "\ufdd0", "\u2028": "\ufdd1", "\u2029": "\ufdd2"})
_SHOW = str.maketrans({"\ufdd0": "\x85", "\ufdd1": "\u2028", "\ufdd2": "\u2029"})
_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")
_HIDDEN = re.compile("[\ufdd0-\ufdd2]")


@dataclass(frozen=True, slots=True)
class Scalar:
    value: str
    line: int
    column: int
    quoted: bool = False  # written in quotes or as a block scalar

    @property
    def is_null(self) -> bool:
        return not self.quoted and self.value in _NULLS


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Node, ...]
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Map:
    entries: tuple[tuple[Scalar, Node], ...]
    line: int
    column: int

    def get(self, key: str) -> Node | None:
        for k, v in self.entries:
            if k.value == key:
                return v
        return None

    def key(self, key: str) -> Scalar | None:
        for k, _ in self.entries:
            if k.value == key:
                return k
        return None


Node = Scalar | Seq | Map

_KIND_NAMES = {Scalar: "文字", Seq: "列表", Map: "键值对"}


def kind_name(node: Node) -> str:
    """The Chinese name of a node's shape, for messages such as “应为列表，实际是文字”."""
    return _KIND_NAMES[type(node)]


class _Abort(Exception):
    """Stops building the tree after an error that makes the rest meaningless."""


def parse_yaml(text: str, report: Reporter, line_offset: int = 0) -> Node | None:
    """Parse one YAML document; problems go to `report`, positions shifted by `line_offset` lines.

    Returns None when the text holds no document or has an error that stops parsing.
    """
    hidden = _ODD_BREAKS.search(text) is not None
    if hidden:
        clash = _HIDDEN.search(text)
        if clash is not None:  # noncharacters: never in real text, so refuse rather than guess
            line, column = _position(text, clash.start())
            report.error(line + line_offset, column, f"这里有一个非字符（U+{ord(clash.group()):04X}）",
                         "删去这个看不见的字符", "yaml.character")
            return None
        text = text.translate(_HIDE)
    builder = _TreeBuilder(report, line_offset, hidden)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            builder.feed(event)
    except _Abort:
        return None
    except yaml.MarkedYAMLError as exc:
        _report_syntax_error(exc, text, report, line_offset)
        return None
    except yaml.reader.ReaderError as exc:  # a control character: the reader gives only its offset
        index = exc.position
        if exc.encoding != "unicode":  # libyaml counts UTF-8 bytes
            index = len(text.encode("utf-8")[: exc.position].decode("utf-8", "ignore"))
        line, column = _position(text, index)
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        report.error(
            line + line_offset, column, f"这里有一个看不见的控制字符（U+{code:04X}），YAML 文件中不允许",
            "删去这个字符（常见于从网页或 Word 复制的文字）", "yaml.character",
        )
        return None
    except yaml.YAMLError as exc:  # e.g. a reader error without a mark
        report.error(line_offset + 1, 1, f"YAML 无法解析：{exc}", _GENERIC_HINT, "yaml.syntax")
        return None
    return builder.root


class _TreeBuilder:
    def __init__(self, report: Reporter, line_offset: int, hidden: bool = False) -> None:
        self.report = report
        self.offset = line_offset
        self.hidden = hidden  # line breaks were hidden from the parser: put them back
        self.root: Node | None = None
        self.documents = 0
        # Each open collection: (kind, line, column, children). Mappings collect key/value in turn.
        self.stack: list[tuple[type[Map] | type[Seq], int, int, list[Node]]] = []

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self._fail(event, "一个文件里只能有一份内容，却出现了第二个 `---` 文档", "删去多余的 `---` 分隔线")
        elif isinstance(event, yaml.AliasEvent):
            self._fail(event, "不支持 YAML 别名（*名称）", "请把内容直接写出来，不要用 & 和 * 引用")
        elif isinstance(event, yaml.ScalarEvent):
            self._check_tag(event)
            self._check_anchor(event)
            line, col = self._pos(event)
            value = event.value.translate(_SHOW) if self.hidden else event.value
            self._add(Scalar(value, line, col, quoted=bool(event.style)))
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self._check_tag(event)
            self._check_anchor(event)
            if len(self.stack) >= MAX_DEPTH:
                self._fail(event, f"嵌套层级超过 {MAX_DEPTH} 层", "内容文件不需要这么深的嵌套，请检查缩进")
            kind: type[Map] | type[Seq] = Map if isinstance(event, yaml.MappingStartEvent) else Seq
            line, col = self._pos(event)
            self.stack.append((kind, line, col, []))
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            kind, line, col, children = self.stack.pop()
            if kind is Map:
                self._add(self._make_map(children, line, col))
            else:
                self._add(Seq(tuple(children), line, col))

    def _add(self, node: Node) -> None:
        if self.stack:
            self.stack[-1][3].append(node)
        else:
            self.root = node

    def _make_map(self, children: list[Node], line: int, col: int) -> Map:
        entries: list[tuple[Scalar, Node]] = []
        seen: dict[str, Scalar] = {}
        for key, value in zip(children[0::2], children[1::2], strict=True):
            if not isinstance(key, Scalar):
                self.report.error(key.line, key.column, "键必须是文字", "键值对写作 `名称: 值`", "yaml.key")
                continue
            if key.value in seen:
                first = seen[key.value]
                self.report.error(
                    key.line,
                    key.column,
                    f"重复的键 “{key.value}”（第 {first.line} 行已经写过）",
                    "同一层里每个键只能写一次：删去一处，或合并两处的内容",
                    "yaml.duplicate-key",
                )
                continue
            seen[key.value] = key
            entries.append((key, value))
        return Map(tuple(entries), line, col)

    def _check_tag(self, event: yaml.NodeEvent) -> None:
        # Even the bare `!` tag: `note: ! 注意` would silently lose its “!”.
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag
            self._fail(event, f"不支持 YAML 标签 “{shown}”",
                       "删去以 ! 开头的标签，直接写值；如果 ! 是内容的一部分，请把整个值用引号括起来")

    def _check_anchor(self, event: yaml.NodeEvent) -> None:
        # Aliases are refused, so an anchor has no use, and `topics: &abc 咨询` would silently lose “&abc”.
        if event.anchor is not None:
            self._fail(event, f"不支持 YAML 锚点（&{event.anchor}）和别名（*名称）",
                       "如果 & 是内容的一部分，请把整个值用引号括起来")

    def _pos(self, event: yaml.Event) -> tuple[int, int]:
        mark = event.start_mark
        if mark is None:  # pragma: no cover - both parsers mark every event
            return self.offset + 1, 1
        return mark.line + 1 + self.offset, mark.column + 1

    def _fail(self, event: yaml.Event, message: str, hint: str) -> None:
        line, col = self._pos(event)
        self.report.error(line, col, message, hint, "yaml.unsupported")
        raise _Abort


_GENERIC_HINT = "检查这一行及上一行的缩进、冒号后的空格和引号是否成对"

# The parser's English problems, in words an editor can act on.
_PROBLEMS: tuple[tuple[str, str, str], ...] = (
    ("found character '\\t'", "这里有 Tab 字符，YAML 不允许用 Tab 缩进", "请把 Tab 换成空格（每层两个空格）"),
    (
        "found character '\\ufeff'",
        "这一行有一个看不见的字节顺序标记（BOM，U+FEFF），常见于把两个文件拼接在一起",
        "删去这个字符：把光标移到行首，删除后重新输入第一个字",
    ),
    (
        "found character that cannot start any token",
        "这里的字符不能作为值的开头（常见原因：用 Tab 缩进，或值以 @ ` % 开头）",
        "缩进只用空格；值以特殊字符开头时请用引号括起来",
    ),
    (
        "mapping values are not allowed here",
        "这里不能出现 “: ”（冒号加空格）",
        "值里含有 “: ” 时请把整个值用引号括起来，或检查上一行是否少了缩进",
    ),
    (
        "could not find expected ':'",
        "缺少冒号",
        "键值对写作 `名称: 值`，冒号后要有一个空格",
    ),
    (
        "did not find expected key",
        "缩进不一致或缺少键",
        "同一层的键要对齐，列表项以 “- ” 开头",
    ),
    (
        "did not find expected '-' indicator",
        "列表项缩进不一致",
        "同一个列表的每一项都以 “- ” 开头并对齐",
    ),
    (
        "found unexpected end of stream",
        "文件在引号或括号闭合之前结束了",
        "检查引号 \" ' 和括号 [ { 是否成对",
    ),
    ("found undefined alias", "不支持 YAML 别名（*名称）", "请把内容直接写出来"),
    (
        "did not find expected alphabetic or numeric character",
        "值不能以 & 或 * 开头（YAML 的锚点和别名不受支持）",
        "如果 & 或 * 是内容的一部分，请把整个值用引号括起来",
    ),
    (
        "did not find expected whitespace or line break",
        "值不能以 ! 开头（YAML 的标签不受支持）",
        "如果 ! 是内容的一部分，请把整个值用引号括起来",
    ),
    (
        "found undefined tag handle",
        "值不能以 ! 开头（YAML 的标签不受支持）",
        "如果 ! 是内容的一部分，请把整个值用引号括起来",
    ),
    (
        "did not find expected ',' or ']'",
        "方括号 [ ] 没有闭合，或列表项之间缺少逗号",
        "写在一行的列表形如 [a, b]；值里含有方括号时请把整个值用引号括起来",
    ),
    (
        "did not find expected ',' or '}'",
        "花括号 { } 没有闭合，或各项之间缺少逗号",
        "写在一行的键值对形如 {name: 值, number: 值}；值里含有花括号时请把整个值用引号括起来",
    ),
    (
        "block sequence entries are not allowed",
        "这里不能出现列表项 “- ”",
        "列表项从下一行开始、以 “- ” 开头；如果值以 - 开头，请把整个值用引号括起来",
    ),
    ("did not find expected node content", "这里缺少值", "检查逗号、冒号和括号；值以特殊字符开头时请用引号括起来"),
    (
        "did not find expected <document start>",
        "内容在这里之后还有多余的部分（如多出的括号，或一行 `...`）",
        "删去多余的括号或 `...` 行",
    ),
    ("found unknown escape character", "双引号里有无法识别的反斜杠转义", "改用单引号，或删去反斜杠"),
)


def _report_syntax_error(
    exc: yaml.MarkedYAMLError, text: str, report: Reporter, line_offset: int
) -> None:
    mark = exc.problem_mark or exc.context_mark
    line = (mark.line + 1 if mark else 1) + line_offset
    col = mark.column + 1 if mark else 1
    problem = exc.problem or ""
    if mark is not None and "\t" in _line_at(text, mark.line)[: mark.column + 1]:
        problem = "found character '\\t'"
    elif mark is not None and "\ufeff" in _line_at(text, mark.line):
        problem = "found character '\\ufeff'"
    for needle, message, hint in _PROBLEMS:
        if needle in problem:
            report.error(line, col, f"YAML 格式错误：{message}", hint, "yaml.syntax")
            return
    report.error(line, col, f"YAML 格式错误：{problem}", _GENERIC_HINT, "yaml.syntax")


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index, counting only \\n as a line break."""
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def _line_at(text: str, index: int) -> str:
    lines = text.splitlines()
    return lines[index] if 0 <= index < len(lines) else ""


@dataclass(frozen=True, slots=True)
class FrontMatter:
    yaml_text: str
    yaml_line: int  # the file line on which the YAML starts, minus one (the offset)
    body: str
    body_line: int  # the file line on which the body starts (1-based)


def split_front_matter(text: str, report: Reporter) -> FrontMatter | None:
    """Split a Markdown file into its `---` front matter and its body."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        report.error(
            1, 1, "Markdown 文件必须以 `---` 开头的前置信息（front matter）开始",
            "第一行写 ---，接着写 title: 等字段，再用一行 --- 结束", "frontmatter.missing",
        )
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return FrontMatter(
                yaml_text="\n".join(lines[1:index]),
                yaml_line=1,
                body="\n".join(lines[index + 1 :]),
                body_line=index + 2,
            )
    report.error(
        1, 1, "前置信息没有结束：找不到第二行 `---`",
        "在字段之后、正文之前加一行 ---", "frontmatter.unclosed",
    )
    return None
