"""Large-type mode (长辈版): a CSRF-protected switch in the footer, remembered on the account,
or for the visit before login; a choice made on the login page carries over once."""

from flask_migrate import upgrade
from sqlalchemy import text

from inspect_app import create_app
from inspect_app.extensions import db
from inspect_app.models import User
from tests.factories import PASSWORD, make_grid, make_user
from tests.web.test_migrations import empty_db_url  # noqa: F401 - fixture

LARGE = 'class="large-type"'


def _large(client, path="/auth/login") -> bool:
    return LARGE in client.get(path, follow_redirects=True).text


def _stored(app, user_id) -> bool:
    with app.app_context():
        return db.session.get(User, user_id).large_type


def test_the_switch_needs_its_csrf_token_and_changes_nothing_without(client):
    assert 'action="/large-type"' in client.get("/auth/login").text
    resp = client.post("/large-type", data={"on": "1", "next": "/auth/login"}, csrf=False)
    assert resp.status_code == 400
    assert not _large(client)
    resp = client.post("/large-type", data={"on": "1", "next": "/auth/login"})
    assert resp.status_code == 302 and resp.location == "/auth/login"
    assert _large(client)
    client.post("/large-type", data={"on": "0", "next": "//evil.example/"})
    assert not _large(client)


def test_a_logged_in_choice_is_kept_on_the_account(app, client, login, ctx):
    user = make_user("inspector", grids=[make_grid()])
    login(user)
    assert not _large(client, "/")
    client.post("/large-type", data={"on": "1", "next": "/"})
    assert _large(client, "/") and _stored(app, user.id) is True
    # Another phone: the account brings the setting along.
    other = app.test_client()  # the `client` fixture made this class send CSRF tokens
    assert other.post("/auth/login", data={"login": user.username, "password": PASSWORD}).status_code == 302
    assert _large(other, "/")
    client.post("/large-type", data={"on": "0", "next": "/"})
    assert not _large(client, "/") and _stored(app, user.id) is False


def test_a_choice_on_the_login_page_carries_over_once(app, client, form_login, ctx):
    first = make_user("inspector", grids=[make_grid()])
    second = make_user("inspector", grids=[make_grid()])
    client.post("/large-type", data={"on": "1", "next": "/auth/login"})
    form_login(first)
    assert _large(client, "/") and _stored(app, first.id) is True
    client.post("/auth/logout")
    # The next person on this shared phone gets their own setting, not the last user's.
    form_login(second)
    assert not _large(client, "/") and _stored(app, second.id) is False


def test_existing_users_read_off_after_the_migration(empty_db_url):  # noqa: F811
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": empty_db_url})
    with app.app_context():
        upgrade(revision="4900b5cc3d00")
        db.session.execute(text(
            "INSERT INTO users (username, name, password_hash, role, active, failed_logins, created_at)"
            " VALUES ('old', 'Old', 'x', 'inspector', true, 0, '2026-11-30 08:00:00')"))
        db.session.commit()
        upgrade()
        old = db.session.scalar(db.select(User).where(User.username == "old"))
        assert old.large_type is False
        db.session.remove()
        db.engine.dispose()
