"""Working days (工作日) by the official calendar: weekends, public holidays and make-up days (调休).

Every working-day computation of sitegen (the 20 working days of 条例 Art.26, the time limits of a
procedure) goes through `is_workday`, so a 调休 Saturday counts and a 春节 weekday does not.
The calendar comes from `content/holidays.yaml`, one block per year, as the State Council's
yearly notice (国务院办公厅关于××年部分节假日安排的通知) publishes it:

    2026:
      holidays:                # 放假调休的日期，含其中的周末
        - name: 春节
          from: 2026-02-15
          to: 2026-02-23       # inclusive; leave out `to` for a single day
      workdays:                # 调休上班的周末
        - 2026-02-14
        - 2026-02-28

Dates are ISO; a year's block may hold a date of the neighbouring year (元旦 can begin on
December 30th). A day listed both as holiday and as workday is an error; a "workday" that is a
Monday–Friday anyway is only a warning. Years the file does not cover count weekends only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .diagnostics import Reporter
from .fields import Converted, ListOf, Object, Spec, Text, parse_mapping
from .values.dates import parse_date
from .yamlfile import Map, Node, Seq, kind_name

_WEEKDAYS = "一二三四五六日"
_MAX_SPAN = 14  # no holiday of the Chinese calendar is longer: a longer range is a typo


@dataclass(frozen=True, slots=True)
class Holidays:
    """Public holidays (off) and make-up working days (workdays) of the years in `years`."""

    off: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    years: frozenset[int] = frozenset()  # the years the calendar was written for


NO_HOLIDAYS = Holidays()


def is_workday(day: dt.date, holidays: Holidays) -> bool:
    """Monday–Friday unless a public holiday; Saturday or Sunday only as a 调休 workday."""
    if day in holidays.workdays:
        return True
    if day in holidays.off:
        return False
    return day.weekday() < 5


def add_workdays(start: dt.date, n: int, holidays: Holidays) -> dt.date:
    """The n-th working day after `start` (before it when n < 0); `start` itself when n == 0."""
    step = 1 if n >= 0 else -1
    day, left = start, abs(n)
    while left:
        day += dt.timedelta(days=step)
        if is_workday(day, holidays):
            left -= 1
    return day


def workdays_between(start: dt.date, end: dt.date, holidays: Holidays) -> int:
    """How many working days come after `start` up to and including `end` (0 if end <= start)."""
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    count = weeks * 5 + sum(1 for i in range(1, rest + 1) if (start + dt.timedelta(days=i)).weekday() < 5)
    for day in holidays.off - holidays.workdays:
        if start < day <= end and day.weekday() < 5:
            count -= 1
    for day in holidays.workdays:
        if start < day <= end and day.weekday() >= 5:
            count += 1
    return count


# --- content/holidays.yaml ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Range:
    name: str
    first: dt.date
    last: dt.date | None


def _range(**values: Any) -> _Range:
    return _Range(values["name"], values["from"], values["to"])


_date = Converted(parse_date, "日期，如 2026-02-15")
_YEAR = (
    Spec("holidays", ListOf(Object(_range, (
        Spec("name", Text(), True),
        Spec("from", _date, True),
        Spec("to", _date),
    )), non_empty=False), default=()),
    Spec("workdays", ListOf(_date, non_empty=False), default=()),
)
_HINT = "如 `2026: {holidays: [{name: 春节, from: 2026-02-15, to: 2026-02-23}], workdays: [2026-02-14]}`"


def parse_holidays(node: Node | None, report: Reporter) -> Holidays | None:
    """The calendar of content/holidays.yaml, or None if it has errors (all reported)."""
    if node is None:  # an empty file: no holidays, weekends only
        return NO_HOLIDAYS
    if not isinstance(node, Map):
        report.error(node.line, node.column, f"节假日文件应为按年份的键值对，实际是{kind_name(node)}", _HINT,
                     "holidays.type")
        return None
    off: set[dt.date] = set()
    workdays: set[dt.date] = set()
    years: set[int] = set()
    ok = True
    for key, value in node.entries:
        if not (key.value.isascii() and key.value.isdigit() and len(key.value) == 4):
            report.error(key.line, key.column, f"键应为四位年份，实际是 “{key.value}”", _HINT, "holidays.year")
            ok = False
            continue
        year = int(key.value)
        values = parse_mapping(value, _YEAR, key.value, report)
        if values is None:
            ok = False
            continue
        assert isinstance(value, Map)
        ok = _year(year, values, value, report, off, workdays) and ok
        years.add(year)
    if not ok:
        return None
    return Holidays(frozenset(off), frozenset(workdays), frozenset(years))


def _year(year: int, values: dict[str, Any], node: Map, report: Reporter,
          off: set[dt.date], workdays: set[dt.date]) -> bool:
    ok = True
    ranges: tuple[_Range, ...] = values["holidays"]
    for index, (item, holiday) in enumerate(zip(_items(node, "holidays"), ranges, strict=True)):
        where = f"{year}.holidays[{index + 1}]"
        last = holiday.last or holiday.first
        if last < holiday.first:
            report.error(item.line, item.column,
                         f"{where}（{holiday.name}）的结束日期 {last} 早于开始日期 {holiday.first}",
                         "from 是第一天，to 是最后一天（含）", "holidays.range")
            ok = False
            continue
        if (last - holiday.first).days >= _MAX_SPAN or not _near(year, holiday.first):
            report.error(item.line, item.column,
                         f"{where}（{holiday.name}）{holiday.first} 至 {last} 不像是 {year} 年的一个假期",
                         f"检查年份和月份；每个假期不超过 {_MAX_SPAN} 天", "holidays.range")
            ok = False
            continue
        off.update(holiday.first + dt.timedelta(days=i) for i in range((last - holiday.first).days + 1))
    days: tuple[dt.date, ...] = values["workdays"]
    for index, (item, day) in enumerate(zip(_items(node, "workdays"), days, strict=True)):
        where = f"{year}.workdays[{index + 1}]"
        if not _near(year, day):
            report.error(item.line, item.column, f"{where} {day} 不在 {year} 年前后", "检查年份", "holidays.range")
            ok = False
        elif day in off:
            report.error(item.line, item.column, f"{where} {day} 同时被列为放假日和调休上班日",
                         "一天只能是放假或上班之一：删去其中一处", "holidays.conflict")
            ok = False
        else:
            if day.weekday() < 5:
                report.warning(item.line, item.column,
                               f"{where} {day} 是周{_WEEKDAYS[day.weekday()]}，本来就是工作日",
                               "workdays 只需列出调休上班的周六、周日", "holidays.workday")
            workdays.add(day)
    return ok


def _items(node: Map, key: str) -> tuple[Node, ...]:
    value = node.get(key)
    return value.items if isinstance(value, Seq) else ()


def _near(year: int, day: dt.date) -> bool:
    # 元旦 may start on December 30th of the year before; nothing reaches further.
    return abs(day.year - year) <= 1


__all__ = ["NO_HOLIDAYS", "Holidays", "add_workdays", "is_workday", "parse_holidays", "workdays_between"]
