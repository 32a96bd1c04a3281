"""Photos through HTTP and the service: HEIC, repeats stored once, keys and photos that stay
with their owner and record, bounded cost, whole steps, and the sweep after a crash."""

import io
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from inspect_app.enterprise.models import Drill
from inspect_app.errors import UserError
from inspect_app.extensions import db
from inspect_app.hazards import lifecycle
from inspect_app.hazards.forms import transition
from inspect_app.models import Hazard, HazardEvent, Inspection, Photo
from inspect_app.photos import decoder, service
from inspect_app.shifts import reports
from inspect_app.shifts.models import Team, TeamMember
from inspect_app.timeutil import local_today
from tests.conftest import HX
from tests.factories import jpeg_bytes, make_grid, make_hazard, make_site, make_user, template


def count_photos() -> int:
    return db.session.scalar(select(func.count(Photo.id)))


def files_on_disk(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def heic_bytes(size=(640, 480), color=(30, 160, 60)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "HEIF", quality=60)
    return buf.getvalue()


def png_bytes(size=(64, 64), color=(0, 0, 255)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def status(client, url: str) -> int:
    """GET a photo and close the file response."""
    with client.get(url) as resp:
        return resp.status_code


def upload(data: bytes, name="IMG_0001.jpg") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name, content_type="image/jpeg")


@pytest.fixture
def field(ctx):
    grid = make_grid()
    site = make_site(grid, site_type="NINE", subkind="restaurant")
    return {"grid": grid, "site": site, "inspector": make_user("inspector", grids=[grid]),
            "staff": make_user("enterprise", site=site), "boss": make_user("enterprise", site=site),
            "sup": make_user("supervisor")}


def start(client, site) -> int:
    resp = client.post(f"/inspections/start/{site.id}", data={"template": template("grid-nine").id})
    assert resp.status_code == 302
    return int(resp.location.rsplit("/", 1)[1])


def fail_item(client, inspection_id, item):
    resp = client.post(f"/inspections/{inspection_id}/items/{item.id}", data={"result": "fail"},
                       headers=HX)
    assert resp.status_code == 200


def send_photo(client, inspection_id, item, data, key, name="IMG_0001.jpg"):
    return client.post(f"/inspections/{inspection_id}/items/{item.id}/photos", headers=HX,
                       data={"upload_key": key, "photo": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


# HEIC ---------------------------------------------------------------------------------------------

def test_heic_from_the_gallery_is_accepted_and_stored_as_jpeg(client, login, field):
    login(field["inspector"])
    inspection_id = start(client, field["site"])
    item = template("grid-nine").items[0]
    fail_item(client, inspection_id, item)
    data = heic_bytes()
    assert pillow_heif.is_supported(data) and data[4:12] == b"ftypheic"  # a real HEIC file
    resp = send_photo(client, inspection_id, item, data, "heic-upload-0001", name="IMG_0001.HEIC")
    assert resp.status_code == 200, resp.text
    photo = db.session.scalar(select(Photo))
    with client.get(f"/photos/{photo.id}") as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        im = Image.open(io.BytesIO(served.data))
        assert im.format == "JPEG" and im.size == (640, 480)
        assert abs(im.getpixel((320, 240))[1] - 160) < 12  # the picture itself survived


# The same file twice ------------------------------------------------------------------------------

def test_the_same_file_twice_for_one_item_is_stored_once_another_item_gets_its_own(
        app, client, login, field):
    login(field["inspector"])
    inspection_id = start(client, field["site"])
    first, second = template("grid-nine").items[:2]
    fail_item(client, inspection_id, first)
    fail_item(client, inspection_id, second)
    data = jpeg_bytes()
    # Picked twice: two uploads, two keys, the same bytes.
    assert send_photo(client, inspection_id, first, data, "pick-one-0001").status_code == 200
    assert send_photo(client, inspection_id, first, data, "pick-two-0002").status_code == 200
    assert count_photos() == 1 and len(files_on_disk(app)) == 2  # one photo and its thumbnail
    # A different picture for the same item, and the same picture for another item, are new.
    assert send_photo(client, inspection_id, first, jpeg_bytes(color=(0, 90, 200)),
                      "pick-three-03").status_code == 200
    assert send_photo(client, inspection_id, second, data, "pick-four-004").status_code == 200
    answers = {a.item_id: a for a in db.session.get(Inspection, inspection_id).answers}
    assert len(answers[first.id].photos) == 2 and len(answers[second.id].photos) == 1
    assert count_photos() == 3 and not [p for p in files_on_disk(app) if p.suffix == ".pending"]


def test_find_by_key_answers_only_for_the_uploaders_own_keys(client, login, field):
    login(field["inspector"])
    inspection_id = start(client, field["site"])
    item = template("grid-nine").items[0]
    fail_item(client, inspection_id, item)
    send_photo(client, inspection_id, item, jpeg_bytes(), "offline-key-0001")
    photo = db.session.scalar(select(Photo))
    assert service.find_by_key(field["inspector"], "offline-key-0001") == photo
    assert service.find_by_key(field["sup"], "offline-key-0001") is None
    assert service.find_by_key(field["inspector"], "never-sent-0001") is None


# Keys and photos belong to their owner -----------------------------------------------------------

def test_another_users_upload_key_makes_a_new_photo(app, client, login, field):
    other_site = make_site(make_grid())
    tenant_a = make_user("enterprise", site=other_site)
    drill_a = Drill(site_id=other_site.id, created_by_id=tenant_a.id, kind="fire", title="A")
    drill_b = Drill(site_id=field["site"].id, created_by_id=field["staff"].id, kind="fire", title="B")
    db.session.add_all([drill_a, drill_b])
    db.session.commit()
    a_photo = service.store(upload(jpeg_bytes()), uploader=tenant_a, site_id=other_site.id,
                            upload_key="demo-stock-1-0")
    drill_a.photos.append(a_photo)
    db.session.commit()
    a_path = a_photo.path

    login(field["staff"])  # tenant B sends A's key with a picture of their own
    resp = client.post(f"/enterprise/drills/{drill_b.id}/photos",
                       data={"photo": (io.BytesIO(jpeg_bytes(color=(9, 9, 9))), "b.jpg"),
                             "upload_key": "demo-stock-1-0"}, content_type="multipart/form-data")
    assert resp.status_code == 302
    db.session.expire_all()
    b_photos = db.session.get(Drill, drill_b.id).photos
    assert len(b_photos) == 1 and b_photos[0].id != a_photo.id
    assert b_photos[0].uploader_id == field["staff"].id and b_photos[0].site_id == field["site"].id
    kept = db.session.get(Drill, drill_a.id).photos
    assert [p.id for p in kept] == [a_photo.id] and kept[0].path == a_path  # A keeps its evidence
    assert count_photos() == 2


def test_a_foreign_photo_id_in_a_form_is_refused_and_nothing_changes(app, client, login, field):
    """Forms name photos only by their uploader's own upload keys: another tenant's photo id (or
    key) in the drill form or a rectification form links nothing."""
    other_site = make_site(make_grid())
    tenant_a = make_user("enterprise", site=other_site)
    a_photo = service.store(upload(jpeg_bytes()), uploader=tenant_a, site_id=other_site.id,
                            upload_key="tenant-a-after-0")
    db.session.commit()
    drill = Drill(site_id=field["site"].id, created_by_id=field["staff"].id, kind="fire", title="B")
    db.session.add(drill)
    db.session.commit()
    hazard = confirmed_hazard(field)
    before = hazard_state(hazard.id)
    login(field["staff"])
    foreign = {"photo_id": str(a_photo.id), "photo_ids": str(a_photo.id), "photos": str(a_photo.id),
               "photo": str(a_photo.id), "upload_key": "tenant-a-after-0"}
    resp = client.post(f"/enterprise/drills/{drill.id}/photos", data=foreign)
    assert resp.status_code == 422 and "请先选择照片" in resp.text
    resp = client.post(f"/hazards/{hazard.id}/submit",
                       data={**foreign, "rectified_note": "已整改", "upload_key": "tenant-a-after"})
    assert resp.status_code == 422
    db.session.expire_all()
    assert db.session.get(Drill, drill.id).photos == [] and hazard_state(hazard.id) == before
    a_photo = db.session.get(Photo, a_photo.id)
    assert (a_photo.uploader_id, a_photo.site_id, a_photo.hazard_id, a_photo.event_id) == \
        (tenant_a.id, other_site.id, None, None)
    assert count_photos() == 1


def test_a_photo_of_one_record_cannot_be_attached_to_another(client, login, field):
    """The key of the user's own photo, already on one drill, sent with another drill's form:
    refused (409), and neither drill nor the photo changes."""
    staff = field["staff"]
    first, second = (Drill(site_id=field["site"].id, created_by_id=staff.id, kind="fire", title=t)
                     for t in ("疏散", "灭火"))
    db.session.add_all([first, second])
    db.session.commit()
    login(staff)
    resp = client.post(f"/enterprise/drills/{first.id}/photos", content_type="multipart/form-data",
                       data={"photo": (io.BytesIO(jpeg_bytes()), "d.jpg"),
                             "upload_key": "drill-photo-0001"})
    assert resp.status_code == 302
    photo = db.session.scalar(select(Photo))
    resp = client.post(f"/enterprise/drills/{second.id}/photos", content_type="multipart/form-data",
                       data={"photo": (io.BytesIO(jpeg_bytes()), "d.jpg"),
                             "upload_key": "drill-photo-0001"})
    assert resp.status_code == 409 and "另一条记录" in resp.text
    db.session.expire_all()
    assert db.session.get(Drill, second.id).photos == []
    assert [p.id for p in db.session.get(Drill, first.id).photos] == [photo.id]
    assert count_photos() == 1
    # The retry of the first upload (the same key, the same drill) is still the same photo.
    resp = client.post(f"/enterprise/drills/{first.id}/photos", content_type="multipart/form-data",
                       data={"photo": (io.BytesIO(jpeg_bytes()), "d.jpg"),
                             "upload_key": "drill-photo-0001"})
    assert resp.status_code == 302 and count_photos() == 1


def test_a_photo_of_another_site_cannot_be_attached(field):
    other = make_site(make_grid())
    photo = service.store(upload(jpeg_bytes()), uploader=field["sup"], site_id=other.id,
                          upload_key="sup-photo-0001")
    db.session.commit()
    with pytest.raises(UserError) as refused:
        service.store(upload(jpeg_bytes()), uploader=field["sup"], site_id=field["site"].id,
                      upload_key="sup-photo-0001")
    assert refused.value.status == 409
    db.session.rollback()
    assert db.session.get(Photo, photo.id).site_id == other.id and count_photos() == 1


# Who sees a photo ----------------------------------------------------------------------------------

def worker_with_team(site, name="工人"):
    worker = make_user("worker", site=site, name=name)
    team = Team(site_id=site.id, name=f"班组{worker.id}", shifts="白班", workdays="1234567")
    db.session.add(team)
    db.session.flush()
    db.session.add(TeamMember(team_id=team.id, user_id=worker.id))
    db.session.commit()
    return worker, team


def test_a_worker_sees_only_the_photos_of_their_own_reports(client, login, field):
    site = field["site"]
    me, team = worker_with_team(site)
    other, other_team = worker_with_team(site, "工人 乙")
    with client.application.test_request_context():  # notifications build links
        mine = reports.report_hazard(me, team, {"description": "电线裸露"}, upload(jpeg_bytes()))
        theirs = reports.report_hazard(other, other_team, {"description": "地面湿滑"},
                                       upload(jpeg_bytes(color=(1, 2, 3))))
    my_photo, their_photo = mine.hazard.photos[0], theirs.hazard.photos[0]

    login(field["inspector"])  # an inspection photo at the same site, submitted
    inspection_id = start(client, site)
    item = template("grid-nine").items[0]
    fail_item(client, inspection_id, item)
    send_photo(client, inspection_id, item, jpeg_bytes(color=(50, 50, 50)), "insp-photo-0001")
    inspection_photo = db.session.scalar(select(Photo).where(Photo.answer_id.is_not(None)))
    for other_item in template("grid-nine").items[1:]:
        client.post(f"/inspections/{inspection_id}/items/{other_item.id}", data={"result": "pass"})
    assert client.post(f"/inspections/{inspection_id}/submit").status_code == 302

    login(me)
    assert status(client, f"/photos/{my_photo.id}") == 200
    assert status(client, f"/photos/{my_photo.id}/thumb") == 200
    assert status(client, f"/photos/{their_photo.id}") == 404
    assert status(client, f"/photos/{their_photo.id}/thumb") == 404
    assert status(client, f"/photos/{inspection_photo.id}") == 404
    # The enterprise's staff see both reports' photos and the submitted inspection's.
    login(field["staff"])
    for photo in (my_photo, their_photo, inspection_photo):
        assert status(client, f"/photos/{photo.id}") == 200


def test_enterprise_staff_do_not_see_an_unsubmitted_inspections_photo(client, login, field):
    login(field["inspector"])
    inspection_id = start(client, field["site"])
    item = template("grid-nine").items[0]
    fail_item(client, inspection_id, item)
    send_photo(client, inspection_id, item, jpeg_bytes(), "draft-photo-0001")
    photo = db.session.scalar(select(Photo))
    login(field["staff"])
    assert status(client, f"/photos/{photo.id}") == 404
    assert status(client, f"/photos/{photo.id}/thumb") == 404
    login(field["sup"])  # supervisors see inspections in progress
    assert status(client, f"/photos/{photo.id}") == 200
    login(field["inspector"])
    for other_item in template("grid-nine").items[1:]:
        client.post(f"/inspections/{inspection_id}/items/{other_item.id}", data={"result": "pass"})
    client.post(f"/inspections/{inspection_id}/submit")
    login(field["staff"])  # submitted: now a hazard of their enterprise, with its photo
    assert status(client, f"/photos/{photo.id}") == 200


def test_huge_photo_id_is_a_404(client, login, field):
    login(field["sup"])
    assert status(client, "/photos/99999999999999999999") == 404
    assert status(client, f"/photos/{2**31}/thumb") == 404


# Whole steps -----------------------------------------------------------------------------------------

def confirmed_hazard(field) -> Hazard:
    hazard = make_hazard(field["site"], reporter=field["inspector"])
    lifecycle.perform(field["sup"], hazard.id, "confirm", transition("confirm", {
        "responsible_name": "王五", "deadline": (local_today() + timedelta(days=10)).isoformat()}))
    return hazard


def hazard_state(hazard_id: int):
    db.session.expire_all()
    h = db.session.get(Hazard, hazard_id)
    events = db.session.scalar(select(func.count(HazardEvent.id)).where(
        HazardEvent.hazard_id == hazard_id))
    return (h.status, h.version, h.rectified_note, h.rectification_cost, events, count_photos())


def test_a_refused_multi_photo_step_leaves_everything_unchanged(app, client, login, field):
    hazard = confirmed_hazard(field)
    before = hazard_state(hazard.id)
    login(field["staff"])
    resp = client.post(f"/hazards/{hazard.id}/submit", content_type="multipart/form-data", data={
        "rectified_note": "已更换配电箱门", "rectification_cost": "350", "upload_key": "rect-0001",
        "photos": [(io.BytesIO(jpeg_bytes()), "good.jpg"),
                   (io.BytesIO(b"%PDF-1.4 not a photo"), "bad.jpg")]})
    assert resp.status_code == 422 and 'role="alert"' in resp.text
    assert hazard_state(hazard.id) == before
    assert files_on_disk(app) == []
    # The same step with two good photos goes through whole: one commit, both photos on the event.
    resp = client.post(f"/hazards/{hazard.id}/submit", content_type="multipart/form-data", data={
        "rectified_note": "已更换配电箱门", "rectification_cost": "350", "upload_key": "rect-0002",
        "photos": [(io.BytesIO(jpeg_bytes()), "a.jpg"),
                   (io.BytesIO(jpeg_bytes(color=(0, 0, 0))), "b.jpg")]})
    assert resp.status_code == 302
    status, version, note, cost, events, photos = hazard_state(hazard.id)
    assert (status, version, note, photos, events) == ("submitted", before[1] + 1, "已更换配电箱门", 2,
                                                      before[4] + 1)
    event = db.session.scalar(select(HazardEvent).where(HazardEvent.action == "submit"))
    assert [p.phase for p in event.photos] == ["after", "after"]
    assert len(files_on_disk(app)) == 4 and all(p.suffix == ".jpg" for p in files_on_disk(app))


def test_an_eleventh_photo_is_refused_with_a_clear_message_and_nothing_stored(app, client, login,
                                                                               field):
    hazard = confirmed_hazard(field)
    before = hazard_state(hazard.id)
    login(field["staff"])
    client.post("/lang/en", data={"next": "/"})
    files = [(io.BytesIO(jpeg_bytes((64, 64), color=(n * 25, 250 - n * 20, 90))), f"{n}.jpg")
             for n in range(11)]
    resp = client.post(f"/hazards/{hazard.id}/submit", content_type="multipart/form-data",
                       data={"rectified_note": "done", "photos": files})
    assert resp.status_code == 422
    assert "At most 10 photos can be sent at once" in resp.text
    assert hazard_state(hazard.id) == before and files_on_disk(app) == []
    # Ten is the limit, not a refusal.
    files = [(io.BytesIO(jpeg_bytes((64, 64), color=(n * 25, 250 - n * 20, 90))), f"{n}.jpg")
             for n in range(10)]
    resp = client.post(f"/hazards/{hazard.id}/submit", content_type="multipart/form-data",
                       data={"rectified_note": "done", "photos": files})
    assert resp.status_code == 302 and count_photos() == 10


def test_a_request_over_the_pixel_budget_is_refused_before_decoding(app, field, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_REQUEST_PIXELS", 3 * 1000 * 1000)
    decoded = []
    real = service.process_photo
    monkeypatch.setattr(service, "process_photo",
                        lambda data, **kw: decoded.append(1) or real(data, **kw))
    pngs = [upload(png_bytes((1000, 1000), (n, n, n)), f"{n}.png") for n in range(4)]  # 4 MP
    with app.test_request_context():
        with pytest.raises(UserError, match="too large to process together|合计过大"):
            service.prepare(pngs)
        assert decoded == []
        # A JPEG counts at the scale it is decoded at: 4000x3000 is decoded as 2000x1500.
        big = [upload(jpeg_bytes((4000, 3000)), "big.jpg")]
        assert len(service.prepare(big)) == 1 and decoded == [1]


# Decode processes and their queue ----------------------------------------------------------------

def test_photos_are_decoded_in_another_process_at_lower_priority(app, field):
    with app.app_context():
        pid, nice = decoder.worker_identity()
        assert pid != os.getpid()
        assert nice == min(19, os.nice(0) + app.config["PHOTO_DECODE_NICE"])
        # What comes back is the same photo as before: oriented, shrunk, no metadata.
        exif = Image.Exif()
        exif[0x0112] = 6  # "rotate 90° clockwise to view"
        buf = io.BytesIO()
        Image.new("RGB", (2000, 1000), (200, 40, 40)).save(buf, "JPEG", exif=exif.tobytes())
        [photo] = service.prepare([upload(buf.getvalue())])
        shown = Image.open(io.BytesIO(photo.processed.image))
        assert shown.size == (800, 1600) and not shown.getexif() and "exif" not in shown.info


def test_a_full_decode_queue_answers_503_at_once_and_stores_nothing(app, client, login, field):
    """Every slot taken (running + waiting decodes): an upload is refused straight away with 503
    and Retry-After, nothing is stored or changed, and the phone's retry goes through later."""
    hazard = confirmed_hazard(field)
    before = hazard_state(hazard.id)
    login(field["staff"])
    pool = decoder.pool()
    slots = app.config["PHOTO_DECODE_CONCURRENCY"] + app.config["PHOTO_DECODE_QUEUE"]
    held = [pool.slots.acquire(blocking=False) for _ in range(slots)]
    try:
        assert all(held) and not pool.slots.acquire(blocking=False)  # exactly that many
        for headers in ({}, HX):
            resp = client.post(f"/hazards/{hazard.id}/submit", content_type="multipart/form-data",
                               headers=headers, data={"rectified_note": "done", "photos": [
                                   (io.BytesIO(jpeg_bytes((64, 64))), "a.jpg")]})
            assert resp.status_code == 503
            assert resp.headers["Retry-After"] == str(app.config["PHOTO_BUSY_RETRY_AFTER"])
            assert "服务器正忙" in resp.text  # the hazard page (or its fragment) with the message
            assert hazard_state(hazard.id) == before
            assert count_photos() == 0 and files_on_disk(app) == []
    finally:
        for _ in range(slots):
            pool.slots.release()
    resp = client.post(f"/hazards/{hazard.id}/submit", content_type="multipart/form-data",
                       data={"rectified_note": "done", "photos": [
                           (io.BytesIO(jpeg_bytes((64, 64))), "a.jpg")]})
    assert resp.status_code == 302 and count_photos() == 1


def test_a_decode_process_that_dies_is_replaced(app, field):
    """A decode process killed mid-way (e.g. out of memory): that upload gets 503, the next one
    is decoded by a fresh pool."""
    with app.app_context():
        pool = decoder.pool()
        with pytest.raises(decoder.Busy):
            pool.run(os._exit, 9, timeout=60)
        assert decoder.pool() is not pool
        assert len(service.prepare([upload(jpeg_bytes((64, 64)))])) == 1


ORPHAN = """
import os, sys
from inspect_app import create_app
from inspect_app.photos import decoder
app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "UPLOAD_DIR": sys.argv[2]})
with app.app_context():
    print(decoder.worker_identity()[0], flush=True)
    os._exit(9)  # a web process killed (gunicorn's timeout, the OOM killer)
"""


def test_decode_processes_end_with_a_killed_web_process(app):
    cfg = app.config
    run = subprocess.run([sys.executable, "-c", ORPHAN, cfg["SQLALCHEMY_DATABASE_URI"],
                          cfg["UPLOAD_DIR"]], cwd=Path(__file__).parents[2], capture_output=True,
                         text=True, timeout=120)  # a decoder left holding the pipe would hang here
    assert run.returncode == 9, run.stderr
    pid = int(run.stdout.split()[0])
    for _ in range(600):  # ends within moments; the loop only bounds a failure
        try:
            if "zombie" in Path(f"/proc/{pid}/status").read_text():
                break
        except OSError:  # gone
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"decode process {pid} outlived its web process")


# Crashes and the sweep ----------------------------------------------------------------------------

CRASH = """
import io, os, sys
from werkzeug.datastructures import FileStorage
from inspect_app import create_app
from inspect_app.extensions import db
from inspect_app.models import Site, User
from inspect_app.photos import service
from tests.factories import jpeg_bytes
app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "UPLOAD_DIR": sys.argv[2]})
with app.app_context():
    user = db.session.get(User, int(sys.argv[3]))
    service.store(FileStorage(io.BytesIO(jpeg_bytes()), filename="a.jpg"), uploader=user,
                  site_id=user.site_id, upload_key="crash-key-0001")
    db.session.flush()
    os._exit(9)  # killed between writing the files and committing their row
"""


def age(paths, hours=2):
    old = time.time() - hours * 3600
    for p in paths:
        os.utime(p, (old, old))


def test_files_left_by_a_crash_are_swept_and_a_second_sweep_removes_nothing(app, field):
    cfg = app.config
    run = subprocess.run([sys.executable, "-c", CRASH, cfg["SQLALCHEMY_DATABASE_URI"],
                          cfg["UPLOAD_DIR"], str(field["staff"].id)],
                         cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=120)
    assert run.returncode == 9, run.stderr
    left = files_on_disk(app)
    assert len(left) == 2 and all(p.name.endswith(".pending") for p in left)
    assert count_photos() == 0  # the row died with the process

    # A committed photo, a whole orphan pair from before (old code), and a fresh pending file.
    kept = service.store(upload(jpeg_bytes()), uploader=field["staff"], site_id=field["site"].id,
                         upload_key="kept-photo-0001")
    db.session.commit()
    root = Path(cfg["UPLOAD_DIR"])
    orphan = [root / "2020/01/orphan.jpg", root / "2020/01/orphan.thumb.jpg",
              root / "2020/01/orphan.jpg.part"]
    for p in orphan:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    fresh = root / "2026/12/inflight.jpg.pending"  # a step still running: young, so kept
    fresh.parent.mkdir(parents=True, exist_ok=True)
    fresh.write_bytes(b"x")
    age(left + orphan + [root / kept.path, root / kept.thumb_path])

    runner = app.test_cli_runner()
    out = runner.invoke(args=["photos", "sweep"])
    assert out.exit_code == 0 and "removed=5" in out.output, out.output
    assert set(files_on_disk(app)) == {root / kept.path, root / kept.thumb_path, fresh}
    again = runner.invoke(args=["photos", "sweep"])
    assert "removed=0" in again.output and "finished=0" in again.output
    assert set(files_on_disk(app)) == {root / kept.path, root / kept.thumb_path, fresh}


def test_a_crash_between_commit_and_rename_is_finished_by_the_sweep(app, field):
    photo = service.store(upload(jpeg_bytes()), uploader=field["staff"], site_id=field["site"].id,
                          upload_key="late-rename-0001")
    pending = list(db.session().info["photo_files"])
    db.session().info["photo_files"] = []  # the process dies right after the commit
    db.session.commit()
    root = Path(app.config["UPLOAD_DIR"])
    assert not (root / photo.path).exists()
    age([tmp for tmp, _ in pending])
    with app.app_context():
        assert service.sweep()["finished"] == 2
    assert (root / photo.path).is_file() and (root / photo.thumb_path).is_file()
    with app.app_context():
        again = service.sweep()
    assert (again["removed"], again["finished"]) == (0, 0)


def test_files_are_final_only_when_the_outer_transaction_commits(app, field):
    root = Path(app.config["UPLOAD_DIR"])
    service.store(upload(jpeg_bytes()), uploader=field["staff"], site_id=field["site"].id,
                  upload_key="closed-early-01")
    assert [p.name.endswith(".pending") for p in files_on_disk(app)] == [True, True]
    db.session.remove()  # the request ended without a commit (an error, a refused step)
    assert files_on_disk(app) == [] and count_photos() == 0

    photo = service.store(upload(jpeg_bytes()), uploader=field["staff"], site_id=field["site"].id,
                          upload_key="savepoint-0001")
    with db.session.begin_nested():  # a SAVEPOINT released is not the commit
        pass
    assert all(p.name.endswith(".pending") for p in files_on_disk(app))
    db.session.commit()
    assert set(files_on_disk(app)) == {root / photo.path, root / photo.thumb_path}
