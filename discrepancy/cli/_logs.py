"""What every reading command shares: LOG arguments, --example, --as-of, loading."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from importlib.resources import as_file, files
from typing import Any

from discrepancy.cli._usage import UsageError
from discrepancy.errors import DiscrepancyError
from discrepancy.events import Event, instant_key
from discrepancy.logs import read_paths
from discrepancy.progress import Progress, progress
from discrepancy.state import State, replay

EXAMPLE = "border_clash.jsonl"


def add_log_arguments(parser: Any, *, as_of: bool = True) -> None:
    """LOG ..., --example and (unless told not to) --as-of."""
    parser.add_argument("logs", nargs="*", metavar="LOG", help="JSON Lines event logs")
    parser.add_argument(
        "--example",
        action="store_true",
        help="read the bundled border-clash example log (with or instead of LOG)",
    )
    if as_of:
        parser.add_argument(
            "--as-of",
            metavar="T",
            help="only events recorded at or before T (RFC 3339 with offset)",
        )


def check_timestamp(option: str, text: str | None) -> None:
    """A usage error unless ``text`` is an RFC 3339 timestamp with offset."""
    if text is None:
        return
    try:
        instant_key(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _counted(events: Iterator[Event], bar: Progress) -> Iterator[Event]:
    """``events``, counted on the progress bar in chunks (cheap per event)."""
    chunk = 0
    for event in events:
        yield event
        chunk += 1
        if chunk == 16384:
            bar.advance(chunk)
            chunk = 0
    bar.advance(chunk)


def load_state(args: argparse.Namespace, command: str) -> State:
    """The state of the logs the command was given (a progress bar on a terminal)."""
    if not args.logs and not args.example:
        raise UsageError(f"{command} needs at least one LOG, or --example")
    as_of = getattr(args, "as_of", None)
    check_timestamp("--as-of", as_of)
    on_dask = getattr(args, "dask", False)
    with as_file(files("discrepancy") / "examples" / EXAMPLE) as example:
        paths = [*args.logs, *([example] if args.example else [])]
        if on_dask:
            try:
                from discrepancy.dask import replay_dask_cli  # noqa: PLC0415 - an extra
            except ImportError:
                raise DiscrepancyError(
                    "--dask needs the dask extra: pip install 'discrepancy[dask]'"
                ) from None
            address = getattr(args, "scheduler", None)
            return replay_dask_cli([str(p) for p in paths], address, as_of)
        with progress(None, command) as bar:
            return replay(_counted(read_paths(paths, as_of=as_of), bar))
