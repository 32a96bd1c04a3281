"""The grid filter of the hazard queue and the ledgers at city scale: past GRID_SELECT_MAX
grids a form lists only the chosen area's (a city's 1,250 options were most of each page),
asks for an area first when none is chosen, and still honours a grid in the query string.
A small zone lists every grid, as before."""

import re

import pytest

from inspect_app.extensions import db
from inspect_app.ledgers import service
from inspect_app.models import Area, Grid
from inspect_app.sites.service import GRID_SELECT_MAX
from tests.conftest import HX
from tests.factories import log_in, make_grid, make_user

PAGES = ["/hazards/", "/ledgers/major",
         *(f"/ledgers/{slug}" for slug, ledger in service.LEDGERS.items() if "grid" in ledger.filters)]
HINT = "Choose an area to pick a grid"


def grid_options(html: str) -> list[str]:
    """The values the grid <select> offers (the "all grids" option left out)."""
    select = re.search(r'<select name="grid">(.*?)</select>', html, re.S)
    return [] if select is None else re.findall(r'<option value="(\d+)"', select.group(1))


@pytest.fixture
def city(app):
    """Two areas with more grids between them than a select lists whole; a supervisor."""
    with app.app_context():
        east, west = Area(name="东片区"), Area(name="西片区")
        half = GRID_SELECT_MAX // 2 + 1
        grids = [Grid(name=f"东{i:03d}", area=east) for i in range(half)]
        grids += [Grid(name=f"西{i:03d}", area=west) for i in range(half)]
        db.session.add_all(grids)
        db.session.commit()
        ids = {"east": east.id, "west": west.id,
               "east_grids": sorted(str(g.id) for g in grids if g.area is east),
               "west_grid": grids[-1].id, "user": make_user("supervisor").id}
        db.session.remove()
    return ids


@pytest.mark.parametrize("path", PAGES)
def test_city_lists_only_the_chosen_areas_grids(client, city, path):
    log_in(client, city["user"])
    html = client.get(f"{path}?area={city['east']}").get_data(as_text=True)
    assert sorted(grid_options(html)) == city["east_grids"]
    assert "东片区 · 东000" in html  # the option still reads "area · grid"
    assert HINT not in html


@pytest.mark.parametrize("path", PAGES)
def test_city_without_an_area_asks_for_one(client, city, path):
    log_in(client, city["user"])
    assert "先选片区，再选网格" in client.get(path).get_data(as_text=True)  # zh, the default
    client.post("/lang/en", data={"next": "/"})
    html = client.get(path).get_data(as_text=True)
    assert '<select name="grid">' not in html
    assert HINT in html
    # Far fewer options than the grids: the areas and the other filters only.
    assert html.count("<option") < 2 * GRID_SELECT_MAX


@pytest.mark.parametrize("path", PAGES)
def test_city_honours_a_grid_in_the_query_string(client, city, path):
    log_in(client, city["user"])
    grid = city["west_grid"]
    html = client.get(f"{path}?grid={grid}").get_data(as_text=True)
    assert grid_options(html) == [str(grid)]  # that grid alone, though its area is not chosen
    assert f'<option value="{grid}" selected>' in html
    html = client.get(f"{path}?area={city['east']}&grid={grid}").get_data(as_text=True)
    if path == "/hazards/":
        # With another area chosen the queue drops it (FilterChoices.grid_in_area): the form
        # still sends the grid of the area before, which would show nothing.
        assert sorted(grid_options(html)) == city["east_grids"]
        assert " selected>" not in html.split('id="grid-filter"')[1].split("</span>")[0]
        return
    # The lists still offer it (and selected) beside that area's grids.
    assert sorted(grid_options(html)) == sorted([*city["east_grids"], str(grid)])
    assert f'<option value="{grid}" selected>' in html


def test_city_area_change_swaps_the_grid_select(client, city):
    """With htmx the form swaps only #results: the grid select comes along out of band."""
    log_in(client, city["user"])
    for path in PAGES:
        html = client.get(f"{path}?area={city['east']}", headers=HX).get_data(as_text=True)
        assert 'id="grid-filter" hx-swap-oob="true"' in html, path
        assert sorted(grid_options(html)) == city["east_grids"], path
    # A full page has the select once, in the form, not swapped.
    assert "hx-swap-oob" not in client.get(PAGES[0]).get_data(as_text=True)


def test_small_zone_lists_every_grid(app, client):
    with app.app_context():
        grids = [make_grid() for _ in range(3)]
        ids = sorted(str(g.id) for g in grids)
        user = make_user("supervisor").id
    log_in(client, user)
    for path in PAGES:
        html = client.get(path).get_data(as_text=True)
        assert sorted(grid_options(html)) == ids, path
        assert 'class="hint"' not in html.split('id="grid-filter"')[1].split("</span>")[0]


def test_the_queues_kept_filter_form_follows_the_readers_scope_language_and_filters(
        app, client, monkeypatch):
    """The queue's filter form is rendered once a minute per scope, language and filters
    (web.filter_form): with memos on, an inspector never gets the supervisor's
    grids, an English reader never the Chinese form, and a filter set shows as selected."""
    from inspect_app import memo

    with app.app_context():
        east, west = Area(name="东片区"), Area(name="西片区")
        mine, other = Grid(name="东一网格", area=east), Grid(name="西一网格", area=west)
        db.session.add_all([mine, other])
        db.session.commit()
        supervisor = make_user("supervisor").id
        inspector = make_user("inspector", grids=[mine]).id
    monkeypatch.setitem(app.config, "FIGURE_MEMOS", True)
    memo.clear_all()

    def form(path="/hazards/"):
        return re.search(r'<form class="filters".*?</form>', client.get(path).text, re.S)[0]
    try:
        log_in(client, supervisor)
        zh = form()
        assert "西一网格" in zh and "东一网格" in zh and "全部网格" in zh
        assert form() == zh  # kept
        major = form("/hazards/?level=major")
        assert '<option value="major" selected>' in major and major != zh
        assert '<option value="major" selected>' not in form()
        log_in(client, inspector)
        own = form()
        assert "东一网格" in own and "西一网格" not in own
        client.post("/lang/en", data={"next": "/"})
        en = form()
        assert "All grids" in en and "东一网格" in en and "西一网格" not in en
    finally:
        memo.clear_all()


def test_queue_area_change_drops_a_grid_of_another_area(app, client):
    """A small zone lists every grid: after an area change the form sends the grid chosen
    before; the queue shows the area's hazards and sends the grid select back with no grid."""
    from inspect_app.hazards import service as hazards
    from tests.factories import make_site

    with app.app_context():
        east, west = Area(name="东片区"), Area(name="西片区")
        db.session.add_all([east, west])
        db.session.commit()
        here, there = make_grid(east), make_grid(west)
        supervisor = make_user("supervisor")
        for grid, what in ((here, "东边的隐患"), (there, "西边的隐患")):
            hazards.report(site_id=make_site(grid).id, description=what, level="general",
                           source="patrol", reporter=supervisor)
        db.session.commit()
        ids = {"east": east.id, "west_grid": there.id, "user": supervisor.id}
    log_in(client, ids["user"])
    html = client.get(f"/hazards/?area={ids['east']}&grid={ids['west_grid']}",
                      headers=HX).get_data(as_text=True)
    assert "东边的隐患" in html and "西边的隐患" not in html
    assert 'id="grid-filter" hx-swap-oob="true"' in html
    assert " selected>" not in html.split('id="grid-filter"')[1].split("</span>")[0]
    # With no grid of another area asked for, the select is not sent again.
    html = client.get(f"/hazards/?area={ids['east']}", headers=HX).get_data(as_text=True)
    assert "hx-swap-oob" not in html
