"""The regime filter (重大事故隐患 / 重大火灾隐患) on the hazard queue and the problem list,
through the forms layer: a regime lists only major hazards of that regime; a bad value is dropped."""

import pytest

from tests.conftest import HX
from tests.factories import make_grid, make_hazard, make_site, make_user


@pytest.fixture
def three(ctx):
    site = make_site(make_grid())
    make_hazard(site, "疏散通道堵塞FIRE", level="major", regime="fire", status="confirmed")
    make_hazard(site, "冲压机无光栅ACCIDENT", level="major", regime="accident", status="confirmed")
    make_hazard(site, "灭火器过期GENERAL", status="confirmed")
    return make_user("supervisor")


def shown(text: str) -> set[str]:
    return {w for w in ("FIRE", "ACCIDENT", "GENERAL") if w in text}


@pytest.mark.parametrize("url", ["/hazards/", "/ledgers/hazards"])
def test_regime_filter_lists_only_majors_of_that_regime(client, login, three, url):
    login(three)
    assert shown(client.get(url).text) == {"FIRE", "ACCIDENT", "GENERAL"}
    page = client.get(url, query_string={"regime": "fire"}).text
    assert shown(page) == {"FIRE"}
    assert '<option value="fire" selected>' in page  # the filter_select keeps the choice
    assert shown(client.get(url, query_string={"regime": "accident"}, headers=HX).text) \
        == {"ACCIDENT"}
    # Not a regime: dropped by the forms layer, the unfiltered list (never a 500).
    resp = client.get(url, query_string={"regime": "x' OR 1=1"})
    assert resp.status_code == 200 and shown(resp.text) == {"FIRE", "ACCIDENT", "GENERAL"}


def test_regime_with_general_level_lists_nothing(client, login, three):
    login(three)
    assert shown(client.get("/hazards/?regime=fire&level=general").text) == set()
    assert shown(client.get("/ledgers/hazards?regime=fire&level=general").text) == set()
