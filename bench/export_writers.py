"""Which writer the queued export uses: today's xlsx writer (openpyxl write-only, the floor),
XlsxWriter in constant-memory mode and CSV, on the same BENCH_ROWS hazards (default 100,000).

Seeds a fresh SQLite database as bench/export_bench.py does, then for each writer exports the
问题清单 as a supervisor sees it (query → rows → file): time (best of BENCH_RUNS, default 2,
runs alternated between writers), tracemalloc peak at the full size and at a fifth of it (flat
memory: the two peaks are about the same), and the file's size. Then the chosen writer as a
queued job: enqueued, run by a real Huey consumer thread, the file renamed into place. Every
figure is printed beside the floor as a ratio. Figures only: no assertions.
"""

import gc
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from export_bench import seed  # noqa: E402

from inspect_app import create_app, csv_table, xlsx_stream  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.ledgers import export, lists, service  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "2"))


def current(path, ledger, user, filters):
    return export.write_ledger(ledger, user, filters, str(path))


def xlsxwriter_cm(path, ledger, user, filters):
    book = xlsx_stream.Book(str(path))
    rows = export.write_with(book, ledger, user, filters)
    book.save()
    return rows


def csv_writer(path, ledger, user, filters):
    book = csv_table.Book(str(path))
    rows = export.write_with(book, ledger, user, filters)
    book.save()
    return rows


WRITERS = [("openpyxl write-only (today)", current, "xlsx"),
           ("XlsxWriter constant_memory", xlsxwriter_cm, "xlsx"),
           ("CSV", csv_writer, "csv")]


def timed(fn, *args) -> float:
    gc.collect()
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def peak(fn, *args) -> float:
    gc.collect()
    tracemalloc.start()
    fn(*args)
    _cur, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 1024 / 1024


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="export-writers-"))
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/b.db",
                      "UPLOAD_DIR": str(tmp / "uploads"), "EXPORT_DIR": str(tmp / "exports"),
                      "TASK_QUEUE_URL": f"sqlite:///{tmp}/tasks.db", "TESTING": True})
    with app.app_context():
        db.create_all()
        supervisor = seed(ROWS)
        ledger, filters = lists.HAZARDS, service.Filters()
        t0 = time.perf_counter()
        n = sum(1 for _ in service.rows(ledger, supervisor, filters))
        query_s = time.perf_counter() - t0
        print(f"\n== export of {n:,} hazards (SQLite), best of {RUNS} ==")
        best = {label: float("inf") for label, _fn, _ext in WRITERS}
        for _ in range(RUNS):
            for label, fn, ext in WRITERS:
                best[label] = min(best[label], timed(fn, tmp / f"out.{ext}", ledger, supervisor,
                                                     filters))
        small = service.Filters(date_to=_fifth_cutoff(ledger, supervisor, n))
        figures = {}
        for label, fn, ext in WRITERS:
            path = tmp / f"out.{ext}"
            full = peak(fn, path, ledger, supervisor, filters)
            size = path.stat().st_size / 1024 / 1024
            fifth = peak(fn, path, ledger, supervisor, small)
            figures[label] = (best[label], full, fifth, size)
        floor_s, floor_mem = figures[WRITERS[0][0]][:2]
        print(f"{'writer':30} {'time s':>8} {'×floor':>7} {'peak MiB':>9} {'×floor':>7}"
              f" {'at 1/5 rows':>11} {'file MiB':>9}")
        print(f"{'query only (rows, no file)':30} {query_s:8.2f} {query_s / floor_s:7.2f}")
        for label, (secs, full, fifth, size) in figures.items():
            print(f"{label:30} {secs:8.2f} {secs / floor_s:7.2f} {full:9.1f} {full / floor_mem:7.2f}"
                  f" {fifth:11.1f} {size:9.2f}")
        job = _queued_job(app, supervisor)
        if job:
            print(f"{'queued job (xlsx, consumer)':30} {job:8.2f} {job / floor_s:7.2f}")


def _fifth_cutoff(ledger, user, n):
    """The found-on date that leaves about a fifth of the rows (for the flat-memory figure)."""
    from inspect_app.models import Hazard
    from inspect_app.timeutil import to_local
    stamp = db.session.scalar(db.select(Hazard.created_at).order_by(Hazard.created_at)
                              .offset(n // 5).limit(1))
    return to_local(stamp).date()


def _queued_job(app, user):
    """The xlsx export as the app runs it: requested, taken by a consumer thread, saved."""
    try:
        from inspect_app.ledgers import jobs
    except ImportError:
        return None
    return jobs.bench_run(app, user)


if __name__ == "__main__":
    main()
