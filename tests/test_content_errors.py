"""Broken sites: each mistake an editor makes gives exit 1 at the right file and line, and the
previously published output stays byte for byte as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.sites import DEPARTMENT, HALL, PROCEDURE, RECEPTIONS, build, check, snapshot, write_site


def _first_location(stderr: str) -> str:
    return stderr.split(": error:", 1)[0].splitlines()[-1]


# (name, files to change, expected "path:line:col", a fragment of the message)
BROKEN = [
    (
        "yaml-syntax",
        {"content/departments/office.yaml": DEPARTMENT.replace("location: 示例路", "location: 示例路: 1号")},
        "content/departments/office.yaml:8:",
        "YAML 格式错误",
    ),
    (
        "duplicate-key",
        {"content/departments/office.yaml": DEPARTMENT + "name: 又一个名字\n"},
        "content/departments/office.yaml:10:1",
        "重复的键 “name”（第 1 行已经写过）",
    ),
    (
        "missing-field",
        {"content/departments/office.yaml": DEPARTMENT.replace("location: 示例路1号3楼301室\n", "")},
        "content/departments/office.yaml:1:1",
        "缺少必填字段 “location”",
    ),
    (
        "wrong-type",
        {"content/procedures/id-card.md": PROCEDURE.replace("    copies: 0", "    copies: 两份")},
        "content/procedures/id-card.md:13:13",
        "materials[1].copies 必须是整数，实际是 “两份”",
    ),
    (
        "bad-enum",
        {"content/procedures/id-card.md": PROCEDURE.replace("form: 原件", "form: 原本")},
        "content/procedures/id-card.md:12:11",
        "materials[1].form 不能是 “原本”",
    ),
    (
        "bad-date",
        {"content/receptions/2026.yaml": RECEPTIONS.replace("2026-12-10", "2026-02-30")},
        "content/receptions/2026.yaml:2:9",
        "不存在的日期",
    ),
    (
        "chinese-date",
        {"content/receptions/2026.yaml": RECEPTIONS.replace("2026-12-10", "2026年12月10日")},
        "content/receptions/2026.yaml:2:9",
        "[1].date",
    ),
    (
        "bad-phone",
        {"content/departments/office.yaml": DEPARTMENT.replace("027-87000001", "8700-0001")},
        "content/departments/office.yaml:7:13",
        "phones[1].number",
    ),
    (
        "unknown-reference",
        {"content/procedures/id-card.md": PROCEDURE.replace("department: office", "department: ofice")},
        "content/procedures/id-card.md:3:13",
        "引用的部门 “ofice” 不存在",
    ),
    (
        "unknown-window-procedure",
        {"content/halls/main-hall.yaml": HALL.replace("[id-card]", "[id-card, passport]")},
        "content/halls/main-hall.yaml:10:27",
        "windows[1].procedures[2] 引用的办事事项 “passport” 不存在",
    ),
    (
        "unknown-markdown-link",
        {"content/procedures/id-card.md": PROCEDURE.replace("@departments/office", "@departments/nowhere")},
        "content/procedures/id-card.md:30:13",
        "链接目标不存在",
    ),
    (
        "url-collision",
        {"content/pages/departments.md": "---\ntitle: 撞名页面\n---\n正文\n"},
        "content/pages/departments.md:2:1",
        "两处内容会生成同一个网址 /departments/",
    ),
    (
        "duplicate-slug-in-subfolders",
        {"content/procedures/more/id-card.md": PROCEDURE},
        "content/procedures/more/id-card.md:1:1",
        "content/procedures/id-card.md 已使用这个文件名",
    ),
    (
        "promised-longer-than-statutory",
        {"content/procedures/id-card.md": PROCEDURE.replace("promised: 10", "promised: 30")},
        "content/procedures/id-card.md:19:13",
        "承诺时限 30 个工作日长于法定时限 20 个工作日",
    ),
    (
        "cancelled-without-reason",
        {"content/receptions/2026.yaml": RECEPTIONS + "  status: cancelled\n"},
        "content/receptions/2026.yaml:6:11",
        "必须写明原因",
    ),
    (
        "parent-cycle",
        {
            "content/departments/office.yaml": DEPARTMENT + "parent: unit\n",
            "content/departments/unit.yaml": DEPARTMENT.replace("办公室", "科室") + "parent: office\n",
        },
        "content/departments/office.yaml:1:1",
        "循环",
    ),
]


@pytest.mark.parametrize(("files", "location", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_site_reports_the_line_and_keeps_the_output(
    tmp_path: Path, files: dict[str, str], location: str, message: str
) -> None:
    site = write_site(tmp_path / "site", {})
    assert build(site).code == 0
    before = snapshot(site / "output")

    write_site(site, files)
    result = build(site)

    assert result.code == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{location}" in result.stderr, result.stderr
    assert message in result.stderr, result.stderr
    assert "提示：" in result.stderr
    assert snapshot(site / "output") == before


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    site = write_site(tmp_path, {
        "content/departments/office.yaml": DEPARTMENT.replace("027-87000001", "12").replace("order: 1", "order: 一"),
        "content/procedures/id-card.md": PROCEDURE.replace("fee: 不收费\n", ""),
    })
    result = check(site)
    assert result.code == 1
    assert "content/departments/office.yaml:7:13" in result.stderr
    assert "content/departments/office.yaml:9:8" in result.stderr
    assert "content/procedures/id-card.md:2:1: error: 缺少必填字段 “fee”" in result.stderr


def test_check_json_lists_problems_with_locations(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/halls/main-hall.yaml": HALL.replace("[id-card]", "[id-crad]")})
    result = check(site, "--format", "json")
    assert result.code == 1
    items = json.loads(result.stdout)["diagnostics"]
    assert [(d["path"], d["line"], d["code"]) for d in items] == [
        ("content/halls/main-hall.yaml", 10, "ref.unknown")
    ]
    assert "id-card" in items[0]["hint"]  # did you mean …?


def test_check_github_format_makes_annotations(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/departments/office.yaml": DEPARTMENT.replace("办公室", "办公室\nnmae: x")})
    result = check(site, "--format", "github")
    assert "::warning file=content/departments/office.yaml,line=2,col=1," in result.stderr
    assert "nmae" in result.stderr and "name" in result.stderr


def test_unknown_key_warns_and_strict_fails(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/departments/office.yaml": DEPARTMENT + "phone: 027-87000009\n"})
    relaxed = check(site)
    assert relaxed.code == 0
    assert "content/departments/office.yaml:10:1: warning: 未知的字段 “phone”" in relaxed.stderr
    assert "是不是要写 “phones”" in relaxed.stderr
    strict = check(site, "--strict")
    assert strict.code == 1
    assert "content/departments/office.yaml:10:1: error:" in strict.stderr


def test_doc_number_brackets_are_normalised_with_a_warning(tmp_path: Path) -> None:
    policy = "---\ntitle: 文件\nissuer: 示例厅\nissued: 2026-03-01\ndoc_number: 鄂示发[2026]2号\n---\n正文\n"
    site = write_site(tmp_path, {"content/policies/p2.md": policy})
    result = build(site)
    assert result.code == 0
    assert "content/policies/p2.md:5:13: warning:" in result.stderr
    assert "鄂示发〔2026〕2号" in (site / "output/policies/p2/index.html").read_text(encoding="utf-8")
