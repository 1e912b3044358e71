"""The library's diagnostics: structlog events that stay out of a program's output.

The library logs through structlog and never configures it; only the command
line does. Unconfigured, structlog prints every event, debug included, to
standard output, which is where a program using the library writes its own
output (a report, say). So until the application configures structlog, the
library drops its debug and info events and prints its warnings to standard
error; once the application has configured it, every event goes where the
application said (the command line's ``-v`` and ``--log-format``, or
``structlog.testing.capture_logs`` in a test).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

__all__ = ["LibraryLogger"]


class LibraryLogger:
    """``debug``, ``info`` and ``warning`` of one module, as described above."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def debug(self, event: str, **fields: Any) -> None:
        if structlog.is_configured():
            structlog.get_logger(self._name).debug(event, **fields)

    def info(self, event: str, **fields: Any) -> None:
        if structlog.is_configured():
            structlog.get_logger(self._name).info(event, **fields)

    def warning(self, event: str, **fields: Any) -> None:
        if structlog.is_configured():
            structlog.get_logger(self._name).warning(event, **fields)
        else:
            _on_stderr().warning(event, **fields)


def _on_stderr() -> Any:
    """A warnings-only logger on the current ``sys.stderr``, configuring nothing."""
    return structlog.wrap_logger(
        structlog.PrintLogger(sys.stderr),
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        processors=[
            structlog.processors.add_log_level,
            structlog.dev.ConsoleRenderer(colors=False),
        ],
    )
