"""JSON-LD blocks parse, use real schema.org terms, say what the records say, and cannot break out."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from sitegen import models as m
from sitegen.outputs.jsonld import jsonld, jsonld_graph, script_tag, site_jsonld
from tests.sites import RECEPTIONS, linked

BUILD_DATE = dt.date(2026, 11, 27)
DEMO = Path(__file__).resolve().parents[1]
S = "https://schema.org/"
BASE = "https://www.example.gov.cn/"
WEEKDAYS = [S + d for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")]

# The properties each type may use, checked against schema.org (a type also has its parents').
_THING = {"@id", "@type", "@context", "name", "url", "description", "identifier"}
ALLOWED: dict[str, set[str]] = {
    "GovernmentOrganization": _THING | {"address", "location", "contactPoint", "parentOrganization", "telephone",
                                        "email", "department"},
    "GovernmentOffice": _THING | {"address", "telephone", "contactPoint", "openingHoursSpecification",
                                  "parentOrganization", "amenityFeature"},
    "ContactPoint": _THING | {"contactType", "telephone", "hoursAvailable"},
    "Place": _THING | {"address", "openingHoursSpecification"},
    "PostalAddress": _THING | {"streetAddress", "postalCode", "addressCountry"},
    "OpeningHoursSpecification": _THING | {"dayOfWeek", "opens", "closes"},
    "GovernmentService": _THING | {"serviceType", "provider", "availableChannel", "offers", "areaServed"},
    "ServiceChannel": _THING | {"serviceLocation", "servicePhone", "serviceUrl"},
    "Offer": _THING | {"price", "priceCurrency"},
    "Event": _THING | {"startDate", "endDate", "eventStatus", "eventAttendanceMode", "location", "organizer",
                       "isAccessibleForFree"},
    "Person": _THING | {"jobTitle"},
    "Legislation": _THING | {"legislationDate", "datePublished", "legislationPassedBy", "author", "publisher",
                             "legislationLegalForce", "inLanguage", "legislationIdentifier", "legislationChanges"},
    "LocationFeatureSpecification": _THING | {"value"},
    "WebSite": _THING | {"inLanguage", "publisher"},
}

MORE_POLICIES = {
    "content/policies/old.md": "---\ntitle: 旧办法\nissuer: [示例厅, 示例局]\nissued: 2020-01-02\n"
                               "published: 2020-01-05\nstatus: 已废止\nsuperseded_by: notice-2026\n---\n全文\n",
    "content/policies/revised.md":
        "---\ntitle: 修订前\nissuer: 示例厅\nissued: 2021-01-02\nstatus: 已修订\n---\n全文\n",
}
CHILD = "name: 档案科\nduties: [保管档案]\nphones:\n  - label: 查档\n    number: 027-87000011\n" \
        "location: 示例路1号2楼\nparent: office\nhours: 每天 0:00-24:00\n"
SESSIONS = RECEPTIONS + """\
- leader: zhang-san
  date: 2026-06-18
  time: 9:00-11:30
  location: 县人社局
  method: 带案下访
  status: cancelled
  reason: 防汛
- leader: zhang-san
  date: 2026-09-10
  time: 14:30-17:00
  location: 信访接待室
  method: 定点接访
  status: postponed
  reason: 开会
  new_date: 2026-09-17
- leader: zhang-san
  date: 2026-09-17
  time: 14:30-17:00
  location: 信访接待室
  method: 定点接访
  status: held
"""


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.elements: list[str] = []
        self._attrs: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(tag)
        if tag == "script":
            self._attrs = dict(attrs)
            self.scripts.append((self._attrs, ""))

    def handle_data(self, data: str) -> None:
        if self._attrs is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._attrs = None


def through_html(data: dict[str, Any]) -> dict[str, Any]:
    """Parse the script element as a browser would, then its text as JSON."""
    parser = _Scripts()
    parser.feed(script_tag(data))
    parser.close()
    assert parser.elements == ["script"]
    ((attrs, text),) = parser.scripts
    assert attrs == {"type": "application/ld+json"}
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from nodes(item)
    elif isinstance(value, list):
        for item in value:
            yield from nodes(item)


def assert_schema_terms(block: dict[str, Any]) -> None:
    assert block["@context"] == "https://schema.org"
    for node in nodes(block):
        if "@type" in node:
            unknown = set(node) - ALLOWED[node["@type"]]
            assert not unknown, (node["@type"], unknown)
        else:
            assert set(node) <= {"@context", "@graph", "@id"}, node


def test_department(tmp_path: Path) -> None:
    site, urls = linked(tmp_path, {"content/departments/archive.yaml": CHILD})
    office, child = site.department("office"), site.department("archive")
    block = through_html(jsonld(office, site, urls) or {})
    assert_schema_terms(block)
    assert block["@type"] == "GovernmentOrganization"
    assert (block["name"], block["url"], block["address"]) == ("办公室", BASE + "departments/office/", office.location)
    assert block["telephone"] == "+86-27-87000001"
    assert block["contactPoint"] == [
        {"@type": "ContactPoint", "contactType": "办公电话", "telephone": "+86-27-87000001"}]
    assert block["parentOrganization"]["name"] == "示例厅"  # the organization the site belongs to
    assert block["location"]["openingHoursSpecification"] == [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": WEEKDAYS, "opens": "08:30", "closes": "12:00"},
        {"@type": "OpeningHoursSpecification", "dayOfWeek": WEEKDAYS, "opens": "14:30", "closes": "17:30"},
    ]
    sub = through_html(jsonld(child, site, urls) or {})
    assert sub["parentOrganization"] == {"@type": "GovernmentOrganization", "name": "办公室",
                                         "url": BASE + "departments/office/"}
    (always,) = sub["location"]["openingHoursSpecification"]
    assert (len(always["dayOfWeek"]), always["opens"], always["closes"]) == (7, "00:00", "23:59")


def test_procedure(tmp_path: Path) -> None:
    site, urls = linked(tmp_path, {})
    procedure = site.procedure("id-card")
    block = through_html(jsonld(procedure, site, urls) or {})
    assert_schema_terms(block)
    assert block["@type"] == "GovernmentService"
    assert (block["name"], block["serviceType"], block["identifier"]) == ("居民身份证申领", "行政确认", "000105001000")
    assert block["provider"] == {"@type": "GovernmentOrganization", "name": "办公室",
                                 "url": BASE + "departments/office/"}
    (channel,) = block["availableChannel"]  # no online_url: no online channel
    assert channel["serviceLocation"]["name"] == "政务服务大厅A区"
    assert channel["serviceLocation"]["address"]["streetAddress"] == site.hall("main-hall").address
    assert [(p["contactType"], p["telephone"]) for p in channel["servicePhone"]] == [
        ("咨询电话", "+86-27-87000002"), ("投诉电话", "12345")]
    assert block["offers"]["price"] == 0

    source = tmp_path / "content/procedures/id-card.md"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "visits: 1", "visits: 1\nonline_url: https://zwfw.example.gov.cn/a?b=1&c=2"), encoding="utf-8")
    site, urls = linked(tmp_path)
    online = through_html(jsonld(site.procedure("id-card"), site, urls) or {})
    assert online["availableChannel"][1] == {"@type": "ServiceChannel", "name": "网上办理",
                                             "serviceUrl": "https://zwfw.example.gov.cn/a?b=1&c=2"}


def test_sessions(tmp_path: Path) -> None:
    site, urls = linked(tmp_path, {"content/receptions/2026.yaml": SESSIONS})
    statuses = {}
    for session in site.sessions:
        block = through_html(jsonld(session, site, urls) or {})
        assert_schema_terms(block)
        assert block["@type"] == "Event"
        assert block["name"] == f"领导接访：张三（{session.method}）"
        assert block["location"] == {"@type": "Place", "name": session.location, "address": session.location}
        assert block["eventAttendanceMode"] == S + "OfflineEventAttendanceMode"
        assert block["organizer"][0]["name"] == "张三" and block["organizer"][1]["name"] == "示例厅"
        start = dt.datetime.fromisoformat(block["startDate"])
        assert start.utcoffset() == dt.timedelta(hours=8)
        assert start.replace(tzinfo=None) == dt.datetime.combine(session.date, dt.time()) + dt.timedelta(
            minutes=session.time.start)
        statuses[session.status] = block["eventStatus"]
    assert statuses == {"scheduled": S + "EventScheduled", "held": S + "EventScheduled",
                        "cancelled": S + "EventCancelled", "postponed": S + "EventPostponed"}
    first = jsonld(site.sessions[-1], site, urls) or {}
    assert (first["startDate"], first["endDate"]) == ("2026-12-10T09:00:00+08:00", "2026-12-10T11:30:00+08:00")
    graph = through_html(jsonld_graph(site.sessions, site, urls) or {})
    assert [node["identifier"] for node in graph["@graph"]] == [s.id for s in site.sessions]
    assert jsonld_graph((), site, urls) is None


def test_policies(tmp_path: Path) -> None:
    site, urls = linked(tmp_path, MORE_POLICIES)
    blocks = {p.slug: through_html(jsonld(p, site, urls) or {}) for p in site.policies}
    for block in blocks.values():
        assert_schema_terms(block)
        assert block["@type"] == "Legislation"
    current = blocks["notice-2026"]
    assert (current["name"], current["legislationIdentifier"]) == ("关于做好政务公开工作的通知", "鄂示发〔2026〕1号")
    assert (current["legislationDate"], current["datePublished"]) == ("2026-03-01", "2026-03-01")
    assert current["legislationPassedBy"] == [{"@type": "GovernmentOrganization", "name": "示例厅"}]
    assert current["legislationLegalForce"] == S + "InForce"
    assert current["legislationChanges"] == [{"@type": "Legislation", "name": "旧办法", "url": BASE + "policies/old/"}]
    old = blocks["old"]
    assert [i["name"] for i in old["legislationPassedBy"]] == ["示例厅", "示例局"] == [i["name"] for i in old["author"]]
    assert (old["legislationDate"], old["datePublished"]) == ("2020-01-02", "2020-01-05")
    assert old["legislationLegalForce"] == S + "NotInForce" == blocks["revised"]["legislationLegalForce"]
    assert "legislationIdentifier" not in blocks["revised"]


def test_hall(tmp_path: Path) -> None:
    site, urls = linked(tmp_path, {})
    block = through_html(jsonld(site.hall("main-hall"), site, urls) or {})
    assert_schema_terms(block)
    assert block["@type"] == "GovernmentOffice"
    assert block["address"]["streetAddress"] == "武汉市武昌区示例路1号"
    assert block["telephone"] == "+86-27-87000003"
    assert block["openingHoursSpecification"] == [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": WEEKDAYS, "opens": "09:00", "closes": "17:00"}]


def test_pages_without_a_type_have_no_block(tmp_path: Path) -> None:
    site, urls = linked(tmp_path, {})
    for record in (site.leaders[0], site.notices[0], site.pages[0]):
        assert jsonld(record, site, urls) is None


def test_script_content_cannot_close_the_element(tmp_path: Path) -> None:
    payload = "</script><script>alert(1)</script><!--&\u2028-->"
    title = "'" + payload.replace("'", "''") + "'"
    site, urls = linked(tmp_path, {
        "content/policies/notice-2026.md": f"---\ntitle: {title}\nissuer: 示例厅\nissued: 2026-03-01\n---\n全文\n"})
    data = jsonld(site.policies[0], site, urls) or {}
    tag = script_tag(data)
    inner = tag.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert not any(c in inner for c in "<>&\u2028")
    assert site.policies[0].title == payload
    assert through_html(data)["name"] == payload


def test_home_page(tmp_path: Path) -> None:
    site, urls = linked(tmp_path, {})
    block = through_html(site_jsonld(site, urls))
    assert_schema_terms(block)
    organization, website = block["@graph"]
    assert organization["@type"] == "GovernmentOrganization"
    assert (organization["name"], organization["url"]) == ("示例厅", BASE)
    assert organization["address"] == {"@type": "PostalAddress", "streetAddress": "武汉市武昌区示例路1号",
                                       "postalCode": "430071", "addressCountry": "CN"}
    assert organization["telephone"] == "+86-27-87000000"
    assert [d["name"] for d in organization["department"]] == ["办公室"]
    assert (website["@type"], website["name"], website["url"]) == ("WebSite", "示例厅政务公开", BASE)
    assert website["publisher"] == {"@id": organization["@id"]}


def test_demo_blocks() -> None:
    site, urls = linked(DEMO)
    records: list[Any] = [*site.departments, *site.procedures, *site.sessions, *site.policies, *site.halls]
    for record in records:
        block = through_html(jsonld(record, site, urls) or {})
        assert_schema_terms(block)
        name = record.name if isinstance(record, m.Department | m.Hall) else getattr(record, "title", None)
        if name is not None:
            assert block["name"] == name
        if isinstance(record, m.Policy):
            assert block.get("legislationIdentifier") == record.doc_number
    assert_schema_terms(through_html(site_jsonld(site, urls)))
    assert through_html(jsonld(site.policies[0], site, urls) or {}) == jsonld(site.policies[0], *linked(DEMO))
