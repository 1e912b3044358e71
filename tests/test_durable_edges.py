"""The durable log at the edges: what disks, links, pipes and people do to it."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import orjson
import pytest

from discrepancy.cli import main
from discrepancy.codec import decode_event, encode_event
from discrepancy.durable import EventLog, verify
from discrepancy.errors import (
    ConcurrencyError,
    LogDecodeError,
    LogIntegrityError,
    LogWriteError,
)
from discrepancy.events import Event
from discrepancy.logs import replay_paths
from discrepancy.sidecar import SUFFIX, Sidecar
from tests.builders import claim, source

SOURCES = [source("ispr", "pakistan", eid="s-ispr"), source("mujahid", "taliban", eid="s-muj")]


def claims(prefix: str, count: int, *, size: int = 0) -> list[Event]:
    return [
        decode_event(
            {
                "type": "claim",
                "id": f"{prefix}{i}",
                "claim": f"{prefix}c{i}",
                "recorded_at": "2025-10-12T10:00:00Z",
                "source": "ispr",
                "proposition": f"{prefix}p{i}",
                "value": i,
                **({"quote": "x" * size} if size else {}),
            }
        )
        for i in range(count)
    ]


def written(tmp_path: Path, name: str = "l.log") -> Path:
    path = tmp_path / name
    with EventLog.open(path) as log:
        log.append(SOURCES)
        log.append(claims("a", 5))
    return path


def cli(*argv: str) -> int:
    return main(list(argv))


# --- all or nothing ------------------------------------------------------------


def test_every_batch_marks_its_first_line_with_its_size(tmp_path: Path) -> None:
    path = written(tmp_path)
    objs = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert [o.get("batch") for o in objs] == [2, None, 5, None, None, None, None]
    # The marker is part of the bytes the chain covers, so v1 readers agree.
    assert verify(path).events == 7


@pytest.mark.parametrize("cut", [1, 50, 400, 900])
def test_a_batch_cut_anywhere_is_moved_aside_whole(tmp_path: Path, cut: int) -> None:
    path = written(tmp_path)
    before = path.read_bytes()
    with EventLog.open(path) as log:
        log.append(claims("b", 8))
    grown = path.read_bytes()
    # A crash left some of the new batch: whole lines, then maybe a torn one.
    path.write_bytes(grown[: len(before) + cut])
    with pytest.raises(LogIntegrityError):
        replay_paths([path])
    with EventLog.open(path) as log:
        assert log.seq == 7
    assert path.read_bytes() == before
    side = tmp_path / "l.log.torn-1"
    assert side.read_bytes() == grown[len(before) : len(before) + cut]
    assert verify(path).events == 7


def test_a_log_cut_inside_its_first_batch_becomes_empty(tmp_path: Path) -> None:
    path = tmp_path / "l.log"
    with EventLog.open(path) as log:
        log.append([*SOURCES, *claims("a", 3)])
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b"\n", 300) + 1])
    with EventLog.open(path) as log:
        assert log.seq == 0
    assert path.read_bytes() == b""


def test_disk_full_leaves_the_log_byte_identical(tmp_path: Path) -> None:
    path = written(tmp_path)
    before = path.read_bytes()
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"limit = ({len(before) + 3000}, {resource.RLIM_INFINITY})\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, limit)\n"
        "from discrepancy.cli import main\n"
        "sys.exit(main(['append', sys.argv[1], sys.argv[2]]))\n"
    )
    events = tmp_path / "big.jsonl"
    events.write_bytes(
        b"".join(orjson.dumps(encode_event(e)) + b"\n" for e in claims("big", 200, size=50))
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path), str(events)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(path) in lines[0]
    assert "nothing was written" in lines[0]
    assert "Traceback" not in done.stderr
    assert path.read_bytes() == before
    assert verify(path).events == 7
    with EventLog.open(path) as log:  # and the sidecar did not take the batch in
        assert log.append(claims("big", 1)) == [8]


def test_a_write_error_is_one_located_line_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = written(tmp_path)
    before = path.read_bytes()
    real = os.pwrite

    def failing(fd: int, data: object, offset: int) -> int:
        real(fd, memoryview(data)[:100], offset)  # type: ignore[arg-type]
        raise OSError(5, "Input/output error")

    events = tmp_path / "e.jsonl"
    events.write_bytes(b"".join(orjson.dumps(encode_event(e)) + b"\n" for e in claims("x", 3)))
    monkeypatch.setattr(os, "pwrite", failing)
    assert cli("append", str(path), str(events)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "Input/output error" in err[0]
    assert str(path) in err[0]
    monkeypatch.setattr(os, "pwrite", real)
    assert path.read_bytes() == before


# --- never touch what is not a durable log; never follow a planted link ---------


def test_append_with_swapped_arguments_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = written(tmp_path)
    events = tmp_path / "events.jsonl"
    events.write_bytes(orjson.dumps(encode_event(claims("z", 1)[0])) + b"\n{half")
    log_before, events_before = path.read_bytes(), events.read_bytes()
    assert cli("append", str(events), str(path)) == 1
    err = capsys.readouterr().err.strip()
    assert err.endswith("not a durable log: line 1 has no seq")
    assert path.read_bytes() == log_before
    assert events.read_bytes() == events_before
    assert not list(tmp_path.glob("*.torn-*"))


def test_a_symlinked_log_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    target = written(tmp_path, "real.log")
    data = target.read_bytes()
    target.write_bytes(data[:-10])  # torn: recovery would cut it, if it ran
    link = tmp_path / "link.log"
    link.symlink_to(target)
    with pytest.raises(LogWriteError, match="symbolic link"):
        EventLog.open(link)
    assert target.read_bytes() == data[:-10]
    assert cli("append", str(link), os.devnull) == 1


@pytest.mark.parametrize("kind", ["file", "directory", "dangling", "live"])
def test_the_side_file_name_taken_in_any_way_is_never_written_through(
    tmp_path: Path, kind: str
) -> None:
    path = written(tmp_path)
    whole = path.read_bytes()
    path.write_bytes(whole[:-30])
    side = tmp_path / "l.log.torn-1"
    elsewhere = tmp_path / "elsewhere"
    if kind == "file":
        side.write_bytes(b"precious")
    elif kind == "directory":
        side.mkdir()
    elif kind == "dangling":
        side.symlink_to(elsewhere)
    else:
        elsewhere.write_bytes(b"precious")
        side.symlink_to(elsewhere)
    with EventLog.open(path) as log:
        assert log.seq == 2
    assert (tmp_path / "l.log.torn-2").read_bytes() == whole[: len(whole) - 30][
        -len((tmp_path / "l.log.torn-2").read_bytes()) :
    ]
    if kind in ("file",):
        assert side.read_bytes() == b"precious"
    if kind == "dangling":
        assert not elsewhere.exists()
    if kind == "live":
        assert elsewhere.read_bytes() == b"precious"


def test_a_planted_snapshot_temporary_is_not_followed(tmp_path: Path) -> None:
    path = written(tmp_path)
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    snap = tmp_path / "l.snapshot"
    for name in ("l.snapshot.partial", f"l.snapshot.partial-{os.getpid()}-0"):
        (tmp_path / name).symlink_to(victim)
    with EventLog.open(path) as log:
        log.write_snapshot(snap)
    assert victim.read_bytes() == b"precious"
    with EventLog.open(path, snapshot=snap) as log:
        assert log.state() == replay_paths([path])


def test_a_read_only_file_system_view_refuses_appends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root ignores file modes; an EROFS/EACCES on open is what a read-only
    # mount or file gives anyone, so that is what is simulated here.
    path = written(tmp_path)
    before = path.read_bytes()
    real = os.open

    def refusing(file: object, flags: int, *args: object) -> int:
        if str(file) == str(path) and flags & os.O_RDWR:
            raise PermissionError(13, "Permission denied")
        return real(file, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refusing)
    with EventLog.open(path) as log:
        assert log.seq == 7
        with pytest.raises(LogWriteError, match="read-only"):
            log.append(claims("r", 1))
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("first", "reason"),
    [
        (b"\n", "carries a chain but line 1 does not"),
        (b"\xef\xbb\xbf", "byte order mark"),
        (
            b'{"type":"source","id":"x","recorded_at":"2025-01-01T00:00:00Z","source":"y",'
            b'"name":"y","parties":[]}\n',
            "carries a chain but line 1 does not",
        ),
    ],
)
def test_a_damaged_first_line_cannot_switch_the_chain_check_off(
    tmp_path: Path, first: bytes, reason: str
) -> None:
    path = written(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    forged = orjson.loads(lines[3])
    forged["value"] = 999
    lines[3] = orjson.dumps(forged, option=orjson.OPT_SORT_KEYS) + b"\n"
    path.write_bytes(first + b"".join(lines))
    with pytest.raises(LogIntegrityError, match=reason):
        replay_paths([path])
    with pytest.raises((LogIntegrityError, LogDecodeError)):
        verify(path)


@pytest.mark.parametrize(
    "edit",
    [
        lambda line: line.replace(b'{"', b'{"value":1,"', 1),  # a duplicate key before the real one
        lambda line: line.replace(b",", b", ", 1),  # whitespace
        lambda line: line.replace(b'"ispr"', b'"\\u0069spr"', 1),  # an escape re-encoding
        lambda line: line.replace(b'"value":1', b'"value":1.0', 1),  # a number re-encoding
    ],
)
def test_verify_and_replay_refuse_a_line_that_is_not_its_canonical_bytes(
    tmp_path: Path, edit: object
) -> None:
    path = written(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    changed = edit(lines[3])  # type: ignore[operator]
    assert changed != lines[3]
    lines[3] = changed
    path.write_bytes(b"".join(lines))
    with pytest.raises(LogIntegrityError) as info:
        verify(path)
    assert info.value.line == 4
    with pytest.raises(LogIntegrityError):
        replay_paths([path])


def test_deep_nesting_is_a_located_error_on_every_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = orjson.dumps(encode_event(SOURCES[0]))
    plain = tmp_path / "deep.jsonl"
    plain.write_bytes(body[:-1] + b',"extra":' + b"[" * 300 + b"1.5" + b"]" * 300 + b"}\n")
    with pytest.raises(LogDecodeError, match="nested deeper than 64"):
        replay_paths([plain])
    log = tmp_path / "l.log"
    assert cli("append", str(log), str(plain)) == 1
    assert "nested deeper than 64" in capsys.readouterr().err
    assert not log.exists() or log.read_bytes() == b""
    shallow: object = 1
    for _ in range(62):
        shallow = [shallow]
    plain.write_bytes(orjson.dumps(encode_event(SOURCES[0]) | {"extra": shallow}) + b"\n")
    assert len(replay_paths([plain])) == 1


# --- streams ----------------------------------------------------------------------


def test_a_durable_log_through_a_pipe_is_still_chain_checked(tmp_path: Path) -> None:
    path = written(tmp_path)
    good = subprocess.run(
        [sys.executable, "-m", "discrepancy", "replay", "-"],
        input=path.read_bytes(),
        capture_output=True,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    forged = path.read_bytes().replace(b'"value":3', b'"value":4')
    bad = subprocess.run(
        [sys.executable, "-m", "discrepancy", "replay", "-"],
        input=forged,
        capture_output=True,
        check=False,
    )
    assert bad.returncode == 1
    assert b"<stdin>:6: chain broken" in bad.stderr


def test_a_fifo_with_no_writer_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(LogDecodeError, match="no writer"):
        replay_paths([fifo])
    with pytest.raises(LogDecodeError, match="no writer"):
        verify(fifo)


def test_a_fifo_with_a_writer_is_read_as_a_stream(tmp_path: Path) -> None:
    path = written(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR)  # a writer that is there before the reader
    os.write(writer, path.read_bytes())
    closer = threading.Timer(0.2, os.close, (writer,))  # then it hangs up: end of stream
    closer.start()
    try:
        assert verify(fifo).events == 7
    finally:
        closer.join(5)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[{"type": "source"}]\n', "looks like a JSON document, not JSON Lines"),
        (b'{\n  "type": "source"\n}\n', "looks like a JSON document, not JSON Lines"),
        (b'{"type": "source", "name": "caf\xe9"}\n', "not UTF-8 at byte 31"),
        (b"\x1f\x8b\x08\x00rest", "gzip"),
    ],
)
def test_bad_bytes_are_named_plainly(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(LogDecodeError, match=message) as info:
        replay_paths([path])
    assert str(path) in str(info.value)


def test_verify_names_a_plain_log_and_a_directory_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(orjson.dumps(encode_event(SOURCES[0])) + b"\n")
    assert cli("verify", str(plain)) == 1
    assert capsys.readouterr().err.strip() == (
        f"discrepancy: {plain}:1: not a durable log: line 1 has no seq"
    )
    for argv in (["verify", str(tmp_path)], ["append", str(tmp_path), os.devnull]):
        assert cli(*argv) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1
        assert str(tmp_path) in err[0]
        assert "directory" in err[0]
    assert cli("append", str(tmp_path / "missing" / "l.log"), os.devnull) == 1
    assert "no such folder" in capsys.readouterr().err


# --- verify: the full head, --head, --from ------------------------------------------


def test_verify_prints_the_full_head_and_checks_one_kept_elsewhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = written(tmp_path)
    head = verify(path).chain
    assert cli("verify", str(path)) == 0
    assert f"(head {head})" in capsys.readouterr().out
    with EventLog.open(path) as log:
        log.append(claims("later", 2))
    assert cli("verify", str(path), "--head", head) == 0  # grown since: still holds it
    assert "holds head at seq 7" in capsys.readouterr().out
    head = verify(path).chain
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:8]))  # a trailing line dropped: its batch is cut
    with pytest.raises(LogIntegrityError, match="incomplete batch"):
        verify(path)
    path.write_bytes(b"".join(lines[:7]))  # the whole last batch dropped
    assert verify(path).events == 7  # undetectable from the log alone ...
    assert cli("verify", str(path), "--head", head) == 1  # ... but not against a head
    assert "no line carries the head" in capsys.readouterr().err
    assert cli("verify", str(path), "--head", "xyz") == 2


def test_verify_from_checks_a_tail_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = written(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    forged = orjson.loads(lines[1])
    forged["name"] = "forged"
    lines[1] = orjson.dumps(forged, option=orjson.OPT_SORT_KEYS) + b"\n"
    path.write_bytes(b"".join(lines))
    assert cli("verify", str(path)) == 1
    capsys.readouterr()
    assert cli("verify", str(path), "--from", "3") == 0  # line 2 is before the tail
    assert "5 events, seq 3..7" in capsys.readouterr().out
    lines[5] = lines[5].replace(b'"value":', b'"value":1')
    path.write_bytes(b"".join(lines))
    assert cli("verify", str(path), "--from", "3") == 1
    assert ":6: chain broken" in capsys.readouterr().err


# --- sidecar -------------------------------------------------------------------------


def test_the_sidecar_follows_the_log_and_is_rebuilt_when_it_does_not(tmp_path: Path) -> None:
    path = written(tmp_path)
    side = tmp_path / ("l.log" + SUFFIX)
    opened = Sidecar.open(path)
    assert opened is not None
    assert opened.covers() == (7, verify(path).chain, path.stat().st_size)
    opened.close()
    side.write_bytes(b"garbage, not a database")
    with EventLog.open(path) as log:
        assert log.seq == 7
        with pytest.raises(Exception, match="id-reused"):
            log.append([claim("ac0", "ispr", 1, "other", eid="new")])
        assert log.append(claims("a", 1)) == [3]  # a repeat keeps its seq
    reopened = Sidecar.open(path)
    assert reopened is not None
    assert reopened.covers() is not None
    reopened.close()


def test_a_sidecar_behind_the_log_catches_up_and_one_ahead_is_rebuilt(tmp_path: Path) -> None:
    path = written(tmp_path)
    side = tmp_path / ("l.log" + SUFFIX)
    stale = side.read_bytes()
    with EventLog.open(path) as log:
        log.append(claims("b", 3))
    side.write_bytes(stale)  # as if killed between the log write and the sidecar update
    with EventLog.open(path) as log:
        assert log.seq == 10
        assert log.append(claims("b", 3)) == [8, 9, 10]
    with EventLog.open(path) as log:
        log.append(claims("c", 2))
    ahead = side.read_bytes()
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:10]))
    side.write_bytes(ahead)  # the sidecar covers lines the log no longer has
    with EventLog.open(path) as log:
        assert log.seq == 10
        assert log.append(claims("c", 2)) == [11, 12]
    assert verify(path).events == 12


def test_a_planted_sidecar_link_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    (tmp_path / ("l.log" + SUFFIX)).symlink_to(victim)
    path = written(tmp_path)
    assert victim.read_bytes() == b"precious"
    assert verify(path).events == 7


_RACER = """
import sys
from discrepancy.codec import decode_event
from discrepancy.durable import EventLog
from discrepancy.errors import ConcurrencyError
path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
conflicts = 0
for i in range(count):
    event = decode_event({"type": "claim", "id": f"{name}-{i}", "claim": f"{name}-c{i}",
        "recorded_at": "2025-10-12T10:00:00Z", "source": "ispr", "proposition": f"p{i}",
        "value": i})
    with EventLog.open(path) as log:
        while True:
            try:
                log.append([event], expected_seq=log.seq)
                break
            except ConcurrencyError:
                conflicts += 1
print(conflicts)
"""


def test_two_processes_racing_on_expected_seq_keep_one_valid_chain(tmp_path: Path) -> None:
    path = tmp_path / "shared.log"
    with EventLog.open(path) as log:
        log.append(SOURCES)
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(path), name, "150"], stdout=subprocess.PIPE
        )
        for name in ("a", "b")
    ]
    outputs = [r.communicate(timeout=300)[0] for r in racers]
    assert [r.returncode for r in racers] == [0, 0]
    assert verify(path).events == 302
    with EventLog.open(path) as log:
        assert log.seq == 302
        assert log.append([claims("a", 1)[0]]) == [303]
    assert all(int(out) >= 0 for out in outputs)


def test_concurrency_error_changes_nothing(tmp_path: Path) -> None:
    path = written(tmp_path)
    before = path.read_bytes()
    with EventLog.open(path) as log, pytest.raises(ConcurrencyError):
        log.append(claims("q", 1), expected_seq=3)
    assert path.read_bytes() == before


# --- one reading path: the Dask reader checks what replay checks ---------------------


@pytest.mark.parametrize("blocksize", [None, 300, 1000])
def test_replay_dask_refuses_an_edited_durable_log_as_replay_does(
    tmp_path: Path, blocksize: int | None
) -> None:
    pytest.importorskip("dask")
    from discrepancy.dask import replay_dask

    path = written(tmp_path)
    assert replay_dask([path], scheduler="sync", blocksize=blocksize) == replay_paths([path])
    for number, edit in ((6, (b'"value":3', b'"value":5')), (1, (b'"name":', b'"name":"x","n":'))):
        lines = written(tmp_path, f"e{number}.log").read_bytes().splitlines(keepends=True)
        lines[number - 1] = lines[number - 1].replace(*edit, 1)
        edited = tmp_path / f"e{number}.log"
        edited.write_bytes(b"".join(lines))
        with pytest.raises(LogIntegrityError) as plain:
            replay_paths([edited])
        with pytest.raises((LogDecodeError, LogIntegrityError)) as dask:
            replay_dask([edited], scheduler="sync", blocksize=blocksize)
        assert str(dask.value) == str(plain.value)
    cut = written(tmp_path, "cut.log")
    cut.write_bytes(cut.read_bytes()[:-60])  # torn inside a batch
    with pytest.raises(LogIntegrityError) as plain:
        replay_paths([cut])
    with pytest.raises((LogDecodeError, LogIntegrityError)) as dask:
        replay_dask([cut], scheduler="sync", blocksize=blocksize)
    assert str(dask.value) == str(plain.value)


# --- crash test at scale: kills anywhere, the sidecar's update included ----------------


def _appending_child(path: Path, name: str, ack: int, kill_in_sidecar: bool) -> None:
    """In a forked child: append batches forever, acknowledging each on ``ack``."""
    import random
    import signal

    from discrepancy import sidecar

    rng = random.Random(name)
    if kill_in_sidecar:
        real = sidecar.Sidecar.record

        def record(self: sidecar.Sidecar, *args: object, **kwargs: object) -> None:
            if rng.random() < 0.2:  # between the log's fsync and the sidecar's commit
                os.kill(os.getpid(), signal.SIGKILL)
            real(self, *args, **kwargs)  # type: ignore[arg-type]

        sidecar.Sidecar.record = record  # type: ignore[method-assign]
    try:
        import traceback

        with EventLog.open(path) as log:
            for number in range(10**6):
                size = rng.choice((1, 3, 12))
                log.append(claims(f"{name}-{number}-", size, size=rng.choice((0, 100))))
                os.write(ack, f"{name}-{number}-\n".encode())
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(0)


def test_sigkill_anywhere_loses_no_acknowledged_batch_and_leaves_no_partial_one(
    tmp_path: Path,
) -> None:
    import random
    import select
    import signal
    import time

    from discrepancy.state import replay

    rng = random.Random(17)
    path = tmp_path / "crash.log"
    with EventLog.open(path) as log:
        log.append(SOURCES)
    acknowledged: set[str] = set()
    for round_ in range(60):
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover - the child never returns
            os.close(read_end)
            _appending_child(path, f"r{round_}", write_end, kill_in_sidecar=round_ % 2 == 0)
        os.close(write_end)
        first = b""
        while not first.endswith(b"\n"):  # the child has acknowledged one batch ...
            ready, _, _ = select.select([read_end], [], [], 30)
            assert ready, "the writer acknowledged nothing in 30 s"
            got = os.read(read_end, 1)
            if not got:  # ... or killed itself inside the sidecar's update
                assert round_ % 2 == 0
                break
            first += got
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        with os.fdopen(read_end, "rb") as acks:
            acknowledged |= {line.decode() for line in (first + acks.read()).splitlines()}
        with EventLog.open(path) as log:  # recovery; the sidecar catches up or is rebuilt
            held = log.state()
            seq, chain = log.seq, log.chain
        found = verify(path)
        assert (found.torn_bytes, found.seq, found.chain) == (0, seq, chain)
        ids = {e.id for e in held.events()}
        batches: dict[str, int] = {}
        for event_id in ids - {"s-ispr", "s-muj"}:
            prefix = event_id[: event_id.rindex("-") + 1]
            batches[prefix] = batches.get(prefix, 0) + 1
        assert acknowledged <= set(batches)  # every acknowledged batch is there ...
        assert set(batches.values()) <= {1, 3, 12}  # ... and no batch in part
        opened = Sidecar.open(path)
        assert opened is not None
        assert opened.covers() == (seq, chain, path.stat().st_size)
        assert len(opened.ledger.digests) == len(ids) == len(replay(held.events()))
        opened.close()
    assert len(acknowledged) >= 30  # at least one per round without self-kills


# --- snapshots of the reduced state -------------------------------------------------


def _replay_cli(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert cli("-q", "replay", "--json", str(path)) == 0
    return capsys.readouterr().out


def test_replay_picks_up_a_matching_snapshot_and_reads_only_the_tail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = written(tmp_path)
    full = _replay_cli(path, capsys)
    assert cli("snapshot", str(path)) == 0
    assert capsys.readouterr().out == f"{path}.snapshot: seq 7, 7 events\n"
    assert _replay_cli(path, capsys) == full
    with EventLog.open(path) as log:
        log.append(claims("t", 3))
    grown = _replay_cli(path, capsys)
    assert grown != full
    # The snapshot is used: the lines it covers are not decoded again.
    from discrepancy import reading

    seen: list[int] = []
    real = reading.ChainCheck.event

    def counting(self: reading.ChainCheck, raw: bytes, line: int, offset: int = 0) -> Event:
        seen.append(line)
        return real(self, raw, line, offset)

    monkeypatch.setattr(reading.ChainCheck, "event", counting)
    from_snapshot = replay_paths([path])
    assert seen == [8, 9, 10]
    monkeypatch.undo()
    assert from_snapshot == replay_paths([path], as_of="2100-01-01T00:00:00Z")  # (no snapshot)
    assert cli("snapshot", str(path)) == 0  # a newer snapshot, started from the old one
    assert "seq 10, 10 events" in capsys.readouterr().out
    assert _replay_cli(path, capsys) == grown


def test_a_snapshot_that_no_longer_matches_is_passed_over(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = written(tmp_path)
    assert cli("snapshot", str(path)) == 0
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:2]))  # rewritten: the snapshot's line is gone
    capsys.readouterr()
    assert len(replay_paths([path])) == 2


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"garbage",
        b'{"snapshot": 2}\n',
        b'{"snapshot": 2, "seq": "7", "chain": "x", "offset": 1, "events": 1}\n',
        None,  # a valid header, then damage
        "planted",  # a valid header, then a pickle that would run code
    ],
)
def test_a_malformed_snapshot_is_one_located_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | str | None
) -> None:
    import pickle

    path = written(tmp_path)
    snap = Path(f"{path}.snapshot")
    assert cli("snapshot", str(path)) == 0
    header = snap.read_bytes().split(b"\n", 1)[0] + b"\n"
    if content is None:
        snap.write_bytes(header + b"\x80\x05not a pickle")
    elif content == "planted":

        class Boom:
            def __reduce__(self) -> tuple[object, ...]:
                return (os.system, ("touch planted-ran",))

        snap.write_bytes(header + pickle.dumps(Boom()))
    else:
        snap.write_bytes(content)  # type: ignore[arg-type]
    capsys.readouterr()
    assert cli("-q", "replay", str(path)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert str(snap) in err[0]
    assert "snapshot" in err[0]
    assert not (Path.cwd() / "planted-ran").exists()


def test_a_state_snapshot_plus_any_tail_equals_a_full_replay(tmp_path: Path) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    events = [*SOURCES, *claims("h", 30)]

    @settings(max_examples=25, deadline=None)
    @given(st.integers(0, 30), st.integers(0, 30))
    def check(first: int, second: int) -> None:
        folder = Path(tempfile_dir())
        path = folder / "l.log"
        with EventLog.open(path) as log:
            log.append(events[:2])
            for at in range(2, 2 + first, 5):
                log.append(events[at : min(at + 5, 2 + first)])
            log.write_snapshot(f"{path}.snapshot")
            log.append(events[2 + first : 2 + first + second])
        assert replay_paths([path]) == replay_paths([path], as_of="2100-01-01T00:00:00Z")
        with EventLog.open(path, snapshot=f"{path}.snapshot") as log:
            assert log.state() == replay_paths([path], as_of="2100-01-01T00:00:00Z")

    def tempfile_dir() -> str:
        import tempfile

        return tempfile.mkdtemp(dir=tmp_path)

    check()


# --- verify in parallel ranges: the plain twin's result, line for line --------------


def test_verify_in_ranges_finds_what_verify_finds(tmp_path: Path) -> None:
    from hypothesis import event, given, settings
    from hypothesis import strategies as st

    from discrepancy.verify_ranges import verify_ranges

    base = tmp_path / "base.log"
    with EventLog.open(base) as log:
        log.append(SOURCES)
        for number in range(12):
            log.append(claims(f"v{number}-", 1 + number % 4))
    lines = base.read_bytes().splitlines(keepends=True)

    def outcome(run: object) -> object:
        try:
            return run()  # type: ignore[operator]
        except LogIntegrityError as exc:
            return str(exc)

    @settings(max_examples=60, deadline=None)
    @given(
        st.sampled_from(["none", "edit", "drop", "cut", "swap", "torn"]),
        st.integers(0, len(lines) - 1),
    )
    def check(change: str, at: int) -> None:
        event(change)
        changed = list(lines)
        if change == "edit":
            changed[at] = changed[at].replace(b'"recorded_at":"2', b'"recorded_at":"1', 1)
        elif change == "drop":
            del changed[at]
        elif change == "cut":
            changed = changed[:at]
        elif change == "swap" and at + 1 < len(changed):
            changed[at], changed[at + 1] = changed[at + 1], changed[at]
        data = b"".join(changed)
        if change == "torn":
            data = data[: len(data) - 7]
        path = tmp_path / "changed.log"
        path.write_bytes(data)
        plain = outcome(lambda: verify(path))
        ranged = outcome(lambda: verify_ranges(path, workers=2))
        if isinstance(plain, str):
            assert ranged == plain
        else:
            assert ranged == (plain.seq, plain.chain, plain.torn_bytes, plain.head_seq)

    check()
