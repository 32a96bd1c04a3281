"""The migrations build exactly the schema the models describe, from every earlier state."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from inspect_app import create_app
from inspect_app.extensions import db, migrate
from tests.conftest import drop_database, make_database


@pytest.fixture
def migrations_app(empty_db_url, fast_commits):
    """An app on the empty database, its commits not waiting for the disk."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": empty_db_url})
    with app.app_context():
        fast_commits(db.engine)
    return app


@pytest.fixture
def empty_db_url(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    # The process id too: two runs at once (two worktrees, two terminals) never share it.
    name = f"{url.database}_migr_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    yield (made := make_database(url, name))
    drop_database(made)


def _diff(app):
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, db.metadata)


def _plain(value):
    """A reflected value with its SQL expressions (a partial index's WHERE) as text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _schema(engine) -> dict:
    """Every table's columns, keys, indexes and constraints, as reflected (order ignored)."""
    with engine.connect() as conn:
        insp = inspect(conn)
        out = {}
        for table in insp.get_table_names():
            if table == "alembic_version":
                continue
            parts = {
                "columns": insp.get_columns(table),
                "pk": insp.get_pk_constraint(table),
                "fks": insp.get_foreign_keys(table),
                "indexes": insp.get_indexes(table),
                "uniques": insp.get_unique_constraints(table),
                "checks": insp.get_check_constraints(table),
            }
            out[table] = {k: sorted(map(repr, _plain(v))) if isinstance(v, list)
                          else repr(_plain(v)) for k, v in parts.items()}
        return out


def _changes(old: dict, new: dict) -> list:
    """What differs between two `_schema`s, table by table."""
    out = []
    for table in sorted(old.keys() | new.keys()):
        a, b = old.get(table, {}), new.get(table, {})
        for part in sorted(a.keys() | b.keys()):
            x, y = a.get(part, []), b.get(part, [])
            if x != y:
                out.append((table, part, [i for i in x if i not in y], [i for i in y if i not in x]))
    return out


def test_migrations_match_models_from_every_revision(migrations_app):
    """From base, one revision at a time: each upgrade runs, its downgrade gives back exactly the
    schema before it, and upgrading again works; at head the schema is the models'. (Every
    downgrade undoing its upgrade exactly, any earlier state reached by stepping down is one
    that upgrade ran from here.)"""
    app = migrations_app
    with app.app_context():
        script = ScriptDirectory.from_config(migrate.get_config())
        steps = list(reversed(list(script.walk_revisions())))  # base first
        assert steps[0].down_revision is None
        before = _schema(db.engine)
        assert before == {}
        for step in steps:
            upgrade(revision=step.revision)
            downgrade(revision=step.down_revision or "base")
            after = _schema(db.engine)
            assert after == before, (step.revision, _changes(before, after))
            upgrade(revision=step.revision)
            before = _schema(db.engine)
        assert script.get_current_head() == steps[-1].revision
        assert _diff(app) == []
        db.engine.dispose()


# The last revision before hazards got regime/judgement (b3d5e7a9c1f2), found_on/authority
# (efa9bb06a4c2) and the 16号令 close-out columns (1b6c8213c645): a database of that time.
BEFORE_MAJOR_COLUMNS = "7c1e0ffb2a11"

_OLD_ROWS = [
    "INSERT INTO areas (id, name, active) VALUES (1, '雪峰片区', :t)",
    "INSERT INTO grids (id, area_id, name, active) VALUES (1, 1, '一网格', :t)",
    *(f"INSERT INTO sites (id, name, address, site_type, subkind, features, size_class, "
      f"principal_name, principal_phone, controller_name, controller_phone, grid_id, risk_color, "
      f"qr_token, qr_issued_at, notes, active, created_at) VALUES ({i}, '{name}', '', '{kind}', "
      f"'', '', '', '', '', '', '', 1, 'blue', 'tok{i}', '2023-01-01 00:00:00', '', :t, "
      f"'2023-01-01 00:00:00')" for i, name, kind in ((1, '机械厂', 'MECH'), (2, '工地', 'CON'))),
    "INSERT INTO checklist_templates (id, slug, kind, version, title, title_en, applies_to, "
    "content_hash, is_current, loaded_at) VALUES (1, 'old', 'zone', '1', '旧表', 'Old', 'ALL', "
    "'h', :t, '2023-01-01 00:00:00')",
    "INSERT INTO checklist_items (id, template_id, position, code, section, requirement, basis, "
    "major, guidance) VALUES (1, 1, 1, 'F-1', '', '疏散通道堵塞', 'GB 35181-2017 第6.1条', 'Y', ''),"
    " (2, 1, 2, 'A-1', '', '无防护', '应急管理部令第10号 第三条', 'Y', '')",
    *(f"INSERT INTO hazards (id, site_id, item_id, description, location, level, status, source, "
      f"deadline, created_at, closed_at, responsible_name, responsible_phone, measures, funds, "
      f"interim_measures, report_state_cause, report_harm_difficulty, plan_goal, plan_resources, "
      f"plan_organisation, plan_timeline, plan_emergency, rectified_note, version) VALUES "
      f"({values}, '', '', '', '', '', '', '', '', 1)" for values in (
          # A fire major confirmed with its five fixes, keyed in at 20:30 UTC (next day in the zone).
          "1, 1, 1, '通道堵塞', '', 'major', 'confirmed', 'patrol', '2026-04-30', "
          "'2026-03-04 20:30:00', NULL, '王五', '139', '清理通道', 800, '专人值守'",
          # An accident major on a construction site, still reported.
          "2, 2, 2, '临边无防护', '', 'major', 'reported', 'patrol', '2026-05-30', "
          "'2026-03-05 02:00:00', NULL, '', '', '', NULL, ''",
          # A major of 2023 with no checklist item: the stock.
          "3, 1, NULL, '老旧配电房', '', 'major', 'rectifying', 'supervisory', '2023-08-01', "
          "'2023-06-01 02:00:00', NULL, '赵六', '', '更换', NULL, '断电'",
          # A closed general hazard.
          "4, 1, NULL, '灭火器过期', '', 'general', 'closed', 'patrol', '2026-03-20', "
          "'2026-03-06 01:00:00', '2026-03-07 01:00:00', '', '', '', NULL, ''")),
    "INSERT INTO hazard_events (id, hazard_id, at, action, from_status, to_status, note) VALUES "
    "(1, 1, '2026-03-04 20:30:00', 'report', NULL, 'reported', ''), "
    "(2, 1, '2026-03-05 03:00:00', 'confirm', 'reported', 'confirmed', '')",
]


def test_upgrade_carries_hazards_made_before_the_major_hazard_columns(migrations_app):
    """Hazards of an old database reach head with their data, found date, regime, authority
    and the supervisor's earlier five fixes as the decision (the report's text kept)."""
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import select

    from inspect_app.ledgers.stats import is_stock, stock_cutoff
    from inspect_app.models import Hazard, HazardEvent

    app = migrations_app
    with app.app_context():
        upgrade(revision=BEFORE_MAJOR_COLUMNS)
        with db.engine.begin() as conn:
            for statement in _OLD_ROWS:
                conn.execute(text(statement), {"t": True})
        upgrade()
        assert _diff(app) == []
        got = {h.id: h for h in db.session.scalars(select(Hazard).order_by(Hazard.id))}
        assert sorted(got) == [1, 2, 3, 4]
        fire, building, stock, general = got[1], got[2], got[3], got[4]
        assert [(h.description, h.status, h.level) for h in got.values()] == [
            ("通道堵塞", "confirmed", "major"), ("临边无防护", "reported", "major"),
            ("老旧配电房", "rectifying", "major"), ("灭火器过期", "closed", "general")]
        # Found on the zone's day the record was made (UTC+8).
        assert [h.found_on for h in got.values()] == [
            date(2026, 3, 5), date(2026, 3, 5), date(2023, 6, 1), date(2026, 3, 6)]
        assert is_stock(stock.found_on, stock_cutoff()) and not is_stock(fire.found_on,
                                                                        stock_cutoff())
        # Regime from the item (GB 35181: fire), else accident; its deciding authority.
        assert [(h.regime, h.authority) for h in got.values()] == [
            ("fire", "fire"), ("accident", "housing"), ("accident", "emergency"), ("", "")]
        assert [h.reported_level for h in got.values()] == ["major", "major", "major", "general"]
        # The five fixes typed at an earlier confirmation are the supervisor's decision now.
        assert (fire.decision_measures, fire.decision_funds, fire.decision_plan) == (
            "清理通道", Decimal("800.00"), "专人值守")
        assert fire.measures == "清理通道" and fire.responsible_name == "王五"
        assert (building.decision_measures, building.decision_funds) == ("", None)
        assert stock.deadline == date(2023, 8, 1) and general.closed_at is not None
        assert stock.stop_work == "" and stock.closing_doc_no == "" and stock.import_id is None
        assert [e.action for e in db.session.scalars(
            select(HazardEvent).order_by(HazardEvent.id))] == ["report", "confirm"]
        db.session.remove()
        db.engine.dispose()
