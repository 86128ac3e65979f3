"""Small sites for tests, written from a dict of files: a valid baseline and per-test overrides."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from sitegen.cli import main
from sitegen.graph import Site, link
from sitegen.routes import Urls, plan_routes
from sitegen.sources import load_sources
from sitegen.validate import validate

BUILD_DATE = "2026-11-27"

SITE_YAML = """\
title: 示例厅政务公开
base_url: https://www.example.gov.cn/
organization:
  name: 示例厅
  address: 武汉市武昌区示例路1号
  postcode: 430071
  duty_phone: 027-87000000
  hours: 周一至周五 8:30-12:00，14:30-17:30（法定节假日除外）
identity:
  sponsor: 示例厅
  site_code: 4200000001
  icp: 鄂ICP备05000001号
  police: 鄂公网安备 42010602000001号
"""

DEPARTMENT = """\
name: 办公室
duties:
  - 负责机关日常运转。
  - 负责政务公开工作。
phones:
  - label: 办公电话
    number: 027-87000001
location: 示例路1号3楼301室
order: 1
"""

PROCEDURE = """\
---
title: 居民身份证申领
department: office
category: 行政确认
code: 000105001000
basis:
  - 《中华人民共和国居民身份证法》
conditions:
  - 年满十六周岁的中国公民
materials:
  - name: 户口簿
    form: 原件
    copies: 0
steps:
  - 受理
  - 审核
time_limit:
  statutory: 20
  promised: 10
fee: 不收费
location: 政务服务大厅A区
phones:
  consult: 027-87000002
  complaint: 12345
visits: 1
hall: main-hall
---
## 常见问题

办理前请查看[办公室](@departments/office)的联系电话。
"""

HALL = """\
name: 政务服务大厅
address: 武汉市武昌区示例路1号
hours: 周一至周五 9:00-17:00
phones:
  - label: 咨询电话
    number: 027-87000003
windows:
  - number: A01
    name: 综合受理
    procedures: [id-card]
"""

LEADER = """\
name: 张三
position: 厅长
portfolio: 主持全面工作
order: 1
"""

RECEPTIONS = """\
- leader: zhang-san
  date: 2026-12-10
  time: 9:00-11:30
  location: 信访接待室
  method: 定点接访
"""

POLICY = """\
---
title: 关于做好政务公开工作的通知
issuer: 示例厅
issued: 2026-03-01
doc_number: 鄂示发〔2026〕1号
---
全文。
"""

NOTICE = """\
---
title: 假期值班安排
date: 2026-09-20
---
值班电话见[办公室](@departments/office)。
"""

PAGE = """\
---
title: 政府信息公开指南
order: 1
---
指南正文。
"""

BASELINE: dict[str, str] = {
    "content/site.yaml": SITE_YAML,
    "content/departments/office.yaml": DEPARTMENT,
    "content/procedures/id-card.md": PROCEDURE,
    "content/halls/main-hall.yaml": HALL,
    "content/leaders/zhang-san.yaml": LEADER,
    "content/receptions/2026.yaml": RECEPTIONS,
    "content/policies/notice-2026.md": POLICY,
    "content/notices/duty.md": NOTICE,
    "content/pages/guide.md": PAGE,
}


def write_site(root: Path, files: Mapping[str, str | bytes | None], baseline: bool = True) -> Path:
    """Write a site; a value of None removes a baseline file."""
    merged: dict[str, str | bytes | None] = {**(BASELINE if baseline else {}), **files}
    for rel, text in merged.items():
        if text is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def run(*args: str) -> Run:
    """Run the real `sitegen` command in-process and capture what it prints."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's --help and usage errors
            code = int(exc.code or 0)
    return Run(code, out.getvalue(), err.getvalue())


def build(site: Path, *extra: str) -> Run:
    return run("build", str(site), "--build-date", BUILD_DATE, *extra)


def check(site: Path, *extra: str) -> Run:
    return run("check", str(site), "--build-date", BUILD_DATE, *extra)


def linked(root: Path, files: Mapping[str, str | bytes | None] | None = None) -> tuple[Site, Urls]:
    """Load, validate, link and plan a site in-process: the linked site and its URLs."""
    if files is not None:
        write_site(root, files)
    result = link(validate(load_sources(root)), dt.date.fromisoformat(BUILD_DATE))
    errors = [d for d in result.diagnostics if d.is_error]
    assert result.site is not None and not errors, errors
    return result.site, plan_routes(result.site).urls


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under a directory, by relative path: to prove an output was not touched."""
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }
