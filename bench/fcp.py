"""The checklist's first-visit FCP beside the floor page's, over many rounds (run by hand).

`bench/run.py` measures it in 5 rounds among everything else; this measures that one ratio
alone, as `bench/run.py`'s browser() does (slow 4G: 150 ms, 1.6/0.75 Mbps, CPU 4x, a phone
viewport, a fresh context per visit), on a small generated SQLite zone served by gunicorn as
`make run` starts it. Each round visits the floor and the checklist, in turn first, so a
machine shared with other work slows both alike: compare the ratio, never the times.

    .venv/bin/python bench/fcp.py [--rounds 15] [--lang zh|en] [--trace DIR]

--trace DIR then traces each page's first visit --trace-rounds times (Chromium traces, for
ui.perfetto.dev) and prints the renderer main thread's CPU time (thread time, which another
process's load hardly changes) from the navigation's commit to the first contentful paint.
--extra NAME=PATH measures another page beside them; --prepare CMD runs a command against the
server first (environment: BASE, COOKIE, CHECKLIST), e.g. to save pages the --extra's serve.
"""

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import CHROMIUM, Server, _median, build, login, phone  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
CATEGORIES = ("devtools.timeline,disabled-by-default-devtools.timeline,blink,loading,"
              "disabled-by-default-devtools.timeline.frame,toplevel,v8.execute,blink.user_timing")


def first_visit(browser, base: str, path: str, cookie: str, lang: str, trace: Path | None = None):
    """FCP, first and last byte (ms) of one first visit in a fresh context, as bench/run.py's
    _browser_round."""
    ctx, page = phone(browser, base, cookie, "zh-CN" if lang == "zh" else "en-US")
    if trace:
        browser.start_tracing(page=page, path=str(trace), categories=CATEGORIES.split(","))
    page.goto(base + path, wait_until="load")
    page.wait_for_timeout(300)
    if trace:
        browser.stop_tracing()
    got = page.evaluate("""() => {
        const p = performance.getEntriesByName('first-contentful-paint')[0];
        const n = performance.getEntriesByType('navigation')[0];
        return {fcp: p ? p.startTime : null, response: n.responseStart, end: n.responseEnd}; }""")
    ctx.close()
    return got


def main_thread_cpu(path: Path) -> float:
    """The renderer main thread's CPU time (ms) from the commit to the FCP, in a trace."""
    with path.open() as f:
        events = json.load(f)["traceEvents"]
    fcp = [e for e in events if e.get("name") == "firstContentfulPaint"][-1]
    main = next(e["tid"] for e in events if e.get("name") == "thread_name"
                and e["pid"] == fcp["pid"] and e["args"]["name"] == "CrRendererMain")
    ours = [e for e in events if e["pid"] == fcp["pid"] and e.get("tid") == main
            and e.get("ph") == "X"]
    commit = max(e["ts"] for e in ours if e["name"] == "DocumentLoader::CommitNavigation")
    return sum(e.get("tdur", 0) for e in ours if e["name"] == "ThreadControllerImpl::RunTask"
               and commit <= e["ts"] <= fcp["ts"]) / 1000


def measure(base: str, cookie: str, checklist: str, rounds: int, lang: str,
            trace_dir: Path | None, extra: dict | None = None, trace_rounds: int = 6) -> None:
    from playwright.sync_api import sync_playwright

    pages = {"floor": "/bench/floor.html", "checklist": checklist, **(extra or {})}
    fcp: dict[str, list] = {k: [] for k in pages}
    after: dict[str, list] = {k: [] for k in pages}  # FCP after the first byte
    ratios = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for n in range(rounds):
            names = list(pages)
            order = names[n % len(names):] + names[:n % len(names)]
            got = {label: first_visit(browser, base, pages[label], cookie, lang)
                   for label in order}
            for label, t in got.items():
                fcp[label].append(t["fcp"])
                after[label].append(t["fcp"] - t["response"])
            ratios.append(got["checklist"]["fcp"] / got["floor"]["fcp"])
            print(f"round {n + 1:2}: " + "  ".join(
                f"{label} {t['fcp']:4.0f} (first byte {t['response']:3.0f}, last "
                f"{t['end']:3.0f})" for label, t in sorted(got.items(), reverse=True))
                + f"  ratio {ratios[-1]:.2f}", file=sys.stderr)
        cpu: dict[str, list] = {k: [] for k in pages}
        for n in range(trace_rounds if trace_dir else 0):
            trace_dir.mkdir(parents=True, exist_ok=True)
            for label in (list(pages) if n % 2 == 0 else list(pages)[::-1]):
                trace = trace_dir / f"{label}-{n + 1}.json"
                first_visit(browser, base, pages[label], cookie, lang, trace)
                cpu[label].append(main_thread_cpu(trace))
        browser.close()
    for label, ms in cpu.items():
        if ms:
            print(f"{label}: main thread CPU from commit to FCP, median of {len(ms)} traces: "
                  f"{_median(ms):.1f} ms")
    if not rounds:
        return
    f, c = _median(fcp["floor"]), _median(fcp["checklist"])
    for label in extra or ():
        paired = _median([p / q for p, q in zip(fcp[label], fcp["floor"], strict=True)])
        print(f"{label}: median {_median(fcp[label]):.0f} ms, ratio of medians "
              f"{_median(fcp[label]) / f:.2f}, median of round ratios {paired:.2f}")
    print(f"{rounds} rounds, {lang}: floor median {f:.0f} ms, checklist median {c:.0f} ms, "
          f"ratio of medians {c / f:.2f}, median of round ratios {_median(ratios):.2f}; FCP after "
          f"the first byte: floor {_median(after['floor']):.0f} ms, checklist "
          f"{_median(after['checklist']):.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--lang", choices=("zh", "en"), default="zh")
    ap.add_argument("--sites", type=int, default=200)
    ap.add_argument("--hazards", type=int, default=2000)
    ap.add_argument("--trace", type=Path)
    ap.add_argument("--trace-rounds", type=int, default=6)
    ap.add_argument("--extra", action="append", default=[], help="NAME=PATH, measured too")
    ap.add_argument("--prepare", help="a command run first (env BASE, COOKIE, CHECKLIST)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'fcp.db'}"
        ids = build(url, args.sites, args.hazards, str(Path(tmp) / "uploads"))
        server = Server(url, str(Path(tmp) / "uploads"))
        try:
            cookie, _token = login(server, "bench-inspector")
            if args.lang == "en":
                cookie = _english(server, cookie)
            print(f"serving {server.base}/inspections/{ids['inspection']}", file=sys.stderr)
            checklist = f"/inspections/{ids['inspection']}"
            if args.prepare:
                subprocess.run(args.prepare, shell=True, check=True, env={
                    **os.environ, "BASE": server.base, "COOKIE": cookie, "CHECKLIST": checklist})
            measure(server.base, cookie, checklist, args.rounds, args.lang, args.trace,
                    dict(e.split("=", 1) for e in args.extra), args.trace_rounds)
        finally:
            server.stop()


def _english(server, cookie: str) -> str:
    """The session switched to English, as the footer's button does."""
    _status, page, _h = server.get("/", {"Cookie": cookie})
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
    conn.request("POST", "/lang/en", body=urllib.parse.urlencode(
        {"csrf_token": token, "next": "/"}), headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    set_cookie = resp.getheader("Set-Cookie")
    return set_cookie.split(";")[0] if set_cookie else cookie


if __name__ == "__main__":
    main()
