"""Big ledger exports off the request: queued, written by a consumer, downloaded when ready.

- One file per ledger, format, filters, reader's scope and day (`ExportJob.key`): asking again
  the same day finds the same job, and two requests at once make one (unique key).
- Whose rows: the scope a reader sees the ledger in (sites.service.scope_sites: the whole zone,
  an inspector's grids, an enterprise's own site) is part of the key, and the download checks
  the reader's scope again, so a file only ever reaches someone who may see all of its rows.
- Files live under EXPORT_DIR (outside static/) with random names and are only sent by the
  download route. A job writes `<name>.part` and renames it when complete: a crash leaves no
  file that a download could find (and `prune` removes what it left).
- Progress (rows written) goes to the queue's key/value store, not the database, so the job's
  open read cursor never has to share the database with a write.
- The writer is the benchmark's choice (bench/export_writers.py): xlsx_stream for .xlsx (rows
  written straight into the zip), and CSV.
"""

import hashlib
import logging
import os
import secrets
import shutil
import time
from datetime import UTC, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from flask import current_app
from huey import crontab
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from .. import csv_table, tasks, xlsx_stream
from ..access import scope_of
from ..auth.models import User
from ..connections import snapshot
from ..extensions import db
from ..timeutil import local_today, utcnow
from . import export, lists, service
from .models import ExportJob

log = logging.getLogger(__name__)

FORMATS = {"xlsx": (xlsx_stream.Book, export.XLSX), "csv": (csv_table.Book, "text/csv")}
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
TOO_MANY_ROWS = "too many rows"  # the error of an .xlsx past one sheet's rows (CSV has no limit)


def _hash(*parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def canonical_args(filters: service.Filters) -> str:
    return urlencode(sorted(filters.as_args().items()))


def key_for(user: User, ledger_slug: str, fmt: str, args: str, day) -> str:
    return _hash(ledger_slug, fmt, args, _hash(scope_of(user).rows_key), day.isoformat())


def find(user: User, ledger: service.Ledger, fmt: str, filters: service.Filters,
         day=None) -> ExportJob | None:
    """Today's job for this file, as `user` would ask for it (None: never asked)."""
    day = day or local_today()
    key = key_for(user, ledger.slug, fmt, canonical_args(filters), day)
    return db.session.scalar(select(ExportJob).where(ExportJob.key == key))


def readable(user: User, job_id: int) -> ExportJob | None:
    """The job, if `user` may read its file: same key as if they asked for it themselves."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.key != key_for(user, job.ledger, job.fmt, job.args, job.day):
        return None
    return job


def request(user: User, ledger: service.Ledger, fmt: str, filters: service.Filters) -> ExportJob:
    """Today's job for this file, queued if it is new, failed or stuck (one job per file)."""
    day = local_today()
    args = canonical_args(filters)
    key = key_for(user, ledger.slug, fmt, args, day)
    job = db.session.scalar(select(ExportJob).where(ExportJob.key == key))
    if job is None:
        job = ExportJob(key=key, ledger=ledger.slug, fmt=fmt, args=args,
                        scope=_hash(scope_of(user).rows_key), day=day, status=QUEUED,
                        requested_by_id=user.id)
        db.session.add(job)
        try:
            db.session.commit()
        except IntegrityError:  # the same request at the same moment: theirs is ours
            db.session.rollback()
            return db.session.scalar(select(ExportJob).where(ExportJob.key == key))
        _enqueue(job)
        return job
    if can_ask_again(job):
        # Compare-and-set on the state we saw, so two retries at once queue it once.
        claimed = db.session.execute(
            update(ExportJob).where(ExportJob.id == job.id, ExportJob.status == job.status,
                                    ExportJob.created_at == job.created_at)
            .values(status=QUEUED, error=None, started_at=None, rows=None,
                    requested_by_id=user.id, created_at=utcnow())).rowcount
        db.session.commit()
        db.session.refresh(job)
        if claimed:
            _enqueue(job)
    return job


def _enqueue(job: ExportJob) -> None:
    try:
        tasks.enqueue("run_export", job.id)
    except Exception:  # the queue is down: say so on the job, so the reader can ask again
        log.exception("could not queue export %s", job.id)
        _finish(job.id, FAILED, error="queue unavailable")


def can_ask_again(job: ExportJob) -> bool:
    """Failed, or stuck: queued or running with no sign of life for EXPORT_STALE_MINUTES (a
    consumer died, or the queue lost the task)."""
    return job.status == FAILED or (job.status in (QUEUED, RUNNING) and _stale(job))


def _stale(job: ExportJob) -> bool:
    seen = (job.started_at or job.created_at).replace(tzinfo=UTC).timestamp()
    seen = max(seen, progress(job)[1] or 0)
    return time.time() - seen > current_app.config["EXPORT_STALE_MINUTES"] * 60


def _progress_key(job_id: int) -> str:
    return f"export-progress:{job_id}"


def progress(job: ExportJob) -> tuple[int, float | None]:
    """(rows written, when last reported) of a running job."""
    if job.status != RUNNING:
        return (job.rows or 0, None)
    try:
        found = tasks.queue().huey.get(_progress_key(job.id), peek=True)
    except Exception:  # the queue's store is down: the page still answers
        log.exception("could not read the progress of export %s", job.id)
        found = None
    return found if found else (0, None)


def path_of(job: ExportJob) -> Path | None:
    """The finished file, if the job is done and its file is there."""
    if job.status != DONE or not job.file:
        return None
    path = Path(current_app.config["EXPORT_DIR"]) / job.file
    return path if path.is_file() else None


def download_name(job: ExportJob) -> str:
    return f"{service.LEDGERS[job.ledger].title_zh}_{job.day.isoformat()}.{job.fmt}"


def mimetype(job: ExportJob) -> str:
    return FORMATS[job.fmt][1]


def _finish(job_id: int, status: str, **values) -> None:
    db.session.execute(update(ExportJob).where(ExportJob.id == job_id)
                       .values(status=status, finished_at=utcnow(), **values))
    db.session.commit()


@tasks.job()
def run_export(job_id: int) -> None:
    """Write the file of one job (a duplicate task, or one for a job already taken, does nothing)."""
    claimed = db.session.execute(
        update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == QUEUED)
        .values(status=RUNNING, started_at=utcnow(), rows=0)).rowcount
    db.session.commit()
    if not claimed:
        return
    job = db.session.get(ExportJob, job_id)
    user = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    if user is None or not user.active or _hash(scope_of(user).rows_key) != job.scope:
        _finish(job_id, FAILED, error="reader's scope changed")
        return
    ledger = service.LEDGERS[job.ledger]
    filters = service.Filters.from_args(MultiDict(parse_qsl(job.args)), ledger)
    writer = FORMATS[job.fmt][0]
    folder = Path(current_app.config["EXPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(24)}.{job.fmt}"
    part = folder / f"{name}.part"
    huey = tasks.queue().huey

    def report(rows: int) -> None:
        huey.put(_progress_key(job_id), (rows, time.time()))

    book = None
    try:
        # The count and the rows of one moment: the progress bar's total is the file's rows.
        with snapshot():
            total = service.count(ledger, user, filters, job.day)
            db.session.execute(update(ExportJob).where(ExportJob.id == job_id)
                               .values(total=total))
            db.session.commit()  # the session's own connection: the snapshot reads on
            if job.fmt == "xlsx" and total > export.XLSX_MAX_ROWS:
                # Said before, not after, the writing.
                _finish(job_id, FAILED, error=TOO_MANY_ROWS)
                return
            book = writer(str(part), progress=report)
            rows = export.write_with(book, ledger, user, filters, job.day)
        book.save()
        with open(part, "rb") as f:  # on disk before it gets its name
            os.fsync(f.fileno())
        os.replace(part, folder / name)
    except Exception as exc:
        db.session.rollback()
        if book is not None:
            book.discard()
        part.unlink(missing_ok=True)
        log.exception("export %s failed", job_id)
        _finish(job_id, FAILED, error=type(exc).__name__[:200])
        return
    finally:
        huey.delete(_progress_key(job_id))
    try:
        _finish(job_id, DONE, file=name, rows=rows)
    except Exception:
        (folder / name).unlink(missing_ok=True)  # no row points at it: no orphan file either
        raise


@tasks.periodic(crontab(minute="7"))
def prune_exports() -> int:
    """Hourly: drop jobs of past days with their files, and files no job points at."""
    return prune()


def prune(today=None) -> int:
    today = today or local_today()
    db.session.execute(delete(ExportJob).where(ExportJob.day < today))
    db.session.commit()
    folder = Path(current_app.config["EXPORT_DIR"])
    if not folder.is_dir():
        return 0
    kept = set(db.session.scalars(select(ExportJob.file).where(ExportJob.file.is_not(None))))
    cutoff = time.time() - timedelta(days=1).total_seconds()
    removed = 0
    for path in folder.iterdir():
        # A .part is a job still writing (or one that died): give it a day.
        writing = path.suffix == ".part"
        if path.name in kept or (writing and path.stat().st_mtime > cutoff):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed += 1
    return removed


def bench_run(app, user: User, fmt: str = "xlsx", filters: service.Filters | None = None,
              to: Path | None = None) -> float:
    """bench/export_writers.py: the job as the app runs it, through a consumer thread; its
    seconds from request to file (moved to `to`, if given)."""
    with tasks.running_consumer(app):
        t0 = time.perf_counter()
        job = request(user, lists.HAZARDS, fmt, filters or service.Filters())
        while job.status in (QUEUED, RUNNING):
            time.sleep(0.05)
            db.session.expire_all()
        elapsed = time.perf_counter() - t0
    if job.status != DONE:
        raise RuntimeError(f"the bench job ended {job.status}: {job.error}")
    if to is not None:
        os.replace(path_of(job), to)
    return elapsed
