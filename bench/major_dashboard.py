"""What the major-hazard dashboard costs a zone-wide supervisor, from the summary and counted live
(what the page did before ledgers/summary.py), on an existing generated database (BENCH_URL,
e.g. a copy of a `make bench` zone; the summary's table is created there if missing). In one
process with the test client, memos off (every request as the first one), page, live page and
the bare floor route alternated: median and p95 of wall time and median CPU per request, and
the statements of one request. Figures only: no assertions.

    BENCH_URL=postgresql+psycopg://postgres@127.0.0.1:5432/my_zone .venv/bin/python bench/major_dashboard.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, select  # noqa: E402

from inspect_app import create_app  # noqa: E402
from inspect_app.extensions import db  # noqa: E402


def main() -> None:
    url = os.environ["BENCH_URL"]
    runs = int(os.environ.get("BENCH_RUNS", 20))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "BENCH_FLOOR": True, "FIGURE_MEMOS": False})
    from inspect_app.auth.models import User
    from inspect_app.ledgers import summary
    from inspect_app.models import MajorSummary, MajorSummaryRow
    with app.app_context():
        db.metadata.create_all(db.engine, tables=[MajorSummary.__table__,
                                                  MajorSummaryRow.__table__])
        start = time.perf_counter()
        summary.refresh()
        count_ms = (time.perf_counter() - start) * 1000
        user_id = db.session.scalar(select(User.id).where(User.username == "bench-supervisor"))
        seen = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(1))
    client = app.test_client()
    with client.session_transaction() as session, app.app_context():
        session.update(_user_id=db.session.get(User, user_id).get_id(), _fresh=True)

    def live(on: bool) -> None:  # a summary older than its limit: counted live, as before
        app.config["MAJOR_SUMMARY_MAX_MINUTES"] = -1 if on else 10**6

    cases = {"page (summary)": ("/ledgers/major", False),
             "page (live, as before)": ("/ledgers/major", True),
             "floor": ("/bench/floor", False)}
    times = {name: ([], []) for name in cases}
    statements = {}
    for name, (path, is_live) in cases.items():
        live(is_live)
        client.get(path)  # warm
        seen.clear()
        assert client.get(path).status_code == 200
        statements[name] = len(seen)
    for _ in range(runs):
        for name, (path, is_live) in cases.items():
            live(is_live)
            cpu, wall = time.process_time(), time.perf_counter()
            client.get(path)
            times[name][0].append((time.perf_counter() - wall) * 1000)
            times[name][1].append((time.process_time() - cpu) * 1000)
    # The dashboard alone (the page also lists its first 50 major hazards, with their total).
    from inspect_app.ledgers.dashboard import dashboard
    from inspect_app.ledgers.filters import Filters
    with app.test_request_context():
        user = db.session.get(User, user_id)
        calls = {"dashboard (summary)": lambda: dashboard(user, Filters()),
                 "dashboard (live)": lambda: dashboard(user, Filters(), live=True),
                 "SELECT 1": lambda: db.session.execute(select(1)).all()}
        live(False)
        for name in calls:
            times[name] = ([], [])
            statements[name] = 0
        for _ in range(runs):
            for name, call in calls.items():
                cpu, wall = time.process_time(), time.perf_counter()
                call()
                times[name][0].append((time.perf_counter() - wall) * 1000)
                times[name][1].append((time.process_time() - cpu) * 1000)
    floor = statistics.median(times["floor"][0])
    print(f"major dashboard, {url.split('@')[-1]}: one count {count_ms:.0f} ms")
    for name, (walls, cpus) in times.items():
        med, p95 = statistics.median(walls), statistics.quantiles(walls, n=20)[-1]
        print(f"  {name:24} median {med:8.1f} ms  p95 {p95:8.1f} ms  cpu {statistics.median(cpus):7.1f}"
              f" ms  {med / floor:7.0f}x floor  {statements[name]} statements")


if __name__ == "__main__":
    main()
