"""The search index: Pagefind's extended build segments the built Chinese pages into /pagefind/.

Pagefind 1.5 segments the pages with jieba when it indexes them, but the browser segments the
query with its own dictionary (Intl.Segmenter), and the two disagree on names and long titles:
刘卫东 is one word in the index and 刘|卫|东 in the query, and Pagefind then finds nothing. So
each page also carries its key terms — title, names, 文号, material names — as single characters
(`search_terms`), which no segmenter can split differently; the theme's search.js asks for the
query the same way, as an exact (contiguous) phrase of characters, besides the ordinary search.
The terms go only into the copy of the HTML that Pagefind reads, never onto the public page.
"""

from __future__ import annotations

import ctypes
import functools
import html
import os
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import models as m
from ..artifacts import Artifact
from ..routes import Route

BUNDLE = "pagefind"  # the index is published at /pagefind/, beside the pages it indexes
TIMEOUT = 1800  # seconds; a site of 10,000 pages takes well under a minute
_PR_SET_PDEATHSIG = 1  # prctl(2)
KEYWORDS = "keywords"  # the Pagefind metadata field that carries the key terms
# Pagefind writes its own search UIs too; the theme's search.js uses only the JS API.
_UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.js")


class SearchError(Exception):
    """Pagefind could not index the site (its binary is missing or failed)."""


def indexer() -> str:
    """Which Pagefind indexes the site: part of the build's fingerprint, so an upgrade reindexes."""
    try:
        return "pagefind " + metadata.version("pagefind")
    except metadata.PackageNotFoundError:
        return "pagefind missing"


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


def index_pages(root: Path, routes: Sequence[Route]) -> list[Artifact]:
    """Index the HTML pages written under `root` (the staging tree); the bundle's files as
    artifacts under pagefind/. Pages without `data-pagefind-body` (404, search, cards) are
    left out by Pagefind itself. Raises SearchError."""
    # Pagefind reads pages and writes its files only through folders: a scratch one inside the
    # staging tree holds the copies it reads (with their key terms) and the files it writes,
    # and is gone before the tree is published.
    with tempfile.TemporaryDirectory(prefix=".search-", dir=root) as scratch:
        pages, bundle = Path(scratch) / "site", Path(scratch) / "bundle"
        for route in routes:
            if route.output.endswith(".html"):
                copy = pages / route.output
                copy.parent.mkdir(parents=True, exist_ok=True)
                copy.write_text(for_index((root / route.output).read_text(encoding="utf-8"), route), encoding="utf-8")
        _run_pagefind(pages, bundle, Path(scratch))
        return [
            Artifact(f"{BUNDLE}/{path.relative_to(bundle).as_posix()}", path.read_bytes())
            for path in sorted(bundle.rglob("*"))
            if path.is_file() and not path.name.startswith(_UNUSED)
        ]


def _run_pagefind(pages: Path, bundle: Path, cwd: Path) -> None:
    """Pagefind's own command line, once for the whole folder (its Python service answers one
    request per 0.1 s, and needs an event loop of its own). It runs in the scratch folder and
    without PAGEFIND_* variables, so that no pagefind.yml or setting of whoever runs the build
    changes the index."""
    try:  # the extended build: the plain one does not segment Chinese
        from pagefind_bin_extended import get_executable  # type: ignore[import-untyped]
    except ImportError as exc:  # `--no-search` and `check` never need it
        raise SearchError("没有安装带中文分词的 Pagefind：pip install 'pagefind[extended]==1.5.2'") from exc
    binary = Path(get_executable())
    try:
        done = subprocess.run(
            [str(binary), "--site", str(pages), "--output-path", str(bundle), "--silent"],
            cwd=cwd, env={k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")},
            capture_output=True, text=True, timeout=TIMEOUT, check=False,
            preexec_fn=functools.partial(_die_with, os.getpid()),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchError(str(exc)) from exc
    if done.returncode != 0:
        raise SearchError((done.stderr or done.stdout).strip() or f"Pagefind 退出码 {done.returncode}")


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
