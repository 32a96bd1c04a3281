"""What every request pays: the statements of the login page, a scan and a plain logged-in page
(counted, never timed), and that what is now kept between calls still follows every change:
an inspector's grids, the templates' language, the session cookie's key."""

from flask import render_template_string, session
from flask_babel import force_locale
from sqlalchemy import delete

from inspect_app import memo
from inspect_app.extensions import db
from inspect_app.sites.models import grid_inspectors
from tests.factories import make_grid, make_site, make_user
from tests.web.test_statement_counts import statements


def _count(client, url, status=200) -> int:
    db.session.expunge_all()  # the test's session is the requests': each loads what it uses
    with statements() as seen:
        assert client.get(url).status_code == status
    return len(seen)


def test_the_login_page_reads_nothing_from_the_database(client, ctx):
    client.get("/auth/login")
    assert _count(client, "/auth/login") == 0


def test_a_scan_reads_the_user_with_its_grids_and_the_code_only(client, login, ctx):
    grid = make_grid()
    site = make_site(grid)
    login(make_user("inspector", grids=[grid]))
    url = f"/s/{site.qr_token}"
    client.get(url)
    # The user row with the inspector's grid ids, the code's site id and grid: no Site or Grid
    # rows, the same for zone staff.
    assert _count(client, url, 302) == 2
    login(make_user("supervisor"))
    assert _count(client, url, 302) == 2


def test_a_plain_page_reads_only_the_user_once_the_bar_is_counted(app, client, login, ctx,
                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "FIGURE_MEMOS", True)
    grid = make_grid()
    login(make_user("inspector", grids=[grid]))
    try:
        client.get("/scan")  # the bar's unread and work counts, kept a few seconds
        assert _count(client, "/scan") == 1  # the user row (its session still checked)
    finally:
        memo.clear_all()


def test_an_inspector_who_leaves_a_grid_can_no_longer_scan_its_codes(client, login, ctx):
    grid = make_grid()
    site = make_site(grid)
    inspector = make_user("inspector", grids=[grid])
    login(inspector)
    assert client.get(f"/s/{site.qr_token}").status_code == 302
    db.session.execute(delete(grid_inspectors).where(grid_inspectors.c.user_id == inspector.id))
    db.session.commit()
    assert client.get(f"/s/{site.qr_token}").status_code == 404


def test_grid_ids_follow_the_grids_as_they_change_and_after_a_commit(ctx):
    first, second = make_grid(), make_grid()
    inspector = make_user("inspector", grids=[first])
    db.session.expire_all()
    assert inspector.grid_ids == {first.id}
    inspector.grids = [first, second]  # not flushed yet: the loaded relationship answers
    assert inspector.grid_ids == {first.id, second.id}
    db.session.commit()
    assert inspector.grid_ids == {first.id, second.id}
    db.session.execute(delete(grid_inspectors).where(grid_inspectors.c.grid_id == first.id))
    db.session.commit()  # expired: read again
    assert inspector.grid_ids == {second.id}
    db.session.rollback()
    assert inspector.grid_ids == {second.id}


def test_templates_speak_the_forced_language_and_then_the_pages_again(app):
    with app.test_request_context("/"):
        session["lang"] = "zh"
        login_label = "{{ _('Log in') }}"
        assert render_template_string(login_label) == "登录"
        with force_locale("en"):
            assert render_template_string(login_label) == "Log in"
        assert render_template_string(login_label) == "登录"


def test_a_new_secret_key_ends_the_sessions_signed_with_the_old_one(app, client, login, ctx):
    login(make_user("supervisor"))
    assert client.get("/").status_code == 200
    app.config["SECRET_KEY"] = "another-secret"  # put back after the test (conftest._clean)
    resp = client.get("/")
    assert resp.status_code == 302 and "/auth/login" in resp.location
