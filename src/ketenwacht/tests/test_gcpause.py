"""The collector pause of batch work: off while any batch runs, restored as it was after."""

from __future__ import annotations

import gc
import threading

from ketenwacht.gcpause import gc_paused


def test_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested (the view around the service)
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_restored_after_an_error() -> None:
    try:
        with gc_paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()


def test_stays_off_when_it_was_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_resumes_only_when_the_last_of_overlapping_batches_ends() -> None:
    first_in, second_done, release = threading.Event(), threading.Event(), threading.Event()

    def long_batch() -> None:
        with gc_paused():
            first_in.set()
            release.wait(10)

    thread = threading.Thread(target=long_batch)
    thread.start()
    assert first_in.wait(10)
    with gc_paused():
        second_done.set()
    assert not gc.isenabled()  # the first batch is still running
    release.set()
    thread.join(10)
    assert gc.isenabled()
