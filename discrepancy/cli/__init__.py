"""The ``discrepancy`` command line: the only place that configures logging.

Each subcommand lives in a module of this package exposing
``register(subparsers)``, which adds its parser and sets ``func(args) -> int``.
Exit codes: 0 ok, 1 invalid input or a refused write (one located line on
stderr, no traceback), 2 usage.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

import structlog

from discrepancy.cli import (
    append,
    contradictions,
    diff,
    explain,
    generate,
    import_table,
    replay,
    verify,
)
from discrepancy.cli._usage import UsageError
from discrepancy.collector import paused_gc
from discrepancy.errors import DiscrepancyError

_COMMANDS = (replay, explain, contradictions, diff, append, verify, generate, import_table)


def _version() -> str:
    try:
        return version("discrepancy")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="discrepancy",
        description="Keep track of conflicting claims: replay event logs into a reconciled state.",
        epilog="Example: discrepancy replay --example",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--log-format",
        choices=("console", "json"),
        default="console",
        help="how diagnostics on stderr are written (default: console)",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more diagnostics on stderr"
    )
    parser.add_argument(
        "-q", "--quiet", action="count", default=0, help="fewer diagnostics on stderr"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in _COMMANDS:
        command.register(subparsers)
    return parser


def configure_logging(*, log_format: str, verbosity: int) -> None:
    """Send structlog output to stderr, as console lines or JSON lines."""
    level = max(logging.DEBUG, min(logging.CRITICAL, logging.INFO - 10 * verbosity))
    renderer: structlog.typing.Processor
    if log_format == "json":
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        # Looked up at each write, so a replaced sys.stderr is honoured.
        logger_factory=lambda *_: structlog.PrintLogger(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(log_format=args.log_format, verbosity=args.verbose - args.quiet)
    try:
        # One command is one short run whose events, states and reports hold
        # no reference cycles (a test checks): reference counting frees them,
        # and the cyclic collector would only rescan them again and again.
        with paused_gc():
            code: int = args.func(args)
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"discrepancy: {exc}", file=sys.stderr)
        return 2
    except DiscrepancyError as exc:
        print(f"discrepancy: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `discrepancy replay --json log | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130
    return code
