"""The build cache's record JSON: every record comes back equal and of the same types, and any
other text raises ValueError (the caller then validates the file afresh), never another error."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import json
import pickle
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import models as m
from sitegen import recordjson
from sitegen.audit.finding import Finding
from sitegen.audit.rules import RULES_BY_ID
from sitegen.diagnostics import Location
from sitegen.sources import SourceFile, Sources, load_sources
from sitegen.validate import Validated, validate
from sitegen.values.hours import TimeRange

REPO = Path(__file__).resolve().parents[1]  # the demo site is the repository's content/
KINDS = get_args(m.Record)
DEPARTMENT = "name: 甲\nduties: [乙]\nphones:\n  - label: 丙\n    number: 12345\nlocation: 丁\n"
SESSION = "- leader: zhang-san\n  date: 2026-12-10\n  time: 9:00-11:30\n  location: 室\n  method: 定点接访\n"


def assert_same(decoded: Any, original: Any, where: str = "records") -> None:
    """Equal and of the same types all the way down: == alone takes True for 1."""
    assert type(decoded) is type(original), where
    if dataclasses.is_dataclass(original):
        for field in dataclasses.fields(original):
            assert_same(getattr(decoded, field.name), getattr(original, field.name), f"{where}.{field.name}")
    elif type(original) is tuple:
        assert len(decoded) == len(original), where
        for index, (item, expected) in enumerate(zip(decoded, original, strict=True)):
            assert_same(item, expected, f"{where}[{index}]")
    elif type(original) is dict:
        assert list(decoded) == list(original), where  # the same keys, in the same order
        for key, expected in original.items():
            assert_same(decoded[key], expected, f"{where}[{key!r}]")
    else:
        assert decoded == original, where


def round_trip(records: tuple[Any, ...]) -> None:
    text = recordjson.dumps(records)
    decoded = recordjson.loads(text)
    assert decoded == records
    assert_same(decoded, records)
    assert recordjson.dumps(decoded) == text  # deterministic: the same records, the same bytes


def validated(folder: str, text: str) -> tuple[Any, ...]:
    """The records of one content file, validated without a site on disk; no errors allowed."""
    slug = "item"
    path = f"content/{folder}/{slug}.{'md' if text.startswith('---') else 'yaml'}"
    source = SourceFile(path, folder, slug, text, "digest")
    result = validate(Sources(None, (source,), (), (), {}))
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    (file,) = result.files.values()
    return file.records


# --- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("site", [REPO, REPO / "tests" / "showcase"], ids=["demo", "showcase"])
def test_every_record_of_a_real_site_comes_back_equal_and_of_the_same_types(site: Path) -> None:
    files = validate(load_sources(site)).files
    assert {type(record) for v in files.values() for record in v.records} == set(KINDS)
    for v in files.values():
        round_trip(v.records)


def values_of(hint: Any) -> st.SearchStrategy[Any]:
    """Any value of a field's type hint (a TimeRange ends after it starts, as its __post_init__ asks)."""
    if hint is TimeRange:
        starts = st.integers(0, 1439)
        return starts.flatmap(lambda start: st.builds(TimeRange, st.just(start), st.integers(start + 1, 1440)))
    if hint is m.Markdown:
        return st.builds(m.Markdown, st.text(max_size=12), values_of(int))
    if hint is m.Positions:
        pairs = st.tuples(values_of(int), values_of(int))
        return st.dictionaries(values_of(str), pairs, max_size=4).map(m.Positions)
    simple = {str: st.text(max_size=12), int: st.integers(-(2**63), 2**63), bool: st.booleans(),
              type(None): st.none(), dt.date: st.dates()}
    if hint in simple:
        return simple[hint]
    if dataclasses.is_dataclass(hint):
        hints = get_type_hints(hint)
        return st.builds(hint, **{field.name: values_of(hints[field.name]) for field in dataclasses.fields(hint)})
    origin, args = get_origin(hint), get_args(hint)
    if origin is Literal:
        return st.sampled_from(args)
    if origin in (Union, types.UnionType):
        return st.one_of([values_of(arg) for arg in args])
    if origin is tuple and args[1:] == (Ellipsis,):
        return st.lists(values_of(args[0]), max_size=3).map(tuple)
    if origin is dict:
        return st.dictionaries(values_of(args[0]), values_of(args[1]), max_size=4)
    if origin is tuple:
        return st.tuples(*(values_of(arg) for arg in args))
    raise AssertionError(f"no strategy for {hint}")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(KINDS).flatmap(values_of), max_size=3).map(tuple))
def test_any_well_typed_records_come_back_equal_and_of_the_same_types(records: tuple[Any, ...]) -> None:
    round_trip(records)


WORDS = st.text(alphabet="办公室政务服务中心处科甲乙丙丁abcXYZ", min_size=1, max_size=12)
PHONES = ["027-87650101", "138 0013 8000", "12345", "400-810-8888 转 123", "0713-4321234"]
HOURS = ["周一至周五 8:30-12:00，14:30-17:30（法定节假日除外）", "每天 24小时",
         "周一至周五 9:00-17:00；周六 9:00-12:00"]
DATES = st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))


@st.composite
def department_yaml(draw: st.DrawFn) -> str:
    duties = draw(st.lists(WORDS, min_size=1, max_size=3))
    lines = [f"name: {draw(WORDS)}", "duties:", *(f"  - {duty}" for duty in duties)]
    lines.append("phones:")
    for label, number in draw(st.lists(st.tuples(WORDS, st.sampled_from(PHONES)), min_size=1, max_size=3)):
        lines += [f"  - label: {label}", f"    number: {number}"]
    lines.append(f"location: {draw(WORDS)}")
    if draw(st.booleans()):
        lines.append(f"hours: {draw(st.sampled_from(HOURS))}")
    if draw(st.booleans()):
        lines.append(f"order: {draw(st.integers(0, 999))}")
    if draw(st.booleans()):
        lines += ["head:", f"  name: {draw(WORDS)}"] + ([f"  title: {draw(WORDS)}"] if draw(st.booleans()) else [])
    if draw(st.booleans()):
        lines.append(f"verified: {draw(DATES)}")
    return "\n".join(lines) + "\n"


@st.composite
def leader_yaml(draw: st.DrawFn) -> str:
    lines = [f"name: {draw(WORDS)}", f"position: {draw(WORDS)}", f"portfolio: {draw(WORDS)}", "contact_points:"]
    since = st.one_of(st.none(), st.integers(1990, 2030), DATES)
    for county, unit, year in draw(st.lists(st.tuples(WORDS, WORDS, since), min_size=1, max_size=3)):
        lines += [f"  - county: {county}", f"    unit: {unit}"] + ([] if year is None else [f"    since: {year}"])
    lines.append("activity:")
    for year in draw(st.lists(st.integers(2000, 2030), min_size=1, max_size=3, unique=True)):
        lines += [f"  {year}:", f"    research_days: {draw(st.integers(0, 365))}"]
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None)
@given(st.one_of(department_yaml().map(lambda text: ("departments", text)),
                 leader_yaml().map(lambda text: ("leaders", text))))
def test_records_validated_from_varied_yaml_come_back_equal(file: tuple[str, str]) -> None:
    round_trip(validated(*file))


def test_a_record_that_breaks_its_type_hints_is_not_written() -> None:
    page = validated("pages", "---\ntitle: 指南\n---\n正文\n")[0]
    listed = dataclasses.replace(page.origin, positions={"title": (1, 8)})  # a dict, not Positions
    for broken in (dataclasses.replace(page, order=True), dataclasses.replace(page, title=["指南"]),
                   page.origin, dataclasses.replace(page, origin=listed)):
        with pytest.raises(TypeError):
            recordjson.dumps((broken,))


# --- anything else raises ValueError -----------------------------------------------------------



def encoded(folder: str, text: str) -> list[Any]:
    data: list[Any] = json.loads(recordjson.dumps(validated(folder, text)))
    return data


def page_with(change: Any) -> str:
    """A valid page's JSON, changed by `change(fields)` (which may also replace them)."""
    data = encoded("pages", "---\ntitle: 指南\norder: 2\n---\n正文\n")
    fields = data[0][1]
    data[0][1] = change(fields) or fields
    return json.dumps(data, ensure_ascii=False)


def session_with(change: Any) -> str:
    data = encoded("receptions", SESSION)
    change(data[0][1])
    return json.dumps(data, ensure_ascii=False)


def _set(index: int, value: Any) -> Any:
    return lambda fields: fields.__setitem__(index, value)


def _set_origin(index: int, value: Any) -> Any:
    return lambda fields: fields[1].__setitem__(index, value)


MALFORMED = {
    "empty": "",
    "not json": "records",
    "truncated": page_with(lambda fields: None)[:-7],
    "trailing data": page_with(lambda fields: None) + "]",
    "an object at the top": '{"~": "Page"}',
    "a number at the top": "1",
    "null at the top": "null",
    "the old format": json.dumps([{"~": "Page", "slug": "guide", "title": "指南"}]),
    "a record that is not a pair": '[["Page"]]',
    "a record that is a string": '["Page"]',
    "a class name that is not a string": '[[["Page"], []]]',
    "an unknown class": '[["Nope", []]]',
    "a class that is not a kind of record": '[["Ref", ["departments", "x", "parent", 1, 1]]]',
    "a dunder name": '[["__class__", []]]',
    "a missing field": page_with(lambda fields: fields[:-1]),
    "an extra field": page_with(lambda fields: [*fields, None]),
    "an object for a record's fields": page_with(lambda fields: {"slug": fields[0]}),
    "an object for a nested record": page_with(_set(1, {"path": "content/pages/item.md"})),
    "a string for a nested record": page_with(_set(1, "content/pages/item.md")),
    "null for a required record": page_with(_set(4, None)),
    "a number for a string": page_with(_set(0, 7)),
    "a string for a number": page_with(_set(3, "2")),
    "true for a number": page_with(_set(3, True)),
    "a float for a number": page_with(_set(3, 2.0)),
    "NaN for a number": page_with(_set(3, float("nan"))),
    "a list for a string": page_with(_set(2, ["指南"])),
    "an object for a string": page_with(_set(2, {"title": "指南"})),
    "a too long number": page_with(_set(3, None)).replace("null", "1" * 5000, 1),
    "an object for a tuple": page_with(_set_origin(2, {})),
    "a string for a tuple": page_with(_set_origin(2, "refs")),
    "positions as a list (cache schema 5)": page_with(_set_origin(3, ["title", 1, 8])),
    "a body as its text and line (cache schema 6)": page_with(_set(4, ["正文", 5])),
    "a body without its digest": page_with(_set(4, [5])),
    "a body's line as a string": page_with(_set(4, ["5", "digest"])),
    "positions as an object": page_with(_set_origin(3, {"title": [1, 8]})),
    "positions as a number": page_with(_set_origin(3, 18)),
    "a date that is no date": session_with(_set(3, "2026-13-01")),
    "a date that is a number": session_with(_set(3, 20261210)),
    "a time range that ends before it starts": session_with(_set(4, [690, 540])),
    "a time range beyond the day": session_with(_set(4, [540, 2000])),
    "a choice that is not one": json.dumps(encoded("departments", DEPARTMENT)).replace('"service"', '"fax"'),
    "deep nesting": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_text_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        recordjson.loads(text)


def test_text_that_is_not_a_string_raises_value_error() -> None:
    with pytest.raises(ValueError):
        recordjson.loads(None)  # type: ignore[arg-type]


def test_every_truncation_of_a_valid_text_raises_value_error() -> None:
    text = recordjson.dumps(validated("receptions", SESSION))
    for end in range(len(text)):
        with pytest.raises(ValueError):
            recordjson.loads(text[:end])


# --- positions stay their JSON text until a check looks one up ------------------------------------

# JSON's own characters in keys, so that finding a key in the text without decoding it would trip
KEYS = st.text(alphabet='ab",[]\\: 0', max_size=5)
NUMBERS = st.integers(-3, 10**6)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, st.tuples(NUMBERS, NUMBERS), max_size=6), KEYS)
def test_positions_read_from_their_text_hold_what_was_written(found: dict[str, tuple[int, int]],
                                                              other: str) -> None:
    written = m.Positions(found)
    cached = m.Positions.from_text(written.text)
    for key in [*found, other]:
        assert cached.get(key) == found.get(key), key  # looked up in the text itself
    assert cached == written and list(cached.items()) == list(found.items())  # decoded
    for key in [*found, other]:
        assert cached.get(key) == found.get(key), key
    assert m.Positions.from_text(written.text).text == written.text


DAMAGED_POSITIONS = {
    "not json": "positions",
    "not in threes": '["title",1]',
    "a key that is a number": "[1,1,8]",
    "a line that is a string": '["title","1",8]',
    "a key written twice": '["title",1,8,"title",2,8]',
    "an object": '{"title":[1,8]}',
    "deep nesting": "[" * 100_000,
}


@pytest.mark.parametrize("text", DAMAGED_POSITIONS.values(), ids=DAMAGED_POSITIONS.keys())
def test_damaged_positions_read_as_none_and_never_raise(text: str) -> None:
    positions = m.Positions.from_text(text)
    assert positions == m.Positions() and len(positions) == 0 and "title" not in positions
    assert positions.get("title") is None


def test_positions_cannot_be_changed_but_can_be_copied() -> None:
    positions = m.Positions({"title": (1, 8)})
    with pytest.raises(AttributeError):
        positions._found = {}  # type: ignore[misc]
    assert positions.get("title") == (1, 8)
    assert pickle.loads(pickle.dumps(positions)) == positions == copy.deepcopy(positions)


# --- a cached body is its source file's text ------------------------------------------------------

COMMENTS = st.text(alphabet="ab -:", max_size=6).map(lambda text: "# " + text)  # front matter of any length


@settings(max_examples=200, deadline=None)
@given(st.lists(COMMENTS, max_size=4), st.text(alphabet="ab\n-", max_size=12), st.booleans())
def test_a_cached_body_bound_to_its_file_reads_as_the_body_validated(front: list[str], body: str,
                                                                     newline: bool) -> None:
    """Whatever the front matter's length, and with or without a line after its `---`."""
    text = "\n".join(["---", "title: 指南", *front, "---"]) + ("\n" + body if newline or body else "")
    [page] = validated("pages", text)
    source = SourceFile("content/pages/item.md", "pages", "item", text, "d")
    [cached] = recordjson.loads(recordjson.dumps((page,)))
    assert cached.body == page.body  # by line and digest, before it is bound
    cached.body.bind(source)
    assert cached.body.text == page.body.text and cached.body.line == page.body.line


def test_a_cached_body_read_before_it_is_bound_is_a_bug_not_a_wrong_page() -> None:
    [page] = validated("pages", "---\ntitle: 指南\n---\n正文\n")
    [cached] = recordjson.loads(recordjson.dumps((page,)))
    with pytest.raises(RuntimeError):
        cached.body.text  # noqa: B018 - the read is the test
    assert pickle.loads(pickle.dumps(cached.body)) == cached.body == page.body


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every value in a JSON tree."""
    items = enumerate(value) if type(value) is list else value.items() if type(value) is dict else ()
    return [path, *(found for key, item in items for found in _nodes(item, (*path, key)))]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["departments", "leaders", "receptions"]), st.data())
def test_any_change_to_a_valid_text_decodes_to_well_typed_records_or_raises_value_error(
    folder: str, data: st.DataObject
) -> None:
    texts = {"departments": "name: 甲\nduties: [乙]\nphones:\n  - label: 丙\n    number: 027-87650101\nlocation: 丁\n"
                            "hours: 每天 8:00-18:00\nhead:\n  name: 戊\nverified: 2026-01-02\n",
             "leaders": "name: 甲\nposition: 乙\nportfolio: 丙\ncontact_points:\n  - county: 丁\n    unit: 戊\n"
                        "    since: 2021\nactivity:\n  2026:\n    receptions: 3\n",
             "receptions": SESSION + "  booking:\n    phone: 12345\n  status: postponed\n  reason: 雨\n"
                                     "  new_date: 2026-12-20\n"}
    tree = encoded(folder, texts[folder])
    path = data.draw(st.sampled_from(_nodes(tree)[1:]))
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = data.draw(JSON_VALUES)
    try:
        records = recordjson.loads(json.dumps(tree))
    except ValueError:
        return
    recordjson.dumps(records)  # what loads accepted satisfies every type hint, or this raises TypeError


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_decodes_or_raises_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        recordjson.dumps(recordjson.loads(text))


# --- the audit's findings kept with a file's records (validate.Validated) -----------------------

findings = st.builds(
    Finding, st.sampled_from(sorted(RULES_BY_ID)),
    st.builds(Location, st.text(), st.integers(0, 10**6), st.integers(0, 10**4)),
    st.text(), st.text(), st.booleans(), st.text(),
)


@settings(max_examples=200)
@given(st.lists(findings, max_size=4))
def test_findings_come_back_equal_through_the_cache(found: list[Finding]) -> None:
    validated = Validated((), (), tuple(found))
    assert Validated.decode(validated.encode()) == validated


@settings(max_examples=300)
@given(st.one_of(
    st.lists(st.lists(st.one_of(st.text(), st.integers(), st.booleans(), st.none()), max_size=9), max_size=3),
    st.dictionaries(st.text(), st.integers(), max_size=2), st.integers(), st.text(), st.none(),
))
def test_anything_but_cached_findings_raises_value_error(value: Any) -> None:
    try:
        decoded = Validated.decode(("[]", "[]", json.dumps(value)))
    except ValueError:
        return
    # what decodes is well-typed findings of rules sitegen has, read back as they were written
    assert all(finding.rule in RULES_BY_ID for finding in decoded.findings)
    assert [finding.to_json() for finding in decoded.findings] == value
