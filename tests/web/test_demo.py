"""The demo zone a newcomer sees first."""

from sqlalchemy import func, select

from inspect_app.demo import DEMO_LOGINS, DEMO_PASSWORD, load
from inspect_app.extensions import db
from inspect_app.hazards.workflow import is_overdue
from inspect_app.models import Area, Grid, Hazard, Inspection, Site, User
from inspect_app.sites.types import RISK_COLORS, SITE_TYPES
from inspect_app.timeutil import local_today


def test_demo_zone_covers_every_type_colour_and_role(app, client):
    with app.app_context():
        assert load() is True
        assert load() is False  # a second run keeps what is there
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
