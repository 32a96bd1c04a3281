"""The queued export against today's export, on the same BENCH_ROWS hazards (default 100,000).

Seeds a fresh SQLite database as bench/export_bench.py does, then exports the 问题清单 as a
supervisor sees it (query → rows → file) with:
- today's writer: the in-request .xlsx (xlsx.py, openpyxl write-only), the floor;
- the queued export's writers: xlsx_stream (rows straight into the zip) and CSV;
- the queued job itself (xlsx, then CSV): requested, taken by a real Huey consumer thread,
  counted, written, synced and renamed into place, as the app runs it.
Time: best of BENCH_RUNS (default 2), runs alternated: wall-clock, and the process's CPU
seconds (the consumer thread's included; steadier on a shared machine). Memory, each in a forked child: the
tracemalloc peak of Python's allocations, and the growth of the process's peak RSS
(ru_maxrss) over its RSS at the start; at the full size and at a fifth of the rows (flat
memory: the two are about the same). Every figure beside the floor's as a ratio. Figures only.
"""

import gc
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from flask import current_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from export_bench import seed  # noqa: E402

from inspect_app import create_app, csv_table, xlsx_stream  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.ledgers import export, jobs, lists, service  # noqa: E402
from inspect_app.models import ExportJob, Hazard  # noqa: E402
from inspect_app.timeutil import to_local  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "2"))


def today_xlsx(path, user, filters):
    return export.write_ledger(lists.HAZARDS, user, filters, str(path))


def _writer(cls):
    def write(path, user, filters):
        book = cls(str(path))
        rows = export.write_with(book, lists.HAZARDS, user, filters)
        book.save()
        return rows
    return write


def _job(fmt):
    def run(path, user, filters):
        db.session.execute(db.delete(ExportJob))  # a fresh job each run, not today's file
        db.session.commit()
        return jobs.bench_run(current_app._get_current_object(), user, fmt, filters, to=path)
    return run


WRITERS = [("today: openpyxl write-only", today_xlsx, "xlsx"),
           ("xlsx_stream (queued .xlsx)", _writer(xlsx_stream.Book), "xlsx"),
           ("CSV (queued .csv)", _writer(csv_table.Book), "csv"),
           ("queued job, .xlsx (consumer)", _job("xlsx"), "xlsx"),
           ("queued job, .csv (consumer)", _job("csv"), "csv")]


def timed(fn, *args) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the whole process: the consumer thread's too)."""
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - t0, time.process_time() - c0


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory(fn, *args) -> tuple[float, float]:
    """(tracemalloc peak, peak RSS growth) in MiB of `fn` run in a forked child: a child's
    ru_maxrss starts at its RSS when forked, so each run's peak is its own."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own connections, one run, figures down the pipe
        os.close(read)
        try:
            db.engine.dispose(close=False)
            gc.collect()
            start = _rss_mib()
            tracemalloc.start()
            fn(*args)
            traced = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - start
            os.write(write, json.dumps([traced, grown]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        data = f.read()
    os.waitpid(pid, 0)
    if not data:
        raise RuntimeError("the measuring child died")
    traced, grown = json.loads(data)
    return traced, grown


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
        small = service.Filters(date_to=_fifth_cutoff(n))
        fifth = sum(1 for _ in service.rows(ledger, supervisor, small))
        print(f"\n== export of {n:,} hazards (SQLite), best of {RUNS}; memory also at"
              f" {fifth:,} rows ==")
        best = {label: (float("inf"), float("inf")) for label, _fn, _ext in WRITERS}
        for _ in range(RUNS):
            for label, fn, ext in WRITERS:
                wall, cpu = timed(fn, tmp / f"out.{ext}", supervisor, filters)
                best[label] = (min(best[label][0], wall), min(best[label][1], cpu))
        figures = {}
        for label, fn, ext in WRITERS:
            path = tmp / f"out.{ext}"
            full = memory(fn, path, supervisor, filters)
            size = path.stat().st_size / 2**20
            part = memory(fn, path, supervisor, small)
            figures[label] = (best[label], full, part, size)
        (floor_s, floor_cpu), (floor_traced, floor_rss) = figures[WRITERS[0][0]][:2]
        print(f"{'':30} {'time s':>7} {'×today':>6}   {'CPU s':>6} {'×today':>6}"
              f"   {'traced MiB':>10} {'×today':>6} {'at 1/5':>6}"
              f"   {'RSS+ MiB':>8} {'×today':>6} {'at 1/5':>6}   {'file MiB':>8}")
        print(f"{'query only (rows, no file)':30} {query_s:7.2f} {query_s / floor_s:6.2f}")
        for label, ((secs, cpu), (traced, rss), (traced5, rss5), size) in figures.items():
            print(f"{label:30} {secs:7.2f} {secs / floor_s:6.2f}   {cpu:6.2f} {cpu / floor_cpu:6.2f}"
                  f"   {traced:10.1f}"
                  f" {traced / floor_traced:6.2f} {traced5:6.1f}   {rss:8.1f}"
                  f" {rss / floor_rss:6.2f} {rss5:6.1f}   {size:8.2f}")


def _fifth_cutoff(n):
    """The found-on date that leaves about a fifth of the rows (for the flat-memory figure)."""
    stamp = db.session.scalar(db.select(Hazard.created_at).order_by(Hazard.created_at)
                              .offset(n // 5).limit(1))
    return to_local(stamp).date()


if __name__ == "__main__":
    main()
