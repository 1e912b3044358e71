"""Replay benchmarks: discrepancy against the decode floor and a peer.

    python benchmarks/bench_replay.py --events 1000000 --seed 1 --json bench.json

Generates a log with ``discrepancy.generate`` into a temporary file, then runs
each measurement in a fresh Python process (so peak RSS is that
measurement's own) and prints a table of microseconds per event, events per
second, and each row's ratio to the floor: reading the lines and
``orjson.loads`` on each, nothing else. The full report is timed through the
library (``replay_paths``, ``reconcile``, ``write_report``) and through the
command line (``discrepancy replay --json``). With the ``bench`` extra installed it
also measures the ``eventsourcing`` library appending and replaying the same
number of events (in memory and in SQLite); with ``--truthdiscovery-python``
(an interpreter of its own, see docs/benchmarks.md) the ``truthdiscovery``
library's MajorityVoting and TruthFinder on the same claims. Opening a durable
copy of the log (every line's chain checked) is measured against opening it
from a snapshot. A progress bar on stderr follows the run on a terminal.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from discrepancy.values import value_to_json as encode_value

EVOLVE_STEPS = 10_000


def _maxrss_bytes() -> int:
    """This process's peak RSS since it started.

    On Linux, ``VmHWM`` of this very process: ``ru_maxrss`` carries over
    through ``exec`` the peak of the benchmark's parent, whose fork we are.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(name: str, log: Path, events: int) -> dict[str, Any]:
    """One measurement, run inside its own process; returns its numbers."""
    import contextlib

    import orjson

    from discrepancy.cli import main as cli_main
    from discrepancy.codec import decode_line
    from discrepancy.collector import paused_gc
    from discrepancy.logs import read_events, replay_paths
    from discrepancy.reconcile import reconcile
    from discrepancy.report import write_report
    from discrepancy.state import evolve, replay

    baseline = _maxrss_bytes()
    out: dict[str, Any] = {"name": name}
    started = time.perf_counter()
    if name == "floor":
        with log.open("rb") as handle:
            for line in handle:
                orjson.loads(line)
    elif name == "bound":
        # What any replay that keeps its events must do at least: decode each
        # line, keep its fields once per id, and file it under its proposition.
        # No checks, no event objects, no timestamps: a bound, not a replay.
        # (The collector is paused, as replay_paths pauses it.)
        kept: dict[str, tuple[Any, ...]] = {}
        buckets: dict[str, list[tuple[Any, ...]]] = {}
        with paused_gc(), log.open("rb") as handle:
            for line in handle:
                obj = orjson.loads(line)
                event_id = obj["id"]
                if event_id in kept:
                    continue
                record = kept[event_id] = tuple(obj.values())
                key = obj.get("proposition") or obj["source"]
                bucket = buckets.get(key)
                if bucket is None:
                    buckets[key] = [record]
                else:
                    bucket.append(record)
        out["distinct_events"] = len(kept)
    elif name == "replay":
        state = replay_paths([log])
        out["distinct_events"] = len(state)
    elif name == "report":
        state = replay_paths([log])
        out["distinct_events"] = len(state)
        replayed = time.perf_counter()
        # As `discrepancy replay --json > file` does: streamed, never whole.
        with log.with_suffix(".report.json").open("wb") as sink:
            out["report_bytes"] = write_report(reconcile(state), sink)
        out["reconcile_and_report_seconds"] = time.perf_counter() - replayed
    elif name == "cli-report":
        # The main job as a user runs it: `discrepancy -q replay --json log > file`.
        report_path = log.with_suffix(".cli-report.json")
        with report_path.open("w") as sink, contextlib.redirect_stdout(sink):
            cli_main(["-q", "replay", "--json", str(log)])
        out["report_bytes"] = report_path.stat().st_size
    elif name == "as-of":
        with log.open("rb") as handle:
            middle = [line for n, line in enumerate(handle) if n == events // 2]
        moment = orjson.loads(middle[0])["recorded_at"]
        state = replay_paths([log], as_of=moment)
        out["distinct_events"] = len(state)
    elif name in ("open-log", "open-snapshot"):
        from discrepancy.durable import EventLog

        durable, snapshot = _durable_paths(log)
        opened = EventLog.open(durable, snapshot=snapshot if name == "open-snapshot" else None)
        out["distinct_events"] = len(opened.state())
        opened.close()
    elif name.startswith("evolve-"):
        size, steps = (int(part) for part in name.split("-")[1:])
        lines: list[bytes] = []
        with log.open("rb") as handle:
            for n, line in enumerate(handle):
                if n >= size + steps:
                    break
                lines.append(line)
        base = replay(decode_line(line) for line in lines[:size])
        tail = [decode_line(line) for line in lines[size:]]
        started = time.perf_counter()
        state = base
        for event in tail:
            state = evolve(state, event)
        out["seconds"] = time.perf_counter() - started
        out["per_event_us"] = out["seconds"] / max(len(tail), 1) * 1e6
        out["steps"] = len(tail)
        return out
    elif name.startswith("eventsourcing-"):
        return _eventsourcing(name.split("-", 1)[1], read_events(log), out)
    else:
        raise SystemExit(f"unknown measurement {name!r}")
    out["seconds"] = time.perf_counter() - started
    out["peak_rss_bytes"] = _maxrss_bytes()
    out["rss_growth_bytes"] = out["peak_rss_bytes"] - baseline
    return out


def _durable_paths(log: Path) -> tuple[Path, Path]:
    return log.with_suffix(".durable.jsonl"), log.with_suffix(".snapshot")


def _write_durable(log: Path) -> None:
    """A durable copy of ``log`` (seq and chain on each line) and its snapshot.

    The copy keeps the first event of each id, as the write path would (it
    refuses a second content for an id), so the snapshot covers exactly it.
    """
    from discrepancy.codec import canonical_bytes
    from discrepancy.durable import GENESIS, EventLog, durable_line, next_chain
    from discrepancy.logs import read_events

    durable, snapshot = _durable_paths(log)
    seen: set[str] = set()
    chain, seq = GENESIS, 0
    with durable.open("wb") as handle:
        for event in read_events(log):
            if event.id in seen:
                continue
            seen.add(event.id)
            seq += 1
            chain = next_chain(chain, canonical_bytes(event))
            handle.write(durable_line(event, seq, chain))
    with EventLog.open(durable) as opened:
        opened.write_snapshot(snapshot)


def _eventsourcing(store: str, events: Any, out: dict[str, Any]) -> dict[str, Any]:
    """The peer: one aggregate per proposition, one domain event per claim."""
    import uuid

    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class Proposition(Aggregate):
        def __init__(self, key: str) -> None:
            self.key = key
            self.claims: list[tuple[str, str]] = []

        @event("Claimed")
        def claimed(self, claim: str, source: str) -> None:
            self.claims.append((claim, source))

    env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    tmp = None
    if store == "sqlite":
        tmp = tempfile.mkdtemp()
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": os.path.join(tmp, "es.db"),
        }
    app = Application(env=env)
    aggregates: dict[str, Proposition] = {}
    pending: dict[str, Proposition] = {}  # aggregates with unsaved events
    appended = 0
    started = time.perf_counter()
    for item in events:
        if item.TYPE != "claim":
            continue
        agg = aggregates.get(item.proposition)
        if agg is None:
            agg = aggregates[item.proposition] = Proposition(item.proposition)
            appended += 1
        agg.claimed(claim=item.claim, source=item.source)
        pending[item.proposition] = agg
        appended += 1
        if len(pending) >= 1000:
            app.save(*pending.values())
            pending.clear()
    app.save(*pending.values())
    append_seconds = time.perf_counter() - started
    ids = [agg.id for agg in aggregates.values()]
    aggregates.clear()
    started = time.perf_counter()
    for agg_id in ids:
        app.repository.get(uuid.UUID(str(agg_id)))
    out["seconds"] = time.perf_counter() - started
    out["append_seconds"] = append_seconds
    out["peer_events"] = appended
    out["peak_rss_bytes"] = _maxrss_bytes()
    return out


# Run by the truthdiscovery peer's own interpreter: that library pins old
# versions of pytest and scipy, so it lives in a virtualenv of its own.
_TRUTHDISCOVERY = """
import json, sys, time
from truthdiscovery import Dataset, MajorityVoting, TruthFinder
started = time.perf_counter()
with open(sys.argv[1]) as handle:
    triples = [tuple(json.loads(line)) for line in handle]
data = Dataset(triples, allow_multiple=True)
built = time.perf_counter() - started
out = {"triples": len(triples), "dataset_seconds": built}
for name, algorithm in (("majority", MajorityVoting()), ("truthfinder", TruthFinder())):
    started = time.perf_counter()
    algorithm.run(data)
    out[name + "_seconds"] = time.perf_counter() - started
print(json.dumps(out))
"""


def _truthdiscovery(python: str, log: Path, tmp: Path) -> dict[str, dict[str, Any]]:
    """MajorityVoting and TruthFinder on the log's (source, proposition, value) triples."""
    import orjson

    from discrepancy.logs import read_events

    triples = tmp / "triples.jsonl"
    with triples.open("wb") as handle:
        for event in read_events(log):
            if event.TYPE == "claim":
                value = orjson.dumps(encode_value(event.value)).decode()  # type: ignore[union-attr]
                handle.write(orjson.dumps([event.source, event.proposition, value]) + b"\n")  # type: ignore[union-attr]
    done = subprocess.run(
        [python, "-c", _TRUTHDISCOVERY, str(triples)], capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    rows = {}
    for algorithm in ("majority", "truthfinder"):
        rows[f"truthdiscovery-{algorithm}"] = {
            "seconds": found["dataset_seconds"] + found[f"{algorithm}_seconds"],
            "dataset_seconds": found["dataset_seconds"],
            "peer_events": found["triples"],
        }
    return rows


def _run(name: str, log: Path, events: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", name, "--log", str(log), "--events", str(events)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--no-peers", action="store_true", help="skip the peer rows")
    parser.add_argument(
        "--truthdiscovery-python",
        metavar="PYTHON",
        help="an interpreter with truthdiscovery installed (it cannot share our "
        "environment: see docs/benchmarks.md); adds its rows",
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--log", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.log, args.events)))
        return {}

    from discrepancy.generate import generate_lines
    from discrepancy.progress import progress

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "log.jsonl"
        started = time.perf_counter()
        with progress(args.events, "generate") as bar, log.open("wb") as handle:
            for n, line in enumerate(generate_lines(args.events, args.seed), start=1):
                handle.write(line)
                if n % 16384 == 0:
                    bar.advance(16384)
        generated = time.perf_counter() - started
        # evolve's cost per event on a small state and on one of (nearly) all events.
        steps = min(EVOLVE_STEPS, args.events // 4)
        small = min(10_000, args.events // 4)
        names = [
            "floor",
            "bound",
            "replay",
            "report",
            "cli-report",
            "as-of",
            f"evolve-{small}-{steps}",
            f"evolve-{args.events - steps}-{steps}",
            "open-log",
            "open-snapshot",
        ]
        if not args.no_peers and importlib.util.find_spec("eventsourcing") is not None:
            names += ["eventsourcing-popo", "eventsourcing-sqlite"]
        rows: dict[str, dict[str, Any]] = {}
        with progress(len(names) + 1, "benchmark") as bar:
            bar.label = "benchmark: durable copy and snapshot"
            _write_durable(log)
            bar.advance()
            for name in names:
                bar.label = f"benchmark: {name}"
                rows[name] = _run(name, log, args.events)
                bar.advance()
        if args.truthdiscovery_python and not args.no_peers:
            rows.update(_truthdiscovery(args.truthdiscovery_python, log, Path(tmp)))
        size = log.stat().st_size
    results = {
        "events": args.events,
        "seed": args.seed,
        "log_bytes": size,
        "generate_seconds": generated,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "rows": rows,
    }
    _print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return results


def _print_table(results: dict[str, Any]) -> None:
    n = results["events"]
    rows = results["rows"]
    floor = rows["floor"]["seconds"]
    print(f"{n:,} events, {results['log_bytes'] / n:.0f} bytes/line, Python {results['python']}")
    print(
        f"{'measurement':<28}{'us/event':>10}{'events/s':>12}{'x floor':>9}"
        f"{'peak RSS':>11}{'bytes/event':>13}"
    )
    for name, row in rows.items():
        count = row.get("steps") or row.get("peer_events") or n
        per = row["seconds"] / count * 1e6
        # Per event against the floor's per line: peers handle only the claims.
        ratio = per / (floor / n * 1e6)
        rss = row.get("peak_rss_bytes")
        rss_text = f"{rss / 2**20:8.0f} MB" if rss else ""
        # RSS growth over the process's start, per distinct event the state holds.
        held = row.get("distinct_events")
        growth = row.get("rss_growth_bytes")
        per_event = f"{growth / held:,.0f}" if held and growth else ""
        print(
            f"{name:<28}{per:>10.2f}{count / row['seconds']:>12,.0f}{ratio:>9.2f}"
            f"{rss_text:>11}{per_event:>13}"
        )
    replayed = rows["replay"]["seconds"]
    report, cli = (rows[name]["seconds"] / replayed for name in ("report", "cli-report"))
    print(f"report / replay: {report:.2f} (through the CLI: {cli:.2f})")
    small, large = (v for k, v in rows.items() if k.startswith("evolve"))
    ratio = large["per_event_us"] / small["per_event_us"]
    print(f"evolve on a state of {n:,} events / on a small one: {ratio:.2f}")
    snapshot = rows["open-snapshot"]["seconds"] / rows["open-log"]["seconds"]
    print(f"open from a snapshot / open reading every line: {snapshot:.2f}")


if __name__ == "__main__":
    main()
