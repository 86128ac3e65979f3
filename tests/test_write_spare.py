"""The spare tree: the tree published before the current one is kept beside the output and
becomes the next build's staging tree, so that a one-page edit costs one page, not a copy of
10,000 folders. Its unchanged files are hard links shared with the published tree: these tests
prove that no build writes through them, that each tree holds exactly what its manifest names,
and that the published site is byte for byte a clean build's."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import signal
from pathlib import Path

import pytest

from sitegen.build import build
from sitegen.options import BuildOptions
from sitegen.write import MARKER
from tests.sites import BASELINE, PROCEDURE, snapshot, write_site

BUILD_DATE = dt.date(2026, 11, 27)
NOTICE = "content/notices/duty.md"


def _build(site: Path, output: Path, cache: bool = True) -> None:
    report = build(BuildOptions(site, output, build_date=BUILD_DATE, search=False, jobs=1,
                                cache_dir=site / ".cache" if cache else None))
    assert report.ok, report.diagnostics


def _spare(output: Path) -> Path:
    return output.parent / f".{output.name}.sitegen-spare"


def _exactly_its_manifest(tree: Path) -> None:
    """Every file the manifest names holds the bytes of its digest, and there is nothing else."""
    manifest = json.loads((tree / MARKER).read_text(encoding="utf-8"))
    files = {p.relative_to(tree).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in tree.rglob("*") if p.is_file() and p.name != MARKER}
    assert files == manifest
    assert not [p for p in tree.rglob("*") if p.is_dir() and not any(p.iterdir())], "empty folders left"


def _clean(site: Path, tmp_path: Path) -> dict[str, bytes]:
    """What a build from scratch makes of the site as it is now."""
    fresh = tmp_path / "clean"
    _build(site, fresh, cache=False)
    made = snapshot(fresh)
    shutil.rmtree(fresh)  # and its spare, if any: each comparison starts from nothing
    shutil.rmtree(_spare(fresh), ignore_errors=True)
    return made


EDITS: list[dict[str, str | None]] = [
    {NOTICE: str(BASELINE[NOTICE]) + "\n第一次修改。\n"},
    {"content/procedures/p1.md": PROCEDURE, "content/procedures/p2.md": PROCEDURE},
    {NOTICE: str(BASELINE[NOTICE]) + "\n第二次修改。\n"},
    {"content/procedures/p1.md": None},  # deleted
    {NOTICE: str(BASELINE[NOTICE])},  # back to the start
    {"content/procedures/p3.md": PROCEDURE.replace("护照", "港澳通行证")},
]


def test_each_build_publishes_a_clean_build_and_keeps_both_trees_true(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    output = tmp_path / "output"
    _build(site, output)
    for step, edit in enumerate(EDITS):
        for rel, text in edit.items():
            if text is None:
                (site / rel).unlink()
            else:
                write_site(site, {rel: text}, baseline=False)
        _build(site, output)

        assert snapshot(output) == _clean(site, tmp_path), f"after edit {step}"
        _exactly_its_manifest(output)
        _exactly_its_manifest(_spare(output))  # never written through a shared link


def test_an_unchanged_file_keeps_its_inode_and_mtime(tmp_path: Path) -> None:
    """rsync and friends compare size and mtime: a page no edit touched is never written again,
    even when the spare it is staged in held an older copy."""
    site = write_site(tmp_path / "site", {})
    output = tmp_path / "output"
    _build(site, output)
    page = output / "guide/index.html"
    before = page.stat()
    for step in range(4):
        write_site(site, {NOTICE: str(BASELINE[NOTICE]) + f"\n修改{step}。\n"}, baseline=False)
        _build(site, output)
        after = page.stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert "修改3" in (output / "notices/duty/index.html").read_text(encoding="utf-8")


def test_a_file_put_into_the_output_by_hand_does_not_come_back(tmp_path: Path) -> None:
    """The next build drops it; the one after, staged in the tree that had it, drops it too."""
    site = write_site(tmp_path / "site", {})
    output = tmp_path / "output"
    _build(site, output)
    (output / "stray.html").write_text("手工放入的文件", encoding="utf-8")
    (output / "by-hand").mkdir()
    (output / "by-hand/note.txt").write_text("手工", encoding="utf-8")
    for step in range(3):
        write_site(site, {NOTICE: str(BASELINE[NOTICE]) + f"\n修改{step}。\n"}, baseline=False)
        _build(site, output)

        assert not (output / "stray.html").exists() and not (output / "by-hand").exists(), f"build {step}"
        _exactly_its_manifest(output)


@pytest.mark.parametrize("first, then", [
    ("content/files/report", "content/files/report/2026.txt"),
    ("content/files/report/2026.txt", "content/files/report"),
], ids=["file becomes folder", "folder becomes file"])
def test_a_path_that_changes_from_file_to_folder(tmp_path: Path, first: str, then: str) -> None:
    site = write_site(tmp_path / "site", {first: "第一版"})
    output = tmp_path / "output"
    _build(site, output)
    write_site(site, {NOTICE: str(BASELINE[NOTICE]) + "\n修改。\n"}, baseline=False)
    _build(site, output)  # the spare now holds the first tree, with `first`
    (site / first).unlink()
    if (site / first).parent != site / "content/files":
        (site / first).parent.rmdir()
    write_site(site, {then: "第二版"}, baseline=False)
    _build(site, output)

    assert snapshot(output) == _clean(site, tmp_path)
    _exactly_its_manifest(output)


def test_a_spare_without_a_readable_manifest_is_not_used(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    output = tmp_path / "output"
    for step in range(2):
        write_site(site, {NOTICE: str(BASELINE[NOTICE]) + f"\n修改{step}。\n"}, baseline=False)
        _build(site, output)
    (_spare(output) / MARKER).write_text("not json", encoding="utf-8")
    (_spare(output) / "index.html").unlink()  # a hard link shared with the published tree: not written through
    (_spare(output) / "index.html").write_text("损坏", encoding="utf-8")
    write_site(site, {NOTICE: str(BASELINE[NOTICE]) + "\n再修改。\n"}, baseline=False)
    _build(site, output)

    assert snapshot(output) == _clean(site, tmp_path)
    _exactly_its_manifest(output)


def test_builds_that_change_no_file_leave_nothing_behind(tmp_path: Path) -> None:
    """A comment added to a source changes its bytes but no page: the manifest is the same each
    time, and in the spare it is already a link to the published one (rename(2) then does nothing)."""
    site = write_site(tmp_path / "site", {})
    output = tmp_path / "output"
    _build(site, output)
    for step in range(3):
        commented = str(BASELINE[NOTICE]).replace("---\n", f"---\n# 注释{step}\n", 1)  # YAML: no page changes
        write_site(site, {NOTICE: commented}, baseline=False)
        report = build(BuildOptions(site, output, build_date=BUILD_DATE, search=False, jobs=1,
                                    cache_dir=site / ".cache"))

        assert report.ok and report.written == 0
        _exactly_its_manifest(output)
        _exactly_its_manifest(_spare(output))


def _edited(site: Path, output: Path, step: int) -> None:
    write_site(site, {NOTICE: str(BASELINE[NOTICE]) + f"\n修改{step}。\n"}, baseline=False)
    _build(site, output)


def test_a_build_that_publishes_nothing_gives_the_spare_back(tmp_path: Path) -> None:
    """The spare is taken and swept by a child process while the build validates. A build that
    then publishes nothing — content errors, or nothing changed — stops the child wherever it is
    and puts the tree back: a spare swept halfway (here, 3,000 stray files to sweep) still holds
    its manifest's files, and the next build publishes exactly a clean build."""
    site = write_site(tmp_path / "site", {})
    output = tmp_path / "output"
    for step in range(2):
        _edited(site, output, step)
    strays = _spare(output) / "by-hand"
    for folder in range(30):
        (strays / f"f{folder}").mkdir(parents=True)
        for n in range(100):
            (strays / f"f{folder}" / f"{n}.txt").write_text("手工", encoding="utf-8")
    spare_manifest = (_spare(output) / MARKER).read_bytes()
    good = (site / NOTICE).read_text(encoding="utf-8")
    (site / NOTICE).write_text(good.replace("title:", "title: [", 1), encoding="utf-8")
    broken = build(BuildOptions(site, output, build_date=BUILD_DATE, search=False, jobs=1, cache_dir=site / ".cache"))
    assert not broken.ok
    assert (_spare(output) / MARKER).read_bytes() == spare_manifest  # given back, not thrown away
    assert not (output.parent / f".{output.name}.sitegen-new").exists()
    (site / NOTICE).write_text(good, encoding="utf-8")
    unchanged = build(BuildOptions(site, output, build_date=BUILD_DATE, search=False, jobs=1,
                                   cache_dir=site / ".cache"))
    assert unchanged.ok and unchanged.written == 0 and not unchanged.rendered  # answered from the cache
    assert (_spare(output) / MARKER).read_bytes() == spare_manifest
    _edited(site, output, 2)
    assert snapshot(output) == _clean(site, tmp_path)
    _exactly_its_manifest(output)
    _exactly_its_manifest(_spare(output))


def test_a_host_that_ignores_its_children_still_gets_a_clean_build(tmp_path: Path) -> None:
    """With SIGCHLD ignored (as some programs embedding the build set it), the child that makes
    the staging tree ready is reaped by the system and its outcome is unknown: the build starts
    from an empty tree instead, and still publishes exactly a clean build."""
    site = write_site(tmp_path / "site", {})
    output = tmp_path / "output"
    for step in range(2):
        _edited(site, output, step)
    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        _edited(site, output, 2)
    finally:
        signal.signal(signal.SIGCHLD, before)
    assert snapshot(output) == _clean(site, tmp_path)
    _exactly_its_manifest(output)
