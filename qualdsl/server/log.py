"""The decision log: one JSON line per decision, appended without torn lines, rotated by size.

Each record is encoded to one complete line first and written with a single ``os.write``
to a file opened with ``O_APPEND``, while holding a thread lock and an ``flock`` on a lock
file beside the log (``FILE.lock``), so concurrent requests, and several worker processes,
never interleave or lose lines. Before writing, a writer checks that its descriptor still
refers to FILE (another process, or an outside tool, may have rotated it) and reopens it if
not. When the next line would take FILE past ``max_bytes``, FILE.(N-1) → FILE.N, ...,
FILE → FILE.1, and a new FILE is started; FILE.N beyond ``keep`` is dropped.

Lines reach the operating system at once (they survive the process, not a power cut:
there is no fsync per line).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from qualdsl.server.jsonio import dumps

MASK = "***"
FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)


class Masker:
    """Replaces the value of every mapping key in ``fields`` (compared case-folded) by "***", at any depth."""

    CACHE = 4096  # keys remembered (clients choose the keys: the memory stays bounded)

    def __init__(self, fields: Iterable[str]) -> None:
        self.fields = frozenset(f.casefold() for f in fields)
        self._hidden: dict[object, bool] = {}

    def hides(self, key: object) -> bool:
        hidden = self._hidden.get(key)
        if hidden is None:
            hidden = key.__class__ is str and key.casefold() in self.fields  # type: ignore[attr-defined]
            if len(self._hidden) < self.CACHE:
                self._hidden[key] = hidden
        return hidden

    def __call__(self, value: Any) -> Any:
        if not self.fields:
            return value
        kind = value.__class__  # JSON gives dicts, lists and scalars: tested by class first, which is faster
        if kind is dict or (kind is not list and isinstance(value, Mapping)):
            return {k: MASK if self.hides(k) else v if v.__class__ in _SCALARS else self(v) for k, v in value.items()}
        if kind is list or kind is tuple:
            return [v if v.__class__ in _SCALARS else self(v) for v in value]
        return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


def masked(value: Any, fields: Iterable[str]) -> Any:
    return Masker(fields)(value)


def encode(record: Mapping[str, object]) -> bytes:
    """One complete line: JSON never holds a raw newline, so the line ends only at the end."""
    return dumps(record) + b"\n"


def decision_record(
    at: dt.datetime, policy_id: str, info: Mapping[str, str], lead: Any, events: Any, now: dt.datetime,
    outcome: str, reason: str | None, scores: Mapping[str, int], mask: Masker, index: int | None = None,
    item_id: object = None,
) -> dict[str, object]:
    record: dict[str, object] = {
        "time": at.isoformat(), "policy": policy_id, "name": info["name"], "version": info["version"],
        "hash": info["hash"], "now": now.isoformat(), "input": {"lead": mask(lead), "events": mask(events)},
        "outcome": outcome, "reason": reason, "scores": dict(scores),
    }
    if index is not None:
        record["index"] = index
    if item_id is not None:
        record["id"] = item_id
    return record


def rotate(path: str, keep: int) -> None:
    """FILE.(keep-1) → FILE.keep, ..., FILE → FILE.1 (FILE itself is dropped when keep is 0)."""
    if keep <= 0:
        _remove(path)
        return
    _remove(f"{path}.{keep}")
    for n in range(keep - 1, 0, -1):
        if os.path.exists(f"{path}.{n}"):
            os.replace(f"{path}.{n}", f"{path}.{n + 1}")
    if os.path.exists(path):
        os.replace(path, f"{path}.1")


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


class DecisionLog:
    """Appends encoded records to ``path``; rotates past ``max_bytes`` (0: never), keeping ``keep`` old files."""

    def __init__(self, path: str, max_bytes: int = 0, keep: int = 5, mask_fields: Iterable[str] = ()) -> None:
        self.path = os.path.abspath(path)
        self.max_bytes = max_bytes
        self.keep = keep
        self.mask = Masker(mask_fields)
        self._lock = threading.Lock()
        self._lock_fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        self._fd = os.open(self.path, FLAGS, 0o600)
        self._ino = os.fstat(self._fd).st_ino
        self.written = 0  # lines written by this process

    def write(self, lines: Iterable[bytes]) -> None:
        """Append each line (already encoded, one record each) with its own single write."""
        with self._lock:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                size = self._follow()
                for line in lines:
                    if self.max_bytes and size and size + len(line) > self.max_bytes:
                        rotate(self.path, self.keep)
                        self._reopen()
                        size = 0
                    _write_all(self._fd, line)
                    size += len(line)
                    self.written += 1
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _follow(self) -> int:
        """The size of FILE, after reopening it if it is no longer the file we hold (rotated or
        removed by another process or an outside tool)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._reopen()
            return 0
        if st.st_ino != self._ino:
            self._reopen()
            return os.fstat(self._fd).st_size
        return st.st_size

    def _reopen(self) -> None:
        old, self._fd = self._fd, os.open(self.path, FLAGS, 0o600)
        self._ino = os.fstat(self._fd).st_ino
        os.close(old)

    def close(self) -> None:
        with self._lock:
            for fd in (self._fd, self._lock_fd):
                with contextlib.suppress(OSError):
                    os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    # One write almost always takes the whole line; if the kernel takes part (a full disk, a
    # signal), the rest follows at once while we still hold the locks, so no other line gets in.
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
