"""Pause Python's cyclic garbage collector while a large batch of work runs.

A batch check or ingest of 10,000 items makes a few hundred thousand short-lived objects
(canonical values, scores, result dicts) that reference counting frees; a full cases rebuild
holds some ten million tuples, lists and dicts (reports' facts, links grouped by identifier,
summaries) until it ends. None of them form cycles that outlive the work. Yet every 700 new
objects start a collection, and each full one walks every object the process holds — the
larger the work grows, the longer each walk. Measured: a batch check of 10,000 values,
550–640 ms of CPU with the collector, 370–500 ms without; a rebuild of 1,000,000 reports,
59.6 s with it, 53.6 s without (71.6 s and 61.2 s in a process holding eight million other
tuples).

The collector is paused while at least one such piece of work is in progress in the process
(worker threads share it) and resumes — as it was before — when the last one ends. Cycles
made meanwhile are collected then, at the next automatic collection.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_active = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    global _active, _was_enabled
    with _lock:
        if _active == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _was_enabled:
                gc.enable()
