"""What a build is asked to do, and what it reports. Light on imports: the command line reads
these before it knows whether the build has to run at all (see lastbuild.py)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic
from .values.dates import CHINA

if TYPE_CHECKING:
    from .cache import Memory


class UsageError(Exception):
    """How sitegen was called or set up is wrong (theme, output folder, scaffold, deploy): exit 2."""


@dataclass(frozen=True, slots=True)
class BuildOptions:
    site_dir: Path
    output: Path
    base_url: str | None = None
    strict: bool = False
    build_date: dt.date | None = None  # None: SOURCE_DATE_EPOCH, else today in China
    write: bool = True  # False for `sitegen check`
    jobs: int = 0  # worker processes; 0: one per available core
    cache_dir: Path | None = None  # None: no cache
    extra_head: str = ""  # markup added before </head> of every page (serve's live reload)
    search: bool = True  # index the pages into /pagefind/ (False: --no-search; check never indexes)
    # serve's cache, kept in the process between rebuilds; with it, the output (serve's private
    # folder) is written in place rather than swapped in, and pages a failed build wrote are tracked
    memory: Memory | None = None
    # The stat snapshot of the inputs (lastbuild.snapshot), when the command took it already,
    # before anything was read; None: the build takes it itself.
    snapshot: str | None = None
    # With memory: the only paths (relative to site_dir, "content/a/b.md") that changed since the
    # last build into it, as serve's file watcher saw them; None: any may have.
    changed: frozenset[str] | None = None
    # serve: called with the pages of the changed files once they are written, and the build's
    # problems so far (none fatal), before the rest of the build renders them again with the others
    early: Callable[[tuple[str, ...], tuple[Diagnostic, ...]], None] | None = None


@dataclass(frozen=True, slots=True)
class BuildReport:
    diagnostics: tuple[Diagnostic, ...]
    pages: int = 0
    written: int = 0
    unchanged: int = 0
    timings: tuple[tuple[str, float], ...] = ()
    rendered: tuple[str, ...] = ()  # output paths of the pages rendered (the others were kept)
    remade: tuple[str, ...] = ()  # output paths of the open data files and calendars made again (the others were kept)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

    @property
    def seconds(self) -> float:
        return sum(seconds for _, seconds in self.timings)


def resolve_build_date(explicit: dt.date | None) -> dt.date:
    """The date pages are built for: explicit, else SOURCE_DATE_EPOCH, else today in China."""
    if explicit is not None:
        return explicit
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), CHINA).date()
    return dt.datetime.now(CHINA).date()
