"""The command line: exit codes, help, refusing dangerous outputs, and surviving a kill."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.sites import BASELINE, PROCEDURE, build, check, run, snapshot, write_site


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.code == 0
    assert "build" in result.stdout and "check" in result.stdout
    build_help = run("build", "--help")
    for option in ("--output", "--base-url", "--strict", "--build-date"):
        assert option in build_help.stdout


def test_python_m_sitegen_runs_the_same_cli(tmp_path: Path) -> None:
    site = write_site(tmp_path, {})
    proc = subprocess.run([sys.executable, "-m", "sitegen", "check", str(site)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "检查通过" in proc.stderr


def test_the_command_exits_with_main_s_code_and_all_its_output(tmp_path: Path) -> None:
    """`run` (the console script, `python -m sitegen`) freezes the leftovers instead of letting
    Python collect them on the way out: the exit code and every line printed must survive that."""
    site = write_site(tmp_path, {"content/departments/office.yaml": "name: [\n"})
    proc = subprocess.run([sys.executable, "-m", "sitegen", "check", str(site), "--format", "json"],
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    problems = json.loads(proc.stdout)["diagnostics"]
    assert any(p["path"] == "content/departments/office.yaml" for p in problems), problems
    assert proc.stderr.strip().splitlines()[-1].startswith("失败：")
    built = subprocess.run([sys.executable, "-m", "sitegen", "build", str(write_site(tmp_path / "ok", {})),
                            "--build-date", "2026-11-27"], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert built.stderr.strip().splitlines()[-1].startswith("完成：")


def test_exit_codes(tmp_path: Path) -> None:
    site = write_site(tmp_path / "ok", {})
    assert build(site).code == 0
    broken = write_site(tmp_path / "broken", {"content/departments/office.yaml": "name: [\n"})
    assert build(broken).code == 1
    assert run("build", str(tmp_path / "nowhere")).code == 2
    assert run("frobnicate").code == 2
    assert run("build", str(site), "--build-date", "2026年1月1日").code == 2


def test_summary_line(tmp_path: Path) -> None:
    site = write_site(tmp_path, {})
    result = build(site)
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("完成：生成 ") and "个页面" in last and "个警告" in last and "用时" in last


def test_check_writes_nothing(tmp_path: Path) -> None:
    site = write_site(tmp_path, {})
    before = snapshot(site)
    assert check(site).code == 0
    assert snapshot(site) == before


@pytest.mark.parametrize("where", ["/", ".", "content", "content/sub", ".."])
def test_refuses_dangerous_output_dirs(tmp_path: Path, where: str) -> None:
    site = write_site(tmp_path / "site", {})
    before = snapshot(tmp_path)
    output = where if where == "/" else str(site / where)
    result = build(site, "--output", output)
    assert result.code == 2, result.stderr
    assert "输出目录" in result.stderr
    assert snapshot(tmp_path) == before


def test_refuses_a_foreign_non_empty_directory(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    foreign = tmp_path / "docs"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("重要文件")
    result = build(site, "--output", str(foreign))
    assert result.code == 2
    assert (foreign / "keep.txt").read_text() == "重要文件"
    # an empty directory, or one sitegen made, is fine
    empty = tmp_path / "empty"
    empty.mkdir()
    assert build(site, "--output", str(empty)).code == 0
    assert build(site, "--output", str(empty)).code == 0


def test_missing_site_yaml_is_reported(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/site.yaml": None})
    result = check(site)
    assert result.code == 1
    assert "content/site.yaml" in result.stderr and "找不到站点配置文件" in result.stderr


def test_bad_encoding_and_crlf_and_bom(tmp_path: Path) -> None:
    gbk = BASELINE["content/departments/office.yaml"].encode("gbk")
    crlf_bom = b"\xef\xbb\xbf" + PROCEDURE.replace("\n", "\r\n").encode("utf-8")
    site = write_site(tmp_path, {"content/departments/office.yaml": gbk, "content/procedures/id-card.md": crlf_bom})
    result = check(site)
    assert result.code == 1
    assert "content/departments/office.yaml:1:7: error: 文件不是 UTF-8 编码，看起来是 GBK/GB18030 编码" in result.stderr
    assert "id-card.md" not in result.stderr.replace("@procedures/id-card", "")


def test_bad_file_names_are_errors(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/notices/Duty Notice.md": BASELINE["content/notices/duty.md"]})
    result = check(site)
    assert result.code == 1
    assert "content/notices/Duty Notice.md: error: 文件名 “Duty Notice.md” 不能用作网址" in result.stderr
    assert "duty-notice.md" in result.stderr


def test_symlink_out_of_content_is_refused(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    secret = tmp_path / "secret.yaml"
    secret.write_text("name: 机密\n")
    os.symlink(secret, site / "content/departments/leak.yaml")
    (site / "content/files").mkdir()
    os.symlink("/etc", site / "content/files/etc")
    result = check(site)
    assert result.code == 1
    assert "content/departments/leak.yaml: error: 不允许使用符号链接" in result.stderr
    assert "content/files/etc: error: 不允许使用符号链接" in result.stderr


def test_kill_during_build_leaves_old_or_new_output(tmp_path: Path) -> None:
    """kill -9 at several moments: the output is always a complete tree, and the next build works."""
    files = {f"content/procedures/p{i:04d}.md": PROCEDURE for i in range(400)}
    site = write_site(tmp_path, files)
    assert build(site).code == 0
    old = snapshot(site / "output")
    (site / "content/notices/duty.md").write_text(BASELINE["content/notices/duty.md"] + "\n新内容\n", encoding="utf-8")
    shutil.copytree(site / "content", tmp_path / "reference" / "content")
    assert build(tmp_path / "reference", "--no-cache").code == 0
    new = snapshot(tmp_path / "reference" / "output")  # builds are deterministic: the new tree, exactly
    command = [sys.executable, "-m", "sitegen", "build", str(site), "--build-date", "2026-11-27"]
    for delay in (0.3, 0.6, 0.9, 1.2, 1.5):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert snapshot(site / "output") in (old, new)
    assert build(site).code == 0
    assert "新内容" in (site / "output/notices/duty/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", ["department", "procedure", "leader", "reception", "policy", "hall", "notice", "page"])
def test_new_writes_a_scaffold_that_validates(tmp_path: Path, kind: str) -> None:
    # The audit asks a new leader for a reception this year: give the fresh one a session.
    extra = {"content/receptions/fresh.yaml": "- {leader: fresh-one, date: 2026-12-11, time: 9:00-11:30, "
             "location: 信访接待室, method: 定点接访}\n"} if kind == "leader" else {}
    site = write_site(tmp_path, extra)
    result = run("new", kind, "fresh-one", str(site))
    assert result.code == 0, result.stderr
    [path] = [p for p in (site / "content").rglob("fresh-one.*")]
    text = path.read_text(encoding="utf-8")
    assert "必填" in text  # every required field carries a comment
    checked = check(site, "--strict")
    assert checked.code == 0, checked.stderr


def test_new_refuses_to_overwrite_and_bad_slugs(tmp_path: Path) -> None:
    site = write_site(tmp_path, {})
    before = snapshot(site)
    taken = run("new", "department", "office", str(site))
    assert taken.code == 2 and "已存在" in taken.stderr
    bad = run("new", "notice", "My Notice", str(site))
    assert bad.code == 2 and "小写字母" in bad.stderr
    unknown = run("new", "widget", "x", str(site))
    assert unknown.code == 2 and "未知的内容类型" in unknown.stderr
    assert snapshot(site) == before


def test_check_reports_audit_findings_with_file_and_line(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/procedures/id-card.md": PROCEDURE.replace("fee: 不收费", "fee: 无")})
    as_json = check(site, "--format", "json")
    assert as_json.code == 1
    found = {(d["path"], d["line"], d["code"], d["severity"]) for d in json.loads(as_json.stdout)["diagnostics"]}
    assert ("content/procedures/id-card.md", 20, "audit.procedure.fee", "error") in found
    as_github = check(site, "--format", "github")
    assert "::error file=content/procedures/id-card.md,line=20,col=6,title=audit.procedure.fee::" in as_github.stderr
    as_text = check(site)
    assert "content/procedures/id-card.md:20:6: error:" in as_text.stderr and "    fee: 无" in as_text.stderr
