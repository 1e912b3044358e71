"""Strategies for the sharded replay: logs cut into files that split what must meet.

A sharded replay goes wrong exactly where things that belong together land
apart: the variants of one event id, a claim and its stances, a claim id
claimed under two propositions, and a source and its re-registration. These
strategies aim at those cases on purpose and scatter the lines over several
files, written in different ways (compact, spaced, reordered keys) so that
lines that differ as bytes but not as events are met too.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from hypothesis import strategies as st

from tests.strategies import CLAIM_IDS, SOURCES, TIMES, event_objects, values

# More propositions than tests.strategies has, so that a handful of shards
# really separates them.
PROPOSITIONS = ["p", "q", "r", "s", "t", "u"]


@st.composite
def _aimed(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A claim and what must meet it: stances, a variant, a rival, a re-registration."""
    claim = {
        "type": "claim",
        "id": f"a{draw(st.integers(0, 5))}",
        "recorded_at": draw(st.sampled_from(TIMES)),
        "claim": draw(st.sampled_from(CLAIM_IDS)),
        "source": draw(st.sampled_from(SOURCES)),
        "proposition": draw(st.sampled_from(PROPOSITIONS)),
        "value": draw(values()),
    }
    out = [claim]
    for n, kind in enumerate(
        draw(st.lists(st.sampled_from(["confirm", "deny", "retract"]), max_size=3))
    ):
        out.append(
            {
                "type": kind,
                "id": f"{claim['id']}-{kind}-{n}",
                "recorded_at": draw(st.sampled_from(TIMES)),
                "claim": claim["claim"],
                "proposition": claim["proposition"],
                "source": claim["source"] if kind == "retract" else draw(st.sampled_from(SOURCES)),
            }
        )
    if draw(st.booleans()):  # the same event id with other content
        out.append({**claim, "recorded_at": draw(st.sampled_from(TIMES)), "value": draw(values())})
    if draw(st.booleans()):  # the same claim id under another proposition
        out.append(
            {
                **claim,
                "id": f"{claim['id']}-rival",
                "recorded_at": draw(st.sampled_from(TIMES)),
                "proposition": draw(st.sampled_from(PROPOSITIONS)),
            }
        )
    if draw(st.booleans()):  # a correction by the claimant, or by someone else
        out.append(
            {
                **claim,
                "id": f"{claim['id']}-fix",
                "claim": f"{claim['claim']}-fix",
                "source": draw(st.sampled_from([claim["source"], *SOURCES])),
                "supersedes": claim["claim"],
                "value": draw(values()),
            }
        )
    # Rulings by two analysts, so that one may overrule the other (disagreements).
    out.extend(
        {
            "type": "resolve",
            "id": f"{claim['id']}-ruling-{n}",
            "recorded_at": draw(st.sampled_from(TIMES)),
            "proposition": claim["proposition"],
            "value": draw(values()),
            "rationale": "weighed",
            "analyst": draw(st.sampled_from(["ana", "bob"])),
        }
        for n in range(draw(st.integers(0, 2)))
    )
    source = draw(st.sampled_from(SOURCES[:-1]))
    # A source registered, then again with other parties.
    out.extend(
        {
            "type": "source",
            "id": f"reg-{source}-{n}",
            "recorded_at": draw(st.sampled_from(TIMES)),
            "source": source,
            "name": source.upper(),
            "parties": draw(st.lists(st.sampled_from(["x", "y", "z"]), max_size=2, unique=True)),
        }
        for n in range(draw(st.integers(0, 2)))
    )
    return out


def _line(obj: dict[str, Any], style: int) -> bytes:
    if style == 0:
        return orjson.dumps(obj)
    if style == 1:  # spaced: other bytes, the same event
        return json.dumps(obj, ensure_ascii=False).encode()
    return orjson.dumps(dict(reversed(list(obj.items()))))  # keys in another order


@st.composite
def split_logs(draw: st.DrawFn) -> list[bytes]:
    """The bytes of 1 to 4 log files whose union is a colliding log."""
    objects: list[dict[str, Any]] = draw(st.lists(event_objects(), max_size=25))
    for group in draw(st.lists(_aimed(), max_size=4)):
        objects.extend(group)
    if objects and draw(st.booleans()):
        objects.extend(draw(st.lists(st.sampled_from(objects), max_size=4)))  # repeats
    files = draw(st.integers(1, 4))
    parts: list[list[bytes]] = [[] for _ in range(files)]
    for obj in objects:
        where = draw(st.integers(0, files - 1))
        parts[where].append(_line(obj, draw(st.integers(0, 2))))
    return [b"".join(line + b"\n" for line in part) for part in parts]
