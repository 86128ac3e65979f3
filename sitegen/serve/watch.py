"""Watch a site's sources and hand over each batch of changes once saving has gone quiet."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

QUIET = 0.05  # seconds without a change before a rebuild: one save of ten files is one rebuild

# Reading files while building opens and closes them; only these mean a source changed.
_CHANGES = frozenset({"created", "deleted", "modified", "moved", "closed"})
# Editors' swap, backup and temporary files; sources ignores hidden files too.
_SCRATCH_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload")


class Changes:
    """Changed paths, collected from the watcher's thread and taken in quiet batches by the builder."""

    def __init__(self, quiet: float = QUIET) -> None:
        self.quiet = quiet
        self._paths: set[str] = set()
        self._last = 0.0
        self._arrived = threading.Condition()

    def add(self, path: str) -> None:
        with self._arrived:
            self._paths.add(path)
            self._last = time.monotonic()
            self._arrived.notify_all()

    def next_batch(self, timeout: float) -> frozenset[str]:
        """The paths changed since the last batch, once none changed for `quiet` seconds;
        empty if nothing changed within `timeout`."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                now = time.monotonic()
                if self._paths:
                    left = self._last + self.quiet - now
                    if left <= 0:
                        batch = frozenset(self._paths)
                        self._paths.clear()
                        return batch
                    self._arrived.wait(left)
                elif now >= deadline:
                    return frozenset()
                else:
                    self._arrived.wait(deadline - now)


def watched_folders(site_dir: Path) -> list[Path]:
    """content/ (site.yaml lives there) and the site's own themes/, if it has one."""
    return [folder for folder in (site_dir / "content", site_dir / "themes") if folder.is_dir()]


def start_watching(site_dir: Path, changes: Changes) -> BaseObserver:
    """Watch with the system's notifications, or by polling where they run out (inotify's limit
    on watched folders) or do not exist."""
    site_dir = site_dir.absolute()
    handler = _Handler(changes, site_dir)
    try:
        return _started(Observer(), handler, site_dir)
    except OSError:
        return _started(PollingObserver(timeout=0.5), handler, site_dir)


def _started(observer: BaseObserver, handler: FileSystemEventHandler, site_dir: Path) -> BaseObserver:
    for folder in watched_folders(site_dir):
        observer.schedule(handler, str(folder), recursive=True)
    observer.daemon = True
    observer.start()
    return observer


def is_scratch(relative: str) -> bool:
    """An editor's temporary file, or anything in a hidden folder: never a source."""
    parts = Path(relative).parts
    if not parts:
        return True
    name = parts[-1]
    if name.endswith(_SCRATCH_SUFFIXES) or name == "4913":  # 4913: vim's probe before writing
        return True
    return any(part.startswith(".") for part in parts)


class _Handler(FileSystemEventHandler):
    def __init__(self, changes: Changes, site_dir: Path) -> None:
        self._changes = changes
        self._site_dir = site_dir

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGES or (event.is_directory and event.event_type == "modified"):
            return
        for raw in (event.src_path, event.dest_path):
            path = os.fsdecode(raw)
            if path and not is_scratch(os.path.relpath(path, self._site_dir)):
                self._changes.add(path)
