"""Validated records as JSON, for the build cache: a file whose bytes did not change is not
parsed and validated again.

JSON, never pickle: a cache restored in CI is data from elsewhere, and decoding it may only
build sitegen's own record types (named in CLASSES), never run code. Anything unexpected
raises ValueError, and the caller validates the file afresh.

Decoding the cache is much of a warm build's time, so the format carries no field names and
no tags below the top level: a file's records are `[["Procedure", [field, ...]], ...]`, and
each field is written as its type hint says — a nested record as the list of its fields, a
tuple as a list, a date as ISO text, Origin.positions as a string of their own JSON (read
when one is looked up, see models.Positions), a Markdown body as its line and digest (its
text is its source file's, see models.Markdown). The codec of every class is made once, at
import, from `dataclasses.fields()` and the type hints; it checks each value it reads
against the hint, and each value it writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from . import models as m
from .values import docnumber, hours, phones
from .values.errors import ValueProblem

CLASSES: dict[str, type] = {
    cls.__name__: cls
    for module in (m, hours, phones, docnumber)
    for cls in vars(module).values()
    if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__
}

Convert = Callable[[Any], Any]
_NONE = type(None)


@dataclass(frozen=True, slots=True)
class _Codec:
    """How the values of one type hint are written as JSON and read back."""

    python_types: frozenset[type]  # the types of its values
    json_types: frozenset[type]  # the types json.loads gives back for them
    encode: Convert  # raises ValueError for a value the hint does not allow
    # Raises ValueError for what `encode` would not have written; None when the JSON value,
    # once its type is one of json_types, is the value itself (str, int, bool, None).
    decode: Convert | None


def dumps(records: tuple[Any, ...]) -> str:
    """One content file's records as JSON; TypeError for anything but well-typed records."""
    try:
        encoded = [[type(record).__name__, _record_codec(record).encode(record)] for record in records]
    except ValueError as exc:  # a record that breaks its own type hints: a bug, not bad data
        raise TypeError(f"cannot cache these records: {exc}") from exc
    return json.dumps(encoded, ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> tuple[Any, ...]:
    """The records that `dumps` wrote, equal and of the same types; ValueError for anything else."""
    try:
        data = json.loads(text)
        if type(data) is not list:
            raise ValueError("cached records must be a list")
        return tuple(map(_decode_record, data))
    # Text that is not a str, JSON nested deeper than the recursion limit, or a TimeRange
    # whose __post_init__ refuses it: every way to fail is a ValueError for the caller.
    except (TypeError, RecursionError, ValueProblem) as exc:
        raise ValueError(f"not a cached record: {exc}") from exc


def _record_codec(record: Any) -> _Codec:
    codec = _RECORDS.get(type(record).__name__)
    if codec is None or type(record) not in codec.python_types:
        raise ValueError(f"a {type(record).__name__} is not a kind of record")
    return codec


def _decode_record(item: Any) -> Any:
    if type(item) is not list or len(item) != 2 or type(item[0]) is not str:
        raise ValueError("a cached record must be [class name, fields]")
    codec = _RECORDS.get(item[0])
    if codec is None or codec.decode is None:
        raise ValueError(f"unknown record type {item[0]!r}")
    return codec.decode(item[1])


# --- codecs, by type hint ----------------------------------------------------------------------


def _codec(hint: Any) -> _Codec:
    """The codec of a field's type hint; TypeError for one the format cannot hold (found at import)."""
    if hint in (str, int, bool, _NONE):
        return _Codec(frozenset({hint}), frozenset({hint}), _exact(hint), None)
    if hint is dt.date:
        return _Codec(frozenset({dt.date}), frozenset({str}), _date_text, _date)
    if hint is m.Positions:
        return _positions_codec()
    if hint is m.Markdown:
        return _markdown_codec()
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _class_codec(hint)
    origin, args = get_origin(hint), get_args(hint)
    if origin is Literal and all(type(arg) is str for arg in args):
        check = _one_of(frozenset(args))
        return _Codec(frozenset({str}), frozenset({str}), check, check)
    if origin in (Union, types.UnionType):
        return _union_codec([_codec(arg) for arg in args])
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _tuple_codec(_codec(args[0]))
    raise TypeError(f"the build cache cannot hold a {hint}")


def _exact(kind: type) -> Convert:
    def check(value: Any) -> Any:
        # `type(...) is`, not isinstance: True is not a line number.
        if type(value) is not kind:
            raise ValueError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return check


def _one_of(allowed: frozenset[str]) -> Convert:
    def check(value: Any) -> Any:
        if type(value) is not str or value not in allowed:
            raise ValueError(f"expected one of {sorted(allowed)}, got {value!r}")
        return value

    return check


def _date_text(value: Any) -> str:
    if type(value) is not dt.date:
        raise ValueError(f"expected a date, got {type(value).__name__}")
    return value.isoformat()


def _date(value: Any) -> dt.date:
    if type(value) is not str:
        raise ValueError(f"expected a date, got {type(value).__name__}")
    return dt.date.fromisoformat(value)


def _class_codec(cls: type) -> _Codec:
    """A record as the list of its fields' values, in the order of its dataclass fields."""
    known = _BY_CLASS.get(cls)
    if known is not None:
        return known
    if CLASSES.get(cls.__name__) is not cls:
        raise TypeError(f"the build cache cannot hold a {cls.__name__}: it is not one of sitegen's records")
    hints = get_type_hints(cls)
    names = tuple(field.name for field in dataclasses.fields(cls))
    codecs = [_codec(hints[name]) for name in names]
    encoders = tuple(codec.encode for codec in codecs)

    def encode(record: Any) -> list[Any]:
        if type(record) is not cls:
            raise ValueError(f"expected a {cls.__name__}, got {type(record).__name__}")
        return [encoder(getattr(record, name)) for encoder, name in zip(encoders, names, strict=True)]

    decode = _class_decoder(cls, names, codecs)
    codec = _BY_CLASS[cls] = _Codec(frozenset({cls}), frozenset({list}), encode, decode)
    return codec


def _class_decoder(cls: type, names: tuple[str, ...], codecs: list[_Codec]) -> Convert:
    """The decoder of one class, as Python source made from its fields' codecs and run once.

    The source holds no cache data, only names and numbers from the class definition. It is
    generated because one flat function per class (unpack the list, check every field's JSON
    type in one condition, convert the fields that need it, fill the slots) makes loads about
    a fifth faster than the same steps as loops over the fields.
    """
    env: dict[str, Any] = {
        "cls": cls,
        "new": object.__new__,
        "wrong_size": f"a cached {cls.__name__} must be a list of its {len(names)} fields",
        "wrong_type": f"a field of a cached {cls.__name__} has the wrong type",
    }
    fields = [f"v{index}" for index in range(len(names))]
    checks, values = [], []
    for index, (field, codec) in enumerate(zip(fields, codecs, strict=True)):
        if len(codec.json_types) == 1:
            (env[f"T{index}"],) = codec.json_types
            checks.append(f"type({field}) is not T{index}")
        else:
            env[f"T{index}"] = codec.json_types
            checks.append(f"type({field}) not in T{index}")
        env[f"d{index}"] = codec.decode
        values.append(field if codec.decode is None else f"d{index}({field})")
    lines = [
        "def decode(values):",
        f"    if type(values) is not list or len(values) != {len(names)}:",
        "        raise ValueError(wrong_size)",
    ]
    if fields:
        lines.append(f"    {', '.join(fields)}, = values")
        lines += [f"    if {' or '.join(checks)}:", "        raise ValueError(wrong_type)"]
    setters = _slot_setters(cls, names)
    if setters is None:
        # The dataclass's own __init__, so that __post_init__ checks (TimeRange) still run.
        lines.append(f"    return cls({', '.join(values)})")
    else:
        # Setting the slots directly skips the frozen __init__'s object.__setattr__ per field.
        env.update((f"s{index}", setter) for index, setter in enumerate(setters))
        lines.append("    record = new(cls)")
        lines += [f"    s{index}(record, {value})" for index, value in enumerate(values)]
        lines.append("    return record")
    # Our own source, made from the class definition above; named in tracebacks.
    exec(compile("\n".join(lines), f"<recordjson decoder of {cls.__name__}>", "exec"), env)
    decode: Convert = env["decode"]
    return decode


def _slot_setters(cls: type, names: tuple[str, ...]) -> list[Convert] | None:
    """The setters of the slots that hold the fields, when __init__ does nothing but set them."""
    if hasattr(cls, "__post_init__") or not all(field.init for field in dataclasses.fields(cls)):
        return None
    slots = [next((vars(k)[name] for k in cls.__mro__ if name in vars(k)), None) for name in names]
    if not all(type(slot) is types.MemberDescriptorType for slot in slots):
        return None
    return [slot.__set__ for slot in slots]  # type: ignore[union-attr]


def _union_codec(members: list[_Codec]) -> _Codec:
    """`X | None`, `int | date | None`: the members must differ in their Python and JSON types."""
    by_python = {kind: member for member in members for kind in member.python_types}
    by_json = {kind: member.decode for member in members for kind in member.json_types}
    python_count = sum(len(member.python_types) for member in members)
    json_count = sum(len(member.json_types) for member in members)
    if len(by_python) < python_count or len(by_json) < json_count:
        raise TypeError("the build cache cannot tell apart the members of a union such as `str | date`")
    python_types, json_types = frozenset(by_python), frozenset(by_json)

    def encode(value: Any) -> Any:
        member = by_python.get(type(value))
        if member is None:
            raise ValueError(f"expected one of {sorted(t.__name__ for t in by_python)}, got {type(value).__name__}")
        return member.encode(value)

    if not any(by_json.values()):  # plain JSON values, such as `str | None`
        return _Codec(python_types, json_types, encode, None)
    if len(members) == 2 and _NONE in by_json:  # `X | None`, the most common
        decode_inner = next(decode for decode in by_json.values() if decode is not None)

        def decode_optional(value: Any) -> Any:
            return None if value is None else decode_inner(value)

        return _Codec(python_types, json_types, encode, decode_optional)

    def decode(value: Any) -> Any:
        decode_member = by_json.get(type(value))  # the class decoder checked that it is one of them
        return value if decode_member is None else decode_member(value)

    return _Codec(python_types, json_types, encode, decode)


def _tuple_codec(item: _Codec) -> _Codec:
    """tuple[X, ...] as a list."""
    encode_item, decode_item, allowed = item.encode, item.decode, item.json_types

    def encode(value: Any) -> list[Any]:
        if type(value) is not tuple:
            raise ValueError(f"expected a tuple, got {type(value).__name__}")
        return list(map(encode_item, value))

    def decode(value: Any) -> tuple[Any, ...]:
        if type(value) is not list or not _all_of(allowed, value):
            raise ValueError("expected a list of the tuple's items")
        return tuple(value) if decode_item is None else tuple(map(decode_item, value))

    return _Codec(frozenset({tuple}), frozenset({list}), encode, decode)


def _positions_codec() -> _Codec:
    """Origin.positions as their own JSON text (Positions.text), a string inside the record's:
    decoded only when a check looks one up. Positions are most of the cache by count (37 a
    record on average); parsing them with every record was a third of reading the cache."""

    def encode(value: Any) -> str:
        if type(value) is not m.Positions:
            raise ValueError(f"expected Positions, got {type(value).__name__}")
        return value.text

    def decode(value: Any) -> m.Positions:
        if type(value) is not str:
            raise ValueError("positions must be their JSON text")
        return m.Positions.from_text(value)

    return _Codec(frozenset({m.Positions}), frozenset({str}), encode, decode)


def _markdown_codec() -> _Codec:
    """A Markdown body as [line, digest of its text]: the text is its source file's from that
    line on, taken when the body is read (see models.Markdown). A file's records are cached
    under its path and digest, so the file is the one the body was validated from."""

    def encode(value: Any) -> list[Any]:
        if type(value) is not m.Markdown:
            raise ValueError(f"expected Markdown, got {type(value).__name__}")
        return [value.line, value.digest]

    def decode(value: Any) -> m.Markdown:
        if type(value) is not list or len(value) != 2 or type(value[0]) is not int or type(value[1]) is not str:
            raise ValueError("a Markdown body must be [line, digest]")
        return m.Markdown.cached(value[0], value[1])

    return _Codec(frozenset({m.Markdown}), frozenset({list}), encode, decode)


def _all_of(kinds: frozenset[type], values: list[Any]) -> bool:
    """Every value's type is one of these (the loop runs in C)."""
    return set(map(type, values)) <= kinds


_BY_CLASS: dict[type, _Codec] = {}
# The kinds of record a content file holds, by class name: the top level of the format.
_RECORDS: dict[str, _Codec] = {cls.__name__: _class_codec(cls) for cls in get_args(m.Record)}
