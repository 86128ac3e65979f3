"""The search index in shards: which page goes where, what a second build reuses from the
published tree and what it indexes again, and search in Chromium across several shards.

index_pages() is called on a real built tree with real Pagefind; the shard size is the module's
SHARD_PAGES, made small here so that a small site has several shards.
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sitegen.artifacts import Artifact, Copy, Output
from sitegen.outputs import search
from sitegen.outputs.search import FILES, PAGES, SHARDS, bucket, index_pages, plan_shards, shard_count
from sitegen.routes import Route, plan_routes
from sitegen.write import write_site
from tests.browser import requires_chromium
from tests.sites import build, linked
from tests.sites import write_site as write_source
from tests.static_server import chromium_browser, serving
from tests.test_search import QUERIES, REPO, SHOWN, _names
from tests.test_search import search as search_for

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SMALL = 5  # pages per shard in these tests: the baseline site's 17 indexed pages make 4 shards


@pytest.fixture(autouse=True)
def small_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "SHARD_PAGES", SMALL)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Route]]:
    """The baseline site built without search (its pages), and its routes."""
    site = write_source(tmp_path_factory.mktemp("shards"), {})
    assert build(site, "--no-search").code == 0
    linked_site, _ = linked(site)
    return site / "output", list(plan_routes(linked_site).routes)


@pytest.fixture
def pages(source: tuple[Path, list[Route]], tmp_path: Path) -> Path:
    """A copy of the built pages that a test may edit."""
    return Path(shutil.copytree(source[0], tmp_path / "pages"))


@pytest.fixture
def routes(source: tuple[Path, list[Route]]) -> list[Route]:
    return list(source[1])


def published(outputs: list[Output], output: Path) -> Path:
    """Publish the index with sitegen's own writer (unchanged files are hard-linked)."""
    write_site(outputs, output)
    return output


def index_files(output: Path) -> dict[str, bytes]:
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in sorted((output / "pagefind").rglob("*"))
            if p.is_file()}


def shard_list(output: Path) -> list[dict[str, str]]:
    return list(json.loads((output / "pagefind" / SHARDS).read_text(encoding="utf-8"))["shards"])


def rebuilt(outputs: list[Output]) -> set[str]:
    """The shard folders whose files Pagefind made in this run, not copied from the previous tree
    (each shard's file list, the shard list and the page list are always made anew)."""
    return {"/".join(o.path.split("/")[:2]) for o in outputs
            if isinstance(o, Artifact) and not o.path.endswith((FILES, SHARDS, PAGES))}


def folder_of(page: str, indexed: int) -> str:
    return f"pagefind/{bucket(page, shard_count(indexed))}"


def edit(pages: Path, page: str, words: str) -> None:
    path = pages / page
    path.write_text(path.read_text(encoding="utf-8").replace("</main>", f"<p>{words}</p></main>", 1),
                    encoding="utf-8")


INDEXED = 17  # the baseline's pages less 404, search and the department's card


# --- assignment -----------------------------------------------------------------------------


def test_the_shard_of_a_page_depends_only_on_its_path_and_the_count() -> None:
    # Pinned: a digest of the path, not Python's hash() (which changes with each process).
    assert [bucket("departments/office/index.html", n) for n in (1, 2, 3, 4, 5)] == [0, 1, 1, 3, 1]
    assert [bucket("procedures/id-card/index.html", n) for n in (1, 2, 3, 4, 5)] == [0, 0, 1, 0, 3]
    assert [shard_count(n) for n in (0, 1, SMALL, SMALL + 1, 3 * SMALL)] == [1, 1, 1, 2, 3]


paths = st.lists(st.from_regex(r"[a-z]{1,8}/[a-z0-9-]{1,12}/index\.html", fullmatch=True), unique=True,
                 max_size=40)


@given(paths, st.randoms(use_true_random=False))
def test_shards_do_not_depend_on_the_order_of_the_pages(names: list[str], rng: random.Random) -> None:
    pages = {name: f"digest of {name}" for name in names}
    shuffled = list(pages.items())
    rng.shuffle(shuffled)
    assert plan_shards(dict(shuffled)) == plan_shards(pages)
    assert sorted(path for shard in plan_shards(pages) for path, _ in shard.pages) == sorted(names)


@given(paths, st.from_regex(r"new/[a-z]{1,8}/index\.html", fullmatch=True))
def test_a_new_page_changes_only_its_own_shard_while_the_count_holds(names: list[str], new: str) -> None:
    assume(new not in names)
    before = {shard.bucket: shard for shard in plan_shards({name: "d" for name in names})}
    after = {shard.bucket: shard for shard in plan_shards({name: "d" for name in [*names, new]})}
    if shard_count(len(names)) != shard_count(len(names) + 1):
        return  # a new count moves most pages: every shard is indexed again
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed == {bucket(new, shard_count(len(names) + 1))}


# --- what is published ------------------------------------------------------------------------


def test_every_shard_is_a_bundle_with_the_list_of_its_files(pages: Path, routes: list[Route], tmp_path: Path) -> None:
    out = published(index_pages(pages, routes), tmp_path / "out")
    listed = shard_list(out)
    assert [shard["bundle"] for shard in listed] == ["0/", "1/", "2/", "3/"]
    fragments = 0
    for shard in listed:
        folder = out / "pagefind" / shard["bundle"]
        assert (folder / "pagefind.js").is_file() and not (folder / "pagefind-ui.js").exists()
        recorded = json.loads((folder / FILES).read_text(encoding="utf-8"))
        on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {FILES}
        assert set(recorded) == on_disk
        assert shard["files"] == search._digest((folder / FILES).read_bytes())
        entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
        fragments += entry["languages"]["zh-cn"]["page_count"]
    assert fragments == INDEXED  # 404, search and the card are left out, as with one index
    assert not list(pages.glob(".search-*"))  # no scratch left in the staging tree


def test_a_site_without_pages_to_index_lists_no_shard(pages: Path) -> None:
    shards, listed = index_pages(pages, [])
    assert isinstance(shards, Artifact) and shards.path == "pagefind/" + SHARDS
    assert json.loads(shards.data)["shards"] == []  # search.js then finds nothing, without an error
    assert isinstance(listed, Artifact) and json.loads(listed.data)["pages"] == {}


def test_the_same_pages_make_the_same_bytes_whatever_the_order(pages: Path, routes: list[Route],
                                                              tmp_path: Path) -> None:
    first = index_files(published(index_pages(pages, routes), tmp_path / "a"))
    second = index_files(published(index_pages(pages, routes[::-1]), tmp_path / "b"))
    assert first == second


# --- incremental ------------------------------------------------------------------------------


def test_nothing_changed_runs_no_pagefind_and_links_every_file(pages: Path, routes: list[Route], tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = published(index_pages(pages, routes), tmp_path / "out")
    inodes = {path: (out / path).stat().st_ino for path in index_files(out)}
    # Pagefind is not installed now: running it for any shard would fail the call.
    monkeypatch.setitem(sys.modules, "pagefind_bin_extended", None)
    outputs = index_pages(pages, routes, out)
    bundle_files = [o for o in outputs if not o.path.endswith((FILES, SHARDS, PAGES))]
    assert bundle_files and all(isinstance(o, Copy) and o.source.startswith(str(out)) for o in bundle_files)
    published(outputs, out)
    assert {path: (out / path).stat().st_ino for path in index_files(out)} == inodes


def test_a_one_page_edit_reindexes_that_page_s_shard_only(pages: Path, routes: list[Route], tmp_path: Path) -> None:
    out = published(index_pages(pages, routes), tmp_path / "out")
    before = {path: (out / path).stat().st_ino for path in index_files(out)}
    page = "procedures/id-card/index.html"
    edit(pages, page, "新增的办理须知。")
    outputs = index_pages(pages, routes, out)
    assert rebuilt(outputs) == {folder_of(page, INDEXED)}
    published(outputs, out)
    kept = {path for path, inode in before.items() if (out / path).exists() and (out / path).stat().st_ino == inode}
    other = [path for path in before if not path.startswith(folder_of(page, INDEXED) + "/") and path.count("/") > 1]
    assert set(other) <= kept  # the other shards' files are the published ones, hard-linked
    assert index_files(out) == index_files(published(index_pages(pages, routes), tmp_path / "clean"))


def test_adding_and_deleting_pages(pages: Path, routes: list[Route], tmp_path: Path) -> None:
    out = published(index_pages(pages, routes), tmp_path / "out")
    gone = "notices/duty/index.html"
    new = Route("notices/extra/", "page.html", "补充通知")
    (pages / "notices/extra").mkdir()
    shutil.copyfile(pages / gone, pages / new.output)
    edit(pages, new.output, "补充通知正文。")
    changed = [r for r in routes if r.output != gone] + [new]  # still 17 pages: the count holds
    outputs = index_pages(pages, changed, out)
    assert rebuilt(outputs) == {folder_of(gone, INDEXED), folder_of(new.output, INDEXED)}
    assert index_files(published(outputs, out)) == index_files(published(index_pages(pages, changed),
                                                                         tmp_path / "clean"))
    more = [Route(f"notices/more-{i}/", "page.html", f"通知{i}") for i in range(4)]
    for route in more:
        (pages / route.path).mkdir()
        shutil.copyfile(pages / new.output, pages / route.output)
    grown = changed + more
    assert shard_count(INDEXED + 4) == 5  # a new count: every page may move, every shard is indexed
    outputs = index_pages(pages, grown, out)
    assert len(rebuilt(outputs)) == 5
    assert index_files(published(outputs, out)) == index_files(published(index_pages(pages, grown),
                                                                         tmp_path / "clean-grown"))


class _Opened:
    """The files under a folder that this process opens, seen by an audit hook (Python's own
    record of every open(), not a stand-in for sitegen's code). Hooks stay for the process's
    life, so one hook serves every test and records only while a test asks it to."""

    def __init__(self) -> None:
        self.under: str | None = None
        self.paths: set[str] = set()
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[object, ...]) -> None:
        if event == "open" and self.under is not None and isinstance(args[0], (str, Path)):
            path = str(args[0])
            if path.startswith(self.under) and "/.search-" not in path:  # not Pagefind's scratch copies
                self.paths.add(Path(path).relative_to(self.under).as_posix())

    def during(self, root: Path, call: Callable[[], list[Output]]) -> tuple[list[Output], set[str]]:
        self.under, self.paths = str(root) + "/", set()
        try:
            return call(), self.paths
        finally:
            self.under = None


_OPENED = _Opened()


def digests_of(pages: Path, routes: list[Route]) -> dict[str, str]:
    """Each page's digest, as the writer records it in the manifest."""
    return {r.output: search._digest((pages / r.output).read_bytes()) for r in routes if (pages / r.output).is_file()}


def test_pages_the_index_knows_by_their_digest_are_not_read(pages: Path, routes: list[Route], tmp_path: Path) -> None:
    out = published(index_pages(pages, routes), tmp_path / "out")
    page = "procedures/id-card/index.html"
    edit(pages, page, "新增的办理须知。")
    digests = digests_of(pages, routes)
    outputs, opened = _OPENED.during(pages, lambda: index_pages(pages, routes, out, digests))
    redone = {path for shard in shard_list(published(outputs, tmp_path / "next"))
              if shard["bundle"] == folder_of(page, INDEXED).removeprefix("pagefind/") + "/"
              for path in _shard_pages(pages, routes, shard["bundle"])}
    assert page in opened and opened <= redone | {page}  # the edited page, and its shard's copies for Pagefind
    assert len(opened) <= INDEXED // 2
    assert index_files(tmp_path / "next") == index_files(published(index_pages(pages, routes), tmp_path / "clean"))
    # without the digests every page is read, as on a first build
    _, opened = _OPENED.during(pages, lambda: index_pages(pages, routes, out))
    assert len(opened) >= len([r for r in routes if r.output.endswith(".html")])


def _shard_pages(pages: Path, routes: list[Route], bundle: str) -> set[str]:
    count = shard_count(INDEXED)
    return {r.output for r in routes if r.output.endswith(".html") and f"{bucket(r.output, count)}/" == bundle}


def test_a_page_that_stops_marking_its_body_leaves_the_index(pages: Path, routes: list[Route], tmp_path: Path) -> None:
    out = published(index_pages(pages, routes), tmp_path / "out")
    page = "procedures/id-card/index.html"
    text = (pages / page).read_text(encoding="utf-8")
    (pages / page).write_text(text.replace(" data-pagefind-body", ""), encoding="utf-8")
    outputs = index_pages(pages, routes, out, digests_of(pages, routes))
    listed = json.loads(next(o.data for o in outputs if isinstance(o, Artifact) and o.path.endswith(PAGES)))
    assert listed["pages"][page][1] is False
    again = published(outputs, tmp_path / "next")
    assert index_files(again) == index_files(published(index_pages(pages, routes), tmp_path / "clean"))
    entries = [json.loads((again / "pagefind" / shard["bundle"] / "pagefind-entry.json").read_text(encoding="utf-8"))
               for shard in shard_list(again)]
    assert sum(entry["languages"]["zh-cn"]["page_count"] for entry in entries) == INDEXED - 1


def test_a_page_list_that_lies_is_not_trusted(pages: Path, routes: list[Route], tmp_path: Path) -> None:
    out = published(index_pages(pages, routes), tmp_path / "out")
    page = "procedures/id-card/index.html"
    listing = out / "pagefind" / PAGES
    listed = json.loads(listing.read_text(encoding="utf-8"))
    assert listed["pages"][page][1] is True
    listed["pages"][page][1] = False  # as if the page marked no body: it would leave the index
    listing.write_text(json.dumps(listed), encoding="utf-8")
    digests = digests_of(pages, routes)
    outputs, opened = _OPENED.during(pages, lambda: index_pages(pages, routes, out, digests))
    assert page in opened  # read, since the list is not the one the shard list names
    assert not rebuilt(outputs)
    clean = index_files(published(index_pages(pages, routes), tmp_path / "clean"))
    assert index_files(published(outputs, tmp_path / "next")) == clean


def _fragment(out: Path) -> Path:
    return sorted((out / "pagefind" / shard_list(out)[1]["bundle"] / "fragment").iterdir())[0]


TAMPERINGS: dict[str, Callable[[Path], object]] = {
    "a changed fragment": lambda out: _flip_last_byte(_fragment(out)),
    "a missing fragment": lambda out: _fragment(out).unlink(),
    "a fragment that is a symlink": lambda out: _symlinked(_fragment(out)),
    "a file list that lies": lambda out: _rewrite_listing(out),
}


def _flip_last_byte(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))


def _symlinked(path: Path) -> None:
    data = path.read_bytes()
    path.unlink()
    (path.parent / "elsewhere").write_bytes(data)
    path.symlink_to(path.parent / "elsewhere")


def _rewrite_listing(out: Path) -> None:
    """Drop a fragment and its line from the shard's file list, as a careless hand might."""
    fragment = _fragment(out)
    listing = fragment.parent.parent / FILES
    files = json.loads(listing.read_text(encoding="utf-8"))
    del files[fragment.relative_to(fragment.parent.parent).as_posix()]
    listing.write_text(json.dumps(files), encoding="utf-8")
    fragment.unlink()


@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_a_tampered_previous_shard_is_indexed_again(pages: Path, routes: list[Route], tmp_path: Path,
                                                    tamper: Callable[[Path], object]) -> None:
    out = published(index_pages(pages, routes), tmp_path / "out")
    clean = index_files(out)
    shard = "pagefind/" + shard_list(out)[1]["bundle"].rstrip("/")
    tamper(out)
    outputs = index_pages(pages, routes, out)
    assert rebuilt(outputs) == {shard}
    # Into a new folder: write.py links a file from the published tree when its manifest says
    # the bytes are the same, and the manifest does not know about the tampering.
    assert index_files(published(outputs, tmp_path / "again")) == clean


def _emptied(folder: Path) -> None:
    shutil.rmtree(folder)
    folder.mkdir()


PREVIOUS: dict[str, Callable[[Path], object]] = {
    "missing": lambda out: shutil.rmtree(out),
    "not a sitegen build": lambda out: _emptied(out / "pagefind"),
    "a list that is not JSON": lambda out: (out / "pagefind" / SHARDS).write_text("{", encoding="utf-8"),
    "a list from another Pagefind": lambda out: (out / "pagefind" / SHARDS).write_text(
        (out / "pagefind" / SHARDS).read_text(encoding="utf-8").replace("pagefind 1.", "pagefind 0."),
        encoding="utf-8"),
    "a bundle outside pagefind/": lambda out: (out / "pagefind" / SHARDS).write_text(
        (out / "pagefind" / SHARDS).read_text(encoding="utf-8").replace('"0/"', '"../../0/"'), encoding="utf-8"),
}


@pytest.mark.parametrize("spoil", PREVIOUS.values(), ids=PREVIOUS.keys())
def test_a_previous_tree_that_cannot_be_trusted_reuses_nothing(pages: Path, routes: list[Route], tmp_path: Path,
                                                               spoil: Callable[[Path], object]) -> None:
    out = published(index_pages(pages, routes), tmp_path / "out")
    clean = index_files(out)
    spoil(out)
    outputs = index_pages(pages, routes, out)
    assert rebuilt(outputs)
    assert index_files(published(outputs, tmp_path / "again")) == clean


# --- the whole build --------------------------------------------------------------------------


def test_a_build_publishes_the_shards_and_is_reproducible(tmp_path: Path) -> None:
    site = write_source(tmp_path / "site", {})
    assert build(site, "--no-cache").code == 0
    first = index_files(site / "output")
    assert len(shard_list(site / "output")) == 4
    assert build(site, "--no-cache", "--output", str(tmp_path / "again")).code == 0
    assert index_files(tmp_path / "again") == first
    manifest = json.loads((site / "output" / ".sitegen-manifest.json").read_text(encoding="utf-8"))
    assert all(path in manifest for path in first)


def test_after_edits_a_warm_build_s_index_is_a_clean_build_s(tmp_path: Path) -> None:
    """The build hands the index its pages' digests; whatever it kept or rendered, the index is
    the one a build from nothing makes."""
    site = write_source(tmp_path / "site", {})
    assert build(site).code == 0
    notice = site / "content/notices/duty.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n补充说明：窗口延时服务。\n", encoding="utf-8")
    shutil.copyfile(notice, site / "content/notices/extra.md")  # a new page
    result = build(site)
    assert result.code == 0, result.stderr
    assert build(site, "--no-cache", "--output", str(tmp_path / "clean")).code == 0
    warm, clean = index_files(site / "output"), index_files(tmp_path / "clean")
    assert warm == clean
    assert "notices/extra/index.html" in json.loads(warm[f"pagefind/{PAGES}"])["pages"]


# --- in the browser, across shards ----------------------------------------------------------------


DEMO_SHARD = 20  # the demo's 62 indexed pages in 4 shards


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sharded-demo") / "output"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SHARD_PAGES", DEMO_SHARD)
        result = build(REPO, "--output", str(out), "--no-cache")
    assert result.code == 0, result.stderr
    assert len(shard_list(out)) >= 2
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type in ("error", "warning") else None)
    yield page
    context.close()
    assert errors == [], errors


@requires_chromium
def test_every_published_name_finds_its_page_across_shards(demo: Path, page: Page) -> None:
    """The recall guard of test_search.py on the demo in several shards: pages of every shard
    are found, and the ones that live outside the first shard too."""
    cases = _names(demo) + [(query, "/" + expected) for query, expected, _ in QUERIES]
    first = shard_list(demo)[0]["bundle"]
    with serving(demo) as site:
        page.goto(site + "search/")
        missed = []
        found_elsewhere = 0
        for query, expected in cases:
            found = search_for(page, query)
            if expected not in found[:SHOWN]:
                missed.append(f"{query} -> {expected} (got {found[:SHOWN]})")
            elif _bundle_holding(demo, expected) != first:
                found_elsewhere += 1
    assert missed == []
    assert found_elsewhere > 10


def _bundle_holding(demo: Path, url_path: str) -> str:
    """Which shard's fragments record this URL."""
    for shard in shard_list(demo):
        for fragment in (demo / "pagefind" / shard["bundle"] / "fragment").iterdir():
            data = gzip.decompress(fragment.read_bytes())
            if json.loads(data[len(b"pagefind_dcd"):])["url"] == url_path:
                return shard["bundle"]
    raise AssertionError(f"{url_path} is in no shard")


@requires_chromium
def test_search_across_shards_under_a_base_path(tmp_path: Path, page: Page) -> None:
    site_dir = tmp_path / "site"
    shutil.copytree(REPO / "content", site_dir / "content")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SHARD_PAGES", DEMO_SHARD)
        assert build(site_dir, "--base-url", "https://www.example.gov.cn/zwgk/").code == 0
    output = site_dir / "output"
    assert len(shard_list(output)) >= 2
    with serving(output, "/zwgk/") as site:
        page.goto(site + "search/")
        for query, expected, _ in QUERIES:
            found = search_for(page, query)
            assert "/zwgk/" + expected in found[:SHOWN], (query, found)
        page.locator(f'#search-list a[href$="{expected}"]').first.click()  # the last query's page
        page.wait_for_url(f"**/zwgk/{expected}")
        assert page.locator("h1").inner_text() == "刘卫东"
