"""The typed, immutable records that validation produces from content/ — one class per kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Positions:
    """Where each value of a record is written, by its path ("fee", "conditions[3]",
    "materials[2].copies"): its line and column, so that later checks (the audit) can point at
    it. Three parallel tuples rather than a dict: a record has dozens, they are looked up only
    when a check reports one, and a warm build decodes them for every record of the site from
    the cache (as dicts, a fifth of that decoding)."""

    keys: tuple[str, ...] = ()
    lines: tuple[int, ...] = ()
    columns: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not len(self.keys) == len(self.lines) == len(self.columns):
            raise ValueError("positions need a line and a column for each key")
        if len(set(self.keys)) != len(self.keys):
            raise ValueError("a position is written twice")

    @staticmethod
    def of(found: Mapping[str, tuple[int, int]]) -> Positions:
        return Positions(tuple(found), tuple(line for line, _ in found.values()),
                         tuple(column for _, column in found.values()))

    def get(self, key: str) -> tuple[int, int] | None:
        try:
            index = self.keys.index(key)
        except ValueError:
            return None
        return self.lines[index], self.columns[index]

    def __contains__(self, key: object) -> bool:
        return key in self.keys


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


@dataclass(frozen=True, slots=True)
class Markdown:
    """A Markdown body as written, with the file line on which it starts."""

    text: str
    line: int


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
