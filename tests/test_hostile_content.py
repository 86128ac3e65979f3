"""Script in any field or body never reaches the output as markup."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from tests.sites import BASELINE, build, write_site

PAYLOAD = '<script>alert(1)</script><img src=x onerror=alert(1)>{{ 7*7 }}{% raw %}'
YAML_PAYLOAD = "'" + PAYLOAD.replace("'", "''") + "'"

# Text fields of the baseline, by file: each gets the payload as its value.
TEXT_FIELDS = {
    "content/site.yaml": [
        "title: 示例厅政务公开", "  name: 示例厅", "  address: 武汉市武昌区示例路1号", "  sponsor: 示例厅",
    ],
    "content/departments/office.yaml": ["name: 办公室", "  - 负责机关日常运转。", "location: 示例路1号3楼301室"],
    "content/procedures/id-card.md": [
        "title: 居民身份证申领", "category: 行政确认", "  - 《中华人民共和国居民身份证法》",
        "  - 年满十六周岁的中国公民", "  - name: 户口簿", "  - 受理", "fee: 不收费", "location: 政务服务大厅A区",
    ],
    "content/halls/main-hall.yaml": ["name: 政务服务大厅", "    name: 综合受理"],
    "content/leaders/zhang-san.yaml": ["name: 张三", "position: 厅长", "portfolio: 主持全面工作"],
    "content/receptions/2026.yaml": ["  location: 信访接待室"],
    "content/policies/notice-2026.md": ["title: 关于做好政务公开工作的通知", "issuer: 示例厅"],
    "content/notices/duty.md": ["title: 假期值班安排"],
    "content/pages/guide.md": ["title: 政府信息公开指南"],
}


def _inject(line: str) -> str:
    if line.lstrip().startswith("- ") and ": " not in line:
        return line[: line.index("- ") + 2] + YAML_PAYLOAD
    key, _, _ = line.partition(": ")
    return f"{key}: {YAML_PAYLOAD}"


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.data_blocks: list[str] = []  # JSON-LD: the payload may be there, as JSON text
        self._in_script = False
        self._in_data = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_data = tag == "script" and dict(attrs).get("type") == "application/ld+json"
        self._in_script = tag == "script" and not self._in_data
        self.handlers += [f"{tag} {name}" for name, _ in attrs if name.startswith("on")]
        self.handlers += [
            f"{tag} {name}={value}" for name, value in attrs
            if name in ("href", "src") and value and value.strip().lower().startswith(("javascript:", "data:"))
        ]

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert" in data:
            self.scripts.append(data)
        if self._in_data:
            self.data_blocks.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_data = False


def test_payload_in_every_field_and_body_stays_text(tmp_path: Path) -> None:
    files: dict[str, str] = {}
    for rel, lines in TEXT_FIELDS.items():
        text = BASELINE[rel]
        for line in lines:
            assert line in text, line
            text = text.replace(line, _inject(line), 1)
        files[rel] = text
    for rel in ("content/procedures/id-card.md", "content/policies/notice-2026.md", "content/notices/duty.md",
                "content/pages/guide.md"):
        files[rel] = files[rel] + f"\n{PAYLOAD}\n\n[点我](javascript:alert(1))\n"
    site = write_site(tmp_path, files)

    result = build(site)
    # the javascript: links are refused with an error at their line: the build must say so
    assert result.code == 1
    assert "不允许的链接" in result.stderr
    for rel in files:
        if rel.endswith(".md"):
            files[rel] = files[rel].replace("[点我](javascript:alert(1))", "")
    write_site(site, files)
    result = build(site)
    assert result.code == 0, result.stderr

    pages = sorted((site / "output").rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        parser = _Markup()
        parser.feed(text)
        assert parser.scripts == [], page
        for block in parser.data_blocks:  # never executed; no "<" can end the element early
            assert "<" not in block and json.loads(block), page
        assert parser.handlers == [], page
        assert "alert(1)&gt;49" not in text, f"template syntax was evaluated in {page}"
    home = (site / "output/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in home
    assert "{{ 7*7 }}" in home
    for other in ("sitemap.xml", "robots.txt"):
        assert "<script" not in (site / "output" / other).read_text(encoding="utf-8")


def test_url_fields_accept_only_http(tmp_path: Path) -> None:
    procedure = BASELINE["content/procedures/id-card.md"].replace(
        "hall: main-hall", "hall: main-hall\nonline_url: javascript:alert(1)"
    )
    site = write_site(tmp_path, {"content/procedures/id-card.md": procedure})
    result = build(site)
    assert result.code == 1
    assert "content/procedures/id-card.md:27:13: error: online_url 不是有效的网址" in result.stderr
