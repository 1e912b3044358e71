"""``replay --json`` in shards: on every core, or on Dask (see ``docs/dask.md``)."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from importlib.resources import as_file, files
from typing import Final

import structlog

from discrepancy.cli._logs import EXAMPLE, check_timestamp
from discrepancy.errors import DiscrepancyError
from discrepancy.progress import progress
from discrepancy.reading import is_stream
from discrepancy.shard import task_count, write_sharded_report

_log = structlog.get_logger(__name__)

SINGLE_PROCESS_BELOW: Final = 32 * 2**20
"""Without ``--jobs``, logs smaller than this (in bytes, all together) are replayed
in one process: below it, starting workers and writing parts costs more than
the cores give back (measured in docs/benchmarks.md)."""


def sharded_replay(args: argparse.Namespace, chosen: str) -> bool:
    """Write the JSON report in shards if this run should; whether it did.

    Sharded: with ``--dask``; with ``--jobs N``, N > 1; or without ``--jobs``
    once the logs reach :data:`SINGLE_PROCESS_BELOW`. ``--jobs 1`` is the
    single-process replay, whatever the size. Only ``--json`` with the ``spec``
    policy: ``learned`` learns over the whole log, and both other policies
    print their own keys, so they take the single-process path (with a warning
    if ``--jobs`` asked for more; with ``--dask``, on Dask through
    :func:`discrepancy.dask.replay_dask_cli`).
    """
    if not args.logs and not args.example:
        return False
    if chosen != "json" or args.policy != "spec":
        if args.jobs is not None and args.jobs > 1 and not args.dask:
            _log.warning(
                "replay_in_one_process",
                reason="only replay --json with the spec policy is sharded; --jobs is ignored",
                format=chosen,
                policy=args.policy,
            )
        return False
    check_timestamp("--as-of", args.as_of)
    if any(is_stream(p) for p in args.logs):
        # Replayed in one process (load_state warns of an ignored --dask).
        if args.jobs is not None and args.jobs > 1 and not args.dask:
            _log.warning(
                "replay_in_one_process",
                reason="a stream (-, a FIFO or a pipe) cannot be cut into shards;"
                " --jobs is ignored",
            )
        return False
    with as_file(files("discrepancy") / "examples" / EXAMPLE) as example:
        paths = [os.fspath(p) for p in [*args.logs, *([example] if args.example else [])]]
        if args.dask:
            _on_dask(args, paths)
            return True
        if args.jobs == 1 or (args.jobs is None and _size(paths) < SINGLE_PROCESS_BELOW):
            return False
        jobs = args.jobs if args.jobs is not None else os.cpu_count() or 1
        started = time.perf_counter()
        with progress(task_count(paths, jobs=jobs), "replay") as bar:
            written = write_sharded_report(
                paths, sys.stdout.buffer, as_of=args.as_of, jobs=jobs, advance=bar.advance
            )
        sys.stdout.flush()
    _log.info(
        "replay_finished",
        sharded=True,
        jobs=jobs,
        bytes=written,
        seconds=round(time.perf_counter() - started, 3),
        caller_peak_rss_mb=_peak_rss_mb(),
    )
    return True


def _on_dask(args: argparse.Namespace, paths: list[str]) -> None:
    try:
        from discrepancy.dask import report_dask_cli  # noqa: PLC0415 - an extra
    except ImportError:
        raise DiscrepancyError(
            "--dask needs the dask extra: pip install 'discrepancy[dask]'"
        ) from None
    started = time.perf_counter()
    with progress(None, "replay --dask") as bar:
        written = report_dask_cli(
            paths, sys.stdout.buffer, args.scheduler, args.as_of, advance=bar.advance
        )
    sys.stdout.flush()
    _log.info(
        "replay_finished",
        dask=True,
        scheduler=args.scheduler or "local",
        bytes=written,
        seconds=round(time.perf_counter() - started, 3),
        caller_peak_rss_mb=_peak_rss_mb(),
    )


def _peak_rss_mb() -> float:
    """This process's own peak RSS (workers not included), in MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _size(paths: list[str]) -> int:
    """The logs' total size; a file that cannot be read is left to the reader to name."""
    total = 0
    for path in paths:
        try:
            total += os.path.getsize(path)
        except OSError:
            return SINGLE_PROCESS_BELOW  # shard, and let plan() name it
    return total
