"""The inline SVG QR code, drawn as a browser would draw it, decodes to the page's URL."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.graph import link
from sitegen.outputs.qr import BORDER, qr_code, qr_matrix, qr_svg
from sitegen.routes import plan_routes, record_path
from sitegen.sources import load_sources
from sitegen.validate import validate

DEMO = Path(__file__).resolve().parents[1]
PX = 6  # pixels per module when rasterised


def rasterise(svg: str) -> list[list[bool]]:
    """Draw the SVG's stroked path on a module grid. qr_svg draws every dark run as a horizontal
    line one module thick on the row's centre line (M, m and h commands only)."""
    root = ET.fromstring(svg)
    _, _, width, height = (int(v) for v in root.attrib["viewBox"].split())
    grid = [[False] * width for _ in range(height)]
    (path,) = [p for p in root.iter("path") if p.get("stroke")]
    x = y = 0.0
    for command, args in re.findall(r"([A-Za-z])([^A-Za-z]*)", path.attrib["d"]):
        numbers = [float(n) for n in args.replace(",", " ").split()]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        elif command == "h":
            row = int(y - 0.5)
            assert y - row == 0.5, "lines run along module centres"
            for column in range(int(x), int(x + numbers[0])):
                grid[row][column] = True
            x += numbers[0]
        else:
            raise AssertionError(f"unexpected path command {command}")
    return grid


Grid = list[list[bool]] | tuple[tuple[bool, ...], ...]


def read(grid: Grid) -> list[zxingcpp.Barcode]:
    """Black modules on white, PX pixels each, read by ZXing as a phone's camera app would."""
    modules = np.array(grid, dtype=np.uint8)
    image = np.where(np.kron(modules, np.ones((PX, PX), dtype=np.uint8)) == 1, 0, 255).astype(np.uint8)
    return list(zxingcpp.read_barcodes(image))


def decode(grid: Grid) -> list[str]:
    return [result.text for result in read(grid)]


def test_svg_is_inline_accessible_and_sized_by_css() -> None:
    url = "https://www.example.gov.cn/departments/office/?a=1&b=<2>"
    svg = qr_svg(url)
    assert svg.startswith('<svg role="img" ') and svg.endswith("</svg>")
    assert "<?xml" not in svg
    root = ET.fromstring(svg)  # well-formed even with & and < in the URL
    assert "width" not in root.attrib and "height" not in root.attrib
    assert root.attrib["viewBox"].startswith("0 0 ")
    assert root.findtext("title") == f"二维码：{url}"
    assert ET.fromstring(qr_svg(url, label="办公室网页")).findtext("title") == "办公室网页"


def test_svg_draws_the_matrix_and_decodes_to_the_url() -> None:
    url = "https://www.example.gov.cn/zwgk/departments/bangongshi/"
    grid = rasterise(qr_svg(url))
    assert [tuple(row) for row in grid] == list(qr_matrix(url))
    assert all(not cell for cell in grid[0] + grid[1] + grid[-1] + grid[-2])  # the quiet zone
    assert len(grid) == len(qr_code(url).matrix) + 2 * BORDER
    assert decode(grid) == [url]


def test_error_correction_is_m_and_never_micro() -> None:
    for url in ("https://a.cn/", "https://www.example.gov.cn/" + "x" * 200):
        code = qr_code(url)
        assert code.error == "M" and not code.is_micro
        (result,) = read(rasterise(qr_svg(url)))
        assert (result.text, result.format, result.ec_level) == (url, zxingcpp.BarcodeFormat.QRCode, "M")


def test_every_demo_department_page_decodes() -> None:
    site = link(validate(load_sources(DEMO)), dt.date(2026, 11, 27)).site
    assert site is not None
    urls = plan_routes(site).urls
    for department in site.departments:
        url = urls.absolute(record_path(department))
        assert decode(rasterise(qr_svg(url))) == [url]


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-/", min_size=1, max_size=80))
def test_any_site_path_decodes(path: str) -> None:
    url = "https://www.example.gov.cn/" + path
    assert decode(rasterise(qr_svg(url))) == [url]


def test_same_url_same_svg() -> None:
    url = "https://www.example.gov.cn/halls/main-hall/"
    assert qr_svg(url) == qr_svg(url)
