"""The typed, immutable records that validation produces from content/ — one class per kind."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from .audit.settings import AuditSettings
from .values.hours import Hours, TimeRange
from .values.phones import Phone


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to another record, as written: checked when the site is linked."""

    kind: str  # the target's folder: "departments", "halls", "files" …
    slug: str
    field: str  # e.g. "windows[2].procedures[1]"
    line: int
    column: int


class Frozen:
    """A value set once, by its own constructors, and never changed after; its lazily filled
    caches (a decoded text, a digest) are set by its own methods through `_set`."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a {type(self).__name__} cannot be changed")

    def _set(self, **values: object) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)


class Positions(Frozen):
    """Where each value of a record is written, by its path ("fee", "conditions[3]",
    "materials[2].copies"): its line and column, so that later checks (the audit) can point at
    it. A record has dozens, and they are looked up only when a check reports one; so the
    positions of a record read from the build cache stay the JSON text the cache holds
    (`text`) until one is asked for. Decoding them for every record was most of the values, and
    much of the time, of reading the cache on a warm build.

    Immutable, like the records that hold them: equal when they hold the same positions."""

    __slots__ = ("_found", "_text")
    _found: dict[str, tuple[int, int]] | None  # None until the text is decoded
    _text: str | None  # None until asked for

    def __init__(self, found: Mapping[str, tuple[int, int]] | None = None) -> None:
        self._set(_found=dict(found) if found else {}, _text=None)

    @classmethod
    def from_text(cls, text: str) -> Positions:
        """Positions as `text` gave them, decoded when first needed. Text that is not what
        `text` writes (only a hand-edited cache holds such) never raises: its positions read
        as missing or wrong, like any cached value that is well typed but wrong. Only where
        problems point depends on them (at worst the record's first line), never the site."""
        positions = cls.__new__(cls)  # no __init__: one per record of the cache, on every warm build
        positions._set(_found=None, _text=text)
        return positions

    @property
    def text(self) -> str:
        """The positions as JSON: one flat list [key, line, column, key, …]."""
        if self._text is None:
            flat = [item for key, (line, column) in self._table().items() for item in (key, line, column)]
            self._set(_text=json.dumps(flat, ensure_ascii=False, separators=(",", ":")))
        assert self._text is not None
        return self._text

    def get(self, key: str) -> tuple[int, int] | None:
        if self._found is None:  # still the cache's text: find this one key in it
            return _find_position(self._text or "", key)
        return self._found.get(key)

    def items(self) -> Iterator[tuple[str, tuple[int, int]]]:
        return iter(self._table().items())

    def __contains__(self, key: object) -> bool:
        return key in self._table()

    def __len__(self) -> int:
        return len(self._table())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Positions):
            return NotImplemented
        return self._table() == other._table()

    def __hash__(self) -> int:
        return hash(frozenset(self._table().items()))

    def __repr__(self) -> str:
        return f"Positions({self._table()!r})"

    def __reduce__(self) -> tuple[object, tuple[str]]:  # pickle and copy, past __setattr__
        return Positions.from_text, (self.text,)

    def _table(self) -> dict[str, tuple[int, int]]:
        if self._found is None:
            self._set(_found=_parse_positions(self._text or ""))
        assert self._found is not None
        return self._found


def _find_position(text: str, key: str) -> tuple[int, int] | None:
    """`key`'s line and column in Positions.text, without decoding the rest (a warning's
    place, for thousands of records on a site that has many). Every string of that JSON list
    is a key, and a '"' that follows '[' or ',' starts one (inside a string '"' is escaped), so
    the key is where '[' or ',' is followed by the key as JSON and a ','."""
    needle = json.dumps(key, ensure_ascii=False) + ","
    at = text.find(needle)
    while at > 0 and text[at - 1] not in "[,":
        at = text.find(needle, at + 1)
    numbers = _LINE_COLUMN.match(text, at + len(needle)) if at > 0 else None
    return (int(numbers[1]), int(numbers[2])) if numbers else None


_LINE_COLUMN = re.compile(r"(-?[0-9]+),(-?[0-9]+)[,\]]")


def _parse_positions(text: str) -> dict[str, tuple[int, int]]:
    try:
        flat = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    if type(flat) is not list or len(flat) % 3:
        return {}
    keys, lines, columns = flat[0::3], flat[1::3], flat[2::3]
    if not (set(map(type, keys)) <= _STR and set(map(type, lines)) | set(map(type, columns)) <= _INT):
        return {}
    found = dict(zip(keys, zip(lines, columns, strict=True), strict=True))
    return found if len(found) == len(keys) else {}


_STR, _INT = frozenset({str}), frozenset({int})


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record (or one item of a list file) was written, and what it refers to."""

    path: str  # relative to the site dir, e.g. "content/departments/office.yaml"
    line: int = 1
    refs: tuple[Ref, ...] = ()
    positions: Positions = Positions()

    def at(self, key: str) -> tuple[int, int]:
        """Where `key` is written, else where the record starts."""
        return self.positions.get(key) or (self.line, 1)


class Markdown(Frozen):
    """A Markdown body as written, with the file line on which it starts (the line after the
    front matter's closing `---`: the body is the rest of the file).

    A body read from the build cache holds only that line and a digest of its text, and is
    bound to its source file (`bind`): its text is taken from the file's when first needed.
    Bodies were two thirds of the cache's bytes, and a warm build renders few of them. Equal
    when their lines and texts are (by digest: the body of an edited file's last version, read
    to see what changed, is never bound)."""

    __slots__ = ("line", "_text", "_digest", "_source")
    line: int
    _text: str | None  # None until taken from the source
    _digest: str | None  # of the text; None until needed
    _source: HasText | None  # the source file a cached body is taken from

    def __init__(self, text: str, line: int) -> None:
        self._set(line=line, _text=text, _digest=None, _source=None)

    @classmethod
    def cached(cls, line: int, digest: str) -> Markdown:
        """A body as the cache keeps it, to be bound to its source file before it is read."""
        body = cls.__new__(cls)  # no __init__: one per page of the cache, on every warm build
        body._set(line=line, _text=None, _digest=digest, _source=None)
        return body

    def bind(self, source: HasText) -> None:
        """Take the text, when it is needed, from this source file: the one the body was
        validated from (the cache's key is the file's path and digest)."""
        if self._text is None:
            self._set(_source=source)

    @property
    def text(self) -> str:
        if self._text is None:
            if self._source is None:
                raise RuntimeError(f"the cached Markdown body at line {self.line} was read before it was bound")
            # what yamlfile.split_front_matter takes as the body: every line from this one on
            parts = self._source.text.split("\n", self.line - 1)
            self._set(_text=parts[-1] if len(parts) == self.line else "", _source=None)
        assert self._text is not None
        return self._text

    @property
    def digest(self) -> str:
        if self._digest is None:
            self._set(_digest=hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest())
        assert self._digest is not None
        return self._digest

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Markdown):
            return NotImplemented
        return self.line == other.line and self.digest == other.digest

    def __hash__(self) -> int:
        return hash((self.line, self.digest))

    def __repr__(self) -> str:
        return f"Markdown(line={self.line}, digest={self.digest[:12]})"

    def __reduce__(self) -> tuple[object, tuple[str, int] | tuple[int, str]]:  # pickle and copy
        if self._text is None and self._source is None:
            return Markdown.cached, (self.line, self.digest)
        return Markdown, (self.text, self.line)


class HasText(Protocol):
    """A source file, as a cached Markdown body sees it (sources.SourceFile)."""

    @property
    def text(self) -> str: ...


# --- site.yaml -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelledPhone:
    label: str
    phone: Phone


@dataclass(frozen=True, slots=True)
class Organization:
    name: str
    address: str
    postcode: str | None
    duty_phone: Phone
    hours: Hours


@dataclass(frozen=True, slots=True)
class Identity:
    sponsor: str
    site_code: str
    icp: str
    police: str
    jiucuo_url: str


@dataclass(frozen=True, slots=True)
class NavItem:
    title: str
    url: str  # a site path such as "/procedures/" or an http(s) URL, as written


@dataclass(frozen=True, slots=True)
class SiteConfig:
    title: str
    base_url: str  # always ends with "/"
    language: str
    organization: Organization
    identity: Identity
    nav: tuple[NavItem, ...] | None  # None: the theme's default main sections
    demo: bool
    audit: AuditSettings  # site.yaml's `audit:` — rule severities and freshness limits
    origin: Origin

    @property
    def base_path(self) -> str:
        """The path part of base_url ("/" or "/zwgk/"), which every internal link starts with."""
        rest = self.base_url.split("://", 1)[-1]
        slash = rest.find("/")
        return rest[slash:] if slash >= 0 else "/"


# --- departments -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Head:
    name: str | None
    title: str | None


@dataclass(frozen=True, slots=True)
class Department:
    slug: str
    origin: Origin
    name: str
    duties: tuple[str, ...]
    phones: tuple[LabelledPhone, ...]
    location: str
    hours: Hours | None  # None: the organization's hours apply
    parent: str | None
    order: int | None
    head: Head | None
    email: str | None
    verified: dt.date | None


# --- procedures (办事指南) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Material:
    name: str
    form: str  # 原件 / 复印件 / 原件及复印件 / 电子版
    copies: int  # 0: shown for inspection only
    required: bool
    note: str | None


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """A time limit: whole working days, or a text such as “30个自然日” or “无”."""

    days: int | None
    text: str | None

    def __str__(self) -> str:
        if self.days is None:
            return self.text or ""
        return "即办" if self.days == 0 else f"{self.days}个工作日"


@dataclass(frozen=True, slots=True)
class TimeLimits:
    statutory: TimeLimit
    promised: TimeLimit


@dataclass(frozen=True, slots=True)
class ProcedurePhones:
    consult: tuple[Phone, ...]
    complaint: tuple[Phone, ...]


@dataclass(frozen=True, slots=True)
class Procedure:
    slug: str
    origin: Origin
    title: str
    department: str
    category: str
    basis: tuple[str, ...]
    conditions: tuple[str, ...]
    materials: tuple[Material, ...]
    steps: tuple[str, ...]
    time_limit: TimeLimits
    fee: str
    location: str
    hours: Hours | None  # None: the hall's, else the organization's
    phones: ProcedurePhones
    visits: int
    online_url: str | None
    hall: str | None
    code: str | None
    body: Markdown


# --- leaders and receptions (鄂发〔2013〕22号) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContactPoint:
    county: str
    unit: str
    since: int | dt.date | None


@dataclass(frozen=True, slots=True)
class Activity:
    """A year's recorded figures; None means "not reported", which is not 0."""

    year: int
    research_days: int | None
    squat_days: int | None
    county_visits: int | None
    unit_visits: int | None
    receptions: int | None
    heart_talks: int | None


@dataclass(frozen=True, slots=True)
class Leader:
    slug: str
    origin: Origin
    name: str
    position: str
    portfolio: str
    order: int | None
    photo: str | None
    resume: str | None
    contact_points: tuple[ContactPoint, ...]
    activity: tuple[Activity, ...]  # sorted by year


@dataclass(frozen=True, slots=True)
class Booking:
    phone: Phone | None
    note: str | None


RECEPTION_METHODS = ("定点接访", "重点约访", "带案下访", "上门回访")
SESSION_STATUSES = ("scheduled", "held", "cancelled", "postponed")


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    origin: Origin
    leader: str
    date: dt.date
    time: TimeRange
    location: str
    method: str
    topics: str | None
    booking: Booking | None
    status: str
    reason: str | None
    new_date: dt.date | None


# --- policies, halls, notices, pages ---------------------------------------------------------

POLICY_STATUSES = ("现行有效", "已修订", "已废止", "已失效")


@dataclass(frozen=True, slots=True)
class Attachment:
    title: str
    file: str  # a name under content/files/


@dataclass(frozen=True, slots=True)
class Policy:
    slug: str
    origin: Origin
    title: str
    issuer: tuple[str, ...]
    issued: dt.date
    published: dt.date
    doc_number: str | None
    status: str
    category: str | None
    superseded_by: str | None
    attachments: tuple[Attachment, ...]
    body: Markdown


@dataclass(frozen=True, slots=True)
class Window:
    number: str
    name: str | None
    matters: str | None
    procedures: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Hall:
    slug: str
    origin: Origin
    name: str
    address: str
    hours: Hours
    phones: tuple[LabelledPhone, ...]
    windows: tuple[Window, ...]
    accessibility: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Notice:
    slug: str
    origin: Origin
    title: str
    date: dt.date
    expires: dt.date | None
    body: Markdown


@dataclass(frozen=True, slots=True)
class Page:
    slug: str
    origin: Origin
    title: str
    order: int | None
    body: Markdown


@dataclass(frozen=True, slots=True)
class Asset:
    """A file under content/files/, published as is at /files/NAME."""

    name: str  # path under content/files/, with "/" separators
    source: str  # absolute path on disk, read only by the writer's copy
    size: int
    digest: str


Record = Department | Procedure | Leader | Session | Policy | Hall | Notice | Page
