"""Parse ISO dates (and bare years) as editors write them, showing the ISO form of any other."""

import calendar
import datetime
import re
import unicodedata

from sitegen.values.errors import ValueProblem

# China has kept one offset, without daylight saving, since 1991: every date and time on a
# site is read and written at +08:00, whatever time zone database the machine has.
CHINA = datetime.timezone(datetime.timedelta(hours=8), "Asia/Shanghai")

HINT = "如 2026-01-28"
YEAR_OR_DATE_HINT = "如 2023 或 2026-01-28"

_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# 2026年1月28日, 2026/1/28, 2026.1.28, 2026-1-28: understood only to show their ISO form.
_LOOSE = re.compile(r"([0-9]{4})\s*[年/.-]\s*([0-9]{1,2})\s*[月/.-]\s*([0-9]{1,2})\s*日?")
_YEAR = re.compile(r"[0-9]{4}")
_LOOSE_YEAR = re.compile(r"([0-9]{4})\s*年?")


def parse_date(text: str) -> datetime.date:
    """An ISO date `2026-01-28`; every other form is a ValueProblem."""
    return _parse_date(text, "日期", HINT)


def parse_year_or_date(text: str) -> int | datetime.date:
    """A year `2023` where a field allows a year alone, otherwise an ISO date."""
    stripped = text.strip()
    if _YEAR.fullmatch(stripped):
        return int(stripped)
    loose_year = _LOOSE_YEAR.fullmatch(unicodedata.normalize("NFKC", stripped))
    if loose_year is not None:
        raise ValueProblem(f"年份只写 4 位数字：“{text}”", f"请写成 {loose_year[1]}")
    return _parse_date(text, "年份或日期", YEAR_OR_DATE_HINT)


def _parse_date(text: str, what: str, hint: str) -> datetime.date:
    stripped = text.strip()
    if not stripped:
        raise ValueProblem(f"{what}为空", hint)
    iso = _ISO.fullmatch(stripped)
    if iso is not None:
        return _make_date(text, int(iso[1]), int(iso[2]), int(iso[3]))
    loose = _LOOSE.fullmatch(unicodedata.normalize("NFKC", stripped))
    if loose is None:
        raise ValueProblem(f"无法识别的{what} “{text}”", hint)
    year, month, day = int(loose[1]), int(loose[2]), int(loose[3])
    _make_date(text, year, month, day)
    raise ValueProblem(
        f"日期要写成 年-月-日 的 ISO 格式：“{text}”", f"请写成 {year:04d}-{month:02d}-{day:02d}"
    )


def _make_date(text: str, year: int, month: int, day: int) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        if year >= 1 and 1 <= month <= 12:
            last = calendar.monthrange(year, month)[1]
            hint = f"{year} 年 {month} 月只有 {last} 天，如 {year:04d}-{month:02d}-{last:02d}"
        else:
            hint = f"月份为 01–12，{HINT}"
        raise ValueProblem(f"不存在的日期 “{text}”", hint) from None
