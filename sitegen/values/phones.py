"""Parse a phone number as an editor writes it into a Phone with a display form and a tel: URI."""

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from sitegen.values.errors import ValueProblem

PhoneKind = Literal["landline", "mobile", "service", "toll-free"]

HINT = (
    "固定电话请写区号，如 027-87654321 或 0713-4321234，分机写 027-87654321 转 123；"
    "手机写 11 位数字，如 138 0013 8000；服务热线如 12345；400/800 电话如 400-810-8888"
)

_EMERGENCY = frozenset({"110", "119", "120", "122"})
# NFKC already turns full-width digits, "－", "（）" and the ideographic space into ASCII;
# these dashes have no compatibility mapping and are what Chinese IMEs produce.
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−", "-"))
_WORD_EXTENSION = re.compile(r"(.+?) ?(?:转|分机|ext\.?) ?([0-9]{1,6})", re.IGNORECASE)
_HYPHEN_EXTENSION = re.compile(r"(.*[0-9]{7,8})-([0-9]{1,6})")
_PAREN_AREA = re.compile(r"\(([0-9]+)\)[ -]?(.*)")
_DIGIT_GROUPS = re.compile(r"[0-9]+(?:[ -][0-9]+)*")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_SERVICE = re.compile(r"1[0-9]{4}")
_TOLL_FREE = re.compile(r"[48]00[0-9]{7}")


@dataclass(frozen=True, slots=True)
class Phone:
    """A dialable phone number; ``display`` and ``tel`` are derived from what was written."""

    raw: str
    kind: PhoneKind
    display: str
    tel: str
    extension: str | None


def parse_phone(text: str) -> Phone:
    """Parse a landline, mobile, service or 400/800 number; raise ValueProblem otherwise."""
    cleaned = _normalise(text)
    if not cleaned:
        raise ValueProblem("电话号码为空", HINT)
    main, extension = _split_extension(cleaned)
    groups = _digit_groups(main)
    if groups is None:
        raise ValueProblem(f"无法识别的电话号码 “{text}”", HINT)
    digits = "".join(groups)
    if extension is None and (digits in _EMERGENCY or _SERVICE.fullmatch(digits)):
        return Phone(text, "service", digits, f"tel:{digits}", None)
    if extension is None and _MOBILE.fullmatch(digits):
        grouped = (digits[:3], digits[3:7], digits[7:])
        return Phone(text, "mobile", " ".join(grouped), "tel:+86-" + "-".join(grouped), None)
    if _TOLL_FREE.fullmatch(digits):
        number = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
        return _with_extension(text, "toll-free", number, f"tel:{number}", extension)
    if digits.startswith("0"):
        area, subscriber = _landline_parts(text, groups, digits)
        tel = f"tel:+86-{area[1:]}-{subscriber}"
        return _with_extension(text, "landline", f"{area}-{subscriber}", tel, extension)
    if extension is not None:
        raise ValueProblem(f"分机号只能写在固定电话或 400/800 电话之后：“{text}”", HINT)
    if digits.startswith("1") and 10 <= len(digits) <= 12 and digits[1] in "3456789":
        raise ValueProblem(f"手机号码 “{text}” 应为 11 位数字，实际 {len(digits)} 位", HINT)
    if 7 <= len(digits) <= 8:
        raise ValueProblem(f"电话号码 “{text}” 缺少区号", HINT)
    raise ValueProblem(f"无法识别的电话号码 “{text}”", HINT)


def _normalise(text: str) -> str:
    """Fold full-width characters and dashes, tighten spaces around hyphens."""
    folded = unicodedata.normalize("NFKC", text).translate(_DASHES).strip()
    return re.sub(r"\s+", " ", re.sub(r"\s*-\s*", "-", folded))


def _split_extension(cleaned: str) -> tuple[str, str | None]:
    """Split off an extension written `转123`, `分机123`, `ext 123` or `-123`."""
    word = _WORD_EXTENSION.fullmatch(cleaned)
    if word is not None:
        return word[1], word[2]
    # `-123` is an extension only when what precedes it is already a whole landline,
    # written with its subscriber number in one piece (`027-8765-4321` is not `转4321`).
    hyphen = _HYPHEN_EXTENSION.fullmatch(cleaned)
    if hyphen is not None:
        groups = _digit_groups(hyphen[1])
        digits = "".join(groups or [])
        area = _area_code(digits)
        if groups and area and 7 <= len(digits) - len(area) <= 8:
            return hyphen[1], hyphen[2]
    return cleaned, None


def _digit_groups(main: str) -> list[str] | None:
    """The digit groups of `(027)87654321`, `027-8765 4321` …; None if anything else is there."""
    paren = _PAREN_AREA.fullmatch(main)
    head, rest = ([paren[1]], paren[2]) if paren else ([], main)
    if not _DIGIT_GROUPS.fullmatch(rest):
        return None
    return head + re.split(r"[ -]", rest)


def _area_code(digits: str) -> str | None:
    """010 and 02X are three digits; 03xx–09xx are four."""
    if re.match(r"0(?:10|2[0-9])", digits):
        return digits[:3]
    if re.match(r"0[3-9][0-9]{2}", digits):
        return digits[:4]
    return None


def _landline_parts(text: str, groups: list[str], digits: str) -> tuple[str, str]:
    area = _area_code(digits)
    if area is None:
        raise ValueProblem(f"电话号码 “{text}” 的区号 {digits[:4]} 不存在", HINT)
    subscriber = digits[len(area) :]
    if not 7 <= len(subscriber) <= 8:
        found = len(subscriber)
        raise ValueProblem(
            f"固定电话 “{text}” 位数不对：区号 {area} 后应为 7 或 8 位，实际 {found} 位", HINT
        )
    if len(groups) > 1 and groups[0] != area:
        # `0271-7654321` is most likely a typo; do not guess where the area code ends.
        raise ValueProblem(
            f"电话号码 “{text}” 的分组不对：区号是 {area}，应写成 {area}-{subscriber}", HINT
        )
    return area, subscriber


def _with_extension(
    text: str, kind: PhoneKind, number: str, tel: str, extension: str | None
) -> Phone:
    if extension is None:
        return Phone(text, kind, number, tel, None)
    return Phone(text, kind, f"{number} 转 {extension}", f"{tel};ext={extension}", extension)
