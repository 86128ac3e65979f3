"""Reception calendars parse back with icalendar and say what the session records say."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar

from sitegen import models as m
from sitegen.graph import Site
from sitegen.outputs.ics import calendars
from sitegen.routes import RECEPTIONS_CALENDAR, Urls, calendar_paths, leader_calendar_path
from tests.sites import RECEPTIONS, linked

BUILD_DATE = dt.date(2026, 11, 27)
DEMO = Path(__file__).resolve().parents[1]
CHINA = dt.timezone(dt.timedelta(hours=8))

MORE_SESSIONS = """\
- leader: zhang-san
  date: 2026-06-18
  time: 9:00-11:30
  location: 县人社局
  method: 带案下访
  status: cancelled
  reason: 防汛抢险，取消。
- leader: zhang-san
  date: 2026-09-10
  time: 14:30-17:00
  location: 信访接待室
  method: 定点接访
  booking:
    phone: 027-87000009
    note: 请提前预约
  status: postponed
  reason: 参加会议
  new_date: 2026-09-17
- leader: zhang-san
  date: 2026-09-17
  time: 14:30-17:00
  location: 信访接待室
  method: 定点接访
  status: held
- leader: zhang-san
  date: 2026-12-24
  time: 20:00-24:00
  location: 夜间接访点
  method: 重点约访
"""


def parsed(site: Site, urls: Urls) -> dict[str, icalendar.Calendar]:
    return {a.path: icalendar.Calendar.from_ical(a.data) for a in calendars(site, urls)}


def events(calendar: icalendar.Calendar) -> list[icalendar.Event]:
    return [e for e in calendar.walk("VEVENT") if isinstance(e, icalendar.Event)]


def assert_event_matches(event: icalendar.Event, session: m.Session, site: Site, host: str) -> None:
    leader = site.leader(session.leader)
    midnight = dt.datetime.combine(session.date, dt.time(), CHINA)
    assert str(event["UID"]) == f"{session.id}@{host}"
    assert event.decoded("DTSTART") == midnight + dt.timedelta(minutes=session.time.start)
    assert event.decoded("DTEND") == midnight + dt.timedelta(minutes=session.time.end)
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event["DTEND"].params["TZID"] == "Asia/Shanghai"
    assert event.decoded("DTSTAMP") == dt.datetime.combine(BUILD_DATE, dt.time(), CHINA)
    assert str(event["SUMMARY"]).endswith(f"领导接访：{leader.name}（{session.method}）")
    assert str(event["LOCATION"]) == session.location
    description = str(event["DESCRIPTION"])
    for part in (leader.position, leader.name, leader.portfolio, session.method, session.topics, session.reason):
        assert part is None or part in description
    if session.booking is not None and session.booking.phone is not None:
        assert session.booking.phone.display in description
    if session.booking is not None and session.booking.note is not None:
        assert session.booking.note in description
    expected_status = "CANCELLED" if session.status in ("cancelled", "postponed") else "CONFIRMED"
    assert str(event["STATUS"]) == expected_status
    assert str(event["URL"]) == site.config.base_url + "receptions/"


def test_calendars_hold_every_session_once(tmp_path: Path) -> None:
    site, urls = linked(tmp_path, {"content/receptions/2026.yaml": RECEPTIONS + MORE_SESSIONS})
    found = parsed(site, urls)
    assert list(found) == [RECEPTIONS_CALENDAR, "leaders/zhang-san.ics"]
    for path, name in ((RECEPTIONS_CALENDAR, "示例厅领导接访安排"), ("leaders/zhang-san.ics", "示例厅张三接访安排")):
        calendar = found[path]
        assert str(calendar["VERSION"]) == "2.0"
        assert str(calendar["PRODID"]).startswith("-//")
        assert str(calendar["X-WR-CALNAME"]) == name
        (timezone,) = calendar.walk("VTIMEZONE")
        assert str(timezone["TZID"]) == "Asia/Shanghai"
        (standard,) = timezone.walk("STANDARD")
        assert standard.decoded("TZOFFSETTO") == dt.timedelta(hours=8)
        assert not timezone.walk("DAYLIGHT")
        got = events(calendar)
        # the postponed session's new_date does not add an event: its new session is its own record
        assert len(got) == len(site.sessions) == 5
        for event, session in zip(got, site.sessions, strict=True):
            assert_event_matches(event, session, site, "www.example.gov.cn")


def test_status_and_reasons(tmp_path: Path) -> None:
    site, urls = linked(tmp_path, {"content/receptions/2026.yaml": RECEPTIONS + MORE_SESSIONS})
    by_uid = {str(e["UID"]).split("@")[0]: e for e in events(parsed(site, urls)[RECEPTIONS_CALENDAR])}
    cancelled = by_uid["zhang-san-20260618-0900"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["SUMMARY"]) == "【已取消】领导接访：张三（带案下访）"
    assert "防汛抢险，取消。" in str(cancelled["DESCRIPTION"])
    postponed = by_uid["zhang-san-20260910-1430"]
    assert str(postponed["STATUS"]) == "CANCELLED"
    assert "已延期" in str(postponed["DESCRIPTION"]) and "参加会议" in str(postponed["DESCRIPTION"])
    assert "改期至2026年9月17日" in str(postponed["DESCRIPTION"])
    assert str(by_uid["zhang-san-20260917-1430"]["STATUS"]) == "CONFIRMED"
    assert str(by_uid["zhang-san-20261210-0900"]["STATUS"]) == "CONFIRMED"
    # 24:00 ends at the next day's midnight
    late = by_uid["zhang-san-20261224-2000"]
    assert late.decoded("DTEND") == dt.datetime(2026, 12, 25, 0, 0, tzinfo=CHINA)


def test_text_cannot_inject_properties(tmp_path: Path) -> None:
    hostile = RECEPTIONS.replace(
        "  location: 信访接待室", '  location: "A\\nBEGIN:VEVENT;X"\n  topics: "a,b;c\\\\d\\rUID:evil\\r\\nEND:VEVENT"')
    site, urls = linked(tmp_path, {"content/receptions/2026.yaml": hostile})
    assert site.sessions[0].topics == "a,b;c\\d\rUID:evil\r\nEND:VEVENT"
    (artifact,) = [a for a in calendars(site, urls) if a.path == RECEPTIONS_CALENDAR]
    lines = artifact.data.decode("utf-8").split("\r\n")
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1
    assert not any(line.startswith(("BEGIN:VEVENT;", "UID:evil")) for line in lines)
    assert b"\r" not in artifact.data.replace(b"\r\n", b"")  # a lone CR could end a line for lax readers
    (event,) = events(icalendar.Calendar.from_ical(artifact.data))
    assert str(event["LOCATION"]) == "A\nBEGIN:VEVENT;X"
    # RFC 5545 TEXT has one line break, \n: carriage returns come back as it
    assert str(event["DESCRIPTION"]).endswith("\n接访事项：a,b;c\\d\nUID:evil\nEND:VEVENT")
    assert str(event["UID"]) == "zhang-san-20261210-0900@www.example.gov.cn"


def test_lines_are_crlf_and_folded() -> None:
    for artifact in calendars(*linked(DEMO)):
        assert artifact.data.endswith(b"\r\n")
        assert b"\n" not in artifact.data.replace(b"\r\n", b"")
        for line in artifact.data.split(b"\r\n"):
            assert len(line) <= 75, line  # RFC 5545 3.1: octets, never splitting a character
            line.decode("utf-8")


def test_uid_uses_the_host_of_base_url(tmp_path: Path) -> None:
    from tests.sites import SITE_YAML

    site, urls = linked(tmp_path, {"content/site.yaml": SITE_YAML.replace(
        "https://www.example.gov.cn/", "https://ZWGK.Example.gov.cn/hr/")})
    (event,) = events(parsed(site, urls)[RECEPTIONS_CALENDAR])
    assert str(event["UID"]) == "zhang-san-20261210-0900@zwgk.example.gov.cn"
    assert str(event["URL"]) == "https://ZWGK.Example.gov.cn/hr/receptions/"


def test_demo_calendars_match_the_records() -> None:
    site, urls = linked(DEMO)
    found = parsed(site, urls)
    assert list(found) == calendar_paths(site)  # what a rebuild that keeps the calendars carries over
    assert set(found) == {RECEPTIONS_CALENDAR} | {leader_calendar_path(leader) for leader in site.leaders}
    host = "www.example.gov.cn"
    for event, session in zip(events(found[RECEPTIONS_CALENDAR]), site.sessions, strict=True):
        assert_event_matches(event, session, site, host)
    for leader in site.leaders:
        own = site.sessions_by_leader.get(leader.slug, ())
        got = events(found[leader_calendar_path(leader)])
        assert [str(e["UID"]) for e in got] == [f"{s.id}@{host}" for s in own]
        for event, session in zip(got, own, strict=True):
            assert_event_matches(event, session, site, host)
    statuses = {s.status for s in site.sessions}
    assert {"held", "cancelled", "postponed", "scheduled"} <= statuses  # the demo exercises every status


def test_same_site_same_bytes() -> None:
    assert calendars(*linked(DEMO)) == calendars(*linked(DEMO))
