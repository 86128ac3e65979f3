"""HTTP for the preview: the built files under pretty URLs, the theme's 404 page, the error page
while the site does not build, and the live-reload script and event stream. GET and HEAD only."""

from __future__ import annotations

import mimetypes
import os
import shutil
import socket
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs

from .errorpage import error_page
from .live import EVENTS_PATH, RELOAD_JS, SCRIPT_PATH, Preview, Status, reload_tag
from .paths import BadRequest, Found, NotFound, Redirect, resolve, split_target

KEEPALIVE = 15.0  # seconds between comments on an idle event stream: finds clients that left

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".woff2": "font/woff2",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
}
HTML = CONTENT_TYPES[".html"]


def content_type(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    known = CONTENT_TYPES.get(suffix)
    if known:
        return known
    guessed, _ = mimetypes.guess_type(name, strict=False)
    if guessed is None:
        return "application/octet-stream"
    return guessed + "; charset=utf-8" if guessed.startswith("text/") else guessed


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream never holds up Ctrl-C

    def __init__(self, host: str, port: int, root: Path, preview: Preview) -> None:
        self.root = root
        self.preview = preview
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # the browser closed the tab or the connection mid-response: nothing to report
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "sitegen-serve"
    protocol_version = "HTTP/1.0"  # one request per connection: simple, and enough for a preview

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        """Editors read the rebuild lines; a line per request would bury them."""

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _not_allowed(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, "预览服务器只接受 GET 和 HEAD 请求\n".encode(),
                   CONTENT_TYPES[".txt"], with_body=True, extra={"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    def _answer(self, with_body: bool) -> None:
        try:
            self._route(self.server.preview.status, with_body)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _route(self, status: Status, with_body: bool) -> None:
        path, query = split_target(self.path)
        if path == SCRIPT_PATH:
            self._send(HTTPStatus.OK, RELOAD_JS.encode(), CONTENT_TYPES[".js"], with_body)
            return
        if path == EVENTS_PATH:
            self._events(query, status, with_body)
            return
        result = resolve(self.path, self.server.root, status.base_path)
        if isinstance(result, BadRequest):
            self._send(HTTPStatus.BAD_REQUEST, f"错误的请求：{result.reason}\n".encode(),
                       CONTENT_TYPES[".txt"], with_body)
        elif isinstance(result, Redirect):
            code = HTTPStatus.MOVED_PERMANENTLY if result.permanent else HTTPStatus.FOUND
            self._send(code, b"", CONTENT_TYPES[".txt"], with_body, extra={"Location": result.location})
        elif status.failed and (isinstance(result, NotFound) or content_type(result.path.name) == HTML):
            page = error_page(status.problems, status.fatal, reload_tag(status.token))
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, page, HTML, with_body)
        elif isinstance(result, Found):
            self._send_file(result.path, HTTPStatus.OK, status, with_body)
        else:
            self._not_found(status, with_body)

    def _not_found(self, status: Status, with_body: bool) -> None:
        page = resolve(status.base_path + "404.html", self.server.root, status.base_path)
        if isinstance(page, Found):
            self._send_file(page.path, HTTPStatus.NOT_FOUND, status, with_body)
        else:
            self._send(HTTPStatus.NOT_FOUND, "页面未找到\n".encode(), CONTENT_TYPES[".txt"], with_body)

    def _send_file(self, path: Path, code: HTTPStatus, status: Status, with_body: bool) -> None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:  # swapped away by a rebuild between resolving and opening
            self._send(HTTPStatus.NOT_FOUND, "页面未找到\n".encode(), CONTENT_TYPES[".txt"], with_body)
            return
        with os.fdopen(fd, "rb") as handle:
            kind = content_type(path.name)
            if kind == HTML:
                self._send(code, _with_reload(handle.read(), status.token), kind, with_body)
                return
            self._send_stream(code, handle, os.fstat(fd).st_size, kind, with_body)

    def _send_stream(self, code: HTTPStatus, handle: BinaryIO, size: int, kind: str, with_body: bool) -> None:
        self._headers(code, kind, size, {})
        if with_body:
            shutil.copyfileobj(handle, self.wfile, 64 * 1024)

    def _send(self, code: HTTPStatus, data: bytes, kind: str, with_body: bool,
              extra: dict[str, str] | None = None) -> None:
        self._headers(code, kind, len(data), extra or {})
        if with_body:
            self.wfile.write(data)

    def _headers(self, code: HTTPStatus, kind: str, size: int, extra: dict[str, str]) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(size))
        self.send_header("Cache-Control", "no-store")  # a preview is always the latest save
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()

    def _events(self, query: str, status: Status, with_body: bool) -> None:
        """Server-Sent Events: `reload` after every build that finished since the page's own."""
        since = parse_qs(query.lstrip("?")).get("since", [status.token])[0]
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not with_body:
            return
        self.wfile.write(b"retry: 1000\n\n")
        while True:
            token = self.server.preview.wait(since, KEEPALIVE)
            if token is None:
                return  # the server is stopping
            if token != since:
                self.wfile.write(f"event: reload\ndata: {token}\n\n".encode())
                since = token
            else:
                self.wfile.write(b": keep-alive\n\n")


def _with_reload(html: bytes, token: str) -> bytes:
    """The page with the live-reload script before `</head>`; pages without a head stay as they are."""
    at = html.find(b"</head>")
    return html if at < 0 else html[:at] + reload_tag(token) + b"\n" + html[at:]
