"""The major-hazard dashboard's summary (ledgers/summary.py): the same figures as counting every
major hazard, counted again after a major hazard changes, its time on the page in both
languages, a live count where it cannot answer, and a page read in a fixed number of
statements."""

import json
import re
import time
from datetime import datetime, timedelta

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from inspect_app import tasks
from inspect_app.auth.models import User
from inspect_app.extensions import db
from inspect_app.hazards import forms as hazard_forms
from inspect_app.hazards import lifecycle
from inspect_app.ledgers import summary
from inspect_app.ledgers.dashboard import dashboard
from inspect_app.ledgers.filters import Filters
from inspect_app.models import MajorSummary, MajorSummaryRow
from inspect_app.sites.models import Area
from inspect_app.timeutil import local_today, to_local, utcnow
from tests.factories import make_area, make_grid, make_hazard, make_site, make_user
from tests.web.test_scale_figures import EXPECTED, TODAY, _board, zone  # noqa: F401 - fixture
from tests.web.test_statement_counts import statements

# Noon in the zone on the generated zone's day, as the UTC the database stores.
NOON = datetime(2026, 12, 1, 4, 0)


def _users() -> dict[str, User]:
    return {u.username: u for u in db.session.scalars(select(User).where(
        User.username.in_(["bench-supervisor", "bench-inspector", "bench-enterprise"])))}


def test_summary_gives_the_figures_of_counting_every_major_hazard(app, zone):  # noqa: F811
    """On a generated zone: the figures from the summary are the live count's, and the ones
    captured before the summary existed (scale_figures.json), for every filter it answers."""
    app.config["MAJOR_SUMMARY_MAX_MINUTES"] = 10**8  # counted at NOON, read at any real time
    made = summary.refresh(now=NOON)
    assert made.day == TODAY
    rows = db.session.scalar(select(func.count()).select_from(MajorSummaryRow))
    majors = dashboard(_users()["bench-supervisor"], Filters(), today=TODAY, live=True)
    assert 0 < rows < majors.overall.total  # alike hazards in one row

    expected = json.loads(EXPECTED.read_text())["dashboard"]
    users = _users()
    for key, want in expected.items():
        who, name = key.split("/")
        area = db.session.scalar(select(Area.id).order_by(Area.id).limit(1))
        filters = {"all": Filters(), "area": Filters(area=area),
                   "type": Filters(site_type="MECH")}[name]
        assert json.loads(json.dumps(_board(users[who], filters))) == want, key
        board = dashboard(users[who], filters, today=TODAY)
        assert board.source == ("summary" if who == "bench-supervisor" else "live"), key
    supervisor = users["bench-supervisor"]
    area = db.session.scalar(select(Area.id).order_by(Area.id.desc()).limit(1))
    for filters in (Filters(), Filters(area=area), Filters(site_type="HAZ"),
                    Filters(area=area, site_type="MECH")):
        for regime in ("", "accident", "fire"):
            board = dashboard(supervisor, filters, today=TODAY, regime=regime)
            live = dashboard(supervisor, filters, today=TODAY, regime=regime, live=True)
            assert board.source == "summary" and live.source == "live"
            assert board == live, (filters, regime)
            assert board.counted_at == NOON


def _majors(site, n: int, status: str = "confirmed"):
    return [make_hazard(site, f"重大隐患{i}", level="major", status=status,
                        deadline=local_today() + timedelta(days=30)) for i in range(n)]


def _run_queue(app, done, bound: float = 120) -> None:
    """A real consumer until `done()` (a bound, not a timing)."""
    db.session.commit()
    with tasks.running_consumer(app):
        deadline = time.monotonic() + bound
        while not done() and time.monotonic() < deadline:
            db.session.rollback()
            time.sleep(0.05)
    db.session.expire_all()


def test_a_major_hazard_changing_state_is_counted_again_by_the_queue(app, ctx):
    huey = app.extensions["tasks"].huey
    huey.flush()
    site = make_site(make_grid(make_area("北区")), site_type="MECH")
    supervisor = make_user("supervisor")
    first, _second = _majors(site, 2, status="reported")
    huey.flush()
    before = summary.refresh()
    before_id, before_at = before.id, before.made_at
    assert dashboard(supervisor, Filters()).overall.open == 2

    make_hazard(site, "一般隐患")  # a general hazard is not counted: nothing to do
    assert huey.pending_count() == 0
    lifecycle.perform(supervisor, first.id, "reject",
                      hazard_forms.transition("reject", MultiDict({"note": "重复上报"})))
    assert huey.pending_count() == 1  # queued once the change committed
    board = dashboard(supervisor, Filters())
    assert board.source == "summary" and board.overall.open == 2  # as counted, with its time

    _run_queue(app, lambda: summary.latest().id != before_id)
    board = dashboard(supervisor, Filters())
    assert board.source == "summary" and board.counted_at > before_at
    assert board.overall.open == 1 and board.overall.total == 1
    assert db.session.scalar(select(func.count()).select_from(MajorSummary)) == 1  # old gone
    assert huey.pending_count() == 0


def test_a_task_asked_before_a_later_count_does_not_count_again(ctx):
    asked = utcnow()
    made = summary.refresh(now=asked + timedelta(seconds=1))
    assert summary.refresh_major_summary(asked.isoformat()) is False
    assert summary.latest().id == made.id
    assert summary.refresh_major_summary((asked + timedelta(seconds=2)).isoformat()) is True


def test_the_five_minute_count_runs_once_for_every_consumer(ctx):
    summary.refresh(now=utcnow() - timedelta(minutes=2))
    assert summary.major_summary_catch_up() is True  # the last count is two minutes old
    made = summary.latest().id
    assert summary.major_summary_catch_up() is False  # another consumer's run of the same tick
    assert summary.latest().id == made


def test_page_shows_when_its_figures_were_counted_in_both_languages(client, login, ctx):
    site = make_site(make_grid(make_area("南区")), site_type="HAZ")
    _majors(site, 3)
    supervisor = make_user("supervisor")
    made = summary.refresh()
    at = to_local(made.made_at).strftime("%Y-%m-%d %H:%M")
    login(supervisor)
    page = client.get("/ledgers/major").text
    assert f"统计时间：{at}" in page and "汇总" in page and "重新统计" in page
    client.post("/lang/en", data={"next": "/"})
    page = client.get("/ledgers/major").text
    assert f"Counted at {at}" in page and "from the summary" in page and "Count again" in page

    # A grid is not in the summary: counted live, and the page says so.
    grid = site.grid_id
    page = client.get(f"/ledgers/major?grid={grid}").text
    assert "counted live" in page and "Counted at" in page
    # An enterprise sees its own site: counted live, and no "count again".
    staff = make_user("enterprise", site=site)
    login(staff)
    client.post("/lang/zh", data={"next": "/"})
    page = client.get("/ledgers/major").text
    assert "统计时间：" in page and "实时统计" in page and "重新统计" not in page


def test_an_old_summary_is_not_read(app, ctx):
    site = make_site(site_type="MECH")
    _majors(site, 2)
    supervisor = make_user("supervisor")
    yesterday = summary.refresh(now=utcnow() - timedelta(days=1)).id  # deleted by the next
    assert dashboard(supervisor, Filters()).live_why == "pending"  # another day's overdue
    summary.refresh(now=utcnow() - timedelta(minutes=20))
    assert summary.latest().id != yesterday
    board = dashboard(supervisor, Filters())  # older than MAJOR_SUMMARY_MAX_MINUTES
    assert board.source == "live" and board.live_why == "pending" and board.overall.total == 2
    app.config["MAJOR_STOCK_CUTOFF"] = "2024-06-30"  # counted with other rules
    summary.refresh(now=utcnow() - timedelta(minutes=1))
    app.config["MAJOR_STOCK_CUTOFF"] = "2023-12-31"
    assert dashboard(supervisor, Filters()).source == "live"
    summary.refresh()
    assert dashboard(supervisor, Filters()).source == "summary"


def test_count_again_is_for_zone_staff_with_csrf_and_keeps_the_filters(client, login, ctx):
    area = make_area("西区")
    _majors(make_site(make_grid(area), site_type="MECH"), 1)
    supervisor = make_user("supervisor")
    login(supervisor)
    assert client.post("/ledgers/major/count", csrf=False).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(MajorSummary)) == 0
    resp = client.post("/ledgers/major/count", data={"area": area.id, "type": "MECH"})
    assert resp.status_code == 303
    assert resp.location == f"/ledgers/major?area={area.id}&type=MECH"
    made = summary.latest()
    assert made is not None and made.day == local_today()
    client.post("/ledgers/major/count")  # moments later: the same count
    assert summary.latest().id == made.id
    login(make_user("enterprise", site=make_site()))
    assert client.post("/ledgers/major/count").status_code == 403


def test_export_counts_live_beside_its_rows(ctx):
    site = make_site(site_type="MECH")
    _majors(site, 2)
    supervisor = make_user("supervisor")
    summary.refresh()
    _majors(site, 1)  # not yet in the summary
    assert dashboard(supervisor, Filters()).overall.total == 2
    assert dashboard(supervisor, Filters(), live=True).overall.total == 3


def test_dashboard_page_reads_the_summary_in_a_fixed_number_of_statements(client, login, ctx):
    area = make_area("东区")
    site = make_site(make_grid(area), site_type="MECH")
    other = make_site(make_grid(area), site_type="HAZ")
    supervisor = make_user("supervisor")
    login(supervisor)

    def page_statements() -> list[str]:
        summary.refresh()
        client.get("/ledgers/major")
        db.session.expunge_all()
        with statements() as seen:
            assert "统计时间" in client.get("/ledgers/major").text
        return seen

    _majors(site, 2)
    few = page_statements()
    _majors(db.session.merge(other), 6)
    more = page_statements()
    assert len(more) == len(few) <= 12, (few, more)
    # The dashboard's part: the latest summary and its rows, never the hazards.
    read = [s for s in more if re.search(r"major_summar", s)]
    assert len(read) == 2 and not any("stock_left" in s for s in more if s not in read)


def test_kept_figures_follow_the_count_the_language_and_the_reader(app, client, login, ctx,
                                                                  monkeypatch):
    """With memos on, the dashboard's figures are rendered once per count and language
    (dashboard.figures): a new count shows at once, each language gets its own words, a live
    reader their own figures, and the "count again" form each reader's own CSRF token."""
    from inspect_app import memo
    monkeypatch.setitem(app.config, "FIGURE_MEMOS", True)
    memo.clear_all()
    site = make_site(make_grid(make_area("北区")), site_type="MECH")
    _majors(site, 2)
    supervisor, admin = make_user("supervisor"), make_user("admin")
    token = re.compile(r'name="csrf_token" value="([^"]+)"')

    def dashboard_of():
        return re.search(r'<section class="dashboard".*?</section>',
                         client.get("/ledgers/major").text, re.S)[0]

    def total(section):
        return int(re.search(r"<li><strong>(\d+)</strong> (major hazards|重大隐患)</li>",
                             section)[1])

    try:
        summary.refresh()
        login(supervisor)
        first = dashboard_of()
        assert total(first) == 2 and "汇总表统计" in first and "北区" in first
        assert token.sub("", dashboard_of()) == token.sub("", first)  # kept

        _majors(site, 1)
        summary.refresh()
        again = dashboard_of()
        assert total(again) == 3  # a new count: rendered anew
        client.post("/lang/en", data={"next": "/"})
        en = dashboard_of()
        assert total(en) == 3 and "By area" in en and "按片区" not in en
        client.post("/lang/zh", data={"next": "/"})
        assert token.sub("", dashboard_of()) == token.sub("", again)

        login(admin)  # the same figures, with a token of this reader's own session
        mine = dashboard_of()
        assert token.sub("", mine) == token.sub("", again)
        count = "/ledgers/major/count"
        assert client.post(count, data={"csrf_token": token.search(again)[1]},
                           csrf=False).status_code == 400
        assert client.post(count, data={"csrf_token": token.search(mine)[1]},
                           csrf=False).status_code == 303

        other = make_site(make_grid(make_area("南区")), site_type="HAZ")
        login(make_user("enterprise", site=other))  # counted live, for their own site only
        theirs = dashboard_of()
        assert total(theirs) == 0 and "实时统计" in theirs and "北区" not in theirs
        assert not token.search(theirs)  # no "count again"
    finally:
        memo.clear_all()
