"""Shared by the hardening tests: every field of every kind walked from `sitegen.schema`, a record
with every field filled in, a YAML writer that knows where it put each value, and a scanner that
proves no output carries active content.

The walk is driven by the specs themselves, so a field added to the schema is covered by the
wrong-type and hostile-content tests without editing them; a new *kind* of field fails loudly
here until these helpers learn its shapes.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import icalendar

from sitegen import models as m
from sitegen.audit.rules import RULES
from sitegen.audit.settings import RuleLevels
from sitegen.fields import (
    Boolean,
    Choice,
    Converted,
    Field,
    FileName,
    Integer,
    LanguageTag,
    ListOf,
    Object,
    SiteLink,
    SlugRef,
    Spec,
    Text,
    WebUrl,
)
from sitegen.schema import (
    KINDS,
    SITE,
    DocNumberField,
    HoursField,
    LabelledPhones,
    PhoneField,
    TimeLimitField,
    YearMap,
)
from sitegen.values.dates import parse_date, parse_year_or_date
from sitegen.values.hours import parse_days, parse_time_range

# --- every field of every kind ---------------------------------------------------------------

Key = str | int
SITE_FILE = "content/site.yaml"
# Where each kind's complete record is written (its slug is "full"); site.yaml is the site's.
FULL_FILES = {
    "site": SITE_FILE,
    "departments": "content/departments/full.yaml",
    "procedures": "content/procedures/full.md",
    "leaders": "content/leaders/full.yaml",
    "receptions": "content/receptions/full.yaml",
    "policies": "content/policies/full.md",
    "halls": "content/halls/full.yaml",
    "notices": "content/notices/full.md",
    "pages": "content/pages/full.md",
}
# The files the complete records name (a leader's photo, a policy's attachment).
FULL_ASSETS = {"content/files/photo.png": b"\x89PNG\r\n\x1a\n", "content/files/form.pdf": b"%PDF-1.4\n%%EOF\n"}
_ACTIVITY_KEYS = tuple(f.name for f in dataclasses.fields(m.Activity) if f.name != "year")
_SCALARS = (Text, Integer, Boolean, Choice, Converted, SlugRef, WebUrl, SiteLink, FileName, LanguageTag,
            PhoneField, TimeLimitField, DocNumberField)

# Values the schema cannot make up by itself: references to the baseline's records and the
# cross-field rules (a postponed session has a reason; only a revised policy is superseded).
OVERRIDES: dict[tuple[str, str], Any] = {
    ("site", "base_url"): "https://www.example.gov.cn/",
    ("site", "language"): "zh-CN",
    # The audit judges the sample texts (a site code of 10 digits, hours covering the working day …):
    # these tests are about parsing and output, so the complete site turns every rule off.
    ("site", "audit.rules"): {rule.id: "off" for rule in RULES},
    ("departments", "parent"): "office",
    ("departments", "email"): "office@example.gov.cn",
    ("procedures", "department"): "office",
    ("procedures", "hall"): "main-hall",
    ("procedures", "fee"): "不收费",
    ("procedures", "time_limit.statutory"): "20",
    ("procedures", "time_limit.promised"): "10",
    ("leaders", "photo"): "photo.png",
    ("receptions", "[1].id"): "full-session",
    ("receptions", "[1].leader"): "zhang-san",
    ("receptions", "[1].date"): "2026-12-10",
    ("receptions", "[1].status"): "postponed",
    ("receptions", "[1].new_date"): "2026-12-17",
    ("policies", "issued"): "2026-03-01",
    ("policies", "published"): "2026-03-02",
    ("policies", "status"): "已修订",
    ("policies", "superseded_by"): "notice-2026",
    ("policies", "attachments[1].file"): "form.pdf",
    ("halls", "windows[1].procedures[1]"): "id-card",
    ("notices", "date"): "2026-11-20",
    ("notices", "expires"): "2026-12-31",
}


@dataclass(frozen=True)
class FieldAt:
    """One field of one kind: the label sitegen's messages use, and its path in the record tree."""

    kind: str  # a folder of KINDS, or "site"
    where: str  # "materials[1].copies", "[1].booking.phone" (a reception file is a list)
    keys: tuple[Key, ...]
    field: Field[Any]


def kind_specs(kind: str) -> tuple[Spec, ...]:
    return SITE if kind == "site" else KINDS[kind].specs


def _prefix(kind: str) -> tuple[str, tuple[Key, ...]]:
    """Reception files are a list of sessions: the fields of the first are at [1]."""
    return ("[1]", (0,)) if kind == "receptions" else ("", ())


def every_field(kind: str) -> list[FieldAt]:
    where, keys = _prefix(kind)
    return list(_walk_specs(kind, kind_specs(kind), where, keys))


def _walk_specs(kind: str, specs: Sequence[Spec], where: str, keys: tuple[Key, ...]) -> Iterator[FieldAt]:
    for spec in specs:
        label = f"{where}.{spec.key}" if where else spec.key
        yield from _walk_field(kind, spec.field, label, (*keys, spec.key))


def _walk_field(kind: str, field: Field[Any], where: str, keys: tuple[Key, ...]) -> Iterator[FieldAt]:
    yield FieldAt(kind, where, keys, field)
    item = _list_item(field)
    if item is not None:
        yield from _walk_field(kind, item, f"{where}[1]", (*keys, 0))
    elif isinstance(field, Object):
        yield from _walk_specs(kind, field.specs, where, keys)
    elif isinstance(field, YearMap):
        yield from _walk_field(kind, _year(), f"{where}.2026", (*keys, "2026"))


def _list_item(field: Field[Any]) -> Field[Any] | None:
    if isinstance(field, ListOf):
        return field.item
    if isinstance(field, LabelledPhones):  # a list of {label, number}, built inside parse()
        return Object(dict, LabelledPhones._specs)
    return None


def _year() -> Object[Any]:
    return Object(dict, tuple(Spec(key, Integer(minimum=0)) for key in _ACTIVITY_KEYS))


def sample(kind: str, field: Field[Any], where: str) -> Any:
    """A valid value for the field, as the YAML tree to write (text, lists and dicts)."""
    if (kind, where) in OVERRIDES:
        return OVERRIDES[(kind, where)]
    item = _list_item(field)
    if item is not None:
        return [sample(kind, item, f"{where}[1]")]
    if isinstance(field, Object):
        return {s.key: sample(kind, s.field, f"{where}.{s.key}" if where else s.key) for s in field.specs}
    if isinstance(field, YearMap):
        return {"2026": {key: "1" for key in _ACTIVITY_KEYS}}
    if isinstance(field, RuleLevels):
        return {RULES[0].id: "off"}
    if isinstance(field, Text | TimeLimitField):
        return "10" if isinstance(field, TimeLimitField) else "示例文字"
    if isinstance(field, Integer):
        return "1"
    if isinstance(field, Boolean):
        return "true"
    if isinstance(field, Choice):
        return field.choices[0]
    if isinstance(field, WebUrl):
        return "https://www.example.gov.cn/online/"
    if isinstance(field, SiteLink):
        return "/procedures/"
    if isinstance(field, PhoneField):
        return "027-87000009"
    if isinstance(field, HoursField):
        return "周一至周五 8:30-12:00"
    if isinstance(field, DocNumberField):
        return "鄂示发〔2026〕9号"
    if isinstance(field, Converted):
        by_parser = {parse_date: "2026-11-20", parse_year_or_date: "2023", parse_time_range: "9:00-11:30",
                     parse_days: "mon-fri"}
        if field.convert in by_parser:
            return by_parser[field.convert]
    raise AssertionError(f"{kind} {where}: no sample for {type(field).__name__}; teach tests/hardening.py")


def full_record(kind: str) -> Any:
    """Every field of the kind filled in with a valid value (a reception file: a list of one)."""
    record = {s.key: sample(kind, s.field, _join(_prefix(kind)[0], s.key)) for s in kind_specs(kind)}
    return [record] if kind == "receptions" else record


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def set_at(tree: Any, keys: Sequence[Key], value: Any) -> Any:
    """A copy of the tree with the value at `keys` replaced."""
    if not keys:
        return value
    head, rest = keys[0], keys[1:]
    if isinstance(tree, list):
        assert isinstance(head, int)
        return [set_at(item, rest, value) if i == head else item for i, item in enumerate(tree)]
    return {k: set_at(v, rest, value) if k == head else v for k, v in tree.items()}


def get_at(tree: Any, keys: Sequence[Key]) -> Any:
    for key in keys:
        tree = tree[key]
    return tree


# --- wrong shapes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Wrong:
    """A value of the wrong shape, written in flow style where the right value would be."""

    text: str
    name: str


def raw(value: str) -> Wrong:
    """A text value written where a field is, whose position `to_yaml` reports."""
    return Wrong(json.dumps(value, ensure_ascii=False), "raw")


MAPPING = Wrong("{wrong: 1}", "mapping")
LIST = Wrong("[1, 2]", "list")
NUMBER = Wrong("5", "number")


def wrong_shapes(field: Field[Any]) -> tuple[Wrong, ...]:
    if isinstance(field, ListOf):
        return (MAPPING,) if field.single else (MAPPING, NUMBER)
    if isinstance(field, LabelledPhones):
        return (MAPPING, NUMBER)
    if isinstance(field, Object | YearMap | RuleLevels):
        return (LIST, NUMBER)
    if isinstance(field, HoursField):
        return (MAPPING,)  # text and lists are both its forms
    if isinstance(field, _SCALARS):
        return (MAPPING, LIST)
    raise AssertionError(f"no wrong shapes for {type(field).__name__}; teach tests/hardening.py")


# --- writing YAML, knowing where each value went ------------------------------------------------


def to_yaml(tree: Any) -> tuple[str, tuple[int, int] | None]:
    """Block-style YAML; every text double-quoted (JSON escapes are YAML escapes). Returns the
    text and the 1-based (line, column) where a `Wrong` value was written, if there is one."""
    lines: list[str] = []
    found: list[tuple[int, int]] = []
    _emit(tree, 0, lines, found)
    return "\n".join(lines) + "\n", (found[0] if found else None)


def _scalar(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _emit(value: Any, indent: int, lines: list[str], found: list[tuple[int, int]]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{pad}{key}:"
            if isinstance(item, Wrong):
                found.append((len(lines) + 1, len(head) + 2))
                lines.append(f"{head} {item.text}")
            elif isinstance(item, str):
                lines.append(f"{head} {_scalar(item)}")
            elif not item:
                lines.append(f"{head} {'{}' if isinstance(item, dict) else '[]'}")
            else:
                lines.append(head)
                _emit(item, indent + 2, lines, found)
        return
    for item in value:
        if isinstance(item, Wrong):
            found.append((len(lines) + 1, indent + 3))
            lines.append(f"{pad}- {item.text}")
        elif isinstance(item, str):
            lines.append(f"{pad}- {_scalar(item)}")
        elif isinstance(item, dict) and item:
            start = len(lines)
            _emit(item, indent + 2, lines, found)
            lines[start] = f"{pad}- " + lines[start][indent + 2 :]
        else:
            lines.append(f"{pad}-")
            _emit(item, indent + 2, lines, found)


def record_file(kind: str, tree: Any, body: str = "正文。\n") -> tuple[str, tuple[int, int] | None]:
    """The file text of a record, with the position of a `Wrong` value in it (front matter counted)."""
    text, at = to_yaml(tree)
    if kind != "site" and KINDS[kind].markdown:
        return f"---\n{text}---\n{body}", (at[0] + 1, at[1]) if at else None
    return text, at


def full_site_files() -> dict[str, str | bytes]:
    """The baseline site plus one complete record of every kind and a complete site.yaml."""
    files: dict[str, str | bytes] = dict(FULL_ASSETS)
    for kind, path in FULL_FILES.items():
        files[path] = record_file(kind, full_record(kind))[0]
    return files


# --- scanning every output for active content ----------------------------------------------------

SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster", "background", "data",
                            "cite", "longdesc", "codebase", "manifest", "ping", "srcset", "lowsrc", "dynsrc"})
# Elements that load or run something, or change what the page's links mean: the theme has none,
# so one in the output came from content.
BANNED_ELEMENTS = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "base", "animate", "set",
                             "handler", "listener", "import", "portal", "xss"})
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
_THEME_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see (it drops controls and whitespace), or None if relative."""
    probe = _INVISIBLE.sub("", value).lower()
    match = _SCHEME.match(probe)
    return match.group(1) if match else None


def theme_inline_scripts(theme_dir: Path) -> set[str]:
    """The bodies of inline scripts the theme's own templates hold (content cannot change them)."""
    found: set[str] = set()
    for template in theme_dir.rglob("*.html"):
        found.update(body.strip() for body in _THEME_SCRIPT.findall(template.read_text(encoding="utf-8")))
    return {body for body in found if body and "{{" not in body and "{%" not in body}


class _Page(HTMLParser):
    """Collects what would be active in a browser, and all the text a reader sees."""

    def __init__(self, allowed_scripts: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed_scripts = allowed_scripts
        self.problems: list[str] = []
        self.text: list[str] = []
        self._script: dict[str, str | None] | None = None
        self._script_body: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)
        if tag == "script":
            self._script = dict(attrs)
            self._script_body = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BANNED_ELEMENTS:
            self.problems.append(f"<{tag}> element")
        values = dict(attrs)
        for name, value in attrs:
            value = value or ""
            self.text.append(value)
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name in URL_ATTRIBUTES:
                for part in (value.split(",") if name == "srcset" else [value]):
                    scheme = url_scheme(part)
                    if scheme is not None and scheme not in SAFE_SCHEMES:
                        self.problems.append(f"<{tag} {name}={value!r}> {scheme}: URL")
            if name == "style" and re.search(r"javascript:|expression\(|url\(", value, re.I):
                self.problems.append(f"<{tag} style={value!r}>")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "link" and (values.get("rel") or "").lower() in ("import", "prefetch", "preload", "stylesheet"):
            href = values.get("href") or ""
            if url_scheme(href) is not None:  # the theme links only its own files, relatively
                self.problems.append(f"<link rel={values.get('rel')} href={href!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self._end_script()

    def _end_script(self) -> None:
        assert self._script is not None
        body = "".join(self._script_body).strip()
        kind = (self._script.get("type") or "").lower()
        if kind == "application/ld+json":
            try:
                json.loads(body)
            except ValueError:
                self.problems.append(f"JSON-LD block that does not parse: {body[:80]!r}")
        elif self._script.get("src") is not None:
            if body:
                self.problems.append("<script src> with a body")
        elif body not in self.allowed_scripts:
            self.problems.append(f"inline <script>: {body[:80]!r}")
        self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_body.append(data)
        else:
            self.text.append(data)


@dataclass
class Scan:
    problems: list[str]
    text: dict[str, str]  # by output path: what a reader can see (text and attribute values)


def scan_output(output: Path, theme_dir: Path) -> Scan:
    """Every file of a built site, checked by its type; an unknown type is itself a problem."""
    allowed = theme_inline_scripts(theme_dir / "templates")
    static = {p.read_bytes() for p in (theme_dir / "static").rglob("*") if p.is_file()}
    problems: list[str] = []
    text: dict[str, str] = {}
    for path in sorted(p for p in output.rglob("*") if p.is_file()):
        rel = path.relative_to(output).as_posix()
        data = path.read_bytes()
        if rel.startswith("files/") or rel.startswith("pagefind/") or rel == ".sitegen-manifest.json":
            continue  # content/files as is (refused when active, see sources.py); the search engine's index
        try:
            found = _check_file(rel, data, output, static, allowed, text)
        except Exception as exc:  # noqa: BLE001 - a file that does not parse is itself the finding
            found = [f"does not parse: {exc!r}"]
        problems += [f"{rel}: {p}" for p in found]
    return Scan(problems, text)


def _check_file(rel: str, data: bytes, output: Path, static: set[bytes], allowed: set[str],
                text: dict[str, str]) -> list[str]:
    if rel.startswith("assets/"):
        return [] if data in static else ["not one of the theme's static files"]
    if rel.endswith(".html"):
        page = _Page(allowed)
        page.feed(data.decode("utf-8"))
        page.close()
        text[rel] = "\n".join(page.text)
        return page.problems
    if rel.endswith(".xml"):
        text[rel] = "\n".join(ET.fromstring(data).itertext())
        return _check_xml(rel, data)
    if rel.endswith(".ics"):
        text[rel] = data.decode("utf-8")
        return _check_ics(data)
    if rel.endswith(".json"):
        text[rel] = data.decode("utf-8")
        return _check_json(data)
    if rel.endswith(".csv"):
        text[rel] = data.decode("utf-8-sig")
        return _check_csv(data, output / (rel[: -len(".csv")] + ".json"))
    if rel == "robots.txt":
        lines = data.decode("utf-8").splitlines()
        known = ("User-agent:", "Allow:", "Disallow:", "Sitemap:")
        return ["an unexpected robots.txt line" for line in lines if line and not line.startswith(known)]
    return ["an output type the hardening scan does not know: teach tests/hardening.py"]


_ATOM = "{http://www.w3.org/2005/Atom}"
_SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _check_xml(rel: str, data: bytes) -> list[str]:
    root = ET.fromstring(data)  # raises on anything that is not well-formed
    found: list[str] = []
    namespace = _ATOM if rel == "feed.xml" else _SITEMAP
    for element in root.iter():
        if not element.tag.startswith(namespace):
            found.append(f"element {element.tag} outside the {namespace} namespace")
        for name, value in element.attrib.items():
            if name.startswith("on"):
                found.append(f"attribute {name}")
            if name == "type" and value not in ("text", "text/html", "application/atom+xml"):
                found.append(f"{element.tag} type={value}: readers would render its markup")
            if name == "href" and url_scheme(value) not in ("http", "https"):
                found.append(f"href={value!r}")
        if element.tag == _SITEMAP + "loc" and url_scheme(element.text or "") not in ("http", "https"):
            found.append(f"loc {element.text!r}")
    return found


_ICS_COMPONENTS = frozenset({"VCALENDAR", "VTIMEZONE", "STANDARD", "DAYLIGHT", "VEVENT"})
_ICS_PROPERTIES = frozenset({
    "PRODID", "VERSION", "CALSCALE", "METHOD", "NAME", "X-WR-CALNAME", "X-WR-TIMEZONE", "REFRESH-INTERVAL",
    "X-PUBLISHED-TTL", "SOURCE", "TZID", "X-LIC-LOCATION", "DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME",
    "UID", "DTSTAMP", "DTEND", "SUMMARY", "LOCATION", "DESCRIPTION", "CATEGORIES", "STATUS", "CLASS", "URL",
})


def _check_ics(data: bytes) -> list[str]:
    found: list[str] = []
    calendar = icalendar.Calendar.from_ical(data)
    for component in calendar.walk():
        if component.name not in _ICS_COMPONENTS:
            found.append(f"component {component.name}")
        found += [f"property {name} in {component.name}" for name in component if name not in _ICS_PROPERTIES]
    # Unfolded, every line is a known property or a BEGIN/END of a known component.
    unfolded = data.decode("utf-8").replace("\r\n ", "").split("\r\n")
    for line in filter(None, unfolded):
        name = re.split(r"[;:]", line, maxsplit=1)[0]
        if name in ("BEGIN", "END"):
            if line.split(":", 1)[1] not in _ICS_COMPONENTS:
                found.append(f"line {line!r}")
        elif name not in _ICS_PROPERTIES:
            found.append(f"line {line[:60]!r}")
    if b"\r" in data.replace(b"\r\n", b"") or b"\n" in data.replace(b"\r\n", b""):
        found.append("a bare CR or LF")
    return found


def _check_json(data: bytes) -> list[str]:
    document = json.loads(data)
    found: list[str] = []
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            found += [f"key {key!r}" for key in value if not re.fullmatch(r"[@A-Za-z_][\w.\-:/]*", key)
                      and not key.startswith("http")]
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _check_csv(data: bytes, sibling_json: Path) -> list[str]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    found: list[str] = []
    items = json.loads(sibling_json.read_bytes())["items"]
    if len(rows) != len(items) + 1:
        found.append(f"{len(rows) - 1} rows for {len(items)} records: a value made a row of its own")
    width = len(rows[0])
    for row in rows:
        if len(row) != width:
            found.append(f"a row of {len(row)} cells, not {width}")
        found += [f"cell {cell[:40]!r} starts like a formula" for cell in row if cell.startswith(FORMULA_STARTS)]
    return found
