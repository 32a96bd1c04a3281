"""QR posters print one A4 page each, and on a phone the code stays inside its coloured frame.

The print test is Chromium's own print-to-PDF of the poster pages (page.pdf honours the
stylesheet's @page A4 and margins), with the pages counted by pypdf: a single poster must be
one page, a grid's sheet of four sites four pages, a team's poster one page.
"""

import unicodedata
from io import BytesIO

import pypdf
from playwright.sync_api import Page

from inspect_app.extensions import db
from inspect_app.shifts.models import Team
from tests.browser.pages import log_in
from tests.factories import make_grid, make_site, make_user

# A long name wraps onto several lines: the worst case for the poster's height.
LONG = "南安市雪峰经济开发区恒源精密机械制造有限公司第二分厂（铸造车间）"


def _pdf_pages(page: Page, path: str) -> list:
    page.goto(path)
    page.emulate_media(media="print")
    data = page.pdf(prefer_css_page_size=True, print_background=True)
    page.emulate_media(media="screen")
    return pypdf.PdfReader(BytesIO(data)).pages


def _a4(pdf_page) -> bool:
    width, height = float(pdf_page.mediabox.width), float(pdf_page.mediabox.height)
    return abs(width - 595.3) < 2 and abs(height - 841.9) < 2  # points


def test_each_poster_prints_on_exactly_one_a4_page(app, new_phone):
    with app.app_context():
        grid = make_grid()
        sites = [make_site(grid, name=LONG if n == 0 else f"雪峰机械{n}厂",
                           risk_color=color)
                 for n, color in enumerate(["red", "orange", "yellow", "blue"])]
        site_ids, grid_id = [s.id for s in sites], grid.id
        inspector = make_user("inspector", grids=[grid]).username
        boss = make_user("enterprise", site=sites[0], position="principal").username
        team = Team(site_id=site_ids[0], name="铸造一班", shifts="白班")
        db.session.add(team)
        db.session.commit()
        team_id = team.id

    page = new_phone()
    log_in(page, inspector)
    single = _pdf_pages(page, f"/sites/{site_ids[0]}/poster")
    assert len(single) == 1 and _a4(single[0])
    sheet = _pdf_pages(page, f"/grids/{grid_id}/posters")
    assert len(sheet) == 4 and all(_a4(p) for p in sheet)
    # Each page holds its own site's name (no poster split across two sheets).
    # NFKC: the PDF spells some characters as Kangxi radicals (⼚ for 厂).
    texts = [unicodedata.normalize("NFKC", p.extract_text()).replace("\n", "") for p in sheet]
    for text, name in zip(texts, ["南安市雪峰", "雪峰机械1厂", "雪峰机械2厂", "雪峰机械3厂"],
                          strict=True):
        assert name in text

    owner = new_phone()
    log_in(owner, boss)
    team_poster = _pdf_pages(owner, f"/shifts/teams/{team_id}/poster")
    assert len(team_poster) == 1


def test_on_a_phone_the_code_stays_inside_its_frame(app, new_phone, shots):
    with app.app_context():
        grid = make_grid()
        site_id = make_site(grid, name=LONG, risk_color="red").id
        inspector = make_user("inspector", grids=[grid]).username

    page = new_phone()
    log_in(page, inspector)
    page.goto(f"/sites/{site_id}/poster")
    frame = page.locator(".poster").bounding_box()
    code = page.locator(".qr svg").bounding_box()
    page.screenshot(path=str(shots / "poster-360.png"), full_page=True)
    assert code["width"] > 200  # still big enough to scan from the screen
    assert frame["x"] <= code["x"] and code["x"] + code["width"] <= frame["x"] + frame["width"]
    assert frame["y"] <= code["y"] and code["y"] + code["height"] <= frame["y"] + frame["height"]
    assert frame["x"] + frame["width"] <= 360  # and the frame itself fits the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
