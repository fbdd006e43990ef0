"""Short-lived values kept per web process: lists read on every request that change rarely.

Each holder is read at most every `seconds`; a write in the same process calls forget()
so that process sees its own change at once, while other processes see it within `seconds`.
"""
import threading
import time

from flask import current_app


class Expiring:
    """The value `load(*args)` returned at most `seconds` ago (0: never kept)."""

    def __init__(self, seconds, load):
        self.seconds = seconds
        self._load = load
        self._lock = threading.Lock()
        self._value, self._read_at = None, 0.0

    def get(self, *args):
        with self._lock:
            if self._value is not None and time.monotonic() - self._read_at < self.seconds:
                return self._value
        value = self._load(*args)  # outside the lock: a slow read never blocks the other threads' cached reads
        with self._lock:
            self._value, self._read_at = value, time.monotonic()
        return value

    def forget(self):
        with self._lock:
            self._value = None


def per_app(name, make):
    """The current app's one holder called `name`, made by `make(app)` on first use."""
    app = current_app._get_current_object()
    holder = app.extensions.get(name)
    if holder is None:
        holder = app.extensions.setdefault(name, make(app))
    return holder
