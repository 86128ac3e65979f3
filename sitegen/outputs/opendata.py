"""`/data/`: departments, procedures, receptions, policies and halls as documented JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import models as m
from ..artifacts import Artifact, Output
from ..graph import Site
from ..routes import Urls, record_path
from ..values.phones import Phone

DATA_DIR = "data/"
LIST_SEPARATOR = "；"
# OWASP CSV injection: a spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SESSION_STATUS_TEXT = {"scheduled": "待举行", "held": "已举行", "cancelled": "已取消", "postponed": "已延期"}

Item = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Field:
    """One documented field: its JSON key, its CSV column header and what it holds."""

    key: str
    label: str
    note: str = ""
    # How a dict inside this field's list is written in one CSV cell (phones have a default).
    item: Callable[[Item], str] | None = None

    @property
    def description(self) -> str:
        return f"{self.label}：{self.note}" if self.note else self.label


@dataclass(frozen=True, slots=True)
class DataFile:
    """One published file, as the /data/ index page lists it."""

    name: str  # "departments.json"
    path: str  # "data/departments.json", under output/
    format: str  # "JSON" or "CSV"
    size: int  # bytes
    title: str
    description: str
    records: int
    fields: tuple[Field, ...]

    def to_json(self) -> dict[str, Any]:
        """For the build cache: the fields are the table's own, found again by its name."""
        return {"name": self.name, "path": self.path, "format": self.format, "size": self.size,
                "title": self.title, "description": self.description, "records": self.records}

    @staticmethod
    def from_json(data: dict[str, Any]) -> DataFile:
        """Raises KeyError, TypeError or ValueError on anything but what to_json gave."""
        name = str(data["name"])
        return DataFile(name, str(data["path"]), str(data["format"]), int(data["size"]), str(data["title"]),
                        str(data["description"]), int(data["records"]), FIELDS[name.rsplit(".", 1)[0]])


@dataclass(frozen=True, slots=True)
class OpenData:
    artifacts: tuple[Output, ...]  # made, or (Copy) kept from the published output
    files: tuple[DataFile, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """One data set before it is written: both files are made from these items."""

    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    items: tuple[Item, ...]


def open_data(site: Site, urls: Urls) -> OpenData:
    artifacts: list[Artifact] = []
    files: list[DataFile] = []
    for table in tables(site, urls):
        for fmt, data in (("JSON", to_json(table, site)), ("CSV", to_csv(table))):
            name = f"{table.name}.{fmt.lower()}"
            artifacts.append(Artifact(DATA_DIR + name, data))
            files.append(DataFile(name, DATA_DIR + name, fmt, len(data), table.title, table.description,
                                  len(table.items), table.fields))
    return OpenData(tuple(artifacts), tuple(files))


def tables(site: Site, urls: Urls) -> tuple[Table, ...]:
    return (
        Table("departments", "机构职能与联系电话", "各内设机构和直属单位的职责、联系电话、办公地点和办公时间",
              DEPARTMENT_FIELDS, tuple(_department(d, site, urls) for d in site.departments)),
        Table("procedures", "办事指南", "各办事事项的依据、条件、材料、流程、时限、收费、地点和咨询投诉电话",
              PROCEDURE_FIELDS, tuple(_procedure(p, site, urls) for p in site.procedures)),
        Table("receptions", "领导接访安排", "领导接访的时间、地点、方式、预约方式和举行情况",
              RECEPTION_FIELDS, tuple(_session(s, site, urls) for s in site.sessions)),
        Table("policies", "政策文件", "政策文件的发文字号、发文机关、成文和发布日期及效力状态",
              POLICY_FIELDS, tuple(_policy(p, urls) for p in site.policies)),
        Table("halls", "服务大厅", "服务大厅的地址、开放时间、电话、窗口和无障碍设施",
              HALL_FIELDS, tuple(_hall(h, urls) for h in site.halls)),
    )


# --- writing -----------------------------------------------------------------------------------


def to_json(table: Table, site: Site) -> bytes:
    about = {
        "generated": site.build_date.isoformat(),
        "source": site.config.base_url,
        "title": table.title,
        "fields": {f.key: f.description for f in table.fields},
    }
    head = json.dumps(about, ensure_ascii=False, sort_keys=True, indent=2)  # ends with "\n}"
    return (head[:-2] + ',\n  "items": ' + _items_json(table.items) + "\n}\n").encode("utf-8")


def _items_json(items: Sequence[dict[str, Any]]) -> str:
    """One record per line, each encoded by json's C encoder (indent=2 would use the pure-Python
    one, 10× slower on a provincial site), and still readable in a diff."""
    lines = [json.dumps(item, ensure_ascii=False, sort_keys=True) for item in items]
    return "[\n" + ",\n".join(lines) + "\n]" if lines else "[]"


def to_csv(table: Table) -> bytes:
    """UTF-8 with a BOM, so that Excel reads Chinese; CRLF line ends; one row per record."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f.label for f in table.fields])
    for item in table.items:
        writer.writerow(csv_row(item, table.fields))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_row(item: Item, fields: Sequence[Field]) -> list[str]:
    return [neutralise(flatten(item[f.key], f)) for f in fields]


def flatten(value: Any, field: Field | None = None) -> str:
    """A JSON value as one CSV cell: lists joined with “；”, a phone as “用途：号码”."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(flatten(v, field) for v in value)
    if isinstance(value, dict):
        if field is not None and field.item is not None:
            return field.item(value)
        return f"{value['label']}：{value['number']}"  # a phone
    return str(value)


def neutralise(cell: str) -> str:
    """A leading ' makes a spreadsheet show the cell as text instead of running it."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


# --- values ------------------------------------------------------------------------------------


def phone(label: str, number: Phone) -> Item:
    return {"label": label, "number": number.display, "tel": number.tel}


def _date(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def _phones(phones: Sequence[m.LabelledPhone]) -> list[Item]:
    return [phone(p.label, p.phone) for p in phones]


def _page(urls: Urls, record: Any) -> str:
    return urls.absolute(record_path(record))


DEPARTMENT_FIELDS = (
    Field("slug", "标识", "内容文件名，网址的一部分，长期不变"),
    Field("name", "名称"),
    Field("parent", "上级部门标识", "直属于本单位的为空"),
    Field("duties", "主要职责", "列表；CSV 中以“；”分隔"),
    Field("phones", "联系电话",
          "列表，每项含 label（用途）、number（号码）、tel（拨号链接）；CSV 中写作“用途：号码”，以“；”分隔"),
    Field("location", "办公地点"),
    Field("hours", "办公时间", "未单独公布的，为本单位统一办公时间"),
    Field("head_name", "负责人"),
    Field("head_title", "负责人职务"),
    Field("email", "电子邮箱"),
    Field("verified", "电话核对日期", "最近一次核对联系电话的日期（ISO 格式）"),
    Field("url", "网页地址"),
)


def _department(d: m.Department, site: Site, urls: Urls) -> Item:
    return {
        "slug": d.slug, "name": d.name, "parent": d.parent, "duties": list(d.duties), "phones": _phones(d.phones),
        "location": d.location, "hours": site.hours_of_department(d).text,
        "head_name": d.head.name if d.head else None, "head_title": d.head.title if d.head else None,
        "email": d.email, "verified": _date(d.verified), "url": _page(urls, d),
    }


def _material(item: Item) -> str:
    details = [item["form"], f"{item['copies']}份" if item["copies"] else "仅查验"]
    if not item["required"]:
        details.append("非必需")
    if item["note"]:
        details.append(item["note"])
    return f"{item['name']}（{'，'.join(details)}）"


PROCEDURE_FIELDS = (
    Field("slug", "标识", "内容文件名，网址的一部分，长期不变"),
    Field("code", "事项编码"),
    Field("title", "事项名称"),
    Field("department", "实施机构标识", "对应 departments 中的 slug"),
    Field("department_name", "实施机构"),
    Field("category", "事项类型"),
    Field("basis", "设定依据", "列表"),
    Field("conditions", "申请条件", "列表"),
    Field("materials", "申请材料", "列表，每项含 name（名称）、form（原件/复印件等）、copies（份数，0 为仅查验）、"
          "required（是否必需）、note（说明）；CSV 中写作“名称（形式，份数）”", item=_material),
    Field("steps", "办理流程", "列表"),
    Field("statutory_limit", "法定办结时限"),
    Field("statutory_days", "法定办结时限（工作日）", "以工作日计的天数；不以工作日计的为空"),
    Field("promised_limit", "承诺办结时限"),
    Field("promised_days", "承诺办结时限（工作日）", "以工作日计的天数，0 为即办；不以工作日计的为空"),
    Field("fee", "收费标准"),
    Field("location", "办理地点"),
    Field("hours", "办理时间"),
    Field("hall", "服务大厅标识", "对应 halls 中的 slug"),
    Field("phones", "咨询和投诉电话", "列表，每项含 label（咨询电话/投诉电话）、number、tel"),
    Field("visits", "到现场次数", "申请人须到现场的次数"),
    Field("online_url", "网上办理地址"),
    Field("url", "网页地址"),
)


def _procedure(p: m.Procedure, site: Site, urls: Urls) -> Item:
    return {
        "slug": p.slug, "code": p.code, "title": p.title, "department": p.department,
        "department_name": site.department(p.department).name, "category": p.category,
        "basis": list(p.basis), "conditions": list(p.conditions),
        "materials": [
            {"name": x.name, "form": x.form, "copies": x.copies, "required": x.required, "note": x.note}
            for x in p.materials
        ],
        "steps": list(p.steps),
        "statutory_limit": str(p.time_limit.statutory), "statutory_days": p.time_limit.statutory.days,
        "promised_limit": str(p.time_limit.promised), "promised_days": p.time_limit.promised.days,
        "fee": p.fee, "location": p.location, "hours": site.hours_of_procedure(p).text, "hall": p.hall,
        "phones": [phone("咨询电话", x) for x in p.phones.consult] + [phone("投诉电话", x) for x in p.phones.complaint],
        "visits": p.visits, "online_url": p.online_url, "url": _page(urls, p),
    }


RECEPTION_FIELDS = (
    Field("id", "场次标识", "长期不变，也是日历中的 UID"),
    Field("leader", "领导标识", "对应领导页面网址中的标识"),
    Field("leader_name", "领导姓名"),
    Field("position", "职务"),
    Field("portfolio", "分管工作"),
    Field("date", "日期", "ISO 格式"),
    Field("start", "开始时间", "24 小时制 HH:MM，北京时间"),
    Field("end", "结束时间", "24 小时制 HH:MM，北京时间"),
    Field("location", "地点"),
    Field("method", "接访方式", "定点接访、重点约访、带案下访或上门回访"),
    Field("topics", "接访事项"),
    Field("booking_phone", "预约电话", "含 label、number、tel"),
    Field("booking_note", "预约说明"),
    Field("status", "状态代码", "scheduled（待举行）、held（已举行）、cancelled（已取消）、postponed（已延期）"),
    Field("status_text", "状态"),
    Field("reason", "取消或延期原因"),
    Field("new_date", "改期日期", "ISO 格式"),
    Field("leader_url", "领导信息网页地址"),
    Field("url", "网页地址"),
)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _session(s: m.Session, site: Site, urls: Urls) -> Item:
    leader = site.leader(s.leader)
    booking_phone = s.booking.phone if s.booking else None
    return {
        "id": s.id, "leader": s.leader, "leader_name": leader.name, "position": leader.position,
        "portfolio": leader.portfolio, "date": s.date.isoformat(), "start": _clock(s.time.start),
        "end": _clock(s.time.end), "location": s.location, "method": s.method, "topics": s.topics,
        "booking_phone": None if booking_phone is None else phone("预约电话", booking_phone),
        "booking_note": s.booking.note if s.booking else None,
        "status": s.status, "status_text": SESSION_STATUS_TEXT[s.status], "reason": s.reason,
        "new_date": _date(s.new_date), "leader_url": _page(urls, leader), "url": urls.absolute("receptions/"),
    }


def _attachment(item: Item) -> str:
    return f"{item['title']} {item['url']}"


POLICY_FIELDS = (
    Field("slug", "标识", "内容文件名，网址的一部分，长期不变"),
    Field("title", "标题"),
    Field("doc_number", "发文字号"),
    Field("issuer", "发文机关", "列表，联合发文时有多个"),
    Field("issued", "成文日期", "ISO 格式"),
    Field("published", "发布日期", "ISO 格式"),
    Field("status", "效力状态", "现行有效、已修订、已废止或已失效"),
    Field("category", "类别"),
    Field("superseded_by", "修订或废止后的文件标识", "对应本数据中另一文件的 slug"),
    Field("attachments", "附件", "列表，每项含 title（标题）、url（下载地址）", item=_attachment),
    Field("url", "网页地址"),
)


def _policy(p: m.Policy, urls: Urls) -> Item:
    return {
        "slug": p.slug, "title": p.title, "doc_number": p.doc_number, "issuer": list(p.issuer),
        "issued": p.issued.isoformat(), "published": p.published.isoformat(), "status": p.status,
        "category": p.category, "superseded_by": p.superseded_by,
        "attachments": [{"title": a.title, "url": urls.absolute("files/" + a.file)} for a in p.attachments],
        "url": _page(urls, p),
    }


def _window(item: Item) -> str:
    text = " ".join(x for x in (item["number"], item["name"]) if x)
    if item["matters"]:
        text += f"：{item['matters']}"
    return text


HALL_FIELDS = (
    Field("slug", "标识", "内容文件名，网址的一部分，长期不变"),
    Field("name", "名称"),
    Field("address", "地址"),
    Field("hours", "开放时间"),
    Field("phones", "联系电话", "列表，每项含 label（用途）、number（号码）、tel（拨号链接）"),
    Field("windows", "窗口", "列表，每项含 number（窗口号）、name（名称）、matters（办理事项）、"
          "procedures（对应 procedures 中的 slug）；CSV 中写作“窗口号 名称：办理事项”", item=_window),
    Field("accessibility", "无障碍设施和便民服务", "列表"),
    Field("url", "网页地址"),
)


def _hall(h: m.Hall, urls: Urls) -> Item:
    return {
        "slug": h.slug, "name": h.name, "address": h.address, "hours": h.hours.text, "phones": _phones(h.phones),
        "windows": [
            {"number": w.number, "name": w.name, "matters": w.matters, "procedures": list(w.procedures)}
            for w in h.windows
        ],
        "accessibility": list(h.accessibility), "url": _page(urls, h),
    }


FIELDS = {"departments": DEPARTMENT_FIELDS, "procedures": PROCEDURE_FIELDS, "receptions": RECEPTION_FIELDS,
          "policies": POLICY_FIELDS, "halls": HALL_FIELDS}  # by table name
