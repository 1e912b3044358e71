"""The sharded replay writes the single-process report, byte for byte."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import threading
import zlib
from pathlib import Path

import orjson
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from discrepancy import shard
from discrepancy.cli import main
from discrepancy.errors import DiscrepancyError, LogDecodeError
from discrepancy.generate import generate_lines
from discrepancy.logs import replay_paths
from discrepancy.reconcile import reconcile
from discrepancy.reconcile.analysts import disagreements
from discrepancy.report import write_report
from discrepancy.shard import write_sharded_report
from tests.bench_loader import load_benchmark
from tests.shard_strategies import split_logs
from tests.strategies import TIMES


def _single(paths: list[Path], as_of: str | None = None) -> bytes:
    """The report as ``replay --json --jobs 1`` writes it."""
    state = replay_paths(paths, as_of=as_of)
    found = reconcile(state)
    out = io.BytesIO()
    write_report(found, out, as_of=as_of, disagreements=disagreements(state, found).values())
    return out.getvalue()


def _sharded(paths: list[Path], **options: object) -> bytes:
    out = io.BytesIO()
    write_sharded_report(paths, out, **options)  # type: ignore[arg-type]
    return out.getvalue()


def _write(directory: str, files: list[bytes]) -> list[Path]:
    paths = []
    for n, data in enumerate(files):
        path = Path(directory) / f"log-{n}.jsonl"
        path.write_bytes(data)
        paths.append(path)
    return paths


def _tally(files: list[bytes], shards: int) -> None:
    """Say which hard cases a drawn log reaches (``hypothesis --hypothesis-show-statistics``)."""
    seen_in: dict[str, set[int]] = {}
    lines_of: dict[str, set[bytes]] = {}
    claim_props: dict[str, set[str]] = {}
    for n, data in enumerate(files):
        for line in data.splitlines():
            obj = orjson.loads(line)
            seen_in.setdefault(obj["id"], set()).add(n)
            lines_of.setdefault(obj["id"], set()).add(line.strip())
            if obj["type"] == "claim":
                claim_props.setdefault(obj["claim"], set()).add(obj["proposition"])
    if any(len(files) > 1 for files in seen_in.values()):
        event("one event id in several files")
    if any(len(lines) > 1 for lines in lines_of.values()):
        event("one event id with different lines (read back by the pick step)")
    for props in claim_props.values():
        homes = {zlib.crc32(p.encode()) % shards for p in props}
        if len(homes) > 1:
            event("one claim id under propositions of different shards")
            break


@settings(max_examples=200, deadline=None)
@given(
    split_logs(),
    st.integers(1, 6),
    st.sampled_from([None, *TIMES]),
    st.sampled_from([64, 400, 1 << 20]),
    st.sampled_from([2, 3, shard.FAN_IN]),
)
def test_sharded_report_equals_single_process_report(
    files: list[bytes], shards: int, as_of: str | None, chunk_bytes: int, fan_in: int
) -> None:
    _tally(files, shards)
    if shards > fan_in:
        event("pieces merged in rounds")
    with tempfile.TemporaryDirectory() as directory:
        paths = _write(directory, files)
        expected = _single(paths, as_of)
        if b'"disagreements"' in expected:
            event("analysts disagree")
        got = _sharded(
            paths, as_of=as_of, jobs=1, shards=shards, chunk_bytes=chunk_bytes, fan_in=fan_in
        )
    assert got == expected


def test_moves_gather_propositions_linked_by_claim_ids() -> None:
    moved = shard.moves([("a", "b"), ("b", "c"), ("x", "y")], 7)
    home = {k: shard._route(k, 7) for k in "abcxy"}
    target = {k: moved.get(k, home[k]) for k in home}
    assert target["a"] == target["b"] == target["c"] == home["a"]
    assert target["x"] == target["y"] == home["x"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A generated log over three files, the last holding re-sent lines of the first."""
    directory = tmp_path_factory.mktemp("generated")
    lines = list(generate_lines(6000, 7))
    paths = []
    for n, part in enumerate((lines[:2500], lines[2500:], lines[100:300])):
        path = directory / f"g{n}.jsonl"
        path.write_bytes(b"".join(part))
        paths.append(path)
    return paths


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_generated_log_in_a_process_pool(generated: list[Path], jobs: int) -> None:
    expected = _single(generated)
    assert _sharded(generated, jobs=jobs, shards=5, chunk_bytes=100_000) == expected
    assert _sharded(generated, as_of=TIMES[0], jobs=jobs, shards=3) == _single(generated, TIMES[0])


def _durable(path: Path, source: Path, count: int) -> None:
    """The first ``count`` events of ``source`` as a hash-chained durable log."""
    from discrepancy.codec import canonical_bytes
    from discrepancy.durable import GENESIS, durable_line, next_chain
    from discrepancy.logs import read_events

    chain = GENESIS
    with path.open("wb") as out:
        for seq, e in enumerate(list(read_events(source))[:count], start=1):
            chain = next_chain(chain, canonical_bytes(e))
            out.write(durable_line(e, seq, chain))


def test_a_durable_log_is_checked_and_replayed(tmp_path: Path, generated: list[Path]) -> None:
    durable = tmp_path / "durable.log"
    _durable(durable, generated[0], 400)
    paths = [durable, generated[1]]
    assert _sharded(paths, jobs=1, shards=3) == _single(paths)
    data = durable.read_bytes().splitlines(keepends=True)
    data[10] = data[10].replace(b'"recorded_at":"2025', b'"recorded_at":"2024')
    durable.write_bytes(b"".join(data))
    with pytest.raises(DiscrepancyError) as single:
        replay_paths(paths)
    with pytest.raises(DiscrepancyError) as sharded:
        _sharded(paths, jobs=1, shards=3)
    assert str(sharded.value) == str(single.value)


def test_variants_of_a_durable_log_s_ids_are_picked_as_in_one_process(
    tmp_path: Path, generated: list[Path]
) -> None:
    """A durable log's lines travel with their ids (its offsets are line numbers):
    an id re-used with other content in a plain log is settled from them."""
    durable = tmp_path / "durable.log"
    _durable(durable, generated[0], 400)
    lines = generated[0].read_bytes().splitlines(keepends=True)[:400]
    claims = [line for line in lines if b'"type":"claim"' in line][:40]
    variants = [line.replace(b'"recorded_at":"2025', b'"recorded_at":"2024') for line in claims]
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(b"".join([*variants[:20], *lines[:30], *variants[20:]]))
    paths = [plain, durable, generated[1]]
    expected = _single(paths)
    assert expected.count(b'"id-reused"') >= 20
    for jobs in (1, 2):
        assert _sharded(paths, jobs=jobs, shards=3, chunk_bytes=2000) == expected


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_malformed_line_is_located_and_no_part_is_left(
    tmp_path: Path, generated: list[Path], jobs: int
) -> None:
    bad = tmp_path / "bad.jsonl"
    lines = generated[0].read_bytes().splitlines(keepends=True)
    lines[1234] = b'{"type": "claim", "id": "x"}\n'
    lines[2000] = b"not json\n"
    bad.write_bytes(b"".join(lines))
    with pytest.raises(LogDecodeError) as single:
        replay_paths([generated[1], bad])
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(LogDecodeError) as sharded:
        _sharded([generated[1], bad], jobs=jobs, shards=4, chunk_bytes=50_000, work_dir=work)
    assert str(sharded.value) == str(single.value)
    assert sharded.value.line == 1235
    assert list(work.iterdir()) == []


def test_an_interrupt_leaves_no_part(
    tmp_path: Path, generated: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> shard.Replayed:
        raise KeyboardInterrupt

    monkeypatch.setattr(shard, "replay_shard", interrupted)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(KeyboardInterrupt):
        _sharded(generated, jobs=1, shards=3, work_dir=work)
    assert list(work.iterdir()) == []


def test_the_command_line_shards_with_jobs(
    generated: list[Path], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    expected = _single(generated)
    capsysbinary.readouterr()
    for jobs in ("1", "2"):
        assert main(["-q", "replay", "--json", "--jobs", jobs, *map(str, generated)]) == 0
        assert capsysbinary.readouterr().out == expected


def test_the_command_line_names_a_malformed_line_and_leaves_no_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join(generate_lines(500, 3)) + b'{"type": "claim"}\n')
    work = tmp_path / "tmp"
    work.mkdir()
    monkeypatch.setenv("TMPDIR", str(work))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    assert main(["-q", "replay", "--json", "--jobs", "2", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{bad}:501:" in err
    assert os.listdir(work) == []


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["replay", "--json", "--jobs", value, "--example"])
    assert exit_.value.code == 2
    assert "--jobs" in capsys.readouterr().err


def test_scheduler_without_dask_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--json", "--scheduler", "tcp://127.0.0.1:1", "--example"]) == 2
    assert "--dask" in capsys.readouterr().err


def test_the_progress_bar_shows_the_share_and_an_eta(monkeypatch: pytest.MonkeyPatch) -> None:
    from discrepancy import progress as progress_module

    clock = iter([0.0, 2.0, 4.0])
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: next(clock))
    stream = io.StringIO()
    with progress_module.progress(30, "replay", stream=stream) as bar:
        bar.advance(10)  # 10 tasks in 2 s: 20 more take 4 s
        assert " 33.3% 10/30 ETA 0:04" in stream.getvalue()


@pytest.mark.parametrize("fan_in", [2, 3, 5])
def test_the_caller_merges_at_most_fan_in_sections(
    generated: list[Path], monkeypatch: pytest.MonkeyPatch, fan_in: int
) -> None:
    widest: list[int] = []
    left_over: list[set[str]] = []
    original = shard.merge_pieces

    def spy(stream: shard.Writable, pieces: shard.Pieces, *, as_of: str | None) -> int:
        parts = (pieces.anomalies, pieces.contradictions, pieces.disagreements, pieces.propositions)
        widest.append(max(len(sections) for sections in parts))
        read = {s[0] for sections in parts for s in sections}
        directory = os.path.dirname(next(iter(read)))
        left_over.append({os.path.join(directory, f) for f in os.listdir(directory)} - read)
        return original(stream, pieces, as_of=as_of)

    monkeypatch.setattr(shard, "merge_pieces", spy)
    work = tempfile.mkdtemp()
    advanced: list[int] = []
    got = _sharded(
        generated, jobs=1, shards=7, fan_in=fan_in, work_dir=work, advance=advanced.append
    )
    assert got == _single(generated)
    assert 2 <= widest[0] <= fan_in  # 7 shards and 7 buckets: rounds were needed
    assert {os.path.basename(f) for f in left_over[0]} <= {"paths"}  # the rounds' inputs are gone
    assert sum(advanced) == shard.task_count(generated, jobs=1, shards=7, fan_in=fan_in)
    assert os.listdir(work) == []


def test_a_fan_in_below_two_is_refused(generated: list[Path]) -> None:
    with pytest.raises(ValueError, match="at least 2"):
        _sharded(generated, jobs=1, fan_in=1)


def test_the_shard_benchmark_runs_once_small(capsys: pytest.CaptureFixture[str]) -> None:

    bench = load_benchmark("bench_shard")
    assert bench.main(["--events", "3000", "--files", "2", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "replay --json --jobs 2" in out
    assert "# reports identical: yes" in out


def test_the_merge_benchmark_runs_once_small(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_benchmark("bench_merge")
    argv = ["--events", "3000", "--shards", "3", "5", "--jobs", "1", "--fan-in", "2"]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    assert "      5 rounds           2" in out
    assert "      5 one merge       11" in out
    assert "# reports identical: yes" in out


def _disk_full(*args: object, **kwargs: object) -> shard.Replayed:
    raise OSError(28, "No space left on device")


def test_a_failing_worker_process_leaves_no_part(
    tmp_path: Path, generated: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pool's processes are forked from this one, so they run the stand-in.
    monkeypatch.setattr(shard, "replay_shard", _disk_full)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(DiscrepancyError, match=r"temporary parts in .*: No space left"):
        _sharded(generated, jobs=2, shards=4, work_dir=work)
    assert list(work.iterdir()) == []


def test_shards_grow_with_the_log_in_multiples_of_the_jobs() -> None:
    assert shard.layout_for(10, 2) == (2, 2)
    assert shard.layout_for(5 * shard.SHARD_BYTES, 2) == (6, 6)
    assert shard.layout_for(5 * shard.SHARD_BYTES, 4) == (8, 8)
    assert shard.layout_for(10, 2, shards=3) == (3, 3)


# --- Streams: standard input, FIFOs and pipes have no offsets to cut at --------------


def _cli(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "discrepancy", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("options", [[], ["--jobs", "2"], ["--dask"]])
def test_standard_input_is_replayed_in_one_process(
    generated: list[Path], options: list[str]
) -> None:
    done = _cli(["replay", "--json", *options, "-"], stdin=generated[0].read_bytes())
    assert done.returncode == 0, done.stderr
    assert done.stdout == _single([generated[0]])
    if options:  # asked for more than one process: told why not
        assert b"replay_in_one_process" in done.stderr
    else:
        assert done.stderr == b""


def test_a_fifo_with_jobs_is_replayed_whole_not_as_an_empty_log(
    tmp_path: Path, generated: list[Path]
) -> None:
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    data = generated[0].read_bytes()

    def write() -> None:
        with fifo.open("wb") as handle:
            handle.write(data)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        done = _cli(["replay", "--json", "--jobs", "2", str(fifo)])
    finally:
        writer.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == _single([generated[0]])
    assert b"cannot be cut into shards" in done.stderr


def test_the_library_refuses_to_shard_a_stream() -> None:
    with pytest.raises(LogDecodeError, match="cannot be cut into shards") as refused:
        _sharded([Path("-")], jobs=1)
    assert refused.value.path == "<stdin>"


def test_a_pool_runner_builds_arguments_only_for_the_tasks_in_flight() -> None:
    import concurrent.futures as cf
    import time

    built: list[int] = []
    finished: list[int] = []

    def build(n: int) -> tuple[int]:
        built.append(n)
        return (n,)

    def task(n: int) -> int:
        assert len(built) - len(finished) <= 2, "more arguments built than the window"
        time.sleep(0.002)
        return n * n

    with cf.ThreadPoolExecutor(2) as pool:
        run = shard.pool_runner(pool, finished.append, window=2)
        assert run(task, shard.Calls(20, build)) == [n * n for n in range(20)]
    assert built == list(range(20))
    assert shard.Calls(3, build)[1:] == [(1,), (2,)]
    with pytest.raises(IndexError):
        shard.Calls(3, build)[3]
