"""The app's pooled database connections: how a request's transaction ends, and when a
connection is pinged before use.

A request that wrote nothing ends its transaction with COMMIT, not ROLLBACK. For a transaction
that only read, both end it alike on the server; but psycopg forgets every statement it has
prepared at each ROLLBACK (a rolled-back transaction may have dropped what they refer to), so
every statement of every request was parsed and planned anew. Ended by COMMIT, a statement run
`prepare_threshold` times (psycopg's 5) on a connection is prepared there once, and PostgreSQL
then reuses its parse and, for most, its plan. "Wrote" is judged by the statements sent: any
that does not start with SELECT (a flush, a Core or text() write, a WITH) marks the
transaction, and it ends as before, rolled back; so do pending ORM changes never flushed and a
request ended by an exception. The COMMIT is the driver's own: the session then rolls back as
before, which finds no transaction open and sends nothing.

The pool pings a connection (one round trip) only when it was returned more than
PING_AFTER_IDLE seconds ago. A connection in steady use was talking to the server a moment
before; a server that went away meanwhile fails that one request with the 503 the outage
handler gives (web.database_unavailable, which empties the pool), and an idle connection,
the kind a restart leaves behind, is still pinged and replaced unseen, as pool_pre_ping did.
"""

import time

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

from .extensions import db

PING_AFTER_IDLE = 2.0  # seconds


def _mark_writes(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def began(conn) -> None:
        conn.info["wrote"] = False

    @event.listens_for(engine, "before_cursor_execute")
    def sent(conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.startswith("SELECT"):
            conn.info["wrote"] = True


def _ping_when_idle(engine: Engine) -> None:
    dialect = engine.dialect

    @event.listens_for(engine, "checkout")
    def checkout(dbapi_connection, record, proxy) -> None:
        if time.monotonic() - record.info.get("returned", 0.0) <= PING_AFTER_IDLE:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as e:
            if dialect.is_disconnect(e, dbapi_connection, None):
                # The pool drops this connection and checks out another (a new one if needed).
                raise exc.DisconnectionError() from e
            raise

    @event.listens_for(engine, "checkin")
    def checkin(dbapi_connection, record) -> None:
        record.info["returned"] = time.monotonic()


def end_read_only(error: BaseException | None) -> None:
    """Teardown, before Flask-SQLAlchemy's (which closes the session): COMMIT a transaction
    that wrote nothing."""
    session = db.session()
    transaction = session.get_transaction()
    if (error is not None or transaction is None or not transaction.is_active
            or session.in_nested_transaction()):
        return
    if session.new or session.deleted or session.dirty:
        return  # never flushed: rolled back, as it always was
    conn = session.connection()
    if conn.info.get("wrote", True) or not conn.in_transaction():
        return
    try:
        conn.connection.dbapi_connection.commit()
    except Exception:  # noqa: BLE001 - the connection failed: it is not used again
        conn.invalidate()


def configure(app: Flask) -> None:
    """Engine options, before the engine is made (db.init_app)."""
    if not str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        return  # SQLite keeps pool_pre_ping: a ping there is a call, not a round trip
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    # No JIT: it compiles any statement the planner guesses costly (100,000 units) for
    # 100-300 ms, and a page's statements run in a few ms; a guess that high is a mistake.
    options["connect_args"] = {"options": "-c jit=off", **options.get("connect_args", {})}
    options["pool_pre_ping"] = False  # pinged when idle instead (_ping_when_idle)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    _mark_writes(engine)
    if engine.dialect.name == "postgresql":
        _ping_when_idle(engine)
    # Teardown functions run last-registered first: this one before Flask-SQLAlchemy's.
    app.teardown_appcontext(end_read_only)
