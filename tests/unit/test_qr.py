"""QR output must scan back to the exact URL; the SVG must be inline-able HTML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from io import BytesIO

import zxingcpp
from PIL import Image

from inspect_app.qr import qr_png, qr_svg

URL = "http://127.0.0.1:5000/s/AbC123_-xyz"


def test_png_scans_back_to_the_exact_url():
    im = Image.open(BytesIO(qr_png(URL)))
    assert im.format == "PNG"

    results = zxingcpp.read_barcodes(im)

    assert [r.text for r in results] == [URL]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    assert results[0].ec_level == "M"


def test_png_box_size_and_border_scale_the_image():
    small = Image.open(BytesIO(qr_png(URL, box_size=4, border=4)))
    big = Image.open(BytesIO(qr_png(URL, box_size=8, border=4)))
    assert big.width == 2 * small.width and small.width == small.height
    bare = Image.open(BytesIO(qr_png(URL, box_size=4, border=0)))
    assert small.width - bare.width == 2 * 4 * 4  # quiet zone is `border` modules per side


def test_svg_is_an_inline_element_with_viewbox_and_path():
    svg = qr_svg(URL)

    assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "ns0:" not in svg and "svg:" not in svg
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox"))
    paths = root.findall("{http://www.w3.org/2000/svg}path")
    assert len(paths) == 1 and len(paths[0].get("d")) > 100
    assert paths[0].get("id") is None  # two codes on one page must not share an id
