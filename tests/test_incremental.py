"""Incremental builds: a rebuild renders only the pages that read something that changed, and
after any sequence of edits its output is byte for byte that of a clean build."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sitegen.build import BuildOptions, BuildReport, build
from sitegen.cache import Memory
from sitegen.diagnostics import Diagnostic
from sitegen.theme import PACKAGED_THEMES
from tests.sites import snapshot, write_site

BUILD_DATE = dt.date(2026, 11, 27)
FINANCE = ("name: 财务处\nduties:\n  - 负责机关财务。\nphones:\n  - label: 办公电话\n    number: 027-87000011\n"
           "location: 示例路1号2楼201室\norder: 2\n")


def _make(output: Path, *, jobs: int = 1, cache: Path | None = None, memory: Memory | None = None,
          site: Path, changed: frozenset[str] | None = None, date: dt.date = BUILD_DATE) -> BuildReport:
    """A build; with a Memory, as `sitegen serve` makes it: in place, in its private folder; with
    `changed`, as serve makes it after its watcher saw those paths change, the edited pages first."""
    early = (lambda paths, problems: None) if changed is not None else None
    return build(BuildOptions(site, output, build_date=date, jobs=jobs, search=False,
                              cache_dir=cache, memory=memory, changed=changed, early=early))


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def _watched(before: dict[str, bytes], after: dict[str, bytes]) -> frozenset[str]:
    """The paths a file watcher reports between two states of the site."""
    return frozenset(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def _replace(path: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(site: Path) -> None:
        file = site / path
        if file.exists():
            file.write_text(file.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return edit


def _append(path: str, text: str) -> Callable[[Path], None]:
    def edit(site: Path) -> None:
        file = site / path
        if file.exists():
            file.write_text(file.read_text(encoding="utf-8") + text, encoding="utf-8")
    return edit


def _write(path: str, text: str) -> Callable[[Path], None]:
    def edit(site: Path) -> None:
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(text, encoding="utf-8")
    return edit


def _delete(path: str) -> Callable[[Path], None]:
    def edit(site: Path) -> None:
        (site / path).unlink(missing_ok=True)
    return edit


def _rename(path: str, new: str) -> Callable[[Path], None]:
    def edit(site: Path) -> None:
        if (site / path).exists():
            (site / path).rename(site / new)
    return edit


THEME = "themes/default/"
# Edits an editor (or a theme maintainer) makes, each touching a different kind of input.
EDITS: dict[str, Callable[[Path], None]] = {
    "department phone": _replace("content/departments/office.yaml", "027-87000001", "027-87000009"),
    "department name": _replace("content/departments/office.yaml", "name: 办公室", "name: 综合办公室"),
    "department duty": _replace("content/departments/office.yaml", "  - 负责政务公开工作。",
                                "  - 负责政务公开工作。\n  - 负责机关安全保卫。"),
    "add department": _write("content/departments/finance.yaml", FINANCE),
    "delete department": _delete("content/departments/finance.yaml"),
    "move procedure": _replace("content/procedures/id-card.md", "department: office", "department: finance"),
    "procedure title": _replace("content/procedures/id-card.md", "title: 居民身份证申领", "title: 居民身份证换领"),
    "procedure body": _append("content/procedures/id-card.md", "\n补充说明一段。\n"),
    "hall hours": _replace("content/halls/main-hall.yaml", "9:00-17:00", "8:30-17:30"),
    "window name": _replace("content/halls/main-hall.yaml", "name: 综合受理", "name: 综合受理窗口"),
    "leader position": _replace("content/leaders/zhang-san.yaml", "position: 厅长", "position: 副厅长"),
    "reception place": _replace("content/receptions/2026.yaml", "信访接待室", "第二接待室"),
    "policy title": _replace("content/policies/notice-2026.md", "title: 关于做好", "title: 关于进一步做好"),
    "notice relink": _replace("content/notices/duty.md", "@departments/office", "@procedures/id-card"),
    "delete notice": _delete("content/notices/duty.md"),
    "rename page": _rename("content/pages/guide.md", "content/pages/guide-2026.md"),
    "site title": _replace("content/site.yaml", "title: 示例厅政务公开", "title: 示例厅信息公开"),
    "audit finding": _replace("content/procedures/id-card.md", "conditions:\n",
                              "conditions:\n  - 法律法规规定的其他条件\n"),
    "audit rule off": _append("content/site.yaml", "audit:\n  rules:\n    procedure.catch-all-condition: off\n"),
    "template": _append(THEME + "templates/notice.html", "{# 备注 #}\n<!-- 模板已修改 -->\n"),
    "string": _replace(THEME + "strings.yaml", "skip_to_content: 跳到主要内容", "skip_to_content: 跳到正文"),
}
# Builds on a later day: the reception of 2026-12-10 moves from upcoming to past two weeks on.
LATER = {"next day": dt.timedelta(days=1), "two weeks later": dt.timedelta(days=14)}


def _site(root: Path) -> Path:
    site = write_site(root, {})
    shutil.copytree(PACKAGED_THEMES / "default", site / "themes" / "default")
    return site


# Edits that only rendering finds wrong, for `sitegen check` with the cache: each page it does not
# render must be one that rendered without a problem from the same reads.
BREAKING: dict[str, Callable[[Path], None]] = {
    "broken link": _append("content/procedures/id-card.md", "\n[无此事项](@procedures/no-such-thing)\n"),
    "broken template": _append(THEME + "templates/notice.html", "{{ no_such_value }}\n"),
    "mended template": _replace(THEME + "templates/notice.html", "{{ no_such_value }}\n", ""),
}


def _check(site: Path, cache: Path | None, output: Path, date: dt.date = BUILD_DATE) -> BuildReport:
    return build(BuildOptions(site, output, build_date=date, write=False, cache_dir=cache))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(sorted([*EDITS, *BREAKING, *LATER])), min_size=1, max_size=5))
@example(["broken template", "department name", "mended template"])
@example(["broken link", "string", "two weeks later"])
def test_check_with_the_cache_reports_what_check_without_it_reports(tmp_path: Path, names: list[str]) -> None:
    """After any edits, and whether the builds between them succeeded or not (only a successful
    one updates what the cache knows), check with the cache equals check without it. The check
    reads the cache and never writes it."""
    with tempfile.TemporaryDirectory(dir=tmp_path) as work:
        root = Path(work)
        site, cache, output, date = _site(root / "site"), root / "cache", root / "out", BUILD_DATE
        assert _make(output, site=site, cache=cache).ok
        for name in names:
            if name in LATER:
                date += LATER[name]
            else:
                {**EDITS, **BREAKING}[name](site)
            before = (cache / "cache.sqlite").read_bytes()
            cached = _check(site, cache, output, date)
            assert (cache / "cache.sqlite").read_bytes() == before, name
            clean = _check(site, None, output, date)
            assert (cached.diagnostics, cached.pages) == (clean.diagnostics, clean.pages), name
            assert len(cached.rendered) <= len(clean.rendered) == clean.pages or not clean.ok, name
            _make(output, site=site, cache=cache, date=date)  # as CI builds main between checks


def test_check_renders_only_the_pages_that_read_an_edit(built: tuple[Path, Path, Memory, BuildReport],
                                                         tmp_path: Path) -> None:
    site, _, _, first = built
    cache, output = tmp_path / "cache", tmp_path / "checked"
    assert _make(output, site=site, cache=cache).ok
    assert _check(site, cache, output).rendered == ()
    EDITS["procedure body"](site)
    assert _check(site, cache, output).rendered == ("procedures/id-card/index.html",)
    assert len(_check(site, None, output).rendered) == first.pages


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(sorted([*EDITS, *LATER])), min_size=1, max_size=5))
@example(["audit finding", "procedure body", "audit rule off", "rename page"])
@example(["two weeks later", "reception place", "next day"])
def test_incremental_builds_equal_clean_builds_after_any_edits(tmp_path: Path, names: list[str]) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as work:
        root = Path(work)
        site, memory, watched, date = _site(root / "site"), Memory(), Memory(), BUILD_DATE
        assert _make(root / "cached", site=site, cache=root / "cache").ok
        assert _make(root / "memory", site=site, memory=memory).ok
        assert _make(root / "watched", site=site, memory=watched).ok
        for name in names:
            before = _files(site)
            if name in LATER:
                date += LATER[name]
            else:
                EDITS[name](site)
            cached = _make(root / "cached", site=site, cache=root / "cache", date=date)
            in_memory = _make(root / "memory", site=site, memory=memory, date=date)
            seen = _make(root / "watched", site=site, memory=watched, changed=_watched(before, _files(site)),
                         date=date)
            shutil.rmtree(root / "clean", ignore_errors=True)
            clean = _make(root / "clean", site=site, date=date)
            assert cached.diagnostics == in_memory.diagnostics == seen.diagnostics == clean.diagnostics, name
            if clean.ok:
                expected = snapshot(root / "clean")
                assert snapshot(root / "cached") == expected, name
                assert snapshot(root / "memory") == expected, name
                assert snapshot(root / "watched") == expected, name


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path, Memory, BuildReport]:
    site, memory = _site(tmp_path / "site"), Memory()
    first = _make(tmp_path / "out", site=site, memory=memory)
    assert first.ok and len(first.rendered) == first.pages
    return site, tmp_path / "out", memory, first


def _rebuild(built: tuple[Path, Path, Memory, BuildReport], edit: str, jobs: int = 1) -> set[str]:
    site, output, memory, _ = built
    EDITS[edit](site)
    report = _make(output, site=site, memory=memory, jobs=jobs)
    assert report.ok, report.diagnostics
    return set(report.rendered)


def test_a_body_edit_renders_only_its_own_page(built: tuple[Path, Path, Memory, BuildReport]) -> None:
    assert _rebuild(built, "procedure body") == {"procedures/id-card/index.html"}


def test_a_body_edit_renders_only_its_own_page_in_a_new_process(tmp_path: Path) -> None:
    """As CI runs it: each build a new `sitegen` process, with the cache on disk between them.
    What the last build saw must compare equal from one process to the next (no object's
    address may count: the open data's field list once held functions, and the /data/ page
    was rendered again on every build)."""
    site = _site(tmp_path / "site")
    command = [sys.executable, "-m", "sitegen", "build", str(site), "--build-date", BUILD_DATE.isoformat(),
               "--no-search"]
    first = subprocess.run(command, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    EDITS["procedure body"](site)
    second = subprocess.run(command, capture_output=True, text=True, check=False)
    assert second.returncode == 0, second.stderr
    assert "（其中 1 个重新渲染；" in second.stderr.splitlines()[-1]


def test_a_phone_edit_renders_the_pages_that_show_the_department(
        built: tuple[Path, Path, Memory, BuildReport]) -> None:
    rendered = _rebuild(built, "department phone", jobs=2)  # reads travel back from forked workers
    assert {"departments/office/index.html", "departments/office/card/index.html",
            "directory/index.html"} <= rendered
    assert not rendered & {"notices/duty/index.html", "policies/notice-2026/index.html",
                           "guide/index.html", "leaders/zhang-san/index.html"}
    assert len(rendered) < built[3].pages / 3


def test_a_template_edit_renders_the_pages_made_with_it(built: tuple[Path, Path, Memory, BuildReport]) -> None:
    assert _rebuild(built, "template") == {"notices/duty/index.html"}


def test_pages_written_by_a_failed_build_in_place_are_rendered_again(tmp_path: Path) -> None:
    """Pages render in chunks; in place, a chunk without problems is written even when another
    chunk fails. Those pages must not be taken for the last good build's afterwards."""
    notices = {f"content/notices/n{i:02d}.md": f"---\ntitle: 通知{i}\ndate: 2026-09-20\n---\n正文。\n"
               for i in range(70)}
    site, memory, output = write_site(tmp_path / "site", notices), Memory(), tmp_path / "out"
    assert _make(output, site=site, memory=memory).ok
    for path in notices:
        _replace(path, "正文。", "改过的正文。")(site)
    _append("content/notices/n69.md", "[坏链接](@procedures/missing)\n")(site)
    assert not _make(output, site=site, memory=memory).ok
    assert "notices/n00/index.html" in memory.unsure  # written by the failed build, then removed
    assert not (output / "notices/n00/index.html").exists()
    write_site(site, notices)  # every notice back as it was
    assert _make(output, site=site, memory=memory).ok
    assert _make(tmp_path / "clean", site=site).ok
    assert snapshot(output) == snapshot(tmp_path / "clean")



def test_a_rebuild_into_a_relative_output_renders_only_the_edited_page(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sitegen build` in the site folder (what CI runs) names the output `output`, relative:
    the cache must know it as the same output the build published, or every page renders."""
    site = _site(tmp_path / "site")
    monkeypatch.chdir(site)
    assert _make(Path("output"), site=Path("."), cache=Path(".sitegen-cache")).ok
    EDITS["procedure body"](site)
    again = _make(Path("./output"), site=Path("."), cache=Path(".sitegen-cache"))
    assert again.ok and set(again.rendered) == {"procedures/id-card/index.html"}


def test_a_new_day_renders_the_pages_the_date_shows_in_and_no_others(
        built: tuple[Path, Path, Memory, BuildReport]) -> None:
    """The directory and the printed cards show the date they were compiled on, the reception
    lists and the leaders' pages tell upcoming from past by it, the openness scorecard checks
    against it: those are made again on a new day. A procedure's page reads nothing of it."""
    site, output, memory, first = built
    later = _make(output, site=site, memory=memory, date=BUILD_DATE + dt.timedelta(days=1))
    assert later.ok
    rendered = set(later.rendered)
    assert {"directory/index.html", "openness/index.html", "leaders/zhang-san/index.html"} <= rendered
    assert "procedures/id-card/index.html" not in rendered and len(rendered) < first.pages

def test_a_site_yaml_edit_renders_every_page(built: tuple[Path, Path, Memory, BuildReport]) -> None:
    assert len(_rebuild(built, "site title")) == built[3].pages


def test_the_open_data_is_made_again_only_when_what_it_shows_changed(tmp_path: Path) -> None:
    """A procedure body is not open data: after a body edit the published data files are carried
    over untouched (same inode and mtime, so rsync sends nothing); a department's phone is, and
    after a phone edit the data files are made again: the departments' show the new number, the
    others, whose bytes are the same, stay as they were."""
    site, output, cache = _site(tmp_path / "site"), tmp_path / "out", tmp_path / "cache"
    assert _make(output, site=site, cache=cache).ok
    files = sorted(path.relative_to(output) for path in (output / "data").glob("*.*") if path.suffix != ".html")
    assert {path.name for path in files} >= {"procedures.json", "departments.csv"}

    def stats() -> list[tuple[int, int]]:
        return [((output / path).stat().st_ino, (output / path).stat().st_mtime_ns) for path in files]

    before = stats()
    EDITS["procedure body"](site)
    kept = _make(output, site=site, cache=cache)
    assert kept.ok and kept.remade == ()
    assert stats() == before

    EDITS["department phone"](site)
    remade = _make(output, site=site, cache=cache)
    assert remade.ok and set(remade.remade) == {f"data/{path.name}" for path in files}
    assert "027-87000009" in (output / "data/departments.json").read_text(encoding="utf-8")
    assert "027-87000009" in (output / "data/departments.csv").read_text(encoding="utf-8-sig")
    changed = {path.name for path, now, then in zip(files, stats(), before, strict=True) if now != then}
    assert changed == {"departments.json", "departments.csv"}



def test_the_calendars_are_made_again_only_when_what_they_show_changed(tmp_path: Path) -> None:
    """As the open data: a procedure body or a department's phone is in no calendar, and the
    published calendars are carried over untouched; a reception's place is, and they are made
    again with it."""
    site, output, cache = _site(tmp_path / "site"), tmp_path / "out", tmp_path / "cache"
    assert _make(output, site=site, cache=cache).ok
    calendars = ["receptions.ics", "leaders/zhang-san.ics"]

    def stats() -> list[tuple[int, int]]:
        return [((output / path).stat().st_ino, (output / path).stat().st_mtime_ns) for path in calendars]

    before = stats()
    for edit in ("procedure body", "department phone"):
        EDITS[edit](site)
        kept = _make(output, site=site, cache=cache)
        assert kept.ok and not set(kept.remade) & set(calendars), edit
        assert stats() == before, edit

    EDITS["reception place"](site)
    remade = _make(output, site=site, cache=cache)
    assert remade.ok and {path for path in remade.remade if path.endswith(".ics")} == set(calendars)
    for path in calendars:
        assert "第二接待室" in (output / path).read_text(encoding="utf-8")
    assert all(now != then for now, then in zip(stats(), before, strict=True))

def test_the_edited_pages_are_written_first(built: tuple[Path, Path, Memory, BuildReport]) -> None:
    """serve's early pages: once the edited file's pages are written, the build says so (the
    browser reloads then), before the rest of the build, whose output stays a clean build's."""
    site, output, memory, _ = built
    page = output / "procedures/id-card/index.html"
    told: list[tuple[tuple[str, ...], bool, bool]] = []

    def early(paths: tuple[str, ...], problems: tuple[Diagnostic, ...]) -> None:
        on_disk = page.read_text(encoding="utf-8")
        told.append((paths, "补充说明一段" in on_disk, any(d.is_error for d in problems)))

    EDITS["procedure body"](site)
    report = build(BuildOptions(site, output, build_date=BUILD_DATE, jobs=1, search=False, memory=memory,
                                changed=frozenset({"content/procedures/id-card.md"}), early=early))
    assert report.ok
    assert told == [(("procedures/id-card/index.html",), True, False)]
    assert not memory.unsure  # marked until the build succeeded
    assert _make(output.parent / "clean", site=site).ok
    assert snapshot(output) == snapshot(output.parent / "clean")


def test_no_early_pages_from_a_build_that_fails(built: tuple[Path, Path, Memory, BuildReport]) -> None:
    site, output, memory, _ = built
    told: list[tuple[str, ...]] = []
    _replace("content/procedures/id-card.md", "visits: 1", "visits: 一次")(site)
    report = build(BuildOptions(site, output, build_date=BUILD_DATE, jobs=1, search=False, memory=memory,
                                changed=frozenset({"content/procedures/id-card.md"}),
                                early=lambda paths, problems: told.append(paths)))
    assert not report.ok and told == []


def test_early_pages_of_a_build_that_then_fails_are_rendered_again(tmp_path: Path) -> None:
    """The edited page is written first; then another page fails to render. Once the edit is
    undone, the page written early must not be taken for the last good build's."""
    site, memory, output = _site(tmp_path / "site"), Memory(), tmp_path / "out"
    assert _make(output, site=site, memory=memory).ok
    original = (site / "content/pages/guide.md").read_text(encoding="utf-8")
    # the page is renamed: the notice's link to it breaks when the notice is rendered again
    _append("content/notices/duty.md", "\n[指南](@pages/guide)\n")(site)
    assert _make(output, site=site, memory=memory).ok
    (site / "content/pages/guide.md").rename(site / "content/pages/guide-2026.md")
    renamed = frozenset({"content/pages/guide.md", "content/pages/guide-2026.md"})
    told: list[tuple[str, ...]] = []
    failed = build(BuildOptions(site, output, build_date=BUILD_DATE, jobs=1, search=False, memory=memory,
                                changed=renamed, early=lambda paths, problems: told.append(paths)))
    assert told == [("guide-2026/index.html",)] and not failed.ok
    assert "guide-2026/index.html" in memory.unsure
    (site / "content/pages/guide-2026.md").unlink()
    (site / "content/pages/guide.md").write_text(original, encoding="utf-8")
    assert _make(output, site=site, memory=memory, changed=renamed).ok
    assert _make(tmp_path / "clean", site=site).ok
    assert snapshot(output) == snapshot(tmp_path / "clean")
