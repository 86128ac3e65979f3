"""The printed handouts the gate keeps (18 articles): one A4 card per department, and the
/directory/ handout, printed to PDF in headless Chromium over a real HTTP server.

A card is exactly one page, nothing on it is cut off (its last duty and every phone are in
the PDF's text), and its QR code — read back from the rendered page with zxing-cpp — is the
department's online page.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from sitegen.graph import Site, link
from sitegen.sources import load_sources
from sitegen.validate import validate
from tests.browser import requires_chromium
from tests.sites import BUILD_DATE, DEPARTMENT, build, write_site
from tests.static_server import chromium_browser, serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = requires_chromium

REPO = Path(__file__).resolve().parent.parent
BASE = "https://www.example.gov.cn/"
# The card's printable area: A4 less the 12 mm margins of its @page, in CSS pixels (96 per inch).
PRINTABLE = (round((210 - 24) / 25.4 * 96), round((297 - 24) / 25.4 * 96))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cards") / "output"
    result = build(REPO, "--output", str(out), "--no-search")
    assert result.code == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def site() -> Site:
    linked = link(validate(load_sources(REPO)), dt.date.fromisoformat(BUILD_DATE))
    assert linked.site is not None
    return linked.site


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", device_scale_factor=2)
    yield context.new_page()
    context.close()


def pdf_pages(pdf: bytes, tmp_path: Path) -> int:
    """The number of pages: pdfinfo (poppler-utils) when installed, else the page objects."""
    if shutil.which("pdfinfo"):
        path = tmp_path / "count.pdf"
        path.write_bytes(pdf)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def pdf_text(pdf: bytes, tmp_path: Path) -> str | None:
    """The PDF's text without any white space (pdftotext breaks lines anywhere), or None
    without poppler-utils."""
    if not shutil.which("pdftotext"):
        return None
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    # -raw: in the order the text was drawn, so the dense card's two columns are not interleaved
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", text)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def overflow(page: Page, selector: str) -> dict[str, float]:
    """How the element lays out in print at the printable width of an A4 page. (Print media
    stays on: page.pdf() would print with screen media after emulate_media("screen").)"""
    page.emulate_media(media="print")
    page.set_viewport_size({"width": PRINTABLE[0], "height": PRINTABLE[1]})
    return dict(page.locator(selector).evaluate(
        "e => ({scroll: e.scrollHeight, client: e.clientHeight, bottom: e.getBoundingClientRect().bottom})"))


def read_qr(page: Page, selector: str) -> list[str]:
    """The texts of the QR codes in the element, as a phone camera would read the screen:
    a screenshot, turned into grey pixels by the browser's canvas, read by zxing-cpp."""
    import numpy as np
    import zxingcpp

    png = page.locator(selector).screenshot()
    decoder = page.context.new_page()  # about:blank: no site, no CSP
    pixels = decoder.evaluate(
        """async (b64) => {
            const img = new Image();
            img.src = "data:image/png;base64," + b64;
            await img.decode();
            const canvas = document.createElement("canvas");
            canvas.width = img.width;
            canvas.height = img.height;
            const g = canvas.getContext("2d");
            g.fillStyle = "#fff";
            g.fillRect(0, 0, img.width, img.height);
            g.drawImage(img, 0, 0);
            const rgba = g.getImageData(0, 0, img.width, img.height).data;
            return {width: img.width, height: img.height, grey: Array.from(rgba.filter((_, i) => i % 4 === 0))};
        }""",
        base64.b64encode(png).decode("ascii"),
    )
    decoder.close()
    grey = np.array(pixels["grey"], dtype=np.uint8).reshape(pixels["height"], pixels["width"])
    grey = np.pad(grey, 24, constant_values=255)  # a quiet zone beyond the code's own
    return [code.text for code in zxingcpp.read_barcodes(grey)]


def test_every_department_has_a_card_linked_from_its_page(demo: Path, site: Site) -> None:
    for d in site.departments:
        page = (demo / "departments" / d.slug / "index.html").read_text(encoding="utf-8")
        assert 'href="card/"' in page and "打印公示卡" in page, d.slug
        card = (demo / "departments" / d.slug / "card" / "index.html").read_text(encoding="utf-8")
        assert "2026年11月27日" in card  # the build date: when the card was compiled
        assert d.location in card and site.config.organization.name in card


def test_each_demo_card_prints_on_one_a4_page_with_nothing_cut_off(demo: Path, site: Site, page: Page,
                                                                     tmp_path: Path) -> None:
    with serving(demo) as url:
        for d in site.departments:
            page.goto(f"{url}departments/{d.slug}/card/")
            pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
            assert pdf_pages(pdf, tmp_path) == 1, d.slug
            box = overflow(page, ".gate-card")
            assert box["scroll"] <= box["client"], f"{d.slug}: the card's content is taller than the card: {box}"
            assert box["bottom"] <= PRINTABLE[1], f"{d.slug}: the card runs past the page: {box}"
            text = pdf_text(pdf, tmp_path)
            if text is not None:
                for expected in (d.name, squeeze(d.duties[-1]), *(p.phone.display for p in d.phones)):
                    assert squeeze(expected) in text, f"{d.slug}: {expected} missing from the printed card"


def test_the_card_qr_code_is_the_departments_online_page(demo: Path, site: Site, page: Page) -> None:
    with serving(demo) as url:
        for d in site.departments[:4]:
            page.goto(f"{url}departments/{d.slug}/card/")
            page.emulate_media(media="print")  # the code as printed, at its printed size
            assert read_qr(page, ".gate-card__qr svg") == [f"{BASE}departments/{d.slug}/"], d.slug


def test_the_directory_handout_has_a_qr_code_of_its_online_page(demo: Path, page: Page) -> None:
    with serving(demo) as url:
        page.goto(url + "directory/")
        assert read_qr(page, ".directory-head__qr svg") == [BASE + "directory/"]
        page.emulate_media(media="print")
        assert read_qr(page, ".directory-head__qr svg") == [BASE + "directory/"]


# Units with far more to say than the demo's: the card still fits one page, in smaller type
# (and at the densest, in two columns). Six phones, in rows of two.
LONG_DUTY = ("负责统筹协调全省人力资源市场建设、职业技能培训、就业困难人员援助和高校毕业生就业创业扶持等工作，"
             "指导各地做好相关政策落实和督促检查。")
SHORT_DUTY = "负责机关日常运转。"
PHONES = "".join(f"  - label: 业务咨询{i}\n    number: 027-8700002{i}\n" for i in range(6))


@pytest.mark.parametrize(("duties", "duty", "size"), [
    (4, LONG_DUTY, ""), (9, LONG_DUTY, "gate-card--compact"), (18, LONG_DUTY, "gate-card--dense"),
    (10, SHORT_DUTY, ""), (16, SHORT_DUTY, "gate-card--compact"), (40, SHORT_DUTY, "gate-card--dense"),
], ids=["4-long", "9-long", "18-long", "10-short", "16-short", "40-short"])
def test_a_card_with_many_duties_still_fits_one_page(tmp_path: Path, page: Page, duties: int, duty: str,
                                                     size: str) -> None:
    department = DEPARTMENT.split("duties:")[0] + "duties:\n" + "".join(
        f"  - （{i + 1}）{duty}\n" for i in range(duties)) + "phones:\n" + PHONES + "location: 示例路1号3楼301室\n"
    site_dir = write_site(tmp_path / "site", {"content/departments/office.yaml": department})
    result = build(site_dir, "--no-search")
    assert result.code == 0, result.stderr
    with serving(site_dir / "output") as url:
        page.goto(url + "departments/office/card/")
        assert page.locator(".gate-card").get_attribute("class") == f"gate-card {size}".strip()
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        assert pdf_pages(pdf, tmp_path) == 1
        box = overflow(page, ".gate-card")
        assert box["scroll"] <= box["client"] and box["bottom"] <= PRINTABLE[1], box
        text = pdf_text(pdf, tmp_path)
        if text is not None:
            assert squeeze(f"（{duties}）{duty}") in text
            assert "027-87000025" in text
