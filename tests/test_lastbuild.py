"""The no-change shortcut: `sitegen build` on a site where nothing changed since the last build
into the same output answers from the cache by stat alone, without loading the build — and
never when anything the build reads, or the output, is not as the last build left it."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sitegen import lastbuild
from sitegen.build import build
from sitegen.lastbuild import SETTLED_NS, replay
from sitegen.options import BuildOptions
from sitegen.theme import PACKAGED_THEMES, find_theme
from tests.sites import write_site

BUILD_DATE = dt.date(2026, 11, 27)


def _options(site: Path, **changes: object) -> BuildOptions:
    base = dict(site_dir=site, output=site / "output", build_date=BUILD_DATE, cache_dir=site / ".cache",
                search=False)
    return BuildOptions(**{**base, **changes})  # type: ignore[arg-type]


def _rename_a_department(site: Path) -> None:
    path = site / "content/departments/office.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("办公室", "办公厅", 1), encoding="utf-8")  # as many bytes as before


def _copy_a_page(site: Path) -> None:
    (site / "content/pages/new.md").write_text((site / "content/pages/guide.md").read_text(encoding="utf-8"),
                                               encoding="utf-8")


def _downgrade_the_cache(site: Path) -> None:
    db = sqlite3.connect(site / ".cache" / lastbuild.DATABASE)
    db.execute("UPDATE meta SET value = 'sitegen-cache-0/0' WHERE key = 'schema'")
    db.commit()
    db.close()


# Each is made after a build, then left to settle: the shortcut must see it by stat alone.
CHANGES: dict[str, Callable[[Path], object]] = {
    "edited file": _rename_a_department,
    "new file": _copy_a_page,
    "deleted file": lambda site: (site / "content/notices/duty.md").unlink(),
    "permissions": lambda site: os.chmod(site / "content/site.yaml", 0o600),
    "new folder": lambda site: (site / "content/pages/drafts").mkdir(),
    "theme": lambda site: shutil.copytree(PACKAGED_THEMES / "default", site / "themes/default"),
    "output touched": lambda site: (site / "output/.sitegen-manifest.json").write_text("{}"),
    "output removed": lambda site: shutil.rmtree(site / "output"),
    "cache of another version": _downgrade_the_cache,
}
UNCHANGED = ("unchanged", "hidden file", "other options")


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small site per case, built once its files were older than the settling time, then
    changed and left to settle again: two waits of two seconds for the whole module."""
    root = tmp_path_factory.mktemp("lastbuild")
    names = [*CHANGES, *UNCHANGED, "command", "refreshed"]
    sites = {name: write_site(root / f"site{i}", {}) for i, name in enumerate(names)}
    assert build(_options(sites["refreshed"])).ok  # too fresh: no snapshot kept
    _settle()
    for name, site in sites.items():
        if name != "command":
            assert build(_options(site)).ok
    for name, change in CHANGES.items():
        change(sites[name])
    (sites["hidden file"] / "content/procedures/.passport.md.swp").write_bytes(b"\0swap")
    _settle()
    return sites


def _settle() -> None:
    time.sleep(SETTLED_NS / 1e9 + 0.1)


def test_an_unchanged_site_replays_the_last_report(sites: dict[str, Path]) -> None:
    site = sites["unchanged"]
    replayed = replay(_options(site), find_theme(site))
    built = build(_options(site))  # the content-digest replay: what a build reports when nothing changed

    assert replayed is not None
    assert replayed.diagnostics == built.diagnostics
    assert (replayed.pages, replayed.written, replayed.unchanged) == (built.pages, 0, built.unchanged)
    assert built.pages > 0 and built.unchanged > built.pages


@pytest.mark.parametrize("name", list(CHANGES))
def test_anything_changed_runs_the_build(sites: dict[str, Path], name: str) -> None:
    site = sites[name]
    assert lastbuild.snapshot(_options(site), find_theme(site)) is not None  # settled: only the stats tell

    assert replay(_options(site), find_theme(site)) is None


@pytest.mark.parametrize("changes", [
    {"build_date": dt.date(2026, 11, 28)}, {"base_url": "https://other.example.gov.cn/"}, {"strict": True},
    {"search": True}, {"output": "elsewhere"},
], ids=["build date", "base url", "strict", "search", "output"])
def test_other_options_run_the_build(sites: dict[str, Path], changes: dict[str, object]) -> None:
    site = sites["other options"]
    if "output" in changes:
        changes = {"output": site / "elsewhere"}
    assert replay(_options(site), find_theme(site)) is not None

    assert replay(_options(site, **changes), find_theme(site)) is None


def test_a_build_that_changed_nothing_keeps_the_snapshot_it_could_not_keep_before(sites: dict[str, Path]) -> None:
    """Built while its files were fresh, then again once they settled (answered by the files'
    digests, as in CI after a checkout): the second build keeps a snapshot, and the next one
    needs no file read."""
    site = sites["refreshed"]

    assert replay(_options(site), find_theme(site)) is not None


def test_a_hidden_file_is_not_an_input(sites: dict[str, Path]) -> None:
    """Editors' swap files (.x.swp) are skipped by the build, so they do not spoil the shortcut."""
    site = sites["hidden file"]

    assert replay(_options(site), find_theme(site)) is not None


def test_a_fresh_file_is_not_trusted(tmp_path: Path) -> None:
    """Written within the settling time, a file could change again within the same clock tick
    without its stat changing: no snapshot is kept, and the next build runs."""
    site = write_site(tmp_path, {})
    assert lastbuild.snapshot(_options(site), find_theme(site)) is None  # at once: however slow the machine
    assert build(_options(site)).ok  # it takes its own snapshot first, as fresh

    assert replay(_options(site), find_theme(site)) is None


def test_the_command_answers_without_loading_the_build(sites: dict[str, Path]) -> None:
    """Run as CI runs it: the second `sitegen build` prints what the first printed, touches no
    file of the output, and never imports sitegen.build."""
    program = ("import sys; from sitegen.cli import main; code = main(sys.argv[1:]); "
               "print('build loaded' if 'sitegen.build' in sys.modules else 'build not loaded'); sys.exit(code)")
    command = [sys.executable, "-c", program, "build", str(sites["command"]), "--build-date", BUILD_DATE.isoformat(),
               "--no-search"]
    site = sites["command"]
    first = subprocess.run(command, capture_output=True, text=True, check=True)
    before = {p: p.stat().st_mtime_ns for p in (site / "output").rglob("*")}
    second = subprocess.run(command, capture_output=True, text=True, check=True)

    assert first.stdout.strip() == "build loaded"
    assert second.stdout.strip() == "build not loaded"
    assert _without_time(second.stderr) == _without_time(first.stderr).replace(
        _rendered(first.stderr), "其中 0 个重新渲染")
    assert {p: p.stat().st_mtime_ns for p in (site / "output").rglob("*")} == before


def _rendered(stderr: str) -> str:
    start = stderr.index("其中 ")
    return stderr[start : stderr.index("；", start)]


def _without_time(stderr: str) -> str:
    """The summary line without its varying figures: how long it took, and how many files were written."""
    summary = stderr.rstrip().rsplit("\n", 1)[-1]
    return stderr.replace(summary, summary.split("（", 1)[0])
