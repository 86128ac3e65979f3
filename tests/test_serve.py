"""`sitegen serve` as an editor uses it: a real server process, real HTTP, raw sockets, a real browser."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest

from sitegen.serve import exposure_warning
from sitegen.serve.paths import BadRequest, Found, NotFound, Redirect, resolve
from sitegen.serve.watch import is_scratch
from tests.browser import requires_chromium
from tests.sites import BUILD_DATE, DEPARTMENT, HALL, SITE_YAML, build, run, snapshot, write_site

BUILD_LINE = re.compile(r"^\d\d:\d\d:\d\d (已生成|生成失败)", re.M)

FILES: dict[str, str | bytes] = {
    "content/files/data.json": '{"a": 1}\n',
    "content/files/table.csv": "名称,电话\n办公室,027-87000001\n",
    "content/files/events.ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    "content/files/readme.txt": "说明\n",
    "content/files/big.bin": b"\0" * (8 * 1024 * 1024),
}


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class Served:
    site: Path
    port: int
    log: Path
    scratch: Path  # the server's TMPDIR: its private output lives here

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, path: str, method: str = "GET") -> Response:
        """One request, redirects not followed."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path)
            reply = connection.getresponse()
            return Response(reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read())
        finally:
            connection.close()

    def output(self) -> Path:
        """The private folder the server builds into."""
        (private,) = self.scratch.glob("sitegen-serve-*")
        return private / "site"

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def builds(self) -> int:
        return len(BUILD_LINE.findall(self.text()))

    def wait_for_builds(self, count: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while self.builds() < count:
            assert time.monotonic() < deadline, f"expected {count} builds; log:\n{self.text()}"
            time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(site: Path, workdir: Path, *extra: str) -> tuple[subprocess.Popen[bytes], Served]:
    scratch = workdir / "tmp"
    scratch.mkdir(parents=True)
    served = Served(site, free_port(), workdir / "serve.log", scratch)
    with open(served.log, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "serve", str(site), "--port", str(served.port),
             "--build-date", BUILD_DATE, *extra],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "TMPDIR": str(scratch)},
        )
    return proc, served


def wait_until_ready(proc: subprocess.Popen[bytes], served: Served, timeout: float = 30) -> None:
    """Poll the port until the server answers (it accepts connections once bound and answers
    them once the first build is done)."""
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, f"sitegen serve exited with {proc.returncode}:\n{served.text()}"
        try:
            if served.request("/__sitegen/reload.js").status == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"sitegen serve not ready after {timeout} s:\n{served.text()}"
        time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes]) -> int:
    """Ctrl-C, as an editor stops it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
    return proc.returncode


@contextmanager
def serving(site: Path, workdir: Path, *extra: str) -> Iterator[Served]:
    proc, served = start(site, workdir, *extra)
    try:
        wait_until_ready(proc, served)
        yield served
    except BaseException:
        stop(proc)
        raise
    code = stop(proc)
    log = served.text()
    assert code == 0, log
    assert "Traceback" not in log, log


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server over a site that no test in this module edits."""
    workdir = tmp_path_factory.mktemp("serve")
    site = write_site(workdir / "site", FILES)
    with serving(site, workdir) as server:
        yield server


# --- HTTP: pretty URLs, content types, the 404 page ----------------------------------------


def test_listens_on_loopback_by_default(served: Served) -> None:
    assert f"预览地址：http://127.0.0.1:{served.port}/" in served.text()
    assert "警告：" not in served.text()


def test_pretty_urls(served: Served) -> None:
    home = served.request("/")
    assert home.status == 200 and "示例厅政务公开" in home.text
    moved = served.request("/departments")
    assert moved.status == 301 and moved.headers["location"] == "/departments/"
    assert served.request("/departments?page=2").headers["location"] == "/departments/?page=2"
    assert served.request("/departments/").status == 200
    office = served.request("/departments/office/")
    assert office.status == 200 and "027-87000001" in office.text
    assert served.request("/departments/office/index.html").body == office.body


@pytest.mark.parametrize(("path", "content_type"), [
    ("/", "text/html; charset=utf-8"),
    ("/departments/office/", "text/html; charset=utf-8"),
    ("/sitemap.xml", "application/xml; charset=utf-8"),
    ("/robots.txt", "text/plain; charset=utf-8"),
    ("/files/data.json", "application/json; charset=utf-8"),
    ("/files/table.csv", "text/csv; charset=utf-8"),
    ("/files/events.ics", "text/calendar; charset=utf-8"),
    ("/files/readme.txt", "text/plain; charset=utf-8"),
    ("/__sitegen/reload.js", "text/javascript; charset=utf-8"),
])
def test_content_types(served: Served, path: str, content_type: str) -> None:
    response = served.request(path)
    assert response.status == 200
    assert response.headers["content-type"] == content_type
    assert int(response.headers["content-length"]) == len(response.body)


def test_stylesheet_is_css(served: Served) -> None:
    css = served.request(stylesheet(served, "/departments/office/"))
    assert css.status == 200 and css.headers["content-type"] == "text/css; charset=utf-8"


def links(served: Served, page: str) -> set[str]:
    """Every href and src on a served page, as root-relative URLs."""
    return {urljoin(page, ref) for ref in re.findall(r'(?:href|src)="([^"#]*)"', served.request(page).text)}


def stylesheet(served: Served, page: str) -> str:
    (css,) = [ref for ref in links(served, page) if ref.endswith(".css")]
    return css


@pytest.mark.parametrize("path", ["/nope/", "/nope", "/departments/nope/", "/files/missing.pdf",
                                  "/.sitegen-manifest.json", "/robots.txt/"])
def test_missing_pages_get_the_themes_404(served: Served, path: str) -> None:
    response = served.request(path)
    assert response.status == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "页面未找到" in response.text  # the theme's 404.html, not a stock error page


def test_head_and_other_methods(served: Served) -> None:
    get, head = served.request("/"), served.request("/", "HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["content-length"] == str(len(get.body))
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        refused = served.request("/", method)
        assert refused.status == 405 and refused.headers["allow"] == "GET, HEAD"


def test_reload_script_is_added_when_served_never_built(served: Served, tmp_path: Path) -> None:
    """The private output is exactly what `sitegen build --no-search` writes (the preview builds no
    search index); only the served copy has the script."""
    page = served.request("/departments/office/").text
    assert '<script src="/__sitegen/reload.js" data-build="' in page
    assert build(served.site, "--output", str(tmp_path / "built"), "--no-search").code == 0
    built = snapshot(tmp_path / "built")
    assert snapshot(served.output()) == built
    assert not [name for name, data in built.items() if b"__sitegen" in data]
    assert not (served.site / "output").exists()  # serve never writes the site's output/


# --- safety: no file outside the built site, clients that leave ------------------------------

HOSTILE = [
    b"/../../etc/passwd",
    b"/../../../../../../../../../../etc/passwd",
    b"/%2e%2e/%2e%2e/etc/passwd",
    b"/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    b"/..%2fetc/passwd",
    b"/..%2f..%2f..%2f..%2fetc%2fpasswd",
    b"/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    b"/%2e%2e%5c..%5cetc/passwd",
    b"/..%5c..%5c..%5cetc%5cpasswd",
    b"/..\\..\\etc\\passwd",
    b"//etc/passwd",
    b"///../../etc/passwd",
    b"/etc/passwd",
    b"/departments/../../../../etc/passwd",
    b"/departments/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    b"/files/..%2f..%2f..%2f..%2fetc%2fpasswd",
    b"/assets/../../../../etc/passwd",
    b"/.%2e/.%2e/etc/passwd",
    b"/%2e./%2e./%2e./etc/passwd",
    b"/./../etc/passwd",
    b"/%252e%252e/%252e%252e/etc/passwd",
    b"/%25%32%65%25%32%65/etc/passwd",
    b"/etc/passwd%00.html",
    b"/index.html%00/../../../etc/passwd",
    b"/index.html\x00/../../../etc/passwd",
    b"/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    b"/%e0%80%ae%e0%80%ae/etc/passwd",
    b"/\xef\xbc\x8e\xef\xbc\x8e/etc/passwd",
    b"/..;/..;/etc/passwd",
    b"/%2fetc%2fpasswd",
    b"/%5cetc%5cpasswd",
    b"/C:%5cWindows%5cwin.ini",
    b"/proc/self/environ",
    b"/%2e%2e/%2e%2e/proc/self/environ",
    b"http://127.0.0.1/../../etc/passwd",
    b"*",
]

# Planted in the private output while it is served: none may ever be followed.
SYMLINKS = {"escape": "/etc", "passwd.html": "/etc/passwd", "departments/up": "../../../../../../.."}
THROUGH_SYMLINKS = [b"/escape/passwd", b"/escape/", b"/escape", b"/passwd.html", b"/departments/up/etc/passwd"]


def raw_get(port: int, target: bytes) -> tuple[int, bytes]:
    """A request over a bare socket, so that nothing normalises the path on the way."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_hostile_paths_get_nothing_from_outside_the_site(served: Served) -> None:
    assert len(HOSTILE) >= 20
    for target in HOSTILE:
        status, body = raw_get(served.port, target)
        assert status in (400, 404), (target, status)
        assert b"root:" not in body and b"PATH=" not in body, target


def test_symlinks_in_the_served_tree_are_never_followed(served: Served) -> None:
    out = served.output()
    for name, points_to in SYMLINKS.items():
        (out / name).symlink_to(points_to)
    try:
        assert "root:" in (out / "escape" / "passwd").read_text()  # the links do lead out
        for target in THROUGH_SYMLINKS:
            status, body = raw_get(served.port, target)
            assert status == 404, (target, status)
            assert b"root:" not in body, target
    finally:
        for name in SYMLINKS:
            (out / name).unlink()


def test_clients_that_disconnect_mid_response(served: Served) -> None:
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
            sock.sendall(b"GET /files/big.bin HTTP/1.0\r\n\r\n")
            assert sock.recv(1024).startswith(b"HTTP/1.0 200")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, not FIN
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(b"GET /__sitegen/events HTTP/1.0\r\n\r\n")
        assert b"text/event-stream" in sock.recv(1024)
    assert served.request("/").status == 200
    time.sleep(0.2)
    assert "Traceback" not in served.text() and "Error" not in served.text()


def test_resolution_refuses_escapes_and_symlinks(tmp_path: Path) -> None:
    """The resolver itself, on a real tree: classification of each target."""
    root = tmp_path / "site"
    for rel in ("index.html", "departments/index.html", "style.css", ".sitegen-manifest.json"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x")
    (root / "escape").symlink_to("/etc")
    (root / "inner.html").symlink_to(root / "index.html")  # even a link that stays inside
    assert resolve("/", root, "/") == Found(root / "index.html")
    assert resolve("/departments/", root, "/") == Found(root / "departments" / "index.html")
    assert resolve("/departments", root, "/") == Redirect("/departments/", permanent=True)
    assert resolve("/departments?x=1#top", root, "/") == Redirect("/departments/?x=1", permanent=True)
    assert resolve("/style.css", root, "/") == Found(root / "style.css")
    for missing in ("/style.css/", "/escape/passwd", "/escape/", "/inner.html", "/.sitegen-manifest.json",
                    "/nope", "/%252e%252e/etc/passwd"):
        assert resolve(missing, root, "/") == NotFound(), missing
    for bad in ("/../etc/passwd", "/a//b", "/%2e%2e/x", "/.%2e/x", "/a%2fb", "/a%5cb", "/a%00b", "/%ff",
                "relative", "/a\\b", "/a b", "/./x"):
        assert isinstance(resolve(bad, root, "/"), BadRequest), bad
    # published under a path
    assert resolve("/", root, "/zwgk/") == Redirect("/zwgk/", permanent=False)
    assert resolve("/zwgk", root, "/zwgk/") == Redirect("/zwgk/", permanent=True)
    assert resolve("/zwgk/departments/", root, "/zwgk/") == Found(root / "departments" / "index.html")
    assert resolve("/departments/", root, "/zwgk/") == NotFound()
    assert resolve("/zwgk/../etc/passwd", root, "/zwgk/") == BadRequest("请求路径试图离开网站目录")


# --- the server's life: base path, port in use, warnings, Ctrl-C ------------------------------


def test_site_published_under_a_path(tmp_path: Path) -> None:
    site_yaml = SITE_YAML.replace("https://www.example.gov.cn/", "https://www.example.gov.cn/zwgk/")
    site = write_site(tmp_path / "site", {"content/site.yaml": site_yaml})
    with serving(site, tmp_path) as served:
        assert f"预览地址：http://127.0.0.1:{served.port}/zwgk/" in served.text()
        root = served.request("/")
        assert root.status == 302 and root.headers["location"] == "/zwgk/"
        assert served.request("/zwgk").headers["location"] == "/zwgk/"
        assert served.request("/zwgk/departments/").status == 200
        assert "/zwgk/departments/office/" in links(served, "/zwgk/departments/")
        css = stylesheet(served, "/zwgk/departments/")
        assert css.startswith("/zwgk/assets/") and served.request(css).status == 200
        outside = served.request("/departments/")
        assert outside.status == 404 and "页面未找到" in outside.text


def test_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    proc, served = start(site, tmp_path)
    wait_until_ready(proc, served)
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:  # an open event stream
        sock.sendall(b"GET /__sitegen/events HTTP/1.0\r\n\r\n")
        sock.recv(1024)
        assert stop(proc) == 0
    log = served.text()
    assert "已停止预览" in log and "Traceback" not in log
    assert list(served.scratch.iterdir()) == []  # the private output is gone
    assert not (site / "output").exists()


def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    proc, served = start(write_site(tmp_path / "site", {}), tmp_path)
    wait_until_ready(proc, served)
    proc.terminate()
    assert proc.wait(timeout=15) == 0
    assert list(served.scratch.iterdir()) == []


def test_port_in_use_is_a_usage_error(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "sitegen", "serve", str(site), "--port", str(port)],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "已被占用" in result.stderr and "--port" in result.stderr and "Traceback" not in result.stderr


def test_missing_site_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "sitegen", "serve", str(tmp_path / "nowhere")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "content/" in result.stderr


def test_other_hosts_are_warned_about() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert exposure_warning(host) is None, host
    for host in ("0.0.0.0", "::", "192.168.1.10", "preview.example.gov.cn"):
        warning = exposure_warning(host)
        assert warning is not None and warning.startswith("警告") and host in warning


# --- rebuilding on save ----------------------------------------------------------------------


def test_one_save_of_ten_files_is_one_rebuild(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    with serving(site, tmp_path) as served:
        assert served.builds() == 1
        for n in range(10):
            (site / f"content/notices/n{n}.md").write_text(f"---\ntitle: 通知{n}\ndate: 2026-09-2{n}\n---\n正文。\n",
                                                           encoding="utf-8")
        served.wait_for_builds(2)
        time.sleep(1.0)  # reading the sources while building must not count as a change
        assert served.builds() == 2, served.text()
        assert "等 10 个文件" in served.text()
        assert served.request("/notices/n9/").status == 200


def test_bad_edit_shows_every_problem_and_recovers(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    office, hall = site / "content/departments/office.yaml", site / "content/halls/main-hall.yaml"
    with serving(site, tmp_path) as served:
        css = stylesheet(served, "/departments/office/")
        office.write_text(DEPARTMENT.replace("name: 办公室\n", "name: 办公室\nname: <script>alert(1)</script>\n"),
                          encoding="utf-8")
        hall.write_text(HALL.replace("027-87000003", "87000003"), encoding="utf-8")
        page = wait_for_page(served, "/departments/office/", "content/halls/main-hall.yaml:6:13")
        assert page.status == 500 and page.headers["content-type"] == "text/html; charset=utf-8"
        assert "content/departments/office.yaml:2:1" in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert(1)" not in page.text
        assert page.text.count("提示：") >= 2
        assert '<script src="/__sitegen/reload.js"' in page.text  # it reloads itself once fixed
        assert served.request("/nope/").status == 500  # every page shows the problems
        assert served.request(css).status == 200  # the last good build still styles pages
        log = served.text()
        assert re.search(r"^content/departments/office\.yaml:2:1: error: ", log, re.M)
        assert re.search(r"^content/halls/main-hall\.yaml:6:13: error: ", log, re.M)

        office.write_text(DEPARTMENT.replace("027-87000001", "027-87000055"), encoding="utf-8")
        hall.write_text(HALL, encoding="utf-8")
        fixed = wait_for_page(served, "/departments/office/", "027-87000055")
        assert fixed.status == 200


def test_starts_even_when_the_site_does_not_build(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"content/departments/office.yaml": DEPARTMENT + "name: 重复\n"})
    with serving(site, tmp_path) as served:
        page = served.request("/departments/office/")
        duplicate = len(DEPARTMENT.splitlines()) + 1
        assert page.status == 500 and f"content/departments/office.yaml:{duplicate}:1" in page.text
        (site / "content/departments/office.yaml").write_text(DEPARTMENT, encoding="utf-8")
        assert wait_for_page(served, "/departments/office/", "027-87000001").status == 200


# Python runs the collector's callbacks, and finalizers, wherever the main thread is; a
# KeyboardInterrupt raised in one is printed as "Exception ignored" and dropped. This preview's
# collector raises SIGINT from its callback, in the main thread, once the test says so.
_INTERRUPTED_IN_A_FINALIZER = """
import gc, signal, sys, threading
from pathlib import Path
from sitegen.cli import main

go = Path(sys.argv[1])
fired = []

def ctrl_c_during_a_collection(phase, info):
    if phase == "start" and not fired and threading.current_thread() is threading.main_thread() and go.exists():
        fired.append(True)
        signal.raise_signal(signal.SIGINT)

gc.callbacks.append(ctrl_c_during_a_collection)
gc.set_threshold(1)
sys.exit(main(sys.argv[2:]))
"""


def test_ctrl_c_stops_the_preview_even_when_a_finalizer_swallowed_it(tmp_path: Path) -> None:
    site, go = write_site(tmp_path / "site", {}), tmp_path / "go"
    port, log = free_port(), tmp_path / "serve.log"
    served = Served(site, port, log, tmp_path)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", _INTERRUPTED_IN_A_FINALIZER, str(go), "serve", str(site), "--port", str(port),
             "--build-date", BUILD_DATE], stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(proc, served)
        go.touch()
        code = proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 0 and "已停止预览" in served.text(), served.text()
    assert "Traceback" not in served.text() and "Exception ignored" not in served.text(), served.text()


def test_editor_scratch_files_are_not_sources() -> None:
    for path in ("content/departments/.office.yaml.swp", "content/departments/office.yaml~", "content/.git/x",
                 "content/departments/4913", "content/procedures/.#id-card.md", "themes/default/x.tmp"):
        assert is_scratch(path), path
    for path in ("content/departments/office.yaml", "content/site.yaml", "themes/default/templates/base.html"):
        assert not is_scratch(path), path


def wait_for_page(served: Served, path: str, text: str, timeout: float = 20) -> Response:
    deadline = time.monotonic() + timeout
    while True:
        response = served.request(path)
        if text in response.text:
            return response
        assert time.monotonic() < deadline, f"{text!r} never appeared at {path}; log:\n{served.text()}"
        time.sleep(0.05)


def test_a_page_that_missed_a_rebuild_reloads_when_it_connects(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    with serving(site, tmp_path) as served:
        token = re.search(r'data-build="([^"]+)"', served.request("/").text)
        assert token is not None
        (site / "content/departments/office.yaml").write_text(DEPARTMENT + "email: a@example.gov.cn\n",
                                                               encoding="utf-8")
        served.wait_for_builds(2)
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
            sock.sendall(f"GET /__sitegen/events?since={token.group(1)} HTTP/1.0\r\n\r\n".encode())
            received = b""
            while b"event: reload" not in received:
                received += sock.recv(1024)


def _reloads(served: Served, edit: Callable[[], None]) -> int:
    """The reload events an open page gets for one save, counted until a second after the build."""
    token = re.search(r'data-build="([^"]+)"', served.request("/").text)
    assert token is not None
    builds = served.builds()
    received = b""
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(f"GET /__sitegen/events?since={token.group(1)} HTTP/1.0\r\n\r\n".encode())
        sock.settimeout(0.1)
        edit()
        served.wait_for_builds(builds + 1)
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                received += sock.recv(4096)
            except TimeoutError:
                continue
    return received.count(b"event: reload")


def test_the_edited_page_reloads_once_and_the_site_once_more_only_if_it_changed(tmp_path: Path) -> None:
    """The edited file's pages are shown first; a body edit changes nothing else, so the open
    page reloads once; a title edit changes the lists too, and the open pages reload again."""
    site = write_site(tmp_path / "site", {})
    procedure = site / "content/procedures/id-card.md"
    text = procedure.read_text(encoding="utf-8")
    with serving(site, tmp_path) as served:
        assert _reloads(served, lambda: procedure.write_text(text + "\n补充一段。\n", encoding="utf-8")) == 1
        assert "补充一段" in served.request("/procedures/id-card/").text
        retitled = text.replace("title: 居民身份证申领", "title: 居民身份证换领")
        assert _reloads(served, lambda: procedure.write_text(retitled, encoding="utf-8")) == 2
        assert "居民身份证换领" in served.request("/procedures/").text


# --- in a real browser -----------------------------------------------------------------------


@requires_chromium
def test_browser_sees_saves_errors_and_the_fix(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from tests.browser import chromium_page

    site = write_site(tmp_path / "site", {})
    office = site / "content/departments/office.yaml"
    with serving(site, tmp_path) as served, chromium_page(tmp_path) as page:
        page.goto(served.url + "/departments/office/")
        body = page.locator("body")
        expect(body).to_contain_text("027-87000001")
        expect(page).to_have_title(re.compile("办公室"))

        office.write_text(DEPARTMENT.replace("027-87000001", "027-87000099"), encoding="utf-8")
        expect(body).to_contain_text("027-87000099", timeout=15_000)

        # a duplicate key on line 2, with markup in it that must show as text
        office.write_text(DEPARTMENT.replace("name: 办公室\n", "name: 办公室\nname: <b>重复</b>\n"), encoding="utf-8")
        expect(body).to_contain_text("content/departments/office.yaml:2:1", timeout=15_000)
        expect(body).to_contain_text("<b>重复</b>")
        expect(body).to_contain_text("提示：")
        assert page.locator("b", has_text="重复").count() == 0

        office.write_text(DEPARTMENT.replace("027-87000001", "027-87000077"), encoding="utf-8")
        expect(body).to_contain_text("027-87000077", timeout=15_000)
        expect(page).to_have_title(re.compile("办公室"))


def test_help() -> None:
    result = run("serve", "--help")
    assert result.code == 0
    for option in ("--host", "--port", "--build-date", "127.0.0.1"):
        assert option in result.stdout
