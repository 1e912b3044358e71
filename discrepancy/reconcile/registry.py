"""The source registry: who is registered, with which parties and grade, and
the independent-voice groups of rules 1.1 (SPEC section 4). Built once per
reconciliation from the latest ``source`` event of each id. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from discrepancy.events import Source

GRADES: Final = "ABCDEF"
"""Reliability grades, best first; an ungraded or unregistered source ranks after F."""

UNGRADED: Final = len(GRADES)


@attrs.frozen(kw_only=True)
class Registry:
    """The registered sources.

    * ``parties``: source id -> its party set (registered sources only);
    * ``grades``: source id -> its reliability as an index into ``GRADES``;
    * ``groups``: source id -> its group (rules 1.1): two sources are in one
      group when they share a party, directly or through a chain of registered
      sources; a source with no party is a group of its own.
    """

    parties: Mapping[str, frozenset[str]]
    grades: Mapping[str, int]
    groups: Mapping[str, int]

    @classmethod
    def of(cls, sources: Iterable[Source]) -> Registry:
        """The registry of the latest ``source`` event of each id in ``sources``."""
        latest: dict[str, Source] = {}
        for event in sources:
            held = latest.get(event.source)
            if held is None or event.order > held.order:
                latest[event.source] = event
        parties = {sid: frozenset(e.parties) for sid, e in latest.items()}
        return cls(
            parties=parties,
            grades={
                sid: GRADES.index(e.reliability)
                for sid, e in latest.items()
                if e.reliability is not None
            },
            groups=source_groups(parties),
        )

    def registered(self, source: str) -> bool:
        return source in self.parties

    def independent(self, a: str, b: str) -> bool:
        """Different, both registered, and with disjoint party sets (SPEC section 4)."""
        if a == b:
            return False
        pa = self.parties.get(a)
        pb = self.parties.get(b)
        return pa is not None and pb is not None and pa.isdisjoint(pb)

    def allied(self, a: str, b: str) -> bool:
        """Different registered sources that share a party."""
        if a == b:
            return False
        pa = self.parties.get(a)
        pb = self.parties.get(b)
        return pa is not None and pb is not None and not pa.isdisjoint(pb)

    def grade(self, source: str) -> int:
        """The source's reliability rank, 0 for A; ungraded and unregistered last."""
        return self.grades.get(source, UNGRADED)


def source_groups(parties: Mapping[str, frozenset[str]]) -> dict[str, int]:
    """Source id -> group number (rules 1.1), for the registered ``parties``.

    Groups are the connected components of "shares a party"; they are
    numbered in the order of their smallest source id, so the numbering
    depends only on the registry. Linear in the number of (source, party)
    pairs (union-find over parties).
    """
    parent: dict[str, str] = {}

    def find(party: str) -> str:
        root = party
        while parent[root] != root:
            root = parent[root]
        while parent[party] != root:
            parent[party], party = root, parent[party]
        return root

    for named in parties.values():
        first: str | None = None
        for party in named:
            parent.setdefault(party, party)
            if first is None:
                first = find(party)
            else:
                root = find(party)
                if root != first:
                    parent[root] = first
    component: dict[str, str] = {}
    for sid, named in parties.items():
        component[sid] = "source:" + sid if not named else "party:" + find(next(iter(named)))
    number: dict[str, int] = {}
    for sid in sorted(parties):
        number.setdefault(component[sid], len(number))
    return {sid: number[component[sid]] for sid in parties}
