"""`/feed.xml`: an Atom 1.0 feed (RFC 4287) of notices and policies, newest first."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

from .. import models as m
from ..artifacts import Artifact
from ..graph import Site
from ..markdown import render_markdown
from ..routes import Urls, record_path
from ..values.dates import CHINA

FEED_PATH = "feed.xml"
MAX_ENTRIES = 50
SUMMARY_CHARS = 120
ATOM = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot carry at all, even escaped (C0 controls except tab, LF, CR; FFFE/FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed entry, taken from a notice or a policy."""

    title: str
    url: str  # absolute; also the entry's id (stable as long as the page's address is)
    date: dt.date
    category: str
    summary: str


def feed(site: Site, urls: Urls) -> Artifact:
    entries = feed_entries(site, urls)
    home, self_url = urls.absolute(""), urls.absolute(FEED_PATH)
    root = ET.Element("feed", {"xmlns": ATOM, "xml:lang": site.config.language})
    _text(root, "id", self_url)
    _text(root, "title", site.config.title)
    _text(root, "subtitle", f"{site.config.organization.name}通知公告与政策文件")
    # The newest entry dates the feed, so an unchanged site gives the same bytes every day.
    _text(root, "updated", timestamp(entries[0].date if entries else site.build_date))
    ET.SubElement(root, "link", {"rel": "self", "type": "application/atom+xml", "href": self_url})
    ET.SubElement(root, "link", {"rel": "alternate", "type": "text/html", "href": home})
    author = ET.SubElement(root, "author")
    _text(author, "name", site.config.organization.name)
    _text(author, "uri", home)
    _text(root, "generator", "sitegen")
    for item in entries:
        entry = ET.SubElement(root, "entry")
        _text(entry, "id", item.url)
        _text(entry, "title", item.title)
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": item.url})
        _text(entry, "published", timestamp(item.date))
        _text(entry, "updated", timestamp(item.date))
        ET.SubElement(entry, "category", {"term": item.category})
        if item.summary:
            _text(entry, "summary", item.summary)
    ET.indent(root)
    xml = ET.tostring(root, encoding="unicode")
    return Artifact(FEED_PATH, ('<?xml version="1.0" encoding="utf-8"?>\n' + xml + "\n").encode("utf-8"))


def feed_entries(site: Site, urls: Urls) -> tuple[Entry, ...]:
    """Notices by date and policies by publication date, newest first, at most MAX_ENTRIES."""
    dated: list[tuple[dt.date, str, m.Notice | m.Policy]] = [
        *((n.date, urls.absolute(record_path(n)), n) for n in site.notices),
        *((p.published, urls.absolute(record_path(p)), p) for p in site.policies),
    ]
    dated.sort(key=lambda item: (-item[0].toordinal(), item[1]))
    return tuple(_entry(record, url, date, urls) for date, url, record in dated[:MAX_ENTRIES])


def _entry(record: m.Notice | m.Policy, url: str, date: dt.date, urls: Urls) -> Entry:
    """Only the entries the feed keeps are summarised: a notice's summary renders its Markdown."""
    if isinstance(record, m.Notice):
        return Entry(record.title, url, date, "通知公告", _excerpt(record.body, urls))
    return Entry(record.title, url, date, "政策文件", _policy_summary(record))


def timestamp(date: dt.date) -> str:
    """An RFC 3339 date-time: the date's midnight in China, e.g. 2026-11-16T00:00:00+08:00."""
    return dt.datetime.combine(date, dt.time(), CHINA).isoformat()


def _policy_summary(policy: m.Policy) -> str:
    parts = [policy.doc_number, "、".join(policy.issuer), f"成文日期 {policy.issued.isoformat()}", policy.status]
    return "；".join(p for p in parts if p)


def _excerpt(body: m.Markdown, urls: Urls) -> str:
    """The body's paragraphs as plain text, cut at SUMMARY_CHARS (link problems are reported by render)."""
    parser = _ParagraphText()
    parser.feed(render_markdown(body.text, lambda target: _absolute(urls, target)).html)
    parser.close()
    text = re.sub(r"\s+", " ", "".join(parser.parts)).strip()
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1].rstrip() + "…"


def _absolute(urls: Urls, target: str) -> str | None:
    path = urls.resolve(target)
    return None if path is None else urls.absolute(path)


class _ParagraphText(HTMLParser):
    """Collects the text inside <p> elements (not headings, tables or code)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p":
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._depth:
            self._depth -= 1
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.parts.append(data)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    # ElementTree escapes &, < and >; characters XML cannot carry are dropped, not written.
    element = ET.SubElement(parent, tag)
    element.text = _NOT_XML.sub("", text)
    return element
