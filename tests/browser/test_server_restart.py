"""The server dies in the middle of a photo upload and comes back: the phone says what is going
on, asks whether the photo arrived, and never stores it twice nor sends a stored file again."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from inspect_app.extensions import db
from inspect_app.models import Photo
from tests.browser.conftest import PHONE_UA
from tests.browser.test_offline import ALL_SAVED, _field, _items, _open_checklist

ROOT = Path(__file__).resolve().parents[2]


class AppProcess:
    """tests/browser/serve_app.py on a fixed port and the session's database."""

    def __init__(self, app, tmp_path: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / "requests.jsonl"
        self.env = {**os.environ, "APP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                    "APP_UPLOAD_DIR": app.config["UPLOAD_DIR"], "APP_SECRET_KEY": "restart-secret",
                    "APP_PORT": str(self.port), "REQUEST_LOG": str(self.log)}
        self.proc = None

    def start(self, hold_photo_reply: bool = False) -> None:
        env = {**self.env, "HOLD_PHOTO_REPLY": "1" if hold_photo_reply else "0"}
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "tests/browser/serve_app.py")],
                                     cwd=ROOT, env=env)
        for _ in range(300):  # until it answers (a cold start imports the whole app)
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("the app process exited") from None
                time.sleep(0.1)
        raise RuntimeError("the app process did not start")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def requests(self, pid: int | None = None) -> list[dict]:
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        rows = [json.loads(line) for line in lines]
        return [r for r in rows if pid is None or r["pid"] == pid]


@pytest.fixture
def app_process(app, tmp_path):
    process = AppProcess(app, tmp_path)
    yield process
    if process.proc and process.proc.poll() is None:
        process.kill()


def test_server_killed_mid_upload_and_restarted(app, browser, app_process, tmp_path):
    data = _field(app)
    app_process.start(hold_photo_reply=True)
    context = browser.new_context(base_url=app_process.url, viewport={"width": 360, "height": 740},
                                  device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN", user_agent=PHONE_UA)
    try:
        page = context.new_page()
        _open_checklist(page, app_process.url, data)
        failing = _items(page)[0]
        item = page.locator(f"#{failing}")
        item.locator(".tick-fail").tap()
        expect(item).to_have_class(re.compile(r"\bresult-fail\b"))
        photo = tmp_path / "crack.jpg"
        Image.frombytes("RGB", (400, 300), os.urandom(400 * 300 * 3)).save(photo, "JPEG", quality=95)
        size = photo.stat().st_size
        item.locator("input[name=photo]").set_input_files(photo)
        expect(item.locator(".pending-photo")).to_have_count(1)

        # The server stored the photo, and dies before its reply leaves.
        first_pid = app_process.proc.pid
        deadline = time.monotonic() + 30
        while not [r for r in app_process.requests(first_pid) if r["path"].endswith("/photos")]:
            assert time.monotonic() < deadline, "the upload never reached the server"
            time.sleep(0.1)
        with app.app_context():
            assert db.session.scalar(select(func.count(Photo.id))) == 1
        app_process.kill()
        expect(page.locator("#toast")).to_contain_text("连不上服务器")
        expect(page.locator("#outbox-bar")).to_have_text("1 条待上传")
        expect(item.locator(".pending-photo")).to_have_count(1)  # still waiting, not "saved"

        app_process.start()
        second_pid = app_process.proc.pid
        expect(page.locator("#outbox-bar")).to_have_text(ALL_SAVED, timeout=40_000)
        expect(page.locator("#toast")).to_contain_text("上次的回复丢失了")
        expect(item.locator(".pending-photo")).to_have_count(0)
        expect(item.locator(".thumbs img")).to_have_count(1)  # the server's thumbnail
    finally:
        context.close()

    uploads = [r for r in app_process.requests(first_pid) if r["path"].endswith("/photos")]
    assert len(uploads) == 1 and uploads[0]["bytes"] >= size  # the file went once, whole
    after = app_process.requests(second_pid)
    assert not [r for r in after if r["method"] == "POST" and r["path"].endswith("/photos")]
    assert sum(r["bytes"] for r in after) < size // 10  # nothing like the file was sent again
    asked = [r for r in after if "/photos/key/" in r["path"]]
    assert asked and asked[-1]["status"] == 200  # it asked first, and the server had it
    with app.app_context():
        assert db.session.scalar(select(func.count(Photo.id))) == 1
