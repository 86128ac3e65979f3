"""The Atom feed parses, and its entries are the site's notices and policies, newest first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.etree import ElementTree as ET

from sitegen.graph import Site
from sitegen.outputs.feed import MAX_ENTRIES, feed
from sitegen.routes import Urls, record_path
from tests.sites import SITE_YAML, linked

BUILD_DATE = dt.date(2026, 11, 27)
DEMO = Path(__file__).resolve().parents[1]
NS = {"a": "http://www.w3.org/2005/Atom"}
CHINA = dt.timezone(dt.timedelta(hours=8))


def parse(site: Site, urls: Urls) -> ET.Element:
    artifact = feed(site, urls)
    assert artifact.path == "feed.xml"
    assert artifact.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(artifact.data)


def expected(site: Site, urls: Urls) -> list[tuple[str, str, dt.date]]:
    """(title, absolute URL, date) of every notice and policy, newest first."""
    items = [(n.title, urls.absolute(record_path(n)), n.date) for n in site.notices]
    items += [(p.title, urls.absolute(record_path(p)), p.published) for p in site.policies]
    return sorted(items, key=lambda item: (-item[2].toordinal(), item[1]))[:MAX_ENTRIES]


def entries(root: ET.Element) -> list[tuple[str, str, dt.date]]:
    found = []
    for entry in root.findall("a:entry", NS):
        (link_,) = entry.findall("a:link[@rel='alternate']", NS)
        updated = dt.datetime.fromisoformat(entry.findtext("a:updated", namespaces=NS) or "")
        assert updated.utcoffset() == dt.timedelta(hours=8)
        assert (updated.hour, updated.minute, updated.second) == (0, 0, 0)
        assert entry.findtext("a:id", namespaces=NS) == link_.get("href")
        found.append((entry.findtext("a:title", namespaces=NS) or "", link_.get("href") or "", updated.date()))
    return found


def test_feed_lists_notices_and_policies_newest_first(tmp_path: Path) -> None:
    site, urls = linked(tmp_path, {})
    root = parse(site, urls)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.findtext("a:id", namespaces=NS) == "https://www.example.gov.cn/feed.xml"
    assert root.findtext("a:title", namespaces=NS) == "示例厅政务公开"
    assert root.findtext("a:author/a:name", namespaces=NS) == "示例厅"
    assert root.find("a:link[@rel='self']", NS).get("href") == "https://www.example.gov.cn/feed.xml"  # type: ignore[union-attr]
    assert root.find("a:link[@rel='alternate']", NS).get("href") == "https://www.example.gov.cn/"  # type: ignore[union-attr]
    assert entries(root) == [
        ("假期值班安排", "https://www.example.gov.cn/notices/duty/", dt.date(2026, 9, 20)),
        ("关于做好政务公开工作的通知", "https://www.example.gov.cn/policies/notice-2026/", dt.date(2026, 3, 1)),
    ]
    # the feed is as new as its newest entry, not as the build: an unchanged site keeps its bytes
    assert root.findtext("a:updated", namespaces=NS) == "2026-09-20T00:00:00+08:00"
    summaries = [e.findtext("a:summary", namespaces=NS) for e in root.findall("a:entry", NS)]
    assert summaries == ["值班电话见办公室。", "鄂示发〔2026〕1号；示例厅；成文日期 2026-03-01；现行有效"]


def test_every_entry_has_what_rfc_4287_requires() -> None:
    root = parse(*linked(DEMO))
    for name in ("id", "title", "updated", "author"):
        assert len(root.findall(f"a:{name}", NS)) == 1, name
    for entry in root.findall("a:entry", NS):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"a:{name}", NS)) == 1, name
        assert entry.findtext("a:id", namespaces=NS, default="").startswith("https://")


def test_text_is_escaped_not_markup(tmp_path: Path) -> None:
    title = '<b>A & B</b> "引号" ]]> </feed><entry>'
    yaml_title = "'" + title.replace("'", "''") + "'"
    site, urls = linked(tmp_path, {
        "content/notices/duty.md": f"---\ntitle: {yaml_title}\ndate: 2026-09-20\n---\n<script>x</script> & 正文\n",
        "content/policies/notice-2026.md":
            f"---\ntitle: {yaml_title}\nissuer: 'A&B <c>'\nissued: 2026-03-01\n---\n正文\n",
    })
    root = parse(site, urls)
    assert [e[0] for e in entries(root)] == [title, title]
    summaries = [e.findtext("a:summary", namespaces=NS) for e in root.findall("a:entry", NS)]
    assert summaries == ["<script>x</script> & 正文", "A&B <c>；成文日期 2026-03-01；现行有效"]


def test_at_most_fifty_newest_entries(tmp_path: Path) -> None:
    notices = {
        f"content/notices/n{i:02d}.md":
            f"---\ntitle: 通知{i}\ndate: {dt.date(2026, 1, 1) + dt.timedelta(days=i)}\n---\n正文\n"
        for i in range(60)
    }
    site, urls = linked(tmp_path, {**notices, "content/notices/duty.md": None, "content/policies/notice-2026.md": None})
    got = entries(parse(site, urls))
    assert len(got) == MAX_ENTRIES
    assert got == expected(site, urls)
    assert [title for title, _, _ in got] == [f"通知{i}" for i in range(59, 9, -1)]
    assert [e[2] for e in got] == sorted((e[2] for e in got), reverse=True)


def test_links_respect_a_base_path(tmp_path: Path) -> None:
    site, urls = linked(tmp_path, {"content/site.yaml": SITE_YAML.replace(
        "https://www.example.gov.cn/", "https://www.example.gov.cn/zwgk")})
    root = parse(site, urls)
    assert root.findtext("a:id", namespaces=NS) == "https://www.example.gov.cn/zwgk/feed.xml"
    assert all(url.startswith("https://www.example.gov.cn/zwgk/") for _, url, _ in entries(root))


def test_demo_feed_matches_its_records() -> None:
    site, urls = linked(DEMO)
    got = entries(parse(site, urls))
    assert got == expected(site, urls)
    assert len(got) == min(MAX_ENTRIES, len(site.notices) + len(site.policies))


def test_same_site_same_bytes() -> None:
    site, urls = linked(DEMO)
    assert feed(site, urls) == feed(*linked(DEMO))
