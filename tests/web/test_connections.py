"""A request's reads outside transactions on PostgreSQL (so psycopg keeps its prepared
statements, and a page that only reads sends no BEGIN or ROLLBACK), its first write beginning
one (anything written and not committed is still rolled back), and what a bare logged-in page
sends to the database: counted statements and round trips, never timed."""

import os
import tempfile
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, select, text, update

from inspect_app import connections, memo
from inspect_app.extensions import db
from inspect_app.models import User
from tests.factories import log_in, make_user


def _postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def _name(app, user_id: int) -> str:
    with app.app_context():
        return db.session.scalar(select(User.name).where(User.id == user_id))


@pytest.fixture
def user_id(app):
    with app.app_context():
        return make_user("inspector", name="原名").id


def test_what_a_request_wrote_and_did_not_commit_is_rolled_back(app, user_id):
    # A Core write, a flushed change and a change never flushed: each is undone when the
    # request (its app context) ends without a commit, as before.
    with app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(name="核心"))
    with app.app_context():
        db.session.get(User, user_id).name = "已刷新"
        db.session.flush()
    with app.app_context():
        db.session.get(User, user_id).name = "未刷新"
    with app.app_context():
        db.session.get(User, user_id)
        db.session.execute(text("UPDATE users SET name = 'text' WHERE id = :id"), {"id": user_id})
    assert _name(app, user_id) == "原名"


def _in_transaction(app) -> bool:
    dbapi = db.session.connection().connection.dbapi_connection
    if _postgres(app):
        from psycopg.pq import TransactionStatus
        return dbapi.info.transaction_status != TransactionStatus.IDLE
    return dbapi.in_transaction


def test_reads_open_no_transaction_and_the_first_write_begins_one(app, user_id):
    with app.app_context():
        assert db.session.get(User, user_id).name == "原名"
        assert not _in_transaction(app)
        db.session.execute(update(User).where(User.id == user_id).values(name="新名"))
        assert _in_transaction(app)
        # the rest of the request is that transaction: it reads what it wrote
        assert db.session.scalar(select(User.name).where(User.id == user_id)) == "新名"
        db.session.commit()
        db.session.scalar(select(User.name).where(User.id == user_id))
        assert not _in_transaction(app)  # reads again after the commit
    assert _name(app, user_id) == "新名"


def test_what_must_run_in_a_transaction_does(app, user_id):
    if not _postgres(app):
        pytest.skip("SQLite's driver begins at the first write itself")
    with app.app_context():  # a row lock lasts until the transaction ends
        db.session.execute(select(User).where(User.id == user_id).with_for_update())
        assert _in_transaction(app)
    with app.app_context():  # a server-side cursor needs one
        rows = db.session.execute(select(User).execution_options(yield_per=10))
        assert _in_transaction(app)
        rows.close()
    with app.app_context(), db.engine.connect().execution_options(
            isolation_level="REPEATABLE READ") as conn:  # backup's snapshot: one transaction
        conn.execute(select(User.id))
        from psycopg.pq import TransactionStatus
        assert conn.connection.dbapi_connection.info.transaction_status != TransactionStatus.IDLE


def test_read_only_requests_keep_their_prepared_statements(app, client, user_id):
    if not _postgres(app):
        pytest.skip("prepared statements are psycopg's")
    log_in(client, user_id)
    with app.app_context():
        db.engine.dispose()  # one connection from here on, which every request below reuses
    for _ in range(7):  # past psycopg's prepare_threshold (5)
        assert client.get("/scan").status_code == 200
    with app.app_context():
        prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    assert any("FROM users" in s for s in prepared), prepared


@contextmanager
def round_trips(app):
    """What libpq sends on the app's connections: one entry per message the client then waits
    for (a Query, or the Sync ending a Parse/Bind/Execute)."""
    sent: list[str] = []
    fd, path = tempfile.mkstemp(suffix=".trace")
    with app.app_context():
        engine = db.engine

    def traced(dbapi, record, proxy):
        dbapi.pgconn.trace(fd)

    def untraced(dbapi, record):
        dbapi.pgconn.untrace()

    event.listen(engine, "checkout", traced, insert=True)  # before the ping
    event.listen(engine, "checkin", untraced)
    try:
        yield sent
    finally:
        event.remove(engine, "checkout", traced)
        event.remove(engine, "checkin", untraced)
        os.close(fd)
        with open(path) as f:
            for line in f:
                part = line.rstrip("\n").split("\t")
                if len(part) > 3 and part[1] == "F" and part[3] in ("Query", "Sync"):
                    sent.append(" ".join(p.strip() for p in part[3:5]))
        os.unlink(path)


@contextmanager
def statements(app):
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def sent(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", sent)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", sent)


def test_a_bare_logged_in_page_reads_the_user_in_one_statement_and_one_round_trip(
        app, client, user_id, monkeypatch):
    # The bar's figures (unread and work counts) kept a few seconds, as in production.
    app.config["FIGURE_MEMOS"] = True
    memo.clear_all()
    log_in(client, user_id)
    assert client.get("/scan").status_code == 200  # a connection in the pool, just used
    if not _postgres(app):
        with statements(app) as seen:
            assert client.get("/scan").status_code == 200
        assert len(seen) == 1 and "FROM users" in seen[0]
        return
    with statements(app) as seen, round_trips(app) as sent:
        assert client.get("/scan").status_code == 200
    # The user's row alone: no BEGIN or ROLLBACK, no ping for a connection returned a moment ago
    assert sent == ["Sync"], sent
    assert len(seen) == 1 and "FROM users" in seen[0]
    monkeypatch.setattr(connections, "PING_AFTER_IDLE", -1.0)  # as if it had sat idle
    with round_trips(app) as sent:
        assert client.get("/scan").status_code == 200
    assert sent == ['Query ";"', "Sync"], sent


def test_an_idle_connection_the_server_dropped_is_replaced_unseen(app, client, user_id,
                                                                     monkeypatch):
    if not _postgres(app):
        pytest.skip("the ping when idle is PostgreSQL's (SQLite keeps pool_pre_ping)")
    log_in(client, user_id)
    assert client.get("/scan").status_code == 200
    # The server ends every pooled connection (as a restart would), from one of its own.
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.connect() as conn:
        ended = conn.scalar(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    other.dispose()
    assert ended >= 1
    monkeypatch.setattr(connections, "PING_AFTER_IDLE", -1.0)
    assert client.get("/scan").status_code == 200
    with app.app_context():
        db.engine.dispose()  # the pool's other ended connections, before the next test
