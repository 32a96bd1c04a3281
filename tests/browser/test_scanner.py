"""The in-page scanner: Chromium's fake camera films a site poster's real QR code (the PNG the
app serves for printing), and the scan screen opens that site. A code that is not ours is
refused; without a camera the screen sends the user to WeChat or the camera app."""

import re
from io import BytesIO

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE_UA
from tests.factories import PASSWORD, make_grid, make_site, make_user

NO_CAMERA = re.compile("扫一扫")


def write_y4m(path, picture: Image.Image, frames: int = 10) -> None:
    """A short YUV4MPEG2 clip of `picture` centred on a white 640x480 frame (4:2:0 planes),
    the format Chromium's --use-file-for-fake-video-capture plays in a loop."""
    w, h = 640, 480
    frame = Image.new("RGB", (w, h), "white")
    picture = picture.convert("RGB")
    picture.thumbnail((h - 40, h - 40))
    frame.paste(picture, ((w - picture.width) // 2, (h - picture.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (w // 2, h // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + planes)


def _inspector_and_site(app):
    with app.app_context():
        grid = make_grid()
        user = make_user("inspector", grids=[grid])
        site = make_site(grid)
        return user.username, site.id, site.name


def _poster_qr(app, username: str, site_id: int) -> Image.Image:
    """The site's code as the app serves it for posters (sites.qr_image)."""
    client = app.test_client()
    page = client.get("/auth/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/auth/login", data={"login": username, "password": PASSWORD},
                       headers={"X-CSRFToken": token})
    assert resp.status_code == 302
    png = client.get(f"/sites/{site_id}/qr.png")
    assert png.status_code == 200
    return Image.open(BytesIO(png.data))


@pytest.fixture
def camera_phone(browser, live_server, tmp_path):
    """Open a phone whose camera films `picture`: a browser of its own, since the fake
    camera's file is fixed at launch."""
    opened = []

    def open_phone(picture: Image.Image):
        clip = tmp_path / f"camera-{len(opened)}.y4m"
        write_y4m(clip, picture)
        chromium = browser.browser_type.launch(
            executable_path=CHROMIUM, headless=True,
            args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream",
                  "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={clip}"])
        opened.append(chromium)
        context = chromium.new_context(
            base_url=live_server, viewport={"width": 360, "height": 740}, device_scale_factor=2,
            is_mobile=True, has_touch=True, locale="zh-CN", user_agent=PHONE_UA,
            permissions=["camera"])
        return context.new_page()

    yield open_phone
    for chromium in opened:
        chromium.close()


def _log_in(page, username: str) -> None:
    page.goto("/auth/login")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action$='/auth/login'] button").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_scanner_opens_the_site_on_the_poster(app, live_server, camera_phone):
    username, site_id, site_name = _inspector_and_site(app)
    page = camera_phone(_poster_qr(app, username, site_id))
    _log_in(page, username)
    page.get_by_role("link", name="扫码", exact=True).first.tap()
    expect(page).to_have_url(f"{live_server}/sites/{site_id}")
    expect(page.locator("h1")).to_have_text(site_name)


def test_scanner_from_the_menu_refuses_a_code_that_is_not_ours(app, live_server, camera_phone):
    username, site_id, _ = _inspector_and_site(app)
    from inspect_app.qr import qr_png
    foreign = Image.open(BytesIO(qr_png("https://evil.example/s/AbC123")))
    page = camera_phone(foreign)
    _log_in(page, username)
    page.locator("details.menu summary").tap()
    page.locator("details.menu nav").get_by_role("link", name="扫码").tap()
    expect(page).to_have_url(f"{live_server}/scan")
    status = page.locator("#scanner .scan-status")
    expect(status).to_contain_text("不是本系统")
    expect(status).to_contain_text("https://evil.example/s/AbC123")
    assert page.url == f"{live_server}/scan"


def test_without_a_camera_the_scanner_points_to_wechat(app, phone):
    # The ordinary test browser has no camera device and no permission to one.
    username, _, _ = _inspector_and_site(app)
    _log_in(phone, username)
    phone.goto("/scan")
    expect(phone.locator("#scanner .scan-status")).to_have_text(NO_CAMERA)
    expect(phone.locator("#scanner")).to_have_class(re.compile(r"\bno-camera\b"))
