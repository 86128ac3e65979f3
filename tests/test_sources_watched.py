"""Loading content/ again after a file watcher's report (serve): only the changed paths are
looked at, and whatever happened — edits, new and deleted files, renamed or removed folders,
files that are not sources — what is loaded is exactly what a fresh load finds."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.sources import Seen, Sources, load_sources

FILES = [
    "content/procedures/a.md", "content/procedures/b.md", "content/procedures/sub/c.md",
    "content/departments/a.yaml", "content/departments/b.yaml", "content/files/x.pdf",
    "content/procedures/Bad Name.md", "content/procedures/a.txt", "content/notes.txt", "content/unknown/a.md",
]
FOLDERS = ["content/procedures", "content/departments", "content/files", "content/unknown", "content/procedures/sub"]
TEXTS = ["---\ntitle: 甲\n---\n正文。\n", "name: 乙\n", "改过的内容\n", "---\ntitle: 丙\n---\n"]


def _write(site: Path, rel: str, text: str) -> set[str]:
    """Write a file as an editor does; what a watcher reports: the file and any folder it made."""
    reported = {rel}
    parent = Path(rel).parent
    while not (site / parent).exists():
        reported.add(parent.as_posix())
        parent = parent.parent
    (site / rel).parent.mkdir(parents=True, exist_ok=True)
    (site / rel).write_text(text, encoding="utf-8")
    return reported


def _apply(site: Path, op: tuple[str, int, int, int]) -> set[str]:
    kind, first, second, text = op
    if kind == "write":
        return _write(site, FILES[first], TEXTS[text])
    if kind == "delete":
        path = site / FILES[first]
        if path.is_file():
            path.unlink()
        return {FILES[first]}
    if kind == "rename":
        source, target = site / FILES[first], site / FILES[second]
        if not source.is_file() or target.is_dir():
            return set()
        reported = _write(site, FILES[second], "")  # makes its folders
        os.replace(source, target)
        return reported | {FILES[first]}
    folder = site / FOLDERS[first]
    if kind == "rmtree":
        if not folder.is_dir():
            return set()
        inside = {p.relative_to(site).as_posix() for p in folder.rglob("*")}
        shutil.rmtree(folder)
        return inside | {FOLDERS[first]}
    # a folder renamed: the watcher reports the folder's old and new names only
    target = site / FOLDERS[second]
    if not folder.is_dir() or target.exists() or target.is_relative_to(folder):
        return set()
    target.parent.mkdir(parents=True, exist_ok=True)
    folder.rename(target)
    return {FOLDERS[first], FOLDERS[second]}


OPS = st.one_of(
    st.tuples(st.just("write"), st.integers(0, len(FILES) - 1), st.just(0), st.integers(0, len(TEXTS) - 1)),
    st.tuples(st.just("delete"), st.integers(0, len(FILES) - 1), st.just(0), st.just(0)),
    st.tuples(st.just("rename"), st.integers(0, len(FILES) - 1), st.integers(0, len(FILES) - 1), st.just(0)),
    st.tuples(st.just("rmtree"), st.integers(0, len(FOLDERS) - 1), st.just(0), st.just(0)),
    st.tuples(st.just("move"), st.integers(0, len(FOLDERS) - 1), st.integers(0, len(FOLDERS) - 1), st.just(0)),
)


def _start(root: Path) -> Path:
    site = root / "site"
    site.mkdir()
    _write(site, "content/site.yaml", "title: 测试\n")
    for rel in FILES[:6]:
        _write(site, rel, TEXTS[0])
    return site


def _same(watched: Sources, fresh: Sources) -> None:
    assert watched.records == fresh.records
    assert watched.assets == fresh.assets
    assert watched.diagnostics == fresh.diagnostics
    assert watched.attempted == fresh.attempted


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(OPS, min_size=1, max_size=3), min_size=1, max_size=6))
def test_loading_after_a_watchers_report_is_a_fresh_load(batches: list[list[tuple[str, int, int, int]]]) -> None:
    with tempfile.TemporaryDirectory() as root:
        site = _start(Path(root))
        seen = Seen()
        load_sources(site, seen)
        for batch in batches:
            reported: set[str] = set()
            for op in batch:
                reported |= _apply(site, op)
            _same(load_sources(site, seen, frozenset(reported)), load_sources(site))


def test_a_folder_renamed_away_and_back_is_read_again(tmp_path: Path) -> None:
    """The files of a folder that left are forgotten: when a folder of that name comes back,
    its files are read, not taken for the ones that were there before."""
    site = _start(tmp_path)
    seen = Seen()
    load_sources(site, seen)
    (site / "content/procedures").rename(site / "content/unknown")
    load_sources(site, seen, frozenset({"content/procedures", "content/unknown"}))
    (site / "content/unknown/a.md").write_text("---\ntitle: 改名期间改过\n---\n", encoding="utf-8")
    load_sources(site, seen, frozenset({"content/unknown/a.md"}))
    (site / "content/unknown").rename(site / "content/procedures")
    loaded = load_sources(site, seen, frozenset({"content/procedures", "content/unknown"}))
    (edited,) = [s for s in loaded.records if s.path == "content/procedures/a.md"]
    assert "改名期间改过" in edited.text


def test_only_the_reported_files_are_looked_at(tmp_path: Path) -> None:
    """What the watcher did not report is taken as it was (this is what makes a save cheap at
    10,000 files); without a report, every file's stat is looked at again."""
    site = _start(tmp_path)
    seen = Seen()
    load_sources(site, seen)
    (site / "content/procedures/a.md").write_text("---\ntitle: 未报告的修改\n---\n", encoding="utf-8")
    (site / "content/procedures/b.md").write_text("---\ntitle: 报告了的修改\n---\n", encoding="utf-8")

    texts = {s.path: s.text for s in load_sources(site, seen, frozenset({"content/procedures/b.md"})).records}
    assert "报告了的修改" in texts["content/procedures/b.md"]
    assert "未报告的修改" not in texts["content/procedures/a.md"]

    texts = {s.path: s.text for s in load_sources(site, seen).records}
    assert "未报告的修改" in texts["content/procedures/a.md"]
