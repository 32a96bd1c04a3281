"""The app's pooled database connections: reads outside transactions, and when a connection
is pinged before use.

PostgreSQL: a request's reads run outside any transaction (the driver's autocommit), and the
first statement that is not a plain read begins one, before it is sent; from there on the
request's statements are one transaction, committed or rolled back by the session as always.
So a page that only reads sends its statements and nothing else: no BEGIN and no ROLLBACK
(two of a bare logged-in page's three round trips), and psycopg keeps its prepared statements
(it forgets them all at every ROLLBACK), so a statement run `prepare_threshold` times (5) on a
connection is parsed, and mostly planned, once there. At READ COMMITTED each statement reads
its own snapshot in a transaction too, so reads see the same rows either way. "Not a plain
read": anything not starting with SELECT (a flush, a Core or text() write, WITH, SAVEPOINT,
SET), a locking SELECT (FOR UPDATE / SHARE, whose lock must last) and a server-side cursor
(yield_per). A connection given an isolation level of its own (backup's REPEATABLE READ) keeps
the driver's transactions.

The pool pings a PostgreSQL connection (one round trip) only when it was returned more than
PING_AFTER_IDLE seconds ago. A connection in steady use was talking to the server a moment
before; a server that went away meanwhile fails that one request with the 503 the outage
handler gives (web.database_unavailable, which empties the pool), and an idle connection,
the kind a restart leaves behind, is still pinged and replaced unseen, as pool_pre_ping did.
SQLite keeps pool_pre_ping (a call, not a round trip) and its driver's transactions (which
begin at the first write already); a SQLite file runs in WAL mode.

`snapshot()`: reads that must all see one moment (an export's rows, its count and its figures).
"""

import re
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

from .extensions import db, snapshot_connection

PING_AFTER_IDLE = 2.0  # seconds
_IN_WAL_MODE: "weakref.WeakSet[Engine]" = weakref.WeakSet()  # SQLite files in WAL mode


# A SELECT whose row locks must last until the transaction ends.
LOCKING = re.compile(r"\bFOR (?:NO KEY UPDATE|UPDATE|KEY SHARE|SHARE)\b")


def _read_outside_transactions(engine: Engine) -> None:
    from psycopg.pq import TransactionStatus

    idle = int(TransactionStatus.IDLE)  # libpq's own number: no enum made per request

    @event.listens_for(engine, "begin")
    def began(conn) -> None:
        dbapi = conn.connection.dbapi_connection
        # A level of its own (backup's REPEATABLE READ, AUTOCOMMIT) is left to the driver.
        reading = ("isolation_level" not in conn.get_execution_options()
                   and dbapi.pgconn.transaction_status == idle)
        if reading and not dbapi.autocommit:
            dbapi.autocommit = True
        conn.info["reading"] = reading

    @event.listens_for(engine, "before_cursor_execute")
    def sent(conn, cursor, statement, parameters, context, executemany) -> None:
        if conn.info.get("reading") and (not statement.startswith("SELECT")
                                         or (" FOR " in statement
                                             and LOCKING.search(statement))
                                         or getattr(cursor, "name", None)):
            conn.info["reading"] = False
            conn.connection.dbapi_connection.autocommit = False  # BEGIN goes first


@contextmanager
def snapshot() -> Iterator[None]:
    """Every `extensions.read` inside sees the database as it was at the first of them.

    A list is read in pages of a few hundred rows (ledgers.service.rows), each page its own
    statement: at READ COMMITTED a hazard closed between two pages would be open in one and
    the count above the rows, or the figures sheet beside them, would disagree with the rows
    (the export is evidence of the ledger at one moment). On PostgreSQL the reads run in one
    REPEATABLE READ, READ ONLY transaction on a connection of their own, so the session's own
    writes meanwhile (an export job's progress) commit apart. On SQLite the reads run in one
    read transaction on a connection of their own, which its write-ahead log lets writers (an
    inspector's tick) commit beside (_write_ahead_log); a database not in WAL mode (in memory)
    reads each statement at its own moment, as a read transaction there would keep every
    writer waiting until the export ends. Nested: the outer snapshot."""
    if snapshot_connection.get() is not None:
        yield
        return
    engine = db.engine
    if engine.dialect.name == "postgresql":
        opened = engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True)
    elif engine in _IN_WAL_MODE:
        opened = engine.connect()
    else:
        yield
        return
    with opened as conn, conn.begin():
        if engine.dialect.name == "sqlite":
            # pysqlite begins a transaction only before a write: a read one is asked for. Its
            # snapshot is taken at the first read, and ends with the rollback on leaving.
            conn.exec_driver_sql("BEGIN")
        token = snapshot_connection.set(conn)
        try:
            yield
        finally:
            snapshot_connection.reset(token)


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


def _write_ahead_log(engine: Engine) -> None:
    """A SQLite file in WAL mode (kept in the file once set): readers and one writer at a time
    go on beside each other, so a read transaction (snapshot) holds up no tick, and a page
    read does not wait for a commit. A database in memory has no log; it stays as it is."""
    if engine.url.database in (None, "", ":memory:") or "mode=memory" in str(engine.url):
        return

    @event.listens_for(engine, "connect")
    def connect(dbapi_connection, record) -> None:
        mode = dbapi_connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() == "wal":
            _IN_WAL_MODE.add(engine)


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _write_ahead_log(engine)
    if engine.dialect.name == "postgresql":
        _ping_when_idle(engine)
        _read_outside_transactions(engine)
