"""Large ledger exports run on the task queue: queued, written by a real Huey consumer (embedded
SQLite storage and Redis), downloaded when ready, only by readers who see the same rows; a crash
leaves nothing to download; asking twice makes one job."""

import csv
import io
import os
import re
import secrets
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from inspect_app import csv_table, tasks, xlsx_stream
from inspect_app.extensions import db
from inspect_app.ledgers import export, jobs, lists, service
from inspect_app.models import ExportJob, Hazard
from tests.factories import make_grid, make_site, make_user, now

HEADERS = list(export.HAZARD_HEADERS.values())


@pytest.fixture(autouse=True)
def _clean_exports(app):
    """Every test starts with an empty queue and no export files."""
    app.extensions["tasks"].huey.flush()
    shutil.rmtree(app.config["EXPORT_DIR"], ignore_errors=True)
    yield
    app.extensions["tasks"].huey.flush()
    shutil.rmtree(app.config["EXPORT_DIR"], ignore_errors=True)


@pytest.fixture(params=["sqlite", "redis"])
def queue(request, app):
    """The app's queue on the embedded SQLite storage, or on Redis under a name (key prefix) and
    database number of this run alone; emptied afterwards, with the export folder."""
    saved = app.extensions["tasks"]
    if request.param == "redis":
        db_number = os.environ.get("TEST_REDIS_DB", "7")
        old = app.config["TASK_QUEUE_URL"], app.config["TASK_QUEUE_NAME"]
        app.config["TASK_QUEUE_URL"] = f"redis://127.0.0.1:6379/{db_number}"
        app.config["TASK_QUEUE_NAME"] = f"test-{os.getpid()}-{secrets.token_hex(4)}"
        app.extensions["tasks"] = tasks.Queue(app)
        app.config["TASK_QUEUE_URL"], app.config["TASK_QUEUE_NAME"] = old
    q = app.extensions["tasks"]
    q.huey.flush()
    yield q
    q.huey.flush()
    app.extensions["tasks"] = saved


@pytest.fixture
def small_inline(app):
    """Three rows are "large": every export here goes through the queue."""
    old = app.config["EXPORT_INLINE_MAX_ROWS"]
    app.config["EXPORT_INLINE_MAX_ROWS"] = 3
    yield
    app.config["EXPORT_INLINE_MAX_ROWS"] = old


def _hazards(site, n: int, text: str = "配电箱损坏") -> None:
    for i in range(n):
        db.session.add(Hazard(site=site, description=f"{text}{i}", level="general",
                              status="reported", source="patrol",
                              deadline=date.today() + timedelta(days=15),
                              created_at=now() - timedelta(hours=i + 1)))
    db.session.commit()


def _run_queue(app, job_id: int, bound: float = 120) -> ExportJob:
    """Run a real consumer (worker thread) until the job is finished (a bound, not a timing)."""
    db.session.commit()  # the test's session holds nothing the consumer waits for
    with tasks.running_consumer(app):
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            job = db.session.get(ExportJob, job_id)
            if job.status in (jobs.DONE, jobs.FAILED):
                break
            db.session.rollback()
            time.sleep(0.05)
    db.session.expire_all()
    return db.session.get(ExportJob, job_id)


def _download(client, job_id: int):
    """The file route's response, read and closed (it sends a file)."""
    resp = client.get(f"/ledgers/exports/{job_id}/file")
    resp.get_data()
    resp.close()
    return resp


def _ask(client, fmt="xlsx", slug="hazards", **filters) -> int:
    resp = client.post(f"/ledgers/{slug}/export", data={"fmt": fmt, **filters})
    assert resp.status_code == 303, resp.text
    return int(re.search(r"/ledgers/exports/(\d+)$", resp.location).group(1))


def test_large_export_runs_through_the_queue_and_is_downloaded(app, client, login, ctx, queue,
                                                               small_inline):
    site = make_site(name="南安第一机械有限公司")
    _hazards(site, 12, text='=HYPERLINK("x")')
    supervisor = make_user("supervisor")
    login(supervisor)

    # A large list offers only the queued export; its plain link (bookmarked) leads there too.
    # (The in-request .xlsx is offered beside the total, which the page loads apart.)
    assert 'href="/ledgers/hazards.xlsx"' not in client.get("/ledgers/hazards/total").text
    assert 'href="/ledgers/hazards/export"' in client.get("/ledgers/hazards").text
    resp = client.get("/ledgers/hazards.xlsx")
    assert resp.status_code == 303 and resp.location.startswith("/ledgers/hazards/export")
    assert "csrf_token" in client.get(resp.location).text

    job_id = _ask(client)
    assert queue.huey.pending_count() == 1
    page = client.get(f"/ledgers/exports/{job_id}").text
    assert 'hx-trigger="every 2s"' in page and f"/ledgers/exports/{job_id}/file" not in page
    assert client.get(f"/ledgers/exports/{job_id}/file").status_code == 404  # not written yet

    job = _run_queue(app, job_id)
    assert job.status == jobs.DONE and job.rows == 12 and queue.huey.pending_count() == 0
    fragment = client.get(f"/ledgers/exports/{job_id}", headers={"HX-Request": "true"}).text
    assert "hx-trigger" not in fragment and f"/ledgers/exports/{job_id}/file" in fragment

    resp = _download(client, job_id)
    assert resp.status_code == 200 and resp.mimetype == export.XLSX
    assert "no-store" in resp.headers["Cache-Control"]
    assert "filename*=UTF-8''" in resp.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "问题清单" and list(rows[2]) == HEADERS  # title, filters, header
    body = rows[3:]
    assert len(body) == 12 and {r[HEADERS.index("单位名称")] for r in body} == {site.name}
    assert all(r[HEADERS.index("隐患描述")].startswith('=HYPERLINK("x")') for r in body)
    cells = [c for row in ws.iter_rows(min_row=4) for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)  # the formula-like text is text
    # Cell for cell what today's writer makes of the same rows, and the same autofilter.
    today = io.BytesIO()
    export.write_ledger(lists.HAZARDS, supervisor, service.Filters(), today, job.day)
    old = load_workbook(today).worksheets[0]
    assert list(old.iter_rows(values_only=True)) == rows
    assert ws.auto_filter.ref == old.auto_filter.ref and ws.freeze_panes == old.freeze_panes


def test_csv_beside_xlsx_has_the_same_columns_and_rows(app, client, login, ctx, small_inline):
    _hazards(make_site(), 5)
    login(make_user("supervisor"))
    job = _run_queue(app, _ask(client, fmt="csv"))
    assert job.status == jobs.DONE
    resp = _download(client, job.id)
    assert resp.mimetype == "text/csv" and resp.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0] == HEADERS and len(rows) == 6
    assert {r[HEADERS.index("隐患等级")] for r in rows[1:]} == {"一般"}  # labels, not codes


def test_double_request_for_the_same_file_gives_one_job(app, client, login, ctx, queue,
                                                        small_inline):
    _hazards(make_site(), 5)
    first, second = make_user("supervisor"), make_user("supervisor")
    login(first)
    job_id = _ask(client, status="open")
    assert _ask(client, status="open") == job_id
    login(second)  # the same rows for another supervisor: the same file
    assert _ask(client, status="open") == job_id
    login(make_user("admin"))  # another role of the zone's staff sees the same rows too
    assert _ask(client, status="open") == job_id
    assert queue.huey.pending_count() == 1
    assert db.session.scalar(select(func.count(ExportJob.id))) == 1
    assert _ask(client, status="closed") != job_id  # another filter is another file
    assert _ask(client, fmt="csv", status="open") != job_id
    job = _run_queue(app, job_id)
    assert job.status == jobs.DONE
    assert _ask(client, status="open") == job_id  # done: asking again the same day finds it
    assert db.session.get(ExportJob, job_id).status == jobs.DONE


def test_one_enterprise_never_gets_anothers_file(app, client, login, ctx, small_inline):
    grid_a, grid_b = make_grid(), make_grid()
    mine, theirs = make_site(grid_a, name="甲公司"), make_site(grid_b, name="乙公司")
    _hazards(mine, 4)
    _hazards(theirs, 6)
    owner = make_user("enterprise", site=mine)
    login(owner)
    job = _run_queue(app, _ask(client))
    assert job.status == jobs.DONE and job.rows == 4

    for outsider in (make_user("enterprise", site=theirs), make_user("inspector", grids=[grid_b])):
        login(outsider)
        assert client.get(f"/ledgers/exports/{job.id}").status_code == 404
        assert client.get(f"/ledgers/exports/{job.id}/file").status_code == 404
        assert _ask(client) != job.id  # their own request is their own file
    login(make_user("inspector", grids=[grid_a]))  # the same rows, another scope: still not
    assert client.get(f"/ledgers/exports/{job.id}/file").status_code == 404
    login(owner)
    assert _download(client, job.id).status_code == 200
    # Files are named at random, outside static/, and only sent by the route above.
    folder = Path(app.config["EXPORT_DIR"])
    assert folder.resolve() != Path(app.static_folder).resolve()
    assert not (Path(app.static_folder) / job.file).exists()
    assert client.get(f"/static/{job.file}").status_code == 404


class Crash(BaseException):
    """A stand-in for the consumer being killed: nothing in the job catches it."""


def _crash_after(monkeypatch, rows: int, exc: type[BaseException], sheet=xlsx_stream.Sheet) -> None:
    real = sheet.append

    def append(self, values, kinds=None):
        if self.rows >= rows:
            if exc is Crash:
                self.book.discard()  # a dying process's files are closed by the system
            raise exc("disk full" if exc is OSError else "killed")
        real(self, values, kinds)

    monkeypatch.setattr(sheet, "append", append)


def test_a_failure_mid_job_leaves_no_file_and_can_be_asked_again(app, client, login, ctx,
                                                                 small_inline, monkeypatch):
    _hazards(make_site(), 8)
    login(make_user("supervisor"))
    _crash_after(monkeypatch, 3, OSError)
    job = _run_queue(app, _ask(client))
    assert job.status == jobs.FAILED and job.file is None
    folder = Path(app.config["EXPORT_DIR"])
    assert list(folder.iterdir()) == []  # no half file, no .part
    assert client.get(f"/ledgers/exports/{job.id}/file").status_code == 404
    page = client.get(f"/ledgers/exports/{job.id}").text
    assert 'class="warn"' in page and 'href="/ledgers/hazards/export"' in page  # ask again

    monkeypatch.undo()
    assert _ask(client) == job.id  # a failed job is queued again, not duplicated
    job = _run_queue(app, job.id)
    assert job.status == jobs.DONE and job.rows == 8 and len(list(folder.iterdir())) == 1


def test_a_killed_job_shows_no_file_and_is_restarted_when_stale(app, client, login, ctx,
                                                                small_inline, monkeypatch):
    _hazards(make_site(), 8)
    login(make_user("supervisor"))
    job_id = _ask(client, fmt="csv")  # CSV rows reach the disk as they come: a real half file
    _crash_after(monkeypatch, 3, Crash, csv_table.Sheet)
    db.session.commit()
    task = tasks.queue().huey.dequeue()
    with pytest.raises(Crash):
        task.execute()  # the consumer dies mid-file: its .part stays, the row says running
    monkeypatch.undo()
    db.session.expire_all()
    job = db.session.get(ExportJob, job_id)
    folder = Path(app.config["EXPORT_DIR"])
    assert job.status == jobs.RUNNING and [p.suffix for p in folder.iterdir()] == [".part"]
    assert client.get(f"/ledgers/exports/{job_id}/file").status_code == 404
    assert 'hx-trigger="every 2s"' in client.get(f"/ledgers/exports/{job_id}").text

    assert _ask(client, fmt="csv") == job_id and tasks.queue().huey.pending_count() == 0  # fresh
    app.config["EXPORT_STALE_MINUTES"] = 0
    try:
        assert _ask(client, fmt="csv") == job_id and tasks.queue().huey.pending_count() == 1
    finally:
        app.config["EXPORT_STALE_MINUTES"] = 15
    job = _run_queue(app, job_id)
    assert job.status == jobs.DONE and job.rows == 8
    # The dead run's .part is removed a day later by the hourly prune; past days' jobs too.
    part = next(p for p in folder.iterdir() if p.suffix == ".part")
    os.utime(part, (time.time() - 2 * 86400,) * 2)
    assert jobs.prune() == 1 and [p.name for p in folder.iterdir()] == [job.file]
    assert jobs.prune(today=job.day + timedelta(days=1)) == 1 and list(folder.iterdir()) == []
    assert db.session.scalar(select(func.count(ExportJob.id))) == 0


def test_small_list_is_still_sent_at_once(app, client, login, ctx):
    _hazards(make_site(), 2)
    login(make_user("supervisor"))
    assert 'href="/ledgers/hazards.xlsx"' in client.get("/ledgers/hazards/total").text
    resp = client.get("/ledgers/hazards.xlsx")
    assert resp.status_code == 200 and resp.mimetype == export.XLSX
    assert db.session.scalar(select(func.count(ExportJob.id))) == 0


def test_bad_format_is_refused_and_nothing_is_queued(app, client, login, ctx):
    login(make_user("supervisor"))
    assert client.post("/ledgers/hazards/export", data={"fmt": "pdf"}).status_code == 422
    assert db.session.scalar(select(func.count(ExportJob.id))) == 0
    login(make_user("inspector"))
    assert client.post("/ledgers/major/export", data={"fmt": "xlsx"}).status_code == 403
    assert db.session.scalar(select(func.count(ExportJob.id))) == 0


def test_responsibility_list_offers_the_inline_export_by_its_rows_not_its_sites(app, client,
                                                                               login, ctx):
    """Its screen counts sites; a site has a row per hazard and more, so two sites may be too
    many rows to write in a request: the link follows the rows, as the download route does."""
    grid = make_grid()
    sites = [make_site(grid), make_site(grid)]
    for site in sites:
        _hazards(site, 2)
    supervisor = make_user("supervisor")
    login(supervisor)
    n_rows = sum(1 for _ in service.rows(service.LEDGERS["responsibility"], supervisor, service.Filters()))
    assert n_rows > len(sites)
    link = 'href="/ledgers/responsibility.xlsx"'
    old = app.config["EXPORT_INLINE_MAX_ROWS"]
    try:
        app.config["EXPORT_INLINE_MAX_ROWS"] = len(sites)  # the sites fit, the rows do not
        assert link not in client.get("/ledgers/responsibility/total").text
        assert client.get("/ledgers/responsibility.xlsx").status_code == 303
        app.config["EXPORT_INLINE_MAX_ROWS"] = n_rows
        assert link in client.get("/ledgers/responsibility/total").text
        resp = client.get("/ledgers/responsibility.xlsx")
        assert resp.status_code == 200
        resp.close()
    finally:
        app.config["EXPORT_INLINE_MAX_ROWS"] = old


def test_a_killed_xlsx_job_leaves_only_its_part_file_which_is_pruned(
        app, client, login, ctx, small_inline, monkeypatch):
    """The xlsx rows go straight into the .part file (no row files elsewhere, not in the
    system's /tmp): a job killed mid-file (no `finally` runs) leaves that one file, which the
    hourly prune removes a day later."""
    _hazards(make_site(), 8)
    login(make_user("supervisor"))
    job_id = _ask(client, fmt="xlsx")
    _crash_after(monkeypatch, 3, Crash)
    db.session.commit()
    with pytest.raises(Crash):
        tasks.queue().huey.dequeue().execute()
    monkeypatch.undo()
    folder = Path(app.config["EXPORT_DIR"])
    assert [p.suffix for p in folder.iterdir()] == [".part"]
    assert jobs.prune() == 0  # a job may still be writing: a day's grace
    for path in folder.iterdir():
        os.utime(path, (time.time() - 2 * 86400,) * 2)
    assert jobs.prune() == 1 and list(folder.iterdir()) == []
    assert db.session.get(ExportJob, job_id).status == jobs.RUNNING  # restarted when stale


def test_a_finished_xlsx_job_leaves_no_row_files(app, client, login, ctx, small_inline, queue):
    _hazards(make_site(), 8)
    login(make_user("supervisor"))
    job = _run_queue(app, _ask(client, fmt="xlsx"))
    assert job.status == jobs.DONE
    assert [p.name for p in Path(app.config["EXPORT_DIR"]).iterdir()] == [job.file]


def test_an_xlsx_past_one_sheets_rows_fails_at_once_and_points_to_csv(app, client, login, ctx,
                                                                     small_inline, monkeypatch):
    """Excel holds 1,048,576 rows a sheet: a larger list is refused before any row is written,
    with a message that says why (the CSV of the same list is written)."""
    _hazards(make_site(), 5)
    login(make_user("supervisor"))
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 4)
    job = _run_queue(app, _ask(client))
    assert job.status == jobs.FAILED and job.error == jobs.TOO_MANY_ROWS and job.total == 5
    assert list(Path(app.config["EXPORT_DIR"]).iterdir()) == []  # nothing was written
    page = client.get(f"/ledgers/exports/{job.id}").text
    assert "超过 4 行" in page and "CSV" in page and 'href="/ledgers/hazards/export"' in page
    job = _run_queue(app, _ask(client, fmt="csv"))
    assert job.status == jobs.DONE and job.rows == 5


def test_a_job_writes_the_ledger_of_one_moment_while_it_changes(app, client, login, ctx,
                                                                small_inline, monkeypatch):
    """The list is read a few rows at a time; a hazard changed or added between two reads is
    in the file as it was when the job began (or not at all), and the progress total is the
    file's rows: an export is evidence of one moment. (On SQLite too: its file is in WAL mode,
    so the edits commit beside the job's read transaction.)"""
    site = make_site()
    _hazards(site, 12)
    site_id = site.id  # the hook runs in the consumer's thread: no object of this session there
    login(make_user("supervisor"))
    monkeypatch.setattr(service, "ROWS_PER_READ", 4)
    real, changed = csv_table.Sheet.append, []

    def append(self, values, kinds=None):
        if self.rows == 5 and not changed:  # the second read is done, the third is not
            with db.engine.begin() as other:  # another user's edits, committed meanwhile
                other.execute(Hazard.__table__.update().values(description="已改"))
                other.execute(Hazard.__table__.insert().values(
                    site_id=site_id, description="新增", level="general", status="reported",
                    source="patrol", deadline=date.today(), created_at=now() - timedelta(days=9)))
            changed.append(True)
        real(self, values, kinds)

    monkeypatch.setattr(csv_table.Sheet, "append", append)
    job = _run_queue(app, _ask(client, fmt="csv"))
    assert changed and job.status == jobs.DONE and job.rows == job.total == 12
    rows = list(csv.reader(io.StringIO(_download(client, job.id).data.decode("utf-8-sig"))))
    described = [r[HEADERS.index("隐患描述")] for r in rows[1:]]
    assert sorted(described) == sorted(f"配电箱损坏{i}" for i in range(12))
    assert db.session.scalar(select(func.count()).select_from(Hazard)) == 13  # it was written


def test_a_kept_files_scope_is_spelled_as_stored_before():
    """Jobs store the hash of these words: another spelling would orphan every kept file."""
    from inspect_app.access import Scope
    assert Scope("supervisor", None, frozenset()).rows_key == "zone"
    assert Scope("admin", None, frozenset()).rows_key == "zone"
    assert Scope("inspector", None, frozenset({12, 3})).rows_key == "grids:3,12"
    assert Scope("enterprise", 7, frozenset()).rows_key == "site:7"
    assert Scope("worker", None, frozenset()).rows_key == "site:0"
