"""What a build with a cache keeps from the last build into the same output: the pages, the open
data files and the reception calendars that read nothing that changed since (incremental.py
decides). Kept files are taken from the published tree as they are, so their bytes and mtimes
stay."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from . import incremental
from .artifacts import Copy, Output
from .cache import Store
from .deps import PageReads, tracking
from .graph import Site
from .outputs.opendata import DataFile, OpenData, open_data
from .parallel import Done
from .render import DATA_FILES
from .routes import Plan, Route, Urls, calendar_paths
from .sources import file_key
from .theme import Theme
from .validate import Records
from .write import Staging, manifest_digest


@dataclass(frozen=True, slots=True)
class Since:
    """The last build into this output, and what changed since."""

    previous: incremental.State | None  # None: nothing to keep (no state, or another output tree)
    current: incremental.Now
    changed: dict[str, frozenset[str]]  # source file -> the record fields that differ
    staging: Staging
    resolve: Callable[[str], str | None]  # Markdown link target -> site path, as rendering resolves it

    def seeing(self, name: str, value: Any) -> Since:
        return replace(self, current=self.current.seeing(name, value))

    def stale(self, only: Sequence[str] | None = None) -> set[str]:
        if self.previous is None:
            return set(self.current.routes if only is None else only)
        return incremental.stale(self.previous, self.current, self.changed, self.resolve, only)

    def kept(self, path: str) -> Copy | None:
        """The published file at `path`, to carry into the new tree, if the manifest knows it."""
        digest = self.staging.previous.get(path)
        source = f"{self.staging.output}/{path}"  # neither pathlib nor os.path.join: this runs for every page
        return Copy(path, source, 0, digest) if digest is not None and os.path.isfile(source) else None


def since(store: Store, staging: Staging, inputs: str, files: Mapping[str, str], site: Site, theme: Theme,
          plan: Plan, records: Records) -> Since:
    current = incremental.now(inputs, files, site, theme, plan)
    previous = store.state(staging.output)
    if previous is None or previous.manifest != manifest_digest(staging.output):
        return Since(None, current, {}, staging, plan.urls.resolve)  # the output is not the one it describes
    return Since(previous, current, _changed(store, previous, current, records), staging, plan.urls.resolve)


def to_check(store: Store, output: Path, inputs: str, files: Mapping[str, str], site: Site, theme: Theme,
             plan: Plan, records: Records) -> tuple[Sequence[Route], tuple[DataFile, ...]]:
    """The pages `sitegen check` must render: those that read something that changed since the
    last successful build into `output`, and new ones. Every other page rendered without a
    problem from the same inputs then, and would again: rendering is all a page's check is.
    Unlike a build, it needs no output to keep pages from: the reads alone decide. And the
    open data files the /data/ page lists: the last build's, when nothing they read changed."""
    previous = store.state(output)
    if previous is None:
        return plan.routes, open_data(site, plan.urls).files
    current = incremental.now(inputs, files, site, theme, plan)
    changed = _changed(store, previous, current, records)
    data = None
    if not incremental.stale(previous, current, changed, plan.urls.resolve, [incremental.OPEN_DATA]):
        data = _previous_data_files(previous)
    if data is None:
        data = open_data(site, plan.urls).files
    stale = incremental.stale(previous, current.seeing(DATA_FILES, data), changed, plan.urls.resolve)
    return [route for route in plan.routes if route.output in stale], data


def _changed(store: Store, previous: incremental.State, current: incremental.Now,
             records: Records) -> dict[str, frozenset[str]]:
    """Source file -> the record fields that differ since the previous state (see changed_files)."""
    edited = [(path, digest) for path, digest in previous.files.items() if current.files.get(path) != digest]
    cached = store.validated(file_key(path, digest) for path, digest in edited)
    old = {path: hit.records for path, digest in edited if (hit := cached.get(file_key(path, digest)))}
    new = incremental.records_by_file(r for v in records.files.values() for r in v.records)
    return incremental.changed_files(previous.files, current.files, old.get, new)


def data_files(since: Since | None, site: Site, urls: Urls) -> tuple[OpenData, PageReads | None]:
    """The open data: the published files when nothing they read changed, else made again — with
    what they read noted, when there is a cache to keep it in (None: kept, or nowhere to keep it)."""
    kept = _kept_data(since) if since is not None else None
    if kept is not None:
        return kept, None
    return _made(since, site, lambda: open_data(site, urls))


def calendar_files(since: Since | None, site: Site, urls: Urls) -> tuple[Sequence[Output], PageReads | None]:
    """The reception calendars, as data_files gives the open data: kept on a body edit."""
    if since is not None and since.previous is not None and not since.stale([incremental.CALENDARS]):
        kept = _kept(since, calendar_paths(site))
        if kept is not None:
            return kept, None
    # imported when the calendars are made: icalendar takes 50 ms to import
    from .outputs.ics import calendars

    return _made(since, site, lambda: calendars(site, urls))


_T = TypeVar("_T")


def _made(since: Since | None, site: Site, make: Callable[[], _T]) -> tuple[_T, PageReads | None]:
    """What `make` makes, with what it read noted when there is a cache to keep that in."""
    if since is None:
        return make(), None
    with tracking(site) as recorder:
        recorder.start()
        made = make()
        return made, recorder.finish()


def _kept_data(since: Since) -> OpenData | None:
    if since.previous is None or since.stale([incremental.OPEN_DATA]):
        return None
    files = _previous_data_files(since.previous)
    if files is None:
        return None
    copies = _kept(since, (file.path for file in files))
    return None if copies is None else OpenData(tuple(copies), files)


def _previous_data_files(previous: incremental.State) -> tuple[DataFile, ...] | None:
    """The open data files the last build listed, if it listed any and they read back."""
    try:
        return tuple(DataFile.from_json(item) for item in previous.data_files) or None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _kept(since: Since, paths: Iterable[str]) -> list[Copy] | None:
    """The published files at these paths, or None if the last build did not publish them all."""
    copies: list[Copy] = []
    for path in paths:
        copy = since.kept(path)
        if copy is None:
            return None
        copies.append(copy)
    return copies


def stale_pages(since: Since, plan: Plan, unsure: set[str]) -> tuple[Sequence[Route], list[Copy]]:
    """The routes to render, and the files of the pages the published output already has.
    `unsure`: pages a failed in-place build may have overwritten; they are rendered again."""
    if since.previous is None:
        return plan.routes, []
    stale = since.stale() | unsure
    todo: list[Route] = []
    kept: list[Copy] = []
    for route in plan.routes:
        copy = None if route.output in stale else since.kept(route.output)
        if copy is None:
            todo.append(route)
        else:
            kept.append(copy)
    return todo, kept


def remember(store: Store, output: Path, manifest: str, since: Since, done: list[Done],
             data: OpenData, made: Mapping[str, PageReads | None]) -> None:
    """What every page, the open data and the calendars read, for the next build to compare with;
    what was kept keeps what it read when it was made. `manifest`: the digest of the output it
    describes; `made`: OPEN_DATA and CALENDARS -> what they read if they were made again."""
    rendered = {output_path: reads for batch in done for output_path, reads in batch.reads.items()}
    rendered.update((name, reads) for name, reads in made.items() if reads is not None)
    state = incremental.remember(since.previous, since.current, manifest, rendered,
                                 [file.to_json() for file in data.files])
    store.save_state(output, state)
