"""The search index: Pagefind's extended build segments the built Chinese pages into /pagefind/,
in shards that are reindexed only when one of their pages changed.

Pagefind 1.5 segments the pages with jieba when it indexes them, but the browser segments the
query with its own dictionary (Intl.Segmenter), and the two disagree on names and long titles:
刘卫东 is one word in the index and 刘|卫|东 in the query, and Pagefind then finds nothing. So
each page also carries its key terms — title, names, 文号, material names — as single characters
(`search_terms`), which no segmenter can split differently; the theme's search.js asks for the
query the same way, as an exact (contiguous) phrase of characters, besides the ordinary search.
The terms go only into the copy of the HTML that Pagefind reads, never onto the public page.

Pagefind costs a few milliseconds a page and cannot update an index, so the pages are split
into shards by a hash of their path, and each shard is a Pagefind bundle of its own under
/pagefind/<k>/. /pagefind/shards.json lists the bundles with a fingerprint of what Pagefind read
for each (its pages' paths and texts, and Pagefind's version); a shard whose fingerprint is the
one in the published tree is carried over from there, after its files are checked against the
digests it recorded, and only the others are indexed again. search.js loads the first bundle and
merges the others into it (Pagefind's mergeIndex, made for searching several sites at once).

What Pagefind reads of a page is its bytes and its key terms, so a shard's fingerprint is made
from each page's digest (as the writer recorded it) and its terms, without reading the page.
Whether a page is for the index at all (it marks its body) is in its bytes: that is kept in
/pagefind/sitegen-pages.json by page and digest, and only a page whose digest is not there, a
page that changed, is read to find out.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import html
import json
import os
import re
import signal
import stat
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .. import models as m
from ..artifacts import Artifact, Copy, Output
from ..lastbuild import indexer
from ..routes import Route

BUNDLE = "pagefind"  # the index is published at /pagefind/, beside the pages it indexes
SHARDS = "shards.json"  # /pagefind/shards.json: the bundles search.js loads, and their fingerprints
FILES = "sitegen-files.json"  # in each bundle: its files and their digests, checked before reuse
PAGES = "sitegen-pages.json"  # /pagefind/sitegen-pages.json: each page's digest, and whether it marks a body
# Pages per shard, on average (a shard holds every page whose path hashes to it). Reindexing a
# shard costs ~0.25 s + 3.6-5.7 ms a page; each shard adds ~8 requests and ~110 KiB of index to a
# search in the browser, and ranks by its own pages' word statistics. With 2,000, an edit on a
# 10,000-page site reindexes ~1,700 pages instead of 10,000, and a first search there costs ~80
# requests and ~1.7 MiB (one index: 26 and 0.7 MiB; shards of 1,000: 126 and 2.3 MiB); sites of
# up to 2,000 pages keep one index.
SHARD_PAGES = 2000
_LAYOUT = "2"  # how sitegen runs Pagefind and fingerprints shards; changing it reindexes every shard
TIMEOUT = 1800  # seconds; a site of 10,000 pages takes well under a minute
_PR_SET_PDEATHSIG = 1  # prctl(2)
KEYWORDS = "keywords"  # the Pagefind metadata field that carries the key terms
# Pagefind writes its own search UIs too; the theme's search.js uses only the JS API.
_UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.js")
# Pagefind leaves out pages without data-pagefind-body once any page has it; shards follow the
# site-wide rule, not each its own, so that a shard of only 404 and card pages stays empty. (A
# page that merely mentions the attribute goes in, and Pagefind leaves it out itself.)
_BODY = b"data-pagefind-body"
_BUNDLE_NAME = re.compile(r"[0-9]+/")


class SearchError(Exception):
    """Pagefind could not index the site (its binary is missing or failed)."""


@dataclass(frozen=True, slots=True)
class Shard:
    """The pages of one bundle, /pagefind/<bucket>/."""

    bucket: int
    pages: tuple[tuple[str, str], ...]  # (output path, what Pagefind reads of it: see _key), by path
    fingerprint: str

    @property
    def folder(self) -> str:
        return f"{BUNDLE}/{self.bucket}/"


def search_terms(texts: Iterable[str]) -> str:
    """Every letter and digit of the texts as its own word, lower-cased, punctuation dropped:
    鄂发〔2013〕22号 -> "鄂 发 2 0 1 3 2 2 号". search.js splits a query by the same rule."""
    return " ".join(ch for text in texts for ch in text.lower() if ch.isalnum())


def key_terms(route: Route) -> list[str]:
    """What a reader types to find this page: its title and the names it is about."""
    record: Any = route.record
    terms = [route.title]
    if isinstance(record, m.Department):
        terms += [record.name, *([record.head.name] if record.head and record.head.name else [])]
    elif isinstance(record, m.Procedure):
        terms += [record.title, *(x.name for x in record.materials), *([record.code] if record.code else [])]
    elif isinstance(record, m.Leader):
        terms += [record.name, record.position]
    elif isinstance(record, m.Policy):
        terms += [record.title, *record.issuer, *([record.doc_number] if record.doc_number else [])]
    elif isinstance(record, m.Hall):
        terms += [record.name, *(w.name for w in record.windows if w.name)]
    return terms


def for_index(page_html: str, route: Route) -> str:
    """The page as Pagefind should read it: with its key terms as metadata in <head>."""
    value = " ".join(search_terms([term]) for term in dict.fromkeys(key_terms(route)))
    meta = f'<meta data-pagefind-meta="{KEYWORDS}[content]" content="{html.escape(value)}">'
    return page_html.replace("</head>", meta + "</head>", 1)


def shard_count(pages: int) -> int:
    """One shard per SHARD_PAGES pages or part of it."""
    return max(1, -(-pages // SHARD_PAGES))


def bucket(path: str, count: int) -> int:
    """The shard of a page: from a digest of its path, the same on every machine and run."""
    return int.from_bytes(hashlib.sha256(path.encode("utf-8")).digest()[:8], "big") % count


def plan_shards(pages: dict[str, str]) -> list[Shard]:
    """Pages (output path -> what Pagefind reads of it) in shards; empty ones left out."""
    count = shard_count(len(pages))
    groups: dict[int, list[tuple[str, str]]] = {}
    for path in sorted(pages):
        groups.setdefault(bucket(path, count), []).append((path, pages[path]))
    return [Shard(k, tuple(group), _fingerprint(group)) for k, group in sorted(groups.items())]


def _fingerprint(pages: Iterable[tuple[str, str]]) -> str:
    digest = hashlib.sha256(f"{indexer()}\n{_LAYOUT}\n".encode())
    for path, text_digest in pages:
        digest.update(f"{path}\0{text_digest}\n".encode())
    return digest.hexdigest()


def index_pages(root: Path, routes: Sequence[Route], previous: Path | None = None,
                digests: Mapping[str, str] | None = None) -> list[Output]:
    """Index the HTML pages written under `root` (the staging tree); the bundles' files as outputs
    under pagefind/. `digests`: the pages' digests as the writer recorded them (output path ->
    sha256 of the bytes); a page without one is read. Shards unchanged since `previous` (the
    published output, if any) are copied from it; the others are indexed again, several at once.
    Raises SearchError."""
    by_path = {route.output: route for route in routes if route.output.endswith(".html")}
    published = _published(previous)
    pages = {path: _page(root, path, (digests or {}).get(path), published.pages) for path in by_path}
    bodies = any(page.body for page in pages.values())
    shards = plan_shards({path: _key(page, by_path[path]) for path, page in pages.items() if page.body or not bodies})
    reused = {shard.bucket: files for shard in shards if (files := _reusable(shard, published.shards)) is not None}
    stale = [shard for shard in shards if shard.bucket not in reused]
    # Pagefind reads pages and writes its files only through folders: a scratch one inside the
    # staging tree holds the copies it reads (with their key terms) and the files it writes,
    # and is gone before the tree is published.
    with tempfile.TemporaryDirectory(prefix=".search-", dir=root) as scratch:
        folders = {shard.bucket: Path(scratch) / str(shard.bucket) for shard in stale}
        for shard in stale:
            for path, _ in shard.pages:
                copy = folders[shard.bucket] / "site" / path
                copy.parent.mkdir(parents=True, exist_ok=True)
                copy.write_text(for_index((root / path).read_text(encoding="utf-8"), by_path[path]), encoding="utf-8")
        _run_pagefind([folders[shard.bucket] for shard in stale])
        fresh = {shard.bucket: _bundle(folders[shard.bucket] / "bundle", shard.folder) for shard in stale}
    outputs: list[Output] = []
    listed = []
    for shard in shards:
        files = reused[shard.bucket] if shard.bucket in reused else fresh[shard.bucket]
        listing = _listing(files, shard.folder)
        outputs += [*files, Artifact(shard.folder + FILES, listing)]
        listed.append({"bundle": f"{shard.bucket}/", "fingerprint": shard.fingerprint, "files": _digest(listing)})
    known = _json({"indexer": indexer(), "layout": _LAYOUT,
                   "pages": {path: [page.digest, page.body] for path, page in sorted(pages.items())}}, indent=None)
    outputs.append(Artifact(f"{BUNDLE}/{PAGES}", known))
    outputs.append(Artifact(f"{BUNDLE}/{SHARDS}", _json({"indexer": indexer(), "pages": _digest(known),
                                                         "shards": listed})))
    return sorted(outputs, key=lambda output: output.path)


@dataclass(frozen=True, slots=True)
class _Page:
    """A page as the index sees it: the digest of its bytes, and whether it marks its body."""

    digest: str
    body: bool


def _page(root: Path, path: str, digest: str | None, known: Mapping[str, _Page]) -> _Page:
    """The page at `path`, read only if the published index does not know it by this digest."""
    page = known.get(path)
    if digest is not None and page is not None and page.digest == digest:
        return page
    data = (root / path).read_bytes()
    return _Page(_digest(data), _BODY in data)


def _key(page: _Page, route: Route) -> str:
    """What Pagefind reads of a page, to fingerprint its shard: its bytes (by their digest) and
    the key terms for_index adds (no NUL nor newline: JSON escapes them)."""
    return page.digest + json.dumps(key_terms(route), ensure_ascii=False)


def _bundle(folder: Path, prefix: str) -> list[Output]:
    """The files Pagefind wrote, read before the scratch folder goes."""
    return [
        Artifact(prefix + path.relative_to(folder).as_posix(), path.read_bytes())
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(_UNUSED)
    ]


@dataclass(frozen=True, slots=True)
class _Published:
    """What the published tree's index offers: its shards (fingerprint -> (folder, digest of its
    file list)) and its pages (path -> what the index knew of it)."""

    shards: dict[str, tuple[str, str]]
    pages: dict[str, _Page]


def _published(previous: Path | None) -> _Published:
    """The published tree's index. Anything unexpected there (no list, not JSON, another indexer)
    means nothing is reused; a page list whose digest is not the shard list's is not used."""
    nothing = _Published({}, {})
    if previous is None:
        return nothing
    try:
        data = json.loads((previous / BUNDLE / SHARDS).read_text(encoding="utf-8"))
        if data["indexer"] != indexer():
            return nothing
        found = {}
        for shard in data["shards"]:
            bundle, fingerprint, files = shard["bundle"], shard["fingerprint"], shard["files"]
            if isinstance(bundle, str) and _BUNDLE_NAME.fullmatch(bundle) and isinstance(files, str):
                found[str(fingerprint)] = (str(previous / BUNDLE / bundle), files)
        return _Published(found, _known_pages(previous / BUNDLE / PAGES, data.get("pages")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return nothing


def _known_pages(file: Path, digest: object) -> dict[str, _Page]:
    """The pages the published index was made from, if its list is the one the shard list names."""
    try:
        data = file.read_bytes()
        if _digest(data) != digest:
            return {}
        listed = json.loads(data)
        if listed["layout"] != _LAYOUT or listed["indexer"] != indexer():
            return {}
        return {str(path): _Page(page_digest, page_body)
                for path, (page_digest, page_body) in listed["pages"].items()
                if isinstance(page_digest, str) and isinstance(page_body, bool)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _reusable(shard: Shard, published: dict[str, tuple[str, str]]) -> list[Output] | None:
    """The shard's files in the published tree, if it indexed the same pages and every file it
    listed is still there with the bytes it had; None: index it again."""
    if shard.fingerprint not in published:
        return None
    folder, listing_digest = published[shard.fingerprint]
    try:
        with open(os.path.join(folder, FILES), "rb") as file:
            listing = file.read()
        if _digest(listing) != listing_digest:
            return None
        files = json.loads(listing)
        copies: list[Output] = []
        for name, digest in sorted(files.items()):
            if not _safe_name(name):
                return None
            source = os.path.join(folder, name)
            if not stat.S_ISREG(os.lstat(source).st_mode):  # neither a folder nor a symlink
                return None
            with open(source, "rb") as file:
                data = file.read()
            if _digest(data) != digest:
                return None
            copies.append(Copy(shard.folder + name, source, len(data), digest))
        return copies
    except (OSError, ValueError, AttributeError):
        return None


def _safe_name(name: object) -> bool:
    """A file below the bundle's folder: relative, no "..", not the list itself."""
    if not isinstance(name, str) or not name or "\\" in name:
        return False
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name != FILES


def _listing(files: Sequence[Output], folder: str) -> bytes:
    """The bundle's files and their digests, as FILES records them."""
    return _json({
        item.path.removeprefix(folder): item.digest if isinstance(item, Copy) else _digest(item.data)
        for item in files
    })


def _json(data: object, indent: int | None = 1) -> bytes:
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=indent) + "\n").encode("utf-8")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _run_pagefind(folders: Sequence[Path]) -> None:
    """Pagefind's own command line over each folder's site/ into its bundle/, at most one per
    core at once (its Python service answers one request per 0.1 s, and needs an event loop of
    its own). Started from this thread, not from a pool: the child runs Python before exec.
    Each runs in its folder and without PAGEFIND_* variables, so that no pagefind.yml or
    setting of whoever runs the build changes the index."""
    if not folders:
        return
    try:  # the extended build: the plain one does not segment Chinese
        from pagefind_bin_extended import get_executable  # type: ignore[import-untyped]
    except ImportError as exc:  # `--no-search` and `check` never need it
        raise SearchError("没有安装带中文分词的 Pagefind：pip install 'pagefind[extended]==1.5.2'") from exc
    binary = str(Path(get_executable()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
    width = max(1, os.cpu_count() or 1)
    for first in range(0, len(folders), width):
        running: list[subprocess.Popen[str]] = []
        try:
            for folder in folders[first : first + width]:
                running.append(subprocess.Popen(
                    [binary, "--site", str(folder / "site"), "--output-path", str(folder / "bundle"), "--silent"],
                    cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                    preexec_fn=functools.partial(_die_with, os.getpid()),
                ))
            for process in running:
                stdout, stderr = process.communicate(timeout=TIMEOUT)
                if process.returncode != 0:
                    raise SearchError((stderr or stdout).strip() or f"Pagefind 退出码 {process.returncode}")
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SearchError(str(exc)) from exc
        finally:
            for process in running:  # after a failure: none left writing into the scratch folder
                if process.poll() is None:
                    process.kill()
                    process.wait()


def _die_with(parent: int) -> None:
    """In the Pagefind process, before it starts: if the build is killed (kill -9), Pagefind dies
    too (Linux), instead of writing on into a staging tree that the next build removes."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # not Linux: a killed build may leave Pagefind to finish its scratch files
    if os.getppid() != parent:  # the build died before the line above
        os._exit(1)
