"""QR codes of page URLs as inline SVG, for the printed cards and the directory handout."""

from __future__ import annotations

import segno

ERROR = "M"  # recovers ~15% of a smudged or folded print; H would make the code denser
BORDER = 2  # modules of quiet zone; the card's white margin adds the rest


def qr_code(url: str) -> segno.QRCode:
    """Always a full QR code (never Micro QR, which few phone cameras read), at level M exactly."""
    return segno.make_qr(url, error=ERROR, boost_error=False)


def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The modules, dark = True, with the quiet zone of BORDER modules that qr_svg draws."""
    return tuple(tuple(bool(cell) for cell in row) for row in qr_code(url).matrix_iter(scale=1, border=BORDER))


def qr_svg(url: str, label: str | None = None) -> str:
    """An inline <svg> (no XML declaration, sized by CSS through its viewBox) with an accessible name.

    The light background is drawn, so the code stays readable on a dark or care-mode page.
    """
    svg: str = qr_code(url).svg_inline(
        scale=1, border=BORDER, dark="#000", light="#fff", omitsize=True,
        title=label if label is not None else f"二维码：{url}", svgclass="qr", lineclass=None,
    )
    # <title> gives the name; role="img" makes assistive technology treat the drawing as one image.
    return svg.replace("<svg ", '<svg role="img" ', 1)
