"""`make bench`: every figure beside a floor measured on the same server in the same run.

Generates a zone (2,000 sites, 100,000 hazards, 1,000,000 answers; `--city`: also 50,000 /
2,000,000 / 20,000,000) with `flask demo generate`'s SQL, serves it with gunicorn as `make run`
does (workers = cores, 4 threads, bound to 127.0.0.1) plus the floor routes (BENCH_FLOOR=1:
a bare route, and a static page carrying the vendored htmx), and measures:

- bytes of the field pages and of one tick as a phone receives them (compressed), beside the
  floor page;
- under 50 connections (wrk, 10 s each, page and floor alternated): throughput and p95 of scan,
  site, checklist, tick, queue and login, as ratios to the bare route, and the bare route
  logged in (the most any page behind the login can reach);
- one client (keep-alive, page and floor requests alternated): p50/p95 of every page, and its
  p95 as a ratio to the bare route's: `--requests` of each (40), fewer once a page has taken
  `--budget` seconds (60; at least 3), and a page that answers an error or nothing within
  `--timeout` (60 s) is reported so in the table (with the server log's tail in the JSON);
- FCP and load of the checklist page in Chromium under emulated slow 4G (150 ms, 1.6/0.75 Mbps,
  CPU 4x), first and repeat visit, beside the floor page under the same emulation;
- with `--city`: the same one-client figures at city scale, and the growth exponent from 100k
  to 2M hazards of every page, against the target for the home pages, the queue, the major
  dashboard and each ledger's first page. Both databases are made first, then the zone and
  the city are served at once (a gunicorn each) and one client alternates them request by
  request (each round: the zone's bare route and page, the city's, the first in turn), so
  both medians see the same machine (measured one after the other, minutes apart, the load's
  change between them was counted as growth: the floor went 1.4 -> 1.7 ms and k up to 0.18
  in one run, all <= 0.1 in another on the same code). The city's server then stops before
  the zone's own figures (bytes, wrk, browser). On PostgreSQL the one-client figures also say
  what share of the database's blocks were found in shared buffers (pg_stat_database).

Each figure is printed beside issue 15's target with a pass/MISS/FAIL mark (bench/report.py).
A part that fails is reported and the run goes on; the table and the JSON always hold what was
measured, even after Ctrl-C.

The database is SQLite in a temporary folder unless BENCH_DATABASE_URL names a PostgreSQL
server (a database `inspect_bench_<scale>` is created there and dropped after;
BENCH_DATABASE_PREFIX renames it). `--keep` keeps the generated databases and prints their URLs;
`--zone-url URL` / `--city-url URL` measure such a database again without generating it.
Prints one table (`--markdown`: as Markdown) and writes bench/results.json and results.md
(BENCH_JSON for another path). Options: --sites/--hazards for another zone, --seconds for wrk,
--no-browser, --no-wrk.
"""

import argparse
import http.client
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import report  # noqa: E402 - after the root is on the path

PASSWORD = "bench1234"
CHROMIUM = "/usr/bin/chromium"
ZONE = (2000, 100_000)
CITY = (50_000, 2_000_000)


# Database and data ----------------------------------------------------------------------------

def database_url(scale: str, tmp: Path, keep: bool = False) -> str:
    """A new empty database for `scale` (SQLite unless BENCH_DATABASE_URL)."""
    base = os.environ.get("BENCH_DATABASE_URL")
    if not base:
        folder = ROOT / "instance" if keep else tmp  # kept: outside the folder removed after
        folder.mkdir(exist_ok=True)
        path = folder / f"bench-{scale}.db"
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    # BENCH_DATABASE_PREFIX: two benches on one server keep apart (e.g. perf_bench_zone).
    name = f"{os.environ.get('BENCH_DATABASE_PREFIX') or 'inspect_bench'}_{scale}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
    admin.dispose()


def build(url: str, sites: int, hazards: int, upload_dir: str) -> dict:
    """Schema, checklists, the generated zone and one inspection in progress; returns ids."""
    from inspect_app import create_app
    from inspect_app.checklists.loader import load_all
    from inspect_app.extensions import db
    from inspect_app.generate import generate

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "UPLOAD_DIR": upload_dir})
    with app.app_context():
        db.create_all()
        load_all()
        started = time.monotonic()
        made = generate(sites, hazards)
        seconds = time.monotonic() - started
        ids = visit()
        ids.update(generate_s=round(seconds, 1), rows={
            "sites": made.sites, "hazards": made.hazards, "answers": made.answers})
    return ids


def reuse(url: str, upload_dir: str) -> dict:
    """The ids of a database generated before (by this script or `flask demo generate`): its
    rows are counted, its inspection in progress resumed (the tick writes its last answer)."""
    from sqlalchemy import func, select

    from inspect_app import create_app
    from inspect_app.extensions import db
    from inspect_app.hazards.models import Hazard
    from inspect_app.inspections.models import Answer
    from inspect_app.sites.models import Site

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "UPLOAD_DIR": upload_dir})
    with app.app_context():
        db.create_all()  # tables added since it was generated (never new columns)
        for table in db.metadata.sorted_tables:  # and indexes, as `flask db upgrade` adds them
            for index in table.indexes:
                index.create(db.engine, checkfirst=True)
        ids = visit()
        ids.update(generate_s=None, reused=True, rows={
            name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in (("sites", Site), ("hazards", Hazard), ("answers", Answer))})
    return ids


def visit() -> dict:
    """bench-inspector's checklist half done, as an inspector sees it mid-visit (resumed if it
    is there already): the site, its QR token, the inspection and the item the tick posts."""
    from sqlalchemy import select

    from inspect_app.auth.models import User
    from inspect_app.checklists.service import templates_for
    from inspect_app.extensions import db
    from inspect_app.inspections import service as inspections
    from inspect_app.inspections.models import Result
    from inspect_app.sites.models import Site, grid_inspectors

    inspector = db.session.scalar(select(User).where(User.username == "bench-inspector"))
    if inspector is None:
        raise RuntimeError("no bench-inspector: not a generated database")
    mine = select(grid_inspectors.c.grid_id).where(grid_inspectors.c.user_id == inspector.id)
    site = next(s for s in db.session.scalars(
        select(Site).where(Site.grid_id.in_(mine)).order_by(Site.id).limit(50))
        if templates_for(s, inspector))
    tpl = templates_for(site, inspector)[0]
    run = inspections.start(inspector, site, tpl.id, True)
    items = run.items
    for item in items[: len(items) // 2]:
        inspections.record_answer(inspector, run, item.id, Result.PASS, "")
    ids = {"site": site.id, "token": site.qr_token, "inspection": run.id, "item": items[-1].id}
    db.session.commit()
    count_majors()
    return ids


def count_majors() -> None:
    """The major dashboard's summary, as the consumer beside `make run` keeps it (every five
    minutes): made now, so the first view reads it as a running zone's would."""
    try:
        from inspect_app.ledgers.summary import refresh
    except ImportError:  # a tree without the summary counts live on each view
        return
    refresh()


# Server ---------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn as `make run` starts it (its default workers: the cores), on 127.0.0.1, with a
    task-queue consumer beside it (the major dashboard's summary is counted there every five
    minutes), on a queue of its own; their log (tracebacks of a page that fails, a worker
    killed) kept in `log`."""

    def __init__(self, url: str, upload_dir: str):
        port = free_port()
        folder = Path(upload_dir).parent
        env = {**os.environ, "DATABASE_URL": url, "UPLOAD_DIR": upload_dir,
               "SECRET_KEY": "bench", "BENCH_FLOOR": "1", "FLASK_APP": "inspect_app",
               "TASK_QUEUE_URL": f"sqlite:///{folder / f'tasks-{port}.db'}",
               "EXPORT_DIR": str(folder / f"exports-{port}")}
        self.log = folder / f"gunicorn-{port}.log"
        bin_dir = Path(sys.executable).parent
        with self.log.open("wb") as log:
            self.procs = [subprocess.Popen(
                [str(bin_dir / "flask"), "tasks", "worker"],
                cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)]
            self.proc = subprocess.Popen(
                [str(bin_dir / "gunicorn"), "--config",
                 str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
                 "--control-socket", str(folder / f"gunicorn-{port}.ctl"),
                 "inspect_app:create_app()"],
                cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
            self.procs.append(self.proc)
        self.host, self.port = "127.0.0.1", port
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                self.get("/bench/floor")
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start: {self.log_tail()}")

    def client(self, timeout: float = 60) -> "Client":
        return Client(self.host, self.port, timeout)

    def get(self, path: str, headers=None, timeout: float = 120) -> tuple[int, bytes, dict]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.read(), dict(resp.getheaders())
        finally:
            conn.close()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


@dataclass
class Reply:
    status: int | None  # None: no response (see error)
    seconds: float
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    error: str = ""  # "timeout", or the exception of a connection that failed


class Client:
    """One keep-alive connection, as a browser keeps one. gunicorn closes a connection left
    idle for its keepalive (2 s): while a slow page ran on one connection, the floor's went
    idle and its next request read "Remote end closed connection" (the city runs that crashed).
    So a request on a connection the server has closed is sent again on a new one."""

    def __init__(self, host: str, port: int, timeout: float):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body=None, headers=None) -> Reply:
        for attempt in (0, 1):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            t = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                got = resp.read()
                seconds = time.perf_counter() - t
                if resp.will_close:
                    self.close()
                return Reply(resp.status, seconds, got, dict(resp.getheaders()))
            except TimeoutError:
                self.close()
                return Reply(None, time.perf_counter() - t, error="timeout")
            except (http.client.RemoteDisconnected, ConnectionError) as exc:
                self.close()
                if fresh or attempt:  # a new connection failed: the server's doing
                    return Reply(None, time.perf_counter() - t, error=f"{type(exc).__name__}: {exc}")
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                return Reply(None, time.perf_counter() - t, error=f"{type(exc).__name__}: {exc}")
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def login(server: Server, username: str) -> tuple[str, str]:
    """A session cookie and its CSRF token for `username`."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
    conn.request("GET", "/auth/login")
    resp = conn.getresponse()
    page = resp.read().decode()
    cookie = resp.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"login": username, "password": PASSWORD, "csrf_token": token})
    conn.request("POST", "/auth/login", body=body, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    resp.read()
    if resp.status != 302:
        raise RuntimeError(f"login as {username}: HTTP {resp.status}")
    cookie = resp.getheader("Set-Cookie").split(";")[0]
    conn.close()
    # The home page carries the session's CSRF token (for the tick's X-CSRFToken).
    status, page, headers = server.get("/", {"Cookie": cookie})
    if headers.get("Set-Cookie"):  # the session now holds its CSRF secret
        cookie = headers["Set-Cookie"].split(";")[0]
    page = page.decode(errors="replace")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    token = token.group(1) if token else ""
    meta = re.search(r'name="csrf-token" content="([^"]+)"', page)
    return cookie, (meta.group(1) if meta else token)


# Measuring ------------------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


@dataclass
class Leg:
    """One scale's request in a one-client measure: its server, and what it sends."""
    server: Server
    path: str
    headers: dict
    method: str = "GET"
    body: str | None = None


def one_client(legs: list[Leg], args) -> list[dict]:
    """p50/p95 (ms) of each leg's page and of its server's bare route, one keep-alive
    connection each, requests alternated: each round sends every leg's bare route then its
    page, the legs in turn first (zone, city; city, zone; …), so a zone page and its city page
    see the same machine and the growth exponent, their ratio, is not the load's change
    between two measures minutes apart. `args.requests` rounds, fewer once they have taken
    `args.budget` seconds (a city page of seconds still gets a few samples, and the run ends).
    A page that answers an error status, or nothing within `args.timeout`, is reported as such
    and not asked again (the other legs go on): the figures so far are kept."""
    clients = [(leg.server.client(args.timeout), leg.server.client(args.timeout))
               for leg in legs]
    page_t: list[list[float]] = [[] for _ in legs]
    floor_t: list[list[float]] = [[] for _ in legs]
    status = ["ok"] * len(legs)
    started = time.monotonic()
    for i in range(args.requests + 1):
        for k in (range(len(legs)) if i % 2 == 0 else reversed(range(len(legs)))):
            if status[k] != "ok":
                continue
            leg, (page, floor) = legs[k], clients[k]
            f = floor.request("GET", "/bench/floor")
            p = page.request(leg.method, leg.path, leg.body, leg.headers)
            if not answered(p):
                status[k] = (f"timeout > {args.timeout:g} s" if p.error == "timeout"
                             else p.error or f"HTTP {p.status}")
            elif i >= 1:  # the first warms each connection and cache
                page_t[k].append(p.seconds)
                if f.status == 200:
                    floor_t[k].append(f.seconds)
        live = [k for k, s in enumerate(status) if s == "ok"]
        if not live or (min(len(page_t[k]) for k in live) >= 3
                        and time.monotonic() - started > args.budget):
            break
    for page, floor in clients:
        page.close()
        floor.close()
    seconds = round(time.monotonic() - started, 1)
    out = []
    for pages, floors, s in zip(page_t, floor_t, status, strict=True):
        p95, f95 = pct(pages, 95), pct(floors, 95)
        out.append({"n": len(pages), "status": s, "p50": pct(pages, 50), "p95": p95,
                    "floor_p50": pct(floors, 50), "floor_p95": f95,
                    "ratio_p95": p95 / f95 if p95 is not None and f95 else None,
                    "seconds": seconds})
    return out


def answered(reply: Reply) -> bool:
    """A page served: 2xx, or a redirect that is not to the login page (a scan redirects to
    its site; a session that was lost would redirect to /auth/login)."""
    if reply.status is None or reply.status >= 400:
        return False
    location = {k.lower(): v for k, v in reply.headers.items()}.get("location", "")
    return reply.status < 300 or "/auth/login" not in location


WRK_LUA = """
wrk.method = os.getenv("WRK_METHOD") or "GET"
wrk.body = os.getenv("WRK_BODY")
if wrk.body == "" then wrk.body = nil end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\\"rps\\": %f, \\"p95_ms\\": %f, \\"errors\\": %d}\\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(95) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""


def wrk(server: Server, path: str, headers: dict, seconds: int, lua: Path, method="GET",
        body="") -> dict:
    args = ["wrk", "-t2", "-c50", f"-d{seconds}s", "--timeout", "30s", "-s", str(lua)]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run(args + [server.base + path], capture_output=True, text=True,
                         timeout=seconds + 120,
                         env={**os.environ, "WRK_METHOD": method, "WRK_BODY": body})
    line = next((x for x in out.stdout.splitlines() if x.startswith("JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary: {(out.stderr or out.stdout)[-300:]}")
    return json.loads(line[5:])


def wire_bytes(server: Server, path: str, headers: dict) -> int | str:
    status, body, _ = server.get(path, {**headers, "Accept-Encoding": "br, gzip"})
    return len(body) if status < 400 else f"HTTP {status}"


def browser(server: Server, cookie: str, checklist: str, rounds: int = 5) -> dict:
    """FCP and load (ms) of the checklist page and the floor page under slow 4G, first visit
    and repeat, each in a fresh browser context: the median of `rounds` rounds, floor and
    page alternated (one sample on a loaded machine varies by ±50 %)."""
    samples = [_browser_round(server, cookie, checklist) for _ in range(rounds)]
    out: dict = {}
    for key in samples[0]:
        out[key] = {m: _median([s[key][m] for s in samples]) for m in ("fcp", "load")}
    for visit in ("first", "repeat"):
        c, f = out[f"checklist_{visit}"], out[f"floor_{visit}"]
        out[f"ratio_fcp_{visit}"] = c["fcp"] / f["fcp"] if c["fcp"] and f["fcp"] else None
    out["rounds"] = rounds
    return out


def _median(values):
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else None


def phone(browser, base: str, cookie: str, locale: str = "zh-CN"):
    """A fresh context and page at phone size, logged in by `cookie`, on the emulated slow 4G
    (150 ms, 1.6/0.75 Mbps) with the CPU slowed 4x."""
    name, value = cookie.split("=", 1)
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                              has_touch=True, locale=locale)
    ctx.add_cookies([{"name": name, "value": value, "url": base}])
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8,
        "uploadThroughput": 0.75e6 / 8})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    return ctx, page


def _browser_round(server: Server, cookie: str, checklist: str) -> dict:
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                               args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        for label, path in (("floor", "/bench/floor.html"), ("checklist", checklist)):
            ctx, page = phone(b, server.base, cookie)
            for visit in ("first", "repeat"):
                if visit == "first":
                    page.goto(server.base + path, wait_until="load")
                else:
                    page.reload(wait_until="load")
                page.wait_for_timeout(300)
                fcp, load = page.evaluate("""() => {
                    const p = performance.getEntriesByName('first-contentful-paint')[0];
                    const n = performance.getEntriesByType('navigation')[0];
                    return [p ? p.startTime : null, n ? n.loadEventEnd : null]; }""")
                out[f"{label}_{visit}"] = {"fcp": fcp, "load": load}
            ctx.close()
        b.close()
    return out


# The run --------------------------------------------------------------------------------------

def pages(ids: dict) -> dict:
    """name -> (who, path) for the one-client figures."""
    return {
        "inspector home": ("inspector", "/"),
        "supervisor home": ("supervisor", "/"),
        "scan": ("inspector", f"/s/{ids['token']}"),
        "site": ("inspector", f"/sites/{ids['site']}"),
        "checklist": ("inspector", f"/inspections/{ids['inspection']}"),
        "queue": ("supervisor", "/hazards/"),
        "major dashboard": ("supervisor", "/ledgers/major"),
        "rectification ledger": ("supervisor", "/ledgers/rectification"),
        "inspections ledger": ("supervisor", "/ledgers/inspections"),
        "hazards ledger": ("supervisor", "/ledgers/hazards"),
        "responsibility ledger": ("supervisor", "/ledgers/responsibility"),
        "login": ("nobody", "/auth/login"),
    }


def section(result: dict, key: str, fn):
    """result[key] = fn(), or {"error": …} if it fails: one failing part never ends the run."""
    try:
        result[key] = fn()
    except Exception as exc:  # noqa: BLE001 - reported in the table, the run goes on
        print(f"[{result['scale']}] {key} failed: {exc!r}", file=sys.stderr)
        result[key] = {"error": f"{type(exc).__name__}: {exc}"[:300]}


class Scale:
    """One scale's database, server and logged-in users; its figures go into `result` as
    they are measured (so an interrupted run still reports them)."""

    def __init__(self, name: str, sites: int, hazards: int, tmp: Path, args):
        self.name, self.sites, self.hazards, self.tmp, self.args = name, sites, hazards, tmp, args
        self.result: dict = {"scale": name}
        self.reuse_url = getattr(args, f"{name}_url")
        self.url: str | None = None
        self.server: Server | None = None
        self.started: float | None = None
        self.uploads = str(tmp / f"uploads-{name}")

    def prepare(self) -> None:
        """The database: generated, or the one `--<scale>-url` names."""
        self.url = self.reuse_url or database_url(self.name, self.tmp, self.args.keep)
        self.result["database"] = self.url.split(":")[0].split("+")[0]
        if self.reuse_url:
            print(f"[{self.name}] reusing {self.reuse_url}", file=sys.stderr)
            self.result["ids"] = reuse(self.url, self.uploads)
        else:
            print(f"[{self.name}] generating {self.sites} sites, {self.hazards} hazards…",
                  file=sys.stderr)
            self.result["ids"] = build(self.url, self.sites, self.hazards, self.uploads)
            print(f"[{self.name}] generated in {self.result['ids']['generate_s']} s",
                  file=sys.stderr)

    def start(self) -> None:
        """gunicorn on the database, and the bench users logged in."""
        self.started = time.monotonic()
        self.server = Server(self.url, self.uploads)
        self.who = {"inspector": login(self.server, "bench-inspector"),
                    "supervisor": login(self.server, "bench-supervisor")}
        self.cookie = {k: {"Cookie": c} for k, (c, _t) in self.who.items()}
        self.cookie["nobody"] = {}
        ids = self.result["ids"]
        self.tick_path = f"/inspections/{ids['inspection']}/items/{ids['item']}"
        self.tick_headers = {**self.cookie["inspector"], "X-CSRFToken": self.who["inspector"][1],
                             "HX-Request": "true",
                             "Content-Type": "application/x-www-form-urlencoded"}

    def legs(self) -> dict[str, Leg]:
        """name -> request, for the one-client figures: every page, then the tick."""
        out = {name: Leg(self.server, path, self.cookie[user])
               for name, (user, path) in pages(self.result["ids"]).items()}
        out["tick"] = Leg(self.server, self.tick_path, self.tick_headers, "POST", "result=pass")
        return out

    def fail(self, exc: BaseException) -> None:
        print(f"[{self.name}] stopped: {exc!r}", file=sys.stderr)
        self.result.setdefault("errors", []).append(f"{type(exc).__name__}: {exc}"[:500])

    def stop(self) -> None:
        """The server stopped (its log's tail kept if a page failed), a generated database
        dropped unless `--keep`."""
        if self.server is not None:
            failed = any(isinstance(f, dict) and f.get("status", "ok") != "ok"
                         for f in (self.result.get("one_client") or {}).values())
            self.server.stop()
            if failed or self.result.get("errors"):
                self.result["server_log_tail"] = self.server.log_tail()
            self.server = None
        if self.url and not self.reuse_url:
            if self.args.keep:
                self.result["kept_url"] = self.url
            else:
                drop_database(self.url)
            self.url = None
        if self.started is not None:
            self.result["measure_s"] = round(time.monotonic() - self.started)
            self.started = None


def blocks(url: str, since: dict | None = None) -> dict | None:
    """PostgreSQL's block counts of the database (pg_stat_database): found in shared buffers
    (hit) or read from the OS (read); with `since`, the counts since then and the hit share.
    None on SQLite. The counters lag their backends by up to a second."""
    if not url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url)
    try:
        if since is not None:
            time.sleep(1.2)  # backends flush their counts at most once a second
        with engine.connect() as conn:
            hit, read = conn.execute(text(
                "SELECT blks_hit, blks_read FROM pg_stat_database"
                " WHERE datname = current_database()")).one()
    except SQLAlchemyError as exc:  # a figure beside the others: never the run's end
        print(f"pg_stat_database: {exc!r}", file=sys.stderr)
        return None
    finally:
        engine.dispose()
    if since is None:
        return {"hit": hit, "read": read}
    hit, read = hit - since["hit"], read - since["read"]
    return {"hit": hit, "read": read, "hit_share": hit / (hit + read) if hit + read else None}


def measure_one_client(scales: list[Scale], args) -> None:
    """Every page's one-client figures at every scale, the scales' requests alternated (one
    machine state for the zone and the city: their ratio is the growth exponent)."""
    label = "+".join(s.name for s in scales)
    for s in scales:
        s.result["one_client"] = {}
        s.result["alternated_with"] = [o.name for o in scales if o is not s]
    legs = [s.legs() for s in scales]
    since = [blocks(s.url) for s in scales]
    for name in legs[0]:
        print(f"[{label}] one client: {name}", file=sys.stderr)
        try:
            figures = one_client([each[name] for each in legs], args)
        except Exception as exc:  # noqa: BLE001 - reported in the table, the run goes on
            print(f"[{label}] {name} failed: {exc!r}", file=sys.stderr)
            figures = [{"error": f"{type(exc).__name__}: {exc}"[:300]} for _ in scales]
        for s, f in zip(scales, figures, strict=True):
            s.result["one_client"][name] = f
            print(f"[{s.name}]   {f.get('status', f.get('error'))}: n={f.get('n')} "
                  f"p50={f.get('p50')} p95={f.get('p95')} floor p50={f.get('floor_p50')}",
                  file=sys.stderr)
    for s, before in zip(scales, since, strict=True):
        if before is not None:
            s.result["blocks"] = blocks(s.url, before)


def measure_zone(zone: Scale, args) -> None:
    """The zone's own figures: bytes on the wire, under load (wrk), in the browser."""
    server, ids, cookie, result = zone.server, zone.result["ids"], zone.cookie, zone.result
    section(result, "bytes", lambda: page_bytes(server, ids, cookie, zone.tick_path,
                                                zone.tick_headers))
    if args.wrk and shutil.which("wrk"):
        section(result, "wrk", lambda: under_load(server, ids, cookie, zone.tick_path,
                                                  zone.tick_headers, zone.tmp, args))
    elif args.wrk:
        result["wrk"] = "wrk not installed (apt-get install -y wrk)"
    if args.browser and Path(CHROMIUM).exists():
        print("[zone] browser", file=sys.stderr)
        section(result, "browser", lambda: browser(
            server, zone.who["inspector"][0], f"/inspections/{ids['inspection']}"))


def measure(scales: list[Scale], args) -> None:
    """Both databases first (a city takes minutes to generate), then both servers at once:
    one client alternates the zone's and the city's requests; then the city's server stops
    and the zone's own figures are measured with nothing else served."""
    ready = []
    for s in scales:
        try:
            s.prepare()
            ready.append(s)
        except Exception as exc:  # noqa: BLE001 - the table shows how far this scale got
            s.fail(exc)
    serving = []
    try:
        for s in ready:
            try:
                s.start()
                serving.append(s)
            except Exception as exc:  # noqa: BLE001
                s.fail(exc)
        if serving:
            measure_one_client(serving, args)
        for s in serving:
            if s.name != "zone":
                s.stop()
        zone = next((s for s in serving if s.name == "zone"), None)
        if zone is not None:
            measure_zone(zone, args)
    finally:
        for s in scales:
            s.stop()


def page_bytes(server: Server, ids: dict, cookie: dict, tick_path: str, tick_headers) -> dict:
    field_pages = {"scan": f"/s/{ids['token']}", "site": f"/sites/{ids['site']}",
                   "checklist": f"/inspections/{ids['inspection']}", "queue": "/hazards/"}
    out = {name: wire_bytes(server, path, cookie["inspector"])
           for name, path in field_pages.items()}
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
    conn.request("POST", tick_path, body="result=fail&note=x",
                 headers={**tick_headers, "Accept-Encoding": "br, gzip"})
    resp = conn.getresponse()
    out["tick"] = len(resp.read()) + len("result=fail&note=x")
    conn.close()
    out["floor page"] = wire_bytes(server, "/bench/floor.html", {})
    out["floor page + htmx"] = out["floor page"] + wire_bytes(
        server, "/static/vendor/htmx-2.0.11.min.js", {})
    return out


def under_load(server: Server, ids: dict, cookie: dict, tick_path: str, tick_headers: dict,
               tmp: Path, args) -> dict:
    lua = tmp / "bench.lua"
    lua.write_text(WRK_LUA)
    out: dict = {}
    loads = {"scan": (f"/s/{ids['token']}", cookie["inspector"], "GET", ""),
             "site": (f"/sites/{ids['site']}", cookie["inspector"], "GET", ""),
             "checklist": (f"/inspections/{ids['inspection']}", cookie["inspector"], "GET", ""),
             "tick": (tick_path, tick_headers, "POST", "result=pass"),
             "queue": ("/hazards/", cookie["inspector"], "GET", ""),
             "login": ("/auth/login", {}, "GET", ""),
             # No target: the logged-in bare route (session, user row, headers) is the most
             # that any page behind the login can reach, beside the floor in the same run.
             "logged-in floor": ("/bench/floor-user", cookie["inspector"], "GET", "")}
    for name, (path, headers, method, body) in loads.items():
        print(f"[zone] wrk: {name}", file=sys.stderr)

        def run(path=path, headers=headers, method=method, body=body):
            time.sleep(2)  # let the last run's queued requests drain
            floor = wrk(server, "/bench/floor", {}, args.seconds, lua)
            time.sleep(2)
            got = wrk(server, path, headers, args.seconds, lua, method, body)
            return {**got, "floor_rps": floor["rps"], "floor_p95_ms": floor["p95_ms"],
                    "ratio_rps": got["rps"] / (floor["rps"] or math.nan),
                    "ratio_p95": got["p95_ms"] / (floor["p95_ms"] or math.nan)}
        section(out, name, run)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--city", action="store_true", help="also measure at city scale")
    parser.add_argument("--sites", type=int, default=ZONE[0])
    parser.add_argument("--hazards", type=int, default=ZONE[1])
    parser.add_argument("--requests", type=int, default=40, help="one-client sample per page")
    parser.add_argument("--budget", type=float, default=60,
                        help="seconds per page after which one client stops at 3+ samples")
    parser.add_argument("--timeout", type=float, default=60,
                        help="seconds a request may take before its page is reported a timeout")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per run")
    parser.add_argument("--no-browser", dest="browser", action="store_false")
    parser.add_argument("--no-wrk", dest="wrk", action="store_false")
    parser.add_argument("--zone-url", help="measure this generated database instead of "
                        "generating the zone (kept; the tick writes one answer)")
    parser.add_argument("--city-url", help="the same for the city (implies --city)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the generated databases (their URLs are printed) for --*-url")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    for name in ("zone_url", "city_url"):
        value = getattr(args, name)
        if value and value.startswith("postgresql://"):
            setattr(args, name, value.replace("postgresql://", "postgresql+psycopg://", 1))
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="inspect-bench-"))
    scales = [Scale("zone", args.sites, args.hazards, tmp, args)]
    if args.city or args.city_url:
        scales.append(Scale("city", *CITY, tmp, args))
    results = [s.result for s in scales]
    try:
        measure(scales, args)
    except KeyboardInterrupt:
        print("interrupted: the table shows what was measured", file=sys.stderr)
        results[-1].setdefault("errors", []).append("interrupted")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        out = Path(os.environ.get("BENCH_JSON") or ROOT / "bench" / "results.json")
        secs = report.sections(results)
        total = round(time.monotonic() - started)
        summary = {"total_s": total, "growth": report.growth(*results) if len(results) == 2
                   and all((r.get("ids") or {}).get("rows") for r in results) else None}
        out.write_text(json.dumps({"results": results, **summary}, indent=1,
                                  ensure_ascii=False) + "\n")
        out.with_suffix(".md").write_text(report.render_markdown(secs))
        print(report.render_markdown(secs) if args.markdown else report.render_text(secs))
        for r in results:
            if r.get("kept_url"):
                print(f"kept: --{r['scale']}-url {r['kept_url']}")
        print(f"\n(total {total // 60} min {total % 60} s; JSON: {out}, Markdown: "
              f"{out.with_suffix('.md')})")


if __name__ == "__main__":
    main()
