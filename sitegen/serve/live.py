"""What the preview shows right now — the built tree or the last build's problems — and the
token that changes with every build, which the live-reload event stream waits on."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from ..diagnostics import Diagnostic

EVENTS_PATH = "/__sitegen/events"
SCRIPT_PATH = "/__sitegen/reload.js"

# Served only by `sitegen serve`, referenced by a tag it adds to the pages it serves; never
# written into a build. `data-build` is the token of the build the page came from: a page that
# missed a rebuild (or outlived a restarted server) reloads as soon as it connects.
RELOAD_JS = """\
(function () {
  "use strict";
  var script = document.currentScript;
  var since = script ? script.getAttribute("data-build") || "" : "";
  if (!window.EventSource) { return; }
  var events = new EventSource("EVENTS_PATH?since=" + encodeURIComponent(since));
  events.addEventListener("reload", function () {
    events.close();
    window.location.reload();
  });
}());
""".replace("EVENTS_PATH", EVENTS_PATH)


@dataclass(frozen=True, slots=True)
class Status:
    """One build's outcome as the server shows it."""

    token: str
    base_path: str  # "/" or "/zwgk/"
    problems: tuple[Diagnostic, ...]  # everything the build reported
    fatal: str = ""  # a problem with no place in the content (theme, output, a sitegen bug)

    @property
    def failed(self) -> bool:
        return bool(self.fatal) or any(d.is_error for d in self.problems)


def reload_tag(token: str) -> bytes:
    return f'<script src="{SCRIPT_PATH}" data-build="{token}" defer></script>'.encode("ascii")


class Preview:
    """Thread-safe holder of the current Status; event streams wait here for the next build."""

    def __init__(self) -> None:
        self._boot = secrets.token_hex(4)  # a restarted server's tokens never match old pages
        self._builds = 0
        self._closing = False
        self._changed = threading.Condition()
        self._status = Status(self._token(), "/", (), "")

    def _token(self) -> str:
        return f"{self._boot}-{self._builds}"

    @property
    def status(self) -> Status:
        with self._changed:
            return self._status

    def publish(self, problems: tuple[Diagnostic, ...], fatal: str, base_path: str | None,
                reload: bool = True) -> Status:
        """Record a finished build and wake every waiting event stream; without `reload`, the pages
        open keep their token (the build showed nothing that they do not show already)."""
        with self._changed:
            self._builds += reload
            self._status = Status(self._token(), base_path or self._status.base_path, problems, fatal)
            self._changed.notify_all()
            return self._status

    def wait(self, since: str, timeout: float) -> str | None:
        """The current token once it differs from `since` or `timeout` has passed; None when closing."""
        with self._changed:
            self._changed.wait_for(lambda: self._closing or self._status.token != since, timeout)
            return None if self._closing else self._status.token

    def close(self) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify_all()
