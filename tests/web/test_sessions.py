"""Sessions that can be taken back: a copied session cookie or remember-me cookie stops working
after logout, a password or PIN reset, a role change, sign-out-everywhere, and deactivation
(reactivating the account does not bring it back)."""

import pytest
from sqlalchemy import select

from inspect_app.extensions import db
from inspect_app.models import AccountEvent, User
from tests.conftest import Client
from tests.factories import PASSWORD, hash_secret, make_site, make_user

PIN = "4826"


def _client(app) -> Client:
    app.test_client_class = Client
    return app.test_client()


def _staff(app, user) -> Client:
    c = _client(app)
    assert c.post("/auth/login", data={"login": user.username, "password": PASSWORD}
                  ).status_code == 302
    return c


def _copies(app, phone: Client) -> tuple[Client, Client]:
    """Two other devices: one with a copy of the session cookie, one with only the remember-me
    cookie (as a thief who copied them would have)."""
    session_copy, remember_copy = _client(app), _client(app)
    session_copy.set_cookie("session", phone.get_cookie("session").value)
    remember_copy.set_cookie("remember_token", phone.get_cookie("remember_token").value)
    return session_copy, remember_copy


def _logged_in(c: Client) -> bool:
    return c.get("/").status_code == 200


@pytest.fixture
def people(ctx):
    site = make_site()
    return {"worker": make_user("worker", site=site, pin_hash=hash_secret(PIN)),
            "admin": make_user("admin"),
            "safety": make_user("enterprise", site=site, position="safety_manager")}


def _logout(app, p, phone):
    phone.post("/auth/logout")


def _password_reset(app, p, phone):
    assert _staff(app, p["admin"]).post(f"/admin/users/{p['worker'].id}/password",
                                        data={"password": "new-pass-789"}).status_code == 302


def _pin_reset(app, p, phone):
    assert _staff(app, p["safety"]).post(f"/people/{p['worker'].id}/pin",
                                         data={"pin": "7391"}).status_code == 302


def _deactivate_and_reactivate(app, p, phone):
    admin = _staff(app, p["admin"])
    assert admin.post(f"/admin/users/{p['worker'].id}/deactivate").status_code == 302
    assert admin.post(f"/admin/users/{p['worker'].id}/reactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, p["worker"].id).active


def _sign_out_everywhere(app, p, phone):
    assert _staff(app, p["admin"]).post(f"/admin/users/{p['worker'].id}/sign-out"
                                        ).status_code == 302


def _role_change(app, p, phone):
    w = p["worker"]
    resp = _staff(app, p["admin"]).post(f"/admin/users/{w.id}/edit", data={
        "username": w.username, "name": w.name, "phone": w.phone, "role": "enterprise",
        "site_id": w.site_id, "position": "staff"})
    assert resp.status_code == 302, resp.text


ENDINGS = {"logout": (_logout, None), "password reset": (_password_reset, "password_reset"),
           "PIN reset": (_pin_reset, "pin_reset"),
           "deactivation and reactivation": (_deactivate_and_reactivate, "reactivated"),
           "sign out everywhere": (_sign_out_everywhere, "signed_out"),
           "role change": (_role_change, "role_changed")}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_copied_cookies_fail_after(app, people, ending):
    end, event = ENDINGS[ending]
    phone = _client(app)
    assert phone.post("/auth/pin", data={"phone": people["worker"].phone, "pin": PIN,
                                         "remember": "1"}).status_code == 302
    session_copy, remember_copy = _copies(app, phone)
    assert _logged_in(session_copy) and _logged_in(remember_copy)
    end(app, people, phone)
    assert not _logged_in(session_copy)
    assert not _logged_in(remember_copy)
    assert not _logged_in(phone)
    if event:  # kept in the account's history with who did it
        db.session.expire_all()
        kinds = db.session.execute(select(AccountEvent.kind, AccountEvent.actor_id).where(
            AccountEvent.user_id == people["worker"].id)).all()
        assert event in {k for k, _ in kinds} and all(a is not None for _, a in kinds)


def test_an_edit_that_changes_no_role_keeps_sessions(app, people):
    phone = _client(app)
    phone.post("/auth/pin", data={"phone": people["worker"].phone, "pin": PIN})
    w = people["worker"]
    resp = _staff(app, people["admin"]).post(f"/admin/users/{w.id}/edit", data={
        "username": w.username, "name": "新名字", "phone": w.phone, "role": "worker",
        "site_id": w.site_id, "position": ""})
    assert resp.status_code == 302
    assert _logged_in(phone)
    db.session.expire_all()
    assert db.session.scalars(select(AccountEvent)).all() == []


def test_a_refused_reset_ends_no_session(app, people):
    phone = _client(app)
    phone.post("/auth/pin", data={"phone": people["worker"].phone, "pin": PIN})
    before = db.session.get(User, people["worker"].id).session_generation
    assert _staff(app, people["safety"]).post(f"/people/{people['worker'].id}/pin",
                                              data={"pin": "1111"}).status_code == 422
    assert _logged_in(phone)
    db.session.expire_all()
    assert db.session.get(User, people["worker"].id).session_generation == before
    assert db.session.scalars(select(AccountEvent)).all() == []


def test_old_style_session_ids_are_refused(app, people):
    """Sessions from before generations carried a bare id: they must log in again."""
    c = _client(app)
    with c.session_transaction() as s:
        s["_user_id"] = str(people["worker"].id)
        s["_fresh"] = True
    assert not _logged_in(c)


def test_history_is_shown_to_staff_with_who_and_when(app, people):
    admin = _staff(app, people["admin"])
    admin.post(f"/admin/users/{people['worker'].id}/sign-out")
    admin.post(f"/admin/users/{people['worker'].id}/password", data={"password": "pass-9876543"})
    page = admin.get(f"/admin/users/{people['worker'].id}/edit").text
    history = page[page.index('id="account-history"'):page.index("</table>")]
    assert history.count(people["admin"].name) == 2
    assert history.index("密码") < history.index("退出")  # newest first
