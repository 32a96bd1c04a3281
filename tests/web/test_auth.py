"""Logging in by username or phone, remember-me, and lockout after repeated failures."""

from datetime import timedelta

from inspect_app.extensions import db
from inspect_app.models import User
from tests.factories import PASSWORD, make_user


def test_login_by_phone_with_remember_me_sets_a_lasting_cookie(client, ctx):
    user = make_user("inspector", phone="13912345678")
    resp = client.post("/auth/login", data={"login": "13912345678", "password": PASSWORD,
                                            "remember": "1"})
    assert resp.status_code == 302
    assert any(c.startswith("remember_token=") and "Expires=" in c
               for c in resp.headers.getlist("Set-Cookie"))
    assert user.name in client.get("/").text


def test_five_wrong_passwords_lock_the_account(client, ctx):
    user = make_user("inspector")
    for _ in range(5):
        resp = client.post("/auth/login", data={"login": user.username, "password": "wrong"})
        assert resp.status_code == 422
    resp = client.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    assert resp.status_code == 422 and ("minutes" in resp.text or "分钟" in resp.text)
    db.session.expire_all()
    locked = db.session.get(User, user.id)
    locked.locked_until -= timedelta(minutes=16)
    db.session.commit()
    resp = client.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    assert resp.status_code == 302


def test_deactivated_user_cannot_log_in_and_is_logged_out(client, login, ctx):
    user = make_user("inspector")
    login(user)
    assert client.get("/").status_code == 200
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert client.get("/").status_code == 302
    resp = client.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    assert resp.status_code == 422


def test_logout_requires_post(client, login, ctx):
    login(make_user("inspector"))
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/").status_code == 302
