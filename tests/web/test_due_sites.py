"""The home page's due sites come from the indexed `sites.next_due_on`, over every site."""

from datetime import date, timedelta

from sqlalchemy import select, text

from inspect_app.extensions import db
from inspect_app.generate import generate
from inspect_app.inspections.models import Inspection
from inspect_app.sites.due import refresh_all
from inspect_app.sites.models import Site
from inspect_app.timeutil import local_today, utcnow
from tests.factories import make_grid, make_site, make_user, template


def test_supervisor_home_shows_a_due_site_that_sorts_after_the_2000th(app, client):
    with app.app_context():
        generate(2050, 0)
        sites = list(db.session.execute(select(Site.id, Site.name).order_by(Site.name)))
        # Every site up to the 2,040th by name was inspected yesterday; the rest never were.
        cutoff_name = sites[2039].name
        yesterday = utcnow() - timedelta(days=1)
        db.session.execute(text(
            "INSERT INTO inspections (site_id, template_id, inspector_id, kind, from_scan, "
            "started_at, submitted_at, summary, led_by, principal_present) "
            "SELECT s.id, :tpl, u.id, 'patrol', :f, :at, :at, '', '', :f FROM sites s, users u "
            "WHERE s.name <= :name AND u.username = 'bench-inspector'"),
            {"tpl": template("grid-nine").id, "at": yesterday, "name": cutoff_name, "f": False})
        refresh_all(db.session.connection(), app.config["INSPECTION_INTERVAL_DAYS"])
        db.session.commit()
        late = sites[2040].name
    client.post("/auth/login", data={"login": "bench-supervisor", "password": "bench1234"})
    page = client.get("/").text
    assert late in page  # the 2,041st site by name: due, and shown
    assert sites[0].name not in page  # inspected yesterday: not due


def test_submitting_and_recolouring_keep_the_due_day(ctx, client):
    from inspect_app.inspections import service as inspections
    from inspect_app.inspections.models import Result

    grid = make_grid()
    site = make_site(grid, site_type="NINE", subkind="restaurant", risk_color="red")
    inspector = make_user("inspector", grids=[grid])
    assert site.next_due_on is None  # never inspected: due now
    inspection = inspections.start(inspector, site, template("grid-nine").id, False)
    for item in inspection.items:
        inspections.record_answer(inspector, inspection, item.id, Result.PASS, "")
    inspections.submit(inspector, inspection.id)
    db.session.refresh(site)
    assert site.next_due_on == local_today() + timedelta(days=30)  # red: monthly
    site.risk_color = "blue"
    db.session.commit()
    db.session.refresh(site)
    assert site.next_due_on == local_today() + timedelta(days=180)
    assert isinstance(site.next_due_on, date)
    assert db.session.scalar(select(Inspection.submitted_at)) is not None
