"""`/receptions.ics` and `/leaders/SLUG.ics`: leaders' reception sessions as iCalendar (RFC 5545)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit

import icalendar

from .. import models as m
from ..artifacts import Artifact
from ..graph import Site
from ..routes import RECEPTIONS_CALENDAR, Urls, leader_calendar_path
from ..values.dates import CHINA

TZID = "Asia/Shanghai"
PRODID = "-//sitegen//Leader Receptions//ZH"
# China has kept UTC+8 without daylight saving since 1991, and every session is later than that:
# a fixed offset named Asia/Shanghai writes TZID=Asia/Shanghai without reading the tz database.
# The status a calendar shows. A postponed session will not take place at its original time, so
# that event is cancelled; the new session is its own record (with its own UID), see _status_line.
STATUS = {"scheduled": "CONFIRMED", "held": "CONFIRMED", "cancelled": "CANCELLED", "postponed": "CANCELLED"}
_MARK = {"cancelled": "【已取消】", "postponed": "【已延期】"}


def calendars(site: Site, urls: Urls) -> tuple[Artifact, ...]:
    """The calendars of routes.calendar_paths: all sessions in one, then one per leader."""
    org = site.config.organization.name
    found = [_calendar(RECEPTIONS_CALENDAR, f"{org}领导接访安排", site.sessions, site, urls)]
    for leader in site.leaders:
        sessions = site.sessions_by_leader.get(leader.slug, ())
        found.append(_calendar(leader_calendar_path(leader), f"{org}{leader.name}接访安排", sessions, site, urls))
    return tuple(found)


def session_uid(session: m.Session, base_url: str) -> str:
    """Stable across builds and edits of everything but the session's id (RFC 5545 3.8.4.7)."""
    return f"{session.id}@{urlsplit(base_url).hostname or 'localhost'}"


def session_times(session: m.Session) -> tuple[dt.datetime, dt.datetime]:
    """Start and end in China time; an end of 24:00 is the next day's midnight."""
    midnight = dt.datetime.combine(session.date, dt.time(), CHINA)
    return (midnight + dt.timedelta(minutes=session.time.start),
            midnight + dt.timedelta(minutes=session.time.end))


def session_summary(session: m.Session, leader: m.Leader) -> str:
    return f"{_MARK.get(session.status, '')}领导接访：{leader.name}（{session.method}）"


def session_description(session: m.Session, leader: m.Leader) -> str:
    lines = [f"{leader.position} {leader.name}", f"分管工作：{leader.portfolio}", f"接访方式：{session.method}"]
    if session.topics:
        lines.append(f"接访事项：{session.topics}")
    if session.booking is not None:
        if session.booking.phone is not None:
            lines.append(f"预约电话：{session.booking.phone.display}")
        if session.booking.note:
            lines.append(f"预约说明：{session.booking.note}")
    status = _status_line(session)
    if status:
        lines.append(status)
    return "\n".join(lines)


def _status_line(session: m.Session) -> str:
    if session.status == "cancelled":
        return f"本场接访已取消。原因：{session.reason or ''}"
    if session.status == "postponed":
        # new_date alone does not make a second event: the rescheduled session's time and place
        # are only known from its own record, which has its own UID and appears on its own.
        moved = f"改期至{_cn_date(session.new_date)}，以届时公布的安排为准。" if session.new_date else ""
        return f"本场接访已延期。原因：{session.reason or ''}{moved}"
    if session.status == "held":
        return "本场接访已举行。"
    return ""


def _calendar(path: str, name: str, sessions: Iterable[m.Session], site: Site, urls: Urls) -> Artifact:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)  # RFC 7986
    calendar.add("x-wr-calname", name)  # what Apple, Google and Outlook show
    calendar.add("x-wr-timezone", TZID)
    calendar.add("refresh-interval", dt.timedelta(days=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "P1D")
    calendar.add("source", urls.absolute(path), parameters={"VALUE": "URI"})
    calendar.add_component(_china_timezone())
    # DTSTAMP must be UTC (RFC 5545 3.8.7.2); the build date keeps the bytes the same on every build.
    stamp = dt.datetime.combine(site.build_date, dt.time(), CHINA).astimezone(dt.UTC)
    page = urls.absolute("receptions/")
    for session in sessions:
        calendar.add_component(_event(session, site.leader(session.leader), site.config.base_url, stamp, page))
    return Artifact(path, calendar.to_ical())


def _event(session: m.Session, leader: m.Leader, base_url: str, stamp: dt.datetime, page: str) -> icalendar.Event:
    start, end = session_times(session)
    event = icalendar.Event()
    event.add("uid", session_uid(session, base_url))
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    # icalendar escapes "\", ";", "," and newlines in TEXT values (RFC 5545 3.3.11), so no field
    # can end the line and start a property or component of its own.
    event.add("summary", session_summary(session, leader))
    event.add("location", session.location)
    event.add("description", session_description(session, leader))
    event.add("categories", [session.method])
    event.add("status", STATUS[session.status])
    event.add("class", "PUBLIC")
    event.add("url", page, parameters={"VALUE": "URI"})
    return event


def _china_timezone() -> icalendar.Timezone:
    """Asia/Shanghai as one fixed +08:00 rule: the same bytes whatever tz database is installed."""
    standard = icalendar.TimezoneStandard()
    standard.add("dtstart", dt.datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", dt.timedelta(hours=8))
    standard.add("tzoffsetto", dt.timedelta(hours=8))
    standard.add("tzname", "CST")
    timezone = icalendar.Timezone()
    timezone.add("tzid", TZID)
    timezone.add("x-lic-location", TZID)
    timezone.add_component(standard)
    return timezone


def _cn_date(date: dt.date | None) -> str:
    return "" if date is None else f"{date.year}年{date.month}月{date.day}日"
