"""Publish artifacts atomically: build a complete new tree beside the output, then swap it in.

The published output is never half-written: a failed or killed build leaves the previous
tree byte for byte as it was. Files whose bytes did not change are hard-linked from the
previous tree, so their mtimes stay and rsync deploys stay small. Nothing outside the output
and its sibling staging folders is ever written or deleted.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .artifacts import Artifact, Copy, Output
from .options import UsageError

MARKER = ".sitegen-manifest.json"


class OutputError(UsageError):
    """The output directory cannot be used or written (exit 2)."""


@dataclass(frozen=True, slots=True)
class WriteResult:
    written: int  # files whose bytes changed or are new
    unchanged: int  # files carried over from the previous tree


def check_output_dir(output: Path, site_dir: Path) -> None:
    """Refuse an output that would overwrite something that is not a sitegen build."""
    out, site = output.resolve(), site_dir.resolve()
    content = site / "content"
    if out == Path(out.anchor):
        raise OutputError(f"输出目录不能是根目录 {out}")
    if out == site or out in site.parents:
        raise OutputError(f"输出目录 {output} 是站点目录本身或其上级目录，构建会覆盖源文件")
    if out == content or content in out.parents:
        raise OutputError(f"输出目录 {output} 位于 content/ 之内，请换一个目录（默认是 output/）")
    if (site / "themes") in out.parents or out == site / "themes":
        raise OutputError(f"输出目录 {output} 位于 themes/ 之内，请换一个目录")
    if out.exists() and not out.is_dir():
        raise OutputError(f"输出路径 {output} 已存在且不是目录")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise OutputError(
            f"输出目录 {output} 不是空目录，也不是 sitegen 生成的，为免误删其中文件，拒绝写入"
        )


@dataclass(frozen=True, slots=True)
class Filled:
    """What one batch of outputs did in the staging tree."""

    manifest: dict[str, str]  # path -> digest
    written: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class Staging:
    """A new tree being filled beside the output. `fill` may run in forked worker processes.

    The tree starts as the spare — the tree published before the current one, kept beside the
    output — and `base` says what it holds; only the files that differ from the new build are
    replaced. Its unchanged files are hard links shared with the published trees, so a file is
    never written where it lies: always beside it, then renamed over it."""

    root: Path
    output: Path
    previous: dict[str, str]  # the published tree's manifest
    in_place: bool = False  # root is the output itself (serve's private preview folder)
    base: dict[str, str] = field(default_factory=dict)  # what root holds already: path -> digest

    def fill(self, outputs: Sequence[Output]) -> Filled:
        written = unchanged = 0
        manifest: dict[str, str] = {}
        made_dirs: set[Path] = set()
        held = self.previous if self.in_place else self.base
        for item in outputs:
            digest = item.digest if isinstance(item, Copy) else _digest(item.data)
            manifest[item.path] = digest
            same = self.previous.get(item.path) == digest
            if held.get(item.path) == digest and self._holds(item, same):
                unchanged += same
                written += not same
                continue
            rel = _safe_relative(item.path)
            target = self.root / rel
            if same and not self.in_place and self._link_previous(rel, target, made_dirs):
                unchanged += 1
                continue
            if self.in_place or self.base:  # a tree others read, or that held other files
                self._make_way(rel, made_dirs)
                _write(_beside(target), item)
                os.replace(_beside(target), target)
            else:
                _make_parent(target, made_dirs)
                _write(target, item)
            written += 1
        return Filled(manifest, written, unchanged)

    def _holds(self, item: Output, same: bool) -> bool:
        """Whether the tree has the file already, as its manifest says. In place, a page kept from
        the published output (a Copy of itself, checked when it was kept) needs no second look."""
        if not self.in_place or same and isinstance(item, Copy):
            return True
        return os.path.isfile(os.path.join(self.root, item.path))

    def _make_way(self, rel: PurePosixPath, made_dirs: set[Path]) -> None:
        """The folders for a file in a tree that held other files: a file where a folder goes
        now, or a folder where the file goes, is removed first (the new build no longer has it)."""
        target = self.root / rel
        try:
            _make_parent(target, made_dirs)
        except (FileExistsError, NotADirectoryError):
            for depth in range(1, len(rel.parts)):
                ancestor = self.root.joinpath(*rel.parts[:depth])
                if ancestor.is_file() or ancestor.is_symlink():
                    ancestor.unlink()
            _make_parent(target, made_dirs)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)

    def _link_previous(self, rel: PurePosixPath, target: Path, made_dirs: set[Path]) -> bool:
        """A file the published tree has already, shared by a hard link: its mtime stays."""
        old = self.output / rel
        try:
            if old.is_symlink() or not old.is_file():
                return False
            if self.base:
                self._make_way(rel, made_dirs)
                _link_over(old, target)
            else:
                _make_parent(target, made_dirs)
                os.link(old, target)
        except OSError:
            return False  # another filesystem, or links not allowed: write it instead
        return True


def _beside(target: Path) -> Path:
    """Where a file is made before it is renamed over the target: a reader (of the preview) never
    sees half a file, and a hard link the target shares with a published tree is never written
    through."""
    return target.with_name(target.name + ".sitegen-tmp")


def _link_over(source: Path, target: Path) -> None:
    """Make target a hard link to source, replacing what is there. rename(2) does nothing when
    both names are links to one file already (the spare's file may be the published one): then
    the link made beside is removed by hand."""
    os.link(source, _beside(target))
    os.replace(_beside(target), target)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(_beside(target))


def _write(path: Path, item: Output) -> None:
    if isinstance(item, Artifact):
        path.write_bytes(item.data)
    else:
        shutil.copyfile(item.source, path)


def _make_parent(target: Path, made_dirs: set[Path]) -> None:
    if target.parent not in made_dirs:
        target.parent.mkdir(parents=True, exist_ok=True)
        made_dirs.add(target.parent)


def write_site(outputs: Sequence[Output], output: Path) -> WriteResult:
    """Write every output into a new tree and swap it in place of `output`."""
    with publish(output) as staging:
        filled = staging.fill(outputs)
        return finish(staging, [filled])


@contextmanager
def reserve(output: Path) -> Iterator[Reserved]:
    """Hold the output's lock for one build, and make its staging tree ready meanwhile: the
    spare is taken and swept in a child process while the build loads and validates, as
    sweeping waits on the disk (a spare of 100,000 folders took 5–12 s when its folders were
    not in the system's caches). `publish(output, reserved=…)` waits for it. A build that
    publishes nothing (content errors, nothing changed) puts the tree back as the spare."""
    output = output.absolute()
    with _locked(output):
        try:
            reserved = Reserved(output)
        except OSError as exc:
            raise OutputError(f"写入输出目录失败：{describe(exc, output)}；已发布的输出未改动") from exc
        try:
            yield reserved
        finally:
            reserved.release()


class Reserved:
    """The staging tree of a locked output, made ready by a child process (see `reserve`)."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.staging = output.parent / f".{output.name}.sitegen-new"
        _recover(output)  # before anything reads the output: a swap killed halfway is mended first
        self._taken = False
        self._spare_moved = False  # whether the child made the spare the staging tree
        self._pid: int | None = None  # None: no child; `take` makes the tree ready here
        self._progress = -1  # read end of a pipe; the child writes one byte once the spare is moved
        if hasattr(os, "fork"):
            self._progress, write_end = os.pipe()
            try:
                self._pid = os.fork()
            except OSError:  # no process to spare: the tree is made ready when taken
                os.close(self._progress)
                os.close(write_end)
                return
            if self._pid == 0:  # the child: file system work only, then gone without Python's exit
                os.close(self._progress)
                os._exit(_make_ready(output, self.staging, write_end))
            os.close(write_end)

    def take(self) -> dict[str, str]:
        """Wait for the staging tree; its manifest (what it holds already), or {} for an empty tree."""
        self._taken = True
        if self._pid is None:  # no fork on this system: made ready here
            _remove_leftovers(self.output)
            return _take_spare(_spare(self.output), self.staging)
        if self._wait() == 0:
            return _read_manifest(self.staging) if self.staging.is_dir() else {}
        shutil.rmtree(self.staging, ignore_errors=True)  # the child failed: start from nothing
        self.staging.mkdir()
        return {}

    def release(self) -> None:
        """Unless the build took the staging tree, stop the child and give the spare back (partly
        swept is still a spare: it holds its manifest's files and perhaps some others)."""
        if self._taken or self._pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        self._wait()
        spare = _spare(self.output)
        if self._spare_moved and not spare.exists():
            with contextlib.suppress(OSError):
                self.staging.rename(spare)

    def _wait(self) -> int:
        """The child's exit status (nonzero when killed), once; and whether it moved the spare."""
        assert self._pid is not None
        try:
            _, status = os.waitpid(self._pid, 0)
            code = os.waitstatus_to_exitcode(status)
        except ChildProcessError:  # reaped already (a host program ignores SIGCHLD): outcome unknown
            code = -1
        with os.fdopen(self._progress, "rb") as progress:
            self._spare_moved = progress.read() == b"1"
        self._pid = None
        return code


def _make_ready(output: Path, staging: Path, progress: int) -> int:
    """In the child: what `publish` did before the build could write. 0 when done."""
    try:
        with os.fdopen(progress, "wb", buffering=0) as moved:
            _remove_leftovers(output)
            _take_spare(_spare(output), staging, lambda: moved.write(b"1"))
        return 0
    except BaseException:  # noqa: BLE001 - the parent starts from an empty tree instead
        return 1


def _remove_leftovers(output: Path) -> None:
    """The trees a killed build left: ours, never published."""
    for name in (f".{output.name}.sitegen-new", f".{output.name}.sitegen-trash"):
        shutil.rmtree(output.parent / name, ignore_errors=True)


@contextmanager
def publish(output: Path, in_place: bool = False, reserved: Reserved | None = None) -> Iterator[Staging]:
    """Hold the output's lock and a fresh staging tree; `finish` swaps it in, anything else
    (an error, a content problem, an exception) throws it away and leaves the output as it was.
    `reserved`: the lock is held and the staging tree made ready already (see `reserve`).

    `in_place` (serve's private folder only): write into the output itself, each file
    atomically, and remove what is gone in `finish`; copying a 10,000-page tree for every save
    would cost seconds. A failed build may leave some pages new there (see Filled)."""
    output = output.absolute()
    if in_place:
        with _locked(output):
            try:
                output.mkdir(parents=True, exist_ok=True)
                yield Staging(output, output, _read_manifest(output), in_place=True)
            except OSError as exc:
                raise OutputError(f"写入预览目录失败：{describe(exc, output)}") from exc
        return
    with contextlib.ExitStack() as stack:
        if reserved is None:
            reserved = stack.enter_context(reserve(output))
        staging = reserved.staging
        trash = output.parent / f".{output.name}.sitegen-trash"
        try:
            base = reserved.take()
            yield Staging(staging, output, _read_manifest(output), base=base)
        except OSError as exc:
            raise OutputError(f"写入输出目录失败：{describe(exc, output)}；已发布的输出未改动") from exc
        finally:
            if staging.exists():  # a failed build's tree: what it holds is known to nobody
                _remove_soon(staging, trash)


def _spare(output: Path) -> Path:
    """The tree published before the current one, kept to become the next build's staging tree."""
    return output.parent / f".{output.name}.sitegen-spare"


def _take_spare(spare: Path, staging: Path, moved: Callable[[], object] = lambda: None) -> dict[str, str]:
    """Move the spare tree to be the staging tree, rid of anything its manifest does not name,
    and return that manifest; without a spare (or with one whose manifest is unreadable), an
    empty staging tree and an empty manifest. A spare that cannot be used is thrown away: it
    only saves time, and must never stop a build. `moved` is told once the spare is the staging tree."""
    if spare.is_dir():
        base = _read_manifest(spare)
        try:
            if base:
                spare.rename(staging)
                moved()
                _sweep(str(staging), "", set(base))
                return base
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(spare, ignore_errors=True)
    staging.mkdir()
    return {}


def _sweep(folder: str, prefix: str, named: set[str]) -> bool:
    """Remove what a tree holds beyond the files its manifest names: files added by hand to the
    published output, and what a killed build left half-made. True when the folder is left empty."""
    empty = True
    with os.scandir(folder) as entries:
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if _sweep(entry.path, rel + "/", named):
                    os.rmdir(entry.path)
                else:
                    empty = False
            elif entry.is_file(follow_symlinks=False) and (rel in named or rel == MARKER):
                empty = False
            else:
                os.unlink(entry.path)
    return empty


_removals: list[threading.Thread] = []


def _remove_soon(tree: Path, trash: Path) -> None:
    """Remove a tree on a thread, so that the build's last steps (saving the cache) overlap with
    it: removing 10,000 folders takes a second. `wait_for_removals` joins it before the build
    returns; a build killed meanwhile leaves `trash`, which the next one removes first."""
    try:
        tree.rename(trash)
    except OSError:
        shutil.rmtree(tree, ignore_errors=True)
        return
    thread = threading.Thread(target=shutil.rmtree, args=(trash,), kwargs={"ignore_errors": True},
                              name="sitegen-remove")
    thread.start()
    _removals.append(thread)


def wait_for_removals() -> None:
    while _removals:
        _removals.pop().join()


@contextmanager
def _locked(output: Path) -> Iterator[None]:
    """One build at a time per output: a lock file beside it, released when closed."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        lock = open(output.parent / f".{output.name}.sitegen-lock", "a")  # noqa: SIM115 - held below
    except OSError as exc:
        raise OutputError(f"无法写入输出目录：{describe(exc, output)}；已发布的输出未改动") from exc
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


# What went wrong, in words an operator acts on; other errors keep the system's own words.
_PROBLEMS = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.EROFS: "输出目录所在的文件系统是只读的",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EBUSY: "输出目录是挂载点或正被占用，无法整体替换；请输出到它里面的一个子目录",
    errno.EXDEV: "输出目录是挂载点，无法整体替换；请输出到它里面的一个子目录",
}


def describe(exc: OSError, output: Path) -> str:
    """“磁盘空间不足（/srv/www/.output.sitegen-new/index.html）”."""
    problem = _PROBLEMS.get(exc.errno or 0) or exc.strerror or str(exc)
    return f"{problem}（{exc.filename or output}）"


def finish(staging: Staging, batches: Sequence[Filled], unsure: Iterable[str] = ()) -> WriteResult:
    """Write the manifest and swap the staging tree in; the tree it replaces is kept as the spare.
    `unsure` (in place): files a failed build may have written; those the manifest does not name go."""
    manifest: dict[str, str] = {}
    for batch in batches:
        for path in batch.manifest:
            if path in manifest:
                raise OutputError(f"两个输出写入了同一个文件：{path}")
        manifest.update(batch.manifest)
    result = WriteResult(sum(b.written for b in batches), sum(b.unchanged for b in batches))
    if staging.in_place:
        _remove_gone(staging.root, (set(staging.previous) | set(unsure)) - set(manifest))
        if manifest != staging.previous:
            _write_manifest(staging.root, staging.output, manifest, staging.previous)
        return result
    _remove_gone(staging.root, set(staging.base) - set(manifest))
    _write_manifest(staging.root, staging.output, manifest, staging.previous)
    _fsync_tree_root(staging.root)
    if _swap_in(staging.root, staging.output):
        staging.root.rename(_spare(staging.output))
    return result


def _remove_gone(root: Path, gone: set[str]) -> None:
    """Files the new build no longer makes, and the folders they leave empty."""
    for path in sorted(gone):
        target = root / _safe_relative(path)
        try:
            target.unlink(missing_ok=True)
        except (IsADirectoryError, NotADirectoryError):
            continue  # the new build made a folder where the file was, or a file where its folder was
        folder = target.parent
        while folder != root:
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
            folder = folder.parent


def _safe_relative(path: str) -> PurePosixPath:
    rel = PurePosixPath(path)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise OutputError(f"拒绝写入输出目录之外的路径：{path}")
    return rel


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_manifest(staging: Path, output: Path, manifest: dict[str, str], previous: dict[str, str]) -> None:
    """The manifest names every file and its digest; unchanged, it keeps its mtime too."""
    target = staging / MARKER
    if manifest == previous and staging != output:
        try:
            _link_over(output / MARKER, target)
            return
        except OSError:
            pass
    text = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=0)
    _beside(target).write_text(text, encoding="utf-8")
    os.replace(_beside(target), target)


def manifest_digest(output: Path) -> str | None:
    """A digest of the published tree's manifest, or None when there is none."""
    try:
        return hashlib.sha256((output.absolute() / MARKER).read_bytes()).hexdigest()
    except OSError:
        return None


def _read_manifest(output: Path) -> dict[str, str]:
    try:
        data = json.loads((output / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _swap_in(staging: Path, output: Path) -> bool:
    """Exchange the two trees in one atomic rename where the system allows it. True when the
    staging path holds the previous tree afterwards."""
    old = output.parent / f".{output.name}.sitegen-old"
    if old.exists():
        shutil.rmtree(old)
    if not output.exists():
        os.rename(staging, output)
        return False
    if not _exchange(staging, output):
        os.rename(output, old)  # fallback: a moment with no output; _recover() mends a kill here
        os.rename(staging, output)
        os.rename(old, staging)
    return True


def _recover(output: Path) -> None:
    """A build killed between the two renames of the fallback left the previous tree aside."""
    old = output.parent / f".{output.name}.sitegen-old"
    if old.is_dir() and not output.exists():
        os.rename(old, output)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """renameat2(RENAME_EXCHANGE): Linux swaps two directories atomically."""
    import ctypes.util  # here: a build with nothing to do imports this module, and never swaps

    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync_tree_root(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
