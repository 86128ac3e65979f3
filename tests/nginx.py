"""A real nginx for tests, serving a built output with the server block `sitegen nginx` writes.

nginx runs in the foreground as a child process with its own pid file, logs and temp folders
under the test's tmp folder, listening on a free loopback port. As root (CI) its workers stay
root so they can read pytest's private tmp folders; as any other user it runs as that user.

    from tests.nginx import nginx_serving, requires_nginx

    @requires_nginx
    def test_it(tmp_path: Path) -> None:
        with nginx_serving(output, tmp_path / "nginx") as server:
            urllib.request.urlopen(server.url("departments/"))
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitegen.deploy import Server, nginx_config

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

requires_nginx = pytest.mark.skipif(
    not Path(NGINX).exists(),
    reason="nginx is missing: install Debian's nginx-light (apt-get install nginx-light) to run the nginx tests",
)


@dataclass(frozen=True)
class Served:
    port: int
    base_path: str  # "/" or "/zwgk/"
    prefix: Path  # nginx's own folder: conf, logs, pid, temp
    conf: Path  # the server block sitegen wrote

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "") -> str:
        """The full URL of a site path ("departments/"), under the base path."""
        return self.origin + self.base_path + path.lstrip("/")

    def error_log(self) -> str:
        return (self.prefix / "error.log").read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main_config(prefix: Path, server_block: Path) -> str:
    """nginx.conf around the server block: everything nginx writes stays under `prefix`."""
    temp = prefix / "temp"
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\n"
        f"pid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} warn;\n"
        "events { worker_connections 128; }\n"
        "http {\n"
        f"    access_log {prefix / 'access.log'};\n"
        f"    client_body_temp_path {temp / 'body'};\n"
        f"    proxy_temp_path {temp / 'proxy'};\n"
        f"    fastcgi_temp_path {temp / 'fastcgi'};\n"
        f"    uwsgi_temp_path {temp / 'uwsgi'};\n"
        f"    scgi_temp_path {temp / 'scgi'};\n"
        f"    include {server_block};\n"
        "}\n"
    )


@contextmanager
def nginx_serving(output: Path, prefix: Path, base_url: str = "https://www.example.gov.cn/") -> Iterator[Served]:
    """Serve `output` with sitegen's server block for `base_url` until the block ends."""
    prefix.mkdir(parents=True)
    (prefix / "temp").mkdir()
    port = free_port()
    server = Server(root=str(output.resolve()), base_url=base_url, listen=f"127.0.0.1:{port}")
    conf = prefix / "site.conf"
    conf.write_text(nginx_config(server, "test"), encoding="utf-8")
    main = prefix / "nginx.conf"
    main.write_text(main_config(prefix, conf), encoding="utf-8")
    served = Served(port, server.base_path, prefix, conf)
    test = subprocess.run([NGINX, "-t", "-q", "-c", str(main), "-p", str(prefix), "-e", str(prefix / "error.log")],
                          capture_output=True, text=True)
    assert test.returncode == 0, f"nginx -t refused sitegen's config:\n{test.stderr}\n{conf.read_text()}"
    process = subprocess.Popen(
        [NGINX, "-c", str(main), "-p", str(prefix), "-e", str(prefix / "error.log"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        _wait_until_up(served, process)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(served: Served, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"nginx exited with {process.returncode}: {stderr}\n{served.error_log()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=1)
            connection.request("HEAD", served.base_path)
            connection.getresponse()
            connection.close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nginx did not answer on port {served.port} within 15 s\n{served.error_log()}")
