"""schema.org JSON-LD on the built demo's pages: every block sits in <head>, parses as JSON,
carries @context and @type, and says what the page's own record says (names, URLs, phones,
dates) — checked against the records sitegen read, not against the blocks themselves."""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from sitegen.graph import Site, link
from sitegen.sources import load_sources
from sitegen.validate import validate
from tests.sites import BUILD_DATE, build

REPO = Path(__file__).resolve().parent.parent
BASE = "https://www.example.gov.cn/"
SCHEMA = "https://schema.org"


class _Blocks(HTMLParser):
    """The JSON-LD blocks of a page, and whether each was inside <head>."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[tuple[bool, str]] = []
        self._in_head = False
        self._in_block = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "head":
            self._in_head = True
        if tag == "script" and dict(attrs).get("type") == "application/ld+json":
            self._in_block = True
            self.blocks.append((self._in_head, ""))

    def handle_data(self, data: str) -> None:
        if self._in_block:
            in_head, text = self.blocks[-1]
            self.blocks[-1] = (in_head, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        if tag == "script":
            self._in_block = False


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("jsonld") / "output"
    result = build(REPO, "--output", str(out), "--no-search")
    assert result.code == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def site() -> Site:
    linked = link(validate(load_sources(REPO)), dt.date.fromisoformat(BUILD_DATE))
    assert linked.site is not None
    return linked.site


def blocks(page: Path) -> list[dict[str, Any]]:
    parser = _Blocks()
    parser.feed(page.read_text(encoding="utf-8"))
    parser.close()
    assert all(in_head for in_head, _ in parser.blocks), f"{page}: JSON-LD outside <head>"
    return [json.loads(text) for _, text in parser.blocks]


def block_of(demo: Path, path: str) -> dict[str, Any]:
    (block,) = blocks(demo / path / "index.html")
    return block


def nodes(block: dict[str, Any]) -> list[dict[str, Any]]:
    return list(block["@graph"]) if "@graph" in block else [block]


def phones(node: dict[str, Any]) -> set[str]:
    return {point["telephone"] for point in node["contactPoint"]}


def tel(phone: Any) -> str:
    return str(phone.tel).removeprefix("tel:")


def test_every_block_parses_and_is_typed(demo: Path) -> None:
    count = 0
    for page in sorted(demo.rglob("*.html")):
        for block in blocks(page):
            assert block["@context"] == SCHEMA, page
            for node in nodes(block):
                assert isinstance(node.get("@type"), str) and node["@type"], (page, node)
                count += 1
    assert count > 40


def test_the_pages_that_carry_structured_data(demo: Path, site: Site) -> None:
    expected = {"": 1, "receptions/": 1}
    for folder, records in (("departments", site.departments), ("procedures", site.procedures),
                            ("policies", site.policies), ("halls", site.halls)):
        expected.update({f"{folder}/{r.slug}/": 1 for r in records})
    expected.update({f"leaders/{x.slug}/": 1 for x in site.leaders if site.sessions_by_leader.get(x.slug)})
    found = {}
    for page in demo.rglob("index.html"):
        path = page.parent.relative_to(demo).as_posix() + "/"
        if blocks(page):
            found["" if path == "./" else path] = len(blocks(page))
    assert found == expected


def test_department_pages_describe_their_department(demo: Path, site: Site) -> None:
    for d in site.departments:
        node = block_of(demo, f"departments/{d.slug}")
        assert node["@type"] == "GovernmentOrganization"
        assert node["name"] == d.name
        assert node["url"] == f"{BASE}departments/{d.slug}/"
        assert phones(node) == {tel(p.phone) for p in d.phones}
        assert node["address"] == d.location
        parent = site.config.organization.name if d.parent is None else site.department(d.parent).name
        assert node["parentOrganization"]["name"] == parent


def test_procedure_pages_describe_their_procedure(demo: Path, site: Site) -> None:
    for p in site.procedures:
        node = block_of(demo, f"procedures/{p.slug}")
        assert node["@type"] == "GovernmentService"
        assert (node["name"], node["url"]) == (p.title, f"{BASE}procedures/{p.slug}/")
        assert node["provider"]["name"] == site.department(p.department).name
        assert node["provider"]["url"] == f"{BASE}departments/{p.department}/"
        channel = node["availableChannel"][0]
        assert {x["telephone"] for x in channel["servicePhone"]} == {
            tel(x) for x in (*p.phones.consult, *p.phones.complaint)}


def test_policy_pages_describe_their_policy(demo: Path, site: Site) -> None:
    for p in site.policies:
        node = block_of(demo, f"policies/{p.slug}")
        assert node["@type"] == "Legislation"
        assert (node["name"], node["url"]) == (p.title, f"{BASE}policies/{p.slug}/")
        assert node.get("legislationIdentifier") == p.doc_number
        assert node["datePublished"] == p.published.isoformat()
        assert [issuer["name"] for issuer in node["legislationPassedBy"]] == list(p.issuer)


def test_hall_pages_describe_their_hall(demo: Path, site: Site) -> None:
    for h in site.halls:
        node = block_of(demo, f"halls/{h.slug}")
        assert node["@type"] == "GovernmentOffice"
        assert (node["name"], node["url"]) == (h.name, f"{BASE}halls/{h.slug}/")
        assert node["address"]["streetAddress"] == h.address
        assert phones(node) == {tel(p.phone) for p in h.phones}
        assert node["openingHoursSpecification"]


def test_the_reception_schedule_lists_every_session(demo: Path, site: Site) -> None:
    events = nodes(block_of(demo, "receptions"))
    assert [e["identifier"] for e in events] == [s.id for s in site.sessions]
    for event, session in zip(events, site.sessions, strict=True):
        assert event["@type"] == "Event"
        assert event["startDate"].startswith(session.date.isoformat() + "T")
        assert event["organizer"][0]["name"] == site.leader(session.leader).name
        assert event["location"]["name"] == session.location
        cancelled = event["eventStatus"] == "https://schema.org/EventCancelled"
        assert cancelled == (session.status == "cancelled")


def test_leader_pages_list_the_leaders_own_sessions(demo: Path, site: Site) -> None:
    for leader in site.leaders:
        sessions = site.sessions_by_leader.get(leader.slug, ())
        if not sessions:
            continue
        events = nodes(block_of(demo, f"leaders/{leader.slug}"))
        assert sorted(e["identifier"] for e in events) == sorted(s.id for s in sessions)
        for event in events:
            assert event["organizer"][0] == {"@type": "Person", "name": leader.name, "jobTitle": leader.position,
                                             "url": f"{BASE}leaders/{leader.slug}/"}


def test_the_home_page_describes_the_organization_and_the_site(demo: Path, site: Site) -> None:
    graph = {node["@type"]: node for node in nodes(blocks(demo / "index.html")[0])}
    organization, website = graph["GovernmentOrganization"], graph["WebSite"]
    assert (organization["name"], organization["url"]) == (site.config.organization.name, BASE)
    assert organization["telephone"] == tel(site.config.organization.duty_phone)
    assert {d["name"] for d in organization["department"]} == {d.name for d in site.top_departments}
    assert (website["name"], website["url"]) == (site.config.title, BASE)
