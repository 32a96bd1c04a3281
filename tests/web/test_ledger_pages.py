"""The lists' pages, read page-first, against straightforward reference queries.

A generated zone of a few thousand rows (`flask demo generate`). Every list is walked page by
page through its "More" cursor, in small pages, for a supervisor, an inspector and an
enterprise, with a few filters: the pages give exactly the rows of the whole list (none lost,
none twice, in the list's order), those are the rows the reference SQL below picks, in its
order, the per-row figures are the reference's (answers and hazards counted table-first, the
latest submit and verify events), and the separately counted total is the reference count.
The statements a page runs are counted too: a fixed number, whatever the rows.
"""

import re
from collections import Counter
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, select, text

from inspect_app.access import is_zone_staff
from inspect_app.auth.models import User
from inspect_app.extensions import db
from inspect_app.generate import generate
from inspect_app.hazards.models import HazardEvent
from inspect_app.ledgers import service
from inspect_app.ledgers.filters import day_start
from inspect_app.ledgers.service import Filters
from inspect_app.sites.models import Area
from tests.factories import log_in

TODAY = date(2026, 12, 1)
WHO = ("bench-supervisor", "bench-inspector", "bench-enterprise")


@pytest.fixture(scope="module")
def zone(app, wipe_rows):
    with app.app_context():
        generate(30, 900, today=TODAY)
        db.session.remove()
    yield
    wipe_rows(app)


@pytest.fixture(autouse=True)
def _clean(app, zone):
    """In place of the suite's wipe after each test: the zone stays (its tests only read it)."""
    yield
    with app.app_context():
        db.session.remove()


@pytest.fixture
def users(app, zone):
    with app.app_context():
        yield {u.username: u for u in db.session.scalars(select(User).where(
            User.username.in_(WHO)))}


def _walk(ledger, user, filters, limit=20) -> list[tuple]:
    """Every row as the screen pages through it, `limit` rows (or sites) a page."""
    rows, after, pages = [], None, 0
    while True:
        page = service.listing(ledger, user, filters, after=after, limit=limit, today=TODAY)
        rows += page.rows
        pages += 1
        if page.next is None:
            return rows
        assert page.rows, "a page before the last one has rows"
        after = page.next


# The reference: each list's rows in plain SQL, straight from the tables ---------------------

def _sql(statement: str, **params) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(text(statement), params)]


def _visible_sites(user) -> set[int]:
    if is_zone_staff(user):
        return {r[0] for r in _sql("SELECT id FROM sites")}
    if user.role == "inspector":
        return {r[0] for r in _sql(
            "SELECT s.id FROM sites s JOIN grid_inspectors gi ON gi.grid_id = s.grid_id "
            "WHERE gi.user_id = :u", u=user.id)}
    return {user.site_id}


def _where(filters: Filters) -> tuple[str, dict]:
    parts, params = [], {}
    if filters.area:
        parts.append("g.area_id = :area")
        params["area"] = filters.area
    if filters.site_type:
        parts.append("s.site_type = :type")
        params["type"] = filters.site_type
    if filters.level:
        parts.append("h.level = :level")
        params["level"] = filters.level
    return "".join(f" AND {p}" for p in parts), params


HAZARD_STATUS = {"": "", "open": " AND h.status IN ('reported', 'confirmed', 'rectifying', "
                 "'submitted')", "closed": " AND h.status = 'closed'",
                 "submitted": " AND h.status = 'submitted'"}


def _reference_ids(slug: str, user, filters: Filters) -> list[int]:
    sites = _visible_sites(user)
    where, params = _where(filters)
    join = "JOIN sites s ON s.id = {}.site_id JOIN grids g ON g.id = s.grid_id"
    if filters.date_from:  # from midnight in the zone (a datetime), or the day found
        params["since"] = day_start(filters.date_from)
    if slug == "inspections":
        since = " AND i.submitted_at >= :since" if filters.date_from else ""
        rows = _sql("SELECT i.id, i.site_id FROM inspections i " + join.format("i")
                    + " WHERE i.submitted_at IS NOT NULL" + since + where
                    + " ORDER BY i.submitted_at DESC, i.id DESC", **params)
    elif slug in ("hazards", "rectification", "major"):
        status = HAZARD_STATUS[filters.status]
        if filters.date_from:
            status += " AND h.found_on >= :low"
            params["low"] = filters.date_from
            del params["since"]
        if slug == "rectification":
            status += " AND h.status NOT IN ('reported', 'rejected')"
        if slug == "major":
            status += (" AND (h.level = 'major' OR h.reported_level = 'major')"
                       " AND h.status <> 'rejected'")
        rows = _sql("SELECT h.id, h.site_id FROM hazards h " + join.format("h") + " WHERE 1 = 1"
                    + status + where + " ORDER BY h.found_on DESC, h.id DESC", **params)
    elif slug == "enforcement":
        since = " AND r.referred_at >= :since" if filters.date_from else ""
        if filters.status:
            since += " AND r.status = :status"
            params["status"] = filters.status
        rows = _sql("SELECT r.id, r.site_id FROM referrals r LEFT JOIN hazards h ON h.id = "
                    "r.hazard_id " + join.format("r") + " WHERE 1 = 1" + since + where
                    + " ORDER BY r.referred_at DESC, r.id DESC", **params)
    else:  # responsibility: sites
        rows = _sql("SELECT s.id, s.id FROM sites s JOIN grids g ON g.id = s.grid_id JOIN areas a"
                    " ON a.id = g.area_id WHERE s.active = :yes" + where
                    + " ORDER BY a.name, g.name, s.name, s.id", yes=True, **params)
    return [r[0] for r in rows if r[1] in sites]


def _inspection_figures() -> dict[int, tuple]:
    """Items checked, items failed and hazards found of every inspection, table-first."""
    answers = {r[0]: (r[1], r[2]) for r in _sql(
        "SELECT inspection_id, count(*), sum(CASE WHEN result = 'fail' THEN 1 ELSE 0 END) "
        "FROM answers GROUP BY inspection_id")}
    found = dict(_sql("SELECT inspection_id, count(*) FROM hazards "
                      "WHERE inspection_id IS NOT NULL GROUP BY inspection_id"))
    return {i: (*answers.get(i, (0, 0)), found.get(i, 0))
            for (i,) in _sql("SELECT id FROM inspections")}


def _latest_events() -> dict[tuple[int, str], tuple]:
    """(hazard, submit | verify) -> (at, by) of its latest such event, table-first."""
    latest = {}
    for hid, action, at, by in db.session.execute(
            select(HazardEvent.hazard_id, HazardEvent.action, HazardEvent.at, User.name)
            .outerjoin(User, User.id == HazardEvent.actor_id)
            .where(HazardEvent.action.in_(["submit", "verify", "fix_on_spot"]))
            .order_by(HazardEvent.id)):
        latest[hid, "submit" if action == "submit" else "verify"] = (at, by)
    return latest


FILTERS = {"all": {}, "open": {"status": "open"}, "closed": {"status": "closed"},
           "major": {"level": "major"}, "type": {"site_type": "MECH"}, "area": {},
           "from": {"date_from": date(2026, 1, 1)}}


def _filters(name: str, ledger) -> Filters | None:
    values = dict(FILTERS[name])
    if name == "area":
        values["area"] = db.session.scalar(select(Area.id).order_by(Area.id.desc()).limit(1))
    needs = {"status": "status", "level": "level", "site_type": "type", "area": "area",
             "date_from": "period"}
    for key, value in values.items():
        if key == "status" and value not in ledger.statuses:
            return None
        if key != "status" and needs[key] not in ledger.filters:
            return None
    return Filters(**values)


def _id_column(ledger) -> int:
    return next(i for i, c in enumerate(ledger.columns) if c.key == "id")


@pytest.mark.parametrize("slug", list(service.LEDGERS))
@pytest.mark.parametrize("who", WHO)
def test_pages_give_the_reference_rows_and_total(app, users, slug, who):
    ledger, user = service.LEDGERS[slug], users[who]
    events = _latest_events() if slug == "rectification" else {}
    figures = _inspection_figures() if slug == "inspections" else {}
    checked = 0
    for name in FILTERS if who == "bench-supervisor" else ("all", "open", "major"):
        filters = _filters(name, ledger)
        if filters is None or (slug == "major" and who == "bench-inspector"):
            continue
        walked = _walk(ledger, user, filters)
        assert walked == list(service.rows(ledger, user, filters, today=TODAY)), name
        reference = _reference_ids(slug, user, filters)
        total = service.counted(ledger, user, filters, today=TODAY).total
        assert total == len(reference), name
        if ledger.generate:  # by site: each site's rows together, the sites in name order
            sites = [r[:3] for r in walked]
            assert len(set(sites)) == total and sites == sorted(sites, key=sites.index)
            checked += total
            continue
        ids = [r[_id_column(ledger)] for r in walked]
        assert ids == reference, name  # none lost, none twice, in order
        for row in walked:
            values = {c.key: v for c, v in zip(ledger.columns, row, strict=True)}
            if figures:
                assert (values["items"], values["failed"], values["hazards"]) == \
                    figures[values["id"]]
            if events:
                sub = events.get((values["id"], "submit"), (None, None))
                assert (values["submitted_at"], values["submitted_by"]) == sub
                if values["status"] == "closed":
                    assert values["verified_by"] == events[values["id"], "verify"][1]
        checked += len(ids)
    if who == "bench-supervisor" and slug != "major":
        assert checked > (0 if slug == "enforcement" else 30)  # rows (sites) to compare


@pytest.mark.parametrize("slug", [s for s, ledger in service.LEDGERS.items()
                                  if not ledger.generate])
def test_print_and_export_read_every_row_a_few_at_a_time_none_lost_or_twice(
        app, users, slug, monkeypatch):
    """Every row (print, export) is read as the screen reads its pages: keys, then the rows of
    those ids, ROWS_PER_READ at a time. Across the reads' edges and at any limit: the screen's
    rows, in its order, each once; two statements a read, none more."""
    ledger, user = service.LEDGERS[slug], users["bench-supervisor"]
    screen = _walk(ledger, user, Filters())
    per_read = 7
    monkeypatch.setattr(service, "ROWS_PER_READ", per_read)
    assert len(screen) > 3 * per_read or slug == "enforcement", len(screen)
    with _statements() as seen:
        assert list(service.rows(ledger, user, Filters(), today=TODAY)) == screen
    def reads(rows: int) -> int:  # statements: a read's keys, then its rows (when it has some)
        return 2 * -(-rows // per_read) if rows else 1

    assert len(seen) == reads(len(screen))
    for limit in (1, per_read, per_read + 1, 3 * per_read, len(screen), len(screen) + 1):
        with _statements() as seen:
            assert list(service.rows(ledger, user, Filters(), today=TODAY, limit=limit)) == \
                screen[:limit], limit
        assert len(seen) == reads(min(limit, len(screen))), limit


def test_a_pages_figures_are_read_by_its_ids_on_sqlite(app, users):
    """SQLite was given `answers.inspection_id IN (...) = 1`, which no index answers: the
    inspections list's page (and print, and export) counted its 50 rows' answers by scanning
    every answer of the zone. Its per-row figures are read by the ids, on their indexes."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner")
    sent = []

    def keep(conn, cursor, statement, params, *args):
        sent.append((statement, params))

    for slug, table in (("inspections", "answers"), ("rectification", "hazard_events")):
        sent.clear()
        event.listen(db.engine, "before_cursor_execute", keep)
        try:
            service.listing(service.LEDGERS[slug], users["bench-supervisor"], Filters(),
                            today=TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", keep)
        statement, params = sent[-1]  # the page's rows, after its keys
        assert f"FROM {table}" in statement and ") = 1" not in statement, statement
        conn = db.session.connection()
        conn.exec_driver_sql("ANALYZE")
        plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                       params)]
        steps = [step for step in plan if f" {table} " in f"{step} "]
        assert steps and all(step.startswith("SEARCH") for step in steps), plan


@contextmanager
def _statements():
    seen: list[str] = []

    def keep(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)


# Statements of one page: its keys, then its rows (by site: 3 per read of SITES_PER_READ
# sites: the sites, who answers, what is open); "More" looks up the keys of the row it
# continues after first.
STATEMENTS = {"inspections": 2, "hazards": 2, "rectification": 2, "enforcement": 2,
              "major": 2, "responsibility": 4}
# The whole major page (memos off): the summary and its rows, the page's keys and rows, the
# grids to filter by, the bell's count, and the work queue's count (two since 132fb4e: a
# verifier's own latest submits are read first).
MAJOR_PAGE_STATEMENTS = 8


@pytest.mark.parametrize("slug", list(service.LEDGERS))
def test_a_page_runs_a_fixed_number_of_statements(app, users, slug):
    ledger, user = service.LEDGERS[slug], users["bench-supervisor"]
    counts = Counter()
    for limit in (1, 30):
        with _statements() as seen:
            first = service.listing(ledger, user, Filters(), limit=limit, today=TODAY)
        counts[limit, "first"] = len(seen)
        if first.next is not None:
            with _statements() as seen:
                service.listing(ledger, user, Filters(), after=first.next, limit=limit,
                                today=TODAY)
            counts[limit, "more"] = len(seen)
    expected = STATEMENTS[slug]
    assert counts[1, "first"] == expected and counts[1, "more"] == expected + 1, counts
    if ledger.generate:  # 30 rows take a few reads of sites
        assert counts[30, "first"] <= 4 * expected, counts
    else:
        assert counts[30, "first"] == expected, counts
        assert counts.get((30, "more"), expected + 1) == expected + 1, counts


def test_the_page_itself_never_counts_the_list(app, client, users):
    """The page's request reads its rows; the count is the total route's alone."""
    log_in(client, users["bench-supervisor"])
    for slug in service.LEDGERS:
        url = "/ledgers/major" if slug == "major" else f"/ledgers/{slug}"
        with _statements() as seen:
            assert client.get(url).status_code == 200
        assert not [s for s in seen if s.startswith("SELECT count(*)")], slug
        with _statements() as seen:
            assert client.get(f"{url}/total").status_code == 200
        assert [s for s in seen if s.startswith("SELECT count(*)")], slug


def test_the_major_page_runs_as_many_statements_for_one_row_as_for_a_screen(app, client, users,
                                                                             monkeypatch):
    """The page's statements are fixed: no row loads anything of its own."""
    log_in(client, users["bench-supervisor"])
    counts = {}
    for size in (1, 30):
        monkeypatch.setitem(app.config, "LEDGER_PAGE_SIZE", size)
        client.get("/ledgers/major")  # the dashboard's summary, counted once
        with _statements() as seen:
            assert client.get("/ledgers/major").status_code == 200
        counts[size] = len(seen)
    assert counts[1] == counts[30] == MAJOR_PAGE_STATEMENTS, counts


# The whole page of a list (memos off): its keys and rows, the grids to filter by, the bell's
# count and the work queue's two. "More" is a fragment (no bar, so no work count): the row it
# continues after, the keys and rows, the grids, the bell's count.
LIST_PAGE_STATEMENTS = 6
MORE_STATEMENTS = 5


@pytest.mark.parametrize("slug", ["inspections", "rectification"])
def test_a_list_page_runs_as_many_statements_for_one_row_as_for_a_screen(app, client, users,
                                                                        slug, monkeypatch):
    """The page's statements are fixed, first page and "More": no row loads anything of its own."""
    log_in(client, users["bench-supervisor"])
    counts = {}
    for size in (1, 30):
        monkeypatch.setitem(app.config, "LEDGER_PAGE_SIZE", size)
        with _statements() as seen:
            page = client.get(f"/ledgers/{slug}")
        assert page.status_code == 200
        counts[size, "first"] = len(seen)
        more = re.search(r'hx-get="([^"]*after=[^"]*)"', page.text)[1].replace("&amp;", "&")
        with _statements() as seen:
            assert client.get(more, headers={"HX-Request": "true"}).status_code == 200
        counts[size, "more"] = len(seen)
    assert counts[1, "first"] == counts[30, "first"] == LIST_PAGE_STATEMENTS, counts
    assert counts[1, "more"] == counts[30, "more"] == MORE_STATEMENTS, counts


@pytest.mark.parametrize("slug", list(service.LEDGERS))
def test_column_headings_are_in_each_readers_language(app, slug):
    """The headings, written once per list and language, are each language's own words."""
    from flask_babel import force_locale
    from markupsafe import escape

    ledger, words = service.LEDGERS[slug], {}
    with app.test_request_context():
        for lang in ("en", "zh", "en"):
            with force_locale(lang):
                written = str(service.heads(ledger))
                assert written == "".join(f'<th class="{escape(c.css)}">{escape(c.label)}</th>'
                                          for _i, c in ledger.page_columns)
                words.setdefault(lang, written)
                assert words[lang] == written
    assert words["en"] != words["zh"]


def test_coded_cells_are_in_each_readers_language(app):
    """A code's cell is worded once per language and kept: each language its own word."""
    from flask_babel import force_locale

    ledger = service.LEDGERS["hazards"]
    at = next(i for i, c in ledger.page_columns if c.kind == "level")
    row = tuple("major" if i == at else None for i in range(len(ledger.columns)))
    shown = {}
    with app.test_request_context():
        for lang in ("en", "zh", "en", "zh"):
            with force_locale(lang):
                cell = str(next(service.cells(ledger, [row])))
                assert f'<td class="k-level">{service.LABELS["level"]["major"]}</td>' in cell
                assert shown.setdefault(lang, cell) == cell
    assert shown["en"] != shown["zh"]


def test_text_cells_escape_what_markupsafe_escapes(app):
    """A text cell is escaped as markupsafe does, whether or not it has anything to escape."""
    from markupsafe import escape

    ledger = service.LEDGERS["hazards"]
    at = next(i for i, c in ledger.page_columns if c.key == "description")
    with app.test_request_context():
        for text_ in ("管道 ok", "a<b & 'c' \"d\">", "", 7):
            row = tuple(text_ if i == at else None for i in range(len(ledger.columns)))
            cell = str(next(service.cells(ledger, [row])))
            expected = f'<td class="k-text k-long">{escape(text_)}</td>' if text_ != "" \
                else '<td class="k-text k-long"></td>'
            assert expected in cell, cell
