"""Photo decoding in a few separate, lower-priority processes, so uploads can't slow pages.

Decoding and re-encoding an image is CPU-bound and can take seconds (a very tall PNG). In a web
thread it competes with every other request for the cores and for the interpreter lock; eight
uploads at once made the login page take seconds. Here each web process hands the work to its
own small pool of PHOTO_DECODE_CONCURRENCY processes running at a lower CPU priority
(PHOTO_DECODE_NICE), so the kernel serves the web threads first.

Admission is bounded per web process: as many uploads as there are decode processes, plus
PHOTO_DECODE_QUEUE waiting. Beyond that an upload is refused at once (Busy: 503 with
Retry-After, the phone's outbox tries again) instead of holding a web thread that other
people's pages need. A slot is freed when its decode ends, not when its request gives up.

The processes are forked from a clean server process (forkserver), never from the threaded web
process itself. media.process_photo is pure, so the result is the same as in the request.
"""

import atexit
import multiprocessing
import os
import select
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from flask import current_app

from .. import media

RECYCLE_AFTER = 200  # decodes per process before it is replaced (memory fragmentation)


class Busy(Exception):
    """No decode slot free (or the decode failed to finish): try again later."""


def _start(nice: int, web_pid: int) -> None:
    """In each decode process: a lower priority, and an end with the web process it serves.
    Nothing else would end it: it holds its own queue's pipe open, and the fork server lives
    as long as its children do, so a web process killed by gunicorn's timeout would leave them."""
    os.nice(nice)
    threading.Thread(target=_exit_with, args=(web_pid,), daemon=True).start()


def _exit_with(pid: int) -> None:
    try:
        fd = os.pidfd_open(pid)  # Linux 5.3+: readable once the process has ended
    except OSError:  # already gone
        os._exit(0)
    except AttributeError:  # no pidfd: look every few seconds
        while os.getppid() != 1 and _alive(pid):
            time.sleep(3)
        os._exit(0)
    select.select([fd], [], [])
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _whoami() -> tuple[int, int]:
    return os.getpid(), os.nice(0)


@dataclass
class Pool:
    processes: int
    queue: int
    nice: int
    pid: int = field(default_factory=os.getpid)

    def __post_init__(self):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["inspect_app.media"])  # children start with Pillow loaded
        self.executor = ProcessPoolExecutor(self.processes, mp_context=ctx,
                                            initializer=_start, initargs=(self.nice, self.pid),
                                            max_tasks_per_child=RECYCLE_AFTER)
        # Running plus waiting decodes of this web process.
        self.slots = threading.BoundedSemaphore(self.processes + self.queue)

    def key(self) -> tuple:
        return self.processes, self.queue, self.nice, self.pid

    def run(self, fn, *args, timeout: float, **kwargs):
        """fn(*args, **kwargs) in a decode process, or Busy at once when every slot is taken."""
        if not self.slots.acquire(blocking=False):
            raise Busy
        try:
            future = self.executor.submit(fn, *args, **kwargs)
        except BrokenProcessPool:
            self.slots.release()
            _replace(self)
            raise Busy from None
        except BaseException:
            self.slots.release()
            raise
        future.add_done_callback(lambda _f: self.slots.release())
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            future.cancel()  # still waiting: never runs; running: keeps its slot till it ends
            raise Busy from None
        except BrokenProcessPool:  # a decode process died (killed, out of memory)
            _replace(self)
            raise Busy from None

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


_pool: Pool | None = None
_lock = threading.Lock()


def pool() -> Pool:
    """This web process's pool, made on first use (after gunicorn forked the worker)."""
    global _pool
    cfg = current_app.config
    key = (cfg["PHOTO_DECODE_CONCURRENCY"], cfg["PHOTO_DECODE_QUEUE"], cfg["PHOTO_DECODE_NICE"],
           os.getpid())
    with _lock:
        if _pool is None or _pool.key() != key:
            if _pool is not None and _pool.pid == os.getpid():
                _pool.shutdown()  # settings changed (tests): one pool per process
            _pool = Pool(*key[:3])
        return _pool


def _replace(broken: Pool) -> None:
    global _pool
    with _lock:
        if _pool is broken:
            broken.shutdown()
            _pool = None


@atexit.register
def _shutdown() -> None:
    if _pool is not None and _pool.pid == os.getpid():
        _pool.shutdown()


def process_photo(data: bytes, **limits) -> media.ProcessedPhoto:
    """media.process_photo in a decode process; raises PhotoRejected like it, or Busy."""
    return pool().run(media.process_photo, data, timeout=current_app.config["PHOTO_DECODE_TIMEOUT"],
                      **limits)


def worker_identity() -> tuple[int, int]:
    """(pid, niceness) of a decode process, as it runs a job (for tests and health checks)."""
    return pool().run(_whoami, timeout=current_app.config["PHOTO_DECODE_TIMEOUT"])
