"""The YAML loader: text stays text, every node knows its line, and nothing can trap an editor."""

from __future__ import annotations

import time

from sitegen.diagnostics import Reporter
from sitegen.yamlfile import Map, Scalar, Seq, parse_yaml, split_front_matter


def _parse(text: str, offset: int = 0) -> tuple[object, Reporter]:
    report = Reporter("content/x.yaml", text)
    return parse_yaml(text, report, offset), report


def test_scalars_stay_exactly_as_written() -> None:
    node, report = _parse(
        "number: 0271234567\npostcode: 030001\ntime: 9:30\nopen: 14:30\nstatus: NO\n"
        "flag: On\nyes: yes\ncode: 000105001000\nsite_code: 4211270001\nfloat: 1e3\n"
    )
    assert not report.diagnostics
    assert isinstance(node, Map)
    values = {k.value: v.value for k, v in node.entries if isinstance(v, Scalar)}
    assert values == {
        "number": "0271234567", "postcode": "030001", "time": "9:30", "open": "14:30",
        "status": "NO", "flag": "On", "yes": "yes", "code": "000105001000",
        "site_code": "4211270001", "float": "1e3",
    }


def test_every_node_knows_its_line_and_column() -> None:
    node, _ = _parse("a: 1\nlist:\n  - x\n  - key: v\n")
    assert isinstance(node, Map)
    seq = node.get("list")
    assert isinstance(seq, Seq)
    first, second = seq.items
    assert (first.line, first.column) == (3, 5)
    assert isinstance(second, Map)
    value = second.get("key")
    assert value is not None and (value.line, value.column) == (4, 10)


def test_line_offset_for_front_matter() -> None:
    report = Reporter("content/p.md")
    front = split_front_matter("---\ntitle: 标题\nfee: 不收费\n---\n正文\n", report)
    assert front is not None and front.body == "正文\n" and front.body_line == 5
    node = parse_yaml(front.yaml_text, report, front.yaml_line)
    assert isinstance(node, Map)
    fee = node.get("fee")
    assert fee is not None and fee.line == 3


def test_duplicate_key_is_an_error_at_the_second_key_at_any_depth() -> None:
    _, report = _parse("a:\n  b: 1\n  c: 2\n  b: 3\n")
    [d] = report.diagnostics
    assert (d.location.line, d.location.column) == (4, 3)
    assert "重复的键 “b”（第 2 行已经写过）" in d.message


def test_aliases_are_refused_and_an_alias_bomb_finishes_fast() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(20)
    )
    start = time.monotonic()
    node, report = _parse(bomb)
    assert node is None
    assert "别名" in report.diagnostics[0].message
    assert time.monotonic() - start < 5


def test_tags_are_refused_never_constructed() -> None:
    node, report = _parse("x: !!python/object/apply:os.system ['touch /tmp/pwned']\n")
    assert node is None
    assert "标签" in report.diagnostics[0].message


def test_tab_indentation_gets_a_plain_words_hint() -> None:
    _, report = _parse("a:\n\tb: 1\n")
    [d] = report.diagnostics
    assert d.location.line == 2
    assert "Tab" in d.message and "空格" in d.hint


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    node, report = _parse("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert node is None
    assert "嵌套层级" in report.diagnostics[0].message


def test_two_documents_are_an_error() -> None:
    node, report = _parse("a: 1\n---\nb: 2\n")
    assert node is None
    assert report.diagnostics[0].location.line == 2


def test_front_matter_that_never_closes() -> None:
    report = Reporter("content/p.md")
    assert split_front_matter("---\ntitle: x\n正文\n", report) is None
    assert "没有结束" in report.diagnostics[0].message


def test_unclosed_quote_reports_a_hint() -> None:
    _, report = _parse('a: "open\nb: 2\n')
    [d] = report.diagnostics
    assert d.message.startswith("YAML 格式错误") and d.hint
