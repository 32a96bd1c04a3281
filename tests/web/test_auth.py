"""Logging in by username or phone, remember-me, locks that protect without locking the real user
out, the same answer for unknown accounts, throttling per client address, renewed sessions."""

import re
import threading
from datetime import timedelta

import pytest
from limits import parse_many
from sqlalchemy import func, select, update
from werkzeug import security

from inspect_app.auth import service as auth_service
from inspect_app.extensions import db
from inspect_app.models import AccountEvent, LoginFailure, Notification, User
from tests.conftest import HX, Client
from tests.factories import PASSWORD, hash_secret, log_in, make_grid, make_site, make_user

STRANGER, OWNER = "10.9.0.66", "10.9.0.7"


def _from(app, address: str) -> Client:
    """A client whose requests come from `address` (REMOTE_ADDR), with its own cookies."""
    app.test_client_class = Client
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _session(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def _alert(resp) -> str:
    return re.search(r'role="alert"[^>]*>(.*?)<', resp.text, re.S).group(1).strip()


def _limit(app, key: str) -> int:
    """The smallest number of requests the configured limit allows."""
    return min(item.amount for item in parse_many(app.config[key]))


@pytest.fixture
def hashes(monkeypatch):
    """How many password/PIN hashes were computed (the real function, counted)."""
    calls, lock, real = [0], threading.Lock(), security.check_password_hash

    def counted(*args):
        with lock:
            calls[0] += 1
        return real(*args)

    monkeypatch.setattr(auth_service, "check_password_hash", counted)
    monkeypatch.setattr("inspect_app.auth.models.check_password_hash", counted)
    return calls


def _failures(user) -> list[tuple[str, int]]:
    db.session.expire_all()
    return sorted(db.session.execute(select(LoginFailure.client, LoginFailure.failures).where(
        LoginFailure.account == f"user:{user.id}")).all())


def test_login_by_phone_with_remember_me_sets_a_lasting_cookie(client, ctx):
    user = make_user("inspector", phone="13912345678")
    resp = client.post("/auth/login", data={"login": "13912345678", "password": PASSWORD,
                                            "remember": "1"})
    assert resp.status_code == 302
    assert any(c.startswith("remember_token=") and "Expires=" in c
               for c in resp.headers.getlist("Set-Cookie"))
    assert user.name in client.get("/").text


def test_five_wrong_passwords_lock_that_address_only(app, ctx, hashes):
    user = make_user("inspector")
    stranger, owner = _from(app, STRANGER), _from(app, OWNER)
    for _ in range(5):
        resp = stranger.post("/auth/login", data={"login": user.username, "password": "wrong"})
        assert resp.status_code == 422
    assert hashes[0] == 5
    resp = stranger.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    assert resp.status_code == 422 and "分钟" in _alert(resp)
    assert hashes[0] == 5  # the lock is checked before any hash
    assert _failures(user) == [(STRANGER, 5)]
    # The real user on their own phone is not locked out, and their success resets only them.
    assert owner.post("/auth/login", data={"login": user.username, "password": PASSWORD}
                      ).status_code == 302
    assert _failures(user) == [(STRANGER, 5)]
    assert db.session.get(User, user.id).failed_logins == 0
    # The stranger's lock runs out.
    row = db.session.scalar(select(LoginFailure).where(LoginFailure.client == STRANGER))
    row.locked_until -= timedelta(minutes=16)
    db.session.commit()
    assert stranger.post("/auth/login", data={"login": user.username, "password": PASSWORD}
                         ).status_code == 302


def test_unknown_and_known_accounts_get_the_same_answers_and_work(app, client, ctx, hashes):
    user = make_user("inspector")
    answers = {}
    for login in (user.username, "nobody-such"):
        c = _from(app, "10.9.1.1")
        before = hashes[0]
        wrong = [_alert(c.post("/auth/login", data={"login": login, "password": "x"}))
                 for _ in range(5)]
        assert hashes[0] - before == 5  # an unknown name hashes a dummy, as a real one hashes
        locked = c.post("/auth/login", data={"login": login, "password": "x"})
        assert hashes[0] - before == 5 and locked.status_code == 422
        answers[login] = (wrong, _alert(locked))
    assert answers[user.username] == answers["nobody-such"]
    assert len(set(answers["nobody-such"][0])) == 1
    # A staff phone number at the PIN page is answered like an unknown one.
    staff = make_user("enterprise", phone="13911112222", pin_hash=user.password_hash)
    c = _from(app, "10.9.1.2")
    pin_staff = _alert(c.post("/auth/pin", data={"phone": staff.phone, "pin": PASSWORD}))
    pin_unknown = _alert(c.post("/auth/pin", data={"phone": "13900009999", "pin": "1234"}))
    assert pin_staff == pin_unknown


def test_a_name_no_account_can_have_is_answered_like_an_unknown_one(app, client, ctx, hashes):
    """NUL (which PostgreSQL refuses in text) or an overlong name: the same answer, the same work."""
    user = make_user("inspector")
    c = _from(app, "10.9.1.3")
    unknown = _alert(c.post("/auth/login", data={"login": "nobody-such", "password": "x"}))
    for login in ("a\x00b", "x" * 5000, user.username + "\x00"):
        before = hashes[0]
        resp = c.post("/auth/login", data={"login": login, "password": "x"})
        assert resp.status_code == 422 and _alert(resp) == unknown
        assert hashes[0] - before == 1
    pin = c.post("/auth/pin", data={"phone": "139\x00", "pin": "1234"})
    assert pin.status_code == 422


def test_sign_in_forms_take_hostile_input_like_a_wrong_try(app, ctx, hashes):
    """Both sign-in forms parse through the forms layer, bounded by the columns: overlong or
    NUL secrets, duplicated and missing fields are answered like any wrong try (422, one
    hash, the same message), never a 500; nobody is signed in."""
    worker = make_user("worker", phone="13911115555", pin_hash=hash_secret("4826"))
    user = make_user("inspector")
    c = _from(app, "10.9.1.4")
    wrong = _alert(c.post("/auth/login", data={"login": user.username, "password": "x"}))
    wrong_pin = _alert(c.post("/auth/pin", data={"phone": worker.phone, "pin": "1357"}))
    tries = [("/auth/login", {"login": user.username, "password": "p" * 5000}, wrong),
             ("/auth/login", {"login": user.username, "password": PASSWORD + "\x00"}, wrong),
             ("/auth/login", {"login": [user.username, "x"], "password": ["x", PASSWORD]}, wrong),
             ("/auth/login", {"password": PASSWORD}, wrong),
             ("/auth/login", {"login": "界" * 3000, "password": PASSWORD, "remember": "\x00"},
              wrong),
             ("/auth/pin", {"phone": worker.phone, "pin": "4826" * 1000}, wrong_pin),
             ("/auth/pin", {"phone": worker.phone, "pin": "48\x0026"}, wrong_pin),
             ("/auth/pin", {"phone": worker.phone + "0" * 20, "pin": "4826"}, wrong_pin),
             ("/auth/pin", {"pin": "4826"}, wrong_pin)]
    for url, data, message in tries:
        before = hashes[0]
        resp = c.post(url, data=data)
        assert resp.status_code == 422 and _alert(resp) == message, data
        assert hashes[0] - before == 1, data
    assert "_user_id" not in _session(c)


def test_sign_in_forms_need_their_csrf_token(app, ctx):
    """A sign-in is a state change: without the form's token, or from another site, nothing
    happens (so nobody can sign a victim into an account of theirs)."""
    user = make_user("inspector")
    worker = make_user("worker", phone="13911116666", pin_hash=hash_secret("4826"))
    for url, data in (("/auth/login", {"login": user.username, "password": PASSWORD}),
                      ("/auth/pin", {"phone": worker.phone, "pin": "4826"})):
        c = _from(app, "10.9.1.5")
        assert c.post(url, data=data, csrf=False).status_code == 400
        resp = c.post(url, data=data, headers={"Origin": "https://evil.example"})
        assert resp.status_code == 403
        assert "_user_id" not in _session(c)
        assert c.post(url, data=data).status_code == 302  # the same form with its token works


def test_every_wrong_try_costs_exactly_one_hash(app, ctx, hashes):
    """Timing tells no account apart: an unknown name or phone, a real account, an empty secret
    and a worker without a PIN each cost one hash, and get the same answer as an unknown one."""
    user = make_user("inspector")
    worker = make_user("worker", phone="13911113333", pin_hash=hash_secret("4826"))
    no_pin = make_user("worker", phone="13911114444", pin_hash=None)
    tries = [("/auth/login", {"login": "nobody-such", "password": "x"}),
             ("/auth/login", {"login": user.username, "password": "x"}),
             ("/auth/login", {"login": user.username, "password": ""}),
             ("/auth/login", {"login": "nobody-such", "password": ""}),
             ("/auth/pin", {"phone": "13900009999", "pin": "1234"}),
             ("/auth/pin", {"phone": worker.phone, "pin": "1357"}),
             ("/auth/pin", {"phone": worker.phone, "pin": ""}),
             ("/auth/pin", {"phone": no_pin.phone, "pin": "1234"}),
             ("/auth/pin", {"phone": no_pin.phone, "pin": ""})]
    answers = {}
    for n, (url, data) in enumerate(tries):
        c = _from(app, f"10.9.1.{100 + n}")
        before = hashes[0]
        resp = c.post(url, data=data)
        assert resp.status_code == 422 and hashes[0] - before == 1, data
        answers.setdefault(url, set()).add(_alert(resp))
    assert all(len(messages) == 1 for messages in answers.values()), answers


def test_forty_parallel_wrong_pins_are_exactly_five_tries(app, ctx, hashes):
    from inspect_app.extensions import limiter
    worker = make_user("worker", pin_hash=hash_secret("4826"))
    clients = [_from(app, "10.9.2.2") for _ in range(40)]
    for c in clients:
        c.csrf_token()
    barrier, results, phone = threading.Barrier(40), [], worker.phone

    def guess(c):
        barrier.wait()
        resp = c.post("/auth/pin", data={"phone": phone, "pin": "1357"})
        results.append((resp.status_code, _alert(resp)))

    limiter.enabled = False  # one address on purpose: the lock, not the rate limit, is tested
    try:
        threads = [threading.Thread(target=guess, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        limiter.enabled = True
    assert len(results) == 40 and {s for s, _ in results} == {422}
    wrong = [m for _, m in results if "分钟" not in m]
    assert len(wrong) == 5 and hashes[0] == 5
    assert _failures(worker) == [("10.9.2.2", 5)]
    assert db.session.get(User, worker.id).failed_logins == 5


def test_many_failures_from_many_addresses_lock_the_account_and_tell_people(app, ctx, hashes):
    app.config["ACCOUNT_MAX_FAILURES"] = 8
    try:
        user = make_user("inspector")
        admin = make_user("admin")
        for n in range(8):  # four addresses, two tries each: no address is locked on its own
            c = _from(app, f"10.9.3.{n // 2}")
            assert c.post("/auth/login", data={"login": user.username, "password": "x"}
                          ).status_code == 422
        before = hashes[0]
        owner = _from(app, OWNER)
        resp = owner.post("/auth/login", data={"login": user.username, "password": PASSWORD})
        assert resp.status_code == 422 and "分钟" in _alert(resp) and hashes[0] == before
        db.session.expire_all()
        assert db.session.get(User, user.id).locked_until is not None
        told = db.session.scalars(select(Notification.user_id).where(
            Notification.kind == "account_locked")).all()
        assert sorted(told) == sorted([user.id, admin.id])
        events = db.session.scalars(select(AccountEvent).where(AccountEvent.user_id == user.id)).all()
        assert [(e.kind, e.actor_id) for e in events] == [("locked", None)]
        # The admin sees it and unlocks; the history says who.
        staff = _from(app, "10.9.3.200")
        staff.post("/auth/login", data={"login": admin.username, "password": PASSWORD})
        page = staff.get(f"/admin/users/{user.id}/edit").text
        assert "account-history" in page and "/unlock" in page
        assert staff.post(f"/admin/users/{user.id}/unlock").status_code == 302
        assert owner.post("/auth/login", data={"login": user.username, "password": PASSWORD}
                          ).status_code == 302
        events = db.session.scalars(select(AccountEvent).where(AccountEvent.user_id == user.id)
                                    .order_by(AccountEvent.id)).all()
        assert [(e.kind, e.actor_id) for e in events] == [("locked", None), ("unlocked", admin.id)]
        page = staff.get(f"/admin/users/{user.id}/edit").text
        assert admin.name in page and "/unlock" not in page
    finally:
        app.config["ACCOUNT_MAX_FAILURES"] = 50


def test_a_flood_from_one_address_gets_429_while_the_owner_logs_in(app, ctx, hashes):
    user = make_user("inspector")
    stranger, owner = _from(app, STRANGER), _from(app, OWNER)
    stranger.csrf_token()
    limit = _limit(app, "SIGN_IN_RATE_LIMIT")
    for n in range(limit):
        login = user.username if n % 2 else f"guess{n}"  # the limit is per address, not account
        assert stranger.post("/auth/login", data={"login": login, "password": "x"}
                             ).status_code == 422
    counted = _failures(user)
    hashed = hashes[0]
    resp = stranger.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    assert resp.status_code == 429 and resp.headers.get("Retry-After")
    assert "稍后" in resp.text or "一分钟" in resp.text
    resp = stranger.post("/auth/pin", data={"phone": user.phone, "pin": "1234"}, headers=HX)
    assert resp.status_code == 429 and resp.headers["X-Message"]
    # Nothing was counted or hashed for the refused requests.
    assert _failures(user) == counted and hashes[0] == hashed
    assert owner.post("/auth/login", data={"login": user.username, "password": PASSWORD}
                      ).status_code == 302


def test_the_429_page_speaks_the_clients_language(app, ctx):
    c = _from(app, "10.9.4.4")
    c.post("/lang/en", data={"next": "/"})
    for _ in range(_limit(app, "SIGN_IN_RATE_LIMIT")):
        c.post("/auth/login", data={"login": "x", "password": "x"})
    resp = c.post("/auth/login", data={"login": "x", "password": "x"})
    assert resp.status_code == 429 and "Too many requests" in resp.text


def test_every_anonymous_form_is_rate_limited(app):
    """Every route anyone may POST to without logging in has a limit per address."""
    from inspect_app.access import PUBLIC
    public_posts = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods
                    and getattr(app.view_functions[r.endpoint], "access_rule", None) == PUBLIC}
    assert public_posts >= {"auth.login", "auth.pin_login", "web.set_language"}
    unlimited = [e for e in public_posts if not getattr(app.view_functions[e], "rate_limit", None)]
    assert unlimited == []


def test_language_form_is_limited_too(app, ctx):
    c = _from(app, "10.9.5.5")
    for _ in range(_limit(app, "ANONYMOUS_FORM_RATE_LIMIT")):
        assert c.post("/lang/en", data={"next": "/"}).status_code == 302
    assert c.post("/lang/zh", data={"next": "/"}).status_code == 429
    assert 'lang="en"' in c.get("/auth/login").text  # the refused switch changed nothing


def test_rate_limits_are_shared_through_redis(app, ctx):
    """With REDIS_URL the counts live in Redis, so every worker process sees the same ones."""
    import redis

    from inspect_app.extensions import limiter
    url = "redis://127.0.0.1:6379/0"
    conn = redis.Redis.from_url(url)
    address = "10.9.6.6"
    app.config["RATELIMIT_STORAGE_URI"] = url
    limiter.init_app(app)
    try:
        assert "redis" in type(limiter.storage).__name__.lower()
        c = _from(app, address)
        for _ in range(_limit(app, "SIGN_IN_RATE_LIMIT")):
            assert c.post("/auth/login", data={"login": "x", "password": "x"}).status_code == 422
        assert c.post("/auth/login", data={"login": "x", "password": "x"}).status_code == 429
        keys = [k for k in conn.scan_iter("*") if address.encode() in k]
        assert keys
    finally:
        for k in conn.scan_iter("*"):
            if address.encode() in k:
                conn.delete(k)
        app.config["RATELIMIT_STORAGE_URI"] = "memory://"
        limiter.init_app(app)


def test_login_starts_a_new_session_with_a_new_csrf_secret(app, ctx):
    user = make_user("inspector")
    c = _from(app, OWNER)
    old_token = c.csrf_token()
    with c.session_transaction() as s:
        s["planted"] = "by someone who had the phone before"
    c.post("/auth/login", data={"login": user.username, "password": PASSWORD},
           headers={"X-CSRFToken": old_token})
    with c.session_transaction() as s:
        assert "planted" not in s
    # The token from before the login is refused; the new one works.
    resp = c.post("/lang/en", data={"next": "/"}, headers={"X-CSRFToken": old_token})
    assert resp.status_code == 400
    assert c.post("/lang/en", data={"next": "/"}).status_code == 302
    assert c.get("/").status_code == 200


def test_deactivated_user_cannot_log_in_and_is_logged_out(client, login, ctx):
    user = make_user("inspector")
    login(user)
    assert client.get("/").status_code == 200
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert client.get("/").status_code == 302
    resp = client.post("/auth/login", data={"login": user.username, "password": PASSWORD})
    assert resp.status_code == 422


def test_a_change_made_elsewhere_takes_effect_at_the_users_next_request(app, client):
    # Nothing about the user is kept between requests: each reads the account afresh.
    with app.app_context():
        user_id = make_user("inspector").id
    log_in(client, user_id)
    assert client.get("/scan").status_code == 200

    def change(**values):  # as another worker process would, in its own session
        with app.app_context():
            db.session.execute(update(User).where(User.id == user_id).values(**values))
            db.session.commit()

    change(role="worker")
    assert client.get("/scan").status_code == 403
    change(active=False)
    assert client.get("/scan").status_code == 302


def test_the_user_a_request_reads_is_the_sessions_own_object(app, client):
    # Read as a plain row and attached (auth/loader.py): its grids decide access, and a change
    # to it in a request is saved by that request's commit.
    with app.app_context():
        grid = make_grid()
        mine, other = make_site(grid), make_site(make_grid())
        user_id, mine_id, other_id = make_user("inspector", grids=[grid]).id, mine.id, other.id
    log_in(client, user_id)
    assert client.get(f"/sites/{mine_id}").status_code == 200
    assert client.get(f"/sites/{other_id}").status_code == 404
    assert client.post("/large-type", data={"on": "1", "next": "/scan"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).large_type is True
    assert 'class="large-type"' in client.get("/scan").text


def test_logout_requires_post(client, login, ctx):
    login(make_user("inspector"))
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_account_history_is_never_updated_or_deleted(ctx):
    from sqlalchemy import delete, update

    from inspect_app.auth import history
    from inspect_app.auth.models import AppendOnlyError
    user = make_user("inspector")
    history.record(user, "password_reset", None)
    db.session.commit()
    entry = db.session.scalar(select(AccountEvent))
    entry.kind = "unlocked"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(AccountEvent)))
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    for stmt in (update(AccountEvent).values(note="x"), delete(AccountEvent)):
        with pytest.raises(AppendOnlyError):
            db.session.execute(stmt)
        db.session.rollback()
    assert db.session.execute(select(AccountEvent.kind, AccountEvent.note)).all() == [
        ("password_reset", "")]
    assert db.session.scalar(select(func.count(AccountEvent.id))) == 1


def test_counts_that_no_longer_count_are_pruned_and_nothing_else(app, ctx):
    """A count starts again after its lock ran out or after the quiet window; `flask auth prune`
    deletes exactly those rows, so pruning changes no answer (a spray of names leaves nothing)."""
    from inspect_app.auth import lockout
    from inspect_app.timeutil import utcnow
    user = make_user("inspector")
    now = utcnow()
    ago = lambda minutes: now - timedelta(minutes=minutes)  # noqa: E731
    for _ in range(5):
        lockout.take_try(user, "", "10.9.5.1", ago(20))  # locked 20 min ago: ran out
        lockout.take_try(user, "", "10.9.5.2", ago(5))  # locked 5 min ago: still in force
    for _ in range(3):
        lockout.take_try(None, "made-up-name", "10.9.5.3", ago(16))  # quiet for 16 min
        lockout.take_try(user, "", "10.9.5.4", ago(2))  # counting
    assert lockout.take_try(user, "", "10.9.5.3", ago(1)) == 4  # another account: its own count
    result = app.test_cli_runner().invoke(args=["auth", "prune"])
    assert result.exit_code == 0 and "pruned 2 " in result.output
    assert _failures(user) == [("10.9.5.2", 5), ("10.9.5.3", 1), ("10.9.5.4", 3)]
    assert db.session.scalar(select(func.count(LoginFailure.id))) == 3
    # What was pruned would have started again anyway; what is kept still counts and locks.
    assert lockout.take_try(None, "made-up-name", "10.9.5.3", now) == 4
    assert lockout.take_try(user, "", "10.9.5.1", now) == 4
    assert lockout.take_try(user, "", "10.9.5.2", now) is None
    assert lockout.take_try(user, "", "10.9.5.4", now) == 1
    assert app.test_cli_runner().invoke(args=["auth", "prune"]).output.startswith("pruned 0 ")


def test_a_quiet_count_starts_again_without_pruning(app, ctx):
    from inspect_app.auth import lockout
    from inspect_app.timeutil import utcnow
    user = make_user("inspector")
    now = utcnow()
    for _ in range(4):
        lockout.take_try(user, "", "10.9.5.9", now - timedelta(minutes=16))
    assert lockout.take_try(user, "", "10.9.5.9", now) == 4  # not the fifth: the window passed
    assert lockout.locked_until(user, "", "10.9.5.9", now) is None


def test_the_lock_notice_and_history_are_in_each_readers_language(app, ctx):
    """The lock is tripped by someone else's (zh) requests; the English-speaking owner and admin
    read it in English, a Chinese-speaking admin in Chinese."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    app.config["ACCOUNT_MAX_FAILURES"] = 4
    try:
        owner, admin_en, admin_zh = make_user("inspector"), make_user("admin"), make_user("admin")
        readers = {}
        for user, lang in ((owner, "en"), (admin_en, "en"), (admin_zh, "zh")):
            c = _from(app, f"10.9.6.{user.id}")
            c.post(f"/lang/{lang}", data={"next": "/"})
            assert c.post("/auth/login", data={"login": user.username, "password": PASSWORD}
                          ).status_code == 302
            readers[user.id] = c
        for n in range(4):  # the attacker, in the default language (zh)
            resp = _from(app, f"10.9.7.{n}").post(
                "/auth/login", data={"login": owner.username, "password": "x"})
            assert resp.status_code == 422 and "错误" in _alert(resp)
        owner_page = readers[owner.id].get("/inbox/").text
        assert "Your account was locked after too many wrong passwords or PINs" in owner_page
        assert "The lock ends by itself after 60 minutes." in owner_page
        en_page = readers[admin_en.id].get("/inbox/").text
        assert f"Account {owner.name} locked after too many wrong passwords or PINs" in en_page
        with force_locale("zh"):
            zh_title = _("Account %(name)s locked after too many wrong passwords or PINs",
                         name=owner.name)
        assert zh_title != f"Account {owner.name} locked after too many wrong passwords or PINs"
        zh_page = readers[admin_zh.id].get("/inbox/").text
        assert zh_title in zh_page and "Account " not in zh_page
        # The stored copy (for e-mail) is in the default language, with the key to re-render it.
        note = db.session.scalar(select(Notification).where(Notification.user_id == admin_en.id))
        assert note.title == zh_title and note.message_key == "account_locked.admin"
        # The account history reads in the admin's language too.
        history = readers[admin_en.id].get(f"/admin/users/{owner.id}/edit").text
        assert "Locked after too many wrong attempts (4 wrong attempts)" in history
    finally:
        app.config["ACCOUNT_MAX_FAILURES"] = 50


def test_a_role_change_in_the_history_shows_role_names(app, client, login, ctx):
    from inspect_app.auth import history
    user, admin = make_user("inspector"), make_user("admin")
    history.record(user, "role_changed", admin, note="inspector → supervisor")
    db.session.commit()
    login(admin)
    client.post("/lang/en", data={"next": "/"})
    page = client.get(f"/admin/users/{user.id}/edit").text
    assert "Role changed (Grid inspector → Supervisor)" in page


def test_secrets_are_hashed_by_the_configured_method(app, ctx):
    """Production hashes with scrypt; the tests' app with a cheap method, through the same code
    (passwords, PINs and the dummy an unknown name costs)."""
    from inspect_app.auth.service import _dummy_hash, set_pin
    from inspect_app.config import Defaults

    assert Defaults.PASSWORD_HASH_METHOD == "scrypt"
    user = make_user("worker")
    user.set_password("pw-654321")
    set_pin(user, "4826")
    method = app.config["PASSWORD_HASH_METHOD"]
    assert method != "scrypt"
    assert all(h.startswith(method + "$") for h in (user.password_hash, user.pin_hash,
                                                     _dummy_hash()))
    assert user.check_password("pw-654321") and not user.check_password("pw-654322")
