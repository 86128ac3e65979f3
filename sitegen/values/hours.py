"""Parse opening hours, written as text or as a list of rules, into structured Hours."""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from sitegen.values.errors import ValueProblem

HINT = "如 周一至周五 8:30-12:00，14:30-17:30；周六 9:00-12:00（法定节假日除外）"
CLOCK_HINT = "时间写成 时:分，如 8:30、17:00"
RANGE_HINT = "如 9:00-11:30"
DAYS_HINT = "如 mon-fri、sat-sun、mon,wed,fri、daily、weekdays，或 周一至周五"
HOLIDAY_HINT = "节假日安排请写在末尾括号里，如 周一至周五 8:30-17:30（法定节假日除外）"

_DAY = 24 * 60
_WEEK = (0, 1, 2, 3, 4, 5, 6)
_WORKDAYS = (0, 1, 2, 3, 4)
_DAY_CHARS = "一二三四五六日"
_DAY_WORDS = {"每天": _WEEK, "每日": _WEEK, "工作日": _WORKDAYS, "周末": (5, 6)}
_DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {"daily": _WEEK, "weekdays": _WORKDAYS, "weekends": (5, 6)}
# Everything editors use between two times or two days; "——" is a doubled em dash.
_DASH = r"(?:——?|[-–~〜至到―−‐‑])"
_DAY_NAME = r"(?:周|星期|礼拜)"
_DAY_CHAR = r"([一二三四五六日天])"
# 周一至周五, 周一至五, 星期一到星期五, or a single 周六; 天 and 日 are both Sunday.
_DAY_ITEM = re.compile(rf"{_DAY_NAME}{_DAY_CHAR}(?:{_DASH}{_DAY_NAME}?{_DAY_CHAR})?")
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_RANGE = re.compile(rf"(.+?)\s*{_DASH}\s*(.+)")
_NOTE = re.compile(r"(.*?)[（(]([^（）()]*)[）)][。.]?\s*", re.DOTALL)
_GROUP = re.compile(r"([^0-9]*?)[\s:]*((?:上午|中午|下午|晚上)?\s*[0-9].*)")
_AFTERNOON = ("下午", "晚上")

# One parsed group: its weekdays, its display label and its time ranges.
_Group = tuple[tuple[int, ...], str, tuple["TimeRange", ...]]


@dataclass(frozen=True, slots=True, order=True)
class TimeRange:
    """A span of one day in minutes after midnight, end exclusive; 24:00 is 1440."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start <= _DAY and 0 <= self.end <= _DAY):
            raise ValueError(f"minutes out of range: {self.start}, {self.end}")
        if self.end <= self.start:
            raise ValueProblem(f"时间段 “{self}” 的结束时间须晚于开始时间", RANGE_HINT)

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


@dataclass(frozen=True, slots=True)
class DayRule:
    """The same time ranges on a set of weekdays (0 = Monday … 6 = Sunday)."""

    days: tuple[int, ...]
    ranges: tuple[TimeRange, ...]
    label: str


@dataclass(frozen=True, slots=True)
class Hours:
    """Weekly opening hours with a note such as 法定节假日除外 and a normalised display text."""

    rules: tuple[DayRule, ...]
    note: str | None
    text: str

    def ranges_on(self, weekday: int) -> tuple[TimeRange, ...]:
        if weekday not in _WEEK:
            raise ValueError(f"weekday must be 0..6, got {weekday}")
        return tuple(sorted(r for rule in self.rules if weekday in rule.days for r in rule.ranges))

    def is_open_at(self, weekday: int, minute: int) -> bool:
        return any(r.start <= minute < r.end for r in self.ranges_on(weekday))

    def covers(self, weekday: int, start: int, end: int) -> bool:
        """Open for every minute of [start, end) on the weekday (ranges may overlap or abut)."""
        reached = start
        for r in self.ranges_on(weekday):  # sorted by start
            if r.start > reached:
                break
            reached = max(reached, r.end)
            if reached >= end:
                return True
        return reached >= end


def parse_clock(text: str) -> int:
    """Minutes after midnight of `8:30`, `08:30` or `8：30`; `24:00` is 1440."""
    match = _CLOCK.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        raise ValueProblem(f"无法识别的时间 “{text}”", CLOCK_HINT)
    hour, minute = int(match[1]), int(match[2])
    if minute > 59:
        raise ValueProblem(f"时间 “{text}” 的分钟应在 00–59 之间", CLOCK_HINT)
    if hour > 24 or (hour == 24 and minute > 0):
        raise ValueProblem(f"时间 “{text}” 超出范围，最晚为 24:00", CLOCK_HINT)
    return hour * 60 + minute


def parse_time_range(text: str) -> TimeRange:
    """A range such as `9:00-11:30`, also written with —, ~, ～, 至 or －."""
    start, end = _range_bounds(unicodedata.normalize("NFKC", text).strip(), text, RANGE_HINT)
    return _time_range(start, end, text, RANGE_HINT)


def parse_days(spec: str) -> tuple[int, ...]:
    """Weekdays of a list-form spec: `mon-fri`, `sat`, `mon,wed,fri`, `daily`, `weekdays`."""
    cleaned = unicodedata.normalize("NFKC", spec).strip().lower()
    if not cleaned:
        raise ValueProblem("星期为空", DAYS_HINT)
    if re.search(r"[\u4e00-\u9fff]", cleaned):
        return _parse_day_text(cleaned, DAYS_HINT)[0]
    if cleaned in _DAY_ALIASES:
        return _DAY_ALIASES[cleaned]
    days: set[int] = set()
    for item in re.split(r"\s*,\s*", cleaned):
        match = re.fullmatch(r"([a-z]+)(?:\s*-\s*([a-z]+))?", item)
        if match is None or not {match[1], match[2] or match[1]} <= set(_DAY_CODES):
            raise ValueProblem(f"无法识别的星期 “{spec}”", DAYS_HINT)
        first, last = _DAY_CODES.index(match[1]), _DAY_CODES.index(match[2] or match[1])
        if last < first:
            raise ValueProblem(f"星期范围 “{item}” 应从前往后写", DAYS_HINT)
        days.update(range(first, last + 1))
    return tuple(sorted(days))


def parse_hours_text(text: str) -> Hours:
    """Parse hours as an editor writes them, e.g. `周一至周五 8:30-12:00，14:30-17:30`."""
    note_match = _NOTE.fullmatch(text.strip())
    body = note_match[1] if note_match else text
    note = (note_match[2].strip() or None) if note_match else None
    if re.search(r"[（()）]", body):
        raise ValueProblem(f"开放时间 “{text.strip()}” 的括号说明只能写在最后", HINT)
    groups = [g.strip() for g in re.split(r"[;；\n。]+", body) if g.strip()]
    if not groups:
        raise ValueProblem("开放时间为空", HINT)
    parsed = [_parse_group(group, alone=len(groups) == 1) for group in groups]
    return _build_hours(parsed, note)


def hours_from_rules(
    rules: Sequence[tuple[tuple[int, ...], TimeRange]], *, note: str | None = None
) -> Hours:
    """Hours from the YAML list form; ranges for identical day sets are merged in order."""
    if not rules:
        raise ValueProblem("开放时间为空", HINT)
    groups = []
    for days, time_range in rules:
        unique = tuple(sorted(set(days)))
        if not unique or not set(unique) <= set(_WEEK):
            raise ValueError(f"days must be a non-empty subset of 0..6, got {days}")
        groups.append((unique, _label(unique), (time_range,)))
    return _build_hours(groups, note)


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _range_bounds(cleaned: str, written: str, hint: str) -> tuple[int, int]:
    match = _RANGE.fullmatch(cleaned)
    if match is None:
        raise ValueProblem(f"无法识别的时间段 “{written}”", hint)
    try:
        return parse_clock(match[1]), parse_clock(match[2])
    except ValueProblem as problem:
        raise ValueProblem(problem.message, hint) from None


def _time_range(start: int, end: int, written: str, hint: str) -> TimeRange:
    if end <= start:
        raise ValueProblem(f"时间段 “{written}” 的结束时间须晚于开始时间", hint)
    return TimeRange(start, end)


def _parse_group(group: str, *, alone: bool) -> _Group:
    """One `days times` group; the day part may be left out only when the group is alone."""
    _reject_holidays(group)
    match = _GROUP.fullmatch(unicodedata.normalize("NFKC", group))
    if match is None:
        try:
            _parse_day_text(group, HINT)
        except ValueProblem:
            raise ValueProblem(f"无法识别的开放时间 “{group}”", HINT) from None
        raise ValueProblem(f"“{group}” 缺少时间段", HINT)
    day_text = match[1].strip()
    if day_text:
        days, label = _parse_day_text(day_text, HINT)
    elif alone:
        days, label = _WEEK, _label(_WEEK)
    else:
        raise ValueProblem(f"“{group}” 缺少星期，有多段时请每段都写星期", HINT)
    return days, label, _parse_times(match[2])


def _parse_times(times: str) -> tuple[TimeRange, ...]:
    """`8:30-12:00，14:30-17:30`, `上午8:30-12:00 下午2:30-5:30` or `24小时`."""
    if re.fullmatch(r"24\s*小时", times.strip()):
        return (TimeRange(0, _DAY),)
    tight = re.sub(r"(上午|中午|下午|晚上)\s*", r"\1", re.sub(rf"\s*{_DASH}\s*", "-", times))
    ranges = []
    for token in filter(None, re.split(r"[,、\s]+", tight)):
        period = re.match(r"上午|中午|下午|晚上", token)
        written = token[period.end() :] if period else token
        start, end = _range_bounds(written, token, HINT)
        if period and period[0] in _AFTERNOON:
            # 下午2:30 means 14:30; the display text is always on the 24-hour clock.
            start, end = _afternoon(start), _afternoon(end)
        ranges.append(_time_range(start, end, token, HINT))
    return tuple(ranges)


def _afternoon(minutes: int) -> int:
    return minutes + 720 if minutes < 720 else minutes


def _parse_day_text(text: str, hint: str) -> tuple[tuple[int, ...], str]:
    """Weekdays and display label of 周一至周五, 周六、周日, 星期一到星期五, 每天, 工作日 …"""
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if cleaned in _DAY_WORDS:
        days = _DAY_WORDS[cleaned]
        # 工作日 follows the official calendar (调休), so keep the editor's word for it.
        return days, ("工作日" if cleaned == "工作日" else _label(days))
    _reject_holidays(cleaned)
    found: set[int] = set()
    position = 0
    while position < len(cleaned):
        item = _DAY_ITEM.match(cleaned, position)
        if item is None:
            raise ValueProblem(f"无法识别的星期 “{text}”", hint)
        first = _DAY_CHARS.index(item[1].replace("天", "日"))
        last = _DAY_CHARS.index((item[2] or item[1]).replace("天", "日"))
        if last < first:
            raise ValueProblem(f"星期范围 “{item[0]}” 应从前往后写，如 周一至周五", hint)
        found.update(range(first, last + 1))
        position = item.end()
        if position < len(cleaned) and cleaned[position] in "、,和及/":
            position += 1
    days = tuple(sorted(found))
    return days, _label(days)


def _reject_holidays(text: str) -> None:
    """节假日 are not weekdays: the weekly rules cannot say when they fall."""
    if "假" in text or "节" in text:
        raise ValueProblem(f"“{text}” 中的节假日不是星期几，无法换算成每周的开放时间", HOLIDAY_HINT)


def _label(days: tuple[int, ...]) -> str:
    """每天, or runs of days: 周一至周五, 周六、周日, 周一、周三至周五."""
    if days == _WEEK:
        return "每天"
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        names = [f"周{_DAY_CHARS[d]}" for d in run]
        parts.append(f"{names[0]}至{names[-1]}" if len(run) >= 3 else "、".join(names))
    return "、".join(parts)


def _build_hours(groups: Sequence[_Group], note: str | None) -> Hours:
    merged: dict[tuple[int, ...], tuple[str, list[TimeRange]]] = {}
    for days, label, ranges in groups:
        merged.setdefault(days, (label, []))[1].extend(ranges)
    rules = tuple(
        DayRule(days, tuple(sorted(ranges)), label) for days, (label, ranges) in merged.items()
    )
    for weekday in _WEEK:
        on_day = sorted(r for rule in rules if weekday in rule.days for r in rule.ranges)
        for earlier, later in pairwise(on_day):
            if later.start < earlier.end:
                raise ValueProblem(
                    f"周{_DAY_CHARS[weekday]}的时间段 {earlier} 与 {later} 重叠", HINT
                )
    text = "；".join(f"{rule.label} {_times_text(rule.ranges)}" for rule in rules)
    return Hours(rules, note, text + (f"（{note}）" if note else ""))


def _times_text(ranges: tuple[TimeRange, ...]) -> str:
    if ranges == (TimeRange(0, _DAY),):
        return "24小时"
    return "，".join(str(r) for r in ranges)
