"""Write the nginx server block that serves a built site as in production.

The block is printed by `sitegen nginx` and never written inside output/ (it would be published).
It serves the output folder copied to `root` at base_url's path: pretty URLs, the theme's 404
page, long caching for fingerprinted assets and revalidation for everything else, gzip, the
content types the site publishes, and security headers whose Content-Security-Policy allows no
inline script or style. tests/test_nginx.py runs it in a real nginx.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .diagnostics import Diagnostic
from .models import SiteConfig
from .options import UsageError
from .sources import load_site_file
from .validate import validate_site_file

# No 'unsafe-inline' anywhere: the theme has no inline script, style or event handler. JSON-LD
# blocks (<script type="application/ld+json">) are data, never executed, so the policy lets them
# be. 'wasm-unsafe-eval' lets the search index (Pagefind) compile its WebAssembly.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
# Fingerprinted assets (/assets/style.3f2a9c1b.css) never change under their name.
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
# Feeds, calendars, open data and the sitemap: a few minutes.
CACHE_SHORT = "public, max-age=300"
# Pages and everything else: kept, but revalidated (ETag / Last-Modified) on every use, so a
# deploy shows at once.
CACHE_REVALIDATE = "no-cache"

# Every type the site publishes. A `types` block replaces nginx's mime.types instead of adding
# to it, so the list is complete; anything else is application/octet-stream.
TYPES: tuple[tuple[str, str], ...] = (
    ("text/html", "html htm"),
    ("text/css", "css"),
    ("text/javascript", "js mjs"),
    ("application/json", "json"),
    ("application/xml", "xml"),
    ("text/calendar", "ics"),
    ("text/csv", "csv"),
    ("text/plain", "txt"),
    ("text/markdown", "md"),
    ("image/svg+xml", "svg"),
    ("application/wasm", "wasm"),
    ("image/png", "png"),
    ("image/jpeg", "jpg jpeg"),
    ("image/gif", "gif"),
    ("image/webp", "webp"),
    ("image/avif", "avif"),
    ("image/x-icon", "ico"),
    ("font/woff2", "woff2"),
    ("font/woff", "woff"),
    ("application/pdf", "pdf"),
    ("application/ofd", "ofd"),
    ("application/msword", "doc"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    ("application/vnd.ms-excel", "xls"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    ("application/vnd.ms-powerpoint", "ppt"),
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
    ("application/vnd.oasis.opendocument.text", "odt"),
    ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
    ("application/zip", "zip"),
    ("application/x-7z-compressed", "7z"),
    ("application/vnd.rar", "rar"),
    ("video/mp4", "mp4"),
    ("audio/mpeg", "mp3"),
)
TEXT_TYPES = (
    "text/css", "text/javascript", "text/plain", "text/markdown", "text/xml", "text/calendar",
    "text/csv", "application/json", "application/xml", "application/atom+xml", "image/svg+xml",
)
SHORT_CACHE_EXTENSIONS = ("xml", "ics", "json", "csv", "txt")

_LISTEN = re.compile(r"(?:(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):)?[0-9]{1,5}")
_SERVER_NAME = re.compile(r"[A-Za-z0-9._*-]+")


@dataclass(frozen=True, slots=True)
class Server:
    """What the server block needs to know: where the output lies and how the site is addressed."""

    root: str  # absolute folder on the server holding the published output
    base_url: str  # always ends with "/"
    listen: str = "80"  # a port, or ADDRESS:PORT
    server_name: str | None = None  # None: base_url's host

    @property
    def base_path(self) -> str:
        return urlsplit(self.base_url).path or "/"

    @property
    def host(self) -> str:
        return self.server_name or urlsplit(self.base_url).hostname or "_"


class DeployError(UsageError, ValueError):
    """A value that would make a broken or unsafe server block (exit code 2)."""


def nginx_config(server: Server, title: str = "") -> str:
    """The nginx `server { }` block for a built site, as text to put in /etc/nginx/conf.d/."""
    _check(server)
    base = server.base_path
    root = server.root.rstrip("/") + "/"
    https = server.base_url.startswith("https://")
    lines = [
        " ".join(["# nginx server block for", *title.split(), server.base_url]),  # one line, whatever the title
        "# Written by `sitegen nginx`. Put it in /etc/nginx/conf.d/ (or sites-enabled/), then",
        "# `nginx -t && nginx -s reload`. It serves the built output copied to the root below;",
        "# TLS (listen 443 ssl and certificates) is left to the host's own configuration.",
        "server {",
        f"    listen {server.listen};",
        f"    server_name {server.host};",
        "",
        "    server_tokens off;",
        "    # Redirects such as /departments -> /departments/ keep the host and port the visitor used.",
        "    absolute_redirect off;",
        "",
        "    # The content types the site publishes (this list replaces mime.types).",
        "    types {",
        *(f"        {mime} {extensions};" for mime, extensions in TYPES),
        "    }",
        "    default_type application/octet-stream;",
        "    charset utf-8;",
        "    charset_types " + " ".join(TEXT_TYPES) + ";  # and text/html, always",
        "",
        "    gzip on;",
        "    gzip_vary on;",
        "    gzip_comp_level 6;",
        "    gzip_min_length 256;",
        "    gzip_types " + " ".join(TEXT_TYPES) + ";",
        "",
        f"    error_page 404 {base}404.html;",
        "    # A folder without an index page is not found, not forbidden.",
        f"    error_page 403 =404 {base}404.html;",
        "",
        *_outside(base),
        f"    location {base} {{",
        f"        alias {root};",
        "        index index.html;",
        "        # Pretty URLs: /procedures/id-card/ is procedures/id-card/index.html.",
        "        try_files $uri $uri/ =404;",
        *_headers(CACHE_REVALIDATE, https, 8),
        "",
        "        # .sitegen-manifest.json and any other dotfile are never served.",
        "        location ~ /\\. {",
        "            return 404;",
        "        }",
        "",
        "        # Fingerprinted: a changed file gets a new name, so it can be cached for a year.",
        f"        location ^~ {base}assets/ {{",
        "            try_files $uri =404;",
        *_headers(CACHE_IMMUTABLE, https, 12),
        "            location ~ /\\. {",
        "                return 404;",
        "            }",
        "        }",
        "",
        "        # The Atom feed is XML of its own type.",
        f"        location = {base}feed.xml {{",
        "            types { }",
        "            default_type application/atom+xml;",
        *_headers(CACHE_SHORT, https, 12),
        "        }",
        "",
        "        # Feeds, calendars, open data, the sitemap: a few minutes.",
        f"        location ~ \\.(?:{'|'.join(SHORT_CACHE_EXTENSIONS)})$ {{",
        "            try_files $uri =404;",
        *_headers(CACHE_SHORT, https, 12),
        "        }",
        "    }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _outside(base: str) -> list[str]:
    """Under a sub-path, the rest of the host is not this site's: the base without its slash
    redirects to the site, anything else is the site's 404 page."""
    if base == "/":
        return []
    return [
        f"    location = {base.rstrip('/')} {{",
        f"        return 301 {base};",
        "    }",
        "    location / {",
        "        return 404;",
        "    }",
        "",
    ]


def _headers(cache_control: str, https: bool, indent: int) -> list[str]:
    """Every header, repeated in each location: nginx drops the outer add_header lines of any
    block that has its own. `always` keeps them on the 404 page too."""
    pad = " " * indent
    headers = [("Cache-Control", cache_control), *SECURITY_HEADERS]
    if https:
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return [f'{pad}add_header {name} "{value}" always;' for name, value in headers]


def _check(server: Server) -> None:
    if not server.root.startswith("/"):
        raise DeployError(f"--root 须为服务器上的绝对路径，如 /srv/www，而不是 “{server.root}”")
    if any(ch in server.root for ch in ';{}"\'\\$#') or any(ch.isspace() for ch in server.root):
        raise DeployError(f"--root 中不能有空格、引号或 ; {{ }} $ # 等字符：“{server.root}”")
    if _LISTEN.fullmatch(server.listen) is None or not 0 < int(server.listen.rsplit(":", 1)[-1]) < 65536:
        raise DeployError(f"--listen 须为端口（如 80）或 地址:端口（如 127.0.0.1:8080），而不是 “{server.listen}”")
    if server.server_name is not None and _SERVER_NAME.fullmatch(server.server_name) is None:
        raise DeployError(f"--server-name 须为主机名，如 www.example.gov.cn，而不是 “{server.server_name}”")
    if any(ch in server.base_path for ch in ';{}"\'\\$#') or any(ch.isspace() for ch in server.base_path):
        raise DeployError(f"base_url 的路径中有 nginx 配置无法安全使用的字符：“{server.base_path}”")


def read_config(site_dir: Path, base_url: str | None) -> tuple[SiteConfig | None, list[Diagnostic]]:
    """The site's config (site.yaml, --base-url), and the problems that stop it from being read.
    Only site.yaml is read: at 10,000 pages, validating the whole site for it took seconds."""
    problems: list[Diagnostic] = []
    source = load_site_file(site_dir, problems)
    if source is None:
        return None, problems
    config, found = validate_site_file(source, base_url)
    return config, ([] if config is not None else [*problems, *found])
