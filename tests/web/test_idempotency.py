"""Idempotent writes of a running inspection: a repeated key gets the first result, a key belongs
to its user, bad keys are refused clearly, and parallel submits all succeed with one set of hazards."""

import io
import threading
from urllib.parse import unquote

import pytest
from sqlalchemy import event, func, select

from inspect_app import idempotency
from inspect_app.extensions import db
from inspect_app.idempotency import Receipt
from inspect_app.models import Answer, Hazard, HazardEvent, Inspection, Photo
from tests.conftest import HX, Client
from tests.factories import PASSWORD, jpeg_bytes, make_grid, make_site, make_user, template


@pytest.fixture
def field(ctx):
    grid = make_grid()
    site = make_site(grid, site_type="NINE", subkind="restaurant", risk_color="red")
    return site, make_user("inspector", grids=[grid]), make_user("inspector", grids=[grid])


def _start(client, site) -> int:
    resp = client.post(f"/inspections/start/{site.id}", data={"template": template("grid-nine").id})
    return int(resp.location.rsplit("/", 1)[1])


def _tick(client, inspection_id, item, result, key=None, **data):
    headers = {**HX, **({"Idempotency-Key": key} if key else {})}
    return client.post(f"/inspections/{inspection_id}/items/{item.id}",
                       data={"result": result, **data} if result else data, headers=headers)


def _answer(inspection_id, item) -> Answer | None:
    db.session.expire_all()
    return db.session.scalar(select(Answer).where(Answer.inspection_id == inspection_id,
                                                  Answer.item_id == item.id))


def _receipts() -> int:
    return db.session.scalar(select(func.count(Receipt.id)))


def test_repeated_key_answers_with_the_first_result_and_writes_nothing(client, login, field):
    site, inspector, _ = field
    login(inspector)
    inspection_id = _start(client, site)
    item = template("grid-nine").items[0]
    first = _tick(client, inspection_id, item, "fail", key="tick-0000-aaaa", note="门被堵")
    assert first.status_code == 200 and "Idempotency-Replayed" not in first.headers
    saved_at = _answer(inspection_id, item).updated_at
    # A later change under a new key, then the first request arrives again (its reply was lost).
    _tick(client, inspection_id, item, "pass", key="tick-0000-bbbb")
    again = _tick(client, inspection_id, item, "fail", key="tick-0000-aaaa", note="门被堵")
    assert again.status_code == 200 and again.headers["Idempotency-Replayed"] == "true"
    assert f'id="item-{item.id}"' in again.text  # the item as it is now, ready to swap
    answer = _answer(inspection_id, item)
    assert answer.result == "pass" and answer.note == ""  # the replay did not write "fail" again
    assert answer.updated_at >= saved_at
    assert _receipts() == 2


def test_a_repeat_is_left_as_it_is_no_error_and_no_rollback(client, login, field):
    """A lost reply's retry finds the receipt with no failed INSERT: nothing for the database
    to log as an error, and the request's session is not rolled back to get past one."""
    site, inspector, _ = field
    login(inspector)
    inspection_id = _start(client, site)
    item = template("grid-nine").items[0]
    _tick(client, inspection_id, item, "pass", key="tick-1111-aaaa")
    rolled_back = []

    def note(conn):
        rolled_back.append(conn)

    event.listen(db.engine, "rollback", note)
    try:
        again = _tick(client, inspection_id, item, "pass", key="tick-1111-aaaa")
    finally:
        event.remove(db.engine, "rollback", note)
    assert again.status_code == 200 and again.headers["Idempotency-Replayed"] == "true"
    assert len(rolled_back) == 1  # the one that ends the request's read, nothing before it
    assert _receipts() == 1


def test_a_receipt_gone_between_its_insert_and_its_read_is_refused_clearly(
        client, login, field, monkeypatch):
    """The first copy's receipt pruned in the instant between the two statements: a clear 409
    in the user's language, nothing written, and the retry after it is a new write."""
    site, inspector, _ = field
    login(inspector)
    inspection_id = _start(client, site)
    item = template("grid-nine").items[0]
    _tick(client, inspection_id, item, "pass", key="tick-2222-aaaa")
    monkeypatch.setattr(idempotency, "find", lambda user_id, key: None)
    refused = _tick(client, inspection_id, item, "fail", key="tick-2222-aaaa")
    assert refused.status_code == 409
    assert "这次修改未能确认" in unquote(refused.headers.get("X-Message", "")) + refused.text
    assert _answer(inspection_id, item).result == "pass" and _receipts() == 1


def test_another_users_key_is_a_new_write(app, client, login, field):
    site, inspector, other = field
    login(inspector)
    mine = _start(client, site)
    item = template("grid-nine").items[0]
    _tick(client, mine, item, "pass", key="shared-key-123")
    other_client = app.test_client()
    other_client.post("/auth/login", data={"login": other.username, "password": PASSWORD})
    theirs = _start(other_client, site)
    resp = _tick(other_client, theirs, item, "fail", key="shared-key-123")
    assert resp.status_code == 200 and "Idempotency-Replayed" not in resp.headers
    assert _answer(theirs, item).result == "fail" and _answer(mine, item).result == "pass"
    assert _receipts() == 2


@pytest.mark.parametrize("key", ["short", "x" * 65, "has space inside", "semi;colon-key",
                                 "汉字汉字汉字汉字汉字"])
def test_bad_key_is_a_clear_400_and_nothing_changes(client, login, field, key):
    site, inspector, _ = field
    login(inspector)
    inspection_id = _start(client, site)
    item = template("grid-nine").items[0]
    resp = client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "pass"},
                       headers={**HX, "Idempotency-Key": key.encode().decode("latin-1")})
    message = unquote(resp.headers["X-Message"])
    assert resp.status_code == 400 and "8" in message and "64" in message  # says what a key must be
    assert _answer(inspection_id, item) is None and _receipts() == 0
    # The same from a plain form field.
    resp = client.post(f"/inspections/{inspection_id}/items/{item.id}",
                       data={"result": "pass", "idempotency_key": key})
    assert resp.status_code == 400
    assert _answer(inspection_id, item) is None and _receipts() == 0


def test_key_reused_for_another_item_is_refused(client, login, field):
    site, inspector, _ = field
    login(inspector)
    inspection_id = _start(client, site)
    first, second = template("grid-nine").items[:2]
    _tick(client, inspection_id, first, "pass", key="reused-key-1")
    resp = _tick(client, inspection_id, second, "pass", key="reused-key-1")
    assert resp.status_code == 422 and _answer(inspection_id, second) is None


def test_refused_write_spends_no_key_and_changes_nothing(client, login, field):
    site, inspector, _ = field
    login(inspector)
    inspection_id = _start(client, site)
    item = template("grid-nine").items[0]
    resp = _tick(client, inspection_id, item, "maybe", key="refused-key-1")
    assert resp.status_code == 422 and resp.headers["HX-Reswap"] == "none"
    assert _answer(inspection_id, item) is None and _receipts() == 0
    # Its retry, now valid, is judged afresh.
    assert _tick(client, inspection_id, item, "pass", key="refused-key-2").status_code == 200


def test_tick_on_submitted_inspection_is_409_and_keeps_the_card(client, login, field):
    site, inspector, _ = field
    login(inspector)
    inspection_id = _start(client, site)
    items = template("grid-nine").items
    for i, item in enumerate(items):
        _tick(client, inspection_id, item, "pass", key=f"all-pass-{i:04d}")
    assert client.post(f"/inspections/{inspection_id}/submit", headers=HX).status_code == 204
    receipts = _receipts()
    resp = _tick(client, inspection_id, items[0], "fail", key="late-tick-0001")
    assert resp.status_code == 409 and resp.headers["HX-Reswap"] == "none"  # no bare sentence swap
    assert "已提交" in unquote(resp.headers["X-Message"])
    assert _answer(inspection_id, items[0]).result == "pass" and _receipts() == receipts


def test_repeated_photo_key_stores_one_photo_and_the_server_says_it_holds_it(client, login, field):
    site, inspector, other = field
    login(inspector)
    inspection_id = _start(client, site)
    item = template("grid-nine").items[0]
    _tick(client, inspection_id, item, "fail", key="fail-tick-0001")
    key = "photo-key-00001"
    assert client.get(f"/inspections/{inspection_id}/photos/key/{key}").status_code == 404
    for _ in range(2):
        resp = client.post(f"/inspections/{inspection_id}/items/{item.id}/photos",
                           headers={**HX, "Idempotency-Key": key},
                           data={"upload_key": key, "photo": (io.BytesIO(jpeg_bytes()), "a.jpg")},
                           content_type="multipart/form-data")
        assert resp.status_code == 200
    assert db.session.scalar(select(func.count(Photo.id))) == 1
    held = client.get(f"/inspections/{inspection_id}/photos/key/{key}")
    assert held.status_code == 200 and held.json["found"] and held.json["item"] == item.id
    # Asked by the outbox (htmx headers): the item with its photo, to swap in instead of resending.
    held = client.get(f"/inspections/{inspection_id}/photos/key/{key}", headers=HX)
    assert held.status_code == 200 and f'id="item-{item.id}"' in held.text and "/photos/" in held.text
    assert client.get(f"/inspections/{inspection_id}/photos/key/other-key-0001",
                      headers=HX).status_code == 404


def test_submit_repeated_key_redirects_like_the_first(client, login, field):
    site, inspector, _ = field
    login(inspector)
    inspection_id = _start(client, site)
    for i, item in enumerate(template("grid-nine").items):
        _tick(client, inspection_id, item, "fail" if i == 0 else "pass")
    for _ in range(2):
        resp = client.post(f"/inspections/{inspection_id}/submit",
                           headers={**HX, "Idempotency-Key": "submit-key-0001"})
        assert resp.status_code == 204 and resp.headers["HX-Redirect"] == f"/inspections/{inspection_id}"
    assert db.session.scalar(select(func.count(Hazard.id))) == 1


@pytest.mark.parametrize("n", [2, 5])
def test_parallel_submits_all_succeed_with_one_set_of_hazards(app, client, login, field, n):
    site, inspector, _ = field
    login(inspector)
    inspection_id = _start(client, site)
    items = template("grid-nine").items
    for i, item in enumerate(items):
        _tick(client, inspection_id, item, "fail" if i < 3 else "pass")
    app.test_client_class = Client
    clients = [app.test_client() for _ in range(n)]
    for c in clients:
        c.post("/auth/login", data={"login": inspector.username, "password": PASSWORD})
    barrier, statuses = threading.Barrier(n), []

    def submit(c, i):
        with app.app_context():
            barrier.wait()
            # Half as plain forms, half through htmx/outbox, each with its own key (two tabs).
            headers = {**HX, "Idempotency-Key": f"parallel-submit-{i:03d}"} if i % 2 else {}
            resp = c.post(f"/inspections/{inspection_id}/submit", headers=headers)
            statuses.append((resp.status_code, resp.headers.get("HX-Redirect") or resp.location))

    threads = [threading.Thread(target=submit, args=(c, i)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == n
    for status, where in statuses:
        assert status in (204, 302) and where.endswith(f"/inspections/{inspection_id}")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Hazard.id))) == 3
    assert db.session.scalar(select(func.count(HazardEvent.id))) == 3
    assert db.session.get(Inspection, inspection_id).submitted_at is not None


def test_submitted_findings_come_first_in_the_queue_and_on_the_done_page(client, login, field):
    site, inspector, _ = field
    login(inspector)
    inspection_id = _start(client, site)
    for i, item in enumerate(template("grid-nine").items):
        _tick(client, inspection_id, item, "fail" if i == 0 else "pass")
    client.post(f"/inspections/{inspection_id}/submit")
    hazard = db.session.scalar(select(Hazard))
    done = client.get(f"/inspections/{inspection_id}").text
    assert f"/hazards/{hazard.id}" in done and 'href="/hazards/"' in done
    queue = client.get("/hazards/").text
    assert 'id="just-found"' in queue
    assert queue.index(f"/hazards/{hazard.id}") < queue.index('id="results"')


def test_expired_session_write_says_log_in_not_form_expired(client, login, field):
    site, inspector, _ = field
    login(inspector)
    inspection_id = _start(client, site)
    item = template("grid-nine").items[0]
    token = client.csrf_token()
    client.post("/auth/logout")
    resp = client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "pass"},
                       headers={**HX, "X-CSRFToken": token, "Idempotency-Key": "after-logout-1"})
    assert resp.status_code == 401 and resp.headers["HX-Redirect"].startswith("/auth/login")
    assert _answer(inspection_id, item) is None


def test_write_refused_for_another_sessions_token_says_so_and_spends_nothing(client, login, field):
    """The outbox sends such a write again with the session's token (static/outbox.js): the
    refusal must be told apart from any other 400, and must leave nothing written or spent."""
    site, inspector, _ = field
    login(inspector)
    inspection_id = _start(client, site)
    item = template("grid-nine").items[0]
    old = client.csrf_token()
    client.post("/auth/logout")
    login(inspector)  # a new session, with a new CSRF secret
    resp = client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "pass"},
                       headers={**HX, "X-CSRFToken": old, "Idempotency-Key": "old-token-1"})
    assert resp.status_code == 400 and resp.headers["X-Token-Refused"] == "1"
    assert _answer(inspection_id, item) is None and _receipts() == 0
    again = _tick(client, inspection_id, item, "pass", key="old-token-1")  # the session's token
    assert again.status_code == 200 and "Idempotency-Replayed" not in again.headers
    assert _answer(inspection_id, item).result == "pass"
    bad_key = _tick(client, inspection_id, item, "pass", key="short")
    assert bad_key.status_code == 400 and "X-Token-Refused" not in bad_key.headers
