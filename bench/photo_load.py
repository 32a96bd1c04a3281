"""Bystander latency while clients post costly photos (issue 9's closing figure).

Starts the app as `make run` does (gunicorn, 2 workers x 4 threads) on 127.0.0.1 over a fresh
SQLite database and upload folder, then measures the login page (GET /auth/login, p50/p95 over
BENCH_SAMPLES requests or more, one at a time; under load for at least BENCH_MIN_SECONDS, 30):

  1. idle: the floor, nothing else running;
  2. while BENCH_CLIENTS clients (default 8) each post very tall PNGs (BENCH_PNG, default 600x30000,
     18 MP, a few KB each: costly to decode, cheap to send) to a drill, one after another, with
     photo decoding as configured by default (photos/decoder.py: 2 lower-priority decode
     processes per web process, 1 upload waiting, any more refused at once with 503);
  3. the same with no upload waiting (PHOTO_DECODE_QUEUE=0);
  4. and 5. the same with the decode processes at nice 19 and at normal priority
     (PHOTO_DECODE_NICE=0), to show what the lower priority buys.

A client that gets 503 sends the same photo again after a back-off, as the phone's outbox does
(1 s, doubling up to 30 s). It also prints the uploads done, their p50, and each run's peak RSS
of the workers and their decode processes. Figures only: no assertions. Loopback only.
"""

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zlib
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "60"))
PNG_SIZE = tuple(int(v) for v in os.environ.get("BENCH_PNG", "600x30000").split("x"))
MIN_SECONDS = float(os.environ.get("BENCH_MIN_SECONDS", "30"))  # of sampling under load
PASSWORD = "bench-pw-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(db_url: str, upload_dir: str) -> tuple[str, int]:
    """One enterprise with a user and a drill."""
    from werkzeug.security import generate_password_hash

    from inspect_app import create_app
    from inspect_app.enterprise.models import Drill
    from inspect_app.extensions import db
    from inspect_app.models import Area, Grid, Site, User

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": db_url,
                      "UPLOAD_DIR": upload_dir})
    with app.app_context():
        db.create_all()
        site = Site(name="压测企业", site_type="MECH", grid=Grid(name="网格", area=Area(name="片区")))
        user = User(username="bench", name="压测", role="enterprise", site=site,
                    password_hash=generate_password_hash(PASSWORD))
        db.session.add_all([site, user])
        db.session.flush()
        drill = Drill(site_id=site.id, created_by_id=user.id, kind="fire", title="演练")
        db.session.add(drill)
        db.session.commit()
        return user.username, drill.id


def unique(png: bytes, n: int) -> bytes:
    """The same pixels with another text chunk: new bytes for every upload, so none is taken for
    a photo already stored (photos are deduplicated by content hash) and each one is decoded."""
    data = b"tEXt" + b"bench\x00" + str(n).encode()
    chunk = struct.pack(">I", len(data) - 4) + data + struct.pack(">I", zlib.crc32(data))
    return png[:33] + chunk + png[33:]  # after the signature (8) and IHDR (25)


def costly_pngs(n: int) -> list[bytes]:
    """Very tall PNGs: tiny files, many pixels."""
    from PIL import Image

    out = []
    for k in range(n):
        im = Image.new("RGB", PNG_SIZE, (k * 37 % 256, 90, 160))
        im.putpixel((k % PNG_SIZE[0], 0), (255, 255, 255))
        buf = BytesIO()
        im.save(buf, "PNG", compress_level=1)
        out.append(buf.getvalue())
    return out


class Server:
    def __init__(self, db_url: str, upload_dir: str, port: int, settings: dict[str, str]):
        env = {**os.environ, "DATABASE_URL": db_url, "UPLOAD_DIR": upload_dir, "SECRET_KEY": "bench",
               **settings}
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "--workers", "2", "--threads", "4",
             "--timeout", "120", "--bind", f"127.0.0.1:{port}", "inspect_app:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def workers_rss_mb(self) -> float:
        """Peak RSS (VmHWM) summed over the workers and everything they started (decoders)."""
        def descendants(pid: int) -> list[int]:
            kids = []
            for task in Path(f"/proc/{pid}/task").glob("*"):  # any thread may have started one
                try:
                    kids += [int(k) for k in (task / "children").read_text().split()]
                except OSError:
                    continue
            return kids + [d for k in kids for d in descendants(k)]

        total = 0
        for pid in descendants(self.proc.pid):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(30)


def logged_in(base: str, username: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/auth/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"login": username, "password": PASSWORD,
                                   "csrf_token": token}).encode()
    opener.open(urllib.request.Request(base + "/auth/login", data=body)).read()
    # Login starts a new session with a new CSRF secret: the token comes from a page after it.
    page = opener.open(base + "/").read().decode()
    return opener, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def post_photo(opener, token: str, url: str, data: bytes) -> int:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="upload_key"\r\n\r\n'
             f"{uuid.uuid4().hex}\r\n".encode(),
             f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="tall.png"'
             f"\r\nContent-Type: image/png\r\n\r\n".encode(), data, f"\r\n--{boundary}--\r\n".encode()]
    req = urllib.request.Request(url, data=b"".join(parts), headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRFToken": token})
    try:
        with opener.open(req, timeout=300) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def login_latencies(base: str, n: int, min_seconds: float = 0) -> list[float]:
    """At least n samples, one at a time, and for at least min_seconds (a steady load, not its
    first seconds)."""
    out, start = [], time.perf_counter()
    while len(out) < n or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        urllib.request.urlopen(base + "/auth/login", timeout=300).read()
        out.append(time.perf_counter() - t)
    return out


def pct(values: list[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def run(label: str, load: bool, pngs: list[bytes], **settings: str) -> None:
    tmp = tempfile.mkdtemp(prefix="photo-bench-")
    db_url = f"sqlite:///{tmp}/bench.db"
    upload_dir = f"{tmp}/uploads"
    username, drill_id = seed(db_url, upload_dir)
    server = Server(db_url, upload_dir, free_port(), settings)
    try:
        login_latencies(server.base, 5)  # warm both workers
        stop = threading.Event()
        uploads: list[tuple[float, int]] = []
        threads = []
        if load:
            opener, token = logged_in(server.base, username)
            url = f"{server.base}/enterprise/drills/{drill_id}/photos"

            def client(k: int) -> None:
                n, backoff = k, 1.0
                while not stop.is_set():
                    t = time.perf_counter()
                    status = post_photo(opener, token, url, unique(pngs[n % len(pngs)], n))
                    uploads.append((time.perf_counter() - t, status))
                    if status == 503:  # back off as static/outbox.js does: 1 s, doubling to 30 s
                        stop.wait(backoff)
                        backoff = min(30.0, backoff * 2)
                    else:
                        n, backoff = n + CLIENTS, 1.0

            threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
            for t in threads:
                t.start()
            time.sleep(5)  # let the load build up: every client has posted and been answered
        lat = login_latencies(server.base, SAMPLES, MIN_SECONDS if load else 0)
        stop.set()
        for t in threads:
            t.join()
        line = f"{label:<42} login p50 {pct(lat, 50):7.1f} ms  p95 {pct(lat, 95):7.1f} ms"
        if load:
            done = [d for d, s in uploads if s < 400]
            codes = sorted({s for _, s in uploads})
            line += (f"  | uploads {len(uploads)} (status {codes}), p50 "
                     f"{pct(done, 50) if done else float('nan'):7.0f} ms")
        print(line + f"  | workers' peak RSS {server.workers_rss_mb():.0f} MB", flush=True)
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    print(f"{CLIENTS} clients posting {PNG_SIZE[0]}x{PNG_SIZE[1]} PNGs; gunicorn 2 workers x 4 "
          f"threads; {SAMPLES} login-page samples each", flush=True)
    pngs = costly_pngs(2 * CLIENTS)
    print(f"PNG size {len(pngs[0])} bytes, {PNG_SIZE[0] * PNG_SIZE[1] / 1e6:.0f} MP", flush=True)
    run("idle (floor)", False, pngs)
    run("load, decoders (2 + 1 waiting, nice 10)", True, pngs)
    run("load, decoders, none waiting", True, pngs, PHOTO_DECODE_QUEUE="0")
    run("load, decoders at nice 19", True, pngs, PHOTO_DECODE_NICE="19")
    run("load, decoders at normal priority", True, pngs, PHOTO_DECODE_NICE="0")

if __name__ == "__main__":
    main()
