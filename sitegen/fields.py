"""Field types: each one turns a YAML node into one kind of value, or reports why it cannot.

A field never raises for bad input. It reports the problem at the node's line and returns
`INVALID`, so a record collects every problem at once and validation goes on.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final, Generic, TypeVar

from .diagnostics import Reporter
from .slugs import is_slug
from .values.errors import ValueProblem
from .yamlfile import Map, Node, Scalar, Seq, kind_name

T = TypeVar("T")


class Invalid(Enum):
    """The one marker for “this value had a problem, already reported”."""

    INVALID = "INVALID"


INVALID: Final = Invalid.INVALID


class Field(Generic[T]):
    """Parses one node; reports at the node and returns INVALID when it cannot."""

    def parse(self, node: Node, where: str, report: Reporter) -> T | Invalid:
        raise NotImplementedError


def _scalar(node: Node, where: str, report: Reporter, expected: str) -> Scalar | None:
    if isinstance(node, Scalar) and not node.is_null:
        return node
    if isinstance(node, Scalar):
        report.error(node.line, node.column, f"{where} 不能为空", f"请填写{expected}", "schema.empty")
    else:
        report.error(
            node.line, node.column, f"{where} 应为{expected}，实际是{kind_name(node)}",
            f"写成 `{where.rsplit('.', 1)[-1].split('[')[0]}: 值` 的形式", "schema.type",
        )
    return None


class Text(Field[str]):
    """Any text, exactly as written (a number, a time or NO stay text)."""

    def parse(self, node: Node, where: str, report: Reporter) -> str | Invalid:
        scalar = _scalar(node, where, report, "文字")
        if scalar is None:
            return INVALID
        value = scalar.value.strip()
        if not value:
            report.error(scalar.line, scalar.column, f"{where} 不能为空", "请填写文字", "schema.empty")
            return INVALID
        return value


class Integer(Field[int]):
    def __init__(self, minimum: int | None = None) -> None:
        self.minimum = minimum

    def parse(self, node: Node, where: str, report: Reporter) -> int | Invalid:
        scalar = _scalar(node, where, report, "整数")
        if scalar is None:
            return INVALID
        text = scalar.value.strip()
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            report.error(
                scalar.line, scalar.column, f"{where} 必须是整数，实际是 “{text}”",
                "用阿拉伯数字书写，如 2", "schema.integer",
            )
            return INVALID
        value = int(text)
        if self.minimum is not None and value < self.minimum:
            report.error(
                scalar.line, scalar.column, f"{where} 不能小于 {self.minimum}，实际是 {value}",
                f"请填写不小于 {self.minimum} 的整数", "schema.range",
            )
            return INVALID
        return value


_TRUE = frozenset({"true", "True", "TRUE", "是"})
_FALSE = frozenset({"false", "False", "FALSE", "否"})


class Boolean(Field[bool]):
    """YAML 1.2 core booleans (true/false) — `yes`, `no`, `on`, `off` are not booleans there."""

    def parse(self, node: Node, where: str, report: Reporter) -> bool | Invalid:
        scalar = _scalar(node, where, report, "true 或 false")
        if scalar is None:
            return INVALID
        if scalar.value in _TRUE:
            return True
        if scalar.value in _FALSE:
            return False
        report.error(
            scalar.line, scalar.column, f"{where} 只能是 true 或 false，实际是 “{scalar.value}”",
            "是写 true，否写 false", "schema.boolean",
        )
        return INVALID


class Choice(Field[str]):
    def __init__(self, choices: Sequence[str]) -> None:
        self.choices = tuple(choices)

    def parse(self, node: Node, where: str, report: Reporter) -> str | Invalid:
        scalar = _scalar(node, where, report, "以下之一：" + " / ".join(self.choices))
        if scalar is None:
            return INVALID
        value = scalar.value.strip()
        if value in self.choices:
            return value
        report.error(
            scalar.line, scalar.column, f"{where} 不能是 “{value}”",
            did_you_mean(value, self.choices) + "可选值：" + " / ".join(self.choices),
            "schema.choice",
        )
        return INVALID


class Converted(Field[T]):
    """Text parsed by one of the `values` parsers (phones, hours, dates, 文号 …)."""

    def __init__(self, convert: Callable[[str], T], expected: str) -> None:
        self.convert = convert
        self.expected = expected

    def parse(self, node: Node, where: str, report: Reporter) -> T | Invalid:
        scalar = _scalar(node, where, report, self.expected)
        if scalar is None:
            return INVALID
        try:
            return self.convert(scalar.value.strip())
        except ValueProblem as problem:
            report.error(
                scalar.line, scalar.column, f"{where}：{problem.message}", problem.hint,
                "schema.value",
            )
            return INVALID


class SlugRef(Field[str]):
    """A reference to another record by slug; whether it exists is checked when linking."""

    def parse(self, node: Node, where: str, report: Reporter) -> str | Invalid:
        scalar = _scalar(node, where, report, "另一条记录的文件名（不含扩展名）")
        if scalar is None:
            return INVALID
        value = scalar.value.strip()
        if not is_slug(value):
            report.error(
                scalar.line, scalar.column, f"{where} “{value}” 不是有效的文件名标识",
                "只用小写字母、数字和连字符，如 id-card", "schema.slug",
            )
            return INVALID
        return value


# Characters that never belong in a link an editor writes: spaces and controls (browsers drop
# some of them inside a scheme, so `java\tscript:` would still run), quotes, angle brackets, backslashes.
_URL_CHARS = r"[^\s\x00-\x1f\x7f<>\"'`\\]"
_WEB_URL = re.compile(rf"https?://(?:(?![/?#]){_URL_CHARS})+{_URL_CHARS}*")
# A site path: one leading slash (two would be another host), no colon (a relative link made
# from `/javascript:x` would start with a scheme) and no `..`.
_SITE_PATH = re.compile(rf"/(?!/)(?:(?!:){_URL_CHARS})*")


def is_web_url(text: str) -> bool:
    return _WEB_URL.fullmatch(text) is not None


def is_site_path(text: str) -> bool:
    path = text.split("#", 1)[0].split("?", 1)[0]
    return _SITE_PATH.fullmatch(text) is not None and ".." not in path.split("/")


class WebUrl(Field[str]):
    """An http(s) URL; anything else (javascript:, data:, a bare host) is refused."""

    def parse(self, node: Node, where: str, report: Reporter) -> str | Invalid:
        scalar = _scalar(node, where, report, "网址")
        if scalar is None:
            return INVALID
        value = scalar.value.strip()
        if is_web_url(value):
            return value
        report.error(
            scalar.line, scalar.column, f"{where} 不是有效的网址：“{value}”",
            "只接受 http:// 或 https:// 开头的完整网址，如 https://zwfw.hubei.gov.cn/",
            "schema.url",
        )
        return INVALID


class SiteLink(Field[str]):
    """Where a menu entry points: a site path such as `/procedures/`, or an http(s) URL."""

    def parse(self, node: Node, where: str, report: Reporter) -> str | Invalid:
        scalar = _scalar(node, where, report, "站内路径或网址")
        if scalar is None:
            return INVALID
        value = scalar.value.strip()
        if is_site_path(value) or is_web_url(value):
            return value
        report.error(
            scalar.line, scalar.column, f"{where} 不是站内路径或网址：“{value}”",
            "站内路径以 / 开头，如 /procedures/；外部网址以 http:// 或 https:// 开头，如 https://www.gov.cn/",
            "schema.url",
        )
        return INVALID


_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


class LanguageTag(Field[str]):
    """A BCP 47 language tag such as `zh-CN`: it is written into `<html lang>`, the feed and the
    search index, which all expect a tag (the search indexer fails on anything else)."""

    def parse(self, node: Node, where: str, report: Reporter) -> str | Invalid:
        scalar = _scalar(node, where, report, "语言代码")
        if scalar is None:
            return INVALID
        value = scalar.value.strip()
        if _LANGUAGE.fullmatch(value):
            return value
        report.error(
            scalar.line, scalar.column, f"{where} 不是有效的语言代码：“{value}”",
            "简体中文写 zh-CN（也可以不写这一行），繁体中文写 zh-TW", "schema.language",
        )
        return INVALID


_FILE_PART = re.compile(r"[^\x00-\x1f\x7f/\\:]+")


class FileName(Field[str]):
    """A file under content/files/, by its path there (`form.pdf`, `leaders/zhang.jpg`).

    Never a path that leaves that folder (`../`, `/etc/passwd`) or a URL (`file:///…`): whether
    the file exists is checked when linking.
    """

    def parse(self, node: Node, where: str, report: Reporter) -> str | Invalid:
        scalar = _scalar(node, where, report, "content/files/ 下的文件名")
        if scalar is None:
            return INVALID
        value = scalar.value.strip()
        parts = value.split("/")
        if all(_FILE_PART.fullmatch(part) and part not in (".", "..") for part in parts):
            return value
        report.error(
            scalar.line, scalar.column, f"{where} 应为 content/files/ 下的文件名，不能是 “{value}”",
            "写 content/files/ 里的文件名（可带子文件夹），如 form.pdf 或 leaders/zhang.jpg；"
            "不能以 / 开头，不能含 .. 或 \\，也不能是网址",
            "schema.file",
        )
        return INVALID


class ListOf(Field[tuple[T, ...]]):
    """A YAML list of items; a single scalar is accepted as a one-item list when `single` is set."""

    def __init__(self, item: Field[T], *, single: bool = False, non_empty: bool = True) -> None:
        self.item = item
        self.single = single
        self.non_empty = non_empty

    def parse(self, node: Node, where: str, report: Reporter) -> tuple[T, ...] | Invalid:
        if self.single and isinstance(node, Scalar) and not node.is_null:
            value = self.item.parse(node, where, report)
            return INVALID if value is INVALID else (value,)
        if not isinstance(node, Seq):
            if isinstance(node, Scalar) and node.is_null:
                report.error(
                    node.line, node.column, f"{where} 不能为空", "请在下一行用 “- ” 列出各项", "schema.empty"
                )
            else:
                report.error(
                    node.line, node.column, f"{where} 应为列表，实际是{kind_name(node)}",
                    "每一项单独一行，以 “- ” 开头", "schema.type",
                )
            return INVALID
        if self.non_empty and not node.items:
            report.error(
                node.line, node.column, f"{where} 至少要有一项", "每一项单独一行，以 “- ” 开头", "schema.empty"
            )
            return INVALID
        values: list[T] = []
        ok = True
        for i, item in enumerate(node.items):
            value = self.item.parse(item, f"{where}[{i + 1}]", report)
            if value is INVALID:
                ok = False
            else:
                values.append(value)
        return tuple(values) if ok else INVALID


@dataclass(frozen=True, slots=True)
class Spec:
    """One key of a mapping: its field type, whether it is required, and its default."""

    key: str
    field: Field[Any]
    required: bool = False
    default: Any = None


def parse_mapping(
    node: Node, specs: Sequence[Spec], where: str, report: Reporter
) -> dict[str, Any] | None:
    """Parse a mapping by its specs. Unknown keys warn; missing required keys are errors.

    Returns the values by key (defaults filled in), or None if any problem was an error.
    """
    if not isinstance(node, Map):
        report.error(
            node.line, node.column, f"{where or '内容'} 应为键值对（名称: 值），实际是{kind_name(node)}",
            "每个字段写作 `名称: 值`，一行一个", "schema.type",
        )
        return None
    known = {spec.key: spec for spec in specs}
    values: dict[str, Any] = {}
    ok = True
    for key, value_node in node.entries:
        spec = known.get(key.value)
        label = f"{where}.{key.value}" if where else key.value
        if spec is None:
            report.warning(
                key.line, key.column, f"未知的字段 “{label}”",
                did_you_mean(key.value, list(known)) + "可用字段：" + "、".join(known),
                "schema.unknown-key",
            )
            continue
        if isinstance(value_node, Scalar) and value_node.is_null and not spec.required:
            continue  # `email:` left empty is the same as leaving it out
        value = spec.field.parse(value_node, label, report)
        if value is INVALID:
            ok = False
        else:
            values[spec.key] = value
    for spec in specs:
        if spec.key in values:
            continue
        if spec.required:
            present = node.key(spec.key)
            line, column = (present.line, present.column) if present else (node.line, node.column)
            if present is None:
                label = f"{where}.{spec.key}" if where else spec.key
                report.error(
                    line, column, f"缺少必填字段 “{label}”",
                    f"请添加一行 `{spec.key}: …`（可运行 sitegen new 生成带全部字段的模板）",
                    "schema.required",
                )
            ok = False
        else:
            values[spec.key] = spec.default
    return values if ok else None


class Object(Field[T]):
    """A nested mapping turned into a dataclass by its specs."""

    def __init__(self, build: Callable[..., T], specs: Sequence[Spec]) -> None:
        self.build = build
        self.specs = tuple(specs)

    def parse(self, node: Node, where: str, report: Reporter) -> T | Invalid:
        values = parse_mapping(node, self.specs, where, report)
        if values is None:
            return INVALID
        return self.build(**values)


def did_you_mean(word: str, candidates: Sequence[str]) -> str:
    """“您是不是要写 “department”？” or an empty string."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"是不是要写 “{close[0]}”？" if close else ""
