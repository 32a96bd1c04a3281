"""Bystander latency: how long the login page takes while 8 clients post costly PNGs.

Serves the app with gunicorn as `make run` does (2 workers x 4 threads, demo zone on a fresh
SQLite database), but bound to 127.0.0.1 only. One bystander fetches the login page over and
over, first with no other traffic (the floor), then while 8 clients keep posting very tall,
highly compressible PNGs (a few KB on the wire, tens of megapixels to decode) to a running
inspection's photo upload. It prints p50/p95 of both runs. Each phase is bounded in time and
every request has a timeout; gunicorn is stopped at the end.

    .venv/bin/python bench/login_latency_under_photo_load.py
    BENCH_SECONDS=20 BENCH_APP_ROOT=/work/main .venv/bin/python bench/...   # another checkout
"""

import http.client
import io
import os
import re
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from PIL import Image

ROOT = Path(os.environ.get("BENCH_APP_ROOT") or Path(__file__).resolve().parents[1])
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))  # per phase
UPLOADERS = 8
TIMEOUT = 130  # above gunicorn's --timeout 120: a stuck worker shows as a slow request


def costly_png() -> bytes:
    """A 1000 x 36000 grey PNG: 36 megapixels (under PHOTO_MAX_PIXELS) in a few KB."""
    buf = io.BytesIO()
    Image.new("L", (1000, 36_000), 128).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def unique(png: bytes, n: int) -> bytes:
    """The same pixels with a different text chunk: new bytes each time, so the upload is not
    recognised as one already stored (photos are deduplicated by content hash) and is decoded."""
    data = b"tEXt" + b"bench\x00" + str(n).encode()
    chunk = struct.pack(">I", len(data) - 4) + data + struct.pack(">I", zlib.crc32(data))
    return png[:33] + chunk + png[33:]  # after the signature (8) and IHDR (25)


class Client:
    """Keeps cookies; one connection per request (like phones on a flaky network)."""

    def __init__(self, port: int):
        self.port, self.cookies = port, SimpleCookie()

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes, float]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        hdrs = {"Cookie": "; ".join(f"{k}={m.value}" for k, m in self.cookies.items()),
                **(headers or {})}
        start = time.perf_counter()
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        elapsed = time.perf_counter() - start
        for value in resp.headers.get_all("Set-Cookie") or []:
            self.cookies.load(value)
        conn.close()
        return resp.status, data, elapsed

    def csrf(self, path: str) -> str:
        _, page, _ = self.request("GET", path)
        return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()

    def post_form(self, path: str, fields: dict) -> int:
        fields = {"csrf_token": self.csrf("/auth/login"), **fields}
        return self.request("POST", path, urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})[0]


def multipart(fields: dict, file_field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = "benchboundary7MA4YWxkTrZu0gW"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
                 f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict) -> tuple[int, int]:
    """`make run`'s set-up steps, then a running inspection with one failed item (ids)."""
    flask = [sys.executable, "-m", "flask"]
    for args in (["db", "upgrade"], ["checklists", "load"], ["demo", "load"]):
        subprocess.run(flask + args, cwd=ROOT, env=env, check=True, capture_output=True)
    code = """
from inspect_app import create_app
from inspect_app.extensions import db
from inspect_app.models import User
from inspect_app.inspections import service
from inspect_app.models import Site
from inspect_app.sites.service import scope_sites
app = create_app()
with app.app_context():
    user = db.session.scalar(db.select(User).where(User.username == "inspector1"))
    site = next(s for s in db.session.scalars(scope_sites(db.select(Site), user))
                if service.templates_for(s, user))
    insp = service.start(user, site, service.templates_for(site, user)[0].id, False)
    item = insp.template.items[0]
    service.record_answer(user, insp, item.id, "fail", "bench")
    print(insp.id, item.id)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[-2]), int(out[-1])


def bystander(port: int, seconds: float, at_least: int = 20) -> list[float]:
    """Login-page latencies (ms) fetched back to back for `seconds`, and until `at_least`
    samples, but never past four times `seconds`."""
    client, times, start = Client(port), [], time.monotonic()
    while (time.monotonic() - start < seconds or len(times) < at_least) \
            and time.monotonic() - start < 4 * seconds:
        status, _, elapsed = client.request("GET", "/auth/login")
        assert status == 200, status
        times.append(elapsed * 1000)
    return times


def summary(times: list[float]) -> str:
    q = statistics.quantiles(times, n=20)
    return f"p50 {statistics.median(times):8.1f} ms   p95 {q[18]:8.1f} ms   ({len(times)} requests)"


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-login-"))
    port = free_port()
    env = {**os.environ, "FLASK_APP": "inspect_app", "DATABASE_URL": f"sqlite:///{tmp}/b.db",
           "SECRET_KEY": "bench", "UPLOAD_DIR": str(tmp / "up"),
           "BASE_URL": f"http://127.0.0.1:{port}"}
    env.pop("REDIS_URL", None)  # memory storage: the bench must not leave counts in Redis
    inspection_id, item_id = prepare(env)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--timeout", "120",
         "--bind", f"127.0.0.1:{port}", "inspect_app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        # One login for all uploaders: the login form is rate-limited per address.
        uploader = Client(port)
        assert uploader.post_form("/auth/login", {"login": "inspector1",
                                                  "password": "demo1234"}) == 302
        page = f"/inspections/{inspection_id}"
        token = uploader.csrf(page)
        png = costly_png()
        print(f"gunicorn 2 workers x 4 threads on 127.0.0.1:{port}; {SECONDS:.0f} s per phase; "
              f"PNG {len(png) // 1024} KB, 36 MP")

        bystander(port, 2)  # warm both workers
        floor = bystander(port, SECONDS)

        stop, statuses, lock = threading.Event(), {}, threading.Lock()

        def upload_loop(n: int) -> None:
            client = Client(port)
            client.cookies = SimpleCookie(uploader.cookies.output(header="", sep=";"))
            i = 0
            while not stop.is_set():
                i += 1
                body, ctype = multipart({"csrf_token": token, "upload_key": f"bench-{n}-{i}"},
                                        "photo", "tall.png", unique(png, n * 1_000_000 + i))
                try:
                    status = client.request("POST", f"{page}/items/{item_id}/photos", body,
                                            {"Content-Type": ctype})[0]
                except OSError as e:
                    status = type(e).__name__
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1

        threads = [threading.Thread(target=upload_loop, args=(n,), daemon=True)
                   for n in range(UPLOADERS)]
        for t in threads:
            t.start()
        time.sleep(1)  # let the uploads reach the workers
        loaded = bystander(port, SECONDS)
        stop.set()
        for t in threads:
            t.join(TIMEOUT)

        print(f"login page, no other traffic (floor): {summary(floor)}")
        print(f"login page, {UPLOADERS} clients posting PNGs:  {summary(loaded)}")
        print(f"upload responses by status: {dict(sorted(statuses.items(), key=str))}")
        p95 = [statistics.quantiles(t, n=20)[18] for t in (floor, loaded)]
        print(f"p95 slowdown: {p95[1] / p95[0]:.1f}x")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
