"""Map a request target to a file inside the built site, or refuse it: the server's only door to the disk.

The class of bug this guards against is MkDocs' CVE-2021-40978 (`GET /../../etc/passwd`).
Nothing is normalised: a target with `.` or `..` segments, encoded slashes or backslashes,
NUL bytes, empty segments or invalid UTF-8 is refused outright (400), and every component
under the root is checked with lstat, so a symlink anywhere in the tree is never followed.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes


@dataclass(frozen=True, slots=True)
class Found:
    path: Path  # a regular file under the root, no symlink on the way


@dataclass(frozen=True, slots=True)
class Redirect:
    location: str
    permanent: bool  # 301 for a missing trailing slash, 302 from / to the base path


@dataclass(frozen=True, slots=True)
class NotFound:
    pass


@dataclass(frozen=True, slots=True)
class BadRequest:
    reason: str


Resolution = Found | Redirect | NotFound | BadRequest


def split_target(target: str) -> tuple[str, str]:
    """`/a/b?x=1#f` -> (`/a/b`, `?x=1`)."""
    path, mark, query = target.partition("#")[0].partition("?")
    return path, mark + query


def decode_segments(path: str) -> list[str] | BadRequest:
    """The decoded segments of an origin-form path, or why it is refused. A trailing slash
    gives a final empty segment."""
    if not path.startswith("/"):
        return BadRequest("请求路径必须以 / 开头")
    if any(ch in path for ch in "\\\0") or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in path):
        return BadRequest("请求路径含有不允许的字符")
    raw = path[1:].split("/")
    names: list[str] = []
    for index, part in enumerate(raw):
        if part == "" and index < len(raw) - 1:
            return BadRequest("请求路径中有空的路径段（//）")
        try:
            name = unquote_to_bytes(part).decode("utf-8")
        except UnicodeDecodeError:
            return BadRequest("请求路径不是有效的 UTF-8")
        if name in (".", "..") or any(ch in name for ch in "/\\\0"):
            return BadRequest("请求路径试图离开网站目录")
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
            return BadRequest("请求路径含有控制字符")
        names.append(name)
    return names


def resolve(target: str, root: Path, base_path: str) -> Resolution:
    """Where a request for `target` leads, for a site built into `root` and published under
    `base_path` (`/` or `/zwgk/`)."""
    path, query = split_target(target)
    segments = decode_segments(path)
    if isinstance(segments, BadRequest):
        return segments
    trailing = segments[-1] == "" if segments else True
    names = segments[:-1] if trailing else segments
    base = [s for s in _base_segments(base_path) if s]
    if names[: len(base)] != base:
        if not names:  # the server root of a site published under a path
            return Redirect(base_path + query, permanent=False)
        return NotFound()
    inside = names[len(base):]
    if any(name.startswith(".") for name in inside):
        return NotFound()  # the build's own files (.sitegen-manifest.json), never published
    current = root
    for name in inside:
        current = current / name
        mode = _lstat_mode(current)
        if mode is None or stat.S_ISLNK(mode):
            return NotFound()
    mode = _lstat_mode(current)
    if mode is not None and stat.S_ISDIR(mode):
        if not trailing:
            return Redirect(path + "/" + query, permanent=True)
        current = current / "index.html"
        mode = _lstat_mode(current)
    elif trailing:
        return NotFound()  # a file asked for as a folder
    if mode is None or not stat.S_ISREG(mode) or not _within(current, root):
        return NotFound()
    return Found(current)


def _base_segments(base_path: str) -> list[str]:
    return [unquote_to_bytes(s).decode("utf-8", "replace") for s in base_path.split("/")]


def _lstat_mode(path: Path) -> int | None:
    try:
        return os.lstat(path).st_mode
    except (OSError, ValueError):
        return None


def _within(path: Path, root: Path) -> bool:
    """A last guard, should the checks above ever miss a case: the real path is under the real root."""
    real_root = os.path.realpath(root)
    return os.path.commonpath([real_root, os.path.realpath(path)]) == real_root
