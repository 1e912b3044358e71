"""A deterministic, streaming generator of realistic claim logs (SPEC v1).

``generate_lines(events, seed)`` yields JSON lines: the same seed gives the
same bytes, and memory stays bounded however many lines are asked for (only
small pools of recent claims and propositions are kept). It imports nothing
of the core, so it can feed any reader.

The mix, roughly: sources with party sets and grades; propositions with a
heavy-tailed number of claims (most one or two, a few hot ones hundreds);
amounts in every shape, flags and choices; about a tenth of the propositions
disputed; confirmations, denials, retractions, corrections (``supersedes``),
resolutions and reopenings; and a little of what real logs carry:
unregistered sources, dangling references, repeated lines and lines
recorded out of order.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import deque
from collections.abc import Iterator
from typing import Any, Final

import orjson

_START: Final = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
_OFFSETS: Final = (("Z", 0), ("+05:00", 300), ("+04:30", 270), ("-05:00", -300))
# What a proposition asks, by the kind of its answer: a count, yes or no, a side.
_TOPICS: Final = {
    "amount": ("killed", "wounded", "posts-captured"),
    "flag": ("fired-first", "strike"),
    "choice": ("crossing",),
}
_QUOTES: Final = (
    "said its forces responded to repeated violations",
    "confirmed the figure at a press briefing on Sunday",
    "denied any involvement in the overnight strike",
    "told reporters the border posts were under control",
    "said the toll could rise as reports came in",
    "has not claimed responsibility for the attack",
)
_CHOICES: Final = ("north", "south", "east", "west", "unknown-group")


def _stamp(moment: dt.datetime, offset: tuple[str, int]) -> str:
    name, minutes = offset
    local = moment + dt.timedelta(minutes=minutes)
    return f"{local:%Y-%m-%dT%H:%M:%S}{name}"


class _Generator:
    """The generator's state: bounded pools, one random stream."""

    def __init__(self, seed: int, sources: int, parties: int, giants: int = 0) -> None:
        self.rng = random.Random(seed)
        self.giants: list[tuple[str, str, Any, bool]] = [
            (f"killed/giant-{n:02d}", "amount", 100 + 37 * n, True) for n in range(giants)
        ]
        self.clock = _START
        self.sources = [f"source-{i:04d}" for i in range(sources)]
        self.party_count = max(1, parties)
        self.props: deque[tuple[str, str, Any, bool]] = deque(maxlen=2000)
        self.hot: list[tuple[str, str, Any, bool]] = []
        self.claims: deque[tuple[str, str, str]] = deque(maxlen=5000)
        self.latest: dict[str, tuple[str, str]] = {}  # proposition -> (claim, source)
        self.lines: deque[bytes] = deque(maxlen=200)
        self.serial = 0

    def next_id(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}-{self.serial:09d}"

    def tick(self) -> str:
        self.clock += dt.timedelta(seconds=self.rng.expovariate(1 / 3))
        moment = self.clock
        if self.rng.random() < 0.01:  # recorded out of order
            moment -= dt.timedelta(minutes=self.rng.uniform(1, 120))
        return _stamp(moment, self.rng.choice(_OFFSETS))

    def source_event(self, index: int) -> dict[str, Any]:
        rng = self.rng
        party_n = rng.choices((0, 1, 2), weights=(1, 7, 2))[0]
        parties = sorted({f"party-{rng.randrange(self.party_count):03d}" for _ in range(party_n)})
        event: dict[str, Any] = {
            "type": "source",
            "id": f"src-{index:05d}",
            "recorded_at": _stamp(_START, _OFFSETS[0]),
            "source": self.sources[index],
            "name": f"Source {index} press office",
            "parties": parties,
            "kind": rng.choice(("ministry", "army", "agency", "newspaper", "spokesman")),
        }
        if rng.random() < 0.8:
            event["reliability"] = rng.choice("ABCDEF")
        return event

    def proposition(self) -> tuple[str, str, Any, bool]:
        rng = self.rng
        if self.giants and rng.random() < GIANT_SHARE:
            return rng.choice(self.giants)
        roll = rng.random()
        if self.hot and roll < 0.08:
            return rng.choice(self.hot)
        if self.props and roll < 0.45:
            return self.props[-1 - int(rng.paretovariate(1.2)) % len(self.props)]
        kind = rng.choices(("amount", "flag", "choice"), weights=(6, 2, 2))[0]
        truth: Any = {
            "amount": rng.randrange(1, 500),
            "flag": rng.random() < 0.5,
            "choice": rng.choice(_CHOICES),
        }[kind]
        key = f"{rng.choice(_TOPICS[kind])}/{self.next_id('prop')}"
        made = (key, kind, truth, rng.random() < 0.1)  # a tenth are disputed
        self.props.append(made)
        if rng.random() < 0.002:
            self.hot.append(made)
            if len(self.hot) > 20:
                self.hot.pop(0)
        return made

    def value(self, kind: str, truth: Any, disputed: bool) -> Any:
        rng = self.rng
        if kind == "flag":
            return (not truth) if disputed and rng.random() < 0.5 else truth
        if kind == "choice":
            return rng.choice(_CHOICES) if disputed and rng.random() < 0.5 else truth
        figure = truth + rng.randrange(5, 60) if disputed and rng.random() < 0.3 else truth
        shape = rng.random()
        if shape < 0.55:
            return figure
        if shape < 0.75:
            return {"min": max(0, figure - rng.randrange(0, 10))}
        if shape < 0.85:
            return {"max": figure + rng.randrange(0, 10)}
        return {"min": max(0, figure - rng.randrange(0, 5)), "max": figure + rng.randrange(0, 5)}

    def source(self) -> str:
        if self.rng.random() < 0.01:
            return f"unregistered-{self.rng.randrange(50):02d}"
        return self.rng.choice(self.sources)

    def claim(self, when: str) -> dict[str, Any]:
        rng = self.rng
        key, kind, truth, disputed = self.proposition()
        event: dict[str, Any] = {
            "type": "claim",
            "id": self.next_id("ev"),
            "recorded_at": when,
            "claim": self.next_id("cl"),
            "source": self.source(),
            "proposition": key,
            "value": self.value(kind, truth, disputed),
            "stated_at": when,
            "quote": rng.choice(_QUOTES),
            "url": f"https://news.example/{self.clock:%Y/%m/%d}/{self.serial}",
        }
        earlier = self.latest.get(key)
        if earlier is not None and rng.random() < 0.1:
            # A correction of the latest claim, nearly always by its own source.
            event["supersedes"] = earlier[0]
            if rng.random() < 0.97:
                event["source"] = earlier[1]
        self.latest[key] = (event["claim"], event["source"])
        if len(self.latest) > 20000:
            del self.latest[next(iter(self.latest))]
        self.claims.append((event["claim"], key, event["source"]))
        return event

    def stance(self, kind: str, when: str) -> dict[str, Any]:
        rng = self.rng
        claim_id, prop, claimant = rng.choice(self.claims)
        if rng.random() < 0.002:
            claim_id = f"cl-missing-{rng.randrange(10**6)}"  # dangling
        source = claimant if kind == "retract" and rng.random() < 0.97 else self.source()
        return {
            "type": kind,
            "id": self.next_id("ev"),
            "recorded_at": when,
            "claim": claim_id,
            "proposition": prop,
            "source": source,
        }

    def ruling(self, kind: str, when: str) -> dict[str, Any]:
        key, _kind, truth, _disputed = self.proposition()
        event: dict[str, Any] = {
            "type": kind,
            "id": self.next_id("ev"),
            "recorded_at": when,
            "proposition": key,
            "rationale": "weighed the independent reports against the official figures",
            "analyst": f"analyst-{self.rng.randrange(8)}",
        }
        if kind == "resolve":
            event["value"] = truth
        return event


GIANT_SHARE: Final = 0.5
"""With giants, the share of claims and rulings that go to one of them."""


def generate_lines(
    events: int, seed: int, *, sources: int = 200, parties: int = 40, giants: int = 0
) -> Iterator[bytes]:
    """``events`` JSON lines (each ending in ``\\n``) of a realistic log.

    The first ``sources`` lines register the sources; the rest are claims
    (about 60%), confirmations, denials, retractions, resolutions and
    reopenings, with about 0.5% of lines repeated verbatim.

    ``giants`` > 0 makes the proposition sizes heavy-tailed to the extreme:
    half of the claims (and rulings) go to one of that many disputed amount
    propositions, so with 3 giants a 1M-event log has three propositions of
    about 10^5 claims each. ``giants=0`` gives the same bytes as before.
    """
    gen = _Generator(seed, max(1, sources), parties, giants)
    rng = gen.rng
    registered = min(events, len(gen.sources))
    for index in range(registered):
        yield orjson.dumps(gen.source_event(index)) + b"\n"
    for _ in range(events - registered):
        if gen.lines and rng.random() < 0.005:
            yield rng.choice(gen.lines)
            continue
        when = gen.tick()
        roll = rng.random()
        if roll < 0.62 or not gen.claims:
            event = gen.claim(when)
        elif roll < 0.9:
            event = gen.stance("confirm", when)
        elif roll < 0.94:
            event = gen.stance("deny", when)
        elif roll < 0.985:
            event = gen.stance("retract", when)
        elif roll < 0.995:
            event = gen.ruling("resolve", when)
        else:
            event = gen.ruling("reopen", when)
        line = orjson.dumps(event) + b"\n"
        gen.lines.append(line)
        yield line
