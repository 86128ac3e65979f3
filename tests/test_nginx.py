"""The server block `sitegen nginx` writes, in a real nginx over the built demo, checked over HTTP:
pretty URLs, the theme's 404 with status 404, caching, gzip, content types, security headers,
dotfiles refused; and the same under a base path such as /zwgk/."""

from __future__ import annotations

import gzip
import http.client
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitegen.deploy import CONTENT_SECURITY_POLICY, Server, nginx_config
from tests.checked_sites import REPO, build_demo
from tests.nginx import Served, nginx_serving, requires_nginx
from tests.sites import build, run, write_site

SUBPATH = "https://www.example.gov.cn/zwgk/"


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


def get(served: Served, target: str, gzip_ok: bool = False) -> Response:
    """GET a path on the server as a browser would (no redirects followed)."""
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    try:
        connection.request("GET", target, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
        response = connection.getresponse()
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    """The demo, built for the tests' date and served by nginx on a loopback port."""
    root = tmp_path_factory.mktemp("nginx-demo")
    output = build_demo(root / "output")
    with nginx_serving(output, root / "nginx") as served:
        yield served, output


@pytest.fixture(scope="module")
def subpath(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    root = tmp_path_factory.mktemp("nginx-zwgk")
    output = build_demo(root / "output", base_url=SUBPATH)
    with nginx_serving(output, root / "nginx", base_url=SUBPATH) as served:
        yield served, output


def asset(output: Path, suffix: str) -> str:
    """The fingerprinted name of a theme asset, such as assets/style.3f2a9c1b.css."""
    return next(p.relative_to(output).as_posix() for p in sorted((output / "assets").glob(f"*{suffix}")))


pytestmark = requires_nginx


# --- pretty URLs and the 404 page ------------------------------------------------------------------


def test_pretty_urls_serve_the_page(demo: tuple[Served, Path]) -> None:
    served, output = demo
    response = get(served, "/procedures/shebaoka-shenling/")
    assert response.status == 200
    assert response.body == (output / "procedures/shebaoka-shenling/index.html").read_bytes()
    assert get(served, "/").body == (output / "index.html").read_bytes()


def test_a_folder_without_its_slash_redirects_on_the_same_host(demo: tuple[Served, Path]) -> None:
    served, _ = demo
    response = get(served, "/procedures")
    assert response.status == 301
    assert response.headers["location"] == "/procedures/"  # relative: keeps the visitor's host and port


@pytest.mark.parametrize("target", ["/no-such-page/", "/procedures/no-such-procedure/", "/x.html", "/files/"])
def test_a_missing_address_gets_the_themes_404_page_with_status_404(demo: tuple[Served, Path], target: str) -> None:
    served, output = demo
    response = get(served, target)
    assert response.status == 404
    assert response.body == (output / "404.html").read_bytes()
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("target", ["/.sitegen-manifest.json", "/assets/.sitegen-manifest.json", "/.git/config"])
def test_dotfiles_are_never_served(demo: tuple[Served, Path], target: str) -> None:
    served, output = demo
    assert (output / ".sitegen-manifest.json").is_file()
    response = get(served, target)
    assert response.status == 404
    assert b"sitegen-manifest" not in response.body and b"index.html" not in response.body[:200]


# --- headers -------------------------------------------------------------------------------------


def test_security_headers_on_pages_assets_data_and_the_404(demo: tuple[Served, Path]) -> None:
    served, output = demo
    for target in ("/", "/departments/", "/" + asset(output, ".css"), "/feed.xml", "/data/halls.json", "/nope/"):
        headers = get(served, target).headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, target
        assert headers["x-content-type-options"] == "nosniff", target
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", target
        assert headers["x-frame-options"] == "DENY", target
        assert "camera=()" in headers["permissions-policy"], target
        assert "server" not in headers or "/" not in headers["server"], "nginx's version is not announced"


def test_the_csp_allows_no_inline_script_or_style() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert directives["script-src"] == "'self' 'wasm-unsafe-eval'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_the_demo_has_nothing_the_csp_would_refuse(demo: tuple[Served, Path]) -> None:
    """No inline script (JSON-LD is data, never run), no inline style, no event handler attribute."""
    _, output = demo
    for page in sorted(output.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        where = page.relative_to(output)
        for script in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S):
            attributes, body = script
            assert 'type="application/ld+json"' in attributes or (" src=" in attributes and not body.strip()), \
                f"{where}: inline script {attributes!r}"
        assert not re.search(r"<style\b", html), f"{where}: <style> element"
        assert not re.search(r"\sstyle\s*=", html), f"{where}: style attribute"
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), f"{where}: event handler attribute"


@pytest.mark.parametrize(("target", "cache"), [
    ("/", "no-cache"),
    ("/procedures/shebaoka-shenling/", "no-cache"),
    ("/nope/", "no-cache"),
    ("/feed.xml", "public, max-age=300"),
    ("/sitemap.xml", "public, max-age=300"),
    ("/data/halls.json", "public, max-age=300"),
    ("/data/halls.csv", "public, max-age=300"),
    ("/receptions.ics", "public, max-age=300"),
])
def test_pages_revalidate_and_feeds_are_cached_for_minutes(demo: tuple[Served, Path], target: str,
                                                           cache: str) -> None:
    served, output = demo
    if target == "/receptions.ics" and not (output / "receptions.ics").exists():
        target = "/" + next(p.relative_to(output).as_posix() for p in sorted(output.rglob("*.ics")))
    response = get(served, target)
    assert response.headers["cache-control"] == cache
    if response.status == 200:
        assert "etag" in response.headers and "last-modified" in response.headers  # for revalidation


def test_fingerprinted_assets_are_cached_for_a_year(demo: tuple[Served, Path]) -> None:
    served, output = demo
    for suffix in (".css", ".svg"):
        response = get(served, "/" + asset(output, suffix))
        assert response.status == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


# --- content types and gzip ----------------------------------------------------------------------


@pytest.mark.parametrize(("suffix", "content_type"), [
    ("index.html", "text/html; charset=utf-8"),
    (".css", "text/css; charset=utf-8"),
    (".svg", "image/svg+xml; charset=utf-8"),
    ("feed.xml", "application/atom+xml; charset=utf-8"),
    ("sitemap.xml", "application/xml; charset=utf-8"),
    (".ics", "text/calendar; charset=utf-8"),
    (".csv", "text/csv; charset=utf-8"),
    (".json", "application/json; charset=utf-8"),
    ("robots.txt", "text/plain; charset=utf-8"),
])
def test_content_types(demo: tuple[Served, Path], suffix: str, content_type: str) -> None:
    served, output = demo
    file = next(p for p in sorted(output.rglob("*")) if p.is_file() and p.name.endswith(suffix)
                and not p.name.startswith("."))
    response = get(served, "/" + file.relative_to(output).as_posix())
    assert response.status == 200
    assert response.headers["content-type"] == content_type


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """What the demo does not have yet: search's script and WebAssembly, a large SVG."""
    root = tmp_path_factory.mktemp("nginx-scripts")
    output = root / "output"
    (output / "pagefind").mkdir(parents=True)
    (output / "index.html").write_text("<!doctype html><title>t</title>", encoding="utf-8")
    (output / "404.html").write_text("<!doctype html><title>404</title>", encoding="utf-8")
    (output / "pagefind" / "pagefind.wasm").write_bytes(b"\0asm\1\0\0\0" * 100)
    (output / "pagefind" / "pagefind.js").write_text("export const x = 1;\n" * 100, encoding="utf-8")
    (output / "qr.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg">' + "<path d='M0 0h1v1H0z'/>" * 40
                                   + "</svg>", encoding="utf-8")
    with nginx_serving(output, root / "nginx") as served:
        yield served


@pytest.mark.parametrize(("target", "content_type", "gzipped"), [
    ("/pagefind/pagefind.wasm", "application/wasm", False),  # search compiles it: streamed only with this type
    ("/pagefind/pagefind.js", "text/javascript; charset=utf-8", True),
    ("/qr.svg", "image/svg+xml; charset=utf-8", True),
])
def test_search_scripts_webassembly_and_svg(scripts: Served, target: str, content_type: str, gzipped: bool) -> None:
    response = get(scripts, target, gzip_ok=True)
    assert response.status == 200
    assert response.headers["content-type"] == content_type
    assert (response.headers.get("content-encoding") == "gzip") is gzipped


@pytest.mark.parametrize("suffix", ["index.html", ".css", "feed.xml", ".ics", ".csv", ".json"])
def test_text_is_gzipped(demo: tuple[Served, Path], suffix: str) -> None:
    served, output = demo
    files = (p for p in output.rglob("*") if p.is_file() and p.name.endswith(suffix))
    file = max(files, key=lambda p: p.stat().st_size)
    response = get(served, "/" + file.relative_to(output).as_posix(), gzip_ok=True)
    assert response.headers.get("content-encoding") == "gzip", file
    assert "Accept-Encoding" in response.headers.get("vary", "")
    assert gzip.decompress(response.body) == file.read_bytes()
    assert get(served, "/" + file.relative_to(output).as_posix()).body == file.read_bytes()  # and plain if asked


# --- under a base path ---------------------------------------------------------------------------


def test_under_a_base_path(subpath: tuple[Served, Path]) -> None:
    served, output = subpath
    assert get(served, "/zwgk/departments/").body == (output / "departments/index.html").read_bytes()
    assert get(served, "/zwgk").headers["location"] == "/zwgk/"
    assert get(served, "/zwgk/departments").headers["location"] == "/zwgk/departments/"
    for target in ("/zwgk/no-such-page/", "/departments/", "/"):  # outside the base path: not this site
        response = get(served, target)
        assert response.status == 404, target
        assert response.body == (output / "404.html").read_bytes(), target
    assert get(served, "/zwgk/.sitegen-manifest.json").status == 404
    css = asset(output, ".css")
    assert f'href="/zwgk/{css}"'.encode() in (output / "404.html").read_bytes()  # the 404 page's own links
    response = get(served, f"/zwgk/{css}")
    assert response.status == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert get(served, "/zwgk/feed.xml").headers["content-type"] == "application/atom+xml; charset=utf-8"


# --- the command -------------------------------------------------------------------------------


def test_sitegen_nginx_prints_the_server_block() -> None:
    result = run("nginx", str(REPO), "--root", "/srv/www", "--listen", "8080", "--server-name", "zwgk.example.gov.cn")
    assert result.code == 0, result.stderr
    assert result.stdout == nginx_config(
        Server("/srv/www", "https://www.example.gov.cn/", "8080", "zwgk.example.gov.cn"), "湖北省人力资源和社会保障厅")
    assert "    listen 8080;" in result.stdout
    assert "    server_name zwgk.example.gov.cn;" in result.stdout
    assert "        alias /srv/www/;" in result.stdout
    assert "error_page 404 /404.html;" in result.stdout


def test_sitegen_nginx_follows_the_base_path() -> None:
    result = run("nginx", str(REPO), "--root", "/srv/www", "--base-url", SUBPATH)
    assert result.code == 0, result.stderr
    assert "    location /zwgk/ {" in result.stdout
    assert "error_page 404 /zwgk/404.html;" in result.stdout
    assert "    server_name www.example.gov.cn;" in result.stdout
    assert "    listen 80;" in result.stdout


def test_sitegen_nginx_defaults_to_the_sites_own_output() -> None:
    result = run("nginx", str(REPO))
    assert result.code == 0, result.stderr
    assert f"        alias {(REPO / 'output').resolve()}/;" in result.stdout


@pytest.mark.parametrize("arguments", [
    ["--root", "srv/www"],
    ["--root", "/srv/www; include /etc/passwd"],
    ["--listen", "eighty"],
    ["--listen", "70000"],
    ["--server-name", "a b"],
])
def test_sitegen_nginx_refuses_values_that_would_break_the_config(arguments: list[str]) -> None:
    result = run("nginx", str(REPO), *arguments)
    assert result.code == 2
    assert "sitegen: 错误：" in result.stderr
    assert result.stdout == ""


def test_sitegen_nginx_needs_a_site(tmp_path: Path) -> None:
    result = run("nginx", str(tmp_path))
    assert result.code == 2
    assert "content/" in result.stderr


def test_sitegen_nginx_reads_site_yaml_alone(tmp_path: Path) -> None:
    """Only the site's settings matter here: a broken content file elsewhere is the build's
    business, and a broken site.yaml is reported at its line."""
    site = write_site(tmp_path, {"content/procedures/id-card.md": "---\ntitle: [未闭合\n---\n"})
    assert build(site).code == 1
    result = run("nginx", str(site), "--root", "/srv/www")
    assert result.code == 0, result.stderr
    assert "    location / {" in result.stdout
    (site / "content/site.yaml").write_text("title: 示例厅\nbase_url: [\n", encoding="utf-8")
    broken = run("nginx", str(site), "--root", "/srv/www")
    assert broken.code == 1 and broken.stdout == ""
    assert "content/site.yaml:3:1: error: YAML 格式错误" in broken.stderr, broken.stderr
    assert "id-card" not in broken.stderr


def test_the_sites_title_stays_in_its_comment() -> None:
    config = nginx_config(Server("/srv/www", "https://www.example.gov.cn/"), "示例厅\n}\nserver { listen 81; }")
    assert config.splitlines()[0] == "# nginx server block for 示例厅 } server { listen 81; } https://www.example.gov.cn/"
    assert "listen 81;" not in config.split("\n", 1)[1]
