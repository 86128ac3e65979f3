"""Decide which pages a rebuild must render: those that read something that changed since the
last successful build into the same output. Every other page keeps its file from that build.

The last build left a State: the digest of each source file, a signature of each of the
site's lists and indexes, each template and theme string, and what every page read (deps.py).
A page is rendered again when it is new, when its route changed, or when anything it read
differs now: a field of a record it read, a list it went through, a template, a string, or the
page one of its Markdown links resolves to. Anything that touches every page (the theme's
static files, options, sitegen itself) is in `inputs`, and renders them all. The build date is
a field of the Site like any other: a new day renders the pages that read it (see
render.dated_templates for the `build_date` template global).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from types import FunctionType
from typing import Any

from .deps import PageReads, Pool, is_record, record_file
from .graph import Site
from .routes import Plan, Route
from .theme import Theme

ALL = frozenset({"*"})  # every field changed (or the file is gone)
# Lookups by slug (site.department(slug) …) depend on the record they find, which is tracked
# itself; the index as a whole is no dependency, or adding any record would touch every page.
_UNTRACKED_SITE = frozenset({"by_slug"})
# The open data files are tracked like a page under this name: made again only when what they
# read changed (encoding 10,000 procedures as JSON and CSV takes half a second).
OPEN_DATA = "@open-data"
# The reception calendars likewise (icalendar alone takes 50 ms to import).
CALENDARS = "@calendars"


Pooled = list[Any]  # a page's reads as PageReads.to_json gives them: names by position in a pool


@dataclass(frozen=True, slots=True)
class PageState:
    route: str  # the route's signature: template, title, what it shows
    reads: Pooled


@dataclass(frozen=True, slots=True)
class State:
    """What the last successful build into an output was made from, and what each page read.

    Reads stay in their pooled form: deciding what is stale looks each pooled name list up
    once, and the pages kept by a rebuild are not saved again (the cache keeps a row per page
    and rewrites the rows of the pages rendered). The pool only grows between full renders (a
    change to the theme's static files, the options or sitegen renders every page, and starts a
    new pool); it grows by the name lists no page had before."""

    inputs: str  # fingerprint of what every page depends on
    manifest: str  # digest of the output's manifest when this state was saved
    files: dict[str, str]  # source file -> digest
    site: dict[str, str]  # Site attribute -> signature
    templates: dict[str, str]  # template name -> digest
    strings: dict[str, str]  # theme string key -> value
    pool: list[list[str]]  # the name lists pages refer to by position
    pages: dict[str, PageState]  # route output path (or OPEN_DATA, CALENDARS) -> state
    data_files: list[dict[str, Any]]  # the open data files as the /data/ page lists them (DataFile.to_json)

    def to_json(self) -> dict[str, Any]:
        """Everything but the pages, which the cache keeps one row each (see cache.Store.save_state)."""
        return {
            "inputs": self.inputs, "manifest": self.manifest, "files": self.files, "site": self.site,
            "templates": self.templates, "strings": self.strings, "pool": self.pool,
            "data_files": self.data_files,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], pages: dict[str, PageState]) -> State:
        pool = data["pool"]
        if not isinstance(pool, list) or not all(type(names) is list for names in pool):
            raise ValueError("the pool must be a list of name lists")
        return cls(
            inputs=str(data["inputs"]), manifest=str(data["manifest"]),
            files={str(k): str(v) for k, v in data["files"].items()},
            site={str(k): str(v) for k, v in data["site"].items()},
            templates={str(k): str(v) for k, v in data["templates"].items()},
            strings={str(k): str(v) for k, v in data["strings"].items()},
            pool=pool,
            pages=pages,
            data_files=list(data["data_files"]),
        )


def remember(previous: State | None, current: Now, manifest: str, rendered: Mapping[str, PageReads],
             data_files: list[dict[str, Any]]) -> State:
    """The state after a build: the pages it rendered with what they read now, and the pages it
    kept with what they read when they were rendered — the very PageState objects of `previous`,
    so that the cache rewrites only the rows of the others. The open data and the calendars are
    two of them (OPEN_DATA, CALENDARS)."""
    full = previous is None or all(path in rendered for path in current.routes)
    pool = Pool([] if full or previous is None else previous.pool)
    pages: dict[str, PageState] = {}
    for path, route in sorted(current.routes.items()):
        reads = rendered.get(path)
        if reads is not None:
            pages[path] = PageState(route, reads.to_json(pool))
        elif previous is not None and path in previous.pages:
            pages[path] = previous.pages[path]
    return State(current.inputs, manifest, current.files, current.site, current.templates, current.strings,
                 pool.items, pages, data_files)


@dataclass(frozen=True, slots=True)
class Now:
    """The same facts about the build being made, to compare with a State."""

    inputs: str
    files: dict[str, str]
    site: dict[str, str]
    templates: dict[str, str]
    strings: dict[str, str]
    routes: dict[str, str]  # output path (or OPEN_DATA, CALENDARS) -> route signature

    def seeing(self, name: str, value: Any) -> Now:
        """The same, with a value templates see beside the site (the open data file list)."""
        return replace(self, site={**self.site, name: signature(value)})


def now(inputs: str, files: Mapping[str, str], site: Site, theme: Theme, plan: Plan) -> Now:
    signatures = {name: signature(getattr(site, name)) for name in _site_fields(site)}
    routes = {route.output: route_signature(route) for route in plan.routes}
    routes[OPEN_DATA] = "open data"
    routes[CALENDARS] = "calendars"
    return Now(
        inputs=inputs,
        files=dict(files),
        site=signatures,
        templates={name: _digest(text) for name, text in theme.templates.items()},
        strings=dict(theme.strings),
        routes=routes,
    )


def stale(previous: State, current: Now, changed: Mapping[str, frozenset[str]],
          resolve: Callable[[str], str | None], only: Iterable[str] | None = None) -> set[str]:
    """The output paths of the pages to render: every page whose reads changed, and new pages.

    `changed`: source file -> the record fields that differ (ALL when unknown or deleted);
    `resolve` gives the site path of a Markdown link target, as rendering would. A state whose
    reads do not fit its pool (a damaged cache) renders every page. `only`: these paths alone.
    """
    routes = current.routes if only is None else {path: current.routes[path] for path in only}
    if previous.inputs != current.inputs:
        return set(routes)
    touched = _Touched(previous.pool, _changed_keys(previous.site, current.site),
                       _changed_keys(previous.templates, current.templates),
                       _changed_keys(previous.strings, current.strings), changed, resolve)
    render: set[str] = set()
    try:
        for output, route in routes.items():
            page = previous.pages.get(output)
            if page is None or page.route != route or touched.reads(page.reads):
                render.add(output)
    except (IndexError, TypeError, ValueError, KeyError):
        return set(routes)
    return render


class _Touched:
    """Whether a page's pooled reads meet what changed. Pages share their name lists, so each
    list is compared with the changes once, not once per page."""

    def __init__(self, pool: list[list[str]], site: set[str], templates: set[str], strings: set[str],
                 changed: Mapping[str, frozenset[str]], resolve: Callable[[str], str | None]) -> None:
        self._pool = pool
        # per kind of name: the keys that changed, and pool index -> whether the list meets them
        self._names: tuple[tuple[set[str], dict[int, bool]], ...] = ((site, {}), (templates, {}), (strings, {}))
        self._changed = changed
        self._files: dict[tuple[int, int], bool] = {}
        self._resolve = resolve

    def reads(self, pooled: Pooled) -> bool:
        files, site, templates, strings, links = pooled
        for index, (keys, memo) in zip((site, templates, strings), self._names, strict=True):
            if keys and self._meets(index, keys, memo):
                return True
        if self._changed:
            for path, fields_read in files:
                met = self._files.get((path, fields_read))
                if met is None:
                    met = self._files[(path, fields_read)] = self._file_changed(path, fields_read)
                if met:
                    return True
        return any((self._resolve(target) or "") != url for target, url in links)

    def _meets(self, index: int, keys: set[str], memo: dict[int, bool]) -> bool:
        met = memo.get(index)
        if met is None:
            met = memo[index] = not keys.isdisjoint(self._pool[index])
        return met

    def _file_changed(self, path: int, fields_read: int) -> bool:
        fields_changed = self._changed.get(self._pool[path][0])
        return fields_changed is not None and (
            fields_changed is ALL or not fields_changed.isdisjoint(self._pool[fields_read]))


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
    shown = record_file(route.record) if is_record(route.record) else signature(route.record)
    return f"{route.template}\0{route.title}\0{shown}"  # the path is the key it is stored under


def signature(value: Any) -> str:
    """A digest of a value's shape: records by the file they come from (their fields are tracked
    one by one), everything else by value. Two lists of the same records in the same order agree."""
    return _digest(repr(_shape(value)))


def _shape(value: Any) -> Any:
    if is_record(value):
        return _record_shape(value)
    # The site's lists hold thousands of records, and its sets thousands of slugs: those are
    # shaped here without a call each (the same shapes).
    if isinstance(value, tuple | list):
        return tuple(_record_shape(item) if is_record(item) else _shape(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((str(key), _shape(item)) for key, item in value.items()))
    if isinstance(value, frozenset | set):
        return tuple(sorted(repr(item) if type(item) is str else repr(_shape(item)) for item in value))
    if is_dataclass(value) and not isinstance(value, type):  # a scorecard, a finding: field by field, so
        # that the records inside count by where they come from, not by the repr of every field
        return (type(value).__name__, *(_shape(getattr(value, f.name)) for f in fields(value)))
    if isinstance(value, FunctionType):  # by name: its repr holds its address, another in every process
        return ("function", value.__module__, value.__qualname__)
    return value


def _record_shape(record: Any) -> tuple[str, str, Any]:
    return ("record", record_file(record), getattr(record, "slug", None) or getattr(record, "id", None))


def _site_fields(site: Site) -> list[str]:
    return [f.name for f in fields(site) if f.name not in _UNTRACKED_SITE]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
