"""Partitioned replay on Dask against the single-process replay.

Writes N generated events over 8 JSON Lines files, then times, in one run:

* ``decode``: decoding every line with the core codec, nothing kept (a floor
  for any single-process replay);
* ``replay_paths``: the single-process replay of :mod:`discrepancy.logs`;
* ``replay_dask``: :func:`discrepancy.dask.replay_dask` on a
  ``LocalCluster`` of worker processes (started before the clock, so its
  start-up is reported apart as overhead).

It checks that both replays give the same report bytes, and prints one row
per measurement with ratios to the single-process replay.

    python benchmarks/bench_dask.py --events 1000000 --workers 2

The logs come from :func:`discrepancy.generate.generate_lines` (seeded,
deterministic).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import structlog
from distributed import Client, LocalCluster

from discrepancy.codec import decode_line
from discrepancy.collector import paused_gc
from discrepancy.dask import (  # the breakdown times the steps apart
    DEFAULT_BLOCKSIZE,
    DEFAULT_SPLIT_EVERY,
    _blocks,
    _finish,
    _graph,
    replay_dask,
)
from discrepancy.generate import generate_lines
from discrepancy.logs import replay_paths
from discrepancy.reconcile import reconcile
from discrepancy.report import dumps, report

_P = ParamSpec("_P")
_R = TypeVar("_R")


def write_logs(directory: Path, n: int, files: int, *, seed: int = 0) -> list[Path]:
    """``n`` generated events dealt at random over ``files`` files.

    Claims, the stances on them and the sources they name mostly land in
    different files, so the merge, not any one partition, brings them together.
    """
    paths = [directory / f"part-{i}.jsonl" for i in range(files)]
    handles = [p.open("wb") for p in paths]
    try:
        rng = random.Random(seed + 1)
        for line in generate_lines(n, seed):
            handles[rng.randrange(files)].write(line)
    finally:
        for handle in handles:
            handle.close()
    return paths


def _timed(fn: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> tuple[float, _R]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def _best(
    repeat: int, fn: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs
) -> tuple[float, _R]:
    """The shortest of ``repeat`` timed runs (the machine may be shared), and a result."""
    best, result = _timed(fn, *args, **kwargs)
    for _ in range(repeat - 1):
        del result
        seconds, result = _timed(fn, *args, **kwargs)
        best = min(best, seconds)
    return best, result


def _decode_only(paths: list[Path]) -> int:
    count = 0
    for path in paths:
        with path.open("rb") as handle:
            for line_no, line in enumerate(handle, start=1):
                decode_line(line, path=str(path), line_no=line_no)
                count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--blocksize", type=int, default=None, help="bytes per partition")
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs")
    parser.add_argument("--dir", type=Path, default=None, help="keep the logs here")
    args = parser.parse_args(argv)

    blocksize = args.blocksize or DEFAULT_BLOCKSIZE
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        seconds, paths = _timed(write_logs, directory, args.events, args.files)
        size = sum(p.stat().st_size for p in paths)
        print(
            f"# {args.events} events, {args.files} files, {size / 1e6:.0f} MB, "
            f"written in {seconds:.1f} s; {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, {platform.machine()}; best of {args.repeat}",
            flush=True,
        )
        t_decode, _ = _best(args.repeat, _decode_only, paths)
        t_single, single = _best(args.repeat, replay_paths, paths)
        expected = dumps(report(reconcile(single)))
        del single

        t_start, cluster = _timed(
            LocalCluster,
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # a free loopback port: the HTTP server always starts
        )
        try:
            with Client(cluster) as client:  # type: ignore[no-untyped-call]
                t_dask, state = _best(
                    args.repeat, replay_dask, paths, scheduler=client, blocksize=blocksize
                )
                got = dumps(report(reconcile(state)))
                del state
                # The same work in two steps, not overlapped: the workers' part
                # with the transfer here, then the caller's last merge alone.
                blocks = _blocks(paths, blocksize)
                partitions = len(blocks)
                level = _graph(blocks, None, DEFAULT_SPLIT_EVERY)
                with paused_gc():  # as in replay_dask, where the last merge pauses it
                    t_workers, partials = _timed(client.gather, client.compute(level))
                t_last, state = _timed(_finish, partials)
                del state, partials
                t_sync, state = _best(
                    args.repeat, replay_dask, paths, scheduler="sync", blocksize=blocksize
                )
                del state
        finally:
            t_stop, _ = _timed(cluster.close)
        if got != expected:
            print("MISMATCH: the Dask report differs from the single-process one")
            return 1

    rows = [
        ("decode only, nothing kept (1 process)", t_decode),
        ("replay_paths (1 process)", t_single),
        (f"replay_dask, sync scheduler (1 process, {partitions} partitions)", t_sync),
        (f"replay_dask, LocalCluster {args.workers} workers x 1 thread", t_dask),
        ("- step 1: workers decode, fold, pack; caller gathers, unpickles", t_workers),
        ("- step 2: caller's last merge (unpack, replay)", t_last),
        (f"ideal: replay_paths / {args.workers}", t_single / args.workers),
    ]
    print("| run | seconds | events/s | speedup vs replay_paths |")
    print("|---|---:|---:|---:|")
    for name, secs in rows:
        print(f"| {name} | {secs:.2f} | {args.events / secs:,.0f} | {t_single / secs:.2f}x |")
    print(f"| LocalCluster start (not in the rows above) | {t_start:.2f} | | |")
    print(f"| LocalCluster close | {t_stop:.2f} | | |")
    print(
        f"# overhead: Dask end to end minus ideal = {t_dask - t_single / args.workers:.2f} s, "
        f"plus {t_start + t_stop:.2f} s to start and close the cluster"
    )
    print("# reports identical: yes")
    return 0


if __name__ == "__main__":
    # Only the table: the library's debug lines would interleave with it.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    sys.exit(main())
