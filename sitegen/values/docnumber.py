"""Parse a 发文字号 (document number) and normalise the brackets around its year to 〔〕."""

import re
import unicodedata
from dataclasses import dataclass

from sitegen.values.errors import ValueProblem

HINT = "如 鄂发〔2013〕22号"

# After NFKC, ［］ and （） are ASCII and ﹝﹞ are already 〔〕 (GB/T 9704-2012 7.2.4).
_OPEN = "[【(〔〖"
_CLOSE = "]】)〕〗"
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_FORM = re.compile(
    rf"(?P<issuer>[{_CJK}]+)[{re.escape(_OPEN)}](?P<year>[0-9]{{4}})[{re.escape(_CLOSE)}]"
    r"(?P<serial>[0-9]+)号"
)
_BRACKETED = re.compile(rf"[{re.escape(_OPEN)}]([0-9]*)[{re.escape(_CLOSE)}]")


@dataclass(frozen=True, slots=True)
class DocNumber:
    """A normalised 发文字号; ``changed`` says it differs from what was written (caller warns)."""

    text: str
    changed: bool


def parse_doc_number(text: str) -> DocNumber:
    """Parse `鄂发〔2013〕22号`, accepting [] 【】 () （） ［］ ﹝﹞ and spaces around the year."""
    stripped = text.strip()
    if not stripped:
        raise ValueProblem("发文字号为空", HINT)
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", stripped))
    match = _FORM.fullmatch(compact)
    if match is None:
        raise ValueProblem(_diagnose(text, compact), HINT)
    normalised = f"{match['issuer']}〔{match['year']}〕{match['serial']}号"
    return DocNumber(normalised, changed=normalised != stripped)


def _diagnose(text: str, compact: str) -> str:
    """The most specific thing wrong with a number that does not fit the form."""
    year = _BRACKETED.search(compact)
    if year is None:
        return f"发文字号 “{text}” 缺少括在〔〕里的年份"
    if len(year[1]) != 4:
        return f"发文字号 “{text}” 的年份要写全 4 位"
    if year.start() == 0:
        return f"发文字号 “{text}” 缺少发文机关代字"
    if not compact.endswith("号"):
        return f"发文字号 “{text}” 缺少“号”字"
    if "第" in compact[year.end() :]:
        # GB/T 9704-2012 7.2.4: 发文顺序号不加“第”字.
        return f"发文字号 “{text}” 的序号前不加“第”字"
    return f"无法识别的发文字号 “{text}”"
