"""The ``discrepancy`` command line: the only place that configures logging.

Each subcommand lives in a module of this package exposing
``register(subparsers)``, which adds its parser and sets ``func(args) -> int``.
Exit codes: 0 ok, 1 invalid input or a refused write (one located line on
stderr, no traceback), 2 usage (the subcommand's usage, then one line).

Quiet by default: a command prints its output and, on stderr, only warnings
and errors; ``-v`` (or ``--log-format json``) adds the one-line summaries such
as ``replay_finished``. ``-q``, ``-v`` and ``--log-format`` are accepted before
or after the subcommand.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any, NoReturn

import structlog

from discrepancy.cli import (
    append,
    contradictions,
    diff,
    explain,
    generate,
    import_table,
    replay,
    snapshot,
    verify,
)
from discrepancy.cli import list as list_command
from discrepancy.cli._usage import UsageError
from discrepancy.collector import paused_gc
from discrepancy.errors import DiscrepancyError

_COMMANDS = (
    replay,
    list_command,
    explain,
    contradictions,
    diff,
    append,
    verify,
    snapshot,
    generate,
    import_table,
)


def _version() -> str:
    try:
        return version("discrepancy")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors worded as the command line's own."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"discrepancy: {message}\n")


def _diagnostics(*, prefix: str) -> argparse.ArgumentParser:
    """-v, -q and --log-format; ``prefix`` keeps the subcommand's apart from the top's."""
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("diagnostics on stderr")
    group.add_argument(
        "--log-format",
        dest=f"{prefix}log_format",
        choices=("console", "json"),
        default=None,
        help="console lines (default) or JSON lines; json also turns on the summaries",
    )
    group.add_argument(
        "-v",
        "--verbose",
        dest=f"{prefix}verbose",
        action="count",
        default=0,
        help="more diagnostics: -v adds the one-line summaries, -vv debug lines",
    )
    group.add_argument(
        "-q",
        "--quiet",
        dest=f"{prefix}quiet",
        action="count",
        default=0,
        help="fewer diagnostics: -q hides warnings too",
    )
    return options


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(
        prog="discrepancy",
        description="Keep track of conflicting claims: replay event logs into a reconciled state.",
        epilog="Example: discrepancy replay --example",
        parents=[_diagnostics(prefix="")],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )
    real_add_parser = subparsers.add_parser

    def add_parser(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        # Every subcommand also takes -v, -q and --log-format after its name.
        kwargs["parents"] = [*kwargs.get("parents", ()), _diagnostics(prefix="sub_")]
        return real_add_parser(name, **kwargs)

    subparsers.add_parser = add_parser  # type: ignore[method-assign,assignment]
    for command in _COMMANDS:
        command.register(subparsers)
    return parser


def _subcommand(parser: argparse.ArgumentParser, name: str | None) -> argparse.ArgumentParser:
    """The parser of subcommand ``name`` (or ``parser`` itself if there is none)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and name in action.choices:
            found: argparse.ArgumentParser = action.choices[name]
            return found
    return parser


def configure_logging(*, log_format: str, verbosity: int) -> None:
    """Send structlog output to stderr, as console lines or JSON lines.

    Verbosity 0 shows warnings and errors (JSON lines: also the summaries),
    1 the summaries (info), 2 debug lines; each -q takes a level away.
    """
    base = logging.INFO if log_format == "json" else logging.WARNING
    level = max(logging.DEBUG, min(logging.CRITICAL, base - 10 * verbosity))
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
    log_format = args.sub_log_format or args.log_format or "console"
    args.log_format = log_format
    args.verbose += args.sub_verbose
    args.quiet += args.sub_quiet
    configure_logging(log_format=log_format, verbosity=args.verbose - args.quiet)
    try:
        # One command is one short run whose events, states and reports hold
        # no reference cycles (a test checks): reference counting frees them,
        # and the cyclic collector would only rescan them again and again.
        with paused_gc():
            code: int = args.func(args)
    except UsageError as exc:
        _subcommand(parser, args.command).print_usage(sys.stderr)
        print(f"discrepancy: {exc}", file=sys.stderr)
        return 2
    except DiscrepancyError as exc:
        print(f"discrepancy: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `discrepancy replay --json log | head`
        sys.stderr.close()
        return 0
    except OSError as exc:
        # The shell's safety net: a file the commands could not open or write
        # is still one located line, never a traceback.
        where = f"{exc.filename}: " if exc.filename is not None else ""
        print(f"discrepancy: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code
