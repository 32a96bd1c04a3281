"""The queue and the lists' first pages are read on their indexes on SQLite too (its planner
uses a partial index only when the query's WHERE has the index's own term, and starts from
the sites when a zone-wide reader's query says `site_id IN (SELECT id FROM sites WHERE 1=1)`).
Plans are read with EXPLAIN QUERY PLAN on a generated zone; nothing is timed."""

import re
from datetime import date

import pytest
from sqlalchemy import event, select

from inspect_app.auth.models import User
from inspect_app.extensions import db
from inspect_app.generate import generate
from inspect_app.sites.models import Area
from tests.factories import log_in

# page -> (index its id query must use, a fragment of that query). ix_hazards_found_on (with
# SQLite's rowid) and ix_hazards_found_on_id give the same order: either will do.
PAGES = {
    "/hazards/": ("ix_hazards_open_queue", "UNION ALL"),
    "/ledgers/hazards": ("ix_hazards_found_on", "SELECT hazards.found_on, hazards.id FROM"),
    "/ledgers/rectification": ("ix_hazards_found_on", "SELECT hazards.found_on, hazards.id FROM"),
    # The major database's rows only (its partial index): not every hazard's, 3 % of them major.
    "/ledgers/major": ("ix_hazards_major_found_on_id", "SELECT hazards.found_on, hazards.id FROM"),
    "/ledgers/inspections": ("ix_inspections_submitted_at",
                             "SELECT inspections.submitted_at, inspections.id FROM"),
    "/ledgers/enforcement": ("ix_referrals_referred_at_id",
                             "SELECT referrals.referred_at, referrals.id FROM"),
}


@pytest.fixture
def zone(app):
    with app.app_context():
        generate(40, 1500, today=date(2026, 12, 1))
        yield db.session.scalar(select(User.id).where(User.username == "bench-supervisor"))


def _ids_query(client, url) -> tuple[str, tuple]:
    """The statement that picks the page's rows (the queue's bands, a list's keyset page)."""
    fragment = PAGES[url][1]
    return next((s, p) for s, p in _statements(client, url)
                if fragment in " ".join(s.split()) and "LIMIT" in s)


def _statements(client, url) -> list[tuple[str, tuple]]:
    seen = []

    def keep(conn, cursor, statement, params, *args):
        seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    return seen


def _sqlite_plan(statement: str, params) -> list[str]:
    """SQLite's plan of a statement, each step's text. SQLite reads its statistics when a
    connection loads the schema or runs ANALYZE itself: this pooled connection may hold an
    earlier test's, so it takes this zone's afresh."""
    conn = db.session.connection()
    conn.exec_driver_sql("ANALYZE")
    return [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]


@pytest.mark.parametrize("url", PAGES)
def test_zone_wide_pages_add_no_sites_subquery(client, zone, url):
    log_in(client, zone)
    statement, _params = _ids_query(client, url)
    assert "FROM sites WHERE" not in " ".join(statement.split())


@pytest.mark.parametrize("url", [*(u for u in PAGES if u.startswith("/ledgers/")),
                                 "/ledgers/responsibility"])
def test_a_lists_page_keys_have_their_limit_written_in(client, zone, url):
    """A bound LIMIT makes PostgreSQL plan a list's keys anew at every page (its generic plan
    looks dearer than the one for the values given): the page size is in the statement."""
    log_in(client, zone)
    fragment = PAGES[url][1] if url in PAGES else "SELECT grids_in_order.area"
    statement = next(s for s, _p in _statements(client, url)
                     if fragment in " ".join(s.split()) and "LIMIT" in s)
    assert re.search(r"LIMIT \d+", statement), statement


def test_an_inspectors_sites_due_on_the_home_page_have_their_limit_written_in(client, zone):
    """The home page's sites-due section, as a list's keys: with the limit and the first
    page's key bound, PostgreSQL kept a plan that walked a city's sites in id order to find
    an inspector's few. The first page has no key, and its size is in the statement."""
    log_in(client, db.session.scalar(select(User.id).where(User.username == "bench-inspector")))
    statement = next(" ".join(s.split()) for s, _p in _statements(client, "/")
                     if "SELECT sites.id, sites.name, sites.next_due_on FROM sites" in
                     " ".join(s.split()))
    assert re.search(r"LIMIT \d+\b", statement) and "sites.id >" not in statement, statement


@pytest.mark.parametrize("url", PAGES)
def test_first_pages_are_read_on_their_index_on_sqlite(client, zone, url):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner (PostgreSQL's depends on its statistics)")
    log_in(client, zone)
    index, fragment = PAGES[url]
    statement, params = _ids_query(client, url)
    plan = _sqlite_plan(statement, params)
    reads = [step for step in plan if step.startswith(("SCAN", "SEARCH")) and any(
        f" {table} " in step for table in ("hazards", "inspections", "referrals"))]
    # The queue's statement reads its page's cards too, each by its id (no scan).
    picks = [step for step in reads if "USING INTEGER PRIMARY KEY" not in step]
    assert picks and all(index in step for step in picks), plan
    if fragment != "UNION ALL":
        assert not any("TEMP B-TREE" in step for step in plan), plan  # no sort of every row


def test_the_open_clause_is_the_partial_indexs_own_term():
    from sqlalchemy.dialects import sqlite

    from inspect_app.hazards.models import OPEN_SQL, open_clause
    sql = str(open_clause().compile(dialect=sqlite.dialect()))
    assert sql == "hazards." + OPEN_SQL



def _queue_page_statement(client, username) -> tuple[str, tuple]:
    log_in(client, db.session.scalar(select(User.id).where(User.username == username)))
    statement, params = next((s, p) for s, p in _statements(client, "/hazards/")
                             if " AS rank" in s and "LIMIT" in s)
    client.post("/auth/logout")
    return " ".join(statement.split()), params


def test_an_inspectors_queue_is_read_in_one_pass_over_their_sites(client, zone):
    """A scope of a few sites (an inspector's grids) is read in one pass by site, ranked by
    CASE, and its rows sorted: with a LIMIT per band, a band walked the zone's open hazards in
    deadline order to find the few at its sites; joined by UNION ALL without, each band read
    the zone's open hazards (hazards/service.queue). A supervisor's bands keep theirs (each in
    index order with its LIMIT)."""
    inspector, _params = _queue_page_statement(client, "bench-inspector")
    assert "UNION ALL" not in inspector and "CASE WHEN" in inspector
    assert inspector.count("LIMIT") == 1  # the page's own
    supervisor, _params = _queue_page_statement(client, "bench-supervisor")
    assert supervisor.count("UNION ALL") == 3
    assert supervisor.count("LIMIT") == 1 + 4  # and one per band


def test_an_inspectors_queue_is_read_by_site_on_sqlite(client, zone):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner (PostgreSQL's depends on its statistics)")
    statement, params = _queue_page_statement(client, "bench-inspector")
    plan = _sqlite_plan(statement, params)
    picks = [step for step in plan if step.startswith(("SCAN", "SEARCH")) and " hazards " in step
             and "USING INTEGER PRIMARY KEY" not in step]
    assert picks and all(step.startswith("SEARCH") and "ix_hazards_site" in step
                         for step in picks), plan


def test_just_reported_is_read_on_the_users_own_index_on_sqlite(client, zone):
    """The queue's "just reported by you" seeks the user's own findings of the last hours
    (hazards/service.just_found), where by status it read every open hazard of a city."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner (PostgreSQL's depends on its statistics)")
    log_in(client, zone)
    statement, params = next((s, p) for s, p in _statements(client, "/hazards/")
                             if "hazards.found_by_id =" in s)
    plan = _sqlite_plan(statement, params)
    reads = [step for step in plan if step.startswith(("SCAN", "SEARCH")) and " hazards " in step]
    assert reads and all("ix_hazards_found_by_created" in step for step in reads), plan


def test_a_supervisors_work_counts_stop_at_the_cap_on_the_facts_index(client, zone):
    """Zone staff's work-queue counts read the (status, level, source, site) index in its
    order, so each stops at the cap (home/queue.py), on SQLite as on PostgreSQL."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner (PostgreSQL's depends on its statistics)")
    log_in(client, zone)
    statement, params = next((s, p) for s, p in _statements(client, "/") if "AS confirm" in s)
    plan = _sqlite_plan(statement, params)
    ordered = "ORDER BY hazards.status, hazards.level, hazards.source, hazards.site_id LIMIT"
    assert " ".join(statement.split()).count(ordered) == 3  # confirm, majors, reports
    reads = [step for step in plan if step.startswith("SEARCH hazards")]
    assert len(reads) == 3 and all("ix_hazards_status_level_source_site" in r for r in reads)
    assert not any("TEMP B-TREE" in step for step in plan), plan  # the order costs no sort


def test_the_major_list_of_one_area_reads_that_areas_majors_only_on_sqlite(client, zone):
    """Filtered by area, the major-hazard database's page reads the area's majors by site (its
    partial index), not every hazard of the area's sites nor every major in found order."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner (PostgreSQL's depends on its statistics)")
    log_in(client, zone)
    area = db.session.scalar(select(Area.id).order_by(Area.id))
    statement, params = next((s, p) for s, p in _statements(client, f"/ledgers/major?area={area}")
                             if "SELECT hazards.found_on, hazards.id FROM" in " ".join(s.split())
                             and "LIMIT" in s)
    plan = _sqlite_plan(statement, params)
    reads = [step for step in plan if step.startswith(("SCAN", "SEARCH")) and " hazards " in step]
    assert reads and all("ix_hazards_major_site" in step for step in reads), plan
