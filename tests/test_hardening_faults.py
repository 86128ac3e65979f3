"""Faults and files: a killed build, two builds at once, a full disk and a read-only output leave
the published site whole; symlinks and paths that leave content/ are refused, and a build reads
nothing outside content/, the theme and Python (issue 3, parts 3 and 4)."""

from __future__ import annotations

import ast
import contextlib
import os
import random
import shutil
import signal
import site as python_site
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import sitegen
from tests.sites import BASELINE, BUILD_DATE, PROCEDURE, build, check, snapshot, write_site

NOTICE = "content/notices/duty.md"
REPO = Path(__file__).resolve().parent.parent


def _command(site: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sitegen", "build", str(site), "--build-date", BUILD_DATE, *extra]


def _content(version: str) -> str:
    return str(BASELINE[NOTICE]) + f"\n版本{version}。\n"


def _leftovers(output: Path) -> list[str]:
    """Staging trees beside the output (the lock file, and the spare — the tree published before,
    which the next build fills — are meant to stay)."""
    return sorted(p.name for p in output.parent.iterdir()
                  if p.name.startswith(f".{output.name}.sitegen-") and not p.name.endswith(("-lock", "-spare")))


# --- kill -9 at random moments ------------------------------------------------------------------------


def test_kill_9_at_random_moments_leaves_the_old_or_the_new_site_byte_for_byte(tmp_path: Path) -> None:
    """Ten kills spread over the measured length of a build, each of the main process (its pool
    workers then die on their own) or of the whole process group: the output is always one of
    the two complete trees, and the next build needs no cleanup."""
    procedures = {f"content/procedures/p{i:03d}.md": PROCEDURE for i in range(250)}
    sites = {v: write_site(tmp_path / v, {**procedures, NOTICE: _content(v)}) for v in "AB"}
    expected = {}
    for version, site in sites.items():
        started = time.monotonic()
        done = subprocess.run(_command(site, "--no-cache"), capture_output=True, text=True)
        duration = time.monotonic() - started
        assert done.returncode == 0, done.stderr
        expected[version] = snapshot(site / "output")
    assert expected["A"] != expected["B"]

    work = write_site(tmp_path / "work", {**procedures, NOTICE: _content("A")})
    output = work / "output"
    shutil.copytree(sites["A"] / "output", output)
    state = "A"
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    moments = sorted(rng.uniform(0.05, duration * 1.1) for _ in range(10))
    groups: list[int] = []
    try:
        for n, moment in enumerate(moments):
            target = "B" if state == "A" else "A"
            (work / NOTICE).write_text(_content(target), encoding="utf-8")
            proc = subprocess.Popen(_command(work), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            groups.append(proc.pid)
            time.sleep(moment)
            if n % 2:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
            now = snapshot(output)
            assert now in (expected["A"], expected["B"]), f"seed {seed}: killed at {moment:.2f}s, a mixed tree"
            state = "A" if now == expected["A"] else "B"
    finally:
        for group in groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
    (work / NOTICE).write_text(_content("B"), encoding="utf-8")
    done = subprocess.run(_command(work), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert snapshot(output) == expected["B"]
    assert _leftovers(output) == []


# --- two builds at once -----------------------------------------------------------------------------------


def test_two_builds_into_one_output_at_once_leave_one_complete_site(tmp_path: Path) -> None:
    procedures = {f"content/procedures/p{i:03d}.md": PROCEDURE for i in range(10)}
    sites = {v: write_site(tmp_path / v, {**procedures, NOTICE: _content(v)}) for v in "AB"}
    expected = {}
    for version, site in sites.items():
        assert build(site, "--no-cache").code == 0
        expected[version] = snapshot(site / "output")
    output = tmp_path / "shared" / "output"
    for round_ in range(2):  # which build wins is up to the scheduler; either way it is one whole site
        order = "AB" if round_ % 2 == 0 else "BA"
        procs = [subprocess.Popen(_command(sites[v], "--output", str(output)), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for v in order]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
        now = snapshot(output)
        assert now in (expected["A"], expected["B"]), "two builds mixed their trees"
        assert _leftovers(output) == []


# --- a full disk and a read-only output -----------------------------------------------------------------


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip() or done.returncode}): needs root in CI")


@contextmanager
def mounted(*args: str, at: Path) -> Iterator[Path]:
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a small or read-only file system needs root and mount(8)")
    _mount(*args, str(at))
    try:
        yield at
    finally:
        subprocess.run(["umount", "-l", str(at)], check=False)


def test_a_full_disk_is_a_clear_error_and_the_old_site_stays(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    assert build(site, "--output", str(tmp_path / "measure")).code == 0
    pages = sum(-(-p.stat().st_size // 4096) for p in (tmp_path / "measure").rglob("*") if p.is_file())
    disk = tmp_path / "disk"
    disk.mkdir()
    # room for the published site and 256 KiB more: the next build fills it
    with mounted("-t", "tmpfs", "-o", f"size={pages * 4 + 256}k", "tmpfs", at=disk):
        output = disk / "output"
        assert build(site, "--output", str(output)).code == 0
        before = snapshot(output)
        big = "---\ntitle: 大文件\n---\n" + "政务公开。" * 200_000 + "\n"  # 3 MB of page: more than the disk
        write_site(site, {"content/pages/big.md": big})
        result = build(site, "--output", str(output))
        assert result.code == 2, result.stderr
        assert "磁盘空间不足" in result.stderr and "已发布的输出未改动" in result.stderr
        assert "Traceback" not in result.stderr
        assert snapshot(output) == before
        assert _leftovers(output) == []
        (site / "content/pages/big.md").unlink()  # the next build, with room, just works
        write_site(site, {NOTICE: _content("新")})
        assert build(site, "--output", str(output)).code == 0
        assert "版本新" in (output / "notices/duty/index.html").read_text(encoding="utf-8")


def test_a_read_only_output_is_a_clear_error_and_the_old_site_stays(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    public = tmp_path / "public"
    public.mkdir()
    output = public / "output"
    assert build(site, "--output", str(output)).code == 0
    before = snapshot(output)
    write_site(site, {NOTICE: _content("新")})
    with mounted("--bind", str(public), at=public):
        _mount("-o", "remount,bind,ro", str(public))
        result = build(site, "--output", str(output))
        assert result.code == 2, result.stderr
        assert "只读" in result.stderr and "已发布的输出未改动" in result.stderr
        assert "Traceback" not in result.stderr
        assert snapshot(output) == before
        assert _leftovers(output) == []
    # the output itself a read-only mount point: it cannot be swapped, and nothing is left behind
    with mounted("--bind", str(output), at=output):
        _mount("-o", "remount,bind,ro", str(output))
        result = build(site, "--output", str(output))
        assert result.code == 2, result.stderr
        assert "挂载点" in result.stderr and "Traceback" not in result.stderr
        assert snapshot(output) == before
        assert _leftovers(output) == []
    assert build(site, "--output", str(output)).code == 0


# --- files outside content/ -----------------------------------------------------------------------------------


def test_symlinks_leaving_content_are_refused_not_followed(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    secret = tmp_path / "secret"
    secret.mkdir()
    leak = "name: 机密\nduties: [机密]\nphones: [{label: 机密, number: 12345}]\nlocation: 机密\n"
    (secret / "leak.yaml").write_text(leak, encoding="utf-8")
    links = {
        "content/departments/leak.yaml": secret / "leak.yaml",  # a file
        "content/departments/secret": secret,  # a directory
        "content/files/passwd": Path("/etc/passwd"),
        "content/files/etc": Path("/etc"),
        "content/pages/passwd.md": Path("/etc/passwd"),
        "content/site-link": Path("/"),
    }
    for rel, target in links.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, site / rel)
    result = check(site)
    assert result.code == 1
    for rel in links:
        assert f"{rel}: error: 不允许使用符号链接" in result.stderr, rel
    assert build(site).code == 1
    assert not (site / "output").exists()
    assert "root:" not in result.stderr


def test_unreadable_folders_and_files_are_errors_not_skipped(tmp_path: Path) -> None:
    """os.walk skips a folder it cannot read without a word, and an unreadable attachment crashed
    the build: both are errors at their path. Root reads everything, so the check runs without
    the capabilities that let it."""
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv(1) is needed to drop root's permission override")
    site = write_site(tmp_path / "site", {
        "content/departments/locked/unit.yaml": str(BASELINE["content/departments/office.yaml"]),
        "content/files/secret.pdf": b"%PDF-1.4\n",
        "content/notices/locked.md": str(BASELINE["content/notices/duty.md"]),
    })
    locked = [site / rel for rel in ("content/departments/locked", "content/files/secret.pdf",
                                     "content/notices/locked.md")]
    for path in locked:
        path.chmod(0)
    drop = "-dac_override,-dac_read_search"
    try:
        done = subprocess.run(["setpriv", "--bounding-set", drop, "--inh-caps", drop, sys.executable, "-m", "sitegen",
                               "check", str(site), "--build-date", BUILD_DATE],
                              cwd=REPO, capture_output=True, text=True, timeout=60)
    finally:
        for path in locked:
            path.chmod(0o755)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr
    assert "content/departments/locked: error: 无法读取文件夹" in done.stderr
    assert "content/files/secret.pdf: error: 无法读取文件" in done.stderr
    assert "content/notices/locked.md: error: 无法读取文件" in done.stderr


HOSTILE_PATHS = ["../../secret.txt", "/etc/passwd", "file:///etc/passwd", "a/../../secret.txt", "\\\\host\\share"]


def test_file_paths_that_leave_content_files_are_errors(tmp_path: Path) -> None:
    files: dict[str, str] = {}
    for n, path in enumerate(HOSTILE_PATHS):
        files[f"content/leaders/l{n}.yaml"] = str(BASELINE["content/leaders/zhang-san.yaml"]) + f"photo: '{path}'\n"
        files[f"content/policies/p{n}.md"] = str(BASELINE["content/policies/notice-2026.md"]).replace(
            "---\n全文", f"attachments:\n  - title: 附件\n    file: '{path}'\n---\n全文")
    site = write_site(tmp_path / "site", files)
    (tmp_path / "secret.txt").write_text("机密", encoding="utf-8")
    result = check(site)
    assert result.code == 1 and "Traceback" not in result.stderr
    for n, path in enumerate(HOSTILE_PATHS):
        assert f"content/leaders/l{n}.yaml:5:8: error: photo 应为 content/files/ 下的文件名" in result.stderr, path
        expected = f"content/policies/p{n}.md:8:11: error: attachments[1].file 应为 content/files/ 下的文件名"
        assert expected in result.stderr, path


# Each event: the process, the audit event and its first argument (a path, or a file descriptor).
_AUDIT = """
import os, sys
log = open(sys.argv[1], "a", buffering=1)
EVENTS = {"open", "os.listdir", "os.scandir", "os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.link",
          "os.symlink", "os.truncate", "shutil.rmtree", "shutil.copyfile", "sqlite3.connect"}
def hook(event, args):
    # A relative path is opened relative to a directory descriptor (shutil.rmtree walks the staging
    # tree that way), never by sitegen, which is given absolute paths: its top is the rmtree event.
    if event in EVENTS and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(args[0])
        if os.path.isabs(path):
            log.write(repr((os.getpid(), event, path)) + "\\n")
sys.addaudithook(hook)
from sitegen.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _opened(site: Path, log: Path, *args: str) -> tuple[int, set[tuple[int, str, str]]]:
    done = subprocess.run([sys.executable, "-c", _AUDIT, str(log), "build", str(site), "--build-date", BUILD_DATE,
                           "--jobs", "2", *args], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, {ast.literal_eval(line) for line in log.read_text(encoding="utf-8").splitlines()}


def _allowed_roots(site: Path) -> list[str]:
    python = {sys.prefix, sys.base_prefix, sys.exec_prefix, *python_site.getsitepackages()}
    return [str(p) for p in (
        site / "content", site / "themes", site / ".sitegen-cache", site / "output", Path(sitegen.__file__).parent,
        *map(Path, python), Path("/dev"), Path("/proc"), Path("/sys"),
        Path("/usr/share/zoneinfo"),  # the tz database icalendar consults (system data, read-only)
    )]


def _outside(events: set[tuple[int, str, str]], site: Path) -> list[str]:
    roots = _allowed_roots(site)
    imports = {os.path.abspath(p or ".") for p in sys.path} | {str(REPO)}
    temp = os.path.join(tempfile.gettempdir(), "tmp")
    strays = []
    for _, event, path in sorted(events):
        if any(path == root or path.startswith(root + os.sep) for root in roots):
            continue
        if path.startswith(str(site / ".output.sitegen-")) or (event == "os.mkdir" and path == str(site)):
            continue  # the lock and the staging tree beside the output, and making sure its folder exists
        if event == "os.listdir" and path in imports:
            continue  # the import system listing sys.path
        if path.startswith(temp):
            continue  # tempfile.mkdtemp() scratch space
        strays.append(f"{event} {path}")
    return strays


def test_a_build_reads_nothing_outside_content_and_the_theme(tmp_path: Path) -> None:
    procedures = {f"content/procedures/p{i:03d}.md": PROCEDURE for i in range(80)}  # two chunks: pool workers
    site = write_site(tmp_path / "site", procedures)
    (tmp_path / "neighbour.yaml").write_text("机密", encoding="utf-8")
    code, events = _opened(site, tmp_path / "clean.log")
    assert code == 0
    assert len({pid for pid, _, _ in events}) >= 2, "the workers' opens are recorded too"
    assert any(path.startswith(str(site / "content/procedures/")) for _, _, path in events)
    assert _outside(events, site) == []


def test_hostile_content_makes_the_build_read_nothing_outside(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("机密", encoding="utf-8")
    site = write_site(tmp_path / "site", {
        "content/leaders/zhang-san.yaml": str(BASELINE["content/leaders/zhang-san.yaml"]) + "photo: ../../secret.txt\n",
        "content/pages/guide.md": str(BASELINE["content/pages/guide.md"])
        + f"\n![a](../../../secret.txt)\n\n![b]({secret})\n\n![c](file://{secret})\n",
    })
    os.symlink(secret, site / "content/departments/leak.yaml")
    (site / "content/files").mkdir()
    os.symlink(tmp_path, site / "content/files/up")
    code, events = _opened(site, tmp_path / "hostile.log")
    assert code == 1
    assert not [e for e in events if e[2].startswith(str(secret)) or e[2] == str(tmp_path)]
    assert _outside(events, site) == []
