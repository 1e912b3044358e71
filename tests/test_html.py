"""The HTML report: structure, the timeline against its plain twin, and a real browser."""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from importlib.resources import as_file, files
from pathlib import Path

import pytest
from hypothesis import event, given, settings

from discrepancy import reconcile, replay
from discrepancy.cli import main
from discrepancy.codec import decode_line
from discrepancy.generate import generate_lines
from discrepancy.html import _reused, html_report, timeline
from discrepancy.logs import replay_paths
from discrepancy.reconcile import STATUSES
from discrepancy.state import State
from tests.builders import at, claim, deny, reopen, resolve, source
from tests.strategies import logs


def _example() -> State:
    with as_file(files("discrepancy") / "examples" / "border_clash.jsonl") as path:
        return replay_paths([path])


def _generated(events: int = 600, seed: int = 7) -> State:
    return replay(decode_line(line) for line in generate_lines(events, seed, sources=40))


class _Sections(HTMLParser):
    """Each proposition section's key, status and number of timeline charts; the anomalies."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[tuple[str, str]] = []
        self.charts: dict[str, int] = {}
        self.chart_names: list[str] = []
        self.anomalies_last = False
        self._order: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and found.get("class") == "proposition":
            key = found["data-proposition"] or ""
            self.sections.append((key, found["data-status"] or ""))
            self.charts[key] = 0
            self._order.append("proposition")
        elif tag == "section" and found.get("id") == "anomalies":
            self._order.append("anomalies")
        elif tag == "svg" and "timeline" in (found.get("class") or ""):
            self.charts[self.sections[-1][0]] += 1
            self.chart_names.append(found["data-proposition"] or "")

    def close(self) -> None:
        super().close()
        self.anomalies_last = (
            self._order[-1:] == ["anomalies"] and self._order.count("anomalies") == 1
        )


def _parse(page: str) -> _Sections:
    parser = _Sections()
    parser.feed(page)
    parser.close()
    return parser


def _check_page(page: str, state: State) -> _Sections:
    found = reconcile(state)
    parsed = _parse(page)
    statuses = [s for _, s in parsed.sections]
    contested = sorted(k for k, f in found.propositions.items() if f.status == "contested")
    assert [k for k, s in parsed.sections if s == "contested"] == contested
    assert statuses == sorted(statuses, key=STATUSES.index)  # contested first
    for key, status in parsed.sections:
        assert parsed.charts[key] == (1 if status in ("contested", "resolved") else 0), key
    assert parsed.anomalies_last
    assert "<script" not in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page
    return parsed


def test_the_example_page_puts_contested_first_with_one_chart_each() -> None:
    state = _example()
    parsed = _check_page(html_report(reconcile(state), state), state)
    assert [k for k, s in parsed.sections][:2] == [
        "taliban-harbours-ttp/2025-10",
        "who-fired-first/2025-10-12-border",
    ]
    assert parsed.charts["pk-soldiers-killed/2025-10-12-border"] == 1  # resolved


def test_a_generated_log_page_has_a_chart_per_contested_proposition() -> None:
    state = _generated()
    parsed = _check_page(html_report(reconcile(state), state), state)
    assert sum(s == "contested" for _, s in parsed.sections) > 5


def test_text_from_the_log_is_escaped() -> None:
    state = replay(
        [
            source("<b>a</b>", "x"),
            source("b", "y"),
            claim("c<1>", "<b>a</b>", 5, "p<script>alert(1)</script>", when=at(9)),
            claim("c2", "b", 7, "p<script>alert(1)</script>", when=at(10)),
        ]
    )
    page = html_report(reconcile(state), state)
    assert "<script>" not in page
    assert "p&lt;script&gt;alert(1)&lt;/script&gt;" in page
    _check_page(page, state)


def test_the_timeline_marks_claims_resolution_and_reopening() -> None:
    state = replay(
        [
            source("a", "x"),
            source("b", "y"),
            claim("c1", "a", 58, "k", when=at(9)),
            claim("c2", "b", 23, "k", when=at(10)),
            resolve({"min": 23, "max": 58}, "k", when=at(11)),
            deny("c1", "b", "k", when=at(11, 30)),
            reopen("k", when=at(12)),
        ]
    )
    points = timeline(state, "k")
    assert [(p.status, p.low, p.high) for p in points] == [
        ("unconfirmed", 58, 58),
        ("contested", 23, 58),
        ("resolved", 23, 58),
        ("resolved", 23, 58),
        ("contested", 23, 58),
    ]
    page = html_report(reconcile(state), state)
    for mark in ("mark-claim", "mark-resolve", "mark-reopen", "mark-denial"):
        assert mark in page


@settings(max_examples=100, deadline=None)
@given(logs())
def test_the_timeline_equals_reconciling_the_whole_state_as_of_each_point(
    log: list[object],
) -> None:
    # The plain twin: the whole state, as_of each instant, reconciled in full.
    state = replay(log)  # type: ignore[arg-type]
    found = reconcile(state)
    for key in sorted(found.propositions)[:3]:
        claim_ids = {c.claim for c in found.propositions[key].claims}
        event("reuse reaches it: scan" if _reused(state, key, claim_ids) else "index path")
        points = timeline(state, key)
        event("several points" if len(points) > 1 else "one point")
        assert points
        for point in points:
            whole = reconcile(state.as_of(point.at)).propositions.get(key)
            got = None if whole is None else (whole.status, whole.best, whole.low, whole.high)
            assert (point.status, point.best, point.low, point.high) == (
                got if got is not None else (None, None, None, None)
            )
        last = found.propositions[key]
        assert (points[-1].status, points[-1].best) == (last.status, last.best)


def test_replay_format_html_writes_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "replay", "--example", "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<!DOCTYPE html>")
    _check_page(page, _example())


# --- a real browser ----------------------------------------------------------------------------

_BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def _browser() -> str:
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "no Chromium on PATH (.ci/run installs it with apt-get where apt is available; "
        "install the chromium package to run this test)"
    )


def _run_browser(args: list[str], profile: Path) -> subprocess.CompletedProcess[bytes]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-extensions",
        "--no-first-run",
        "--disable-sync",
        "--disable-component-update",
        "--proxy-server=127.0.0.1:9",  # nothing on loopback port 9: any fetch would fail
        f"--user-data-dir={profile}",
    ]
    process = subprocess.Popen(
        [_browser(), *flags, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "HOME": str(profile)},
    )
    try:
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _png_pixels(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Width, height, channels and the unfiltered rows of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8
            channels = {2: 3, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


@pytest.mark.parametrize("log", ["example", "generated"])
def test_the_page_renders_in_headless_chromium(log: str, tmp_path: Path) -> None:
    state = _example() if log == "example" else _generated()
    found = reconcile(state)
    page = tmp_path / "report.html"
    page.write_text(html_report(found, state))
    url = page.as_uri()
    dom = _run_browser(["--dump-dom", url], tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
    parsed = _parse(dom.stdout.decode())
    contested = sorted(k for k, f in found.propositions.items() if f.status == "contested")
    assert contested
    assert [k for k, s in parsed.sections if s == "contested"] == contested
    for key in contested:
        assert parsed.charts[key] == 1
        assert parsed.chart_names.count(key) == 1
    shot = tmp_path / "shot.png"
    done = _run_browser(
        ["--window-size=1000,1400", "--hide-scrollbars", f"--screenshot={shot}", url],
        tmp_path / "profile",
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    width, height, channels, rows = _png_pixels(shot.read_bytes())
    assert (width, height) == (1000, 1400)
    pixels = [row[i : i + 3] for row in rows[::7] for i in range(0, len(row), channels * 11)]
    assert len(set(pixels)) > 20, "the screenshot is (nearly) blank"
    dense = [row[i : i + 3] for row in rows[::2] for i in range(0, len(row), channels * 2)]
    inked = sum(1 for p in dense if max(p) < 128)
    assert inked > 1000, "too little dark ink: text and charts did not render"
