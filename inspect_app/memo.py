"""Short-lived memos of costly figures, per worker process.

A list's total, the major-hazard dashboard, a user's unread count: figures that may lag the
data by a few seconds or a minute without misleading anyone, and that would otherwise cost a
whole-table scan on every page. Each entry lives `seconds`; the memo holds at most `size`
entries (the oldest go first). Thread-safe: gunicorn's threads share a process.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class Memo:
    def __init__(self, seconds: float, size: int = 1024):
        self.seconds, self.size = seconds, size
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        from flask import current_app

        if not current_app.config.get("FIGURE_MEMOS", True):
            return compute()  # tests that change data mid-test see every change at once
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit and hit[0] > now:
                return hit[1]
        value = compute()  # outside the lock: a slow figure never blocks other keys
        with self._lock:
            self._entries[key] = (now + self.seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def forget(self, key: Hashable) -> None:
        """Drop one entry (this process's reader sees their own change at once)."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_all: list[Memo] = []


def memo(seconds: float, size: int = 1024) -> Memo:
    m = Memo(seconds, size)
    _all.append(m)
    return m


def clear_all() -> None:
    """Forget every memo (tests, and after a restore)."""
    for m in _all:
        m.clear()
