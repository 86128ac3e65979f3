#!/usr/bin/env python3
"""Save-to-reloaded latency of `sitegen serve` for a one-file edit. A benchmark, not a test.

It copies the site to a temporary folder (the corpus is never edited), starts `sitegen serve`
on it, and listens to the live-reload event stream as an open browser tab does. Then, EDITS
times: it appends a new sentence to one procedure's body, and measures from the moment the file
is saved to the moment the page, fetched again after the `reload` event (as the tab does), shows
the sentence. It prints every edit, the median and the exact command.

    python3 bench/serve_latency.py --site /tmp/bench-work/corpus/sitegen/1000
    python3 bench/serve_latency.py --site /tmp/bench-work/corpus/sitegen/10000 --page content/procedures/p00010.md
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUILD_LINE = re.compile(r"^\d\d:\d\d:\d\d (已生成|生成失败).*用时 ([\d.]+) 秒")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, required=True, help="a site folder (with content/)")
    parser.add_argument("--page", default="content/procedures/p00010.md", help="the procedure to edit")
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between edits")
    parser.add_argument("--ready-timeout", type=float, default=900, help="seconds allowed for the first build")
    parser.add_argument("--edit-timeout", type=float, default=600, help="seconds allowed for one edit")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))  # still stop serve and clean up

    with tempfile.TemporaryDirectory(prefix="serve-latency-") as work:
        site = Path(work) / "site"
        started = time.perf_counter()
        shutil.copytree(args.site / "content", site / "content")
        if (args.site / "themes").is_dir():
            shutil.copytree(args.site / "themes", site / "themes")
        print(f"copied {args.site} in {time.perf_counter() - started:.1f} s", flush=True)
        page_file = site / args.page
        slug = page_file.stem
        original = page_file.read_text(encoding="utf-8")

        port = _free_port()
        command = [sys.executable, "-m", "sitegen", "serve", str(site), "--port", str(port)]
        log: list[str] = []
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
        threading.Thread(target=_collect, args=(proc, log), daemon=True).start()
        try:
            base = _wait_ready(proc, log, port, args.ready_timeout)
            print(f"first build and ready in {time.perf_counter() - started:.1f} s", flush=True)
            url = f"{base}procedures/{slug}/"
            results = []
            for n in range(1, args.edits + 1):
                time.sleep(args.pause)  # edits far enough apart to be separate rebuilds
                try:
                    results.append(_edit_once(port, url, page_file, original, n, log, args.edit_timeout))
                except TimeoutError:
                    tail = "\n".join(line for line in log[-40:] if not line.startswith(" "))
                    raise SystemExit(f"edit {n}: no reload within {args.edit_timeout} s "
                                     f"(sitegen serve is pid {proc.pid}); its last lines:\n{tail}") from None
        finally:
            page_file.write_text(original, encoding="utf-8")
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()

    totals = [total for total, _, _ in results]
    print()
    print(f"site: {args.site} ({_count_sources(args.site)} source files), edited: {args.page}")
    print(f"save -> reloaded page, median of {len(totals)} edits: {statistics.median(totals) * 1000:.0f} ms"
          f" (min {min(totals) * 1000:.0f} ms, max {max(totals) * 1000:.0f} ms)")
    print(f"save -> reload event, median: {statistics.median(e for _, e, _ in results) * 1000:.0f} ms;"
          f" rebuild as reported by serve, median: {statistics.median(r for _, _, r in results) * 1000:.0f} ms"
          " (the page reloads once the edited page is written, before the rest of the rebuild; add"
          " serve's quiet period after a save, the watcher and the page fetch)")
    print("command: " + shlex.join(["python3", *sys.argv]))
    print("serve:   " + shlex.join(["python3", "-m", "sitegen", "serve", "COPY_OF_SITE", "--port", "PORT"]))
    return 0


def _edit_once(port: int, url: str, page_file: Path, original: str, n: int,
               log: list[str], timeout: float) -> tuple[float, float, float]:
    """One save; returns (save -> page shows it, save -> reload event, rebuild time reported)."""
    marker = f"延迟测试第{n}次修改{time.time_ns()}"
    builds_before = _builds(log)
    events = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    events.request("GET", "/__sitegen/events")
    stream = events.getresponse()
    assert stream.readline().startswith(b"retry:")  # subscribed: the next build will be announced
    saved = time.perf_counter()
    page_file.write_text(original + f"\n\n{marker}。\n", encoding="utf-8")
    while stream.readline().strip() != b"event: reload":
        pass
    announced = time.perf_counter()
    events.close()
    while marker not in _get(port, url, timeout):
        time.sleep(0.01)
    shown = time.perf_counter()
    while _builds(log) <= builds_before:
        time.sleep(0.01)
    reported = float([m for m in map(BUILD_LINE.search, log) if m][-1].group(2))
    print(f"edit {n:2d}: reloaded page after {(shown - saved) * 1000:6.0f} ms"
          f" (reload event {(announced - saved) * 1000:6.0f} ms, rebuild {reported * 1000:6.0f} ms)", flush=True)
    return shown - saved, announced - saved, reported


def _get(port: int, path: str, timeout: float) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().read().decode("utf-8")
    finally:
        connection.close()


def _wait_ready(proc: subprocess.Popen[str], log: list[str], port: int, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("sitegen serve exited:\n" + "\n".join(log))
        for line in log:
            found = re.search(rf"http://127\.0\.0\.1:{port}(/\S*)", line)
            if found:
                return found.group(1)
        time.sleep(0.1)
    raise SystemExit("sitegen serve was not ready in time:\n" + "\n".join(log))


def _builds(log: list[str]) -> int:
    return sum(1 for line in log if BUILD_LINE.search(line))


def _collect(proc: subprocess.Popen[str], log: list[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        log.append(line.rstrip("\n"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _count_sources(site: Path) -> int:
    return sum(1 for p in (site / "content").rglob("*") if p.is_file())


if __name__ == "__main__":
    sys.exit(main())
