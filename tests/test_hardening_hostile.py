"""Hostile content: the OWASP XSS filter-evasion payloads in every text field, every Markdown body,
every URL field and in file names never reach any output as active content (issue 3, part 2).

Every output file is checked by its type (tests/hardening.py `scan_output`): HTML parsed as a
browser would tokenise it, the feed and sitemap as XML, calendars read back with icalendar, JSON
parsed, CSV read back; a type the scan does not know fails the test until it is taught.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import icalendar
import pytest

from sitegen.fields import Text
from sitegen.schema import TimeLimitField
from sitegen.theme import find_theme
from tests.hardening import (
    FULL_FILES,
    every_field,
    full_record,
    full_site_files,
    raw,
    record_file,
    scan_output,
    set_at,
)
from tests.sites import BASELINE, build, check, write_site

# The OWASP XSS Filter Evasion Cheat Sheet, plus mutation XSS, template injection, spreadsheet
# formulas and calendar/CSV line injection. Control characters are written as escapes.
PAYLOADS = [
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>',
    "<SCRIPT a=\">\" SRC=\"httx://xss.rocks/xss.js\"></SCRIPT>",
    "<script\x0bsrc=//xss.rocks/.j></script>",
    "\"><script>alert(document.cookie)</script>",
    "'><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,83,83))\"></img>",
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112"
    "&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083"
    "&#0000083&#0000039&#0000041\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;"
    "&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58"
    "&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<IMG SRC=\"\x01javascript:alert('XSS')\">",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
    "<svg/onload=alert('XSS')>",
    "<svg><script>alert(1)</script></svg>",
    '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    '<svg><animate onbegin=alert(1) attributeName=x dur=1s>',
    "<iframe src=\"javascript:alert('XSS');\"></iframe>",
    '<IFRAME SRC=# onmouseover="alert(document.cookie)"></IFRAME>',
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<form action="javascript:alert(1)"><input type="submit"></form>',
    "<form><button formaction=javascript:alert(1)>X</button></form>",
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+" type="image/svg+xml">',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
    "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
    "<details open ontoggle=alert(1)>",
    "javascript:/*--></title></style></textarea></script></xmp><svg/onload='+/\"/+/onmouseover=1/+/[*/[]/+alert(1)//'>",
    "{{ 7*7 }}",
    "{% raw %}{{ config.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "${7*7} #{7*7} {# 注释 #} {% endraw %}",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "A\r\nBEGIN:VEVENT\r\nUID:evil\r\nEND:VEVENT",
    "B\nEND:VCALENDAR\nBEGIN:VCALENDAR",
    "C;X-INJECTED=1:value,second\\;third",
    "D\r\n=HYPERLINK(\"http://evil.example/\")",
]
MARKERS = ("alert", "xss.rocks", "javascript:", "vbscript:", "calc", "VEVENT")


def text_fields() -> list[tuple[str, Any]]:
    """(kind, FieldAt) for every free-text field of every kind."""
    return [(kind, f) for kind in FULL_FILES for f in every_field(kind) if isinstance(f.field, Text | TimeLimitField)]


def _normal(text: str) -> str:
    return " ".join(text.split())


def assert_inert(site: Path) -> dict[str, str]:
    scan = scan_output(site / "output", find_theme(site))
    assert not scan.problems, "\n".join(scan.problems)
    return scan.text


# Field n of build k gets payload (n + k·fields) mod payloads: every payload lands in some field,
# and every field gets several payloads.
BUILDS = 3


def test_every_payload_lands_in_a_text_field() -> None:
    count = len(text_fields())
    assert count > 50
    placed = {(n + k * count) % len(PAYLOADS) for k in range(BUILDS) for n in range(count)}
    assert placed == set(range(len(PAYLOADS)))


@pytest.mark.parametrize("build_number", range(BUILDS))
def test_payloads_in_every_text_field_reach_no_output_as_markup(tmp_path: Path, build_number: int) -> None:
    fields = text_fields()
    offset = build_number * len(fields)
    files = full_site_files()
    records = {kind: full_record(kind) for kind in FULL_FILES}
    placed: list[str] = []
    for n, (kind, field_at) in enumerate(fields):
        payload = PAYLOADS[(n + offset) % len(PAYLOADS)]
        records[kind] = set_at(records[kind], field_at.keys, payload)
        placed.append(payload)
    for kind, path in FULL_FILES.items():
        files[path] = record_file(kind, records[kind])[0]
    site = write_site(tmp_path, files)

    result = build(site)
    assert result.code == 0, result.stderr
    text = assert_inert(site)
    html = _normal("\n".join(v for k, v in text.items() if k.endswith(".html")))
    missing = [p for p in set(placed) if _normal(p) not in html]
    assert not missing, f"not shown as written: {missing}"


def test_payloads_in_every_markdown_body_stay_text(tmp_path: Path) -> None:
    body = "\n\n".join(PAYLOADS) + "\n\n" + "\n".join(PAYLOADS) + "\n"
    files = full_site_files()
    for kind, path in FULL_FILES.items():
        if path.endswith(".md"):
            files[path] = record_file(kind, full_record(kind), body=body)[0]
    for path in ("content/procedures/id-card.md", "content/policies/notice-2026.md", "content/notices/duty.md",
                 "content/pages/guide.md"):
        files[path] = str(BASELINE[path]) + "\n" + body
    site = write_site(tmp_path, files)
    result = build(site)
    assert result.code == 0, result.stderr
    text = assert_inert(site)
    page = _normal(text["notices/full/index.html"])
    assert "<script>alert('XSS')</script>" in page and "{{ 7*7 }}" in page
    feed = text["feed.xml"]
    assert "<script>alert('XSS')</script>" in feed  # as text of the summary, which the scan parsed


def test_jinja_syntax_in_content_is_shown_literally(tmp_path: Path) -> None:
    title = "{{ 7*7 }}{% raw %}{{ config.__class__ }}{% if true %}真{% endif %}"
    notice = f"---\ntitle: '{title}'\ndate: 2026-09-20\n---\n{title}\n\n`{{{{ site }}}}`\n"
    site = write_site(tmp_path, {"content/notices/duty.md": notice})
    result = build(site)
    assert result.code == 0, result.stderr
    text = assert_inert(site)
    page = text["notices/duty/index.html"]
    assert page.count(title) >= 2 and "{{ site }}" in page  # evaluated, “{{ 7*7 }}” would read 49
    assert "<class" not in page and "SiteConfig(" not in page
    assert title in text["feed.xml"]


# --- calendars and spreadsheets: no field can start a line of its own ------------------------------

INJECTED = {
    "location": "A\r\nBEGIN:VEVENT\r\nUID:evil@example\r\nEND:VEVENT",
    "topics": "=cmd|' /C calc'!A0\nEND:VCALENDAR",
    "reason": "B\rDTSTART:19700101T000000Z\rX-EVIL:1",
}


def test_calendar_and_csv_fields_cannot_inject_lines(tmp_path: Path) -> None:
    session = (str(BASELINE["content/receptions/2026.yaml"])  # the leader's one held-or-planned session (the audit)
               + "- leader: zhang-san\n  date: 2026-12-11\n  time: 9:00-11:30\n  method: 定点接访\n"
               + "  status: cancelled\n"
               + "".join(f"  {key}: {json.dumps(value)}\n" for key, value in INJECTED.items())
               + '  booking: {note: "@SUM(1)\\r\\n-2+3"}\n')
    leader = str(BASELINE["content/leaders/zhang-san.yaml"]).replace("position: 厅长", 'position: "+1\\r\\nX-EVIL:1"')
    site = write_site(tmp_path, {"content/receptions/2026.yaml": session, "content/leaders/zhang-san.yaml": leader})
    result = build(site)
    assert result.code == 0, result.stderr
    assert_inert(site)  # every calendar line is a known property; every CSV row is one record
    [item] = [i for i in json.loads((site / "output/data/receptions.json").read_bytes())["items"] if i["reason"]]
    assert {key: item[key] for key in INJECTED} == INJECTED  # kept exactly, as data
    assert item["booking_note"] == "@SUM(1)\r\n-2+3" and item["position"] == "+1\r\nX-EVIL:1"
    text = (site / "output/data/receptions.csv").read_bytes().decode("utf-8-sig")  # no newline translation
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == 2
    row = rows[1]
    assert row["地点"] == INJECTED["location"] and row["接访事项"] == "'" + INJECTED["topics"]
    for calendar in ("receptions.ics", "leaders/zhang-san.ics"):
        data = (site / "output" / calendar).read_bytes()
        events = [c for c in icalendar.Calendar.from_ical(data).walk() if c.name == "VEVENT"]
        assert len(events) == 2 and data.split(b"\r\n").count(b"BEGIN:VEVENT") == 2
        assert "BEGIN:VEVENT" in str(events[1]["LOCATION"]) and not any("X-EVIL" in e for e in events)


# --- URL fields ---------------------------------------------------------------------------------

HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "jav&#x09;ascript:alert(1)",
    "&#106;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "file:///etc/passwd",
    "//evil.example/",
    "\\\\evil.example\\share",
    "https://x.gov.cn/\" onmouseover=\"alert(1)",
    "https://x.gov.cn/'><script>alert(1)</script>",
    "https://x.gov.cn/ onmouseover=alert(1)",
    "https://x.gov.cn/\nSet-Cookie:a=b",
    "../../etc/passwd",
    "/javascript:alert(1)",
]
# (kind, field label) of every field that holds a link or names a file, and the language tag
# (written into attributes and handed to the search indexer, which a hostile one crashed).
URL_FIELDS = (
    ("site", "base_url"), ("site", "identity.jiucuo_url"), ("site", "nav[1].url"), ("site", "language"),
    ("procedures", "online_url"), ("policies", "attachments[1].file"), ("leaders", "photo"),
)


def _url_cases() -> list[tuple[str, str, str, str, str]]:
    cases = []
    for kind, where in URL_FIELDS:
        [field_at] = [f for f in every_field(kind) if f.where == where]
        for n, value in enumerate([*HOSTILE_URLS, "/etc/passwd"]):
            if value == "/etc/passwd" and where == "nav[1].url":
                continue  # a site path: a link to a page of the site that does not exist, not a file read
            text, at = record_file(kind, set_at(full_record(kind), field_at.keys, raw(value)))
            assert at is not None
            path = FULL_FILES[kind] if kind == "site" else FULL_FILES[kind].replace("/full.", f"/url-{n}.")
            cases.append((kind, where, path, text, f"{path}:{at[0]}:{at[1]}"))
    return cases


URL_CASES = _url_cases()


def test_hostile_urls_in_record_fields_are_errors_at_their_line(tmp_path: Path) -> None:
    cases = [c for c in URL_CASES if c[0] != "site"]
    site = write_site(tmp_path, {**full_site_files(), **{path: text for _, _, path, text, _ in cases}})
    result = check(site)
    assert result.code == 1 and "Traceback" not in result.stderr
    missing = [f"{where}: {at}" for _, where, _, _, at in cases if f"{at}: error: {where} " not in result.stderr]
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize(("where", "text", "at"), [(c[1], c[3], c[4]) for c in URL_CASES if c[0] == "site"],
                         ids=[f"{c[1]}-{n}" for n, c in enumerate(c for c in URL_CASES if c[0] == "site")])
def test_hostile_urls_in_site_fields_are_errors_at_their_line(tmp_path: Path, where: str, text: str, at: str) -> None:
    site = write_site(tmp_path, {**full_site_files(), "content/site.yaml": text})
    result = check(site)
    assert result.code == 1 and "Traceback" not in result.stderr
    assert f"{at}: error: {where} " in result.stderr, result.stderr


def test_nav_links_are_site_paths_or_web_addresses(tmp_path: Path) -> None:
    nav = "nav:\n  - {title: 办事, url: /procedures/}\n  - {title: 国务院, url: 'https://www.gov.cn/'}\n"
    site = write_site(tmp_path, {"content/site.yaml": BASELINE["content/site.yaml"] + nav})
    result = build(site)
    assert result.code == 0, result.stderr
    home = (site / "output/index.html").read_text(encoding="utf-8")
    assert '<a href="procedures/"' in home and '<a href="https://www.gov.cn/">' in home
    hostile = nav.replace("/procedures/", "javascript:alert(1)")
    write_site(site, {"content/site.yaml": BASELINE["content/site.yaml"] + hostile})
    result = build(site)
    assert result.code == 1
    assert "content/site.yaml:15:22: error: nav[1].url 不是站内路径或网址：“javascript:alert(1)”" in result.stderr
    assert "站内路径以 / 开头" in result.stderr


# --- Markdown links and images -------------------------------------------------------------------

HOSTILE_LINKS = [
    "[a](javascript:alert(1))",
    "[a](JAVASCRIPT:alert(1))",
    "[a]( javascript:alert(1))",
    "[a](<java\tscript:alert(1)>)",
    "[a](java&#x09;script:alert(1))",
    "[a](java&#10;script:alert(1))",
    "[a](&#x6A;avascript:alert(1))",
    "[a](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[a](javascript&colon;alert(1))",
    "[a](jav%0Aascript:alert(1))",
    "[a](vbscript:msgbox(1))",
    "[a](VBScript:msgbox(1))",
    "[a](livescript:alert(1))",
    "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[a](DATA:text/html,alert(1))",
    "[a](file:///etc/passwd)",
    "[a](//evil.example/)",
    "[a](\\\\evil.example\\share)",
    "[a][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "![a](javascript:alert(1))",
    "![a](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![a](../../../etc/passwd)",
    "![a](/etc/passwd)",
    "![a](file:///etc/passwd)",
    "![a](a/../../b.png)",
    "![a](..%2F..%2Fetc%2Fpasswd)",
    "![a](C:\\Windows\\win.ini)",
]


def test_hostile_markdown_links_and_images_are_errors_at_their_line(tmp_path: Path) -> None:
    header = "---\ntitle: 链接\n---\n"
    body = "\n\n".join(HOSTILE_LINKS) + "\n"
    site = write_site(tmp_path, {"content/pages/links.md": header + body})
    assert build(site).code == 1  # nothing was ever published
    result = check(site)
    assert result.code == 1 and "Traceback" not in result.stderr
    reported = {int(n) for n in re.findall(r"^content/pages/links\.md:(\d+):\d+: error: ", result.stderr, re.M)}
    line = header.count("\n") + 1
    missing = []
    for link in HOSTILE_LINKS:
        if line not in reported:
            missing.append(f"{line}: {link!r}")
        line += link.count("\n") + 2
    assert not missing, "\n".join(missing) + "\n" + result.stderr
    assert len(reported) == len(HOSTILE_LINKS)


def test_markdown_targets_that_only_look_hostile_stay_inert(tmp_path: Path) -> None:
    """Entities without a semicolon are not entities in CommonMark: a relative link, escaped."""
    page = "---\ntitle: 链接\n---\n[a](&#0000106&#0000097vascript:alert(1))\n\n[b](\x01javascript:alert(1))\n"
    site = write_site(tmp_path, {"content/pages/links.md": page})
    result = build(site)
    assert result.code == 0, result.stderr
    assert_inert(site)


# --- file names ------------------------------------------------------------------------------------

HOSTILE_NAME = "\"><svg onload=alert(1)>'.png"


def test_hostile_file_names_stay_text(tmp_path: Path) -> None:
    leader = BASELINE["content/leaders/zhang-san.yaml"] + f"photo: {json.dumps(HOSTILE_NAME)}\n"
    policy = str(BASELINE["content/policies/notice-2026.md"]).replace(
        "---\n全文", f"attachments:\n  - title: 附件\n    file: {json.dumps(HOSTILE_NAME)}\n---\n全文")
    site = write_site(tmp_path, {
        f"content/files/{HOSTILE_NAME}": b"\x89PNG\r\n\x1a\n",
        "content/leaders/zhang-san.yaml": leader,
        "content/policies/notice-2026.md": policy,
    })
    result = build(site)
    assert result.code == 0, result.stderr
    text = assert_inert(site)
    assert HOSTILE_NAME in text["leaders/zhang-san/index.html"]
    assert (site / "output/files" / HOSTILE_NAME).is_file()
    assert json.loads((site / "output/data/policies.json").read_bytes())["items"][0]["attachments"][0]["url"].endswith(
        HOSTILE_NAME)


@pytest.mark.parametrize("name", ["chart.svg", "page.html", "page.HTM", "data.xml", "app.js", "ie.mhtml"])
def test_files_a_browser_would_run_are_refused(tmp_path: Path, name: str) -> None:
    site = write_site(tmp_path, {f"content/files/{name}": "<svg onload=alert(1)><script>alert(1)</script></svg>"})
    result = check(site)
    assert result.code == 1
    assert f"content/files/{name}: error: content/files/ 里不能放" in result.stderr
    assert "PDF" in result.stderr and "PNG" in result.stderr


# --- the scan itself finds what it looks for ------------------------------------------------------

PLANTED = {
    "script": ("x/index.html", "<p>a</p><script>alert(1)</script>", "inline <script>"),
    "handler": ("x/index.html", "<img src=a.png onerror=alert(1)>", "event handler"),
    "obfuscated-scheme": ("x/index.html", '<a href=" jav&#x09;ascript:alert(1)">a</a>', "javascript: URL"),
    "svg-link": ("x/index.html", '<svg><a xlink:href="data:text/html,x">a</a></svg>', "data: URL"),
    "form": ("x/index.html", '<form action="javascript:alert(1)"></form>', "javascript: URL"),
    "iframe": ("x/index.html", "<iframe src=a.html></iframe>", "<iframe> element"),
    "base": ("x/index.html", '<base href="https://evil.example/">', "<base> element"),
    "refresh": ("x/index.html", '<meta http-equiv="Refresh" content="0;url=https://evil.example/">', "refresh"),
    "style": ("x/index.html", '<div style="background:url(javascript:alert(1))">', "style="),
    "broken-json-ld": ("x/index.html", '<script type="application/ld+json">{"a": "</script><p>"}', "JSON-LD"),
    "feed-html": ("feed.xml", '<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">&lt;b&gt;</title></feed>',
                  "type=html"),
    "feed-foreign": ("feed.xml", '<feed xmlns="http://www.w3.org/2005/Atom"><script xmlns="http://www.w3.org/1999/'
                     'xhtml">alert(1)</script></feed>', "outside"),
    "sitemap": ("sitemap.xml", '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>javascript:'
                "alert(1)</loc></url></urlset>", "loc"),
    "ics": ("receptions.ics", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nX-EVIL:1\r\nEND:VEVENT\r\n"
            "BEGIN:VALARM\r\nEND:VALARM\r\nEND:VCALENDAR\r\n", "X-EVIL"),
    "json": ("data/x.json", '{"items": [], "<b>": 1}', "key"),
    "csv": ("data/halls.csv", "\ufeff名称\r\n=cmd|' /C calc'!A0\r\n", "formula"),
    "unknown": ("evil.php", "<?php system($_GET['c']); ?>", "does not know"),
}


@pytest.fixture(scope="module")
def clean_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = write_site(tmp_path_factory.mktemp("clean"), {})
    assert build(site).code == 0
    assert_inert(site)
    return site


@pytest.mark.parametrize(("rel", "data", "finding"), PLANTED.values(), ids=PLANTED.keys())
def test_the_scan_finds_planted_active_content(
    clean_site: Path, tmp_path: Path, rel: str, data: str, finding: str
) -> None:
    site = tmp_path / "site"
    shutil.copytree(clean_site, site)
    target = site / "output" / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(data, encoding="utf-8")
    problems = scan_output(site / "output", find_theme(site)).problems
    assert any(p.startswith(rel) and finding in p for p in problems), problems
