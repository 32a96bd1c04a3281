"""The major-hazard dashboard counts in one GROUP BY: the same figures as classifying every
record in Python, near midnight in the zone too, from one statement and a few rows."""

from datetime import date, datetime, timedelta

from sqlalchemy import event, select

from inspect_app.extensions import db
from inspect_app.hazards import service as hazards
from inspect_app.hazards.models import Hazard, Supervision
from inspect_app.ledgers import stats
from inspect_app.ledgers.dashboard import dashboard
from inspect_app.ledgers.filters import Filters
from inspect_app.sites.models import Grid
from inspect_app.timeutil import local_today
from tests.factories import make_area, make_grid, make_site, make_user

TODAY = date(2026, 12, 1)


def _major(site, found: date, deadline: date, closed_at: datetime | None = None,
           regime: str = "accident", status: str = "rectifying"):
    h = hazards.report(site_id=site.id, description="重大隐患", level="major", source="patrol",
                       reporter=None, now=datetime.combine(found, datetime.min.time()))
    h.found_on, h.deadline, h.status, h.regime = found, deadline, status, regime
    if closed_at:
        h.closed_at, h.status = closed_at, "closed"
    return h


def _records(user) -> list[stats.MajorRecord]:
    """Every visible major hazard as a plain record, classified the way summarise does."""
    active = set(db.session.scalars(select(Supervision.hazard_id)
                                    .where(Supervision.status == "active")))
    out = []
    for h in db.session.scalars(select(Hazard).where(Hazard.level == "major")):
        grid = db.session.get(Grid, h.site.grid_id)
        out.append(stats.MajorRecord(h.found_on, h.status, h.deadline, h.id in active,
                                     grid.area.name, h.site.site_type,
                                     local_today(h.closed_at) if h.closed_at else None,
                                     h.regime))
    return out


def test_grouped_dashboard_gives_the_figures_of_every_record_classified(ctx):
    north, south = make_area("北区"), make_area("南区")
    mech = make_site(make_grid(north), site_type="MECH")
    haz = make_site(make_grid(south), site_type="HAZ")
    deadline = date(2026, 3, 10)
    # Closed on the deadline's last minute in the zone (15:59 UTC) and one minute later.
    on_time = _major(mech, date(2026, 2, 1), deadline, datetime(2026, 3, 10, 15, 59))
    _major(mech, date(2026, 2, 1), deadline, datetime(2026, 3, 10, 16, 1))  # 03-11 in the zone
    # Stock (found by the cut-off), closed around the stock target's due day.
    rules = stats.TargetRules(stock_found_by=date(2023, 12, 31))
    due = rules.stock_closed_by
    _major(haz, date(2023, 5, 1), date(2023, 6, 1),
           datetime.combine(due, datetime.min.time()) + timedelta(hours=15, minutes=59))
    _major(haz, date(2023, 5, 2), date(2023, 6, 1),
           datetime.combine(due, datetime.min.time()) + timedelta(hours=16, minutes=1))
    _major(haz, date(2023, 7, 1), date(2024, 1, 1))  # stock, open, overdue
    for n in range(6):  # increment, open: three overdue, three not; fire and accident
        _major(mech, date(2025, 1 + n, 3), TODAY + timedelta(days=n - 3),
               regime="fire" if n % 2 else "accident")
    _major(mech, date(2024, 4, 4), date(2024, 5, 1), status="rejected")  # not counted
    db.session.add(Supervision(hazard_id=on_time.id, status="active"))
    db.session.commit()
    supervisor = make_user("supervisor")
    assert supervisor.role  # loaded before counting

    seen = []
    listener = lambda conn, cursor, statement, *a: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        groups = stats.load_groups(supervisor, Filters(), date(2023, 12, 31), TODAY, rules)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(seen) == 1  # one statement, whatever the number of hazards
    assert sum(g.n for g in groups) == 11 and len(groups) < 11  # alike hazards counted together

    got = stats.summarise_groups(groups, date(2023, 12, 31), TODAY, rules)
    want = stats.summarise(_records(supervisor), date(2023, 12, 31), TODAY, rules)
    assert got == want
    # 动态清零: the one closed a minute late in the zone, and three open past 2026 deadlines.
    assert [(t.key, t.figure) for t in got.targets] == [
        ("stock_cleared", 2), ("increment_curbed", 6), ("dynamic_zero", 4)]
    assert got.overall.total == 11 and got.overall.supervised == 1
    assert dict(got.by_regime)["fire"].total == 3


def test_dashboard_filters_narrow_the_groups(ctx):
    area = make_area("东区")
    site = make_site(make_grid(area), site_type="MECH")
    other = make_site(site_type="HAZ")
    for s in (site, site, other):
        _major(s, date(2025, 3, 1), date(2025, 4, 1))
    db.session.commit()
    supervisor = make_user("supervisor")
    board = dashboard(supervisor, Filters(area=area.id), today=TODAY)
    assert board.overall.total == 2 and board.overall.overdue == 2
    assert [code for code, _t in board.by_industry] == ["MECH"]
