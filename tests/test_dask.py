"""Partitioned replay on Dask equals the single-process replay, byte for byte.

CI and the README's test command install the ``dask`` extra, so these tests
run there; the skip below only keeps a bare ``pip install -e '.[test]'`` run
green.
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

pytest.importorskip("dask", reason="the dask extra is not installed")
pytest.importorskip("distributed", reason="the dask extra is not installed")

import dask.config
from distributed import Client, LocalCluster

from discrepancy.codec import canonical_bytes, decode_event
from discrepancy.dask import QUIET_WORKERS, _client, _pack, _unpack, replay_dask, replay_dask_cli
from discrepancy.errors import LogDecodeError
from discrepancy.logs import replay_paths
from discrepancy.reconcile import reconcile
from discrepancy.report import dumps, report
from discrepancy.state import State, merge, replay
from tests.bench_loader import load_benchmark

AS_OF = "2025-10-12T13:30:00+02:00"  # 11:30Z: about half of the generated events


def _stamp(rng: random.Random, i: int) -> str:
    minute = i * 7 % 1440
    offset = rng.choice(("Z", "+02:00", "-05:00"))
    shift = {"Z": 0, "+02:00": 120, "-05:00": -300}[offset]
    local = (minute + shift) % 1440
    day = 12 + (minute + shift) // 1440
    return f"2025-10-{day:02d}T{local // 60:02d}:{local % 60:02d}:{i % 60:02d}{offset}"


def _events(n: int, seed: int) -> list[dict[str, object]]:
    """Events that collide: shared sources, props, stances across files, id reuse."""
    rng = random.Random(seed)
    out: list[dict[str, object]] = [
        {
            "type": "source",
            "id": f"src-{s}",
            "recorded_at": _stamp(rng, s),
            "source": f"s{s}",
            "name": f"Source {s} — “quoted”",  # non-ASCII survives the round trip
            "parties": [f"party-{s % 4}"] if s % 5 else [],
            "reliability": "ABCDEF"[s % 6],
        }
        for s in range(12)
    ]
    claims: list[tuple[str, str, str]] = []
    for i in range(12, n):
        roll = rng.random()
        prop = f"p{rng.randrange(40)}"
        if not claims or roll < 0.5:
            kind = int(prop[1:]) % 3
            value: object = (
                rng.choice((23, 58, {"min": 20}, {"min": 10, "max": 60}))
                if kind == 0
                else rng.random() < 0.5
                if kind == 1
                else rng.choice(("north", "south"))
            )
            sid = f"s{rng.randrange(14)}"  # s12, s13 unregistered
            claim = {
                "type": "claim",
                "id": f"e{i}",
                "recorded_at": _stamp(rng, i),
                "claim": f"c{i}",
                "source": sid,
                "proposition": prop,
                "value": value,
            }
            if claims and rng.random() < 0.05:
                claim["supersedes"] = rng.choice(claims)[0]
            claims.append((f"c{i}", sid, prop))
            out.append(claim)
        elif roll < 0.9:
            cid, claimant, cprop = rng.choice(claims)
            kind_name = rng.choice(("confirm", "deny", "retract"))
            out.append(
                {
                    "type": kind_name,
                    "id": f"e{i}",
                    "recorded_at": _stamp(rng, i),
                    "claim": cid,
                    "proposition": cprop,
                    "source": claimant if kind_name == "retract" else f"s{rng.randrange(14)}",
                }
            )
        elif roll < 0.95:
            out.append(
                {
                    "type": "resolve",
                    "id": f"e{i}",
                    "recorded_at": _stamp(rng, i),
                    "proposition": prop,
                    "value": {0: 23, 1: True, 2: "north"}[int(prop[1:]) % 3],
                    "rationale": "figures",
                    "analyst": "desk",
                }
            )
        else:
            out.append(
                {
                    "type": "reopen",
                    "id": f"e{i}",
                    "recorded_at": _stamp(rng, i),
                    "proposition": prop,
                    "rationale": "new reporting",
                    "analyst": "desk",
                }
            )
    # The same id with other content (id-reused), and plain repeats.
    reused = dict(out[20])
    reused["recorded_at"] = "2025-10-12T00:00:01Z"
    out.append(reused)
    out.extend(out[30:40])
    rng.shuffle(out)
    return out


def _write(directory: Path, events: list[dict[str, object]], files: int) -> list[Path]:
    """The events dealt over ``files`` files, with a BOM, blank lines, no final newline."""
    chunks: list[list[bytes]] = [[] for _ in range(files)]
    for i, obj in enumerate(events):
        chunks[i % files].append(orjson.dumps(obj))
    paths = []
    for k, lines in enumerate(chunks):
        path = directory / f"log-{k}.jsonl"
        body = b"\n".join(lines)  # the last line has no newline
        if k == 0:
            body = b"\xef\xbb\xbf" + body
        if k == 1:
            body = body.replace(b"\n", b"\n\n  \n", 3)
        path.write_bytes(body)
        paths.append(path)
    return paths


def _report(state: State, as_of: str | None = None) -> bytes:
    return dumps(report(reconcile(state), as_of=as_of))


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return _write(tmp_path_factory.mktemp("logs"), _events(1500, seed=5), files=5)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """Two single-threaded worker processes on loopback, closed even if a test fails."""
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # a free loopback port: the HTTP server always starts
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as connected,
    ):
        yield connected


def test_the_generated_logs_really_disagree(logs: list[Path]) -> None:
    found = reconcile(replay_paths(logs))
    assert found.contradictions
    assert {a.kind for a in found.anomalies} >= {"id-reused", "unknown-source"}
    statuses = {p.status for p in found.propositions.values()}
    assert {"contested", "resolved"} <= statuses


RARE_FIELDS: list[dict[str, object]] = [
    {"type": "source", "id": "r1", "recorded_at": "2025-10-12T10:00:00.250+05:30", "v": 1,
     "source": "s", "name": "S", "parties": ["a", "b"], "kind": "wire", "x-note": [1, {"k": None}]},
    {"type": "claim", "id": "r2", "recorded_at": "2025-10-12T10:00:00Z", "claim": "k1",
     "source": "s", "proposition": "p", "value": {"min": 1.5, "max": 2}, "via": "w",
     "stated_at": "2025-10-11T23:59:60Z", "quote": "“58”", "url": "https://x.test/a",
     "supersedes": "k0", "seq": 3, "chain": "0" * 64},
    {"type": "claim", "id": "r3", "recorded_at": "2025-10-12T10:00:00Z", "claim": "k2",
     "source": "s", "proposition": "q", "value": {"max": -0.0}},
    {"type": "resolve", "id": "r4", "recorded_at": "2025-10-12T11:00:00-03:00",
     "proposition": "p", "value": 1e300, "rationale": "r", "analyst": "a"},
    {"type": "deny", "id": "r5", "recorded_at": "2025-10-12T11:00:00Z", "claim": "k1",
     "proposition": "p", "source": "t", "zz": 1},
]  # fmt: skip


def test_pack_then_unpack_gives_equal_events(logs: list[Path]) -> None:
    events = list(replay_paths(logs).distinct())
    events += [decode_event(obj) for obj in RARE_FIELDS]
    back = list(_unpack(_pack(events)))
    assert sorted(back, key=repr) == sorted(events, key=repr)
    assert sorted(map(canonical_bytes, back)) == sorted(map(canonical_bytes, events))
    stamps = sorted((e.recorded_at.text, e.recorded_at.key) for e in back)
    assert stamps == sorted((e.recorded_at.text, e.recorded_at.key) for e in events)


@pytest.mark.parametrize(
    ("blocksize", "split_every"),
    [(None, 16), (None, 2), (4096, 16), (257, 3)],
    ids=["per-file", "per-file-binary-tree", "4KiB-blocks", "257B-blocks-deep-tree"],
)
def test_sync_scheduler_report_equals_single_process(
    logs: list[Path], blocksize: int | None, split_every: int
) -> None:
    expected = replay_paths(logs)
    got = replay_dask(logs, scheduler="sync", blocksize=blocksize, split_every=split_every)
    assert got == expected
    assert _report(got) == _report(expected)


def test_equals_merging_per_file_replays(logs: list[Path]) -> None:
    per_file = [replay_paths([path]) for path in logs]
    merged = functools.reduce(merge, per_file)
    assert replay_dask(logs, scheduler="sync", blocksize=1000) == merged


def test_threads_scheduler_and_order_of_paths(logs: list[Path]) -> None:
    got = replay_dask(list(reversed(logs)), scheduler="threads", blocksize=2048)
    assert _report(got) == _report(replay_paths(logs))


@pytest.mark.parametrize("blocksize", [None, 500])
def test_as_of_equals_replaying_the_filtered_log(logs: list[Path], blocksize: int | None) -> None:
    expected = replay_paths(logs, as_of=AS_OF)
    got = replay_dask(logs, as_of=AS_OF, scheduler="sync", blocksize=blocksize)
    assert 0 < len(got) < len(replay_paths(logs))
    assert _report(got, AS_OF) == _report(expected, AS_OF)
    assert got == replay(
        e for e in replay_paths(logs).events() if e.recorded_at.key <= "20251012113000."
    )


def _corrupt(path: Path, line_no: int, bad: bytes) -> None:
    lines = path.read_bytes().split(b"\n")
    lines[line_no - 1] = bad
    path.write_bytes(b"\n".join(lines))


@pytest.mark.parametrize("blocksize", [None, 300])
def test_a_malformed_line_is_named_by_file_and_line(
    tmp_path: Path, logs: list[Path], blocksize: int | None
) -> None:
    copies = []
    for path in logs:
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    _corrupt(copies[2], 117, b'{"type": "claim", "id": "x", "recorded_at": "2025-10-12T10:00:00"}')
    _corrupt(copies[3], 5, b"not json")  # later in reading order: not the one named
    with pytest.raises(LogDecodeError) as expected:
        replay_paths(copies)
    with pytest.raises(LogDecodeError) as got:
        replay_dask(copies, scheduler="sync", blocksize=blocksize)
    assert (got.value.path, got.value.line) == (str(copies[2]), 117)
    assert (got.value.field, got.value.reason) == (expected.value.field, expected.value.reason)
    assert str(got.value) == str(expected.value)
    assert str(got.value).startswith(f"{copies[2]}:117: ")


def test_a_missing_file_is_named(tmp_path: Path, logs: list[Path]) -> None:
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(LogDecodeError, match=r"missing\.jsonl") as got:
        replay_dask([*logs, missing], scheduler="sync")
    assert got.value.path == str(missing)


def test_a_glob_reads_every_matching_file(logs: list[Path]) -> None:
    pattern = str(logs[0].parent / "log-*.jsonl")
    assert replay_dask([pattern], scheduler="sync") == replay_paths(logs)


def test_local_cluster_report_equals_single_process(logs: list[Path], client: Client) -> None:
    expected = replay_paths(logs)
    for blocksize in (None, 1024):
        got = replay_dask(logs, scheduler=client, blocksize=blocksize, split_every=4)
        assert _report(got) == _report(expected)
    got = replay_dask(logs, as_of=AS_OF, scheduler=client, blocksize=2048)
    assert _report(got, AS_OF) == _report(replay_paths(logs, as_of=AS_OF), AS_OF)


def test_local_cluster_reports_a_malformed_line_intact(
    tmp_path: Path, logs: list[Path], client: Client
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(logs[1].read_bytes())
    _corrupt(bad, 40, b'{"type": "claim", "id": "x"}')
    with pytest.raises(LogDecodeError) as got:
        replay_dask([logs[0], bad], scheduler=client, blocksize=512)
    assert (got.value.path, got.value.line) == (str(bad), 40)
    assert str(got.value).startswith(f"{bad}:40: ")


def test_cli_entry_with_an_address(logs: list[Path], client: Client) -> None:
    address = client.scheduler.address  # type: ignore[union-attr]
    assert address.startswith("tcp://127.0.0.1:")
    got = replay_dask_cli([str(p) for p in logs], address, AS_OF)
    assert _report(got, AS_OF) == _report(replay_paths(logs, as_of=AS_OF), AS_OF)


def test_cli_entry_starts_and_closes_its_own_cluster(logs: list[Path]) -> None:
    got = replay_dask_cli(logs, None, None)
    assert _report(got) == _report(replay_paths(logs))


def test_the_local_cluster_s_workers_run_their_periodic_callbacks_rarely() -> None:
    def settings() -> tuple[object, ...]:
        return tuple(dask.config.get(key) for key in QUIET_WORKERS)

    with _client(None) as client:
        seen = set(client.run(settings).values())
    assert seen == {tuple(QUIET_WORKERS.values())}
    assert dask.config.get("distributed.worker.profile.enabled") is True  # only inside


def test_the_benchmark_runs_once_small(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_benchmark("bench_dask")
    assert bench.main(["--events", "3000", "--files", "3", "--blocksize", "50000"]) == 0
    assert "# reports identical: yes" in capsys.readouterr().out


def test_logs_of_the_project_generator_cluster_and_sync(tmp_path: Path, client: Client) -> None:
    from discrepancy.generate import generate_lines

    paths = [tmp_path / f"gen-{k}.jsonl" for k in range(4)]
    rng = random.Random(11)
    chunks: list[list[bytes]] = [[] for _ in paths]
    for line in generate_lines(4000, 11):
        chunks[rng.randrange(len(paths))].append(line)
    for path, lines in zip(paths, chunks, strict=True):
        path.write_bytes(b"".join(lines))
    expected = _report(replay_paths(paths))
    assert _report(replay_dask(paths, scheduler="sync", blocksize=3000)) == expected
    assert _report(replay_dask(paths, scheduler=client, blocksize=20000)) == expected


def test_replay_dask_on_the_command_line_prints_the_same_report(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    from discrepancy.cli import main

    assert main(["-q", "replay", "--example", "--json"]) == 0
    single = capsysbinary.readouterr().out
    assert main(["-q", "replay", "--example", "--json", "--dask"]) == 0
    assert capsysbinary.readouterr().out == single


# --- The sharded report on Dask: workers write the pieces, the caller merges ----------


@pytest.mark.parametrize("shards", [1, 3, 8])
def test_report_on_a_two_worker_cluster_equals_single_process(
    logs: list[Path], client: Client, tmp_path: Path, shards: int
) -> None:
    import io

    from discrepancy.dask import report_dask

    for as_of in (None, AS_OF):
        out = io.BytesIO()
        report_dask(logs, out, client=client, as_of=as_of, shards=shards, work_dir=tmp_path)
        assert out.getvalue() == _report(replay_paths(logs, as_of=as_of), as_of)
    assert list(tmp_path.iterdir()) == []  # the parts are gone


def test_report_on_a_cluster_names_a_malformed_line(
    logs: list[Path], client: Client, tmp_path: Path
) -> None:
    import io

    from discrepancy.dask import report_dask

    bad = tmp_path / "bad.jsonl"
    lines = logs[2].read_bytes().split(b"\n")
    lines[39] = b'{"type": "claim", "id": 5}'
    bad.write_bytes(b"\n".join(lines))
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(LogDecodeError) as got:
        report_dask([logs[0], bad], io.BytesIO(), client=client, shards=3, work_dir=work)
    assert (got.value.path, got.value.line, got.value.field) == (str(bad), 40, "id")
    assert list(work.iterdir()) == []


def test_replay_json_on_a_scheduler_address(
    logs: list[Path], client: Client, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    from discrepancy.cli import main

    address = client.scheduler.address  # type: ignore[union-attr]
    expected = _report(replay_paths(logs))
    capsysbinary.readouterr()
    argv = ["-q", "replay", "--json", "--dask", "--scheduler", address, *map(str, logs)]
    assert main(argv) == 0
    assert capsysbinary.readouterr().out == expected


def test_an_unreachable_scheduler_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    from discrepancy import dask as dask_module
    from discrepancy.cli import main

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    monkeypatch.setattr(dask_module, "CONNECT_TIMEOUT", 0.5)
    for extra in (["--json"], []):
        argv = ["-q", "replay", *extra, "--example", "--dask", "--scheduler", address]
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert err.startswith(f"discrepancy: cannot reach the Dask scheduler at {address}")


def test_the_dask_runner_keeps_a_window_of_tasks_and_returns_results_in_order(
    client: Client,
) -> None:
    import operator

    from discrepancy.dask import dask_runner
    from discrepancy.shard import Calls

    built: list[int] = []

    def build(n: int) -> tuple[int, int]:
        built.append(n)
        return (n, n)

    finished: list[int] = []
    run = dask_runner(client, finished.append, window=3)
    assert run(operator.mul, Calls(12, build)) == [n * n for n in range(12)]
    assert built == list(range(12))
    assert len(finished) == 12
