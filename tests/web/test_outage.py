"""The database down: every page answers 503 with Retry-After from a page that needs no
database, in the user's language; htmx gets a toast; one log line; service resumes by itself.

SQLite: the database file is renamed away (and the pool's open handles closed).
PostgreSQL: the app talks to the database through a loopback TCP relay that we stop (the
connection is refused) and start again.
"""

import logging
import os
import socket
import threading
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy.engine import make_url

from inspect_app import create_app
from inspect_app.extensions import db
from inspect_app.web import outage
from tests.conftest import Client
from tests.factories import PASSWORD, make_user

HX = {"HX-Request": "true"}


class Relay:
    """A loopback TCP relay to PostgreSQL that can refuse connections and come back."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, None
        self.server: socket.socket | None = None
        self.conns: list[socket.socket] = []

    def start(self) -> None:
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port or 0))
        self.port = self.server.getsockname()[1]
        self.server.listen(16)
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def stop(self) -> None:
        with suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)  # wakes the accept() below; close alone may not
        self.server.close()
        for c in self.conns:
            with suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
                c.close()
        self.conns.clear()

    def _accept(self, server) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with suppress(OSError):
                dst.shutdown(socket.SHUT_WR)
            src.close()  # each direction closes the socket it read from


@pytest.fixture
def outage_app(app, tmp_path):
    """An app of its own whose database we can take away: yields (app, down, up)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    config = {"TESTING": True, "SECRET_KEY": "test-secret", "UPLOAD_DIR": str(tmp_path / "up")}
    if url.startswith("sqlite"):
        path = tmp_path / "outage.db"
        own = create_app({**config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
        with own.app_context():
            db.create_all()

        def down():
            with own.app_context():
                db.engine.dispose()  # the handles close (the last one folds the WAL in)
            os.replace(path, tmp_path / "away.db")

        def up():
            # Requests during the outage made an empty database, with a log of its own: the
            # disk that comes back has neither.
            with own.app_context():
                db.engine.dispose()
            for companion in ("-wal", "-shm"):
                Path(f"{path}{companion}").unlink(missing_ok=True)
            os.replace(tmp_path / "away.db", path)
        yield own, down, up
        return
    parsed = make_url(url)
    relay = Relay((parsed.host or "127.0.0.1", parsed.port or 5432))
    relay.start()
    own = create_app({**config, "SQLALCHEMY_DATABASE_URI": parsed.set(
        host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)})

    def down():
        relay.stop()
        with own.app_context():
            db.engine.dispose()

    yield own, down, relay.start
    relay.stop()
    with own.app_context():
        db.engine.dispose()


@contextmanager
def _captured(app):
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    app.logger.addHandler(handler)
    app.logger.disabled = False  # Alembic's fileConfig (test_migrations) disables existing loggers
    try:
        yield records
    finally:
        app.logger.removeHandler(handler)


def test_database_down_answers_503_in_the_users_language_and_resumes(outage_app):
    app, down, up = outage_app
    app.test_client_class = Client
    with app.app_context():
        username = make_user("supervisor").username
    client = app.test_client()
    assert client.post("/auth/login", data={"login": username, "password": PASSWORD}
                       ).status_code == 302
    client.post("/lang/en", data={"next": "/"})
    assert client.get("/hazards/").status_code == 200

    outage.since, outage.failed, outage.last_line = None, 0, 0.0
    down()
    with _captured(app) as logs:
        for _ in range(5):
            page = client.get("/hazards/")
            assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
            assert 'id="unavailable"' in page.text and "The server is busy" in page.text
        toast = client.post("/inbox/read", headers=HX)
        assert toast.status_code == 503 and "Retry-After" in toast.headers
        assert "phone will try again" in unquote(toast.headers["X-Message"])
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json["database"] == "unreachable"
        # Chinese for a visitor without a language in the session (the default UI).
        zh = app.test_client().post("/auth/login", data={"login": "x", "password": "y"})
        assert zh.status_code == 503 and "服务器繁忙" in zh.text
    # Six failed requests and the health check: one line, no traceback.
    lines = [r for r in logs if "database unavailable" in r.getMessage()]
    assert len(lines) == 1 and not any(r.exc_info for r in logs)
    assert outage.since is not None

    up()
    with _captured(app) as logs:
        assert client.get("/hazards/").status_code == 200
        assert client.get("/healthz").status_code == 200
    assert any("reachable again" in r.getMessage() for r in logs)
    assert outage.since is None
