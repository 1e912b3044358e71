"""The one small error tree of discrepancy.

Every error the library raises on purpose derives from :class:`DiscrepancyError`
and, where one fits, from the builtin it refines, so callers may catch either.
Contradictions between claims are data, never exceptions; these errors are for
input that cannot be read and writes that are refused.
"""

from __future__ import annotations

from pathlib import PurePath


class DiscrepancyError(Exception):
    """Base class of every error raised on purpose by discrepancy."""


class LogDecodeError(DiscrepancyError, ValueError):
    """A log line is malformed (SPEC section 2): nothing from it is applied.

    Raised when a line is not a JSON object, lacks a required field, has a field
    of the wrong type, an unknown ``type``, a timestamp without offset, a value
    outside SPEC section 3, or a ``v`` newer than this reader knows.

    ``path`` and ``line`` locate the line (either may be ``None`` when decoding
    a value that did not come from a file); ``field`` names the offending field
    (``None`` when the whole line is at fault).
    """

    def __init__(
        self,
        reason: str,
        *,
        path: str | PurePath | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
        self.path = None if path is None else str(path)
        self.line = line
        self.field = field
        super().__init__(self._message())

    def _message(self) -> str:
        where = self.path if self.path is not None else "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        if self.field is not None:
            return f'{where}: field "{self.field}": {self.reason}'
        return f"{where}: {self.reason}"

    def located(self, *, path: str | PurePath | None, line: int | None) -> LogDecodeError:
        """The same error, placed at ``path`` and ``line``."""
        return LogDecodeError(self.reason, path=path, line=line, field=self.field)


class UsageError(DiscrepancyError, ValueError):
    """A command was called with arguments it cannot use (exit code 2)."""
