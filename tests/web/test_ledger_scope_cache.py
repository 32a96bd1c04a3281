"""The lists' keys statements are built once per scope (access.Scope) and kept for the process:
one reader's warm statement never gives another reader whose scope differs in any fact the
site rule reads (role, grids, own site) a row they may not see, nor hides one they may. Every
reader pages through every list after every other reader warmed it, in pages of one row (so
"More" is read from the cache too), and gets exactly the rows at the sites they see, which
are the rows a cold cache gives them."""

from datetime import timedelta
from itertools import permutations

import pytest

from inspect_app.access import scope_of
from inspect_app.auth.models import User
from inspect_app.extensions import db
from inspect_app.ledgers import service
from inspect_app.ledgers.service import Filters
from inspect_app.sites.models import Grid
from tests.factories import (
    log_in,
    make_grid,
    make_hazard,
    make_inspection,
    make_site,
    make_user,
    now,
)


@pytest.fixture
def zone(app):
    with app.app_context():
        g1 = make_grid()
        g2 = make_grid(g1.area)
        g3 = make_grid()  # another area
        sites = {g: make_site(g, name=f"企业{i}") for i, g in enumerate((g1, g2, g3), 1)}
        inspector = make_user("inspector", grids=[g1])
        for site in sites.values():
            make_hazard(site, status="rectifying", deadline=now().date() + timedelta(days=9))
            make_hazard(site, level="major", status="rectifying")
            make_inspection(site, "ent-mech", inspector, ["pass", "fail"], submitted=now())
        users = {
            "supervisor": make_user("supervisor"),
            "admin": make_user("admin"),
            "inspector g1": inspector,
            "inspector g2": make_user("inspector", grids=[g2]),
            "inspector g1+g2": make_user("inspector", grids=[g1, g2]),
            "enterprise s1": make_user("enterprise", site=sites[g1], position="safety_manager"),
            "enterprise s2": make_user("enterprise", site=sites[g2], position="safety_manager"),
        }
        yield {"users": {k: u.id for k, u in users.items()},
               "grids": {"g1": g1.id, "g2": g2.id, "g3": g3.id},
               "sites": {g.id: s.name for g, s in sites.items()},
               "site_ids": {s.id: s.name for s in sites.values()}}


def _visible(zone, user: User) -> set[str]:
    """The sites' names `user` may see, from the facts themselves (not the code under test)."""
    if user.role in ("supervisor", "admin"):
        return set(zone["sites"].values())
    if user.role == "inspector":
        return {zone["sites"][g.id] for g in user.grids}
    return {zone["site_ids"][user.site_id]}


def _walk(ledger, user) -> list[tuple]:
    rows, after = [], None
    while True:
        page = service.listing(ledger, user, Filters(), after=after, limit=1)
        rows += page.rows
        if page.next is None:
            return rows
        after = page.next


def _site(ledger, row) -> str:
    return row[next(i for i, c in enumerate(ledger.columns) if c.key == "site")]


LISTS = [slug for slug in service.LEDGERS if slug != "enforcement"]  # no referrals here


def _check_every_order(app, zone, names):
    """Each reader after each other one: the rows at their own sites, as a cold cache's."""
    with app.app_context():
        users = {n: db.session.get(User, zone["users"][n]) for n in names}
        for slug in LISTS:
            ledger = service.LEDGERS[slug]
            service._keys_statement.cache_clear()
            service._row_keys_statement.cache_clear()
            cold = {n: _walk(ledger, u) for n, u in users.items()}
            for n, u in users.items():
                assert {_site(ledger, r) for r in cold[n]} == _visible(zone, u), (slug, n)
            hits = service._keys_statement.cache_info().hits
            for first, then in permutations(users, 2):
                _walk(ledger, users[first])  # warm
                assert _walk(ledger, users[then]) == cold[then], (slug, first, then)
            assert service._keys_statement.cache_info().hits > hits  # warm statements read


def test_readers_of_other_scopes_never_get_each_others_rows_from_a_warm_cache(app, zone):
    _check_every_order(app, zone, list(zone["users"]))


def test_a_readers_new_grids_new_role_or_new_site_are_read_at_once(app, zone):
    """The same user, a fact of their scope changed: the cache is keyed by the facts, not by
    who asks (a grid taken away shows nothing of it on their next page)."""
    def changed(name, **values):
        with app.app_context():
            user = db.session.get(User, zone["users"][name])
            before = scope_of(user)
            for key, value in values.items():
                setattr(user, key, value)
            db.session.commit()
            assert scope_of(db.session.get(User, user.id)) != before

    _check_every_order(app, zone, ["inspector g1", "enterprise s1", "supervisor"])
    with app.app_context():
        g3 = db.session.get(Grid, zone["grids"]["g3"])
        user = db.session.get(User, zone["users"]["inspector g1"])
        user.grids = [g3]
        db.session.commit()
    site3 = next(i for i, name in zone["site_ids"].items() if name == "企业3")
    changed("enterprise s1", site_id=site3)
    changed("supervisor", role="inspector")  # no grids: nothing
    _check_every_order(app, zone, ["inspector g1", "enterprise s1", "supervisor"])


def test_the_page_itself_shows_only_the_readers_sites_after_anothers(app, client, zone):
    """Through the screen: an enterprise's rectification list after another's, and after the
    zone's."""
    names = zone["site_ids"]
    for first, then, own in (("enterprise s1", "enterprise s2", "企业2"),
                             ("supervisor", "enterprise s1", "企业1")):
        log_in(client, zone["users"][first])
        assert client.get("/ledgers/rectification").status_code == 200
        log_in(client, zone["users"][then])
        page = client.get("/ledgers/rectification").text
        assert own in page
        assert not any(name in page for name in names.values() if name != own)


def test_a_scope_holds_the_site_rules_facts_and_nothing_else(app, zone):
    """The stand-in a statement is built from: a list whose rule read another fact of the user
    (their id, their name) would fail when its statement is built, never leak."""
    with app.app_context():
        scope = scope_of(db.session.get(User, zone["users"]["enterprise s1"]))
        assert set(vars(scope)) == {"role", "site_id", "grid_ids"}
        assert not hasattr(scope, "id")
