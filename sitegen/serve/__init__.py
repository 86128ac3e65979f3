"""`sitegen serve`: build into a private folder, serve it, rebuild on every save, reload the browser.

The preview never touches the site's output/: it builds into a temporary folder that is removed
on exit. The reload script is added to pages as they are served, so the built files are exactly
what `sitegen build --no-search` writes.
"""

from __future__ import annotations

import datetime as dt
import errno
import ipaddress
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TextIO

from ..build import BuildOptions, build
from ..cache import Memory
from ..diagnostics import Diagnostic, count, format_text
from ..schema import KINDS
from ..sources import HOLIDAYS_FILE, SITE_FILE, SourceFile, Sources, decode
from ..theme import ThemeError
from ..validate import validate
from ..write import OutputError
from .live import Preview, Status
from .server import PreviewServer
from .watch import Changes, start_watching

EXIT_OK, EXIT_USAGE = 0, 2


@dataclass(frozen=True, slots=True)
class ServeOptions:
    site_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    build_date: dt.date | None = None
    # The server and the watcher run threads, and forking a threaded process can deadlock on
    # a lock another thread held at the fork; so the preview renders in its own process unless
    # told otherwise.
    jobs: int = 1


def serve(options: ServeOptions, err: TextIO) -> int:
    """Run the preview until Ctrl-C (or SIGTERM); returns the exit code."""
    preview = Preview()
    with tempfile.TemporaryDirectory(prefix="sitegen-serve-", ignore_cleanup_errors=True) as scratch:
        rebuild = _Rebuilder(options, Path(scratch), preview)
        try:
            server = PreviewServer(options.host, options.port, rebuild.output, preview)
        except OSError as exc:
            print(f"sitegen: 错误：{_bind_problem(options, exc)}", file=err)
            return EXIT_USAGE
        warning = exposure_warning(options.host)
        if warning:
            print(warning, file=err)
        changes = Changes()
        observer = start_watching(options.site_dir, changes)
        thread = threading.Thread(target=server.serve_forever, name="sitegen-serve", daemon=True)
        try:
            with _stop_signals() as stopping:
                print(f"正在生成 {options.site_dir} …", file=err)
                log = _Log(err)
                log.report(rebuild(), "首次生成")
                thread.start()  # requests that came during the first build were queued, not refused
                print(f"预览地址：{_address(server, preview.status.base_path)}  （按 Ctrl-C 停止）", file=err)
                _rebuild_on_change(rebuild, changes, log, stopping)
        except KeyboardInterrupt:
            pass
        finally:
            preview.close()  # ends the open event streams
            observer.stop()
            if thread.is_alive():
                server.shutdown()
            server.server_close()
            observer.join(timeout=2)
        print("\n已停止预览。", file=err)
    return EXIT_OK


def _rebuild_on_change(rebuild: _Rebuilder, changes: Changes, log: _Log, stopping: threading.Event) -> None:
    """Rebuild after each batch of changes until Ctrl-C (or SIGTERM) — including one that came
    while Python was running a finalizer, where the KeyboardInterrupt it raised was swallowed."""
    while not stopping.is_set():
        batch = changes.next_batch(timeout=0.5)  # short waits keep Ctrl-C prompt
        if batch and not stopping.is_set():
            log.report(rebuild(batch), _describe(batch, rebuild.options.site_dir))


def _bind_problem(options: ServeOptions, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"端口 {options.port} 已被占用（可能已有一个预览在运行），请用 --port 换一个端口"
    return f"无法在 {options.host}:{options.port} 上启动预览：{exc.strerror or exc}（请检查 --host 与 --port）"


def exposure_warning(host: str) -> str | None:
    """A warning when the preview is reachable from other computers."""
    if host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass  # a host name: it may well resolve to a public address
    return (f"警告：预览服务器正在监听 {host}，同一网络中的其他电脑也能打开本预览，包括尚未发布的内容。"
            "如无必要，请去掉 --host，只在本机（127.0.0.1）预览；预览服务器不能用于正式发布。")


@dataclass(frozen=True, slots=True)
class _Outcome:
    status: Status
    pages: int
    rendered: int  # pages rendered again; the others read nothing that changed
    written: int
    unchanged: int
    seconds: float


class _Rebuilder:
    """Runs the whole build into the private folder and publishes its outcome to the server."""

    def __init__(self, options: ServeOptions, scratch: Path, preview: Preview) -> None:
        self.options = options
        self.output = scratch / "site"  # nothing in the site's own folder is ever written
        self.memory = Memory()  # records, bodies and page reads kept between rebuilds
        self.preview = preview

    def __call__(self, batch: frozenset[str] | None = None) -> _Outcome:
        """Build after `batch` (the paths the watcher saw change; None: anything may have)."""
        start = time.perf_counter()
        problems: tuple[Diagnostic, ...] = ()
        fatal = ""
        pages = written = unchanged = 0
        rendered: tuple[str, ...] = ()
        options = self.options
        base_path = site_base_path(options.site_dir)
        changed = _relative(batch, options.site_dir)
        early = _Early(self.preview, self.output, base_path) if _edits_pages(changed) else None
        try:
            # No search index: Pagefind takes seconds on a large site, and a save must show at once.
            report = build(BuildOptions(options.site_dir, self.output, build_date=options.build_date,
                                        jobs=options.jobs, memory=self.memory, search=False,
                                        changed=changed, early=early))
            problems, pages, written, unchanged = report.diagnostics, report.pages, report.written, report.unchanged
            rendered = report.rendered
        except (ThemeError, OutputError) as exc:
            fatal = str(exc)
        except Exception:  # a bug in sitegen: show it, and keep serving so that the next save can recover
            fatal = "内部错误——这是 sitegen 的缺陷，不是内容的问题：\n" + traceback.format_exc(limit=-3)
        shown = early is not None and not fatal and early.showed(rendered, problems)
        status = self.preview.publish(problems, fatal, base_path, reload=not shown)
        return _Outcome(status, pages, len(rendered), written, unchanged, time.perf_counter() - start)


class _Early:
    """The pages of the edited files, shown before the rest of the build is done (see
    BuildOptions.early): the browser reloads as soon as they are written, and once more at the
    end only if the build changed anything else, or they came out different (the rest of the
    build renders them again, as every build does)."""

    def __init__(self, preview: Preview, output: Path, base_path: str | None) -> None:
        self._preview = preview
        self._output = output
        self._base_path = base_path
        self._pages: dict[str, bytes | None] = {}  # output path -> its bytes as shown
        self._problems: tuple[Diagnostic, ...] | None = None  # None: nothing shown yet

    def __call__(self, paths: tuple[str, ...], problems: tuple[Diagnostic, ...]) -> None:
        self._pages = {path: self._read(path) for path in paths}
        self._problems = problems
        self._preview.publish(problems, "", self._base_path)

    def showed(self, rendered: tuple[str, ...], problems: tuple[Diagnostic, ...]) -> bool:
        """Whether the finished build shows nothing that the early pages did not."""
        return (self._problems == problems and set(rendered) <= self._pages.keys()
                and all(self._read(path) == data for path, data in self._pages.items()))

    def _read(self, path: str) -> bytes | None:
        try:
            return (self._output / path).read_bytes()
        except OSError:
            return None


TRUSTED_BATCH = 256  # more changes at once (a git checkout) and the build looks at every file again


def _relative(batch: frozenset[str] | None, site_dir: Path) -> frozenset[str] | None:
    """The watcher's paths relative to the site ("content/a/b.md"), when few enough to trust:
    a flood of changes may have overflowed the system's queue of notifications."""
    if batch is None or len(batch) > TRUSTED_BATCH:
        return None
    root = site_dir.absolute()
    return frozenset(Path(os.path.relpath(path, root)).as_posix() for path in batch)


def _edits_pages(changed: frozenset[str] | None) -> bool:
    """Whether the change is to content files that pages show (not site.yaml nor the holidays,
    which every page depends on): then those pages are shown first."""
    return bool(changed) and all(
        path.startswith("content/") and path not in (f"content/{SITE_FILE}", f"content/{HOLIDAYS_FILE}")
        for path in changed or ())


def site_base_path(site_dir: Path) -> str | None:
    """base_url's path ("/" or "/zwgk/") as content/site.yaml says now; None while it is broken."""
    rel = "content/" + SITE_FILE
    try:
        raw = (site_dir / rel).read_bytes()
    except OSError:
        return None
    text = decode(raw, rel, [])
    if text is None:
        return None
    only_site = Sources(SourceFile(rel, "", "site", text, ""), (), (), (), {f: frozenset() for f in KINDS})
    config = validate(only_site).config
    return config.base_path if config is not None else None


class _Log:
    """The terminal's side: one line per rebuild, with every problem of a failed one (as `build`
    prints them) and warnings only when they changed."""

    def __init__(self, err: TextIO) -> None:
        self._err = err
        self._warnings: tuple[Diagnostic, ...] = ()

    def report(self, outcome: _Outcome, why: str) -> None:
        status, err = outcome.status, self._err
        errors, warnings = count(status.problems)
        clock = time.strftime("%H:%M:%S")
        took = f"用时 {outcome.seconds:.2f} 秒"
        if status.failed:
            for diagnostic in status.problems:
                print(format_text(diagnostic), file=err)
            if status.fatal:
                print(f"sitegen: 错误：{status.fatal}", file=err)
            self._warnings = ()
            print(f"{clock} 生成失败（{why}）：{errors + bool(status.fatal)} 个错误，{warnings} 个警告，{took}；"
                  "浏览器中显示错误页面，改正并保存后自动恢复", file=err)
            return
        if status.problems != self._warnings:
            for diagnostic in status.problems:
                print(format_text(diagnostic), file=err)
            self._warnings = status.problems
        print(f"{clock} 已生成（{why}）：{outcome.pages} 个页面（{outcome.rendered} 个重新渲染），"
              f"写入 {outcome.written} 个文件，"
              f"{outcome.unchanged} 个未变，{warnings} 个警告，{took}", file=err)


def _describe(batch: frozenset[str], site_dir: Path) -> str:
    """The changed files, for the rebuild line; an editor's temporary files are gone by now."""
    existing = [path for path in batch if os.path.exists(path)] or list(batch)
    names = sorted(os.path.relpath(path, site_dir.absolute()) for path in existing)
    return names[0] if len(names) == 1 else f"{names[0]} 等 {len(names)} 个文件"


def _address(server: PreviewServer, base_path: str) -> str:
    host, port = server.server_address[:2]
    name = host.decode() if isinstance(host, bytes) else host
    shown = f"[{name}]" if ":" in name else name
    return f"http://{shown}:{port}{base_path}"


@contextmanager
def _stop_signals() -> Iterator[threading.Event]:
    """Ctrl-C, and `kill`, stop the preview cleanly: the temporary folder is removed. SIGINT is set
    explicitly because a shell starts background jobs with it ignored.

    The handler raises KeyboardInterrupt wherever the main thread is, which may be a finalizer
    (a generator closed or an object freed by the collector in the middle of a rebuild) that
    swallows it with an "Exception ignored" note: the event it sets says so all the same."""
    stopping = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stopping
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        stopping.set()
        raise KeyboardInterrupt

    def unraisable(problem: sys.UnraisableHookArgs) -> None:
        if not isinstance(problem.exc_value, KeyboardInterrupt):  # a swallowed Ctrl-C is no problem
            hook(problem)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    hook, sys.unraisablehook = sys.unraisablehook, unraisable
    try:
        yield stopping
    finally:
        sys.unraisablehook = hook
        for sig, handler in previous.items():
            signal.signal(sig, handler)
