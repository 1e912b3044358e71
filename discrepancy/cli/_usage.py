"""The command line's own error: arguments it cannot use (exit code 2)."""

from __future__ import annotations

from discrepancy.errors import DiscrepancyError


class UsageError(DiscrepancyError, ValueError):
    """A command was called with arguments it cannot use (exit code 2)."""
