"""The garbage-collector pause for batch work: the shell's, never the core's.

The pure core (state, reconcile, report) never touches process-wide settings;
the shell (the command line, the log readers, Dask tasks) pauses the cyclic
collector around a whole batch of decoding and reducing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
