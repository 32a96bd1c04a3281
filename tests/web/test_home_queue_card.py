"""The home page's hazard-queue card: a link on the page, its cards loaded when scrolled to."""

import re
from datetime import timedelta

from inspect_app.timeutil import local_today
from tests.conftest import HX
from tests.factories import make_grid, make_hazard, make_site, make_user


def _card_ids(html: str) -> list[int]:
    card = re.search(r'<section class="card" id="home-queue">(.*?)</section>', html, re.S)
    return [int(i) for i in re.findall(r'href="/hazards/(\d+)"', card.group(1))]


def _queue_ids(html: str) -> list[int]:
    rows = re.search(r'<ul class="cards" id="hazard-rows">(.*?)</ul>', html, re.S).group(1)
    return [int(i) for i in re.findall(r'<a href="/hazards/(\d+)">', rows)]


def test_home_links_the_queue_and_loads_its_cards_apart(client, login, ctx):
    grid = make_grid()
    site = make_site(grid)
    hazards = [make_hazard(site, f"隐患{n}", deadline=local_today() + timedelta(days=n - 3),
                           level="major" if n % 3 == 0 else "general") for n in range(8)]
    login(make_user("inspector", grids=[grid]))
    home = client.get("/").text
    placeholder = re.search(r'<section class="card" id="home-queue"[^>]*>(.*?)</section>',
                            home, re.S)
    assert 'hx-get="/queue-card"' in placeholder.group(0)
    assert 'href="/hazards/"' in placeholder.group(1)  # without JS: a link to the queue
    assert not re.search(r'href="/hazards/\d+"', placeholder.group(1))
    card = client.get("/queue-card", headers=HX)
    assert card.status_code == 200 and "<html" not in card.text
    # The queue's own first five, in its order (overdue, then major, then by deadline).
    first = _queue_ids(client.get("/hazards/").text)[:5]
    assert len(first) == 5 and set(first) <= {h.id for h in hazards}
    assert _card_ids(card.text) == first
    assert "<html" in client.get("/queue-card").text  # a plain request: the card on a page


def test_the_card_shows_only_what_the_user_may_see(client, login, ctx):
    mine, other = make_grid(), make_grid()
    seen = make_hazard(make_site(mine), "我的网格")
    make_hazard(make_site(other), "别的网格")
    login(make_user("inspector", grids=[mine]))
    assert _card_ids(client.get("/queue-card", headers=HX).text) == [seen.id]


def test_the_card_is_not_a_workers(client, login, ctx):
    site = make_site(make_grid())
    make_hazard(site, "隐患")
    login(make_user("worker", site=site))
    assert client.get("/queue-card", headers=HX).status_code == 403
