"""The build cache makes builds faster, never different: a warm build after any sequence of
edits, deletes and renames gives the same bytes as a clean build of the same sources."""

from __future__ import annotations

import re
import shutil
import sqlite3
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.lastbuild import SCHEMA, SHAPING, schema
from tests.sites import BASELINE, NOTICE, PROCEDURE, build, check, snapshot, write_site

NOTICES = [f"content/notices/n{i}.md" for i in range(4)]

# An edit is (what, which notice, a word): write/append to a notice, delete it, rename it,
# or change what a link in the procedure points at.
edits = st.lists(
    st.tuples(st.sampled_from(["write", "append", "delete", "rename", "relink"]),
              st.integers(0, 3), st.sampled_from(["甲", "乙", "丙"])),
    min_size=1, max_size=6,
)


def _apply(site: Path, edit: tuple[str, int, str]) -> None:
    what, index, word = edit
    path = site / NOTICES[index]
    if what == "write":
        path.write_text(NOTICE.replace("假期值班安排", f"通知{word}"), encoding="utf-8")
    elif what == "append" and path.exists():
        path.write_text(path.read_text(encoding="utf-8") + f"\n补充{word}。\n", encoding="utf-8")
    elif what == "delete" and path.exists():
        path.unlink()
    elif what == "rename" and path.exists():
        path.rename(path.with_name(f"m{index}-{ord(word)}.md"))
    elif what == "relink":
        target = "@notices/duty" if word == "甲" else "@departments/office"
        text = PROCEDURE.replace("@departments/office", target)
        (site / "content/procedures/id-card.md").write_text(text, encoding="utf-8")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits)
def test_warm_builds_equal_clean_builds_after_any_edits(tmp_path: Path, sequence: list[tuple[str, int, str]]) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as work:
        site = write_site(Path(work) / "site", {})
        assert build(site).code == 0
        for edit in sequence:
            _apply(site, edit)
            warm = build(site)
            clean_site = Path(work) / "clean"
            shutil.rmtree(clean_site, ignore_errors=True)
            shutil.copytree(site / "content", clean_site / "content")
            clean = build(clean_site, "--no-cache")
            assert warm.code == clean.code, (warm.stderr, clean.stderr)
            if clean.code == 0:
                assert snapshot(site / "output") == snapshot(clean_site / "output")


def test_nothing_changed_touches_nothing_and_reports_the_same(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/departments/office.yaml": BASELINE["content/departments/office.yaml"]
                                 + "phone: 027-87000001\n"})
    first = build(site)
    assert first.code == 0 and "未知的字段 “phone”" in first.stderr
    mtimes = {p: p.stat().st_mtime_ns for p in (site / "output").rglob("*")}
    second = build(site)
    assert second.code == 0
    assert "未知的字段 “phone”" in second.stderr  # the warning is reported again
    assert {p: p.stat().st_mtime_ns for p in (site / "output").rglob("*")} == mtimes


def test_a_corrupt_cache_is_ignored_with_a_warning(tmp_path: Path) -> None:
    site = write_site(tmp_path, {})
    assert build(site).code == 0
    expected = snapshot(site / "output")
    (site / ".sitegen-cache/cache.sqlite").write_bytes(b"this is not a database" * 100)
    shutil.rmtree(site / "output")
    result = build(site)
    assert result.code == 0
    assert "缓存" in result.stderr
    assert snapshot(site / "output") == expected


def test_a_cached_body_is_not_trusted_when_its_link_target_goes_away(tmp_path: Path) -> None:
    site = write_site(tmp_path, {})
    assert build(site).code == 0
    (site / "content/departments/office.yaml").rename(site / "content/departments/office-2.yaml")
    result = build(site)
    assert result.code == 1
    assert "content/notices/duty.md:5:" in result.stderr and "链接目标不存在" in result.stderr


def test_check_writes_no_cache(tmp_path: Path) -> None:
    site = write_site(tmp_path, {})
    assert check(site).code == 0
    assert not (site / ".sitegen-cache").exists()


def test_check_reads_the_builds_cache_and_says_how_many_pages_it_rendered(tmp_path: Path) -> None:
    site = write_site(tmp_path, {})
    assert build(site).code == 0
    database = site / ".sitegen-cache/cache.sqlite"
    before = (database.read_bytes(), database.stat().st_mtime_ns)
    _edit_notice(site, "甲")
    warm, clean = check(site), check(site, "--no-cache")
    assert warm.code == clean.code == 0
    assert "（其中 1 个重新渲染，其余所读内容与上次成功构建时相同）" in warm.stderr.splitlines()[-1]
    assert "重新渲染" not in clean.stderr
    assert (database.read_bytes(), database.stat().st_mtime_ns) == before
    elsewhere = check(site, "--cache-dir", str(tmp_path / "nowhere"))
    assert elsewhere.code == 0 and "重新渲染" not in elsewhere.stderr
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("damage", ["another version", "not a database"])
def test_check_leaves_a_cache_it_cannot_use_as_it_found_it(tmp_path: Path, damage: str) -> None:
    site = write_site(tmp_path, {})
    assert build(site).code == 0
    database = site / ".sitegen-cache/cache.sqlite"
    if damage == "another version":
        with sqlite3.connect(database) as db:
            db.execute("UPDATE meta SET value = 'sitegen-cache-7/0.1.0' WHERE key = 'schema'")
        warning = f"缓存由其他版本的 sitegen 或依赖库生成（sitegen-cache-7/0.1.0 → {SCHEMA}），本次检查不使用缓存"
    else:
        database.write_bytes(b"this is not a database" * 100)
        warning = "无法读取"
    before = database.read_bytes()
    result = check(site)
    assert result.code == 0 and warning in result.stderr, result.stderr
    assert "重新渲染" not in result.stderr
    assert database.read_bytes() == before
    assert sorted(path.name for path in database.parent.iterdir()) == ["cache.sqlite"]


def _bodies_in(cache: Path) -> int:
    with sqlite3.connect(cache / "cache.sqlite") as db:
        return int(db.execute("SELECT count(*) FROM bodies").fetchone()[0])


def _edit_notice(site: Path, word: str) -> None:
    path = site / "content/notices/duty.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\n补充{word}。\n", encoding="utf-8")


def test_a_full_render_forgets_the_bodies_of_past_edits(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    assert build(site).code == 0
    for word in "甲乙丙":
        _edit_notice(site, word)
        assert build(site).code == 0
    grown = _bodies_in(site / ".sitegen-cache")
    url = "https://zwgk.example.gov.cn/new/"
    assert build(site, "--base-url", url).code == 0  # another base URL renders every page
    shutil.copytree(site / "content", tmp_path / "fresh" / "content")
    assert build(tmp_path / "fresh", "--base-url", url).code == 0
    assert _bodies_in(site / ".sitegen-cache") == _bodies_in(tmp_path / "fresh" / ".sitegen-cache") < grown


def test_bodies_of_past_edits_do_not_pile_up_between_full_renders(tmp_path: Path) -> None:
    """Without a full render (a new day no longer makes one), the bodies edits leave behind are
    dropped once they outnumber the site's own."""
    site = write_site(tmp_path / "site", {})
    assert build(site).code == 0
    own = _bodies_in(site / ".sitegen-cache")
    counts = []
    for word in "甲乙丙丁戊己庚辛壬癸":
        _edit_notice(site, word)
        assert build(site).code == 0
        counts.append(_bodies_in(site / ".sitegen-cache"))
    assert max(counts) <= 2 * own + 1 and counts[0] == own + 1  # each edit adds one, then they go


def _page_rows(cache: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(cache / "cache.sqlite") as db:
        return {path: (route, reads) for path, route, reads in db.execute("SELECT path, route, reads FROM pages")}


def test_a_rebuild_rewrites_the_rows_of_the_pages_it_rendered_and_no_others(tmp_path: Path) -> None:
    """What each page read is kept a row per page: an edit writes the rows of the pages it renders
    (a trigger added to the cache file logs every row written), and a deleted page's row goes."""
    site = write_site(tmp_path, {})
    cache = site / ".sitegen-cache"
    assert build(site).code == 0
    pages = {p.relative_to(site / "output").as_posix() for p in (site / "output").rglob("index.html")}
    rows = _page_rows(cache)
    assert pages <= set(rows) and len(rows) >= len(pages)
    with sqlite3.connect(cache / "cache.sqlite") as db:
        db.execute("CREATE TABLE written (path TEXT)")
        db.execute("CREATE TRIGGER logged AFTER INSERT ON pages BEGIN INSERT INTO written VALUES (NEW.path); END")
    _edit_notice(site, "甲")
    result = build(site)
    assert result.code == 0 and "其中 1 个重新渲染" in result.stderr, result.stderr
    with sqlite3.connect(cache / "cache.sqlite") as db:
        assert [path for (path,) in db.execute("SELECT path FROM written")] == ["notices/duty/index.html"]
    after = _page_rows(cache)
    assert {path: row for path, row in after.items() if path != "notices/duty/index.html"} == {
        path: row for path, row in rows.items() if path != "notices/duty/index.html"}
    (site / "content/pages/guide.md").unlink()
    assert build(site).code == 0
    assert "guide/index.html" in rows and "guide/index.html" not in _page_rows(cache)


def test_a_damaged_page_row_renders_every_page_again_with_a_warning(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    assert build(site).code == 0
    with sqlite3.connect(site / ".sitegen-cache/cache.sqlite") as db:
        db.execute("UPDATE pages SET reads = '[1, 2' WHERE path = 'index.html'")
    _edit_notice(site, "乙")
    result = build(site)
    assert result.code == 0 and "增量构建记录已损坏" in result.stderr, result.stderr
    shutil.copytree(site / "content", tmp_path / "clean" / "content")
    assert build(tmp_path / "clean", "--no-cache").code == 0
    assert snapshot(site / "output") == snapshot(tmp_path / "clean" / "output")
    assert "增量构建记录已损坏" not in build(site).stderr  # the full render saved every row afresh


VAGUE_BASIS = {"content/procedures/id-card.md": PROCEDURE.replace(
    PROCEDURE.split("basis:\n", 1)[1].split("\n", 1)[0], "  - 相关规定")}


def test_the_audit_findings_kept_with_a_files_records_report_as_a_clean_build_does(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", VAGUE_BASIS)
    first = build(site)
    assert first.code == 0 and "的办理依据 “相关规定”" in first.stderr and "    - 相关规定" in first.stderr
    with sqlite3.connect(site / ".sitegen-cache/cache.sqlite") as db:
        (findings,) = db.execute("SELECT findings FROM records WHERE key LIKE 'content/procedures/id-card.md%'") \
            .fetchone()
    assert "procedure.basis" in findings and "相关规定" in findings  # found when the file was validated
    _edit_notice(site, "甲")  # the procedure's findings come from the cache
    warm = build(site)
    shutil.copytree(site / "content", tmp_path / "clean" / "content")
    clean = build(tmp_path / "clean", "--no-cache")
    assert (warm.code, _report(warm.stderr)) == (clean.code, _report(clean.stderr))


@pytest.mark.parametrize("damage", [
    '[["no.such.rule", "content/procedures/id-card.md", 1, 1, "m", "h", false, ""]]',
    '[["procedure.basis", "content/procedures/id-card.md", "1", 1, "m", "h", false, ""]]',
    '[["procedure.basis", "content/procedures/id-card.md", 1, 1, "m", "h", 0, ""]]',
    '[["procedure.basis", "content/procedures/id-card.md", 1, 1, "m", "h", false]]',
    '{"rule": "procedure.basis"}', '[1', "null",
])
def test_damaged_cached_findings_are_not_trusted(tmp_path: Path, damage: str) -> None:
    site = write_site(tmp_path / "site", VAGUE_BASIS)
    assert build(site).code == 0
    with sqlite3.connect(site / ".sitegen-cache/cache.sqlite") as db:
        db.execute("UPDATE records SET findings = ? WHERE key LIKE 'content/procedures/id-card.md%'", (damage,))
    _edit_notice(site, "甲")
    warm = build(site)
    assert "缓存内容已损坏" in warm.stderr
    shutil.copytree(site / "content", tmp_path / "clean" / "content")
    clean = build(tmp_path / "clean", "--no-cache")
    assert (warm.code, _report(warm.stderr)) == (clean.code, _report(clean.stderr))
    assert snapshot(site / "output") == snapshot(tmp_path / "clean" / "output")


def test_a_cache_of_another_version_with_other_columns_is_rebuilt(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", VAGUE_BASIS)
    assert build(site).code == 0
    expected = snapshot(site / "output")
    with sqlite3.connect(site / ".sitegen-cache/cache.sqlite") as db:  # as sitegen-cache-7 left it
        db.execute("DROP TABLE records")
        db.execute("CREATE TABLE records (key TEXT PRIMARY KEY, records TEXT, problems TEXT)")
        db.execute("INSERT INTO records VALUES (?, '[]', '[]')", ("content/procedures/id-card.md\0x",))
        db.execute("UPDATE meta SET value = 'sitegen-cache-7/0.1.0' WHERE key = 'schema'")
    shutil.rmtree(site / "output")
    rebuilt = build(site)
    assert rebuilt.code == 0 and "缓存由其他版本的 sitegen 或依赖库生成" in rebuilt.stderr, rebuilt.stderr
    assert snapshot(site / "output") == expected
    _edit_notice(site, "甲")
    again = build(site)
    assert again.code == 0 and "缓存" not in again.stderr and "重新渲染" in again.stderr, again.stderr


def test_the_cache_is_made_by_this_python_and_these_libraries() -> None:
    made_by = schema().split("; ")
    assert made_by[:2] == [SCHEMA, f"python {sys.version_info.major}.{sys.version_info.minor}"]
    for name in ("jinja2", "markupsafe", "markdown-it-py", "mdit-py-plugins", "pyyaml", "segno", "icalendar"):
        assert f"{name} {metadata.version(name)}" in made_by  # every library whose work is in the output
    assert len(made_by) == 2 + len(SHAPING)


def test_after_a_library_upgrade_every_page_is_rendered_again(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    first = build(site)
    assert first.code == 0
    pages = int(re.search(r"生成 (\d+) 个页面", first.stderr).group(1))  # type: ignore[union-attr]
    jinja = f"jinja2 {metadata.version('jinja2')}"
    with sqlite3.connect(site / ".sitegen-cache/cache.sqlite") as db:  # as the Jinja before left it
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (schema().replace(jinja, "jinja2 3.0.0"),))
    upgraded = build(site)  # nothing else changed: not even the stat shortcut may replay the last build
    assert upgraded.code == 0, upgraded.stderr
    assert f"缓存由其他版本的 sitegen 或依赖库生成（jinja2 3.0.0 → {metadata.version('jinja2')}）" in upgraded.stderr
    assert f"（其中 {pages} 个重新渲染" in upgraded.stderr, upgraded.stderr
    again = build(site)
    assert again.code == 0 and "缓存" not in again.stderr and "其中 0 个重新渲染" in again.stderr, again.stderr


def test_a_checkout_moved_whole_finds_its_last_build(tmp_path: Path) -> None:
    """As a CI runner that clones each job into another folder and restores the cache and output/
    there: the next build and check render what changed, not every page."""
    site = write_site(tmp_path / "here", {})
    assert build(site).code == 0
    moved = Path(shutil.copytree(site, tmp_path / "builds" / "1" / "there", symlinks=True))
    _edit_notice(moved, "甲")
    checked = check(moved)
    assert checked.code == 0 and "（其中 1 个重新渲染" in checked.stderr, checked.stderr
    built = build(moved)
    assert built.code == 0 and "（其中 1 个重新渲染" in built.stderr, built.stderr
    assert build(moved, "--no-cache", "--output", str(tmp_path / "clean")).code == 0
    assert snapshot(moved / "output") == snapshot(tmp_path / "clean")


def test_another_tree_where_the_output_was_is_not_taken_for_it(tmp_path: Path) -> None:
    site = write_site(tmp_path / "here", {})
    first = build(site)
    assert first.code == 0
    pages = int(re.search(r"生成 (\d+) 个页面", first.stderr).group(1))  # type: ignore[union-attr]
    moved = Path(shutil.copytree(site, tmp_path / "there", symlinks=True))
    _edit_notice(moved, "甲")
    (moved / "output/notices/duty/index.html").write_text("旧的", encoding="utf-8")  # then the manifest:
    (moved / "output/.sitegen-manifest.json").write_text("{}", encoding="utf-8")  # not the last build's
    built = build(moved)
    assert built.code == 0 and f"（其中 {pages} 个重新渲染" in built.stderr, built.stderr
    assert build(moved, "--no-cache", "--output", str(tmp_path / "clean")).code == 0
    assert snapshot(moved / "output") == snapshot(tmp_path / "clean")


def _report(stderr: str) -> list[str]:
    """What a build reports, without its timing and counts of pages rendered and kept."""
    return [line for line in stderr.splitlines() if not line.startswith("完成") and "缓存" not in line]
