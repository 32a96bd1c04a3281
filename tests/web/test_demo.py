"""The demo zone a newcomer sees first.

The demo is loaded once for the module (a load takes seconds): the tests only read it, and
log in; its rows go when the module ends."""

import re

import pytest
from sqlalchemy import func, select

from inspect_app.demo import DEMO_LOGINS, DEMO_PASSWORD, load
from inspect_app.enterprise import checks, schedule
from inspect_app.extensions import db, limiter
from inspect_app.hazards.workflow import is_overdue
from inspect_app.models import Area, Grid, Hazard, Inspection, Notification, Site, User
from inspect_app.shifts.models import Team
from inspect_app.sites.types import RISK_COLORS, SITE_TYPES
from inspect_app.timeutil import local_today, utcnow
from tests.factories import log_in


@pytest.fixture(scope="module")
def demo(app, wipe_rows):
    """The demo, loaded into an empty database once for the module."""
    with app.app_context():
        assert load() is True
        db.session.remove()
    yield
    wipe_rows(app)


@pytest.fixture(autouse=True)
def _clean(app, demo):
    """In place of the suite's wipe after each test: the demo's rows stay for the next test."""
    yield
    with app.app_context():
        db.session.remove()
    limiter.reset()


def test_demo_zone_covers_every_type_colour_and_role(app, client):
    with app.app_context():
        assert load() is False  # a second run keeps what is there (the first: the fixture)
        assert db.session.scalar(select(func.count(Area.id))) == 2
        assert db.session.scalar(select(func.count(Grid.id))) == 6
        sites = db.session.scalars(select(Site)).all()
        assert len(sites) >= 30
        assert {s.site_type for s in sites} == set(SITE_TYPES)
        assert {s.risk_color for s in sites} == set(RISK_COLORS)
        assert {u.role for u in db.session.scalars(select(User))} == {r for _, r, _, _ in DEMO_LOGINS}
        assert db.session.scalar(select(func.count(Inspection.id)).where(
            Inspection.submitted_at.is_not(None))) >= 3
        hazards = db.session.scalars(select(Hazard)).all()
        assert hazards and any(is_overdue(h.status, h.deadline, local_today()) for h in hazards)
        # The plan's "stock" (found in 2023) came in through the stock import, like a zone's
        # paper register: found dates from the file, the import recorded with its checksum.
        stock = [h for h in hazards if h.found_on.year == 2023 and h.level == "major"]
        assert len(stock) == 2 and all(h.status == "closed" and h.closing_doc_no for h in stock)
        assert all([e.action for e in h.events] == ["import"] for h in stock)
        assert len({h.import_id for h in stock}) == 1 and stock[0].imported_from.sha256
    resp = client.post("/auth/login", data={"login": "13800000001", "password": DEMO_PASSWORD})
    assert resp.status_code == 302
    assert "hazard-card" in client.get("/hazards/").text


def _demo_enterprise():
    boss = db.session.scalar(select(User).where(User.username == "boss"))
    return boss, boss.site


def test_demo_people_are_named_by_name_and_the_principal_is_the_principal_account(app, client):
    with app.app_context():
        boss, site = _demo_enterprise()
        assert boss.position == "principal"
        assert (site.principal_name, site.principal_phone) == (boss.name, boss.phone) == \
            ("王德明", "13800000005")
        titles = ("主要负责人", "安全员", "网格员", "员工", "园区安监")
        assert not [u.name for u in db.session.scalars(select(User))
                    if any(t in u.name for t in titles)]
        # The statistics signature starts from the name alone.
        log_in(client, boss)
    page = client.get("/enterprise/statistics?year=2025&quarter=4").text
    assert re.search(r'<input name="signed_name"[^>]*value="王德明"', page), page[-3000:]
    assert 'value="主要负责人' not in page


def test_demo_enterprise_was_registered_a_year_ago_and_has_one_overdue_duty(app):
    with app.app_context():
        _boss, site = _demo_enterprise()
        assert (local_today() - local_today(site.created_at)).days >= 360
        items = checks.due_for(site)
        overdue = [i.duty for i in items if i.state == schedule.State.OVERDUE]
        assert overdue == [schedule.Duty.STAFF_CHECK], [(i.duty, i.state) for i in items]


def test_demo_notifications_carry_the_dates_of_what_they_tell(app):
    with app.app_context():
        notes = db.session.scalars(select(Notification)).all()
        old = [n for n in notes if (utcnow() - n.created_at).days >= 7]
        assert old, [(n.kind, n.created_at) for n in notes]
        for note in notes:
            hazard_id = int(note.link.rsplit("/", 1)[1]) if note.link.startswith("/hazards/") \
                else None
            if hazard_id is None:
                continue
            events = db.session.get(Hazard, hazard_id).events
            # Sent on the day of one of the hazard's steps (a backdated step's, not today).
            assert local_today(note.created_at) in {local_today(e.at) for e in events}, \
                (note.kind, note.created_at)


def test_demo_patrol_hazards_each_say_what_was_found(app):
    with app.app_context():
        patrol = db.session.scalars(select(Hazard).where(Hazard.source == "patrol")).all()
        assert len(patrol) >= 5
        descriptions = [h.description for h in patrol]
        assert len(set(descriptions)) == len(descriptions), descriptions


def test_the_demo_has_a_worker_a_safety_manager_and_a_principal_of_one_enterprise(app, ctx):
    """The accounts the README lists can walk the own loop: the worker reports from a team of
    the enterprise whose principal (boss) and safety manager (safety) confirm and verify."""
    from inspect_app.access import leads_safety
    from inspect_app.shifts.teams import member_team_id
    users = {u.username: u for u in db.session.scalars(select(User).where(
        User.username.in_(["worker", "safety", "boss"])))}
    site_id = users["worker"].site_id
    assert site_id is not None and {u.site_id for u in users.values()} == {site_id}
    assert (users["boss"].position, users["safety"].position) == ("principal", "safety_manager")
    assert leads_safety(users["boss"], site_id) and leads_safety(users["safety"], site_id)
    team = db.session.get(Team, member_team_id(users["worker"]))
    assert team.site_id == site_id and team.active
