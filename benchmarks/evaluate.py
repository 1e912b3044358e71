"""Score ``best`` against gold answers on real claim sets (Book, Flights, Weather).

Each data set goes through the whole engine, exactly as a user's table would:
``discrepancy.tabular`` turns the table into SPEC events, the codec decodes
them, ``discrepancy.state.replay`` folds them, and ``reconcile(state,
policy=...)`` picks each proposition's ``best`` under every policy (``spec``,
``majority``, ``learned``). Then ``best`` is compared with the gold answer.
Data sets are read from ``../shared/datasets`` beside the repository (or
``--datasets DIR``); nothing is copied into the repository.

Usage::

    python benchmarks/evaluate.py                 # all three sets, table on stdout
    python benchmarks/evaluate.py --set book --limit 2000
    python benchmarks/evaluate.py --json          # machine-readable results

How answers are matched (see docs/accuracy.md):

* Book: author lists are reduced to their sorted set of surnames
  (``tabular.surnames``), on both sides; ``best`` is right when the sets are
  equal. Scored on the 100-book gold standard, and on the 1,264-book silver
  standard (built partly from fusion results, so only indicative).
* Flights: times of day are reduced to ``HH:MM`` (``tabular.clock_time``) on
  both sides; one item per (flight, attribute), 400 in all.
* Weather: ``best`` must equal one of the item's gold numbers exactly (the
  truth file lists several readings for 3,481 of its 22,570 items).
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import orjson

from discrepancy.codec import decode_event
from discrepancy.policy import POLICIES
from discrepancy.reconcile import Reconciliation, reconcile
from discrepancy.state import State, replay
from discrepancy.tabular import (
    Columns,
    Normalise,
    Row,
    TableImport,
    clock_time,
    parse_amount,
    read_table,
    surnames,
    table_events,
)
from discrepancy.values import Amount, Choice, Value

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"

PUBLISHED: Mapping[str, str] = {
    "book": "majority 0.76-0.81, TruthFinder 0.83-0.84",
    "flights": "(none quoted)",
    "weather": "majority 0.54-0.56, CRH 0.62-0.63",
}
"""Figures quoted in ../shared/datasets/README.md (other papers' metrics; not re-measured)."""

FLIGHT_TIMES = ("sched_dep_time", "act_dep_time", "sched_arr_time", "act_arr_time")


@attrs.frozen(kw_only=True)
class Prepared:
    """A data set turned into events, with its gold answers as a matcher."""

    name: str
    imported: TableImport
    gold: Mapping[str, Sequence[Any]]
    """proposition -> the acceptable gold answers, already normalised."""
    match: Callable[[Value, Sequence[Any]], bool]
    extra_gold: Mapping[str, Mapping[str, Sequence[Any]]] = attrs.field(factory=dict)
    seconds: float = 0.0


def _choice_match(best: Value, gold: Sequence[Any]) -> bool:
    return isinstance(best, Choice) and best.answer in gold


def _amount_match(best: Value, gold: Sequence[Any]) -> bool:
    return isinstance(best, Amount) and best.low == best.high and best.low in gold


def _isbn10(isbn: str) -> str:
    """A 978 ISBN-13 as its ISBN-10 (other strings unchanged)."""
    if len(isbn) != 13 or not isbn.startswith("978") or not isbn.isdigit():
        return isbn
    core = isbn[3:12]
    check = (11 - sum((10 - i) * int(d) for i, d in enumerate(core)) % 11) % 11
    return core + ("X" if check == 10 else str(check))


def _limit(rows: Sequence[Row], limit: int | None) -> Sequence[Row]:
    return rows if limit is None else rows[:limit]


def prepare_book(root: Path, limit: int | None = None) -> Prepared:
    started = time.perf_counter()
    folder = root / "book_yin2007"
    table = read_table(folder / "book.txt", header=False)
    imported = table_events(
        _limit(table.rows, limit),
        header=None,
        columns=Columns(source="1", items=("2",), values=("4",)),
        normalise=Normalise(names=True, missing=frozenset({"Not Available"})),
        id_prefix="book",
        path=str(folder / "book.txt"),
    )
    items = {e["proposition"] for e in imported.events if e["type"] == "claim"}

    def gold_of(path: Path) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for row in read_table(path, header=False, delimiter="\t").rows:
            isbn = row.cells[0].strip()
            if isbn not in items and _isbn10(isbn) in items:
                isbn = _isbn10(isbn)
            if limit is None or isbn in items:
                out[isbn] = [surnames(row.cells[1])]
        return out

    return Prepared(
        name="book",
        imported=imported,
        gold=gold_of(folder / "book_golden.txt"),
        extra_gold={"book (silver)": gold_of(folder / "book_silver.txt")},
        match=_choice_match,
        seconds=time.perf_counter() - started,
    )


def prepare_flights(root: Path, limit: int | None = None) -> Prepared:
    started = time.perf_counter()
    folder = root / "flights_raha_subset"
    table = read_table(folder / "dirty.csv")
    imported = table_events(
        _limit(table.rows, limit),
        header=table.header,
        columns=Columns(source="src", items=("flight",), values=FLIGHT_TIMES),
        normalise=Normalise(trim=True, clock=True),
        id_prefix="flights",
        skip_bad=True,  # "Not Available", "Contact Airline": no time of day, no claim
        path=str(folder / "dirty.csv"),
    )
    gold: dict[str, list[str]] = {}
    with open(folder / "clean.csv", encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            for column in FLIGHT_TIMES:
                answer = clock_time(record[column])
                if answer is not None:
                    gold[f"{record['flight']}/{column}"] = [answer]
    if limit is not None:
        items = {e["proposition"] for e in imported.events if e["type"] == "claim"}
        gold = {k: v for k, v in gold.items() if k in items}
    return Prepared(
        name="flights",
        imported=imported,
        gold=gold,
        match=_choice_match,
        seconds=time.perf_counter() - started,
    )


def prepare_weather(root: Path, limit: int | None = None) -> Prepared:
    started = time.perf_counter()
    folder = root / "weather_dong2010"
    table = read_table(folder / "weather_claims_dafna_format.zip")
    imported = table_events(
        _limit(table.rows, limit),
        header=table.header,
        columns=Columns(
            source="SourceID",
            items=("ObjectID", "PropertyID"),
            values=("PropertyValue",),
            time="TimeStamp",
        ),
        kind="amount",
        normalise=Normalise(trim=True),
        id_prefix="weather",
        time_format="%a %b %d %H:%M:%S %Y",
        skip_bad=True,  # "N/A", "*", "12-Dec" (spreadsheet damage), "1 1/2": no claim
        path=str(folder / "weather_claims_dafna_format.zip"),
    )
    gold: dict[str, list[float]] = {}
    with open(folder / "weather_truth_dafna_format.csv", encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            number = parse_amount(record["PropertyValue"])
            if number is not None:
                key = f"{record['ObjectID']}/{record['PropertyID']}"
                gold.setdefault(key, []).append(number)
    if limit is not None:
        items = {e["proposition"] for e in imported.events if e["type"] == "claim"}
        gold = {k: v for k, v in gold.items() if k in items}
    return Prepared(
        name="weather",
        imported=imported,
        gold=gold,
        match=_amount_match,
        seconds=time.perf_counter() - started,
    )


PREPARE: Mapping[str, Callable[[Path, int | None], Prepared]] = {
    "book": prepare_book,
    "flights": prepare_flights,
    "weather": prepare_weather,
}


def hits(
    found: Reconciliation,
    gold: Mapping[str, Sequence[Any]],
    match: Callable[[Value, Sequence[Any]], bool],
    items: Sequence[str] | None = None,
) -> list[bool]:
    """Per gold item (sorted, or ``items``), whether ``best`` matches (no claim: a miss)."""
    out = []
    for key in sorted(gold) if items is None else items:
        finding = found.propositions.get(key)
        out.append(
            finding is not None and finding.best is not None and match(finding.best, gold[key])
        )
    return out


def accuracy(
    found: Reconciliation,
    gold: Mapping[str, Sequence[Any]],
    match: Callable[[Value, Sequence[Any]], bool],
) -> float:
    """The share of gold items whose ``best`` matches (an item with no claim is a miss)."""
    if not gold:
        return float("nan")
    right = hits(found, gold, match)
    return sum(right) / len(right)


def bootstrap(
    by_policy: Mapping[str, Sequence[bool]], *, resamples: int = 1000, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """95 % percentile intervals, resampling items with replacement (the same resamples
    for every policy): each policy's accuracy, and ``"<policy>-spec"`` for its paired
    difference from ``spec``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    names = list(by_policy)
    table = np.array([by_policy[n] for n in names], dtype=np.float64)
    n = table.shape[1]
    draws = []
    for _ in range(0, resamples, 100):
        picks = rng.integers(0, n, size=(min(100, resamples - len(draws)), n))
        draws.extend(table[:, row].mean(axis=1) for row in picks)
    means = np.array(draws)  # resamples x policies
    out = {}
    for i, name in enumerate(names):
        low, high = np.quantile(means[:, i], [0.025, 0.975])
        out[name] = (float(low), float(high))
        if name != "spec" and "spec" in by_policy:
            diff = means[:, i] - means[:, names.index("spec")]
            low, high = np.quantile(diff, [0.025, 0.975])
            out[f"{name}-spec"] = (float(low), float(high))
    return out


def mcnemar(a: Sequence[bool], b: Sequence[bool]) -> tuple[int, int, float]:
    """The exact McNemar test of paired hits: (``a`` only right, ``b`` only right, two-sided p)."""
    wins = sum(1 for x, y in zip(a, b, strict=True) if x and not y)
    losses = sum(1 for x, y in zip(a, b, strict=True) if y and not x)
    n = wins + losses
    if n == 0:
        return wins, losses, 1.0
    tail = sum(math.comb(n, k) for k in range(min(wins, losses) + 1))
    return wins, losses, min(1.0, 2 * tail / 2**n)


def rulings_for(prepared: Prepared, share: float, seed: int) -> dict[str, Any]:
    """A seeded ``share`` of the gold items, as the value an analyst would rule."""
    keys = sorted(prepared.gold)
    picked = random.Random(seed).sample(keys, round(share * len(keys)))
    return {key: prepared.gold[key][0] for key in sorted(picked)}


def _resolutions(ruled: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "type": "resolve",
            "id": f"ruling:{key}",
            "recorded_at": "2099-01-01T00:00:00Z",
            "proposition": key,
            "value": answer,
            "rationale": "gold answer (benchmarks/evaluate.py rulings experiment)",
            "analyst": "evaluate",
        }
        for key, answer in ruled.items()
    ]


def rulings_experiment(
    prepared: Prepared, state: State, *, share: float = 0.1, seed: int = 0
) -> dict[str, Any]:
    """Accuracy on the gold items not ruled, with ``share`` of them given as resolutions
    and without (the same run otherwise)."""
    ruled = rulings_for(prepared, share, seed)
    rest = [key for key in sorted(prepared.gold) if key not in ruled]
    with_rulings = replay(
        decode_event(e) for e in [*prepared.imported.events, *_resolutions(ruled)]
    )
    out: dict[str, Any] = {"share": share, "seed": seed, "ruled": len(ruled), "scored": len(rest)}
    for label, policy, source in (
        ("spec", "spec", state),
        ("learned", "learned", state),
        ("learned with rulings", "learned", with_rulings),
    ):
        right = hits(reconcile(source, policy=policy), prepared.gold, prepared.match, rest)
        out[label] = round(sum(right) / len(right), 4)
        out.setdefault("hits", {})[label] = right
    wins, losses, p = mcnemar(out["hits"]["learned with rulings"], out["hits"]["learned"])
    out["paired"] = {"wins": wins, "losses": losses, "p": p}
    del out["hits"]
    return out


def evaluate(
    prepared: Prepared, *, resamples: int = 1000, rulings: bool = True, seed: int = 0
) -> dict[str, Any]:
    """Replay a prepared set and score every policy; timings in seconds.

    Accuracy comes with a 95 % bootstrap interval over items, and every policy
    is tested against ``spec`` on the same items (paired bootstrap interval of
    the difference, exact McNemar p); with ``rulings``, the rulings experiment
    (:func:`rulings_experiment`) runs as well.
    """
    started = time.perf_counter()
    state: State = replay(decode_event(e) for e in prepared.imported.events)
    replayed = time.perf_counter() - started
    result: dict[str, Any] = {
        "set": prepared.name,
        "claims": prepared.imported.claims,
        "sources": prepared.imported.sources,
        "skipped_cells": len(prepared.imported.bad),
        "gold_items": len(prepared.gold),
        "published": PUBLISHED[prepared.name],
        "seconds": {"import": round(prepared.seconds, 2), "replay": round(replayed, 2)},
        "accuracy": {},
    }
    for name, extra in prepared.extra_gold.items():
        result.setdefault("extra", {})[name] = {"gold_items": len(extra), "accuracy": {}}
    right: dict[str, list[bool]] = {}
    for policy in POLICIES:
        started = time.perf_counter()
        found = reconcile(state, policy=policy)
        result["seconds"][f"reconcile_{policy}"] = round(time.perf_counter() - started, 2)
        right[policy] = hits(found, prepared.gold, prepared.match)
        result["accuracy"][policy] = round(sum(right[policy]) / max(1, len(right[policy])), 4)
        for name, extra in prepared.extra_gold.items():
            result["extra"][name]["accuracy"][policy] = round(
                accuracy(found, extra, prepared.match), 4
            )
    if right["spec"]:
        intervals = bootstrap(right, resamples=resamples, seed=seed)
        result["interval"] = {k: [round(x, 4) for x in v] for k, v in intervals.items()}
        result["against_spec"] = {}
        for policy in POLICIES[1:]:
            wins, losses, p = mcnemar(right[policy], right["spec"])
            result["against_spec"][policy] = {"wins": wins, "losses": losses, "p": p}
    if rulings and prepared.gold:
        result["rulings"] = rulings_experiment(prepared, state, seed=seed)
    return result


def _table(results: Sequence[Mapping[str, Any]]) -> str:
    policies = POLICIES
    head = ["set", "gold items", *policies, "learned - spec", "won / lost, p", "published"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        ci = r.get("interval", {})
        cells = [r["set"], str(r["gold_items"])]
        for p in policies:
            low, high = ci.get(p, (math.nan, math.nan))
            cells.append(f"{r['accuracy'][p]:.3f} [{low:.3f}, {high:.3f}]")
        low, high = ci.get("learned-spec", (math.nan, math.nan))
        diff = r["accuracy"]["learned"] - r["accuracy"]["spec"]
        cells.append(f"{diff:+.3f} [{low:+.3f}, {high:+.3f}]")
        paired = r.get("against_spec", {}).get("learned", {"wins": 0, "losses": 0, "p": 1.0})
        cells.append(f"{paired['wins']} / {paired['losses']}, p = {paired['p']:.2g}")
        lines.append("| " + " | ".join([*cells, r["published"]]) + " |")
        for name, extra in r.get("extra", {}).items():
            cells = [name, str(extra["gold_items"])]
            cells += [f"{extra['accuracy'][p]:.3f}" for p in policies]
            lines.append("| " + " | ".join([*cells, "-", "-", "-"]) + " |")
    ruled = [r for r in results if "rulings" in r]
    if ruled:
        lines += [
            "",
            "| set | rulings (seed) | items scored | spec | learned | learned with rulings "
            "| won / lost, p |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in ruled:
            x = r["rulings"]
            paired = x["paired"]
            lines.append(
                f"| {r['set']} | {x['ruled']} ({x['seed']}) | {x['scored']} | {x['spec']:.3f} "
                f"| {x['learned']:.3f} | {x['learned with rulings']:.3f} "
                f"| {paired['wins']} / {paired['losses']}, p = {paired['p']:.2g} |"
            )
    if results:
        stages = [f"{k} s" for k in results[0]["seconds"]]
        lines += [
            "",
            "| " + " | ".join(["set", "claims", "sources", "skipped cells", *stages]) + " |",
        ]
        lines.append("|" + "---|" * (4 + len(stages)))
        for r in results:
            times = " | ".join(str(v) for v in r["seconds"].values())
            lines.append(
                f"| {r['set']} | {r['claims']} | {r['sources']} | {r['skipped_cells']} | {times} |"
            )
    return "\n".join(lines) + "\n"


@attrs.frozen(kw_only=True)
class Scenario:
    """A synthetic claim set: sources of given accuracy answer items at random.

    Each source covers an item with probability ``coverage``; it gives the true
    answer with its accuracy, else one of ``wrong`` false answers uniformly;
    ``copiers`` extra sources repeat source 0's answers. ``singles`` more sources
    make one claim each, on an item drawn at random, right with a probability
    drawn from ``single_accuracy``.
    """

    name: str
    sources: int
    items: int
    accuracy: tuple[float, float]
    coverage: float
    wrong: int
    copiers: int = 0
    singles: int = 0
    single_accuracy: tuple[float, float] = (0.0, 0.0)


SPARSE = Scenario(
    name="most sources one claim",
    sources=2,
    items=300,
    accuracy=(0.55, 0.85),
    coverage=0.6,
    wrong=3,
    singles=500,
    single_accuracy=(0.2, 0.6),
)
"""The held-out set's regime (issue 16): two prolific sources of middling accuracy, and
many sources with one claim each, right less than half the time on average."""

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        name="equal sources", sources=10, items=300, accuracy=(0.7, 0.7), coverage=0.6, wrong=5
    ),
    Scenario(
        name="mixed sources", sources=20, items=300, accuracy=(0.2, 0.95), coverage=0.5, wrong=10
    ),
    Scenario(
        name="yes/no answers", sources=15, items=300, accuracy=(0.3, 0.95), coverage=0.5, wrong=1
    ),
    Scenario(
        name="three sources", sources=3, items=200, accuracy=(0.5, 0.9), coverage=0.9, wrong=5
    ),
    Scenario(
        name="sparse, many sources",
        sources=200,
        items=300,
        accuracy=(0.4, 0.9),
        coverage=0.03,
        wrong=5,
    ),
    Scenario(
        name="four copiers",
        sources=8,
        items=300,
        accuracy=(0.5, 0.9),
        coverage=0.7,
        wrong=5,
        copiers=4,
    ),
    Scenario(
        name="poor sources, 30 answers",
        sources=15,
        items=300,
        accuracy=(0.1, 0.5),
        coverage=0.7,
        wrong=30,
    ),
    SPARSE,
)


def simulate(scenario: Scenario, seed: int) -> dict[str, float]:
    """Accuracy of every policy on one seeded draw of ``scenario`` (through reconcile)."""
    rnd = random.Random(seed)
    total = scenario.sources + scenario.copiers + scenario.singles
    accuracy = [rnd.uniform(*scenario.accuracy) for _ in range(scenario.sources)]
    single_item = [rnd.randrange(scenario.items) for _ in range(scenario.singles)]
    single_right = [rnd.uniform(*scenario.single_accuracy) for _ in range(scenario.singles)]
    stamp = "2025-01-01T00:00:00Z"
    events: list[dict[str, Any]] = [
        {
            "type": "source",
            "id": f"s{s}",
            "recorded_at": stamp,
            "source": f"s{s}",
            "name": f"s{s}",
            "parties": [],
        }
        for s in range(total)
    ]
    for item in range(scenario.items):
        said = {}
        for s in range(scenario.sources):
            if rnd.random() < scenario.coverage:
                right = rnd.random() < accuracy[s]
                said[s] = "true" if right else f"false{rnd.randint(1, scenario.wrong)}"
        if 0 in said:
            said.update((scenario.sources + c, said[0]) for c in range(scenario.copiers))
        first_single = scenario.sources + scenario.copiers
        for j, at in enumerate(single_item):
            if at == item:
                right = rnd.random() < single_right[j]
                said[first_single + j] = (
                    "true" if right else f"false{rnd.randint(1, scenario.wrong)}"
                )
        events += [
            {
                "type": "claim",
                "id": f"c{item}-{s}",
                "recorded_at": stamp,
                "claim": f"c{item}-{s}",
                "source": f"s{s}",
                "proposition": f"i{item}",
                "value": value,
            }
            for s, value in said.items()
        ]
    state = replay(decode_event(e) for e in events)
    scores = {}
    for policy in POLICIES:
        found = reconcile(state, policy=policy)
        right = sum(1 for f in found.propositions.values() if f.best == Choice(answer="true"))
        scores[policy] = right / len(found.propositions)
    return scores


def simulation_table(seeds: int = 5) -> str:
    """Mean accuracy per scenario over ``seeds`` draws, as a Markdown table."""
    policies = POLICIES
    lines = ["| scenario | " + " | ".join(policies) + " |", "|---|" + "---|" * len(policies)]
    for scenario in SCENARIOS:
        runs = [simulate(scenario, seed) for seed in range(seeds)]
        means = [sum(r[p] for r in runs) / seeds for p in policies]
        lines.append(f"| {scenario.name} | " + " | ".join(f"{m:.3f}" for m in means) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=Path, default=DATASETS, help=f"default: {DATASETS}")
    parser.add_argument("--set", action="append", choices=tuple(PREPARE), help="repeatable")
    parser.add_argument("--limit", type=int, help="use only the first N rows of each table")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--simulate", action="store_true", help="score synthetic scenarios instead (seeded)"
    )
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap and rulings")
    parser.add_argument(
        "--no-rulings", action="store_true", help="skip the 10 %% rulings experiment"
    )
    args = parser.parse_args(argv)
    if args.simulate:
        sys.stdout.write(simulation_table())
        return 0
    results = [
        evaluate(
            PREPARE[name](args.datasets, args.limit),
            resamples=args.resamples,
            rulings=not args.no_rulings,
            seed=args.seed,
        )
        for name in args.set or PREPARE
    ]
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(results, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        sys.stdout.write(_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
