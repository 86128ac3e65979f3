"""Open data: JSON that round-trips to the records, CSV that Excel reads and cannot be made to run."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from sitegen.outputs.opendata import FORMULA_STARTS, OpenData, csv_row, flatten, neutralise, open_data, tables
from sitegen.routes import record_path
from tests.sites import linked

BUILD_DATE = dt.date(2026, 11, 27)
DEMO = Path(__file__).resolve().parents[1]
NAMES = ("departments", "procedures", "receptions", "policies", "halls")

HOSTILE_DEPARTMENT = """\
name: '@SUM(A1)'
duties:
  - =HYPERLINK("http://evil.example/", "点击")
  - 第二项 =1+1
phones:
  - label: '-办公电话'
    number: 027-87000001
  - label: 服务热线
    number: 12345
location: +86 示例路1号
head:
  name: =cmd|' /C calc'!A0
  title: "-2+3"
email: office@example.gov.cn
verified: 2026-10-01
order: 1
"""


def files_of(data: OpenData) -> dict[str, bytes]:
    return {a.path: a.data for a in data.artifacts}


def load(data: OpenData, name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(files_of(data)[f"data/{name}.json"].decode("utf-8"))
    return document


def read_csv(data: OpenData, name: str) -> list[list[str]]:
    raw = files_of(data)[f"data/{name}.csv"]
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8")[1:]
    assert text.endswith("\r\n") and text.index("\n") == text.index("\r\n") + 1  # csv's CRLF, as Excel writes
    return list(csv.reader(io.StringIO(text, newline="")))


def phone(label: str, number: Any) -> dict[str, str]:
    return {"label": label, "number": number.display, "tel": number.tel}


def test_files_and_index_entries(tmp_path: Path) -> None:
    data = open_data(*linked(tmp_path, {}))
    assert [a.path for a in data.artifacts] == [f"data/{n}.{x}" for n in NAMES for x in ("json", "csv")]
    for entry, artifact in zip(data.files, data.artifacts, strict=True):
        assert entry.path == artifact.path and entry.name == artifact.path.removeprefix("data/")
        assert entry.size == len(artifact.data)
        assert entry.format == artifact.path.rsplit(".", 1)[1].upper()
        assert entry.title and entry.description and entry.fields
        assert entry.records == 1


def test_json_documents_fields_and_round_trips_the_records(tmp_path: Path) -> None:
    site, urls = linked(tmp_path, {"content/departments/office.yaml": HOSTILE_DEPARTMENT})
    data = open_data(site, urls)
    for name in NAMES:
        document = load(data, name)
        assert set(document) == {"generated", "source", "title", "fields", "items"}
        assert document["generated"] == "2026-11-27"
        assert document["source"] == "https://www.example.gov.cn/"
        for item in document["items"]:
            assert set(item) == set(document["fields"]), name
            assert item["url"].startswith("https://www.example.gov.cn/")
        # what json.loads gives back is exactly what was meant to be written
        table = next(t for t in tables(site, urls) if t.name == name)
        assert document["items"] == list(table.items)

    (department,) = load(data, "departments")["items"]
    office = site.department("office")
    assert department["name"] == "@SUM(A1)"
    assert department["duties"] == list(office.duties)
    assert department["phones"] == [phone(p.label, p.phone) for p in office.phones]
    assert department["phones"][0] == {"label": "-办公电话", "number": "027-87000001", "tel": "tel:+86-27-87000001"}
    assert department["verified"] == "2026-10-01"
    assert department["hours"] == site.config.organization.hours.text
    assert department["url"] == "https://www.example.gov.cn/departments/office/"

    (procedure,) = load(data, "procedures")["items"]
    p = site.procedure("id-card")
    assert (procedure["title"], procedure["code"]) == (p.title, "000105001000")
    assert procedure["department_name"] == "@SUM(A1)"
    assert procedure["materials"] == [{"name": "户口簿", "form": "原件", "copies": 0, "required": True, "note": None}]
    assert (procedure["statutory_days"], procedure["promised_days"]) == (20, 10)
    assert (procedure["statutory_limit"], procedure["promised_limit"]) == ("20个工作日", "10个工作日")
    assert procedure["phones"] == [phone("咨询电话", p.phones.consult[0]), phone("投诉电话", p.phones.complaint[0])]
    assert procedure["hours"] == site.hall("main-hall").hours.text

    (session,) = load(data, "receptions")["items"]
    s = site.sessions[0]
    assert (session["id"], session["date"], session["start"], session["end"]) == (s.id, "2026-12-10", "09:00", "11:30")
    assert (session["leader_name"], session["location"], session["status"]) == ("张三", "信访接待室", "scheduled")
    assert session["booking_phone"] is None and session["new_date"] is None

    (policy,) = load(data, "policies")["items"]
    assert policy["doc_number"] == "鄂示发〔2026〕1号"
    assert (policy["issued"], policy["published"], policy["issuer"]) == ("2026-03-01", "2026-03-01", ["示例厅"])

    (hall,) = load(data, "halls")["items"]
    assert hall["windows"] == [{"number": "A01", "name": "综合受理", "matters": None, "procedures": ["id-card"]}]
    assert hall["url"] == "https://www.example.gov.cn/" + record_path(site.hall("main-hall"))


def test_csv_has_a_bom_crlf_and_the_json_values(tmp_path: Path) -> None:
    site, urls = linked(tmp_path, {"content/departments/office.yaml": HOSTILE_DEPARTMENT})
    data = open_data(site, urls)
    for table in tables(site, urls):
        rows = read_csv(data, table.name)
        assert rows[0] == [f.label for f in table.fields]
        items = load(data, table.name)["items"]
        assert rows[1:] == [csv_row(item, table.fields) for item in items]
        assert len(rows) == len(items) + 1
    (header, row) = read_csv(data, "departments")
    cells = dict(zip(header, row, strict=True))
    assert cells["主要职责"] == "'=HYPERLINK(\"http://evil.example/\", \"点击\")；第二项 =1+1"
    assert cells["联系电话"] == "'-办公电话：027-87000001；服务热线：12345"
    assert cells["名称"] == "'@SUM(A1)"
    assert cells["办公地点"] == "'+86 示例路1号"
    assert cells["负责人"] == "'=cmd|' /C calc'!A0"
    assert cells["负责人职务"] == "'-2+3"
    assert cells["电话核对日期"] == "2026-10-01"
    (header, row) = read_csv(data, "procedures")
    cells = dict(zip(header, row, strict=True))
    assert cells["申请材料"] == "户口簿（原件，仅查验）"
    assert cells["咨询和投诉电话"] == "咨询电话：027-87000002；投诉电话：12345"


def test_no_csv_cell_starts_like_a_formula() -> None:
    site, urls = linked(DEMO)
    data = open_data(site, urls)
    for name in NAMES:
        for row in read_csv(data, name):
            assert not any(cell.startswith(FORMULA_STARTS) for cell in row)


def test_neutralise_and_flatten() -> None:
    assert [neutralise(c) for c in ("=1", "+1", "-1", "@a", "\t=1", "\r=1", "027-1", "a=1", "")] == [
        "'=1", "'+1", "'-1", "'@a", "'\t=1", "'\r=1", "027-1", "a=1", ""]
    assert flatten(None) == "" and flatten(True) == "是" and flatten(0) == "0"
    assert flatten(["a", "b"]) == "a；b"
    assert flatten([{"label": "办公", "number": "027-87000001", "tel": "tel:+86-27-87000001"}]) == "办公：027-87000001"


def test_demo_round_trips() -> None:
    site, urls = linked(DEMO)
    data = open_data(site, urls)
    counts = {"departments": site.departments, "procedures": site.procedures, "receptions": site.sessions,
              "policies": site.policies, "halls": site.halls}
    for table in tables(site, urls):
        document = load(data, table.name)
        assert document["items"] == list(table.items)
        assert len(document["items"]) == len(counts[table.name])
        assert read_csv(data, table.name)[1:] == [csv_row(item, table.fields) for item in document["items"]]
    departments = load(data, "departments")["items"]
    assert [d["name"] for d in departments] == [d.name for d in site.departments]
    for item, department in zip(departments, site.departments, strict=True):
        assert item["phones"] == [phone(p.label, p.phone) for p in department.phones]
        assert item["parent"] == department.parent
    sessions = load(data, "receptions")["items"]
    assert [(s["id"], s["status"], s["reason"], s["new_date"]) for s in sessions] == [
        (s.id, s.status, s.reason, s.new_date and s.new_date.isoformat()) for s in site.sessions]
    policies = load(data, "policies")["items"]
    assert [(p["doc_number"], p["status"], p["superseded_by"]) for p in policies] == [
        (p.doc_number, p.status, p.superseded_by) for p in site.policies]


def test_same_site_same_bytes() -> None:
    assert open_data(*linked(DEMO)) == open_data(*linked(DEMO))
