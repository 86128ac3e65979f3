"""What the last build into an output was made from and what it reported — and the shortcut that
answers an unchanged site without loading the build.

Two fingerprints can tell that a build would change nothing:
- `inputs` (build.py): the digests of every source file, the theme and the options. Reading
  every source for it costs about half a second at 10,000 pages.
- `snapshot` (here): the name, type, size, mtime, ctime and inode of every entry under content/
  and the theme, with the same options: a stat per file and nothing read. `sitegen build` checks
  it first (cli.py) and, when it matches, replays the last report without importing the build.

A snapshot is kept only when every entry in it is older than two seconds: an edit in the same
clock tick as the snapshot could leave a file's stat as it was (git's "racy" index entries). A
fresh checkout changes every ctime, so in CI the snapshot misses and `inputs` decides.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
import stat
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .diagnostics import from_dict, sorted_diagnostics
from .options import BuildOptions, BuildReport, resolve_build_date
from .write import manifest_digest

SCHEMA = f"sitegen-cache-8/{__version__}"
# The libraries whose work is in the output, besides sitegen's own code: records (PyYAML), pages
# (Jinja, MarkupSafe), bodies (markdown-it-py, its plugins, markdown-it-pyrs), QR codes (segno),
# calendars (icalendar). An upgrade of one may change what sitegen makes, as a new sitegen would.
SHAPING = ("pyyaml", "jinja2", "markupsafe", "markdown-it-py", "mdit-py-plugins", "markdown-it-pyrs", "segno",
           "icalendar")
DATABASE = "cache.sqlite"
SETTLED_NS = 2_000_000_000  # entries younger than this at snapshot time make the snapshot untrusted


@dataclass(frozen=True, slots=True)
class LastBuild:
    """What the previous build into an output was made from, and what it reported."""

    inputs: str  # fingerprint of every input (build.py)
    manifest: str  # digest of the output's manifest file
    summary: dict[str, Any]  # pages, files, diagnostics (as JSON)
    snapshot: str | None = None  # stat fingerprint of the inputs, None when it could not be trusted

    def to_json(self) -> str:
        return json.dumps({"inputs": self.inputs, "manifest": self.manifest, "summary": self.summary,
                           "snapshot": self.snapshot}, ensure_ascii=False, sort_keys=True)

    @staticmethod
    def from_json(value: str) -> LastBuild | None:
        try:
            data = json.loads(value)
            snapshot = data.get("snapshot")
            return LastBuild(str(data["inputs"]), str(data["manifest"]), dict(data["summary"]),
                             snapshot if isinstance(snapshot, str) else None)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def report(self, timings: tuple[tuple[str, float], ...]) -> BuildReport:
        """The last build's report again, as a build that changed nothing."""
        try:
            diagnostics = [from_dict(item) for item in self.summary["diagnostics"]]
            pages, files = int(self.summary["pages"]), int(self.summary["files"])
        except (KeyError, TypeError, ValueError):
            diagnostics, pages, files = [], 0, 0
        return BuildReport(tuple(sorted_diagnostics(diagnostics)), pages, 0, files, timings)


def output_key(output: Path, cache_dir: Path | None) -> str:
    """What the cache knows an output by: its path from the cache's folder. So `output`, `./output`
    and `/srv/site/output` are one output, whatever the working directory; and a checkout moved
    whole, with its cache and output inside (a CI runner that clones each job into another
    folder, and restores both there), still finds its last build. Nothing is kept on the word of
    the key alone: every use checks the output's manifest against the one the cache recorded."""
    if cache_dir is None:  # serve's memory
        return os.path.abspath(output)
    try:
        return os.path.relpath(os.path.abspath(output), os.path.abspath(cache_dir))
    except ValueError:  # another drive (Windows)
        return os.path.abspath(output)


def meta_key(output: Path, cache_dir: Path | None) -> str:
    return f"last:{output_key(output, cache_dir)}"


@functools.cache
def schema() -> str:
    """What the cache's contents were made by: this sitegen, the Python and the versions of the
    libraries in SHAPING. A cache made by another is not used (records, bodies, what pages read,
    the last build): after `pip install --upgrade jinja2`, the pages are rendered again."""
    from importlib import metadata  # 20-40 ms, once a command

    parts = [SCHEMA, f"python {sys.version_info.major}.{sys.version_info.minor}"]
    for name in SHAPING:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} -")
    return "; ".join(parts)


def schema_change(found: str) -> str:
    """How the maker of a cache differs from this one, for the warning: "jinja2 3.1.4 → 3.1.6"."""
    old, new = found.split("; "), schema().split("; ")
    if old[0] != new[0]:
        return f"{old[0]} → {new[0]}"
    before = dict(part.rpartition(" ")[::2] for part in old[1:])
    after = dict(part.rpartition(" ")[::2] for part in new[1:])
    return "，".join(f"{name} {before.get(name, '-')} → {version}"
                    for name, version in after.items() if before.get(name) != version) or found


@functools.cache
def indexer() -> str:
    """Which Pagefind indexes the site: part of the build's fingerprint, so an upgrade reindexes."""
    from importlib import metadata  # 20 ms: only for builds with a search index

    try:
        return "pagefind " + metadata.version("pagefind")
    except metadata.PackageNotFoundError:
        return "pagefind missing"


def snapshot(options: BuildOptions, theme: Path) -> str | None:
    """The stat fingerprint of a build's inputs: every entry under content/ and the theme, and
    the options that shape the output. None when an entry is too fresh to be trusted, or is a
    symbolic link (whose target's changes its own stat would not show)."""
    started = time.time_ns()
    digest = hashlib.sha256()
    for part in _option_parts(options):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    try:
        for root in (options.site_dir / "content", theme):
            digest.update(f"{root.absolute()}\0".encode("utf-8", "surrogateescape"))
            for path, st in _entries(str(root)):
                if stat.S_ISDIR(st.st_mode):  # its listing is what counts; its mtime also moves with hidden files
                    digest.update(f"{path}\0/\n".encode("utf-8", "surrogateescape"))
                    continue
                if stat.S_ISLNK(st.st_mode) or max(st.st_mtime_ns, st.st_ctime_ns) > started - SETTLED_NS:
                    return None
                digest.update(f"{path}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0"
                              f"{st.st_ino}\n".encode("utf-8", "surrogateescape"))
    except OSError:  # unreadable, or changing under our feet: the build will tell
        return None
    return digest.hexdigest()


def replay(options: BuildOptions, theme: Path) -> BuildReport | None:
    """The last build's report, when nothing it was made from has changed since (by stat) and its
    output is still as it left it; None when the build has to run."""
    started = time.perf_counter()
    if not options.write or options.cache_dir is None or options.memory is not None:
        return None
    last = _read_last(options.cache_dir, options.output)
    if last is None or last.snapshot is None or manifest_digest(options.output) != last.manifest:
        return None
    if (options.snapshot or snapshot(options, theme)) != last.snapshot:
        return None
    return last.report((("unchanged", time.perf_counter() - started),))


def _option_parts(options: BuildOptions) -> Iterable[str]:
    yield schema()
    yield resolve_build_date(options.build_date).isoformat()
    yield options.base_url or ""
    yield str(options.strict)
    yield options.extra_head
    yield "search: " + (indexer() if options.search else "off")


def _entries(root: str) -> Iterator[tuple[str, os.stat_result]]:
    """Every entry under root but hidden ones (the build skips them too), sorted, with its lstat."""
    with os.scandir(root) as scan:
        entries = sorted((e for e in scan if not e.name.startswith(".")), key=lambda e: e.name)
    for entry in entries:
        st = entry.stat(follow_symlinks=False)
        yield entry.path, st
        if stat.S_ISDIR(st.st_mode):
            yield from _entries(entry.path)


def _read_last(cache_dir: Path, output: Path) -> LastBuild | None:
    """The last build into output from the cache file, read only; None on any doubt."""
    database, key = cache_dir / DATABASE, meta_key(output, cache_dir)
    try:
        if not database.is_file():
            return None
        db = sqlite3.connect(f"{database.absolute().as_uri()}?mode=ro", uri=True)
        try:
            rows = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('schema', ?)", (key,)))
        finally:
            db.close()
    except (sqlite3.Error, OSError):  # unreadable: the build will say why, if it matters
        return None
    if rows.get("schema") != schema() or key not in rows:
        return None
    return LastBuild.from_json(str(rows[key]))
