"""Decide which pages a rebuild must render: those that read something that changed since the
last successful build into the same output. Every other page keeps its file from that build.

The last build left a State: the digest of each source file, a signature of each of the
site's lists and indexes, each template and theme string, and what every page read (deps.py).
A page is rendered again when it is new, when its route changed, or when anything it read
differs now: a field of a record it read, a list it went through, a template, a string, or the
page one of its Markdown links resolves to. Anything that touches every page (the theme's
static files, the build date, options, sitegen itself) is in `inputs`, and renders them all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from .deps import RECORD_CLASSES, PageReads, Pool, record_file
from .graph import Site
from .routes import Plan, Route
from .theme import Theme

ALL = frozenset({"*"})  # every field changed (or the file is gone)
# Lookups by slug (site.department(slug) …) depend on the record they find, which is tracked
# itself; the index as a whole is no dependency, or adding any record would touch every page.
_UNTRACKED_SITE = frozenset({"by_slug"})


@dataclass(frozen=True, slots=True)
class PageState:
    route: str  # the route's signature: template, title, what it shows
    reads: PageReads


@dataclass(frozen=True, slots=True)
class State:
    """What the last successful build into an output was made from, and what each page read."""

    inputs: str  # fingerprint of what every page depends on
    manifest: str  # digest of the output's manifest when this state was saved
    files: dict[str, str]  # source file -> digest
    site: dict[str, str]  # Site attribute -> signature
    templates: dict[str, str]  # template name -> digest
    strings: dict[str, str]  # theme string key -> value
    pages: dict[str, PageState]  # route output path -> state

    def to_json(self) -> dict[str, Any]:
        pool = Pool()
        pages = {path: [page.route, page.reads.to_json(pool)] for path, page in sorted(self.pages.items())}
        return {
            "inputs": self.inputs, "manifest": self.manifest, "files": self.files, "site": self.site,
            "templates": self.templates, "strings": self.strings, "pool": pool.items, "pages": pages,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        pool = [[str(name) for name in names] for names in data["pool"]]
        return cls(
            inputs=str(data["inputs"]), manifest=str(data["manifest"]),
            files={str(k): str(v) for k, v in data["files"].items()},
            site={str(k): str(v) for k, v in data["site"].items()},
            templates={str(k): str(v) for k, v in data["templates"].items()},
            strings={str(k): str(v) for k, v in data["strings"].items()},
            pages={str(path): PageState(str(route), PageReads.from_json(reads, pool))
                   for path, (route, reads) in data["pages"].items()},
        )


@dataclass(frozen=True, slots=True)
class Now:
    """The same facts about the build being made, to compare with a State."""

    inputs: str
    files: dict[str, str]
    site: dict[str, str]
    templates: dict[str, str]
    strings: dict[str, str]
    routes: dict[str, str]  # output path -> route signature


def now(inputs: str, files: Mapping[str, str], site: Site, extra: Mapping[str, Any], theme: Theme,
        plan: Plan) -> Now:
    """`extra`: values templates see beside the site (the open data file list), by name."""
    signatures = {name: signature(getattr(site, name)) for name in _site_fields(site)}
    signatures.update({name: signature(value) for name, value in extra.items()})
    return Now(
        inputs=inputs,
        files=dict(files),
        site=signatures,
        templates={name: _digest(text) for name, text in theme.templates.items()},
        strings=dict(theme.strings),
        routes={route.output: route_signature(route) for route in plan.routes},
    )


def stale(previous: State, current: Now, changed: Mapping[str, frozenset[str]],
          resolve: Callable[[str], str | None]) -> set[str]:
    """The output paths of the pages to render: every page whose reads changed, and new pages.

    `changed`: source file -> the record fields that differ (ALL when unknown or deleted);
    `resolve` gives the site path of a Markdown link target, as rendering would.
    """
    if previous.inputs != current.inputs:
        return set(current.routes)
    site = _changed_keys(previous.site, current.site)
    templates = _changed_keys(previous.templates, current.templates)
    strings = _changed_keys(previous.strings, current.strings)
    render: set[str] = set()
    for output, route in current.routes.items():
        page = previous.pages.get(output)
        if page is None or page.route != route or _reads_changed(page.reads, site, templates, strings, changed):
            render.add(output)
            continue
        if any((resolve(target) or "") != path for target, path in page.reads.links.items()):
            render.add(output)
    return render


def _reads_changed(reads: PageReads, site: set[str], templates: set[str], strings: set[str],
                   changed: Mapping[str, frozenset[str]]) -> bool:
    if not site.isdisjoint(reads.site) or not templates.isdisjoint(reads.templates):
        return True
    if not strings.isdisjoint(reads.strings):
        return True
    for path, fields_read in reads.files.items():
        fields_changed = changed.get(path)
        if fields_changed is not None and (fields_changed is ALL or not fields_changed.isdisjoint(fields_read)):
            return True
    return False


def _changed_keys(before: Mapping[str, str], after: Mapping[str, str]) -> set[str]:
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def changed_files(previous: Mapping[str, str], current: Mapping[str, str],
                  old_records: Callable[[str], Sequence[Any] | None],
                  new_records: Mapping[str, Sequence[Any]]) -> dict[str, frozenset[str]]:
    """Source file -> the fields of its records that differ between the two builds.

    `old_records(path)`: the records the file held at the last build, if still known; without
    them, or when the number of records changed, every field counts as changed.
    """
    changed: dict[str, frozenset[str]] = {}
    for path, digest in previous.items():
        if current.get(path) == digest:
            continue
        before, after = old_records(path), new_records.get(path)
        if (before is None or after is None or len(before) != len(after)
                or any(type(old) is not type(new) for old, new in zip(before, after, strict=True))):
            changed[path] = ALL
            continue
        differ = {f.name for old, new in zip(before, after, strict=True) for f in fields(old)
                  if getattr(old, f.name) != getattr(new, f.name)}
        changed[path] = frozenset(differ)
    return changed


def records_by_file(records: Iterable[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for record in records:
        grouped.setdefault(record_file(record), []).append(record)
    return grouped


def route_signature(route: Route) -> str:
    shown = record_file(route.record) if _is_record(route.record) else signature(route.record)
    return f"{route.template}\0{route.title}\0{shown}"  # the path is the key it is stored under


def signature(value: Any) -> str:
    """A digest of a value's shape: records by the file they come from (their fields are tracked
    one by one), everything else by value. Two lists of the same records in the same order agree."""
    return _digest(repr(_shape(value)))


def _shape(value: Any) -> Any:
    if _is_record(value):
        return ("record", record_file(value), getattr(value, "slug", None) or getattr(value, "id", None))
    if isinstance(value, tuple | list):
        return tuple(_shape(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((str(key), _shape(item)) for key, item in value.items()))
    if isinstance(value, frozenset | set):
        return tuple(sorted(repr(_shape(item)) for item in value))
    return value


def _is_record(value: Any) -> bool:
    return isinstance(value, RECORD_CLASSES)


def _site_fields(site: Site) -> list[str]:
    return [f.name for f in fields(site) if f.name not in _UNTRACKED_SITE]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
