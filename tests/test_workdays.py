"""Working days by the official calendar, and content/holidays.yaml read with its lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.diagnostics import Reporter
from sitegen.workdays import NO_HOLIDAYS, Holidays, add_workdays, is_workday, parse_holidays, workdays_between
from sitegen.yamlfile import parse_yaml

REPO = Path(__file__).resolve().parent.parent
D = dt.date


def read(text: str) -> tuple[Holidays | None, Reporter]:
    report = Reporter("content/holidays.yaml", text)
    return parse_holidays(parse_yaml(text, report), report), report


def demo_calendar() -> Holidays:
    holidays, report = read((REPO / "content/holidays.yaml").read_text(encoding="utf-8"))
    assert report.diagnostics == []
    assert holidays is not None
    return holidays


CAL = demo_calendar()


def test_the_demo_calendar_is_the_state_councils_2026_arrangement() -> None:
    assert CAL.years == frozenset({2026})
    assert len(CAL.off) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert sorted(CAL.workdays) == [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9),
                                    D(2026, 9, 20), D(2026, 10, 10)]
    assert all(day.weekday() >= 5 for day in CAL.workdays)  # 调休 workdays are weekends
    assert workdays_between(D(2025, 12, 31), D(2026, 12, 31), CAL) == 248


def test_a_make_up_saturday_is_a_workday() -> None:
    assert D(2026, 2, 14).weekday() == 5
    assert is_workday(D(2026, 2, 14), CAL)
    assert not is_workday(D(2026, 2, 14), NO_HOLIDAYS)
    assert is_workday(D(2026, 9, 20), CAL)  # a Sunday before 国庆


@pytest.mark.parametrize("day", [D(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)])
def test_spring_festival_days_are_not_workdays(day: dt.date) -> None:
    assert not is_workday(day, CAL)


def test_an_ordinary_week() -> None:
    assert [is_workday(D(2026, 3, 2) + dt.timedelta(days=i), CAL) for i in range(7)] == [True] * 5 + [False] * 2


def test_add_workdays_across_the_spring_festival() -> None:
    # Fri 2026-02-13, then the 调休 Saturday 14th, then nine days off until Tue 24th.
    assert add_workdays(D(2026, 2, 13), 1, CAL) == D(2026, 2, 14)
    assert add_workdays(D(2026, 2, 13), 2, CAL) == D(2026, 2, 24)
    assert add_workdays(D(2026, 2, 13), 2, NO_HOLIDAYS) == D(2026, 2, 17)
    assert add_workdays(D(2026, 2, 24), -2, CAL) == D(2026, 2, 13)
    assert add_workdays(D(2026, 2, 15), 0, CAL) == D(2026, 2, 15)


def test_twenty_workdays_across_national_day() -> None:
    # 条例 Art.26's 20 working days from Fri 2026-09-18: 中秋 and 国庆 off, two 调休 weekend days on.
    assert add_workdays(D(2026, 9, 18), 20, CAL) == D(2026, 10, 22)
    assert add_workdays(D(2026, 9, 18), 20, NO_HOLIDAYS) == D(2026, 10, 16)


def test_workdays_between_counts_after_start_up_to_end() -> None:
    assert workdays_between(D(2026, 3, 2), D(2026, 3, 2), CAL) == 0
    assert workdays_between(D(2026, 3, 2), D(2026, 3, 3), CAL) == 1
    assert workdays_between(D(2026, 3, 6), D(2026, 3, 9), CAL) == 1  # Fri → Mon
    assert workdays_between(D(2026, 3, 9), D(2026, 3, 2), CAL) == 0
    assert workdays_between(D(2026, 2, 13), D(2026, 2, 24), CAL) == 2


@given(st.dates(D(2025, 11, 1), D(2027, 2, 1)), st.integers(0, 80))
def test_adding_then_counting_gives_back_n(start: dt.date, n: int) -> None:
    end = add_workdays(start, n, CAL)
    assert workdays_between(start, end, CAL) == n
    assert n == 0 or is_workday(end, CAL)


@given(st.dates(D(2025, 11, 1), D(2027, 2, 1)), st.dates(D(2025, 11, 1), D(2027, 2, 1)))
def test_counting_agrees_with_walking_day_by_day(start: dt.date, end: dt.date) -> None:
    walked = sum(is_workday(start + dt.timedelta(days=i), CAL) for i in range(1, (end - start).days + 1))
    assert workdays_between(start, end, CAL) == walked


def test_a_single_day_holiday_and_a_year_boundary() -> None:
    holidays, report = read("2024:\n  holidays:\n    - {name: 元旦, from: 2023-12-30, to: 2024-01-01}\n"
                            "    - {name: 端午节, from: 2024-06-10}\n")
    assert report.diagnostics == []
    assert holidays == Holidays(frozenset({D(2023, 12, 30), D(2023, 12, 31), D(2024, 1, 1), D(2024, 6, 10)}),
                                frozenset(), frozenset({2024}))


def test_an_empty_file_means_weekends_only() -> None:
    assert read("# 暂无\n")[0] == NO_HOLIDAYS


@pytest.mark.parametrize(("text", "line", "column", "fragment"), [
    ("2026:\n  holidays:\n    - {name: 春节, from: 2026-02-23, to: 2026-02-15}\n", 3, 7, "早于开始日期"),
    ("2026:\n  holidays:\n    - {name: 春节, from: 2026-02-15, to: 2026-05-15}\n", 3, 7, "不像是 2026 年的一个假期"),
    ("2026:\n  holidays:\n    - {name: 春节, from: 2026年2月15日}\n", 3, 24, "2026-02-15"),
    ("2026:\n  holidays:\n    - {name: 春节, from: 2026-02-15, to: 2026-02-23}\n  workdays: [2026-02-16]\n",
     4, 14, "同时被列为放假日和调休上班日"),
    ("2026:\n  workdays: [2029-02-14]\n", 2, 14, "不在 2026 年前后"),
    ("二〇二六:\n  workdays: []\n", 1, 1, "四位年份"),
    ("2026:\n  holiday: []\n", 2, 3, "未知的字段"),
    ("- 2026-02-14\n", 1, 1, "按年份的键值对"),
])
def test_mistakes_are_reported_at_their_line(text: str, line: int, column: int, fragment: str) -> None:
    holidays, report = read(text)
    located = [(d.location.line, d.location.column) for d in report.diagnostics if fragment in d.message + d.hint]
    assert located == [(line, column)], report.diagnostics
    if any(d.is_error for d in report.diagnostics):
        assert holidays is None


def test_a_weekday_listed_as_workday_is_only_a_warning() -> None:
    holidays, report = read("2026:\n  workdays:\n    - 2026-03-03\n")
    assert [(d.severity.value, d.location.line, d.code) for d in report.diagnostics] == [
        ("warning", 3, "holidays.workday")]
    assert holidays is not None and D(2026, 3, 3) in holidays.workdays
