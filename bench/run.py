"""`make bench`: every figure beside a floor measured on the same server in the same run.

Generates a zone (2,000 sites, 100,000 hazards, 1,000,000 answers; `--city`: also 50,000 /
2,000,000 / 20,000,000) with `flask demo generate`'s SQL, serves it with gunicorn as `make run`
does (workers = cores, 4 threads, bound to 127.0.0.1) plus the floor routes (BENCH_FLOOR=1:
a bare route, and a static page carrying the vendored htmx), and measures:

- bytes of the field pages and of one tick as a phone receives them (compressed), beside the
  floor page;
- under 50 connections (wrk, 10 s each, page and floor alternated): throughput and p95 of scan,
  site, checklist, tick, queue and login, as ratios to the bare route;
- one client (keep-alive, page and floor requests alternated): p50/p95 of every page, and its
  p95 as a ratio to the bare route's;
- FCP and load of the checklist page in Chromium under emulated slow 4G (150 ms, 1.6/0.75 Mbps,
  CPU 4x), first and repeat visit, beside the floor page under the same emulation;
- with `--city`: the same one-client figures at city scale, and the growth exponent from 100k
  to 2M hazards of the queue, the major dashboard and each ledger's first page.

The database is SQLite in a temporary folder unless BENCH_DATABASE_URL names a PostgreSQL
server (a database `inspect_bench_<scale>` is created there and dropped after). Prints one table
and writes bench/results.json (BENCH_JSON for another path). Options: --sites/--hazards for
another zone, --requests N for the one-client sample size, --no-browser, --no-wrk.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench1234"
CHROMIUM = "/usr/bin/chromium"
ZONE = (2000, 100_000)
CITY = (50_000, 2_000_000)


# Database and data ----------------------------------------------------------------------------

def database_url(scale: str, tmp: Path) -> str:
    base = os.environ.get("BENCH_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp / f'bench-{scale}.db'}"
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
    from sqlalchemy import select

    from inspect_app import create_app
    from inspect_app.auth.models import User
    from inspect_app.checklists.loader import load_all
    from inspect_app.checklists.service import templates_for
    from inspect_app.extensions import db
    from inspect_app.generate import generate
    from inspect_app.inspections import service as inspections
    from inspect_app.sites.models import Site, grid_inspectors

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "UPLOAD_DIR": upload_dir})
    with app.app_context():
        db.create_all()
        load_all()
        started = time.monotonic()
        made = generate(sites, hazards)
        seconds = time.monotonic() - started
        inspector = db.session.scalar(select(User).where(User.username == "bench-inspector"))
        mine = select(grid_inspectors.c.grid_id).where(grid_inspectors.c.user_id == inspector.id)
        site = next(s for s in db.session.scalars(
            select(Site).where(Site.grid_id.in_(mine)).order_by(Site.id).limit(50))
            if templates_for(s, inspector))
        tpl = templates_for(site, inspector)[0]
        run = inspections.start(inspector, site, tpl.id, True)
        items = run.items
        # A checklist half done, as an inspector sees it mid-visit.
        from inspect_app.inspections.models import Result
        for item in items[: len(items) // 2]:
            inspections.record_answer(inspector, run, item.id, Result.PASS, "")
        ids = {"site": site.id, "token": site.qr_token, "inspection": run.id,
               "item": items[-1].id, "generate_s": round(seconds, 1),
               "rows": {"sites": made.sites, "hazards": made.hazards, "answers": made.answers}}
        db.session.commit()
    return ids


# Server ---------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn as `make run` starts it (its default workers: the cores), on 127.0.0.1."""

    def __init__(self, url: str, upload_dir: str):
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "UPLOAD_DIR": upload_dir,
               "SECRET_KEY": "bench", "BENCH_FLOOR": "1"}
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "--config",
             str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
             "--control-socket", str(Path(upload_dir).parent / f"gunicorn-{port}.ctl"),
             "inspect_app:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        self.host, self.port = "127.0.0.1", port
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                self.get("/bench/floor")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def get(self, path: str, headers=None) -> tuple[int, bytes, dict]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return resp.status, body, dict(resp.getheaders())

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(30)


def login(server: Server, username: str) -> tuple[str, str]:
    """A session cookie and its CSRF token for `username`."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
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
    cookie = resp.getheader("Set-Cookie").split(";")[0]
    conn.request("GET", "/", headers={"Cookie": cookie})
    resp = conn.getresponse()
    page = resp.read().decode()
    if resp.getheader("Set-Cookie"):  # the session now holds its CSRF secret
        cookie = resp.getheader("Set-Cookie").split(";")[0]
    conn.close()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    token = token.group(1) if token else ""
    meta = re.search(r'name="csrf-token" content="([^"]+)"', page)
    return cookie, (meta.group(1) if meta else token)


# Measuring ------------------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def one_client(server: Server, path: str, headers: dict, n: int, method="GET", body=None):
    """p50/p95 (ms) of `path` and of the bare route, requests alternated on one keep-alive
    connection each."""
    page_conn = http.client.HTTPConnection(server.host, server.port, timeout=300)
    floor_conn = http.client.HTTPConnection(server.host, server.port, timeout=300)
    page_t, floor_t = [], []
    for i in range(n + 2):
        for conn, target, out, m, b, h in ((floor_conn, "/bench/floor", floor_t, "GET", None, {}),
                                            (page_conn, path, page_t, method, body, headers)):
            t = time.perf_counter()
            conn.request(m, target, body=b, headers=h)
            resp = conn.getresponse()
            got = resp.read()
            if resp.status >= 400:
                raise RuntimeError(f"{target}: {resp.status} {got[:300]!r}")
            if i >= 2:  # the first two warm each connection and cache
                out.append(time.perf_counter() - t)
    page_conn.close()
    floor_conn.close()
    return {"p50": pct(page_t, 50), "p95": pct(page_t, 95), "floor_p50": pct(floor_t, 50),
            "floor_p95": pct(floor_t, 95), "ratio_p95": pct(page_t, 95) / pct(floor_t, 95)}


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
                         env={**os.environ, "WRK_METHOD": method, "WRK_BODY": body}).stdout
    line = next(x for x in out.splitlines() if x.startswith("JSON "))
    return json.loads(line[5:])


def wire_bytes(server: Server, path: str, headers: dict) -> int:
    status, body, _ = server.get(path, {**headers, "Accept-Encoding": "br, gzip"})
    return len(body)


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


def _browser_round(server: Server, cookie: str, checklist: str) -> dict:
    from playwright.sync_api import sync_playwright

    name, value = cookie.split("=", 1)
    out = {}
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                               args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        for label, path in (("floor", "/bench/floor.html"), ("checklist", checklist)):
            ctx = b.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                has_touch=True, locale="zh-CN")
            ctx.add_cookies([{"name": name, "value": value, "url": server.base}])
            page = ctx.new_page()
            cdp = ctx.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", {
                "offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8,
                "uploadThroughput": 0.75e6 / 8})
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
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
        "site": ("inspector", f"/sites/{ids['site']}"),
        "checklist": ("inspector", f"/inspections/{ids['inspection']}"),
        "queue": ("supervisor", "/hazards/"),
        "major dashboard": ("supervisor", "/ledgers/major"),
        "rectification ledger": ("supervisor", "/ledgers/rectification"),
        "inspections ledger": ("supervisor", "/ledgers/inspections"),
        "hazards ledger": ("supervisor", "/ledgers/hazards"),
        "responsibility ledger": ("supervisor", "/ledgers/responsibility"),
    }


def measure_scale(scale: str, sites: int, hazards: int, tmp: Path, args) -> dict:
    url = database_url(scale, tmp)
    uploads = str(tmp / f"uploads-{scale}")
    print(f"[{scale}] generating {sites} sites, {hazards} hazards…", file=sys.stderr)
    ids = build(url, sites, hazards, uploads)
    print(f"[{scale}] generated in {ids['generate_s']} s; serving", file=sys.stderr)
    server = Server(url, uploads)
    result: dict = {"scale": scale, "database": url.split(":")[0], "ids": ids}
    try:
        who = {"inspector": login(server, "bench-inspector"),
               "supervisor": login(server, "bench-supervisor")}
        cookie = {k: {"Cookie": c} for k, (c, _t) in who.items()}
        token = who["inspector"][1]
        tick_path = f"/inspections/{ids['inspection']}/items/{ids['item']}"
        tick_headers = {**cookie["inspector"], "X-CSRFToken": token, "HX-Request": "true",
                        "Content-Type": "application/x-www-form-urlencoded"}
        result["one_client"] = {}
        for name, (user, path) in pages(ids).items():
            print(f"[{scale}] one client: {name}", file=sys.stderr)
            result["one_client"][name] = one_client(server, path, cookie[user], args.requests)
        result["one_client"]["tick"] = one_client(server, tick_path, tick_headers, args.requests,
                                                  "POST", "result=pass")
        if scale != "zone":
            return result
        field = {"scan": f"/s/{ids['token']}", "site": f"/sites/{ids['site']}",
                 "checklist": f"/inspections/{ids['inspection']}", "queue": "/hazards/"}
        result["bytes"] = {name: wire_bytes(server, path, cookie["inspector"])
                           for name, path in field.items()}
        conn = http.client.HTTPConnection(server.host, server.port)
        conn.request("POST", tick_path, body="result=fail&note=x",
                     headers={**tick_headers, "Accept-Encoding": "br, gzip"})
        resp = conn.getresponse()
        result["bytes"]["tick"] = len(resp.read()) + len("result=fail&note=x")
        conn.close()
        result["bytes"]["floor page"] = wire_bytes(server, "/bench/floor.html", {})
        result["bytes"]["floor page + htmx"] = result["bytes"]["floor page"] + wire_bytes(
            server, "/static/vendor/htmx-2.0.11.min.js", {})
        if args.wrk and shutil.which("wrk"):
            lua = tmp / "bench.lua"
            lua.write_text(WRK_LUA)
            result["wrk"] = {}
            loads = {"scan": (f"/s/{ids['token']}", cookie["inspector"], "GET", ""),
                     "site": (f"/sites/{ids['site']}", cookie["inspector"], "GET", ""),
                     "checklist": (f"/inspections/{ids['inspection']}", cookie["inspector"],
                                   "GET", ""),
                     "tick": (tick_path, tick_headers, "POST", "result=pass"),
                     "queue": ("/hazards/", cookie["inspector"], "GET", ""),
                     "login": ("/auth/login", {}, "GET", "")}
            for name, (path, headers, method, body) in loads.items():
                print(f"[{scale}] wrk: {name}", file=sys.stderr)
                time.sleep(2)  # let the last run's queued requests drain
                floor = wrk(server, "/bench/floor", {}, args.seconds, lua)
                time.sleep(2)
                got = wrk(server, path, headers, args.seconds, lua, method, body)
                result["wrk"][name] = {**got, "floor_rps": floor["rps"],
                                       "floor_p95_ms": floor["p95_ms"],
                                       "ratio_rps": got["rps"] / (floor["rps"] or math.nan),
                                       "ratio_p95": got["p95_ms"] / (floor["p95_ms"] or math.nan)}
        elif args.wrk:
            result["wrk"] = "wrk not installed (apt-get install -y wrk)"
        if args.browser and Path(CHROMIUM).exists():
            print(f"[{scale}] browser", file=sys.stderr)
            result["browser"] = browser(server, who["inspector"][0],
                                        f"/inspections/{ids['inspection']}")
    finally:
        server.stop()
        drop_database(url)
    return result


def table(results: list[dict]) -> str:
    lines = []
    for r in results:
        lines.append(f"\n== {r['scale']} ({r['database']}; {r['ids']['rows']['sites']} sites, "
                     f"{r['ids']['rows']['hazards']} hazards, {r['ids']['rows']['answers']} "
                     f"answers; generated in {r['ids']['generate_s']} s)")
        lines.append(f"{'one client':<24}{'p50 ms':>9}{'p95 ms':>9}{'floor p95':>11}{'× floor':>9}")
        for name, f in r["one_client"].items():
            lines.append(f"{name:<24}{f['p50']:>9.1f}{f['p95']:>9.1f}{f['floor_p95']:>11.1f}"
                         f"{f['ratio_p95']:>9.1f}")
        if isinstance(r.get("wrk"), dict):
            lines.append(f"{'50 connections (wrk)':<24}{'req/s':>9}{'floor':>9}{'× floor':>9}"
                         f"{'p95 ms':>9}{'floor':>9}{'× floor':>9}")
            for name, w in r["wrk"].items():
                lines.append(f"{name:<24}{w['rps']:>9.0f}{w['floor_rps']:>9.0f}"
                             f"{w['ratio_rps']:>9.3f}{w['p95_ms']:>9.1f}{w['floor_p95_ms']:>9.1f}"
                             f"{w['ratio_p95']:>9.1f}")
        elif r.get("wrk"):
            lines.append(f"wrk: {r['wrk']}")
        if r.get("bytes"):
            floor = r["bytes"]["floor page + htmx"]
            lines.append(f"{'bytes on the wire':<24}{'bytes':>9}{'× floor page+htmx':>20}")
            for name, n in r["bytes"].items():
                lines.append(f"{name:<24}{n:>9}{n / floor:>20.2f}")
        if r.get("browser"):
            b = r["browser"]
            lines.append(f"{'slow 4G, CPU 4x':<24}{'FCP ms':>9}{'load ms':>9}{'FCP × floor':>13}")
            for visit in ("first", "repeat"):
                for label in ("floor", "checklist"):
                    m = b[f"{label}_{visit}"]
                    ratio = b[f"ratio_fcp_{visit}"] if label == "checklist" else 1
                    lines.append(f"{label + ' ' + visit:<24}{m['fcp'] or 0:>9.0f}"
                                 f"{m['load'] or 0:>9.0f}{ratio or 0:>13.2f}")
    if len(results) == 2:
        zone, city = results
        lines.append("\n== growth exponent, one-client p95, "
                     f"{zone['ids']['rows']['hazards']} → {city['ids']['rows']['hazards']} hazards")
        span = math.log(city["ids"]["rows"]["hazards"] / zone["ids"]["rows"]["hazards"])
        for name in ("queue", "major dashboard", "rectification ledger", "inspections ledger",
                     "hazards ledger", "responsibility ledger"):
            a, c = zone["one_client"][name]["p95"], city["one_client"][name]["p95"]
            lines.append(f"{name:<24}{math.log(c / a) / span:>9.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--city", action="store_true", help="also measure at city scale")
    parser.add_argument("--sites", type=int, default=ZONE[0])
    parser.add_argument("--hazards", type=int, default=ZONE[1])
    parser.add_argument("--requests", type=int, default=40, help="one-client sample per page")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per run")
    parser.add_argument("--no-browser", dest="browser", action="store_false")
    parser.add_argument("--no-wrk", dest="wrk", action="store_false")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="inspect-bench-"))
    try:
        results = [measure_scale("zone", args.sites, args.hazards, tmp, args)]
        if args.city:
            results.append(measure_scale("city", *CITY, tmp, args))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out = Path(os.environ.get("BENCH_JSON") or ROOT / "bench" / "results.json")
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(table(results))
    print(f"\n(JSON: {out})")


if __name__ == "__main__":
    main()
