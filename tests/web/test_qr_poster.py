"""QR codes and posters: the code scans back to BASE_URL/s/<token>, only the grid's own
inspectors can print them, and a reissued token retires every old poster."""

import re
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image

from inspect_app.sites import service
from tests.factories import make_grid, make_site, make_user


def _scan(png: bytes) -> list[str]:
    """What a phone camera reads from the image."""
    with Image.open(BytesIO(png)) as im:
        return [r.text for r in zxingcpp.read_barcodes(im)]


def _site_url(app, token: str) -> str:
    return f"{app.config['BASE_URL']}/s/{token}"


def test_qr_png_scans_to_the_sites_url(app, client, login, ctx):
    grid = make_grid()
    site = make_site(grid)
    login(make_user("inspector", grids=[grid]))

    r = client.get(f"/sites/{site.id}/qr.png")

    assert r.status_code == 200 and r.mimetype == "image/png"
    assert "no-store" in r.headers["Cache-Control"]  # a reissued token must not linger in caches
    assert _scan(r.data) == [_site_url(app, site.qr_token)]


def test_poster_shows_the_site_name_and_an_inline_svg(client, login, ctx):
    grid = make_grid()
    site = make_site(grid, name="雪峰小饭店")
    login(make_user("inspector", grids=[grid]))

    r = client.get(f"/sites/{site.id}/poster")

    assert r.status_code == 200
    assert "雪峰小饭店" in r.text
    assert re.search(r'<div class="qr">\s*<svg [^>]*viewBox=', r.text)
    assert "<?xml" not in r.text


@pytest.mark.parametrize("path", ["/sites/{site}/qr.png", "/sites/{site}/poster",
                                  "/grids/{grid}/posters"])
def test_inspector_of_another_grid_gets_404(client, login, ctx, path):
    grid = make_grid()
    site = make_site(grid)
    login(make_user("inspector", grids=[make_grid()]))

    r = client.get(path.format(site=site.id, grid=grid.id))

    assert r.status_code == 404
    assert site.qr_token not in r.text


def test_grid_posters_list_every_active_site_of_the_grid(client, login, ctx):
    grid = make_grid()
    active = [make_site(grid), make_site(grid), make_site(grid, site_type="NINE",
                                                           subkind="restaurant")]
    closed = make_site(grid, active=False)
    elsewhere = make_site(make_grid())
    login(make_user("inspector", grids=[grid]))

    r = client.get(f"/grids/{grid.id}/posters")

    assert r.status_code == 200
    for site in active:
        assert site.name in r.text
    assert closed.name not in r.text and elsewhere.name not in r.text
    assert r.text.count('<section class="poster') == len(active)
    assert len(re.findall(r'<div class="qr">\s*<svg ', r.text)) == len(active)


def test_reissued_token_retires_the_old_url(app, client, login, ctx):
    grid = make_grid()
    site = make_site(grid)
    old = site.qr_token
    service.reissue_qr(site)
    new = site.qr_token
    assert new != old
    with client.session_transaction() as session:
        session["lang"] = "en"  # the explanation is checked by its English msgid

    gone = client.get(f"/s/{old}")
    assert gone.status_code == 404
    assert "This QR code is not valid" in gone.text
    assert site.name not in gone.text  # nothing about the site leaks through an old code

    r = client.get(f"/s/{new}")
    assert r.status_code == 302
    location = urlsplit(r.headers["Location"])
    assert location.path == "/auth/login"
    assert parse_qs(location.query)["next"] == [f"/s/{new}"]

    # Logged in, the new code opens the site and the printed code carries the new token.
    login(make_user("inspector", grids=[grid]))
    assert client.get(f"/s/{new}").headers["Location"] == f"/sites/{site.id}"
    assert client.get(f"/s/{old}").status_code == 404
    assert _scan(client.get(f"/sites/{site.id}/qr.png").data) == [_site_url(app, new)]
