"""QR codes for site posters and screens. Pure: returns bytes/text, no Flask."""

from __future__ import annotations

from io import BytesIO

import qrcode
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathImage


def _qr(data: str, box_size: int = 10, border: int = 4) -> qrcode.QRCode:
    """Level M (~15% recovery) survives a scuffed, laminated poster without bloating the code."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M,
                         box_size=box_size, border=border)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """PNG bytes; `border` is the quiet zone in modules (scanners need >= 4)."""
    buf = BytesIO()
    _qr(data, box_size, border).make_image(image_factory=PilImage).save(buf)
    return buf.getvalue()


def qr_svg(data: str) -> str:
    """A single-path <svg> element to inline in HTML: no XML declaration, and a
    viewBox so CSS can scale it (the mm width/height are only defaults)."""
    img = _qr(data).make_image(image_factory=SvgPathImage)
    img.path.attrib.pop("id", None)  # fixed id="qr-path" would collide with two codes on a page
    return img.to_string(encoding="unicode")
