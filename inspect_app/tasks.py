"""The task queue (Huey): work that must not hold a web worker — big exports, e-mail, SMS.

    @tasks.job(retries=3, retry_delay=10)
    def send_things(batch_id): ...        # runs in a consumer, inside an app context
    tasks.enqueue("send_things", 42)      # from a request, after its data is committed

Where the queue lives (TASK_QUEUE_URL): a SQLite file under instance/ by default, so `make run`
needs nothing more; Redis when REDIS_URL is set, so consumers on several machines share it.
Each app gets its own Huey instance (no module-level queue), so a test's queue is its own.
`flask tasks worker` runs a consumer; `make run` starts one beside gunicorn.
"""

import logging
import signal
from collections.abc import Callable
from contextlib import contextmanager
from functools import wraps
from pathlib import Path

import click
from flask import Flask, current_app, has_app_context
from flask.cli import AppGroup
from flask_sqlalchemy.session import Session
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event

from .extensions import db

log = logging.getLogger(__name__)

# name -> (function, Huey task options, crontab or None); filled at import by @job/@periodic.
_JOBS: dict[str, tuple[Callable, dict, Callable | None]] = {}


def job(**options) -> Callable:
    """Declare a task; `options` are Huey's (retries, retry_delay, priority, expires…)."""
    def register(fn: Callable) -> Callable:
        _JOBS[fn.__name__] = (fn, options, None)
        return fn
    return register


def periodic(schedule: Callable, **options) -> Callable:
    """Declare a task the consumer runs on a schedule (huey.crontab(...))."""
    def register(fn: Callable) -> Callable:
        _JOBS[fn.__name__] = (fn, options, schedule)
        return fn
    return register


def storage(url: str, name: str):
    """Huey storage for a URL: redis://…, sqlite:///path, or memory:// (one process only)."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStorage(name, url=url)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteStorage(name, filename=str(path))
    if url == "memory://":
        return MemoryStorage(name)
    raise ValueError(f"TASK_QUEUE_URL must be redis://, sqlite:/// or memory://, not {url!r}")


class Queue:
    """One app's Huey instance with every declared task bound to that app."""

    def __init__(self, app: Flask):
        name = app.config["TASK_QUEUE_NAME"]
        self.huey = Huey(name, results=False, storage_class=MemoryStorage)
        self.huey.storage = storage(app.config["TASK_QUEUE_URL"], name)
        self.tasks = {}
        for fname, (fn, options, schedule) in _JOBS.items():
            wrapped = _in_app(app, fn)
            if schedule is None:
                self.tasks[fname] = self.huey.task(name=fname, **options)(wrapped)
            else:
                self.tasks[fname] = self.huey.periodic_task(schedule, name=fname, **options)(wrapped)

    def enqueue(self, name: str, *args) -> None:
        self.tasks[name](*args)


def _in_app(app: Flask, fn: Callable) -> Callable:
    @wraps(fn)
    def run(*args, **kwargs):
        if has_app_context() and current_app._get_current_object() is app:
            return fn(*args, **kwargs)  # a test executing the task in its own context
        with app.app_context():
            return fn(*args, **kwargs)
    return run


def queue() -> Queue:
    return current_app.extensions["tasks"]


def enqueue(name: str, *args) -> None:
    """Put a task on the current app's queue (call it after the rows it reads are committed)."""
    queue().enqueue(name, *args)


def after_commit(name: str) -> None:
    """Queue task `name` (no arguments) once the current transaction commits: the consumer then
    reads committed rows. A rollback forgets it; if the queue is down it is logged, and the
    task's periodic catch-up (or its cron command) does the work later."""
    db.session.info.setdefault(_DUE, set()).add(name)


_DUE = "tasks_due"


@event.listens_for(Session, "after_commit")
def _enqueue_due(session) -> None:
    for name in sorted(session.info.pop(_DUE, ())):
        try:
            enqueue(name)
        except Exception:
            log.exception("could not queue %s", name)


@event.listens_for(Session, "after_rollback")
def _forget_due(session) -> None:
    session.info.pop(_DUE, None)


def lock(name: str):
    """A lock shared by every consumer on this queue (context manager; raises if held)."""
    return queue().huey.lock_task(name)


@contextmanager
def running_consumer(app: Flask, workers: int = 1):
    """A consumer with worker threads in this process, for tests and benches (the main thread's
    signal handlers are put back afterwards)."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = app.extensions["tasks"].huey.create_consumer(
        workers=workers, worker_type="thread", periodic=False, initial_delay=0.05, max_delay=0.5,
        check_worker_health=False)
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
        for sig, handler in saved.items():
            signal.signal(sig, handler)


tasks_cli = AppGroup("tasks", help="The task queue.")


@tasks_cli.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, help="Worker threads.")
def worker(workers: int):
    """Run a consumer: take tasks off the queue until stopped (Ctrl-C finishes running tasks)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s tasks %(levelname)s %(message)s")
    huey = queue().huey
    click.echo(f"consumer on {current_app.config['TASK_QUEUE_URL'].split('@')[-1]}"
               f" ({huey.name}), {workers} workers")
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()


@tasks_cli.command("pending")
def pending():
    """How many tasks wait on the queue."""
    click.echo(str(queue().huey.pending_count()))


def init_app(app: Flask) -> None:
    # Importing the modules that declare tasks fills _JOBS before the app's queue is built.
    from .ledgers import jobs, summary  # noqa: F401
    from .notifications import delivery  # noqa: F401
    from .sms import delivery as sms_delivery  # noqa: F401
    app.extensions["tasks"] = Queue(app)
    app.cli.add_command(tasks_cli)
