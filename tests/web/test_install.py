"""Installable on a phone: the manifest, favicon and touch icon are served and linked, and the
icon files are what the manifest says they are."""

import json
import re
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

ICONS = Path(__file__).resolve().parents[2] / "static" / "icons"


def _manifest(client, lang=None):
    resp = client.get("/manifest.webmanifest", query_string={"lang": lang} if lang else None)
    assert resp.status_code == 200
    assert resp.mimetype == "application/manifest+json"
    return json.loads(resp.data)


def test_manifest_has_what_installing_needs(client):
    data = _manifest(client)
    assert data["display"] == "standalone"
    assert data["start_url"] == "/" and data["scope"] == "/"
    assert re.fullmatch(r"#[0-9a-f]{6}", data["theme_color"])
    purposes = {(icon["sizes"], icon["purpose"]) for icon in data["icons"]}
    assert purposes == {("192x192", "any"), ("512x512", "any"),
                        ("192x192", "maskable"), ("512x512", "maskable")}


def test_manifest_names_follow_the_language(client):
    zh, en = _manifest(client, "zh"), _manifest(client, "en")
    assert zh["lang"] == "zh-CN" and en["lang"] == "en"
    assert zh["short_name"] == "安全巡查" and en["short_name"] == "Inspections"
    assert "雪峰" in zh["name"] and "Xuefeng" in en["name"]
    # No language or an unknown one: the default (Chinese), never an error.
    assert _manifest(client)["name"] == zh["name"] == _manifest(client, "xx")["name"]


def test_every_manifest_icon_is_served_at_its_declared_size(client):
    for icon in _manifest(client)["icons"]:
        resp = client.get(icon["src"])
        assert resp.status_code == 200 and resp.mimetype == "image/png", icon["src"]
        img = Image.open(BytesIO(resp.data))
        assert img.format == "PNG" and "x".join(map(str, img.size)) == icon["sizes"]


@pytest.mark.parametrize("path", ["/favicon.ico", "/apple-touch-icon.png",
                                  "/apple-touch-icon-precomposed.png"])
def test_root_icons_are_real_images_for_anyone(client, path):
    resp = client.get(path)  # logged out: browsers ask before anyone logs in
    assert resp.status_code == 200
    img = Image.open(BytesIO(resp.data))
    assert img.format == ("ICO" if path.endswith(".ico") else "PNG")


def test_icon_files_decode_at_their_sizes():
    for size in (192, 512):
        for name in (f"icon-{size}.png", f"icon-maskable-{size}.png"):
            with Image.open(ICONS / name) as img:
                assert img.format == "PNG" and img.size == (size, size), name
    with Image.open(ICONS / "icon-maskable-512.png") as img:
        # Maskable: the corners are painted (the launcher crops them), not transparent.
        assert img.convert("RGBA").getpixel((0, 0))[3] == 255
    with Image.open(ICONS / "apple-touch-icon.png") as img:
        assert img.size == (180, 180) and img.mode == "RGB"  # iOS shows transparency as black
    with Image.open(ICONS / "favicon.ico") as img:
        assert img.format == "ICO"
        assert {(16, 16), (32, 32), (48, 48)} <= set(img.info["sizes"])


def test_pages_link_the_manifest_and_icons(client):
    page = client.get("/auth/login").text
    assert '<link rel="manifest" href="/manifest.webmanifest?lang=zh">' in page
    assert '<link rel="apple-touch-icon" href="/apple-touch-icon.png">' in page
    assert '<link rel="icon" href="/favicon.ico"' in page
    assert '<meta name="theme-color" content="#0b5cad">' in page
    client.post("/lang/en", data={"next": "/auth/login"})
    assert 'href="/manifest.webmanifest?lang=en"' in client.get("/auth/login").text
