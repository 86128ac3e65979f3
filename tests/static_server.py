"""A built output served over real HTTP on 127.0.0.1 (http.server in a thread), as a web server
would serve it: under the base path of base_url, with a strict Content-Security-Policy; and the
system's Chromium to look at it.

    with serving(output, "/zwgk/") as site, chromium_browser() as browser:
        page = browser.new_context(java_script_enabled=False).new_page()
        page.goto(site + "search/")   # site == "http://127.0.0.1:PORT/zwgk/"
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.browser import CHROMIUM, CHROMIUM_ARGS

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# The policy a production server sends (no 'unsafe-inline' anywhere). Pagefind compiles
# WebAssembly, which needs 'wasm-unsafe-eval', and runs in a worker from /pagefind/ ('self').
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class _Handler(http.server.SimpleHTTPRequestHandler):
    base_path = "/"

    def __init__(self, *args: Any, base_path: str, **kwargs: Any) -> None:
        self.base_path = base_path
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.base_path):
            return str(Path(self.directory) / "no such file")  # outside the base path: 404
        return super().translate_path("/" + path[len(self.base_path):])

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def serving(root: Path, base_path: str = "/") -> Iterator[str]:
    """Serve `root` at http://127.0.0.1:PORT{base_path}; yields that URL."""
    handler = functools.partial(_Handler, directory=str(root), base_path=base_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{base_path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def chromium_browser() -> Iterator[Browser]:
    """Debian's Chromium (tests/browser.py) as a Playwright Browser, from which a test opens
    contexts of its own: with or without JavaScript, at any viewport."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), headless=True)
        try:
            yield browser
        finally:
            browser.close()
