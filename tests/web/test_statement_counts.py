"""Statements per page stay flat as the page's rows grow: no query per row (N+1).

Counted, never timed: the statements a request sends to the database, from the engine's own
event. Each test measures the same page with few rows and with more, and asserts the count
does not grow (and stays under a small bound).
"""

import io
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from inspect_app.extensions import db
from inspect_app.inspections.models import Inspection
from tests.conftest import HX
from tests.factories import jpeg_bytes, make_grid, make_site, make_user, template


@contextmanager
def statements():
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _start(client, site, slug="grid-nine"):
    resp = client.post(f"/inspections/start/{site.id}", data={"template": template(slug).id})
    return int(resp.location.rsplit("/", 1)[1])


def _fail_with_photo(client, inspection_id, item, n):
    client.post(f"/inspections/{inspection_id}/items/{item.id}",
                data={"result": "fail", "note": "不合格"}, headers=HX)
    resp = client.post(f"/inspections/{inspection_id}/items/{item.id}/photos", headers=HX,
                       data={"upload_key": f"k-{n:020d}",
                             "photo": (io.BytesIO(jpeg_bytes(color=(n * 20 % 255, 40, 40))),
                                       f"IMG_{n}.jpg", "image/jpeg")},
                       content_type="multipart/form-data")
    assert resp.status_code == 200


def _page_statements(client, url) -> int:
    return len(_page_seen(client, url))


def _page_seen(client, url) -> list[str]:
    """The statements of one GET of `url`, warm."""
    client.get(url)  # warm: what is loaded once per process (the checklist's items)
    # The test's session is the requests' session: empty it, so each request loads what it
    # shows, as it would in production.
    db.session.expunge_all()
    with statements() as seen:
        assert client.get(url).status_code == 200
    return seen


def test_checklist_page_reads_answers_and_photos_in_a_fixed_number_of_statements(
        client, login, ctx):
    grid = make_grid()
    site = make_site(grid, site_type="NINE", subkind="restaurant", risk_color="red")
    inspector = make_user("inspector", grids=[grid])
    login(inspector)
    inspection_id = _start(client, site)
    items = db.session.get(Inspection, inspection_id).items
    url = f"/inspections/{inspection_id}"
    _fail_with_photo(client, inspection_id, items[0], 1)
    few = _page_statements(client, url)
    for n, item in enumerate(items[1:6], start=2):
        _fail_with_photo(client, inspection_id, item, n)
    seen = _page_seen(client, url)
    more = len(seen)
    assert more == few, f"{few} statements with 1 photo, {more} with 6"
    # The user; the inspection with its checklist and site (one: inspections/sheet.py), its
    # answers with their photos (the items are read once per process, checklists/item_rows.py);
    # the bar's three counts.
    assert more <= 6, seen
    assert not any(s.startswith("SELECT inspections.") for s in seen), seen


def test_queue_reads_each_cards_site_in_the_same_statement(client, login, ctx):
    from inspect_app.hazards import service as hazards

    grid = make_grid()
    supervisor = make_user("supervisor")
    site_ids = [make_site(grid).id for _ in range(6)]

    def report(ids):
        reporter = db.session.merge(supervisor)
        for site_id in ids:
            hazards.report(site_id=site_id, description="通道堵塞", level="general",
                           source="patrol", reporter=reporter)
        db.session.commit()

    report(site_ids[:2])
    login(supervisor)
    few = _page_statements(client, "/hazards/")
    report(site_ids[2:])
    more = _page_statements(client, "/hazards/")
    assert more == few, f"{few} statements with 2 cards, {more} with 6"
    # The queue's cards: what the user just reported, and the page (its bands, then each card
    # by id, with its site's name): one statement each, and no site read apart.
    with statements() as seen:
        client.get("/hazards/")
    cards = [s for s in seen if s.startswith("SELECT hazards.id, hazards.level")]
    assert len(cards) == 2 and not any(s.startswith("SELECT sites.") for s in seen), seen


@pytest.mark.parametrize("role", ["inspector", "supervisor"])
def test_queue_and_its_just_reported_cards_read_no_row_per_card(client, login, ctx, role):
    """A user's own new findings head the queue (an inspector's patrol, a supervisor's
    supervisory inspection): read with their sites' names, as the queue's cards are, however
    many there are, and for nobody else."""
    from datetime import timedelta

    from inspect_app.hazards import service as hazards
    from inspect_app.timeutil import utcnow

    grid = make_grid()
    finder = make_user(role, grids=[grid] if role == "inspector" else ())
    other = make_user(role, grids=[grid] if role == "inspector" else ())
    site = make_site(grid, site_type="NINE", subkind="restaurant")
    inspection = Inspection(site_id=site.id, inspector_id=finder.id,
                            template_id=template("grid-nine").id, kind="patrol",
                            started_at=utcnow() - timedelta(minutes=30), submitted_at=utcnow())
    db.session.add(inspection)
    db.session.commit()
    site_id, inspection_id, other_id = site.id, inspection.id, other.id

    def found(n):
        reporter = db.session.merge(finder)
        for _ in range(n):
            hazards.report(site_id=site_id, description="灭火器过期", level="general",
                           source="patrol", reporter=reporter, inspection_id=inspection_id)
        db.session.commit()

    found(1)
    login(finder)
    few = _page_statements(client, "/hazards/")
    found(5)
    more = _page_statements(client, "/hazards/")
    assert more == few, f"{few} statements with 1 new finding, {more} with 6"
    assert 'id="just-found"' in client.get("/hazards/").text
    login(other_id)
    assert 'id="just-found"' not in client.get("/hazards/").text

def test_queue_grid_choices_are_read_once_a_minute_per_scope(app, client, login, ctx,
                                                               monkeypatch):
    """The filter's grids are the same for every zone staff member: with memos on, the second
    page (another supervisor's) reads none, and a ledger shares them."""
    from inspect_app import memo

    monkeypatch.setitem(app.config, "FIGURE_MEMOS", True)
    memo.clear_all()
    make_grid()
    supervisors = [make_user("supervisor").id for _ in range(2)]

    def grids_read(user_id, url):
        login(user_id)
        with statements() as seen:
            assert client.get(url).status_code == 200
        return sum("FROM grids" in statement for statement in seen)

    try:
        assert grids_read(supervisors[0], "/hazards/") == 1
        assert grids_read(supervisors[1], "/hazards/") == 0
        assert grids_read(supervisors[1], "/ledgers/hazards") == 0
    finally:
        memo.clear_all()


def test_queue_and_ledger_filters_read_every_area_in_one_statement(client, login, ctx):
    from inspect_app.sites.models import grid_inspectors
    from tests.factories import make_area

    supervisor = make_user("supervisor")
    inspector = make_user("inspector", grids=[make_grid(make_area(f"片区{n}")) for n in range(2)])
    users = {"supervisor": supervisor.id, "inspector": inspector.id}

    def counts():
        out = {}
        for role, user_id in users.items():
            login(user_id)
            out[role] = [_page_statements(client, url) for url in ("/hazards/", "/ledgers/hazards")]
        return out

    few = counts()
    for n in range(2, 7):
        grid = make_grid(make_area(f"片区{n}"))
        db.session.execute(grid_inspectors.insert().values(grid_id=grid.id,
                                                           user_id=users["inspector"]))
    db.session.commit()
    assert counts() == few  # 2 areas, then 7: the same statements


def test_a_tick_runs_a_fixed_small_number_of_statements(client, login, ctx):
    grid = make_grid()
    site = make_site(grid, site_type="NINE", subkind="restaurant", risk_color="red")
    login(make_user("inspector", grids=[grid]))
    inspection_id = _start(client, site)
    items = db.session.get(Inspection, inspection_id).items
    url = f"/inspections/{inspection_id}/items/{{}}"
    client.post(url.format(items[0].id), data={"result": "pass"}, headers=HX)  # warm
    counts, on_answers = [], []
    for item, result in ((items[1], "pass"), (items[2], "na"), (items[1], "na"), (items[1], "na")):
        db.session.expunge_all()
        with statements() as seen:
            resp = client.post(url.format(item.id), data={"result": result}, headers=HX)
        assert resp.status_code == 200 and f'tick-{result} on"' in resp.text
        counts.append(len(seen))
        on_answers.append(sorted(s.split()[0] for s in seen if "answers" in s))
    # A new answer or a changed one: the user, the inspection with its checklist and site (one
    # statement), its answers (the one it changes, and the reply's), the write. The reply
    # shows the answers as written, not read back, and no figure of the bar it does not carry
    # (the unread count: memoised for seconds, so a tick in every few counted).
    assert counts[0] == counts[1] == counts[2] <= 4, counts
    assert not any("notifications" in s for s in seen), seen
    assert on_answers[:3] == [["INSERT", "SELECT"], ["INSERT", "SELECT"], ["SELECT", "UPDATE"]]
    # The same tick sent again (a retry, a double tap): the same reads, no write.
    assert counts[3] == counts[2] - 1 and on_answers[3] == ["SELECT"], (counts, on_answers)
    # With the outbox's key: its receipt written beside the answer (one INSERT: a repeat is
    # found by the unique index, not looked for first), and nothing read twice (the receipt's
    # commit is the write's: the user and the inspection stay loaded for the reply), the
    # inspection never on its own.
    db.session.expunge_all()
    with statements() as seen:
        resp = client.post(url.format(items[2].id), data={"result": "pass"},
                           headers={**HX, "Idempotency-Key": "k" * 20})
    assert resp.status_code == 200 and 'tick-pass on"' in resp.text
    assert len(seen) == counts[2] + 1, seen
    assert [s.split()[0] for s in seen if "write_receipts" in s] == ["INSERT"], seen
    assert sum(s.startswith("SELECT users.") for s in seen) == 1, seen
    assert sum(s.startswith("SELECT sites.name") for s in seen) == 1, seen
    assert not any(s.startswith("SELECT inspections.") for s in seen), seen
    db.session.expunge_all()
    answers = {a.item_id: a.result for a in db.session.get(Inspection, inspection_id).answers}
    assert answers == {items[0].id: "pass", items[1].id: "na", items[2].id: "pass"}


def test_inspector_home_reads_sites_queue_and_hazards_in_a_fixed_number_of_statements(
        client, login, ctx):
    """The inspector's home: the work queue (sites due, rectifications to verify), the sites
    due with their due day (the hazard queue's first cards load apart: /queue-card)."""
    from inspect_app.models import Grid
    from tests.factories import make_hazard

    grid = make_grid()
    inspector = make_user("inspector", grids=[grid])
    grid_id = grid.id

    def fill(n):
        for _ in range(n):
            site = make_site(db.session.get(Grid, grid_id))  # never inspected: due
            make_hazard(site, "待复查", status="submitted")
            make_hazard(site, "待整改", status="rectifying")
        db.session.commit()

    fill(1)
    login(inspector)
    few = _page_statements(client, "/")
    fill(5)
    more = _page_statements(client, "/")
    assert more == few, f"{few} statements with one row per part, {more} with six"
    # The user; their grids; the queue's counts; its two sections' rows; the sites due (the
    # overdue, then those due today or never inspected); the bar's unread notifications.
    assert more <= 8


def test_site_page_reads_its_lists_in_a_fixed_number_of_statements(client, login, ctx):
    from inspect_app.hazards import service as hazards
    from inspect_app.inspections import service as inspections

    grid = make_grid()
    site = make_site(grid, site_type="NINE", subkind="restaurant", risk_color="red")
    inspector = make_user("inspector", grids=[grid])
    others = [make_user("inspector", grids=[grid]) for _ in range(3)]
    login(inspector)
    site_id, url = site.id, f"/sites/{site.id}"

    def add(n):
        """n hazards, n submitted inspections by other inspectors, one unfinished of ours."""
        for user in others[:n]:
            user = db.session.merge(user)
            done = inspections.start(user, db.session.merge(site), template("grid-nine").id, False)
            for item in done.items:
                inspections.record_answer(user, done, item.id, "pass", "")
            inspections.submit(user, done.id)
            hazards.report(site_id=site_id, description="通道堵塞", level="general",
                           source="patrol", reporter=user)
        db.session.commit()

    _start(client, site)
    add(1)
    few = _page_statements(client, url)
    add(3)
    more = _page_statements(client, url)
    assert more == few, f"{few} statements with 1 inspection and hazard, {more} with 4"
    # The user with the grids they cover; the site with its grid's and area's names; the
    # checklists that fit; our unfinished inspection with its counts; the recent ones with who and which list;
    # the open hazards; work stopped; the bar's three counts.
    assert more == 10


def test_queue_and_ledger_grid_filters_word_each_grid_with_its_area(client, login, ctx):
    """The grid filter lists the grids the user may filter by, each as "area · grid", by name:
    every active grid for zone staff, an inspector's own grids."""
    import re

    from tests.factories import make_area

    east, west = make_area("东片区"), make_area("西片区")
    mine, other = make_grid(east, "A网格"), make_grid(west, "B网格")
    closed = make_grid(west, "C网格")
    closed.active = False
    db.session.commit()
    supervisor = make_user("supervisor")
    inspector = make_user("inspector", grids=[mine])

    def grids(url):
        select = re.search(r'<select name="grid">(.*?)</select>', client.get(url).text, re.S)
        return re.findall(r'<option value="(\d+)" >([^<]*)</option>', select.group(1))

    login(supervisor)
    for url in ("/hazards/", "/ledgers/hazards"):
        assert grids(url) == [(str(mine.id), "东片区 · A网格"), (str(other.id), "西片区 · B网格")]
    login(inspector)
    for url in ("/hazards/", "/ledgers/hazards"):
        assert grids(url) == [(str(mine.id), "东片区 · A网格")]


def test_zone_staff_queue_statement_is_built_once_per_shape(client, login, ctx):
    """A supervisor's queue page statement holds nothing of theirs but its parameters: built
    once for a shape of filters, whichever area, grid or day it is run for."""
    from inspect_app.hazards import service as hazards
    from tests.factories import make_area

    areas = [make_area(f"片区{n}") for n in range(2)]
    sites = [make_site(make_grid(area)) for area in areas]
    supervisor = make_user("supervisor")
    for site in sites:
        hazards.report(site_id=site.id, description=f"通道堵塞{site.id}", level="general",
                       source="patrol", reporter=supervisor)
    db.session.commit()
    area_ids, site_ids = [a.id for a in areas], [s.id for s in sites]
    login(supervisor)
    hazards._zone_page.cache_clear()
    pages = [client.get(f"/hazards/?area={area_id}").text for area_id in area_ids]
    assert hazards._zone_page.cache_info().misses == 1
    for page, site_id, other in zip(pages, site_ids, reversed(site_ids), strict=True):
        assert f"通道堵塞{site_id}" in page and f"通道堵塞{other}" not in page
