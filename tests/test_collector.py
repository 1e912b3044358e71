"""The collector pause of batch tasks (discrepancy.collector)."""

from __future__ import annotations

import gc
import pickle
import weakref
from collections.abc import Iterator

import pytest

from discrepancy import shard
from discrepancy.collector import paused_gc, paused_gc_task


class _Batch:
    """Stands for the many objects a task builds."""


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


@pytest.mark.usefixtures("collector_on")
def test_a_task_frees_its_batch_before_the_collector_resumes() -> None:
    collector_when_freed: list[bool] = []

    @paused_gc_task
    def task() -> int:
        batch = _Batch()
        weakref.finalize(batch, lambda: collector_when_freed.append(gc.isenabled()))
        assert not gc.isenabled()
        return 7

    assert task() == 7
    assert collector_when_freed == [False]
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_the_plain_pause_resumes_while_its_locals_live() -> None:
    # The pause the task decorator improves on: a batch still referenced at
    # the end of the ``with`` is freed after the collector is back on.
    collector_when_freed: list[bool] = []

    def task() -> int:
        with paused_gc():
            batch = _Batch()
            weakref.finalize(batch, lambda: collector_when_freed.append(gc.isenabled()))
            return 7

    assert task() == 7
    assert collector_when_freed == [True]


@pytest.mark.usefixtures("collector_on")
def test_a_failing_task_resumes_the_collector() -> None:
    @paused_gc_task
    def task() -> None:
        raise ValueError("bad batch")

    with pytest.raises(ValueError, match="bad batch"):
        task()
    assert gc.isenabled()


def test_a_paused_collector_stays_paused() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        assert paused_gc_task(gc.isenabled)() is False
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_decorated_tasks_keep_their_names_and_pickle() -> None:
    # Process pools and Dask send the tasks by qualified name.
    for task in (shard.route_chunk, shard.pick_bucket, shard.replay_shard):
        assert pickle.loads(pickle.dumps(task)) is task
        assert (task.__doc__ or "").startswith("Step ")
