"""Walk content/ and read every source file as text — the only stage that reads content from disk."""

from __future__ import annotations

import hashlib
import os
import posixpath
import stat
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic, Location, Reporter, Severity
from .models import Asset, Frozen
from .schema import KINDS
from .slugs import is_slug

SITE_FILE = "site.yaml"
HOLIDAYS_FILE = "holidays.yaml"  # 法定节假日和调休上班日：every working-day computation reads it
FILES_FOLDER = "files"
YAML_SUFFIXES = (".yaml", ".yml")
# Files a browser runs as a page of the site itself when opened from /files/: a script in an
# SVG or an HTML attachment would run with the government site's origin, so they are refused.
ACTIVE_SUFFIXES = frozenset({
    ".html", ".htm", ".shtml", ".xhtml", ".xht", ".mht", ".mhtml", ".svg", ".svgz",
    ".xml", ".xsl", ".xslt", ".js", ".mjs", ".swf",
})


class SourceFile(Frozen):
    """One content file as read: where it is, and its text — decoded from its bytes when first
    needed if those bytes decoded before (the build cache knows them, see load_sources). A warm
    build takes such a file's records from the cache: decoding every file of the site was a
    third of reading them, for text that only the lines a problem quotes are taken from.

    Immutable; equal when path, folder, slug, digest and text are."""

    __slots__ = ("path", "folder", "slug", "digest", "_text", "_raw")
    path: str  # relative to the site dir, "/" separators: "content/procedures/gongan/huzhao.md"
    folder: str  # the kind's folder ("procedures"), or "" for site.yaml
    slug: str
    digest: str  # of the raw bytes
    _text: str | None  # decoded, BOM removed, line endings normalised to "\n"; None until needed
    _raw: bytes | None  # the bytes while not decoded

    def __init__(self, path: str, folder: str, slug: str, text: str, digest: str) -> None:
        self._set(path=path, folder=folder, slug=slug, digest=digest, _text=text, _raw=None)

    @classmethod
    def undecoded(cls, path: str, folder: str, slug: str, raw: bytes, digest: str) -> SourceFile:
        """A file whose bytes are known to decode (they did before), decoded when first read."""
        source = cls.__new__(cls)  # no __init__: one per unchanged file, on every warm build
        source._set(path=path, folder=folder, slug=slug, digest=digest, _text=None, _raw=raw)
        return source

    @property
    def text(self) -> str:
        if self._text is None:
            raw = self._raw or b""
            # Bytes that no longer decode could only come with a hand-made cache: never a traceback.
            text = decode(raw, self.path, []) or raw.decode("utf-8", "replace")
            self._set(_text=text, _raw=None)
        assert self._text is not None
        return self._text

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceFile):
            return NotImplemented
        return (self.path, self.folder, self.slug, self.digest, self.text) == (
            other.path, other.folder, other.slug, other.digest, other.text)

    def __hash__(self) -> int:
        return hash((self.path, self.digest))

    def __repr__(self) -> str:
        return f"SourceFile({self.path!r}, {self.folder!r}, {self.slug!r}, digest={self.digest!r})"

    def __reduce__(self) -> tuple[object, tuple[str, str, str, str, str]]:  # pickle and copy, past __setattr__
        return SourceFile, (self.path, self.folder, self.slug, self.text, self.digest)


def file_key(path: str, digest: str) -> str:
    """A file's records depend on its path (slug, origin) and its bytes, and on nothing else."""
    return f"{path}\0{digest}"


@dataclass(frozen=True, slots=True)
class Sources:
    site: SourceFile | None
    records: tuple[SourceFile, ...]  # sorted by path
    assets: tuple[Asset, ...]  # sorted by name
    diagnostics: tuple[Diagnostic, ...]
    attempted: dict[str, frozenset[str]]  # folder -> every slug with a file, readable or not
    holidays: SourceFile | None = None  # content/holidays.yaml, when the site has one


_CHUNK = 1 << 16  # bytes per read: a content file is rarely larger
StatKey = tuple[int, int, int]  # a file's mtime in ns, size and inode


@dataclass(frozen=True, slots=True)
class _Listing:
    """One folder of content/ as a walk found it: its files (path, name, whether a symlink) and
    its subfolders (path, name), and the symlinks it refused."""

    files: list[tuple[str, str, bool]]
    folders: list[tuple[str, str]]
    problems: list[Diagnostic]


@dataclass(slots=True)
class Seen:
    """What a process that reads the same content again and again (serve) read last time.

    An unchanged stat means an unchanged file, which is not read again. When the caller knows
    which paths changed since (the preview's file watcher: `changed` in load_sources), the other
    files are not even looked at, and only the folders holding a change are listed again."""

    files: dict[str, tuple[StatKey, SourceFile]] = field(default_factory=dict)  # rel path -> what was read
    folders: dict[str, _Listing] = field(default_factory=dict)  # path within content/ ("", "a/") -> listing


def load_sources(site_dir: Path, seen: Seen | None = None, changed: frozenset[str] | None = None,
                 decoded: Container[str] = frozenset()) -> Sources:
    """Every source under content/. `seen`: what the last call read; `changed`: the only paths
    (relative to site_dir, "content/a/b.md") that may differ since it, when the caller knows;
    `decoded`: the file_keys of record files whose bytes decoded before (the build cache's),
    whose text is decoded only when something reads it."""
    content = site_dir / "content"
    trusted = changed if seen is not None else None
    problems: list[Diagnostic] = []

    def problem(rel: str, message: str, hint: str, code: str, severity: Severity = Severity.ERROR) -> None:
        problems.append(Diagnostic(severity, Location(rel), message, hint, code))

    site = load_site_file(site_dir, problems)
    holidays: SourceFile | None = None
    holidays_path = content / HOLIDAYS_FILE
    if holidays_path.is_file() and _inside(holidays_path, content):
        holidays = _read(str(holidays_path), "content/" + HOLIDAYS_FILE, "", "holidays", problems)

    records: list[SourceFile] = []
    assets: list[Asset] = []
    attempted: dict[str, set[str]] = {folder: set() for folder in KINDS}
    for path, rel_in_content, linked in _walk(content, problems, seen, trusted):
        rel = "content/" + rel_in_content
        # a symlink is looked at every time: its target may change where no watcher looks
        unchanged = trusted is not None and not linked and rel not in trusted
        if unchanged and seen is not None and (known := seen.files.get(rel)) is not None:
            attempted[known[1].folder].add(known[1].slug)  # a record file as it was: its place says what it is
            records.append(known[1])
            continue
        top, _, rest = rel_in_content.partition("/")
        if not rest:
            if rel_in_content not in (SITE_FILE, HOLIDAYS_FILE):
                problem(rel, f"content/ 下的文件 “{rel_in_content}” 不属于任何内容类型，已忽略",
                        "内容文件放在 departments/、procedures/ 等文件夹中", "source.unknown",
                        Severity.WARNING)
            continue
        name = posixpath.basename(rel_in_content)
        stem, suffix = posixpath.splitext(name)
        if top == FILES_FOLDER:
            if suffix.lower() in ACTIVE_SUFFIXES:
                problem(rel, f"content/files/ 里不能放 {suffix} 文件：浏览器打开它时会运行其中的脚本",
                        "网页请另存为 PDF，SVG 图片请导出为 PNG 再放入 content/files/", "source.active-file")
                continue
            asset = _asset(path, rest, rel, problems)
            if asset is not None:
                assets.append(asset)
            continue
        kind = KINDS.get(top)
        if kind is None:
            problem(rel, f"未知的内容文件夹 “{top}/”，其中的文件已忽略",
                    "可用的文件夹：" + "、".join([*KINDS, FILES_FOLDER]), "source.unknown", Severity.WARNING)
            continue
        suffixes = (".md",) if kind.markdown else YAML_SUFFIXES
        if suffix not in suffixes:
            problem(rel, f"{top}/ 里的文件应以 {' 或 '.join(suffixes)} 结尾，此文件已忽略",
                    f"把文件改名为 {stem}{suffixes[0]}", "source.suffix", Severity.WARNING)
            continue
        if not is_slug(stem):
            problem(rel, f"文件名 “{name}” 不能用作网址",
                    f"文件名只用小写字母、数字和连字符，如 {_suggest_slug(stem)}{suffix}", "source.slug")
            continue
        attempted[top].add(stem)
        source = _read_seen(path, rel, top, stem, problems, seen, decoded)
        if source is not None:
            records.append(source)
    if seen is not None:  # files no longer there are forgotten: one that comes back is read again
        seen.files = {source.path: seen.files[source.path] for source in records if source.path in seen.files}
    return Sources(site, tuple(sorted(records, key=lambda s: s.path)),
                   tuple(sorted(assets, key=lambda a: a.name)), tuple(problems),
                   {folder: frozenset(slugs) for folder, slugs in attempted.items()}, holidays)


def load_site_file(site_dir: Path, problems: list[Diagnostic]) -> SourceFile | None:
    """content/site.yaml alone, or None with the problem why (for the commands that need only
    the site's settings, and as the first file load_sources reads)."""
    content = site_dir / "content"
    site_path = content / SITE_FILE
    if site_path.is_file() and _inside(site_path, content):
        return _read(str(site_path), "content/" + SITE_FILE, "", "site", problems)
    problems.append(Diagnostic(
        Severity.ERROR, Location("content/" + SITE_FILE), "找不到站点配置文件 content/site.yaml",
        "在 content/ 下新建 site.yaml，至少写 title、base_url、organization 和 identity", "source.site"))
    return None


def _walk(content: Path, problems: list[Diagnostic], seen: Seen | None = None,
          changed: frozenset[str] | None = None) -> list[tuple[str, str, bool]]:
    """Every regular file under content/ as (path, path relative to content/ with "/", whether a
    symlink), folders sorted by name; symlinks that leave content/, and symlinked folders, are
    refused. Plain strings and os.scandir: at 10,000 files, pathlib alone would cost a fifth of
    a second. With `seen` and `changed`, a folder none of the changed paths is in (or is) keeps
    the listing it had."""
    found: list[tuple[str, str, bool]] = []
    if not content.is_dir():
        return found
    dirty = None if changed is None or seen is None else _relisted(changed, content, seen)
    listings: dict[str, _Listing] = {}

    def visit(folder: str, prefix: str) -> None:
        listing = seen.folders.get(prefix) if seen is not None and dirty is not None and prefix not in dirty else None
        if listing is None:
            try:
                listing = _list(folder, content)
            except OSError as error:  # os.walk would skip such a folder without a word; listed again next time
                rel = "content/" + prefix.rstrip("/") if prefix else "content"
                problems.append(Diagnostic(Severity.ERROR, Location(rel), f"无法读取文件夹：{error.strerror}",
                                           "检查文件夹的权限", "source.read"))
                return
        listings[prefix] = listing
        problems.extend(listing.problems)
        found.extend((path, prefix + name, linked) for path, name, linked in listing.files)
        for path, name in listing.folders:
            visit(path, prefix + name + "/")

    visit(str(content), "")
    if seen is not None:
        seen.folders = listings  # folders no longer there are forgotten
    return found


def _list(folder: str, content: Path) -> _Listing:
    with os.scandir(folder) as scan:
        entries = sorted((e for e in scan if not e.name.startswith(".")), key=lambda e: e.name)
    listing = _Listing([], [], [])
    for entry in entries:
        if entry.is_symlink():
            if entry.is_dir() or not _inside(Path(entry.path), content):
                _refuse_link(Path(entry.path), content, listing.problems)
            elif entry.is_file():
                listing.files.append((entry.path, entry.name, True))
        elif entry.is_dir():
            listing.folders.append((entry.path, entry.name))
        elif entry.is_file():
            listing.files.append((entry.path, entry.name, False))
    return listing


def _relisted(changed: frozenset[str], content: Path, seen: Seen) -> set[str]:
    """The folders (as prefixes within content/: "", "procedures/") whose listing these changed
    paths may have changed: a file edited where it was listed as a file changes none; one
    made, removed or turned into something else changes its folder's, and a folder its own."""
    folders: set[str] = set()
    for path in changed:
        if path != "content" and not path.startswith("content/"):
            continue
        inside = path[len("content/"):].strip("/")
        parent, name = posixpath.split(inside)
        prefix = parent + "/" if parent else ""
        listing = seen.folders.get(prefix)
        listed = listing is not None and any(entry[1] == name and not entry[2] for entry in listing.files)
        try:
            still = stat.S_ISREG(os.lstat(os.path.join(content, inside)).st_mode)
        except OSError:
            still = False
        if not (listed and still):
            folders.add(prefix)
            if inside:
                folders.add(inside + "/")
    return folders


def _refuse_link(path: Path, content: Path, problems: list[Diagnostic]) -> None:
    rel = "content/" + path.relative_to(content).as_posix()
    problems.append(Diagnostic(
        Severity.ERROR, Location(rel), "不允许使用符号链接（软链接）：sitegen 只读取 content/ 里的真实文件",
        "把文件本身复制到 content/ 中，删除这个链接", "source.symlink"))


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (OSError, ValueError):
        return False
    return True


def _read_bytes(path: str, rel: str, problems: list[Diagnostic]) -> bytes | None:
    """The file's bytes; os.open and os.read, without a buffered file object around them: at
    10,000 files, a third less time than open()."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            chunks = []
            while chunk := os.read(fd, _CHUNK):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)
    except OSError as exc:
        problems.append(Diagnostic(Severity.ERROR, Location(rel), f"无法读取文件：{exc.strerror}",
                                   "检查文件权限", "source.read"))
        return None


def _read_seen(path: str, rel: str, folder: str, slug: str, problems: list[Diagnostic],
               seen: Seen | None, decoded: Container[str]) -> SourceFile | None:
    """The file as read last time if its stat is unchanged, else read now."""
    if seen is None:
        return _read(path, rel, folder, slug, problems, decoded)
    try:
        info = os.stat(path)
    except OSError:
        return _read(path, rel, folder, slug, problems)  # reports the problem
    key = (info.st_mtime_ns, info.st_size, info.st_ino)
    known = seen.files.get(rel)
    if known is not None and known[0] == key:
        return known[1]
    source = _read(path, rel, folder, slug, problems, decoded)
    if source is not None:
        seen.files[rel] = (key, source)
    return source


def _read(path: str, rel: str, folder: str, slug: str, problems: list[Diagnostic],
          decoded: Container[str] = frozenset()) -> SourceFile | None:
    raw = _read_bytes(path, rel, problems)
    if raw is None:
        return None
    digest = hashlib.sha256(raw).hexdigest()
    if file_key(rel, digest) in decoded:
        return SourceFile.undecoded(rel, folder, slug, raw, digest)
    text = decode(raw, rel, problems)
    if text is None:
        return None
    return SourceFile(rel, folder, slug, text, digest)


def decode(raw: bytes, rel: str, problems: list[Diagnostic]) -> str | None:
    """UTF-8 with or without a BOM, any line endings; other encodings are refused with the line."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = len(raw[raw.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8")) + 1  # characters
        guess = _guess_encoding(raw)
        report = Reporter(rel)
        report.error(line, column, f"文件不是 UTF-8 编码{guess}（第 {exc.start + 1} 个字节无法识别）",
                     "用编辑器“另存为”UTF-8 编码（如记事本选 UTF-8，VS Code 右下角选 “通过编码保存 → UTF-8”）",
                     "source.encoding")
        problems.extend(report.diagnostics)
        return None
    # Looked for in the bytes, where the search is a memchr: on a site's many files, scanning
    # the decoded text for them took almost as long as decoding it.
    if b"\x00" in raw:
        problems.append(Diagnostic(Severity.ERROR, Location(rel), "文件含有空字符（\\0），不是文本文件",
                                   "内容文件应为纯文本 UTF-8", "source.encoding"))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n") if b"\r" in raw else text


def _guess_encoding(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "，看起来是 UTF-16 编码（记事本里叫 “Unicode”）"
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return ""
    return "，看起来是 GBK/GB18030 编码"


def _asset(path: str, name: str, rel: str, problems: list[Diagnostic]) -> Asset | None:
    raw = _read_bytes(path, rel, problems)
    if raw is None:
        return None
    return Asset(name, path, len(raw), hashlib.sha256(raw).hexdigest())


def _suggest_slug(stem: str) -> str:
    ascii_part = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in stem.lower())
    slug = "-".join(part for part in ascii_part.split("-") if part)
    return slug or "my-page"
