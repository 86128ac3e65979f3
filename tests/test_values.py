"""Tests for the scalar value parsers: phones, hours, 发文字号 and dates."""

import contextlib
import datetime
import pickle
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.values.dates import parse_date, parse_year_or_date
from sitegen.values.docnumber import DocNumber, parse_doc_number
from sitegen.values.errors import ValueProblem
from sitegen.values.hours import (
    DayRule,
    Hours,
    TimeRange,
    hours_from_rules,
    parse_clock,
    parse_days,
    parse_hours_text,
    parse_time_range,
)
from sitegen.values.phones import Phone, parse_phone

DAY_NAMES = "一二三四五六日"


def problem_of(parse: object, text: str) -> ValueProblem:
    """The ValueProblem that parsing `text` raises; the hint must never be empty."""
    assert callable(parse)
    with pytest.raises(ValueProblem) as caught:
        parse(text)
    assert caught.value.hint.strip()
    return caught.value


# --- errors -----------------------------------------------------------------------------


def test_value_problem_carries_message_and_hint() -> None:
    problem = ValueProblem("无法识别的电话号码 “12-34”", "如 027-87654321")
    assert (problem.message, problem.hint) == ("无法识别的电话号码 “12-34”", "如 027-87654321")
    assert str(problem) == "无法识别的电话号码 “12-34”（如 027-87654321）"


def test_value_problem_survives_pickle_and_context_managers() -> None:
    copy = pickle.loads(pickle.dumps(ValueProblem("坏", "好")))
    assert (copy.message, copy.hint) == ("坏", "好")

    @contextlib.contextmanager
    def passthrough() -> Iterator[None]:
        yield

    # contextlib assigns __traceback__, which a frozen dataclass exception would refuse.
    with pytest.raises(ValueProblem, match="坏"), passthrough():
        raise ValueProblem("坏", "好")


# --- phones -----------------------------------------------------------------------------

LANDLINE = ("landline", "027-87654321", "tel:+86-27-87654321", None)
WITH_EXTENSION = ("landline", "027-87654321 转 123", "tel:+86-27-87654321;ext=123", "123")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("027-87654321", LANDLINE),
        ("02787654321", LANDLINE),
        ("(027)87654321", LANDLINE),
        ("（027）87654321", LANDLINE),
        ("(027) 8765-4321", LANDLINE),
        ("027 8765 4321", LANDLINE),
        ("027-8765-4321", LANDLINE),
        ("027－87654321", LANDLINE),
        ("027—87654321", LANDLINE),
        ("０２７－８７６５４３２１", LANDLINE),
        ("  027-87654321  ", LANDLINE),
        ("010-12345678", ("landline", "010-12345678", "tel:+86-10-12345678", None)),
        ("0713-4321234", ("landline", "0713-4321234", "tel:+86-713-4321234", None)),
        ("07134321234", ("landline", "0713-4321234", "tel:+86-713-4321234", None)),
        ("027-87654321转123", WITH_EXTENSION),
        ("027-87654321 转 123", WITH_EXTENSION),
        ("027-87654321-123", WITH_EXTENSION),
        ("02787654321-123", WITH_EXTENSION),
        ("027-87654321 ext 123", WITH_EXTENSION),
        ("027-87654321 EXT.123", WITH_EXTENSION),
        ("027-87654321分机123", WITH_EXTENSION),
        (
            "0713-4321234-5",
            ("landline", "0713-4321234 转 5", "tel:+86-713-4321234;ext=5", "5"),
        ),
        ("13800138000", ("mobile", "138 0013 8000", "tel:+86-138-0013-8000", None)),
        ("138 0013 8000", ("mobile", "138 0013 8000", "tel:+86-138-0013-8000", None)),
        ("138-0013-8000", ("mobile", "138 0013 8000", "tel:+86-138-0013-8000", None)),
        ("19912345678", ("mobile", "199 1234 5678", "tel:+86-199-1234-5678", None)),
        ("12345", ("service", "12345", "tel:12345", None)),
        ("12315", ("service", "12315", "tel:12315", None)),
        ("12388", ("service", "12388", "tel:12388", None)),
        ("12333", ("service", "12333", "tel:12333", None)),
        ("110", ("service", "110", "tel:110", None)),
        ("119", ("service", "119", "tel:119", None)),
        ("120", ("service", "120", "tel:120", None)),
        ("122", ("service", "122", "tel:122", None)),
        ("400-810-8888", ("toll-free", "400-810-8888", "tel:400-810-8888", None)),
        ("4008108888", ("toll-free", "400-810-8888", "tel:400-810-8888", None)),
        ("800-810-8888", ("toll-free", "800-810-8888", "tel:800-810-8888", None)),
        (
            "400-810-8888 转 2",
            ("toll-free", "400-810-8888 转 2", "tel:400-810-8888;ext=2", "2"),
        ),
    ],
)
def test_parse_phone_accepts(text: str, expected: tuple[str, str, str, str | None]) -> None:
    phone = parse_phone(text)
    assert phone == Phone(text, *expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "电话号码为空"),
        ("   ", "电话号码为空"),
        ("12-34", "无法识别的电话号码 “12-34”"),
        ("abc", "无法识别的电话号码 “abc”"),
        ("027-8765432a", "无法识别的电话号码 “027-8765432a”"),
        ("+86 27 87654321", "无法识别的电话号码 “+86 27 87654321”"),
        ("1234", "无法识别的电话号码 “1234”"),
        ("123456", "无法识别的电话号码 “123456”"),
        ("87654321", "电话号码 “87654321” 缺少区号"),
        ("4321234", "电话号码 “4321234” 缺少区号"),
        ("027-876543", "固定电话 “027-876543” 位数不对：区号 027 后应为 7 或 8 位，实际 6 位"),
        ("027876543210", "固定电话 “027876543210” 位数不对：区号 027 后应为 7 或 8 位，实际 9 位"),
        ("0713-123456789", "实际 9 位"),
        ("0113-1234567", "电话号码 “0113-1234567” 的区号 0113 不存在"),
        ("0027-87654321", "区号 0027 不存在"),
        ("0271-7654321", "电话号码 “0271-7654321” 的分组不对：区号是 027，应写成 027-17654321"),
        # `-7` is no extension: 027123456 alone is not a whole number.
        ("027123456-7", "电话号码 “027123456-7” 的分组不对：区号是 027，应写成 027-1234567"),
        ("1380013800", "手机号码 “1380013800” 应为 11 位数字，实际 10 位"),
        ("138001380001", "手机号码 “138001380001” 应为 11 位数字，实际 12 位"),
        ("13800138000转1", "分机号只能写在固定电话或 400/800 电话之后：“13800138000转1”"),
        ("12345转1", "分机号只能写在固定电话或 400/800 电话之后"),
        ("400-810-888", "无法识别的电话号码 “400-810-888”"),
    ],
)
def test_parse_phone_rejects(text: str, message: str) -> None:
    problem = problem_of(parse_phone, text)
    assert message in problem.message
    assert "027-87654321" in problem.hint and "12345" in problem.hint


def test_phone_keeps_raw_text_as_written() -> None:
    assert parse_phone(" (027)8765-4321 ").raw == " (027)8765-4321 "


area_codes = st.one_of(
    st.just("010"),
    st.integers(0, 9).map(lambda d: f"02{d}"),
    st.integers(300, 999).map(lambda n: f"0{n}"),
)
subscribers = st.text("0123456789", min_size=7, max_size=8)
extensions = st.none() | st.text("0123456789", min_size=1, max_size=6)


@given(area_codes, subscribers, extensions, st.integers(0, 4))
def test_every_landline_round_trips_through_its_display(
    area: str, subscriber: str, extension: str | None, style: int
) -> None:
    written = [
        f"{area}-{subscriber}",
        f"{area}{subscriber}",
        f"({area}){subscriber}",
        f"{area} {subscriber[:4]} {subscriber[4:]}",
        f"（{area}）{subscriber}",
    ][style]
    if extension is not None:
        written += f"转{extension}"
    phone = parse_phone(written)
    assert phone.kind == "landline"
    assert phone.extension == extension
    assert phone.tel.startswith(f"tel:+86-{area[1:]}-{subscriber}")
    assert parse_phone(phone.display).tel == phone.tel


@given(st.text("0123456789", min_size=9, max_size=9), st.sampled_from("3456789"))
def test_every_mobile_round_trips_through_its_display(rest: str, second: str) -> None:
    phone = parse_phone(f"1{second}{rest}")
    assert phone.kind == "mobile"
    assert parse_phone(phone.display) == Phone(
        phone.display, "mobile", phone.display, phone.tel, None
    )


# --- hours: clocks, ranges, days ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("8:30", 510),
        ("08:30", 510),
        ("8：30", 510),
        ("０８：３０", 510),
        ("0:00", 0),
        ("24:00", 1440),
    ],
)
def test_parse_clock(text: str, minutes: int) -> None:
    assert parse_clock(text) == minutes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25:00", "时间 “25:00” 超出范围，最晚为 24:00"),
        ("24:30", "时间 “24:30” 超出范围，最晚为 24:00"),
        ("8:61", "时间 “8:61” 的分钟应在 00–59 之间"),
        ("830", "无法识别的时间 “830”"),
        ("8点半", "无法识别的时间 “8点半”"),
        ("", "无法识别的时间 “”"),
    ],
)
def test_parse_clock_rejects(text: str, message: str) -> None:
    problem = problem_of(parse_clock, text)
    assert problem.message == message
    assert "8:30" in problem.hint


@pytest.mark.parametrize(
    "text",
    ["9:00-11:30", "9:00—11:30", "9:00–11:30", "9:00~11:30", "9:00～11:30", "9:00至11:30",
     "9:00－11:30", "09:00 - 11:30", "9：00到11：30"],
)  # fmt: skip
def test_parse_time_range(text: str) -> None:
    time_range = parse_time_range(text)
    assert time_range == TimeRange(540, 690)
    assert str(time_range) == "9:00-11:30"


def test_time_range_display_pads_minutes_and_allows_midnight_end() -> None:
    assert str(TimeRange(0, 1440)) == "0:00-24:00"
    assert str(TimeRange(605, 1085)) == "10:05-18:05"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("11:30-9:00", "时间段 “11:30-9:00” 的结束时间须晚于开始时间"),
        ("9:00-9:00", "时间段 “9:00-9:00” 的结束时间须晚于开始时间"),
        ("9:00", "无法识别的时间段 “9:00”"),
        ("9:00-25:00", "时间 “25:00” 超出范围，最晚为 24:00"),
        ("8:61-9:00", "时间 “8:61” 的分钟应在 00–59 之间"),
    ],
)
def test_parse_time_range_rejects(text: str, message: str) -> None:
    problem = problem_of(parse_time_range, text)
    assert problem.message == message
    assert "9:00-11:30" in problem.hint


def test_time_range_constructor_refuses_an_end_before_its_start() -> None:
    with pytest.raises(ValueProblem, match="结束时间须晚于开始时间"):
        TimeRange(720, 510)


@pytest.mark.parametrize(
    ("spec", "days"),
    [
        ("mon-fri", (0, 1, 2, 3, 4)),
        ("Mon - Fri", (0, 1, 2, 3, 4)),
        ("sat", (5,)),
        ("sat-sun", (5, 6)),
        ("mon,wed,fri", (0, 2, 4)),
        ("mon, wed-fri", (0, 2, 3, 4)),
        ("fri,mon", (0, 4)),
        ("daily", (0, 1, 2, 3, 4, 5, 6)),
        ("weekdays", (0, 1, 2, 3, 4)),
        ("weekends", (5, 6)),
        ("周一至周五", (0, 1, 2, 3, 4)),
    ],
)
def test_parse_days(spec: str, days: tuple[int, ...]) -> None:
    assert parse_days(spec) == days


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "星期为空"),
        ("xyz", "无法识别的星期 “xyz”"),
        ("monday", "无法识别的星期 “monday”"),
        ("mon,,fri", "无法识别的星期 “mon,,fri”"),
        ("fri-mon", "星期范围 “fri-mon” 应从前往后写"),
    ],
)
def test_parse_days_rejects(spec: str, message: str) -> None:
    problem = problem_of(parse_days, spec)
    assert problem.message == message
    assert "mon-fri" in problem.hint


# --- hours: text form -------------------------------------------------------------------

WEEKDAYS = (0, 1, 2, 3, 4)
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
MORNING, AFTERNOON = TimeRange(510, 720), TimeRange(870, 1050)


@pytest.mark.parametrize(
    ("text", "rules", "note", "display"),
    [
        (
            "周一至周五 8:30-12:00，14:30-17:30",
            [DayRule(WEEKDAYS, (MORNING, AFTERNOON), "周一至周五")],
            None,
            "周一至周五 8:30-12:00，14:30-17:30",
        ),
        (
            "周一至周五 8:30-12:00 14:30-17:30；周六 9:00-12:00",
            [
                DayRule(WEEKDAYS, (MORNING, AFTERNOON), "周一至周五"),
                DayRule((5,), (TimeRange(540, 720),), "周六"),
            ],
            None,
            "周一至周五 8:30-12:00，14:30-17:30；周六 9:00-12:00",
        ),
        (
            "工作日 9:00-17:00（法定节假日除外）",
            [DayRule(WEEKDAYS, (TimeRange(540, 1020),), "工作日")],
            "法定节假日除外",
            "工作日 9:00-17:00（法定节假日除外）",
        ),
        (
            "每天 24小时",
            [DayRule(EVERY_DAY, (TimeRange(0, 1440),), "每天")],
            None,
            "每天 24小时",
        ),
        (
            "周六、周日 9:00至12:00",
            [DayRule((5, 6), (TimeRange(540, 720),), "周六、周日")],
            None,
            "周六、周日 9:00-12:00",
        ),
        (
            "周一到周日 8:30~17:30",
            [DayRule(EVERY_DAY, (TimeRange(510, 1050),), "每天")],
            None,
            "每天 8:30-17:30",
        ),
        (
            "星期一至星期五 8:30—12:00\n星期六 9:00－12:00 (预约办理)",
            [
                DayRule(WEEKDAYS, (MORNING,), "周一至周五"),
                DayRule((5,), (TimeRange(540, 720),), "周六"),
            ],
            "预约办理",
            "周一至周五 8:30-12:00；周六 9:00-12:00（预约办理）",
        ),
        (
            "周一至五：上午8:30-12:00，下午2:30-5:30",
            [DayRule(WEEKDAYS, (MORNING, AFTERNOON), "周一至周五")],
            None,
            "周一至周五 8:30-12:00，14:30-17:30",
        ),
        (
            "8:30 - 17:30",
            [DayRule(EVERY_DAY, (TimeRange(510, 1050),), "每天")],
            None,
            "每天 8:30-17:30",
        ),
        (
            "每日 8:30-12:00、14:30-17:30。",
            [DayRule(EVERY_DAY, (MORNING, AFTERNOON), "每天")],
            None,
            "每天 8:30-12:00，14:30-17:30",
        ),
        (
            "周一、周三至周五 14:30-17:30,8:30-12:00；周日 9:00-12:00",
            [
                DayRule((0, 2, 3, 4), (MORNING, AFTERNOON), "周一、周三至周五"),
                DayRule((6,), (TimeRange(540, 720),), "周日"),
            ],
            None,
            "周一、周三至周五 8:30-12:00，14:30-17:30；周日 9:00-12:00",
        ),
        (
            "周天 9:00-12:00;星期日 14:30-17:30",
            [DayRule((6,), (TimeRange(540, 720), AFTERNOON), "周日")],
            None,
            "周日 9:00-12:00，14:30-17:30",
        ),
        (
            "周末 9:00-12:00",
            [DayRule((5, 6), (TimeRange(540, 720),), "周六、周日")],
            None,
            "周六、周日 9:00-12:00",
        ),
        (
            "周一至周五 8:30-12:00，12:00-17:30\r\n",
            [DayRule(WEEKDAYS, (MORNING, TimeRange(720, 1050)), "周一至周五")],
            None,
            "周一至周五 8:30-12:00，12:00-17:30",
        ),
    ],
)
def test_parse_hours_text(text: str, rules: list[DayRule], note: str | None, display: str) -> None:
    assert parse_hours_text(text) == Hours(tuple(rules), note, display)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "开放时间为空"),
        ("  \n ", "开放时间为空"),
        ("（法定节假日除外）", "开放时间为空"),
        ("abc", "无法识别的开放时间 “abc”"),
        ("周一至周五", "“周一至周五” 缺少时间段"),
        ("周一至周五 上午", "无法识别的开放时间 “周一至周五 上午”"),
        ("周一至周五 12:00-8:30", "时间段 “12:00-8:30” 的结束时间须晚于开始时间"),
        ("周一至周五 8:30-25:00", "时间 “25:00” 超出范围，最晚为 24:00"),
        ("周一至周五 8:61-12:00", "时间 “8:61” 的分钟应在 00–59 之间"),
        ("周一至周五 8:30", "无法识别的时间段 “8:30”"),
        ("周一至周五 8:30-12:00，11:00-14:00", "周一的时间段 8:30-12:00 与 11:00-14:00 重叠"),
        ("每天 9:00-17:00；周六 9:00-12:00", "周六的时间段 9:00-12:00 与 9:00-17:00 重叠"),
        ("每天 24小时，8:00-9:00", "无法识别的时间段 “24小时”"),
        ("周一至周五 8:30-12:00；9:00-12:00", "“9:00-12:00” 缺少星期，有多段时请每段都写星期"),
        ("周八 8:00-9:00", "无法识别的星期 “周八”"),
        ("周五至周一 8:00-9:00", "星期范围 “周五至周一” 应从前往后写，如 周一至周五"),
        ("周一 8:30-12:00 (节假日除外) 周六 9:00-10:00", "的括号说明只能写在最后"),
        (
            "周一 8:30-12:00（上午）（下午）",
            "开放时间 “周一 8:30-12:00（上午）（下午）” 的括号说明只能写在最后",
        ),
    ],
)
def test_parse_hours_text_rejects(text: str, message: str) -> None:
    problem = problem_of(parse_hours_text, text)
    assert problem.message.endswith(message)
    assert (
        problem.hint == "如 周一至周五 8:30-12:00，14:30-17:30；周六 9:00-12:00（法定节假日除外）"
    )


@pytest.mark.parametrize("text", ["节假日 9:00-12:00", "周一至周五 8:30-17:30；法定节假日休息"])
def test_holidays_are_not_weekdays(text: str) -> None:
    problem = problem_of(parse_hours_text, text)
    assert "不是星期几" in problem.message
    assert "（法定节假日除外）" in problem.hint


def test_hours_ranges_on_and_is_open_at() -> None:
    hours = parse_hours_text(
        "周一至周五 14:30-17:30，8:30-12:00；周一 12:00-12:30；周六 9:00-12:00"
    )
    assert hours.ranges_on(0) == (MORNING, TimeRange(720, 750), AFTERNOON)
    assert hours.ranges_on(5) == (TimeRange(540, 720),)
    assert hours.ranges_on(6) == ()
    assert hours.is_open_at(0, 510) and hours.is_open_at(0, 749)
    assert not hours.is_open_at(0, 750) and not hours.is_open_at(1, 720)
    assert not hours.is_open_at(6, 600)
    with pytest.raises(ValueError):
        hours.ranges_on(7)


_RANGES = st.lists(st.tuples(st.integers(0, 1439), st.integers(1, 240)), max_size=4).map(
    lambda spans: tuple(TimeRange(start, min(start + length, 1440)) for start, length in spans))


@given(_RANGES, st.integers(0, 1439), st.integers(1, 300))
def test_covers_agrees_with_every_minute(ranges: tuple[TimeRange, ...], start: int, length: int) -> None:
    """The audit asks `covers` for a whole span at once; it must mean “open at every minute of it”."""
    end = min(start + length, 1440)
    hours = Hours((DayRule((2,), ranges, ""),), None, "")
    assert hours.covers(2, start, end) == all(hours.is_open_at(2, minute) for minute in range(start, end))


def test_open_all_day_includes_the_last_minute() -> None:
    hours = parse_hours_text("每天 24小时")
    assert hours.is_open_at(6, 0) and hours.is_open_at(6, 1439)


# --- hours: list form -------------------------------------------------------------------


def test_hours_from_rules_merges_identical_day_sets_in_order() -> None:
    hours = hours_from_rules(
        [
            (parse_days("mon-fri"), TimeRange(870, 1050)),
            (parse_days("sat"), TimeRange(540, 720)),
            (parse_days("weekdays"), TimeRange(510, 720)),
        ],
        note="法定节假日除外",
    )
    assert hours == parse_hours_text(
        "周一至周五 8:30-12:00，14:30-17:30；周六 9:00-12:00（法定节假日除外）"
    )


def test_hours_from_rules_labels_and_rejects() -> None:
    hours = hours_from_rules([((4, 0, 2, 0), TimeRange(540, 600)), (EVERY_DAY[5:], MORNING)])
    assert hours.text == "周一、周三、周五 9:00-10:00；周六、周日 8:30-12:00"
    assert hours.rules[0].days == (0, 2, 4)
    assert problem_of(hours_from_rules, []).message == "开放时间为空"  # type: ignore[arg-type]
    overlapping = [((0,), MORNING), ((0, 1), TimeRange(600, 660))]
    assert "重叠" in problem_of(hours_from_rules, overlapping).message  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        hours_from_rules([((7,), MORNING)])


@st.composite
def weekly_hours(draw: st.DrawFn) -> tuple[str, dict[int, tuple[TimeRange, ...]]]:
    """An editor's text for random disjoint day groups, and the ranges expected per weekday."""
    owner = draw(st.lists(st.integers(-1, 2), min_size=7, max_size=7))
    groups = [tuple(d for d in range(7) if owner[d] == g) for g in range(3)]
    groups = [g for g in groups if g] or [EVERY_DAY]
    expected: dict[int, tuple[TimeRange, ...]] = {d: () for d in range(7)}
    parts = []
    for days in groups:
        bounds = sorted(draw(st.sets(st.integers(0, 1440), min_size=2, max_size=6)))
        ranges = tuple(TimeRange(a, b) for a, b in zip(bounds[::2], bounds[1::2], strict=False))
        for day in days:
            expected[day] = ranges
        dash = draw(st.sampled_from(["-", "—", "~", "～", "至", "－", " - "]))
        written = [f"{r.start // 60}:{r.start % 60:02d}{dash}{r.end // 60}:{r.end % 60:02d}"
                   for r in draw(st.permutations(ranges))]  # fmt: skip
        prefix = draw(st.sampled_from(["周", "星期"]))
        day_text = "、".join(prefix + DAY_NAMES[d] for d in days)
        parts.append(day_text + " " + draw(st.sampled_from(["，", "、", ",", " "])).join(written))
    text = draw(st.sampled_from(["；", ";", "\n"])).join(parts)
    return text + draw(st.sampled_from(["", "（法定节假日除外）", "(节假日另行通知)"])), expected


@given(weekly_hours())
def test_hours_text_round_trips(case: tuple[str, dict[int, tuple[TimeRange, ...]]]) -> None:
    text, expected = case
    hours = parse_hours_text(text)
    assert {day: hours.ranges_on(day) for day in range(7)} == expected
    assert parse_hours_text(hours.text) == hours
    rules = [(rule.days, r) for rule in hours.rules for r in rule.ranges]
    assert hours_from_rules(rules, note=hours.note) == hours


# --- 发文字号 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("鄂发〔2013〕22号", DocNumber("鄂发〔2013〕22号", changed=False)),
        ("鄂政办发〔2023〕5号", DocNumber("鄂政办发〔2023〕5号", changed=False)),
        ("国办发〔2019〕51号", DocNumber("国办发〔2019〕51号", changed=False)),
        (" 鄂发〔2013〕22号 ", DocNumber("鄂发〔2013〕22号", changed=False)),
        ("鄂发[2013]22号", DocNumber("鄂发〔2013〕22号", changed=True)),
        ("鄂发【2013】22号", DocNumber("鄂发〔2013〕22号", changed=True)),
        ("鄂发(2013)22号", DocNumber("鄂发〔2013〕22号", changed=True)),
        ("鄂发（2013）22号", DocNumber("鄂发〔2013〕22号", changed=True)),
        ("鄂发[ 2013 ]22号", DocNumber("鄂发〔2013〕22号", changed=True)),
        ("鄂发﹝2013﹞22号", DocNumber("鄂发〔2013〕22号", changed=True)),
        ("鄂发［2013］22号", DocNumber("鄂发〔2013〕22号", changed=True)),
        ("鄂发〔２０１３〕２２号", DocNumber("鄂发〔2013〕22号", changed=True)),
    ],
)
def test_parse_doc_number(text: str, expected: DocNumber) -> None:
    assert parse_doc_number(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "发文字号为空"),
        ("鄂发〔2013〕22", "发文字号 “鄂发〔2013〕22” 缺少“号”字"),
        ("鄂发22号", "发文字号 “鄂发22号” 缺少括在〔〕里的年份"),
        ("鄂发2013年22号", "发文字号 “鄂发2013年22号” 缺少括在〔〕里的年份"),
        ("鄂发〔13〕22号", "发文字号 “鄂发〔13〕22号” 的年份要写全 4 位"),
        ("鄂发〔〕22号", "发文字号 “鄂发〔〕22号” 的年份要写全 4 位"),
        ("〔2013〕22号", "发文字号 “〔2013〕22号” 缺少发文机关代字"),
        ("鄂发〔2013〕第22号", "发文字号 “鄂发〔2013〕第22号” 的序号前不加“第”字"),
        ("鄂发〔2013〕号", "无法识别的发文字号 “鄂发〔2013〕号”"),
        ("EF〔2013〕22号", "无法识别的发文字号 “EF〔2013〕22号”"),
    ],
)
def test_parse_doc_number_rejects(text: str, message: str) -> None:
    problem = problem_of(parse_doc_number, text)
    assert problem.message == message
    assert problem.hint == "如 鄂发〔2013〕22号"


# --- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-01-28", datetime.date(2026, 1, 28)), (" 2024-02-29 ", datetime.date(2024, 2, 29))],
)
def test_parse_date(text: str, expected: datetime.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("2026年1月28日", "日期要写成 年-月-日 的 ISO 格式：“2026年1月28日”", "请写成 2026-01-28"),
        ("2026/1/28", "日期要写成 年-月-日 的 ISO 格式：“2026/1/28”", "请写成 2026-01-28"),
        ("2026.1.28", "日期要写成 年-月-日 的 ISO 格式：“2026.1.28”", "请写成 2026-01-28"),
        ("2026-1-28", "日期要写成 年-月-日 的 ISO 格式：“2026-1-28”", "请写成 2026-01-28"),
        ("2026 年 12 月 3 日", "ISO 格式", "请写成 2026-12-03"),
        ("２０２６-０１-２８", "ISO 格式", "请写成 2026-01-28"),
        ("2026-02-30", "不存在的日期 “2026-02-30”", "2026 年 2 月只有 28 天，如 2026-02-28"),
        ("2024年2月30日", "不存在的日期 “2024年2月30日”", "2024 年 2 月只有 29 天，如 2024-02-29"),
        ("2026-13-01", "不存在的日期 “2026-13-01”", "月份为 01–12，如 2026-01-28"),
        ("", "日期为空", "如 2026-01-28"),
        ("下周一", "无法识别的日期 “下周一”", "如 2026-01-28"),
        ("2026-01-28T09:00", "无法识别的日期 “2026-01-28T09:00”", "如 2026-01-28"),
    ],
)
def test_parse_date_rejects(text: str, message: str, hint: str) -> None:
    problem = problem_of(parse_date, text)
    assert message in problem.message
    assert problem.hint == hint


@given(st.dates())
def test_every_iso_date_parses_back(date: datetime.date) -> None:
    assert parse_date(date.isoformat()) == date


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2023", 2023), (" 2019 ", 2019), ("2023-05-01", datetime.date(2023, 5, 1))],
)
def test_parse_year_or_date(text: str, expected: int | datetime.date) -> None:
    assert parse_year_or_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("2023年", "年份只写 4 位数字：“2023年”", "请写成 2023"),
        ("23", "无法识别的年份或日期 “23”", "如 2023 或 2026-01-28"),
        ("", "年份或日期为空", "如 2023 或 2026-01-28"),
        ("2023年5月1日", "ISO 格式", "请写成 2023-05-01"),
    ],
)
def test_parse_year_or_date_rejects(text: str, message: str, hint: str) -> None:
    problem = problem_of(parse_year_or_date, text)
    assert message in problem.message
    assert problem.hint == hint
