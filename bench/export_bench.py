"""Time and memory of the 问题清单 (problem list) xlsx export at 100,000 hazards.

Builds a fresh SQLite database (and, when BENCH_DATABASE_URL names a PostgreSQL server, a
database `inspect_bench_export` there, as bench/run.py makes its own, dropped after), bulk-inserts
BENCH_ROWS hazards (default 100,000) with SQLAlchemy Core over a few areas, grids and sites,
then exports the list end to end as a supervisor sees it: query → rows → write-only workbook →
temporary file. It reports the time, the tracemalloc peak, the growth of the process's peak
RSS (ru_maxrss) and the file size, plus the same export through the HTTP route. Figures only:
no assertions.
"""

import gc
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inspect_app import create_app  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.ledgers import export, lists, service  # noqa: E402
from inspect_app.models import Area, Grid, Hazard, Site, User  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
BATCH = 10_000
WORDS = ["配电箱", "灭火器", "安全出口", "消防通道", "除尘系统", "燃气报警器", "防护罩", "电缆",
         "危化品仓库", "有限空间", "叉车", "行车", "砂轮机", "泄爆装置", "应急照明"]
FAULTS = ["缺失", "损坏", "被占用", "未定期检测", "未设置警示标志", "未按规定设置", "线路老化"]


def _url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith(
        "postgresql://") else url


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def seed(rows: int) -> User:
    """A zone of 2 areas, 6 grids and 60 sites, a supervisor, and `rows` hazards in bulk."""
    rng = random.Random(2024)
    areas = [Area(name=n) for n in ("雪峰片区", "南区片区")]
    grids = [Grid(name=f"网格{n + 1}", area=areas[n % 2]) for n in range(6)]
    codes = ["MECH", "LIGHT", "BM", "TEX", "NINE", "GASU", "HAZ", "SELF"]
    sites = [Site(name=f"南安测试企业{n + 1:02d}有限公司", site_type=codes[n % len(codes)],
                  grid=grids[n % 6]) for n in range(60)]
    supervisor = User(username="bench", name="园区安监", role="supervisor", password_hash="x")
    inspectors = [User(username=f"insp{n}", name=f"网格员{n}", role="inspector", password_hash="x",
                       grids=[g]) for n, g in enumerate(grids)]
    db.session.add_all([*areas, *grids, *sites, supervisor, *inspectors])
    db.session.commit()
    site_ids, finder_ids = [s.id for s in sites], [u.id for u in inspectors]
    start = datetime(2023, 1, 1)
    statuses = ["reported", "confirmed", "rectifying", "submitted", "closed", "closed", "closed"]
    for first in range(0, rows, BATCH):
        batch = []
        for n in range(first, min(first + BATCH, rows)):
            found = start + timedelta(minutes=31 * n)
            status = rng.choice(statuses)
            batch.append({
                "site_id": rng.choice(site_ids), "found_by_id": rng.choice(finder_ids),
                "description": f"{rng.choice(WORDS)}{rng.choice(FAULTS)}（第{n + 1}条）",
                "location": f"{rng.randint(1, 9)}号车间",
                "level": "major" if n % 20 == 0 else "general",
                "status": status, "source": rng.choice(["patrol", "supervisory", "self_check"]),
                "deadline": (found + timedelta(days=15)).date(), "created_at": found,
                "closed_at": (found + timedelta(days=rng.randint(1, 30))
                              if status == "closed" else None),
            })
        db.session.execute(insert(Hazard), batch)
        db.session.commit()
    return supervisor


def run(label: str, url: str) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="export-bench-"))
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": _url(url),
                      "UPLOAD_DIR": str(tmp / "uploads"), "TESTING": True})
    print(f"\n== {label}: {ROWS:,} hazards ==")
    with app.app_context():
        db.drop_all()
        db.create_all()
        t0 = time.perf_counter()
        supervisor = seed(ROWS)
        print(f"bulk insert                 {time.perf_counter() - t0:8.2f} s")
        user_id = supervisor.id
        ledger, filters = lists.HAZARDS, service.Filters()

        gc.collect()
        t0 = time.perf_counter()
        n = sum(1 for _row in service.rows(ledger, supervisor, filters))
        print(f"query only ({n:,} rows)     {time.perf_counter() - t0:8.2f} s")

        out = tmp / "problems.xlsx"
        gc.collect()
        rss0 = _maxrss_mb()
        t0 = time.perf_counter()
        written = export.write_ledger(ledger, supervisor, filters, str(out))
        elapsed = time.perf_counter() - t0
        rss1 = _maxrss_mb()
        print(f"export to xlsx              {elapsed:8.2f} s   ({written / elapsed:,.0f} rows/s)")
        print(f"file size                   {out.stat().st_size / 1024 / 1024:8.2f} MiB")
        print(f"ru_maxrss before / after    {rss0:8.1f} / {rss1:.1f} MiB"
              f"   (delta {rss1 - rss0:.1f} MiB)")

        gc.collect()
        tracemalloc.start()
        t0 = time.perf_counter()
        export.write_ledger(ledger, supervisor, filters, str(out))
        traced = time.perf_counter() - t0
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"tracemalloc peak            {peak / 1024 / 1024:8.2f} MiB"
              f"   (that run took {traced:.2f} s, traced)")
        out.unlink()

    # The same export through the route, streamed to the client in chunks.
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"], sess["_fresh"] = str(user_id), True
    rss0 = _maxrss_mb()
    t0 = time.perf_counter()
    resp = client.get("/ledgers/hazards.xlsx", buffered=False)
    size = sum(len(chunk) for chunk in resp.response)
    resp.close()
    print(f"GET /ledgers/hazards.xlsx   {time.perf_counter() - t0:8.2f} s   status"
          f" {resp.status_code}, {size / 1024 / 1024:.2f} MiB,"
          f" ru_maxrss delta {_maxrss_mb() - rss0:.1f} MiB")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="export-bench-db-") as d:
        run("SQLite", f"sqlite:///{d}/bench.db")
    if os.environ.get("BENCH_DATABASE_URL"):
        from run import database_url, drop_database  # bench/run.py's own database, not the URL's

        with tempfile.TemporaryDirectory(prefix="export-bench-") as d:
            url = database_url("export", Path(d))
            try:
                run("BENCH_DATABASE_URL", url)
            finally:
                drop_database(url)


if __name__ == "__main__":
    main()
