"""Record what each page reads while it renders: records and their fields, the site's lists and
indexes, templates, theme strings and the pages its Markdown links resolved to.

A rebuild compares these reads with what changed and re-renders only the pages that read
something different (see incremental.py). Reads are caught where they happen, not declared:
while `tracking()` is active, every attribute read on a record or on the Site is noted for the
page being rendered, whether a template or a Python helper (JSON-LD, commitments…) reads it. A
declared list would drift from the templates; a read that is caught cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import models as m
from .graph import Site

# The classes whose attribute reads are recorded. Nested values (Hours, phones…) are read
# through a record's field, which is recorded and compared as a whole.
RECORD_CLASSES: tuple[type, ...] = (
    m.Department, m.Procedure, m.Leader, m.Session, m.Policy, m.Hall, m.Notice, m.Page,
    m.SiteConfig, m.Asset,
)
SITE = "site"  # the owner name of the Site object's own reads


@dataclass(slots=True)
class PageReads:
    """What one page read. Files map to the fields read of the records written in them."""

    files: dict[str, set[str]] = field(default_factory=dict)
    site: set[str] = field(default_factory=set)  # Site attributes: "procedures", "children" …
    templates: set[str] = field(default_factory=set)
    strings: set[str] = field(default_factory=set)
    links: dict[str, str] = field(default_factory=dict)  # Markdown link target -> site path it resolved to

    def to_json(self, pool: Pool) -> list[Any]:
        """Compact: the names are pooled, as most pages read the same strings, fields and files."""
        return [
            [[pool.add([path]), pool.add(sorted(fields))] for path, fields in sorted(self.files.items())],
            pool.add(sorted(self.site)), pool.add(sorted(self.templates)), pool.add(sorted(self.strings)),
            sorted(self.links.items()),
        ]


class Pool:
    """Lists of names stored once and referred to by position; `items` carries on a pool saved before."""

    def __init__(self, items: list[list[str]] | None = None) -> None:
        self.items: list[list[str]] = list(items or [])
        self._index: dict[tuple[str, ...], int] = {tuple(names): i for i, names in enumerate(self.items)}

    def add(self, names: list[str]) -> int:
        key = tuple(names)
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self.items)
            self.items.append(names)
        return index


def is_record(value: Any) -> bool:
    return isinstance(value, RECORD_CLASSES)


def record_file(record: Any) -> str:
    """The source file a record was written in: the unit in which content changes."""
    if isinstance(record, m.Asset):
        return "content/files/" + record.name
    return str(record.origin.path)


class Recorder:
    """Collects the reads of one page at a time. Raw reads are (object id, attribute) pairs,
    cheap to note on every access; `finish` turns them into files and fields."""

    def __init__(self, site: Site) -> None:
        owners: dict[int, str] = {id(site): SITE, id(site.config): record_file(site.config)}
        for records in (site.departments, site.procedures, site.leaders, site.sessions, site.policies,
                        site.halls, site.notices, site.pages, site.assets):
            for record in records:
                owners[id(record)] = record_file(record)
        self._owners = owners
        self._raw: set[tuple[int, str]] = set()
        self.page = PageReads()

    def start(self) -> None:
        self._raw = set()
        self.page = PageReads()

    def note(self, owner: int, name: str) -> None:
        self._raw.add((owner, name))

    def finish(self) -> PageReads:
        page = self.page
        for owner, name in self._raw:
            where = self._owners.get(owner)
            if where is None:
                continue  # a record of another build, or a nested value: read through a field
            if where == SITE:
                page.site.add(name)
            elif name.startswith("__"):
                page.files.setdefault(where, set())  # its type or identity: it must still exist
            else:
                page.files.setdefault(where, set()).add(name)
        self._raw = set()
        return page


_recorder: Recorder | None = None


def current() -> Recorder | None:
    """The recorder of the page being rendered in this process, if reads are being tracked."""
    return _recorder


def _reading(self: Any, name: str) -> Any:
    recorder = _recorder
    if recorder is not None:
        recorder.note(id(self), name)
    return object.__getattribute__(self, name)


@contextmanager
def tracking(site: Site) -> Iterator[Recorder]:
    """Record attribute reads on records and on the Site for as long as the block runs.

    The hook is installed on the classes (records are frozen, slotted dataclasses and cannot
    carry it themselves) and removed afterwards, so that nothing else pays for it. Forked
    render workers inherit it with the rest of the process.
    """
    global _recorder
    recorder = Recorder(site)
    classes = (*RECORD_CLASSES, Site)
    for cls in classes:
        cls.__getattribute__ = _reading  # type: ignore[method-assign,assignment]
    _recorder = recorder
    try:
        yield recorder
    finally:
        _recorder = None
        for cls in classes:
            del cls.__getattribute__
