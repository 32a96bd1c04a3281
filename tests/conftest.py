"""Fixtures: one schema per test worker (SQLite file, or PostgreSQL via TEST_DATABASE_URL),
rows wiped after each test, bundled checklists loaded once."""

import os
import re
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, delete, event, text
from sqlalchemy.engine import make_url

from inspect_app import create_app
from inspect_app.extensions import db
from tests.factories import HASH_METHOD

# Property tests judge behaviour, never speed: on a loaded 2-core CI machine generating examples can be
# slow, and Hypothesis's timing checks would fail a correct run.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")

HX = {"HX-Request": "true"}
# Tables that hold the bundled checklists: loaded once per session, kept between tests.
REFERENCE_TABLES = {"checklist_templates", "checklist_items"}


def _database_url(tmp_root: Path, worker: str) -> str:
    """Each xdist worker gets its own database, so parallel tests never share rows."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_root / f'test-{worker}.db'}"
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1)
                   if base.startswith("postgresql://") else base)
    # The process id keeps two test runs on one machine (two terminals, CI) apart too.
    return make_database(url, f"{url.database}_{worker}_{os.getpid()}")


def make_database(url, name: str) -> str:
    """A new, empty PostgreSQL database `name` on `url`'s server (any earlier one of that name
    dropped); returns its URL. A test database need not survive a crash: its commits do not
    wait for the disk."""
    url = make_url(url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def no_disk_waits(engine) -> None:
    """SQLite commits without waiting for the disk (fsync was most of a test's time on a
    loaded machine): a test database need not survive a power cut. PostgreSQL test databases
    are made with synchronous_commit off (_database_url)."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect",
                     lambda dbapi_conn, _record: dbapi_conn.execute("PRAGMA synchronous = OFF"))


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    root = tmp_path_factory.mktemp("app")
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": _database_url(root, worker),
        "UPLOAD_DIR": str(root / "uploads"),
        "BASE_URL": "http://127.0.0.1:5000",
        "SERVER_NAME": None,
        # Memory, never a REDIS_URL from the environment; one test uses Redis on its own.
        "RATELIMIT_STORAGE_URI": "memory://",
        # The task queue and finished exports in this run's folder (tests/web/test_tasks.py).
        "TASK_QUEUE_URL": f"sqlite:///{root / 'tasks.db'}",
        "EXPORT_DIR": str(root / "exports"),
        # Figures memoised for a minute in production are computed afresh here (one test
        # turns the memos on).
        "FIGURE_MEMOS": False,
        # Hashes that cost a millisecond, not 0.1 s: a login is checked all the same.
        "PASSWORD_HASH_METHOD": HASH_METHOD,
    })
    with app.app_context():
        no_disk_waits(db.engine)
        db.drop_all()
        db.create_all()
        from inspect_app.checklists.loader import load_all
        load_all()
        from inspect_app.checklists.models import ChecklistTemplate
        app.config["TEST_LAST_BUNDLED_CHECKLIST"] = db.session.scalar(
            db.select(db.func.max(ChecklistTemplate.id)))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_database(app.config["SQLALCHEMY_DATABASE_URI"])


def drop_database(url: str) -> None:
    """Remove a per-run PostgreSQL database (SQLite files go with the temporary folder)."""
    if not url.startswith("postgresql"):
        return
    url = make_url(url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(autouse=True)
def _clean(app):
    """Wipe every row a test wrote (the bundled checklists stay) and the uploaded files, and
    put back any setting the test changed, so no test depends on the one before it."""
    config = dict(app.config)
    yield
    wipe(app)
    app.config.clear()
    app.config.update(config)


@pytest.fixture(scope="session")
def fast_commits():
    """`no_disk_waits`, for a test that makes its own app and engine (the migration tests)."""
    return no_disk_waits


@pytest.fixture(scope="session")
def wipe_rows():
    """`wipe`, for a module whose tests share rows (it overrides `_clean`)."""
    return wipe


def wipe(app) -> None:
    """Every row but the bundled checklists, and the uploaded files, go; no request counted.
    (A module whose tests share rows, such as one loaded demo, wipes once at its end.)"""
    with app.app_context():
        db.session.remove()
        from inspect_app.checklists.loader import DATA_DIR
        from inspect_app.checklists.models import ChecklistItem, ChecklistTemplate
        # Through the connection: the model layer refuses to delete account history.
        conn = db.session.connection()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                conn.execute(delete(table))
        bundled = [p.stem for p in DATA_DIR.glob("*.toml")]
        # Other slugs, and versions a test loaded of a bundled one (an xlsx upload), go; the
        # bundled versions are current again.
        extra = [t for t, in db.session.execute(db.select(ChecklistTemplate.id).where(
            ChecklistTemplate.slug.not_in(bundled) | (ChecklistTemplate.id > _last_bundled(app))))]
        if extra:
            db.session.execute(delete(ChecklistItem).where(ChecklistItem.template_id.in_(extra)))
            db.session.execute(delete(ChecklistTemplate).where(ChecklistTemplate.id.in_(extra)))
            db.session.execute(db.update(ChecklistTemplate).values(is_current=True))
        db.session.commit()
    shutil.rmtree(app.config["UPLOAD_DIR"], ignore_errors=True)
    # Each test starts with no requests counted, so many logins in a row are never throttled.
    from inspect_app.extensions import limiter
    limiter.reset()


def _last_bundled(app) -> int:
    """The last checklist version the session loaded from the bundled files."""
    return app.config["TEST_LAST_BUNDLED_CHECKLIST"]


SESSION_RENEWING = {"/auth/login", "/auth/pin", "/auth/logout"}


class Client(FlaskClient):
    """A test client that sends the CSRF token with every POST, as the pages' forms do."""

    _token: str | None = None

    def csrf_token(self) -> str:
        if self._token is None:  # the login page, or the home page's forms once logged in
            page = self.get("/auth/login", follow_redirects=True)
            self._token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return self._token

    def open(self, *args, **kwargs):
        # A test holding an app context shares `g` with its requests, and Flask-Login, Flask-WTF
        # and Flask-Babel cache the user, the CSRF token and the locale there: start each
        # request with an empty `g`, as a real one would.
        from flask import g
        if g:
            g.__dict__.clear()
        return super().open(*args, **kwargs)

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        resp = super().post(*args, **kwargs)
        if args and str(args[0]).split("?")[0] in SESSION_RENEWING:
            self._token = None  # logging in or out starts a new session with a new CSRF secret
        return resp


@pytest.fixture
def client(app):
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An app context for building data with the factories."""
    with app.app_context():
        yield


@pytest.fixture
def login(client):
    """Log `user` in by writing the session the login form would leave (no password hash, no
    form round trip). `remember=True` goes through the real form, for its cookie."""
    from tests.factories import log_in

    def do(user, remember=False):
        if remember:
            return _form_login(client, user, remember=True)
        log_in(client, user)
        return client

    return do


@pytest.fixture
def form_login(client):
    """Log `user` in through the real login form: for what a login itself does."""
    return lambda user, remember=False: _form_login(client, user, remember)


def _form_login(client, user, remember=False):
    from tests.factories import PASSWORD

    resp = client.post("/auth/login", data={"login": user.username, "password": PASSWORD,
                                            "remember": "1" if remember else ""})
    assert resp.status_code == 302, resp.text
    return client
