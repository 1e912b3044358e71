"""The one small error tree of discrepancy.

Every error the library raises on purpose derives from :class:`DiscrepancyError`
and, where one fits, from the builtin it refines, so callers may catch either.
Contradictions between claims are data, never exceptions; these errors are for
input that cannot be read and writes that are refused.
"""

from __future__ import annotations

from pathlib import PurePath


class DiscrepancyError(Exception):
    """Base class of every error raised on purpose by discrepancy.

    Every subclass pickles to itself with its message and fields intact (an
    error raised in a worker process reaches the caller as it was raised):
    :meth:`_remember` records the constructor's arguments and
    :meth:`__reduce__` calls the constructor with them again.
    """

    _arguments: tuple[tuple[object, ...], dict[str, object]] = ((), {})

    def _remember(self, *args: object, **kwargs: object) -> None:
        self._arguments = (args, kwargs)

    def __reduce__(self) -> tuple[object, ...]:
        args, kwargs = self._arguments
        if not args and not kwargs:
            args = self.args
        return (_rebuild, (type(self), args, kwargs))


def _rebuild(
    cls: type[DiscrepancyError], args: tuple[object, ...], kwargs: dict[str, object]
) -> DiscrepancyError:
    return cls(*args, **kwargs)


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
        self._remember(reason, path=path, line=line, field=field)
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


class LogIntegrityError(DiscrepancyError, ValueError):
    """A durable log is damaged: a broken chain, a seq out of order, a line
    that is not an event, or (when reading without recovery) a torn tail.

    ``path`` and ``line`` name the first bad line; ``reason`` says what is
    wrong (``"torn"`` for a last line cut short by a crash).
    """

    def __init__(self, reason: str, *, path: str | PurePath, line: int) -> None:
        self._remember(reason, path=path, line=line)
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
        self._remember(detail, event=event, rule=rule)
        self.event = event
        self.rule = rule
        super().__init__(f"event {event!r} refused ({rule}): {detail}")


class ConcurrencyError(DiscrepancyError):
    """The log grew past the ``expected_seq`` the writer was told to expect."""

    def __init__(self, *, expected: int, actual: int) -> None:
        self._remember(expected=expected, actual=actual)
        self.expected = expected
        self.actual = actual
        super().__init__(f"expected the log to end at seq {expected}, but it ends at {actual}")


class LogWriteError(DiscrepancyError, OSError):
    """The operating system refused to write or open a log (disk full, a file-size
    limit, a read-only file, an I/O error); nothing already written was changed.

    ``path`` names the file and ``reason`` what the system said.
    """

    def __init__(self, reason: str, *, path: str | PurePath) -> None:
        self._remember(reason, path=path)
        self.reason = reason
        self.path = str(path)
        super().__init__(f"{self.path}: {reason}")

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class SnapshotMismatch(DiscrepancyError, ValueError):
    """A snapshot does not belong to the log it was offered with (or is not one)."""


class TableError(DiscrepancyError, ValueError):
    """A table cell or row cannot be turned into an event.

    Raised by :func:`table_events` (unless ``skip_bad``) and :func:`read_table`.
    ``path``, ``line`` (1-based physical line of the row's end) and ``column``
    locate it; any of them may be ``None`` when unknown.
    """

    def __init__(
        self,
        reason: str,
        *,
        path: str | PurePath | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self._remember(reason, path=path, line=line, column=column)
        self.reason = reason
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        where = self.path if self.path is not None else "<table>"
        if line is not None:
            where = f"{where}:{line}"
        if column is not None:
            where = f'{where}: column "{column}"'
        super().__init__(f"{where}: {reason}")
