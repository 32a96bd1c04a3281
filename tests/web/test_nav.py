"""Every link a role's menu shows opens for that role (no link leads to a refusal)."""

import re

import pytest

from tests.factories import make_grid, make_site, make_user


@pytest.mark.parametrize("role", ["inspector", "supervisor", "admin", "enterprise", "worker"])
def test_menu_links_open_for_the_role(client, login, ctx, role):
    grid = make_grid()
    site = make_site(grid)
    user = make_user(role, grids=[grid] if role == "inspector" else (),
                     site=site if role in ("enterprise", "worker") else None,
                     position="principal" if role == "enterprise" else None)
    login(user)
    page = client.get("/", follow_redirects=True)
    assert page.status_code == 200
    menu = re.search(r'<details class="menu">(.*?)</details>', page.text, re.S).group(1)
    links = re.findall(r'href="([^"]+)"', menu)
    assert len(links) >= 2
    for link in links:
        assert client.get(link).status_code == 200, link


def test_menu_is_built_once_per_role_and_language(client, login, ctx):
    from inspect_app import nav

    nav._links.cache_clear()
    login(make_user("supervisor"))
    pages = [client.get("/hazards/").text for _ in range(3)]
    assert nav._links.cache_info().misses == 1 and nav._links.cache_info().hits >= 2
    assert all(">隐患<" in p for p in pages)
    client.post("/lang/en", data={"next": "/hazards/"})
    english = client.get("/hazards/").text
    assert nav._links.cache_info().misses == 2
    menu = re.search(r'<details class="menu">(.*?)</details>', english, re.S).group(1)
    assert ">Hazards<" in menu and ">隐患<" not in menu
