"""`sitegen new KIND SLUG`: a new content file with every required field, each with a comment.

The example values validate as they are, so an editor can build at once and then replace
them. References (a procedure's department, a session's leader) point at a record that
already exists in the site.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .options import UsageError
from .slugs import is_slug


class ScaffoldError(UsageError):
    """The scaffold cannot be written (exit 2)."""


@dataclass(frozen=True, slots=True)
class Template:
    folder: str
    suffix: str
    text: str  # with {slug}, {department}, {leader} placeholders
    needs: tuple[str, ...] = ()  # folders that must hold at least one record


_DEPARTMENT = """\
# 部门（处室、直属单位）信息。带 # 的行是说明，可以删除。
name: 新设处室                      # 必填：部门全称
duties:                             # 必填：基本职责，每条一行，以 “- ” 开头
  - 负责本处室职责范围内的日常工作。
phones:                             # 必填：对外公开的联系电话，可写多个
  - label: 办公电话                 # 电话用途
    number: 027-87000000            # 固定电话写区号；服务热线如 12345
location: 某某路1号1楼101室         # 必填：办公地点
# hours: 周一至周五 8:30-12:00，14:30-17:30   # 选填：办公时间，不写则用单位的办公时间
# parent: bangongshi                # 选填：上级部门的文件名
# order: 10                         # 选填：排序，数字小的在前
# head:                             # 选填：负责人
#   name: 张三
#   title: 处长
# email: office@example.gov.cn      # 选填：电子邮箱
# verified: 2026-01-28              # 选填：电话最近一次核实的日期
"""

_PROCEDURE = """\
---
# 办事指南。带 # 的行是说明，可以删除。
title: 新办事事项                   # 必填：事项名称
department: {department}            # 必填：实施部门的文件名
category: 行政确认                  # 必填：事项类别
# code: 000000000000                # 选填：事项编码
basis:                              # 必填：设定依据，每条一行
  - 《某某条例》第十条
conditions:                         # 必填：申请条件，写具体条件，不写“法律法规规定的其他条件”
  - 申请人为本省户籍居民
materials:                          # 必填：申请材料
  - name: 居民身份证                # 材料名称
    form: 原件                      # 形式：原件 / 复印件 / 原件及复印件 / 电子版
    copies: 0                       # 份数；0 表示只查验、不收取
    # required: false               # 选填：非必需材料写 false
    # note: 现场查验                # 选填：备注
steps:                              # 必填：办理流程，每步一行
  - 提交申请
  - 受理审核
  - 办结
time_limit:
  statutory: 20                     # 必填：法定时限（工作日），无法定时限写 无
  promised: 5                       # 必填：承诺时限（工作日），即办写 0
fee: 不收费                         # 必填：收费标准；不收费写 不收费
location: 政务服务大厅              # 必填：办理地点
# hours: 周一至周五 9:00-17:00      # 选填：办理时间，不写则用大厅或单位的时间
phones:
  consult: 027-87000000             # 必填：咨询电话，可写多个
  complaint: 12345                  # 必填：投诉电话
visits: 1                           # 必填：需到现场次数，全程网办写 0
# online_url: https://zwfw.hubei.gov.cn/   # 选填：网上办理地址
# hall: zhengwu-dating              # 选填：办理大厅的文件名
---
## 常见问题

在这里写办理须知和常见问题。
"""

_LEADER = """\
# 领导信息（鄂发〔2013〕22号要求公开）。带 # 的行是说明，可以删除。
name: 张三                          # 必填：姓名
position: 副厅长                    # 必填：职务
portfolio: 分管某某工作             # 必填：分管工作
# order: 2                          # 选填：排序
# photo: zhangsan.jpg               # 选填：照片，放在 content/files/ 下
# resume: 男，汉族，1970年生。      # 选填：简历
# contact_points:                   # 选填：基层联系点（县级一个、基层一个）
#   - county: 某某县
#     unit: 某某镇某某村
#     since: 2026
# activity:                         # 选填：当年已记录的履职数据，未报送的不写
#   2026:
#     research_days: 10
#     receptions: 1
"""

_RECEPTIONS = """\
# 领导接访安排：每场接访一项，以 “- leader:” 开头。带 # 的行是说明，可以删除。
- leader: {leader}                  # 必填：领导的文件名
  date: 2026-12-15                  # 必填：日期
  time: 9:00-11:30                  # 必填：时间段
  location: 信访接待室              # 必填：地点
  method: 定点接访                  # 必填：定点接访 / 重点约访 / 带案下访 / 上门回访
  # topics: 就业和社会保障           # 选填：接访内容
  # booking:                        # 选填：预约方式
  #   phone: 027-87000000
  #   note: 请提前三个工作日预约
  # status: held                    # 选填：scheduled（默认）/ held / cancelled / postponed
  # reason: 因故取消                # 取消或延期时必填
"""

_POLICY = """\
---
# 政策文件。带 # 的行是说明，可以删除。
title: 关于某某工作的通知           # 必填：标题
issuer: 某某厅                      # 必填：发文机关；联合发文写成列表
issued: 2026-01-28                  # 必填：成文日期
# published: 2026-02-03             # 选填：发布日期，不写同成文日期
# doc_number: 鄂某发〔2026〕1号      # 选填：发文字号，年份用六角括号〔〕
# status: 现行有效                  # 选填：现行有效 / 已修订 / 已废止 / 已失效
# category: 政务公开                # 选填：主题分类
# attachments:                      # 选填：附件，文件放在 content/files/ 下
#   - title: 申请表
#     file: form.pdf
---
在这里写文件全文。
"""

_HALL = """\
# 政务服务大厅。带 # 的行是说明，可以删除。
name: 政务服务大厅                  # 必填：名称
address: 某某路1号                  # 必填：地址
hours: 周一至周五 9:00-17:00（法定节假日除外）   # 必填：开放时间
phones:                             # 必填：电话
  - label: 咨询电话
    number: 027-87000000
# windows:                          # 选填：窗口
#   - number: A01
#     name: 综合受理
#     procedures: [some-procedure]
# accessibility:                    # 选填：无障碍与便民设施
#   - 无障碍通道
"""

_NOTICE = """\
---
# 通知公告。带 # 的行是说明，可以删除。
title: 关于某某事项的通知           # 必填：标题
date: 2026-01-28                    # 必填：发布日期
# expires: 2026-03-01               # 选填：过期后从首页撤下，转入往期公告
---
在这里写通知正文。
"""

_PAGE = """\
---
# 独立页面，网址为 /{slug}/。带 # 的行是说明，可以删除。
title: 新页面                       # 必填：标题
# order: 5                          # 选填：在页脚中的顺序
---
在这里写页面正文。
"""

TEMPLATES: dict[str, Template] = {
    "department": Template("departments", ".yaml", _DEPARTMENT),
    "procedure": Template("procedures", ".md", _PROCEDURE, ("departments",)),
    "leader": Template("leaders", ".yaml", _LEADER),
    "reception": Template("receptions", ".yaml", _RECEPTIONS, ("leaders",)),
    "policy": Template("policies", ".md", _POLICY),
    "hall": Template("halls", ".yaml", _HALL),
    "notice": Template("notices", ".md", _NOTICE),
    "page": Template("pages", ".md", _PAGE),
}
# The folder names work too: `sitegen new procedures id-card`.
ALIASES = {template.folder: kind for kind, template in TEMPLATES.items()}


def scaffold(site_dir: Path, kind: str, slug: str) -> Path:
    """Write the scaffold and return its path; refuses bad slugs and existing files."""
    name = ALIASES.get(kind, kind)
    template = TEMPLATES.get(name)
    if template is None:
        raise ScaffoldError(f"未知的内容类型 “{kind}”；可用：{'、'.join(TEMPLATES)}")
    if not is_slug(slug):
        raise ScaffoldError(
            f"文件名 “{slug}” 不能用作网址：只用小写字母、数字和连字符，如 id-card 或 2026-zhaopin"
        )
    content = site_dir / "content"
    if not content.is_dir():
        raise ScaffoldError(f"{site_dir} 下没有 content/ 文件夹")
    existing = _existing_slugs(content, template.folder, slug)
    if existing is not None:
        raise ScaffoldError(f"{existing} 已存在，不会覆盖；请换一个文件名")
    firsts = {folder: _first_slug(content / folder) for folder in ("departments", "leaders")}
    for folder in template.needs:
        if firsts[folder] is None:
            needed = "department" if folder == "departments" else "leader"
            raise ScaffoldError(f"请先创建至少一个{_LABELS[folder]}：sitegen new {needed} SLUG")
    text = template.text.format(slug=slug, department=firsts["departments"], leader=firsts["leaders"])
    path = content / template.folder / f"{slug}{template.suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
        handle.write(text)
    return path


_LABELS = {"departments": "部门", "leaders": "领导"}


def _existing_slugs(content: Path, folder: str, slug: str) -> Path | None:
    """A file of the same kind and slug anywhere in the folder (sub-folders only organise)."""
    root = content / folder
    if not root.is_dir():
        return None
    for path in sorted(root.rglob(f"{slug}.*")):
        if path.stem == slug:
            return path
    return None


def _first_slug(folder: Path) -> str | None:
    if not folder.is_dir():
        return None
    stems = sorted(p.stem for p in folder.rglob("*") if p.is_file() and is_slug(p.stem))
    return stems[0] if stems else None
