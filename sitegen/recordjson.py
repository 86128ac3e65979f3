"""Validated records as JSON, for the build cache: a file whose bytes did not change is not
parsed and validated again.

JSON, never pickle: a cache restored in CI is data from elsewhere, and decoding it may only
build sitegen's own record types (named in CLASSES), never run code. Anything unexpected
raises ValueError, and the caller validates the file afresh.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from . import models as m
from .values import docnumber, hours, phones

CLASSES: dict[str, type] = {
    cls.__name__: cls
    for module in (m, hours, phones, docnumber)
    for cls in vars(module).values()
    if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__
}


def dumps(records: tuple[Any, ...]) -> str:
    return json.dumps([_encode(record) for record in records], ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> tuple[Any, ...]:
    try:
        data = json.loads(text, object_hook=_decode_object)
    except (TypeError, KeyError, AttributeError) as exc:  # a class built from unexpected fields
        raise ValueError(f"not a cached record: {exc}") from exc
    if not isinstance(data, list):
        raise ValueError("cached records must be a list")
    return tuple(data)


def _encode(value: Any) -> Any:
    if value is None or type(value) in (str, int, bool, float):
        return value
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {"~d": [[str(key), _encode(item)] for key, item in value.items()]}
    if type(value) is dt.date:
        return {"~date": value.isoformat()}
    if dataclasses.is_dataclass(value) and CLASSES.get(type(value).__name__) is type(value):
        encoded = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"~": type(value).__name__, **encoded}
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _decode_object(data: dict[str, Any]) -> Any:
    name = data.pop("~", None)
    if name is not None:
        cls = CLASSES.get(name)
        if cls is None:
            raise ValueError(f"unknown record type {name!r}")
        return cls(**{key: _tuples(item) if type(item) is list else item for key, item in data.items()})
    if "~date" in data:
        return dt.date.fromisoformat(data["~date"])
    if "~d" in data:
        return {str(key): _tuples(item) if type(item) is list else item for key, item in data["~d"]}
    raise ValueError("unexpected object in cached records")


def _tuples(items: list[Any]) -> tuple[Any, ...]:
    """Records hold tuples; JSON gives lists back (called on lists only: it runs a million times)."""
    return tuple([_tuples(item) if type(item) is list else item for item in items])
