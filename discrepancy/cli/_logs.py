"""What every reading command shares: LOG arguments, --example, --as-of, loading,
and the filters of ``list`` and ``replay``."""

from __future__ import annotations

import argparse
import fnmatch
from collections.abc import Iterator, Sequence
from importlib.resources import as_file, files
from typing import Any

import structlog

from discrepancy.cli._usage import UsageError
from discrepancy.errors import DiscrepancyError
from discrepancy.events import Event, Source, instant_key
from discrepancy.history import kept_events
from discrepancy.logs import replay_paths
from discrepancy.progress import Progress, progress
from discrepancy.reading import is_stream
from discrepancy.reconcile import STATUSES, PropositionFinding, Reconciliation
from discrepancy.state import State

EXAMPLE = "border_clash.jsonl"

_log = structlog.get_logger(__name__)


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
            action=Once,
            help="only events recorded at or before T (RFC 3339 with offset)",
        )


class Once(argparse.Action):
    """Store an option's value, refusing the option a second time (exit 2)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        if getattr(namespace, self.dest, None) is not None:
            raise argparse.ArgumentError(self, "given twice; give it once")
        setattr(namespace, self.dest, values)


def add_filter_arguments(parser: Any) -> None:
    """--status, --proposition, --source and --party: which propositions to show."""
    group = parser.add_argument_group("which propositions to show (all given must hold)")
    group.add_argument(
        "--status",
        action="append",
        choices=STATUSES,
        help="only propositions of this status (repeatable: any of them)",
    )
    group.add_argument(
        "--proposition",
        dest="proposition_glob",
        action="append",
        metavar="GLOB",
        help="only propositions whose key matches GLOB, e.g. 'pk-*' (repeatable: any of them)",
    )
    group.add_argument(
        "--source",
        dest="source_filter",
        action="append",
        metavar="ID",
        help="only propositions with a claim, confirmation or denial by source ID (repeatable)",
    )
    group.add_argument(
        "--party",
        dest="party_filter",
        action="append",
        metavar="NAME",
        help="only propositions with a claim by a source of party NAME (repeatable)",
    )


def filters_given(args: argparse.Namespace) -> list[str]:
    """The filter options given, as they are spelled on the command line."""
    names = (
        ("status", "--status"),
        ("proposition_glob", "--proposition"),
        ("source_filter", "--source"),
        ("party_filter", "--party"),
    )
    return [option for dest, option in names if getattr(args, dest, None)]


def source_parties(state: State) -> dict[str, frozenset[str]]:
    """Each registered source's parties, as its latest registration says."""
    latest: dict[str, Source] = {}
    for event in kept_events(state):
        if isinstance(event, Source):
            seen = latest.get(event.source)
            if seen is None or event.order > seen.order:
                latest[event.source] = event
    return {sid: frozenset(e.parties) for sid, e in latest.items()}


def select(
    reconciliation: Reconciliation, args: argparse.Namespace, state: State
) -> list[PropositionFinding]:
    """The propositions that pass every filter given, in key order."""
    statuses = set(args.status or STATUSES)
    globs = args.proposition_glob or ()
    sources = set(args.source_filter or ())
    parties = set(args.party_filter or ())
    party_of = source_parties(state) if parties else {}

    def wanted(finding: PropositionFinding) -> bool:
        if finding.status not in statuses:
            return False
        if globs and not any(fnmatch.fnmatchcase(finding.proposition, g) for g in globs):
            return False
        if sources and not any(
            c.source in sources or sources & {*c.confirmed_by, *c.denied_by} for c in finding.claims
        ):
            return False
        return not parties or any(
            party_of.get(c.source, frozenset()) & parties for c in finding.claims
        )

    return [f for f in reconciliation.propositions.values() if wanted(f)]


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
    if on_dask and any(is_stream(p) for p in args.logs):
        _log.warning(
            "replay_in_one_process",
            reason="a stream (-, a FIFO or a pipe) cannot be read by Dask workers;"
            " --dask is ignored",
        )
        on_dask = False
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
            # The one reading path (a matching LOG.snapshot included).
            return replay_paths(paths, as_of=as_of, counted=lambda events: _counted(events, bar))
