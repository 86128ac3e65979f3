"""Checks of what departments, procedures (办事指南), halls and the site footer publish."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .. import models as m
from ..diagnostics import Location
from ..values.hours import Hours
from .finding import Finding, is_placeholder, place, plain, quoted

if TYPE_CHECKING:  # the audit never needs the graph at run time: schema.py may import this package
    from ..graph import Site

_WEEKDAYS = "一二三四五六日"


# --- departments ---------------------------------------------------------------------------------


def department_duties_phones(department: m.Department) -> Iterator[Finding]:
    origin = department.origin
    for index, duty in enumerate(department.duties, start=1):
        if is_placeholder(duty) or len(plain(duty)) < 4:
            yield Finding("department.duties-phones", place(origin, f"duties[{index}]", "duties"),
                          f"{department.name} 的 duties[{index}] {quoted(duty)} 不是职责说明",
                          "每项写一句完整的职责，如“负责机关日常运转”；没有的项请删去")
    if all(_is_fax(phone) for phone in department.phones):
        yield Finding("department.duties-phones", place(origin, "phones"),
                      f"{department.name} 只公开了传真号码，没有可以拨打的联系电话",
                      "至少公开一个办公电话，如 `- {label: 办公电话, number: 027-87654321}`")


def _is_fax(phone: m.LabelledPhone) -> bool:
    return "传真" in phone.label or "fax" in phone.label.casefold()


# --- procedures (办事指南) -----------------------------------------------------------------------

# A basis names the document it rests on: 《…》, a 文号 〔2019〕, or 国务院令第412号.
_CITATION = re.compile(r"[《〈]|〔[0-9]{4}〕|令第|第[0-9一二三四五六七八九十百]+[号条]")
_CATCH_ALL_CONDITION = re.compile(r"其[他它]\S{0,4}?(?:条件|情形|要求)")
_CATCH_ALL_MATERIAL = re.compile(r"其[他它]\S{0,4}?(?:材料|资料|文件|证件)|^(?:相关|有关|所需|必要)(?:材料|资料)$")
_VAGUE_FEE = re.compile(r"^按(?:照)?(?:有关|相关|国家)?规定(?:收取|收费)?$")
_NATURAL_DAYS = re.compile(r"([0-9]+)\s*(?:个)?(?:自然日|日|天)")
_WORKING_DAYS = re.compile(r"([0-9]+)\s*(?:个)?工作日")


def procedure_basis(procedure: m.Procedure) -> Iterator[Finding]:
    for index, basis in enumerate(procedure.basis, start=1):
        if is_placeholder(basis) or _CITATION.search(basis) is None:
            yield Finding("procedure.basis", place(procedure.origin, f"basis[{index}]", "basis"),
                          f"{procedure.title} 的办理依据 {quoted(basis)} 没有写明具体的法律法规或文件",
                          "写出依据的名称和条款，如《中华人民共和国行政许可法》第三十条")


def procedure_catch_all_condition(procedure: m.Procedure) -> Iterator[Finding]:
    for index, condition in enumerate(procedure.conditions, start=1):
        if _CATCH_ALL_CONDITION.search(condition) or is_placeholder(condition):
            yield Finding("procedure.catch-all-condition",
                          place(procedure.origin, f"conditions[{index}]", "conditions"),
                          f"{procedure.title} 的办理条件 {quoted(condition)} 是兜底条款，申请人无法据此判断",
                          "把“其他条件”实际指的条件逐条写出，写不出的删去")


def procedure_catch_all_material(procedure: m.Procedure) -> Iterator[Finding]:
    for index, material in enumerate(procedure.materials, start=1):
        if _CATCH_ALL_MATERIAL.search(material.name) or is_placeholder(material.name):
            yield Finding("procedure.catch-all-material",
                          place(procedure.origin, f"materials[{index}]", "materials"),
                          f"{procedure.title} 的申请材料 {quoted(material.name)} 是兜底条款，申请人无法据此准备",
                          "列出每一种材料的名称；“其他材料”须一次性告知，不能留到受理时再提")


def procedure_materials(procedure: m.Procedure) -> Iterator[Finding]:
    for index, material in enumerate(procedure.materials, start=1):
        if "复印件" in material.form and material.copies == 0:
            yield Finding("procedure.materials", place(procedure.origin, f"materials[{index}]", "materials"),
                          f"{procedure.title} 的申请材料 {quoted(material.name)} 要求{material.form}，份数却是 0",
                          "写明复印件的份数，如 `copies: 1`；只需出示原件核验的，form 写“原件”、copies 写 0")


def procedure_time_limit(procedure: m.Procedure) -> Iterator[Finding]:
    limits = procedure.time_limit
    promised, statutory = _days(limits.promised), _days(limits.statutory)
    if promised is None:
        yield Finding("procedure.time-limit", _time_limit_place(procedure),
                      f"{procedure.title} 的承诺时限 {quoted(str(limits.promised))} 不是明确的期限",
                      "承诺时限写工作日数，如 `promised: 10`；当场办结写 0")
        return
    if statutory is None:
        return
    (promised_days, promised_working), (statutory_days, statutory_working) = promised, statutory
    # Days of the same kind compare directly, and M working days last at least M calendar days;
    # only calendar days promised against working days allowed cannot be judged without a date.
    if promised_days > statutory_days and (promised_working or not statutory_working):
        yield Finding("procedure.time-limit", _time_limit_place(procedure),
                      f"{procedure.title} 的承诺时限 {limits.promised} 长于法定时限 {limits.statutory}",
                      "承诺时限不能超过法定时限")


def _time_limit_place(procedure: m.Procedure) -> Location:
    return place(procedure.origin, "time_limit.promised", "time_limit")


def _days(limit: m.TimeLimit) -> tuple[int, bool] | None:
    """(days, whether working days) of a limit, or None when it states no definite period."""
    if limit.days is not None:
        return limit.days, True
    text = limit.text or ""
    if plain(text) in ("即办", "当场办结", "立即办结", "当场"):
        return 0, True
    if (working := _WORKING_DAYS.fullmatch(text.strip())) is not None:
        return int(working[1]), True
    if (natural := _NATURAL_DAYS.fullmatch(text.strip())) is not None:
        return int(natural[1]), False
    return None


def procedure_fee(procedure: m.Procedure) -> Iterator[Finding]:
    fee = procedure.fee
    if is_placeholder(fee) or plain(fee) in ("否", "不") or (
            _VAGUE_FEE.fullmatch(plain(fee)) and not re.search(r"[0-9]", fee)):
        yield Finding("procedure.fee", place(procedure.origin, "fee"),
                      f"{procedure.title} 的收费写的是 {quoted(fee)}，公众无法判断是否收费、收多少",
                      "不收费的写“不收费”；收费的写明收费项目、标准和依据")


# --- halls and windows ---------------------------------------------------------------------------

# The normal working hours every hall and window must cover, Monday to Friday.
WORKING_HOURS = ((9 * 60, 12 * 60), (14 * 60, 17 * 60))


def hall_working_hours(hall: m.Hall) -> Iterator[Finding]:
    gaps = uncovered(hall.hours)
    if gaps:
        yield Finding("hall.working-hours", place(hall.origin, "hours"),
                      f"{hall.name} 的开放时间没有覆盖正常工作时间：{gaps}未开放",
                      "正常工作时间内大厅和窗口一律对外开放：周一至周五至少 9:00-12:00、14:00-17:00")


def procedure_working_hours(procedure: m.Procedure) -> Iterator[Finding]:
    gaps = uncovered(procedure.hours) if procedure.hours is not None else ""
    if gaps:
        yield Finding("hall.working-hours", place(procedure.origin, "hours"),
                      f"{procedure.title} 的办理时间没有覆盖正常工作时间：{gaps}不能办理",
                      "正常工作时间内窗口一律对外开放：周一至周五至少 9:00-12:00、14:00-17:00")


def uncovered(hours: Hours) -> str:
    """The required working hours that `hours` leaves closed, as “周三 14:00-17:00”, or ""."""
    by_gap: dict[str, list[int]] = {}
    for weekday in range(5):
        missing = [
            f"{start // 60}:{start % 60:02d}-{end // 60}:{end % 60:02d}"
            for start, end in WORKING_HOURS
            if not hours.covers(weekday, start, end)
        ]
        if missing:
            by_gap.setdefault("，".join(missing), []).append(weekday)
    return "；".join(f"{_days_label(days)} {gap}" for gap, days in by_gap.items())


def _days_label(days: list[int]) -> str:
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return f"周{_WEEKDAYS[days[0]]}至周{_WEEKDAYS[days[-1]]}"
    return "、".join(f"周{_WEEKDAYS[d]}" for d in days)


# --- the footer identity -------------------------------------------------------------------------

# Province abbreviations and the first two digits of their administrative division codes.
PROVINCES = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "蒙": "15", "辽": "21", "吉": "22", "黑": "23",
    "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35", "赣": "36", "鲁": "37", "豫": "41",
    "鄂": "42", "湘": "43", "粤": "44", "桂": "45", "琼": "46", "渝": "50", "川": "51", "蜀": "51",
    "贵": "52", "黔": "52", "云": "53", "滇": "53", "藏": "54", "陕": "61", "秦": "61", "甘": "62",
    "陇": "62", "青": "63", "宁": "64", "新": "65",
}
_SITE_CODE = re.compile(r"[0-9]{10}|bm[0-9]{8}")  # 网站标识码: 10 digits; ministries “bm” + 8
_ICP = re.compile(r"(.)ICP备([0-9]{6,10})号(?:-[0-9]{1,3})?")
_POLICE = re.compile(r"(.)公网安备\s?([0-9]{14})号")


def site_identity(site: Site) -> Iterator[Finding]:
    identity, origin = site.config.identity, site.config.origin

    def finding(key: str, message: str, hint: str) -> Finding:
        return Finding("site.identity", place(origin, f"identity.{key}", "identity"), message, hint)

    if is_placeholder(identity.sponsor):
        yield finding("sponsor", f"主办单位 {quoted(identity.sponsor)} 不是单位名称", "写主办单位的全称")
    if not _SITE_CODE.fullmatch(identity.site_code):
        yield finding("site_code", f"网站标识码 {quoted(identity.site_code)} 不是 10 位数字",
                      "网站标识码由全国政府网站信息报送系统分配，为 10 位数字，如 4200000001")
    icp = _ICP.fullmatch(identity.icp.strip())
    if icp is None or icp[1] not in PROVINCES:
        yield finding("icp", f"ICP备案号 {quoted(identity.icp)} 格式不对",
                      "写成 省份简称 + ICP备 + 编号 + 号，如 鄂ICP备05003304号 或 鄂ICP备05003304号-1")
    police = _POLICE.fullmatch(identity.police.strip())
    if police is None or police[1] not in PROVINCES:
        yield finding("police", f"公安备案号 {quoted(identity.police)} 格式不对",
                      "写成 省份简称 + 公网安备 + 14 位数字 + 号，如 鄂公网安备 42010602000123号")
    elif not police[2].startswith(PROVINCES[police[1]]):
        yield finding("police", f"公安备案号 {quoted(identity.police)} 的编号与“{police[1]}”不符",
                      f"{police[1]}的公安备案编号以 {PROVINCES[police[1]]} 开头（行政区划代码），请核对")
