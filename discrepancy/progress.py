"""A small progress bar on stderr for long work, shown only on a terminal.

With a known total it shows the share done and an ETA from the rate so far.

Nothing is drawn unless stderr is a terminal and the work has lasted about a
second; redraws are throttled to ten a second and the line is cleared at the
end, so piped or quick runs print nothing extra.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

_DELAY = 1.0
_INTERVAL = 0.1


class Progress:
    """Counts work done; draws itself now and then. Use :func:`progress`."""

    __slots__ = ("_drawn", "_last", "_started", "done", "label", "stream", "total")

    def __init__(self, total: int | None, label: str, stream: TextIO | None) -> None:
        self.total = total
        self.label = label
        self.stream = stream
        self.done = 0
        self._started = time.monotonic()
        self._last = self._started
        self._drawn = False

    def advance(self, n: int = 1) -> None:
        """Record ``n`` more units of work done."""
        self.done += n
        if self.stream is None:
            return
        now = time.monotonic()
        if now - self._started < _DELAY or now - self._last < _INTERVAL:
            return
        self._last = now
        self._draw(now)

    def _draw(self, now: float) -> None:
        assert self.stream is not None
        rate = self.done / max(now - self._started, 1e-9)
        if self.total:
            share = min(self.done / self.total, 1.0)
            bar = "#" * int(share * 30)
            text = f"{self.label} [{bar:<30}] {share:6.1%} {self.done:,}/{self.total:,}"
            left = max(self.total - self.done, 0) / rate if rate > 0 else None
            text += f" ETA {_clock(left)}"
        else:
            text = f"{self.label} {self.done:,} ({rate:,.0f}/s)"
        self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Clear the bar's line if one was drawn."""
        if self.stream is not None and self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _clock(seconds: float | None) -> str:
    """``m:ss`` (or ``h:mm:ss``) of a duration; ``?`` before there is a rate."""
    if seconds is None:
        return "?"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@contextmanager
def progress(total: int | None, label: str, *, stream: TextIO | None = None) -> Iterator[Progress]:
    """A :class:`Progress` drawing on ``stream`` (stderr if it is a terminal)."""
    if stream is None and sys.stderr.isatty():
        stream = sys.stderr
    bar = Progress(total, label, stream)
    try:
        yield bar
    finally:
        bar.close()
