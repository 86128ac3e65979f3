"""Publish artifacts atomically: build a complete new tree beside the output, then swap it in.

The published output is never half-written: a failed or killed build leaves the previous
tree byte for byte as it was. Files whose bytes did not change are hard-linked from the
previous tree, so their mtimes stay and rsync deploys stay small. Nothing outside the output
and its sibling staging folders is ever written or deleted.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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
    """A new tree being filled beside the output. `fill` may run in forked worker processes."""

    root: Path
    output: Path
    previous: dict[str, str]  # the published tree's manifest
    in_place: bool = False  # root is the output itself (serve's private preview folder)

    def fill(self, outputs: Sequence[Output]) -> Filled:
        written = unchanged = 0
        manifest: dict[str, str] = {}
        made_dirs: set[Path] = set()
        for item in outputs:
            rel = _safe_relative(item.path)
            target = self.root / rel
            digest = item.digest if isinstance(item, Copy) else _digest(item.data)
            manifest[item.path] = digest
            if self.previous.get(item.path) == digest and (
                    target.is_file() if self.in_place else self._link_previous(rel, target, made_dirs)):
                unchanged += 1
                continue
            _make_parent(target, made_dirs)
            # In place, a reader of the preview never sees half a file: write beside it, then rename.
            written_to = target.with_name(target.name + ".sitegen-tmp") if self.in_place else target
            if isinstance(item, Artifact):
                written_to.write_bytes(item.data)
            else:
                shutil.copyfile(item.source, written_to)
            if self.in_place:
                os.replace(written_to, target)
            written += 1
        return Filled(manifest, written, unchanged)

    def _link_previous(self, rel: PurePosixPath, target: Path, made_dirs: set[Path]) -> bool:
        old = self.output / rel
        try:
            if old.is_symlink() or not old.is_file():
                return False
            _make_parent(target, made_dirs)
            os.link(old, target)
        except OSError:
            return False  # another filesystem, or links not allowed: write it instead
        return True


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
def publish(output: Path, in_place: bool = False) -> Iterator[Staging]:
    """Hold the output's lock and a fresh staging tree; `finish` swaps it in, anything else
    (an error, a content problem, an exception) throws it away and leaves the output as it was.

    `in_place` (serve's private folder only): write into the output itself, each file
    atomically, and remove what is gone in `finish`; copying a 10,000-page tree for every save
    would cost seconds. A failed build may leave some pages new there (see Filled)."""
    output = output.absolute()
    with _locked(output):
        if in_place:
            try:
                output.mkdir(parents=True, exist_ok=True)
                yield Staging(output, output, _read_manifest(output), in_place=True)
            except OSError as exc:
                raise OutputError(f"写入预览目录失败：{describe(exc, output)}") from exc
            return
        staging = output.parent / f".{output.name}.sitegen-new"
        trash = output.parent / f".{output.name}.sitegen-trash"
        try:
            _recover(output)
            for leftover in (staging, trash):  # left by a killed build: ours, never published
                shutil.rmtree(leftover, ignore_errors=True)
            staging.mkdir()
            yield Staging(staging, output, _read_manifest(output))
        except OSError as exc:
            raise OutputError(f"写入输出目录失败：{describe(exc, output)}；已发布的输出未改动") from exc
        finally:
            _remove_soon(staging, trash)  # after a swap it holds the old tree


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


def finish(staging: Staging, batches: Sequence[Filled]) -> WriteResult:
    """Write the manifest and swap the staging tree in."""
    manifest: dict[str, str] = {}
    for batch in batches:
        for path in batch.manifest:
            if path in manifest:
                raise OutputError(f"两个输出写入了同一个文件：{path}")
        manifest.update(batch.manifest)
    if staging.in_place:
        _remove_gone(staging.root, set(staging.previous) - set(manifest))
        if manifest != staging.previous:
            text = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=0)
            (staging.root / (MARKER + ".sitegen-tmp")).write_text(text, encoding="utf-8")
            os.replace(staging.root / (MARKER + ".sitegen-tmp"), staging.root / MARKER)
        return WriteResult(sum(b.written for b in batches), sum(b.unchanged for b in batches))
    _write_manifest(staging.root, staging.output, manifest, staging.previous)
    _fsync_tree_root(staging.root)
    _swap_in(staging.root, staging.output)
    return WriteResult(sum(b.written for b in batches), sum(b.unchanged for b in batches))


def _remove_gone(root: Path, gone: set[str]) -> None:
    """Files the new build no longer makes, and the folders they leave empty."""
    for path in sorted(gone):
        target = root / _safe_relative(path)
        target.unlink(missing_ok=True)
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
    if manifest == previous:
        try:
            os.link(output / MARKER, staging / MARKER)
            return
        except OSError:
            pass
    text = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=0)
    (staging / MARKER).write_text(text, encoding="utf-8")


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


def _swap_in(staging: Path, output: Path) -> None:
    """Exchange the two trees in one atomic rename where the system allows it."""
    old = output.parent / f".{output.name}.sitegen-old"
    if old.exists():
        shutil.rmtree(old)
    if output.exists():
        if _exchange(staging, output):
            return  # staging now holds the previous tree; publish() removes it
        os.rename(output, old)  # fallback: a moment with no output; _recover() mends a kill here
        os.rename(staging, output)
        shutil.rmtree(old)
    else:
        os.rename(staging, output)
    staging.mkdir()  # keep the path publish() cleans up


def _recover(output: Path) -> None:
    """A build killed between the two renames of the fallback left the previous tree aside."""
    old = output.parent / f".{output.name}.sitegen-old"
    if old.is_dir() and not output.exists():
        os.rename(old, output)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """renameat2(RENAME_EXCHANGE): Linux swaps two directories atomically."""
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
