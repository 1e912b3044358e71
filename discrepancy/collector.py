"""The garbage-collector pause for batch work: the shell's, never the core's.

The pure core (state, reconcile, report) never touches process-wide settings;
the shell (the command line, the log readers, Dask tasks) pauses the cyclic
collector around a whole batch of decoding and reducing.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch builds many objects.

    Events, values and indexes hold no reference cycles, so reference counting
    frees them all; without the pause, the collector rescans every live object
    again and again while millions are allocated, which measured about half of
    replay time. The collector's previous state is restored on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def paused_gc_task(task: Callable[_P, _R]) -> Callable[_P, _R]:
    """``task`` run under :func:`paused_gc`, its batch freed before the collector resumes.

    For a task that folds a large batch into a small result (a shard's report
    pieces, a block's packed partial state). Resumed while the batch is still
    alive, the collector's first young collection would walk every object the
    task built, all of them still in the youngest generation: 7% of a
    sharded replay in a process whose collector is on (a Dask worker, a
    library caller). Here the task's frame, and with it the batch, is gone by
    then; only the result is left to walk.
    """

    @functools.wraps(task)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with paused_gc():
            return task(*args, **kwargs)

    return paused
