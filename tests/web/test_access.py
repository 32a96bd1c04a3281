"""Every route declares who may call it, and the rules hold."""

import pytest

from inspect_app.access import BUILTIN_PUBLIC, PUBLIC
from tests.crawl import example_url
from tests.factories import make_grid, make_site, make_user


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint not in BUILTIN_PUBLIC]


def test_every_route_declares_an_access_rule(app):
    missing = [r.endpoint for r in _rules(app)
               if not hasattr(app.view_functions[r.endpoint], "access_rule")]
    assert missing == []


def test_non_public_routes_send_anonymous_users_to_login(app, client):
    checked = 0
    for rule in _rules(app):
        if app.view_functions[rule.endpoint].access_rule == PUBLIC:
            continue
        url = example_url(app, rule)
        method = "GET" if "GET" in rule.methods else "POST"
        resp = client.open(url, method=method, headers={"X-CSRFToken": client.csrf_token()})
        assert resp.status_code == 302 and "/auth/login" in resp.location, (rule.endpoint, resp.status_code)
        checked += 1
    assert checked > 10


def test_htmx_request_without_session_gets_hx_redirect(client):
    resp = client.get("/hazards/", headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/hazards/"})
    assert resp.status_code == 401
    assert resp.headers["HX-Redirect"].startswith("/auth/login")


@pytest.fixture
def two_grids(ctx):
    g1, g2 = make_grid(), make_grid()
    return g1, g2, make_site(g1), make_site(g2)


def test_inspector_sees_only_their_grids_sites(client, login, two_grids):
    g1, g2, mine, other = two_grids
    login(make_user("inspector", grids=[g1]))
    assert client.get(f"/sites/{mine.id}").status_code == 200
    assert client.get(f"/sites/{other.id}").status_code == 404
    listing = client.get("/sites/").text
    assert mine.name in listing and other.name not in listing
    assert client.post(f"/inspections/start/{other.id}", data={"template": 1}).status_code == 404


def test_enterprise_user_sees_only_their_enterprise(client, login, two_grids):
    _, _, mine, other = two_grids
    login(make_user("enterprise", site=mine))
    assert client.get("/sites/").location.endswith(f"/sites/{mine.id}")
    assert client.get(f"/sites/{mine.id}").status_code == 200
    assert client.get(f"/sites/{other.id}").status_code == 404


def test_supervisor_sees_everything(client, login, two_grids):
    _, _, a, b = two_grids
    login(make_user("supervisor"))
    assert client.get(f"/sites/{a.id}").status_code == 200
    assert client.get(f"/sites/{b.id}").status_code == 200


def test_worker_cannot_open_field_pages(client, login, two_grids):
    _, _, mine, _ = two_grids
    login(make_user("worker", site=mine))
    assert client.get(f"/sites/{mine.id}").status_code == 403
    assert client.get("/hazards/").status_code == 403
    assert client.get("/admin/").status_code == 403


def test_inspector_cannot_open_admin(client, login, ctx):
    login(make_user("inspector"))
    assert client.get("/admin/").status_code == 403


def test_post_without_csrf_token_is_refused(client, login, two_grids):
    g1, _, mine, _ = two_grids
    login(make_user("inspector", grids=[g1]))
    resp = client.post(f"/inspections/start/{mine.id}", data={"template": 1}, csrf=False)
    assert resp.status_code == 400
    resp = client.post(f"/inspections/start/{mine.id}", data={"template": 1}, csrf=False,
                       headers={"X-CSRFToken": "forged"})
    assert resp.status_code == 400


def test_cross_site_post_is_refused_even_with_token(client, login, two_grids):
    g1, _, mine, _ = two_grids
    login(make_user("inspector", grids=[g1]))
    resp = client.post(f"/inspections/start/{mine.id}", data={"template": 1},
                       headers={"Origin": "https://evil.example"})
    assert resp.status_code == 403
    resp = client.post(f"/inspections/start/{mine.id}", data={"template": 1},
                       headers={"Sec-Fetch-Site": "cross-site"})
    assert resp.status_code == 403


def test_the_site_rule_answers_the_same_in_python_and_in_sql(app, ctx):
    """`can_see_site` and `site_filter` are one rule: each user's visible sites agree."""
    from sqlalchemy import select

    from inspect_app.access import can_see_site
    from inspect_app.extensions import db
    from inspect_app.models import Site
    from inspect_app.sites.service import scope_sites

    mine, other = make_grid(), make_grid()
    here, there, elsewhere = make_site(mine), make_site(mine), make_site(other)
    users = {
        "inspector": make_user("inspector", grids=[mine]),
        "no grid": make_user("inspector"),
        "enterprise": make_user("enterprise", site=here),
        "worker": make_user("worker", site=there),
        "no site": make_user("enterprise"),
        "supervisor": make_user("supervisor"),
        "admin": make_user("admin"),
    }
    expected = {"inspector": {here, there}, "no grid": set(), "enterprise": {here},
                "worker": {there}, "no site": set(),
                "supervisor": {here, there, elsewhere}, "admin": {here, there, elsewhere}}
    for name, user in users.items():
        in_sql = set(db.session.scalars(scope_sites(select(Site), user)))
        in_python = {s for s in (here, there, elsewhere) if can_see_site(user, s)}
        assert in_sql == in_python == expected[name], name


def test_may_open_follows_each_routes_own_rule(app, ctx):
    from flask_login import AnonymousUserMixin

    from inspect_app.access import may_open

    worker, inspector, supervisor = make_user("worker"), make_user("inspector"), make_user("supervisor")
    with app.test_request_context():
        assert may_open(inspector, "sites.poster") and may_open(supervisor, "sites.poster")
        assert not may_open(worker, "sites.poster")
        assert not may_open(inspector, "majors.stock_import") and may_open(supervisor, "majors.stock_import")
        assert may_open(AnonymousUserMixin(), "auth.login")
        assert not may_open(AnonymousUserMixin(), "sites.poster")
        assert not may_open(supervisor, "no.such_endpoint")
