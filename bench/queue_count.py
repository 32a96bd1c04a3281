"""What the work-queue count costs a zone-wide supervisor, capped (COUNT_CAP, the app's) and
uncapped, on a generated SQLite zone of BENCH_SITES sites and BENCH_HAZARDS hazards (default
20,000 / 1,000,000). Medians of 7 calls, the two alternated, beside a floor (SELECT 1 on the
same connection). Figures only: no assertions."""

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from inspect_app import create_app  # noqa: E402
from inspect_app.extensions import db  # noqa: E402


def median_ms(call, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    sites = int(os.environ.get("BENCH_SITES", 20000))
    hazards = int(os.environ.get("BENCH_HAZARDS", 1000000))
    folder = tempfile.mkdtemp()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                      "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        from inspect_app.auth.models import User
        from inspect_app.checklists.loader import load_all
        from inspect_app.generate import generate
        from inspect_app.home import queue
        db.create_all()
        load_all()
        generate(sites, hazards, 200000, today=date(2026, 12, 1))
        user = db.session.scalar(select(User).where(User.username == "bench-supervisor"))
        cap = queue.COUNT_CAP
        floor = median_ms(lambda: db.session.execute(select(1)).all())
        figures = {"uncapped": [], "capped": []}
        for _ in range(2):
            for name, value in (("uncapped", 10**12), ("capped", cap)):
                queue.COUNT_CAP = value
                figures[name].append(median_ms(lambda: queue.counts(user)))
        print(f"queue count, {sites} sites / {hazards} hazards (SQLite), floor {floor:.2f} ms")
        for name, values in figures.items():
            ms = statistics.median(values)
            print(f"  {name:9} {ms:8.1f} ms  {ms / floor:8.0f}x floor")


if __name__ == "__main__":
    main()
