"""The frame: what every request pays before and after its page's own work, measured in process.

Calls the WSGI app directly (no server, no network to the client) on a database given as the
first argument (a copy of the bench zone: its bench-inspector, bench1234), alternating the floor
route (BENCH_FLOOR=1's bare route) with each page, and prints per page the median wall time and
CPU time of a whole WSGI call, minus the floor's in the same loop, what it sent to the
database: statements (before_cursor_execute) and round trips (libpq's protocol trace: each
Query or Sync waits for the server; ping, BEGIN, statements, COMMIT/ROLLBACK), and the mean CPU
time of the PostgreSQL backends serving the database (their /proc schedstat, when the server
runs on this machine).

    .venv/bin/python bench/frame.py postgresql://postgres@127.0.0.1:5432/NAME_zone [--rounds N]
        [--profile PAGE] [--only PAGE]

`--profile PAGE` prints a cProfile of that page's calls (cumulative), `--only PAGE` loops that
page alone (for `valgrind --tool=callgrind`, with --rounds).
"""

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench1234"


def make_app(url: str):
    os.environ.update({"DATABASE_URL": url, "SECRET_KEY": "bench", "BENCH_FLOOR": "1",
                       "UPLOAD_DIR": "/tmp/frame-uploads"})
    from inspect_app import create_app
    return create_app()


def login(app, username: str) -> tuple[str, str]:
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "frame"  # as the pages are asked (session protection)
    page = client.get("/auth/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/auth/login", data={"login": username, "password": PASSWORD,
                                            "csrf_token": token})
    assert resp.status_code == 302, resp.status_code
    home = client.get("/").text  # the session now holds its CSRF secret
    csrf = (re.search(r'name="csrf-token" content="([^"]+)"', home)
            or re.search(r'name="csrf_token" value="([^"]+)"', home)).group(1)
    cookie = client.get_cookie("session")
    return f"session={cookie.value}", csrf


def environ_for(app, path: str, cookie: str | None, data: str | None = None,
                csrf: str | None = None):
    """A GET of `path`, or with `data` a POST of it as an htmx form (the tick)."""
    from werkzeug.test import EnvironBuilder
    headers = {"Accept-Encoding": "br, gzip", "User-Agent": "frame",
               "Accept": "text/html"}
    if cookie:
        headers["Cookie"] = cookie
    if data is not None:
        headers.update({"HX-Request": "true", "X-CSRFToken": csrf,
                        "Origin": "http://127.0.0.1:8000"})
    builder = EnvironBuilder(path=path, headers=headers, base_url="http://127.0.0.1:8000",
                             environ_base={"REMOTE_ADDR": "127.0.0.1"},
                             method="POST" if data is not None else "GET",
                             data=data, content_type="application/x-www-form-urlencoded"
                             if data is not None else None)
    environ = builder.get_environ()
    environ["frame.body"] = data.encode() if data is not None else b""
    return environ


def call(app, environ) -> tuple[str, bytes]:
    got = {}

    def start_response(status, headers, exc_info=None):
        got["status"] = status
        return lambda data: None

    env = dict(environ)
    env["wsgi.input"] = io.BytesIO(environ["frame.body"])
    body = app(env, start_response)
    try:
        data = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return got["status"], data


def server_processes(database: str | None) -> list[Path]:
    """The schedstat files of the PostgreSQL backends serving `database` (on this machine, and
    only this process should be connected to it): their CPU time is the server's cost of a page
    (parsing, planning, running its statements, and each round trip's wake-up)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            found.append(proc / "schedstat")
    return found


def server_ns(files: list[Path]) -> int:
    total = 0
    for f in files:
        with contextlib.suppress(OSError):  # a backend that has gone
            total += int(f.read_text().split()[0])  # ns on a CPU
    return total


def pages(ids: dict) -> dict:
    return {
        "floor": ("/bench/floor", None),
        "user": ("/bench/floor-user", "inspector"),  # the bare route, logged in
        "login": ("/auth/login", None),
        "scan": (f"/s/{ids['token']}", "inspector"),
        "scanner": ("/scan", "inspector"),
        "site": (f"/sites/{ids['site']}", "inspector"),
        "checklist": (f"/inspections/{ids['inspection']}", "inspector"),
        "queue": ("/hazards/", "inspector"),
        "home_i": ("/", "inspector"),
        "home_s": ("/", "supervisor"),
        "major": ("/ledgers/major", "supervisor"),
        "rect": ("/ledgers/rectification", "supervisor"),
        "insp": ("/ledgers/inspections", "supervisor"),
        "haz": ("/ledgers/hazards", "supervisor"),
        "resp": ("/ledgers/responsibility", "supervisor"),
        # the same answer each time: a resend, as wrk's ticks (nothing written, nothing committed)
        "tick": (f"/inspections/{ids['inspection']}/items/{ids['item']}", "inspector",
                 "result=pass"),
    }


class Timer:
    """Inclusive time spent in wrapped callables (the outermost call of each, per thread)."""

    def __init__(self):
        self.wall: dict[str, int] = {}
        self.cpu: dict[str, int] = {}
        self.active: set[str] = set()

    def wrap(self, name, fn):
        def timed(*a, **kw):
            if name in self.active:
                return fn(*a, **kw)
            self.active.add(name)
            t, c = time.perf_counter_ns(), time.thread_time_ns()
            try:
                return fn(*a, **kw)
            finally:
                self.cpu[name] = self.cpu.get(name, 0) + time.thread_time_ns() - c
                self.wall[name] = self.wall.get(name, 0) + time.perf_counter_ns() - t
                self.active.discard(name)
        return timed


def parts(app, env, floor_env, rounds: int) -> None:
    """Per request, the wall and CPU ms of each part of the frame (inclusive of what it calls)."""
    import flask.templating
    import flask_login.login_manager as lm
    import flask_wtf.csrf
    import jinja2
    from sqlalchemy import event

    from inspect_app.extensions import db
    timer = Timer()
    w = timer.wrap
    si = app.session_interface
    si.open_session = w("session open (cookie decode)", si.open_session)
    si.save_session = w("session save", si.save_session)
    lm.LoginManager._load_user = w("user load (pool+ping+select)", lm.LoginManager._load_user)
    app.update_template_context = w("context processors", app.update_template_context)
    for funcs in app.template_context_processors.values():
        funcs[:] = [w(f"  ctx {getattr(f, '__qualname__', f)}", f) for f in funcs]
    jinja2.Template.render = w("template render", jinja2.Template.render)
    flask_wtf.csrf.generate_csrf = w("csrf token", flask_wtf.csrf.generate_csrf)
    for funcs in app.before_request_funcs.values():
        funcs[:] = [w(f"before {getattr(f, '__qualname__', f)}", f) for f in funcs]
    for funcs in app.after_request_funcs.values():
        funcs[:] = [w(f"after {getattr(f, '__qualname__', f)}", f) for f in funcs]
    app.teardown_appcontext_funcs[:] = [w("teardown (rollback, pool return)", f)
                                        for f in app.teardown_appcontext_funcs]
    app.dispatch_request = w("view (dispatch_request)", app.dispatch_request)
    app.full_dispatch_request = w("full_dispatch_request", app.full_dispatch_request)
    with app.app_context():
        engine = db.engine
    pool = engine.pool
    pool.connect = w("pool checkout (pre-ping)", pool.connect)
    wsgi = w("whole WSGI call", app.wsgi_app)
    del flask.templating
    for _ in range(20):
        call(app, env)
    timer.wall.clear(), timer.cpu.clear()
    floor_cpu = []
    for _ in range(rounds):
        if floor_env is not None:
            c = time.thread_time_ns()
            call(app, floor_env)
            floor_cpu.append(time.thread_time_ns() - c)
        env2 = dict(env)
        env2["wsgi.input"] = io.BytesIO(env["frame.body"])
        body = wsgi(env2, lambda s, h, e=None: None)
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
    print(f"{'part (per request, inclusive)':40} {'wall ms':>8} {'cpu ms':>8}")
    for name in timer.wall:
        print(f"{name[:40]:40} {timer.wall[name] / rounds / 1e6:8.3f} "
              f"{timer.cpu[name] / rounds / 1e6:8.3f}")
    if floor_cpu:
        print(f"{'floor route, whole call (median)':40} {'':8} "
              f"{statistics.median(floor_cpu) / 1e6:8.3f}")
    del event


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--profile")
    parser.add_argument("--only")
    parser.add_argument("--go", help="with --only: a file to wait for before the loop")
    parser.add_argument("--parts", help="time the frame's parts of this page (inclusive)")
    parser.add_argument("--pages", default="floor,user,login,scan,scanner,site,checklist,queue,"
                        "tick")
    args = parser.parse_args()
    app = make_app(args.url)
    from sqlalchemy import event, text

    from inspect_app.extensions import db
    with app.app_context():
        conn = db.session.connection()
        token = conn.execute(text("SELECT qr_token, id FROM sites ORDER BY id LIMIT 1")).first()
        inspection = conn.execute(text(
            "SELECT i.id FROM inspections i JOIN users u ON u.id = i.inspector_id "
            "WHERE u.username = 'bench-inspector' ORDER BY i.id DESC LIMIT 1")).scalar()
        db.session.remove()
    ids = {"token": token[0], "site": token[1], "inspection": inspection}
    cookies = {"inspector": login(app, "bench-inspector"),
               "supervisor": login(app, "bench-supervisor"), None: (None, None)}
    # The tick posts the checklist's last item (bench/run.py ticks one item the same way).
    checklist = environ_for(app, pages({**ids, "item": 0})["checklist"][0], cookies["inspector"][0])
    env = dict(checklist, HTTP_ACCEPT_ENCODING="identity")
    html = call(app, env)[1].decode()
    ids["item"] = re.findall(rf"/inspections/{inspection}/items/(\d+)", html)[-1]
    table = pages(ids)
    names = args.pages.split(",")
    envs = {n: environ_for(app, table[n][0], *cookies[table[n][1]][:1],
                           *(table[n][2:3]), *([cookies[table[n][1]][1]] if table[n][2:] else []))
            for n in names}
    for n in names:  # warm, and check each answers
        status, body = call(app, envs[n])
        assert status[:1] in "23", (n, status, body[:300])

    if args.only:
        import operator
        env = envs[args.only]
        for _ in range(20):
            call(app, env)
        if args.go:  # under valgrind: wait until instrumentation is switched on
            # A request takes ~50 times longer there: the memos' few seconds would expire
            # every few requests, which a live server under load sees far less often.
            from inspect_app import memo
            for m in memo._all:
                m.seconds = 1e9
            Path(args.go + ".ready").write_text(str(os.getpid()))
            while not Path(args.go).exists():
                time.sleep(0.2)
        for _ in range(args.rounds):
            # Instructions are counted inside operator.call only:
            # valgrind --tool=callgrind --instr-atstart=no --toggle-collect=_operator_call
            operator.call(call, app, env)
        return

    with app.app_context():
        engine = db.engine
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    statements, trips = {}, {}
    trace = Path(f"/tmp/frame-libpq-{os.getpid()}.trace") if engine.dialect.name == "postgresql" \
        else None
    if trace is not None:
        # Round trips: each Query or Sync libpq sends waits for the server's ReadyForQuery.
        # Every connection the pool makes from now on writes its protocol trace to one file.
        traced = open(trace, "w")  # noqa: SIM115 - open for the whole run
        event.listen(engine, "connect", lambda dbapi, rec: dbapi.pgconn.trace(traced.fileno()))
        engine.dispose()
        for n in names:
            call(app, envs[n])  # connected anew, so warmed again (prepared statements too)
    for n in names:
        for _ in range(6 if trace is not None else 1):  # past psycopg's prepare_threshold
            seen.clear()
            start = trace.stat().st_size if trace is not None else 0
            call(app, envs[n])
        statements[n] = list(seen)
        if trace is not None:
            traced.flush()
            with open(trace) as f:
                f.seek(start)
                sent = [line.rstrip("\n").split("\t") for line in f if "\tF\t" in line]
            trips[n], what = [], ""
            for part in sent:  # a Sync ends the Parse/Bind/Execute before it
                kind, rest = part[3], " ".join(part[4:]).strip()
                if kind in ("Query", "Parse") or (kind == "Bind" and not what):
                    what = f"{kind} {rest}"[:60]
                if kind in ("Query", "Sync"):
                    trips[n].append(what)
                    what = ""
    if trace is not None:
        traced.close()
        trace.unlink()

    if args.parts:
        parts(app, envs[args.parts], envs.get("floor"), args.rounds)
        return

    if args.profile:
        prof = cProfile.Profile()
        env = envs[args.profile]
        prof.enable()
        for _ in range(args.rounds):
            call(app, env)
        prof.disable()
        stats = pstats.Stats(prof)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        return

    wall = {n: [] for n in names}
    cpu = {n: [] for n in names}
    server = dict.fromkeys(names, 0)
    backends = server_processes(engine.url.database)
    for _ in range(args.rounds):
        for n in names:
            s0 = server_ns(backends)
            t, c = time.perf_counter_ns(), time.thread_time_ns()
            call(app, envs[n])
            cpu[n].append(time.thread_time_ns() - c)
            wall[n].append(time.perf_counter_ns() - t)
            server[n] += server_ns(backends) - s0
    fw = statistics.median(wall["floor"]) / 1e6 if "floor" in names else 0
    fc = statistics.median(cpu["floor"]) / 1e6 if "floor" in names else 0
    print(f"{'page':10} {'wall ms':>8} {'-floor':>7} {'cpu ms':>7} {'-floor':>7} statements"
          " round-trips server-cpu-ms")
    for n in names:
        w, c = statistics.median(wall[n]) / 1e6, statistics.median(cpu[n]) / 1e6
        print(f"{n:10} {w:8.3f} {w - fw:7.3f} {c:7.3f} {c - fc:7.3f} {len(statements[n]):10}"
              f" {len(trips.get(n, [])):11} {server[n] / args.rounds / 1e6:13.3f}")
    for n in names:
        for s in statements[n]:
            print(f"  {n}: {' '.join(s.split())[:110]}")
        if trips.get(n):
            print(f"  {n} round trips: {' | '.join(trips[n])}")


if __name__ == "__main__":
    main()
