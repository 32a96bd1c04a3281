"""A generated zone or city for benchmarks and scale tests: `flask demo generate`.

Built with set-based SQL (INSERT … SELECT over a number series), so a zone of 2,000 sites,
100,000 hazards and 1,000,000 answers takes under a minute and a city (50,000 / 2,000,000 /
20,000,000) some minutes, on SQLite and PostgreSQL alike (on PostgreSQL the big tables' foreign
keys and plain indexes are made after their rows, as a restore does). Values come from a fixed hash of
each row's number, not from a random generator: the same arguments give the same rows on
either database, so tests can compare figures across runs and databases.

Shape: every inspection is a submitted patrol of `ANSWERS_PER_INSPECTION` items of one
checklist, the first `HAZARDS_PER_INSPECTION` of them failed, each failure a hazard. Hazards
are found over the last `SPAN_DAYS` days (some before the plan's stock cut-off), most closed,
some open or rejected, 3 % major, with their events (report, confirm, submit, verify),
supervision of some open major ones and a few referrals.

Logins (password `BENCH_PASSWORD`): `bench-supervisor`, `bench-inspector` (the first three
grids), `bench-enterprise` (the first site's safety manager).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select, text

from .admin.service import create_user
from .checklists.models import ChecklistItem, ChecklistTemplate
from .extensions import db
from .hazards.workflow import OPEN_STATES, State
from .roles import Position, Role
from .sites.models import Area, Site
from .sites.types import RISK_ORDER, SITE_TYPES
from .timeutil import local_today

BENCH_PASSWORD = "bench1234"
ANSWERS_PER_INSPECTION = 20
HAZARDS_PER_INSPECTION = 2
SITES_PER_GRID = 40
GRIDS_PER_INSPECTOR = 3
SPAN_DAYS = 1200  # hazards found over the last ~3.3 years: stock and increment both present
NAME_BASE = 1_000_000  # site names sort as their numbers: 雪峰企业1000001…


class GenerateError(Exception):
    pass


@dataclass
class Generated:
    sites: int
    inspections: int
    answers: int
    hazards: int
    events: int


# One multiplier per use, so the figures drawn from one row number are not correlated.
_MULTIPLIERS = (2654435761, 2246822519, 3266489917, 668265263, 374761393, 1103515245,
                1664525, 22695477, 69069, 134775813)


def _h(expr: str, salt: int) -> str:
    """A fixed pseudo-random number in [0, 1000003) from a row number (same on both DBs)."""
    m = _MULTIPLIERS[salt % len(_MULTIPLIERS)]
    return f"(((CAST({expr} AS BIGINT) % 1000003) * {m} + {salt * 40503}) % 1000003)"


def _case(expr: str, values) -> str:
    whens = " ".join(f"WHEN {n} THEN '{v}'" for n, v in enumerate(values))
    return f"(CASE ({expr}) % {len(values)} {whens} END)"


class _Sql:
    """The few spellings that differ between SQLite and PostgreSQL."""

    def __init__(self, dialect: str):
        self.pg = dialect == "postgresql"

    def series(self, n: int) -> str:
        """A CTE `seq(i)` of 1..n."""
        if self.pg:
            # bigint: row numbers times the hash multipliers pass 2^31 at city scale.
            return f"WITH seq(i) AS (SELECT generate_series(CAST(1 AS BIGINT), {int(n)}))"
        return (f"WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq "
                f"WHERE i < {int(n)})")

    def ts(self, base: datetime, seconds: str) -> str:
        """A naive UTC timestamp `seconds` after `base`."""
        if self.pg:
            return f"(TIMESTAMP '{base:%Y-%m-%d %H:%M:%S}' + ({seconds}) * INTERVAL '1 second')"
        # SQLAlchemy's own text form (with microseconds), so stored and bound values compare.
        return (f"(strftime('%Y-%m-%d %H:%M:%S', '{base:%Y-%m-%d %H:%M:%S}', ({seconds}) || "
                "' seconds') || '.000000')")

    def day(self, base: date, days: str) -> str:
        if self.pg:
            return f"(DATE '{base.isoformat()}' + CAST({days} AS INTEGER))"
        return f"date('{base.isoformat()}', ({days}) || ' days')"

    def local_day(self, expr: str) -> str:
        """The zone's calendar day of a naive UTC timestamp (China keeps UTC+8 all year)."""
        if self.pg:
            return f"CAST({expr} + INTERVAL '8 hours' AS DATE)"
        return f"date(substr({expr}, 1, 19), '+8 hours')"

    @staticmethod
    def text(expr: str) -> str:
        return f"CAST({expr} AS TEXT)"


def generate(sites: int, hazards: int, answers: int | None = None,
             today: date | None = None) -> Generated:
    """Fill an empty database (checklists loaded) with a generated zone; returns the counts."""
    if sites < 1 or hazards < 0:
        raise GenerateError("--sites must be at least 1 and --hazards at least 0")
    if db.session.scalar(select(Site.id).limit(1)) is not None or \
            db.session.scalar(select(Area.id).limit(1)) is not None:
        raise GenerateError("the database already has sites; generate into an empty one")
    template = db.session.scalar(
        select(ChecklistTemplate).join(ChecklistItem)
        .group_by(ChecklistTemplate.id).having(func.count() >= ANSWERS_PER_INSPECTION)
        .order_by(ChecklistTemplate.id).limit(1))
    if template is None:
        raise GenerateError("no checklist with enough items: run `flask checklists load` first")
    item_ids = list(db.session.scalars(
        select(ChecklistItem.id).where(ChecklistItem.template_id == template.id)
        .order_by(ChecklistItem.id).limit(ANSWERS_PER_INSPECTION)))
    inspections = -(-hazards // HAZARDS_PER_INSPECTION)
    per_inspection = ANSWERS_PER_INSPECTION
    if answers is not None and inspections:
        per_inspection = max(HAZARDS_PER_INSPECTION, min(ANSWERS_PER_INSPECTION,
                                                         answers // inspections))
    today = today or local_today()
    now = datetime.combine(today, time(12))  # naive UTC, as stored (20:00 in the zone)
    sql = _Sql(db.engine.dialect.name)
    conn = db.session.connection()

    def run(statement: str) -> int:
        return conn.execute(text(_with_defaults(statement, sql))).rowcount

    restore = _drop_keys_and_indexes(conn) if sql.pg else []
    grids = max(6, -(-sites // SITES_PER_GRID))
    areas = max(2, -(-grids // 25))
    inspectors = -(-grids // GRIDS_PER_INSPECTOR)

    run(f"{sql.series(areas)} INSERT INTO areas (name, active) "
        f"SELECT '生成片区' || {sql.text('i')}, {_true(sql)} FROM seq ORDER BY i")
    a0 = db.session.scalar(select(func.min(Area.id)))
    run(f"{sql.series(grids)} INSERT INTO grids (area_id, name, active) "
        f"SELECT {a0} + (i - 1) % {areas}, '生成网格' || {sql.text(f'i + {NAME_BASE}')}, "
        f"{_true(sql)} FROM seq ORDER BY i")
    g0 = db.session.scalar(text("SELECT min(id) FROM grids"))
    codes = list(SITE_TYPES)
    run(f"{sql.series(sites)} INSERT INTO sites (name, address, site_type, subkind, features, "
        "size_class, principal_name, principal_phone, controller_name, controller_phone, "
        "grid_id, risk_color, qr_token, qr_issued_at, notes, active, created_at) "
        f"SELECT '雪峰企业' || {sql.text(f'i + {NAME_BASE}')}, '生成路' || {sql.text('i')} || '号', "
        f"{_case('i', codes)}, '', '', 'small', '负责人' || {sql.text('i')}, '', '', '', "
        f"{g0} + (i - 1) % {grids}, {_case(_h('i', 1), RISK_ORDER)}, "
        f"'gen' || {sql.text(f'i + {NAME_BASE}')}, {sql.ts(now, '0')}, '', {_true(sql)}, "
        f"{sql.ts(now, '0')} FROM seq ORDER BY i")
    s0 = db.session.scalar(select(func.min(Site.id)))

    # People: three named logins, and the other inspectors with the same password hash.
    supervisor = create_user(username="bench-supervisor", role=Role.SUPERVISOR,
                             name="生成 安监", password=BENCH_PASSWORD, commit=False)
    inspector = create_user(username="bench-inspector", role=Role.INSPECTOR, name="生成 网格员 1",
                            password=BENCH_PASSWORD, commit=False)
    enterprise = create_user(username="bench-enterprise", role=Role.ENTERPRISE,
                             name="生成 安全员", password=BENCH_PASSWORD, site_id=s0,
                             position=Position.SAFETY_MANAGER, commit=False)
    db.session.flush()
    conn = db.session.connection()
    if inspectors > 1:
        run(f"{sql.series(inspectors - 1)} INSERT INTO users (username, name, password_hash, "
            "role, active, failed_logins, session_generation, created_at, large_type) "
            f"SELECT 'gen-inspector-' || {sql.text('i + 1')}, '生成 网格员 ' || {sql.text('i + 1')}, "
            f"password_hash, 'inspector', {_true(sql)}, 0, 0, created_at, {_false(sql)} "
            f"FROM seq, users WHERE users.id = {inspector.id} ORDER BY i")
    u0 = db.session.scalar(text("SELECT min(id) FROM users WHERE username LIKE 'gen-inspector-%'"))
    # Inspector k (0-based) covers grids 3k..3k+2; inspector 0 is bench-inspector.
    inspector_of = (f"(CASE WHEN (g.id - {g0}) / {GRIDS_PER_INSPECTOR} = 0 THEN {inspector.id} "
                    f"ELSE {u0 or 0} + (g.id - {g0}) / {GRIDS_PER_INSPECTOR} - 1 END)")
    run(f"INSERT INTO grid_inspectors (grid_id, user_id) SELECT g.id, {inspector_of} "
        f"FROM grids g WHERE g.id >= {g0}")

    # Inspections i = 1..n: a site spread by a multiplier, `age` days ago, by its grid's inspector.
    age = f"({_h('i', 2)} % {SPAN_DAYS})"
    jitter = f"({_h('i', 3)} % 40000)"
    # BIGINT: at a city's 1,000,000 inspections i * 7919 overflows PostgreSQL's integer.
    site_k = f"((CAST(i AS BIGINT) * 7919) % {sites})"
    insp_k = f"(({site_k} % {grids}) / {GRIDS_PER_INSPECTOR})"
    inspector_of_site = f"(CASE WHEN {insp_k} = 0 THEN {inspector.id} ELSE {u0 or 0} + {insp_k} - 1 END)"
    run(f"{sql.series(inspections)} INSERT INTO inspections (site_id, template_id, inspector_id, "
        "kind, from_scan, started_at, submitted_at, summary, led_by, principal_present) "
        f"SELECT {s0} + {site_k}, {template.id}, {inspector_of_site}, 'patrol', {_true(sql)}, "
        f"{sql.ts(now, f'-{age} * 86400 - {jitter} - 1800')}, "
        f"{sql.ts(now, f'-{age} * 86400 - {jitter}')}, '', '', {_false(sql)} FROM seq ORDER BY i")
    i0 = db.session.scalar(text("SELECT min(id) FROM inspections")) or 0

    # Answers: the first items failed (they become the hazards), the rest pass or n/a.
    items = " UNION ALL ".join(f"SELECT {k + 1} AS k, {item} AS item_id"
                               for k, item in enumerate(item_ids[:per_inspection]))
    n_answers = run(
        f"INSERT INTO answers (inspection_id, item_id, result, note, updated_at) "
        f"SELECT ins.id, it.item_id, CASE WHEN it.k <= {HAZARDS_PER_INSPECTION} THEN 'fail' "
        f"WHEN {_h(f'(ins.id - {i0} + 1) * 31 + it.k', 4)} % 10 = 0 THEN 'na' ELSE 'pass' END, "
        f"CASE WHEN it.k <= {HAZARDS_PER_INSPECTION} THEN '现场发现问题' ELSE '' END, "
        f"ins.submitted_at FROM inspections ins, ({items}) it ORDER BY ins.id, it.k")

    # Hazards: one per failed answer, numbered n = (inspection - i0) * 2 + k.
    n = f"((ins.id - {i0}) * {HAZARDS_PER_INSPECTION} + it.k)"
    bucket = f"({_h(n, 5)} % 100)"
    status = (f"(CASE WHEN {bucket} < 3 THEN 'rejected' WHEN {bucket} < 15 THEN "
              f"{_case(_h(n, 6), ['reported', 'confirmed', 'rectifying', 'submitted'])} "
              "ELSE 'closed' END)")
    major = f"({_h(n, 7)} % 100 < 3)"
    age_h = f"({_h('ins.id - ' + str(i0) + ' + 1', 2)} % {SPAN_DAYS})"  # the inspection's age
    lag = f"(({_h(n, 8)} % 20) * {age_h} / 20)"  # days from finding to close-out, never future
    first_item = item_ids[:HAZARDS_PER_INSPECTION]
    hazard_items = " UNION ALL ".join(f"SELECT {k + 1} AS k, {item} AS item_id"
                                      for k, item in enumerate(first_item))
    n_hazards = run(
        "INSERT INTO hazards (site_id, inspection_id, item_id, description, location, level, "
        "status, source, deadline, found_by_id, created_at, found_on, closed_at, responsible_name, "
        "responsible_phone, measures, interim_measures, report_state_cause, "
        "report_harm_difficulty, plan_goal, plan_resources, plan_organisation, plan_timeline, "
        "plan_emergency, rectified_note, version) "
        f"SELECT ins.site_id, ins.id, it.item_id, '生成隐患 ' || {sql.text(n)}, '', "
        f"CASE WHEN {major} THEN 'major' ELSE 'general' END, {status}, 'patrol', "
        f"{sql.day(today, f'-{age_h} + CASE WHEN {major} THEN 60 ELSE 14 END')}, "
        f"ins.inspector_id, ins.submitted_at, {sql.local_day('ins.submitted_at')}, "
        f"CASE WHEN {status} = 'closed' THEN {sql.ts(now, f'-({age_h} - {lag}) * 86400')} END, "
        "'', '', '', '', '', '', '', '', '', '', '', '', 1 "
        f"FROM inspections ins, ({hazard_items}) it WHERE ins.id - {i0} < {inspections} "
        f"AND (ins.id - {i0}) * {HAZARDS_PER_INSPECTION} + it.k <= {hazards} "
        "ORDER BY ins.id, it.k")

    # Events: report for all; confirm, submit and verify as far as each one got.
    def events(action: str, from_status: str, to_status: str, actor: str, at: str,
               where: str) -> int:
        return run("INSERT INTO hazard_events (hazard_id, actor_id, at, action, from_status, "
                   f"to_status, note) SELECT id, {actor}, {at}, '{action}', {from_status}, "
                   f"'{to_status}', '' FROM hazards WHERE {where} ORDER BY id")

    opened = ", ".join(f"'{s}'" for s in sorted(OPEN_STATES) if s != State.REPORTED)
    n_events = events("report", "NULL", "reported", "found_by_id", "created_at", "1 = 1")
    n_events += events("reject", "'reported'", "rejected", str(supervisor.id), "created_at",
                       "status = 'rejected'")
    n_events += events("confirm", "'reported'", "confirmed", str(supervisor.id), "created_at",
                       f"status IN ({opened}, 'closed')")
    n_events += events("submit", "'rectifying'", "submitted", str(enterprise.id),
                       "COALESCE(closed_at, created_at)", "status IN ('submitted', 'closed')")
    n_events += events("verify", "'submitted'", "closed", str(supervisor.id), "closed_at",
                       "status = 'closed'")
    # Numbered from the first hazard, not by id: ids go on from earlier rows (a wiped database
    # keeps its sequences), and the same arguments must still give the same rows.
    h0 = (db.session.scalar(text("SELECT min(id) FROM hazards")) or 1) - 1
    run("INSERT INTO supervisions (hazard_id, status, level, office, doc_no, due_date, note, "
        "proposed_at, opened_by_id, opened_at) SELECT id, 'active', 'zone', '区应急管理局', "
        f"'生成督办' || {sql.text('id')}, deadline, '', created_at, {supervisor.id}, created_at "
        f"FROM hazards WHERE level = 'major' AND status IN ({opened}, 'reported') AND (id - {h0}) % 3 = 0 "
        "ORDER BY id")
    run("INSERT INTO referrals (hazard_id, site_id, department, measure, reason, status, case_no, "
        "outcome, stops_work, referred_by_id, referred_at) SELECT id, site_id, '区应急管理局', "
        f"'order_rectify', '逾期未整改', 'referred', '', '', {_false(sql)}, {supervisor.id}, "
        "created_at FROM hazards "
        f"WHERE (id - {h0}) % 500 = 7 ORDER BY id")
    from flask import current_app

    from .sites.due import refresh_all
    if sql.pg:
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))  # index sorts in memory
        for statement in restore:
            conn.execute(text(statement))
    refresh_all(conn, current_app.config["INSPECTION_INTERVAL_DAYS"])
    db.session.commit()
    # Fresh statistics, so the planner sees the real sizes; on PostgreSQL a VACUUM too, as
    # autovacuum leaves a live database: with no visibility map an index-only scan reads the heap.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM (ANALYZE)" if sql.pg else "ANALYZE"))
    return Generated(sites, inspections, n_answers, n_hazards, n_events)


# The tables filled with millions of rows (at a city's size).
_BULK = ("sites", "inspections", "answers", "hazards", "hazard_events", "supervisions",
         "referrals")


def _drop_keys_and_indexes(conn) -> list[str]:
    """Drop the bulk tables' foreign keys and plain indexes; returns the statements that make
    them again, and the statistics, once the rows are in (as a restore does).

    Row by row, PostgreSQL checks each foreign key with a trigger and updates each index: a
    million answers took 58 s with their two keys and 6.5 s without; hazards have 14 indexes.
    Made after, each index is one sort and each key one pass checking every row. Statistics
    last (ANALYZE sees this transaction's rows): with none, the planner reads each site's last
    inspection backwards along submitted_at, as many rows per site as there are sites."""
    tables = {"tables": list(_BULK)}
    keys = conn.execute(text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid::regclass::text = ANY(:tables) ORDER BY oid"),
        tables).all()
    indexes = conn.execute(text(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(:tables) AND NOT EXISTS (SELECT 1 FROM "
        "pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY i.indexrelid"), tables).all()
    for table, name, _definition in keys:
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _definition in indexes:
        conn.execute(text(f"DROP INDEX {name}"))
    return ([definition for _name, definition in indexes]
            + [f"ANALYZE {', '.join(_BULK)}"]
            + [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
               for table, name, definition in keys])


_INSERT = re.compile(r"INSERT INTO (\w+) \(([^)]*)\) SELECT ")


def _with_defaults(statement: str, sql: _Sql) -> str:
    """Add the columns this module does not name but the model gives a plain default (a
    column added later keeps the generator working, with the value the app would give)."""
    match = _INSERT.search(statement)
    if not match:
        return statement
    table = db.metadata.tables[match[1]]
    named = {c.strip() for c in match[2].split(",")}
    extra = {}
    for column in table.columns:
        if column.name in named or column.primary_key or column.server_default is not None:
            continue
        default = column.default.arg if column.default is not None else None
        if isinstance(default, bool):
            extra[column.name] = _true(sql) if default else _false(sql)
        elif isinstance(default, int | float):
            extra[column.name] = str(default)
        elif isinstance(default, str):
            extra[column.name] = "'" + default.replace("'", "''") + "'"
    if not extra:
        return statement
    return (f"{statement[:match.start()]}INSERT INTO {match[1]} ({', '.join(extra)}, {match[2]}) "
            f"SELECT {', '.join(extra.values())}, {statement[match.end():]}")


def _true(sql: _Sql) -> str:
    return "TRUE" if sql.pg else "1"


def _false(sql: _Sql) -> str:
    return "FALSE" if sql.pg else "0"
