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

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only fields: rebuild through a helper so pickling (e.g. from a
        # Dask worker) gives back the same error, not a re-wrapped message.
        return (_log_decode_error, (self.reason, self.path, self.line, self.field))

    def located(self, *, path: str | PurePath | None, line: int | None) -> LogDecodeError:
        """The same error, placed at ``path`` and ``line``."""
        return LogDecodeError(self.reason, path=path, line=line, field=self.field)


def _log_decode_error(
    reason: str, path: str | None, line: int | None, field: str | None
) -> LogDecodeError:
    return LogDecodeError(reason, path=path, line=line, field=field)


class UsageError(DiscrepancyError, ValueError):
    """A command was called with arguments it cannot use (exit code 2)."""


class LogIntegrityError(DiscrepancyError, ValueError):
    """A durable log is damaged: a broken chain, a seq out of order, a line
    that is not an event, or (when reading without recovery) a torn tail.

    ``path`` and ``line`` name the first bad line; ``reason`` says what is
    wrong (``"torn"`` for a last line cut short by a crash).
    """

    def __init__(self, reason: str, *, path: str | PurePath, line: int) -> None:
        self.reason = reason
        self.path = str(path)
        self.line = line
        super().__init__(f"{self.path}:{line}: {reason}")


class AppendRefused(DiscrepancyError, ValueError):
    """An append would create an anomaly (SPEC section 6); nothing was written.

    ``event`` is the id of the first offending event and ``rule`` the anomaly
    kind it would create (``unknown-source``, ``id-reused``, ...).
    """

    def __init__(self, detail: str, *, event: str, rule: str) -> None:
        self.event = event
        self.rule = rule
        super().__init__(f"event {event!r} refused ({rule}): {detail}")


class ConcurrencyError(DiscrepancyError):
    """The log grew past the ``expected_seq`` the writer was told to expect."""

    def __init__(self, *, expected: int, actual: int) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(f"expected the log to end at seq {expected}, but it ends at {actual}")


class SnapshotMismatch(DiscrepancyError, ValueError):
    """A snapshot does not belong to the log it was offered with (or is not one)."""
