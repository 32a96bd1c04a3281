"""The field loop through HTTP: scan, start, tick, photograph, submit, queue."""

import io
import re
from datetime import datetime

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from inspect_app.extensions import db
from inspect_app.models import Answer, Hazard, HazardEvent, Inspection, Photo
from tests.conftest import HX
from tests.factories import jpeg_bytes, make_grid, make_site, make_user, template


@pytest.fixture
def field(ctx):
    """An inspector on a grid with a 九小场所 restaurant in it."""
    grid = make_grid()
    site = make_site(grid, site_type="NINE", subkind="restaurant", risk_color="red")
    inspector = make_user("inspector", grids=[grid])
    return grid, site, inspector


def _start(client, site, slug="grid-nine"):
    resp = client.post(f"/inspections/start/{site.id}", data={"template": template(slug).id})
    assert resp.status_code == 302
    return int(resp.location.rsplit("/", 1)[1])


def _answer_all(client, inspection_id, result="pass", skip=()):
    items = db.session.get(Inspection, inspection_id).items  # those that apply to the site
    for item in items:
        if item.id in skip:
            continue
        resp = client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": result},
                           headers=HX)
        assert resp.status_code == 200
    return items


def test_scan_when_logged_out_logs_in_and_returns_to_site(client, field):
    _, site, inspector = field
    resp = client.get(f"/s/{site.qr_token}")
    assert resp.status_code == 302 and "/auth/login" in resp.location
    login_page = client.get(resp.location)
    assert f'value="/s/{site.qr_token}"' in login_page.text
    resp = client.post("/auth/login", data={"login": inspector.phone, "password": "pw-123456",
                                            "next": f"/s/{site.qr_token}"})
    assert resp.location.endswith(f"/s/{site.qr_token}")
    resp = client.get(resp.location)
    assert resp.location.endswith(f"/sites/{site.id}")
    page = client.get(resp.location).text
    assert site.name in page and f'href="tel:{site.principal_phone}"' in page


def test_unknown_token_shows_clear_page(client, ctx):
    resp = client.get("/s/not-a-real-token")
    assert resp.status_code == 404
    assert 'class="card error"' in resp.text


def test_login_rejects_offsite_next(client, field):
    _, _, inspector = field
    resp = client.post("/auth/login", data={"login": inspector.username, "password": "pw-123456",
                                            "next": "https://evil.example/x"})
    assert resp.location == "/"


def test_wrong_password_is_422_with_message(client, field):
    _, _, inspector = field
    resp = client.post("/auth/login", data={"login": inspector.username, "password": "nope"})
    assert resp.status_code == 422 and 'role="alert"' in resp.text


def test_site_page_offers_the_grid_guideline_for_its_type(client, login, field):
    _, site, inspector = field
    login(inspector)
    page = client.get(f"/sites/{site.id}").text
    assert template("grid-nine").title in page
    assert template("ent-gm-general").title not in page


def test_scan_marks_inspection_as_on_site(client, login, field):
    _, site, inspector = field
    login(inspector)
    client.get(f"/s/{site.qr_token}")
    inspection_id = _start(client, site)
    assert db.session.get(Inspection, inspection_id).from_scan is True


def test_start_without_scan_is_not_on_site(client, login, field):
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    inspection = db.session.get(Inspection, inspection_id)
    assert inspection.from_scan is False and inspection.kind == "patrol"
    assert inspection.template.version == "2.0"


def test_start_again_resumes_the_unfinished_inspection(client, login, field):
    _, site, inspector = field
    login(inspector)
    first = _start(client, site)
    item = db.session.get(Inspection, first).template.items[0]
    client.post(f"/inspections/{first}/items/{item.id}", data={"result": "pass"})
    assert _start(client, site) == first
    assert f"/inspections/{first}" in client.get(f"/sites/{site.id}").text


def test_template_that_does_not_fit_the_site_is_refused(client, login, field):
    _, site, inspector = field
    login(inspector)
    resp = client.post(f"/inspections/start/{site.id}", data={"template": template("ent-haz").id})
    assert resp.status_code == 422
    assert db.session.scalar(select(func.count(Inspection.id))) == 0


def test_tick_returns_item_fragment_with_progress_oob(client, login, field):
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    item = db.session.get(Inspection, inspection_id).template.items[0]
    resp = client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "pass"},
                       headers=HX)
    assert resp.status_code == 200
    assert resp.text.lstrip().startswith(f'<article id="item-{item.id}"')
    assert 'id="progress" class="progress" hx-swap-oob="true"' in resp.text
    assert "<html" not in resp.text and "HX-Request" in resp.headers["Vary"]
    # The same tick again (a retry) changes nothing and makes no second answer.
    client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "pass"}, headers=HX)
    assert db.session.scalar(select(func.count(Answer.id))) == 1


def test_checklist_photo_inputs_are_shrunk_on_the_phone(client, login, field):
    """The card is written in Python (inspections/card.py), out of the template test's sight:
    a failed item's photo input, on the page and in the tick's fragment, shrinks on the phone."""
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    item = db.session.get(Inspection, inspection_id).template.items[0]
    fragment = client.post(f"/inspections/{inspection_id}/items/{item.id}",
                           data={"result": "fail"}, headers=HX).text
    page = client.get(f"/inspections/{inspection_id}").text
    for html in (fragment, page):
        inputs = re.findall(r'<input[^>]*type="file"[^>]*>', html)
        assert inputs and all('accept="image/' in t and "data-shrink" in t for t in inputs)


def test_a_changed_tick_saves_its_result_note_and_time(client, login, field):
    """A request's session holds no Answer: the change is the table's UPDATE (service.py's
    _answer_update), which must move updated_at as the ORM's did; a script's Answer object
    in the session is updated with it."""
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    item = db.session.get(Inspection, inspection_id).items[0]
    url = f"/inspections/{inspection_id}/items/{item.id}"
    assert client.post(url, data={"result": "pass"}, headers=HX).status_code == 200
    old = datetime(2020, 1, 1)
    db.session.execute(update(Answer).values(updated_at=old))
    db.session.commit()
    db.session.expunge_all()
    for data, saved in (({"result": "fail", "note": " 门被堵 "}, ("fail", "门被堵")),
                        ({"note": "通道堵塞"}, ("fail", "通道堵塞")),
                        ({"result": "na", "note": "x"}, ("na", ""))):
        resp = client.post(url, data=data, headers=HX)
        assert resp.status_code == 200 and f'tick-{saved[0]} on"' in resp.text
        db.session.expunge_all()
        answer = db.session.scalar(select(Answer))
        assert (answer.result, answer.note) == saved and answer.updated_at > old
        old = answer.updated_at
        db.session.expunge_all()
    held = db.session.scalar(select(Answer))  # held by the session the requests share
    assert client.post(url, data={"result": "pass"}, headers=HX).status_code == 200
    assert held.result == "pass" and db.session.scalar(select(Answer.result)) == "pass"


def test_item_addresses_follow_the_inspection_and_the_mount_point(client, login, field):
    """views._item_urls keeps its format strings per mount point: each page's cards carry its
    own inspection's addresses, under the prefix it was asked under."""
    grid, site, inspector = field
    login(inspector)
    first = _start(client, site)
    second = _start(client, make_site(grid, site_type="NINE", subkind="restaurant"))
    item = db.session.get(Inspection, first).items[0]
    for inspection_id, root in ((first, ""), (second, "/field"), (first, "/field"), (second, "")):
        html = client.get(f"/inspections/{inspection_id}",
                          environ_overrides={"SCRIPT_NAME": root}).text
        answers = set(re.findall(r'action="([^"]*)/items/\d+"', html))
        assert answers == {f"{root}/inspections/{inspection_id}"}, answers
        uploads = set(re.findall(r'hx-post="([^"]*)/items/\d+/photos"', html))
        assert uploads == {f"{root}/inspections/{inspection_id}"}, uploads
    resp = client.post(f"/inspections/{first}/items/{item.id}", data={"result": "pass"},
                       headers=HX, environ_overrides={"SCRIPT_NAME": "/field"})
    assert f'hx-post="/field/inspections/{first}/items/{item.id}"' in resp.text


def test_a_ticks_reply_carries_the_token_it_was_sent_with_and_that_token_works(
        client, login, field):
    """web.form_token: a validated write's reply reuses its token (no new one signed); the
    reply's forms post with it, and a page still gets a token of its own that works."""
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    items = db.session.get(Inspection, inspection_id).items
    sent = client.csrf_token()
    resp = client.post(f"/inspections/{inspection_id}/items/{items[0].id}",
                       data={"result": "fail"}, headers=HX)
    tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', resp.text))
    assert tokens == {sent}
    plain = client.post(f"/inspections/{inspection_id}/items/{items[1].id}", csrf=False,
                        data={"result": "pass", "csrf_token": sent})
    assert plain.status_code == 302
    page = client.get(f"/inspections/{inspection_id}").text
    fresh = set(re.findall(r'name="csrf_token" value="([^"]+)"', page))
    assert len(fresh) == 1
    plain = client.post(f"/inspections/{inspection_id}/items/{items[2].id}", csrf=False,
                        data={"result": "na", "csrf_token": fresh.pop()})
    assert plain.status_code == 302
    refused = client.post(f"/inspections/{inspection_id}/items/{items[2].id}", csrf=False,
                          data={"result": "pass", "csrf_token": sent[:-2] + "xx"}, headers=HX)
    assert refused.status_code == 400
    answers = {a.item_id: a.result for a in db.session.scalars(select(Answer))}
    assert answers == {items[0].id: "fail", items[1].id: "pass", items[2].id: "na"}


def test_tick_without_htmx_redirects_back_to_the_item(client, login, field):
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    item = db.session.get(Inspection, inspection_id).template.items[0]
    resp = client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "na"})
    assert resp.status_code == 302 and resp.location.endswith(f"#item-{item.id}")


def test_bad_tick_value_is_refused(client, login, field):
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    item = db.session.get(Inspection, inspection_id).template.items[0]
    resp = client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "maybe"},
                       headers=HX)
    assert resp.status_code == 422 and resp.headers["X-Message"]
    other_item = template("ent-haz").items[0]
    resp = client.post(f"/inspections/{inspection_id}/items/{other_item.id}", data={"result": "pass"})
    assert resp.status_code == 404
    assert db.session.scalar(select(func.count(Answer.id))) == 0


def test_another_inspector_cannot_tick_my_inspection(client, login, field):
    grid, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    item = db.session.get(Inspection, inspection_id).template.items[0]
    client.get("/")  # keep the session; now switch user
    client.post("/auth/logout")
    client._token = None
    login(make_user("inspector", grids=[grid]))
    resp = client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "pass"})
    assert resp.status_code == 404


def test_submit_with_unanswered_items_names_them(client, login, field):
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    items = template("grid-nine").items
    _answer_all(client, inspection_id, skip={items[0].id, items[3].id})
    resp = client.post(f"/inspections/{inspection_id}/submit", headers=HX)
    assert resp.status_code == 422
    assert resp.text.lstrip().startswith('<section id="submit-panel"')
    assert items[0].code in resp.text and items[3].code in resp.text
    assert db.session.get(Inspection, inspection_id).submitted_at is None
    assert db.session.scalar(select(func.count(Hazard.id))) == 0


def _fail_with_photo(client, inspection_id, item, note="灭火器压力不足"):
    client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "fail", "note": note},
                headers=HX)
    return client.post(f"/inspections/{inspection_id}/items/{item.id}/photos", headers=HX,
                       data={"upload_key": "k-" + "a" * 20,
                             "photo": (io.BytesIO(jpeg_bytes()), "IMG_0001.jpg", "image/jpeg")},
                       content_type="multipart/form-data")


def test_full_loop_makes_one_hazard_per_failure_with_photo(client, login, field, app):
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    items = template("grid-nine").items
    major = next(i for i in items if i.major == "Y")
    general = next(i for i in items if i.major == "N")
    _answer_all(client, inspection_id, skip={major.id, general.id})
    resp = _fail_with_photo(client, inspection_id, general)
    assert resp.status_code == 200 and "/photos/" in resp.text
    client.post(f"/inspections/{inspection_id}/items/{major.id}", data={"result": "fail"}, headers=HX)

    resp = client.post(f"/inspections/{inspection_id}/submit", headers=HX)
    assert resp.status_code == 204 and resp.headers["HX-Redirect"] == f"/inspections/{inspection_id}"
    hazards = {h.item_id: h for h in db.session.scalars(select(Hazard))}
    assert set(hazards) == {major.id, general.id}
    assert hazards[major.id].level == "major" and hazards[general.id].level == "general"
    assert hazards[general.id].description == "灭火器压力不足"
    assert hazards[major.id].description == major.requirement
    days = app.config["HAZARD_DEADLINE_DAYS"]
    for h in hazards.values():
        assert (h.deadline - h.created_at.date()).days in (days[h.level], days[h.level] + 1)
        assert h.status == "reported" and h.found_by_id == inspector.id and h.source == "patrol"
    assert [p.hazard_id for p in db.session.scalars(select(Photo))] == [hazards[general.id].id]
    assert db.session.scalar(select(func.count(HazardEvent.id))) == 2

    # Double submit (a retry on a flaky network) changes nothing.
    again = client.post(f"/inspections/{inspection_id}/submit")
    assert again.status_code == 302
    assert db.session.scalar(select(func.count(Hazard.id))) == 2

    # The queue shows both, the major first; the hazard page shows photo, item and basis.
    queue = client.get("/hazards/").text
    assert queue.index(f"/hazards/{hazards[major.id].id}") < queue.index(f"/hazards/{hazards[general.id].id}")
    detail = client.get(f"/hazards/{hazards[general.id].id}").text
    assert general.basis in detail and "/photos/" in detail

    # A submitted inspection can no longer be changed.
    resp = client.post(f"/inspections/{inspection_id}/items/{items[0].id}", data={"result": "fail"},
                       headers=HX)
    assert resp.status_code == 409


def test_photo_is_stored_oriented_without_metadata(client, login, field, app):
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    item = template("grid-nine").items[0]
    client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "fail"})
    data = jpeg_bytes((800, 400), exif={0x0112: 6, 0x8825: {1: "N", 2: (24.0, 57.0, 3.0)}})
    resp = client.post(f"/inspections/{inspection_id}/items/{item.id}/photos",
                       data={"upload_key": "upload-key-123",
                             "photo": (io.BytesIO(data), "a.jpg", "image/jpeg")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    photo = db.session.scalar(select(Photo))
    with client.get(f"/photos/{photo.id}") as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert "private" in served.headers["Cache-Control"]
        img = Image.open(io.BytesIO(served.data))
    assert img.size == (400, 800)  # rotated upright
    assert len(img.getexif()) == 0
    with client.get(f"/photos/{photo.id}/thumb") as served:
        thumb = Image.open(io.BytesIO(served.data))
    assert max(thumb.size) <= app.config["PHOTO_THUMB_EDGE"]


def test_retried_upload_makes_one_photo(client, login, field):
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    item = template("grid-nine").items[0]
    _fail_with_photo(client, inspection_id, item)
    _fail_with_photo(client, inspection_id, item)
    assert db.session.scalar(select(func.count(Photo.id))) == 1


def test_photos_sent_together_without_js_each_keep_their_own_time_and_key(client, login, field):
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    item = template("grid-nine").items[0]
    client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "fail"})

    def send():
        # The first file's time is in its EXIF; the second's was read on the phone (photos.js).
        return client.post(f"/inspections/{inspection_id}/items/{item.id}/photos",
                           content_type="multipart/form-data", data={
                               "upload_key": "k-" + "b" * 20, "taken_at": ["", "2026:11:29 17:05:59"],
                               "photo": [(io.BytesIO(jpeg_bytes(exif={0x0132: "2026:11:30 08:15:00"})),
                                          "a.jpg", "image/jpeg"),
                                         (io.BytesIO(jpeg_bytes(color=(20, 200, 20))), "b.jpg",
                                          "image/jpeg")]})

    assert send().status_code == 302
    assert send().status_code == 302  # the form sent again (a retry) adds nothing
    photos = db.session.scalars(select(Photo).order_by(Photo.id)).all()
    assert [(p.upload_key, f"{p.taken_at:%Y:%m:%d %H:%M:%S}") for p in photos] == [
        ("k-" + "b" * 20, "2026:11:30 08:15:00"), ("k-" + "b" * 20 + "-1", "2026:11:29 17:05:59")]


@pytest.mark.parametrize("payload,name,message", [
    (b"%PDF-1.4 not a photo", "doc.pdf", "not a photo"),
    (b"\xff\xd8\xff\xe0" + b"\0" * 100, "broken.jpg", "damaged"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(client, login, field, app, payload, name,
                                                       message):
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    item = template("grid-nine").items[0]
    client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "fail"})
    resp = client.post(f"/inspections/{inspection_id}/items/{item.id}/photos", headers=HX,
                       data={"upload_key": "bad-upload-1", "photo": (io.BytesIO(payload), name)},
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    assert message in resp.text.lower() or resp.headers.get("X-Message")
    assert db.session.scalar(select(func.count(Photo.id))) == 0
    import os
    assert not any(files for _, _, files in os.walk(app.config["UPLOAD_DIR"]))


def test_oversized_upload_is_refused(client, login, field, app):
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    item = template("grid-nine").items[0]
    client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "fail"})
    app.config["PHOTO_MAX_BYTES"], old = 10_000, app.config["PHOTO_MAX_BYTES"]
    try:
        resp = client.post(f"/inspections/{inspection_id}/items/{item.id}/photos",
                           data={"upload_key": "big-upload-1",
                                 "photo": (io.BytesIO(jpeg_bytes((2000, 2000))), "big.jpg")},
                           content_type="multipart/form-data")
    finally:
        app.config["PHOTO_MAX_BYTES"] = old
    assert resp.status_code == 422 and "MB" in resp.text
    assert db.session.scalar(select(func.count(Photo.id))) == 0


def test_photo_needs_a_failed_item(client, login, field):
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    item = template("grid-nine").items[0]
    client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "pass"})
    resp = client.post(f"/inspections/{inspection_id}/items/{item.id}/photos",
                       data={"upload_key": "upload-x-1", "photo": (io.BytesIO(jpeg_bytes()), "a.jpg")},
                       content_type="multipart/form-data")
    assert resp.status_code == 422


def test_photos_are_private_to_those_who_see_the_site(client, login, field):
    grid, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    _fail_with_photo(client, inspection_id, template("grid-nine").items[0])
    photo = db.session.scalar(select(Photo))
    client.post("/auth/logout")
    assert client.get(f"/photos/{photo.id}").status_code == 302
    client._token = None
    login(make_user("inspector", grids=[make_grid()]))
    assert client.get(f"/photos/{photo.id}").status_code == 404
    assert client.get(f"/photos/{photo.id}/thumb").status_code == 404


def test_hazard_of_another_grid_is_hidden(client, login, field):
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    items = _answer_all(client, inspection_id, result="fail")
    client.post(f"/inspections/{inspection_id}/submit")
    assert db.session.scalar(select(func.count(Hazard.id))) == len(items)
    hazard_id = db.session.scalar(select(Hazard.id).limit(1))
    client.post("/auth/logout")
    client._token = None
    login(make_user("inspector", grids=[make_grid()]))
    assert client.get(f"/hazards/{hazard_id}").status_code == 404
    assert "hazard-card" not in client.get("/hazards/").text


def test_queue_pages_by_key_and_filters(client, login, field, app):
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    items = _answer_all(client, inspection_id, result="fail")
    client.post(f"/inspections/{inspection_id}/submit")
    seen, url = [], "/hazards/?status=open"
    while url:
        resp = client.get(url, headers=HX if seen else None)
        ids = [int(x) for x in re.findall(r'href="/hazards/(\d+)"', resp.text)]
        seen += ids
        more = re.search(r'hx-get="(/hazards/\?after=[^"]+)"', resp.text)
        url = more.group(1).replace("&amp;", "&") if more else None
    assert len(seen) == len(items) == len(set(seen))
    majors = client.get("/hazards/?level=major").text
    n_major = sum(1 for i in items if i.major == "Y")
    assert len(set(re.findall(r'href="/hazards/(\d+)"', majors))) == min(n_major, 25)
    assert "hazard-card" not in client.get("/hazards/?status=closed").text


def test_queue_fragment_and_boosted_request(client, login, field):
    _, _, inspector = field
    login(inspector)
    frag = client.get("/hazards/?level=major", headers=HX)
    assert frag.text.lstrip().startswith('<div id="results">')
    boosted = client.get("/hazards/", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in boosted.text


def test_queue_filters_by_area(client, login, ctx):
    g1, g2 = make_grid(), make_grid()
    s1, s2 = make_site(g1), make_site(g2)
    inspector = make_user("inspector", grids=[g1, g2])
    login(inspector)
    for site in (s1, s2):
        inspection_id = _start(client, site, slug="grid-gm-small")
        _answer_all(client, inspection_id, result="fail")
        client.post(f"/inspections/{inspection_id}/submit")
    page = client.get(f"/hazards/?area={g1.area_id}&status=all").text
    assert s1.name in page and s2.name not in page
    page = client.get(f"/hazards/?grid={g2.id}").text
    assert s2.name in page and s1.name not in page
    page = client.get("/hazards/?type=NINE").text
    assert "hazard-card" not in page


def test_the_running_checklist_tells_the_service_worker_it_keeps_its_own_offline_copy(
        client, login, field):
    """static/sw.js copies each page it serves for offline use; the checklist the outbox runs
    on writes its own copy (static/outbox.js), so it says so and the worker streams it to the
    tab untouched. A submitted checklist has no outbox: the worker copies it."""
    _, site, inspector = field
    login(inspector)
    inspection_id = _start(client, site)
    resp = client.get(f"/inspections/{inspection_id}")
    assert resp.headers["X-Own-Offline-Copy"] == "1"
    assert 'id="outbox-config"' in resp.text
    _answer_all(client, inspection_id)
    assert client.post(f"/inspections/{inspection_id}/submit").status_code == 302
    resp = client.get(f"/inspections/{inspection_id}")
    assert resp.status_code == 200
    assert "X-Own-Offline-Copy" not in resp.headers
    assert 'id="outbox-config"' not in resp.text
