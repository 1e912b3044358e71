"""The walk-through of the bundled example shows the log itself, line for line.

docs/examples/border-clash.md quotes every event of the bundled log in
```json blocks, in file order; joined, the blocks must be the log byte for
byte, so the page cannot drift from the data that ``replay --example`` reads.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WALK_THROUGH = REPO / "docs" / "examples" / "border-clash.md"

# A block opens with a line that is exactly ```json and closes at the next line that is ```.
_JSON_BLOCK = re.compile(r"^```json\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def json_blocks(markdown: str) -> list[str]:
    """The contents of the ```json blocks, each with its lines' newlines."""
    return _JSON_BLOCK.findall(markdown)


def test_json_blocks_are_found_in_order_and_other_blocks_are_not() -> None:
    page = '```json\n{"a": 1}\n```\ntext\n```text\nno\n```\n```json\n{"b": 2}\n{"c": 3}\n```\n'
    assert json_blocks(page) == ['{"a": 1}\n', '{"b": 2}\n{"c": 3}\n']


def test_walk_through_json_blocks_are_the_bundled_log_byte_for_byte() -> None:
    log = (files("discrepancy") / "examples" / "border_clash.jsonl").read_bytes()
    shown = "".join(json_blocks(WALK_THROUGH.read_bytes().decode("utf-8"))).encode("utf-8")
    # Lines first, for a readable diff when one event drifts; then the exact bytes.
    assert shown.splitlines() == log.splitlines()
    assert shown == log
