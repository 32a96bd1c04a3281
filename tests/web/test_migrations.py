"""The migrations build exactly the schema the models describe, from every earlier state."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from inspect_app import create_app
from inspect_app.extensions import db, migrate


@pytest.fixture
def empty_db_url(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database}_migr_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _diff(app):
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, db.metadata)


def test_migrations_match_models_from_every_revision(empty_db_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": empty_db_url})
    with app.app_context():
        upgrade()
        assert _diff(app) == []
        script = ScriptDirectory.from_config(migrate.get_config())
        revisions = [r.revision for r in script.walk_revisions()]  # head first
        # Step down to each earlier state and back up: every upgrade path must work.
        for rev in revisions[1:] + ["base"]:
            downgrade(revision=rev)
            upgrade()
            assert _diff(app) == [], rev
        db.engine.dispose()
