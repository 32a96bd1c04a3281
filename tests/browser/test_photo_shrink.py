"""photos.js shrinks a camera photo on the phone before upload and keeps its capture time."""

import os
import re
from datetime import datetime

from PIL import ExifTags, Image
from playwright.sync_api import expect
from sqlalchemy import select

from inspect_app.extensions import db
from inspect_app.models import Photo
from tests.browser.test_inspection_loop import _loop_data, _scan_and_log_in, _start, _swapped, _tick


def _big_camera_jpeg(path) -> int:
    """A 4000x3000 noisy JPEG (a few MB, like a phone camera's) with EXIF capture time, turned."""
    img = Image.frombytes("RGB", (4000, 3000), os.urandom(4000 * 3000 * 3))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:11:20 09:15:00"
    img.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path.stat().st_size


def test_big_photo_is_shrunk_before_upload_and_keeps_capture_time(app, live_server, phone,
                                                                  tmp_path):
    data = _loop_data(app)
    original = tmp_path / "IMG_4000.jpg"
    original_size = _big_camera_jpeg(original)
    _scan_and_log_in(phone, live_server, data)
    _start(phone)
    item = phone.locator("article.item:not(.major)").first.get_attribute("id")
    _tick(phone, item, "fail")
    uploads = []
    phone.on("request", lambda r: uploads.append(len(r.post_data_buffer or b""))
             if r.method == "POST" and r.url.endswith("/photos") else None)
    _swapped(phone, lambda: phone.set_input_files(f"#{item} input[name=photo]", str(original)))
    expect(phone.locator(f"#{item} .thumbs img")).to_have_count(1)
    assert uploads and uploads[0] < original_size / 4, (uploads, original_size)
    with app.app_context():
        photo = db.session.scalar(select(Photo))
        assert photo.taken_at == datetime(2026, 11, 20, 9, 15)
        # Upright (the phone applied the EXIF turn) and bounded.
        assert (photo.width, photo.height) == (1200, 1600)
    assert re.search(r"/inspections/\d+$", phone.url)
