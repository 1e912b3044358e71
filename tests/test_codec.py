"""The codec of SPEC section 2: valid lines, every invalid case, canonical bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from discrepancy.codec import canonical_bytes, decode_event, decode_line, encode_event
from discrepancy.errors import LogDecodeError
from discrepancy.events import Claim, Source
from discrepancy.logs import read_events
from tests.strategies import event_objects

CLAIM: dict[str, Any] = {
    "type": "claim",
    "id": "e1",
    "recorded_at": "2025-10-12T10:00:00+05:00",
    "claim": "c1",
    "source": "ispr",
    "proposition": "pk-soldiers-killed/2025-10-12-border",
    "value": 23,
}


def with_(**changes: Any) -> dict[str, Any]:
    out = {**CLAIM, **changes}
    return {k: v for k, v in out.items() if v is not ...}


def test_a_claim_decodes_with_its_fields() -> None:
    event = decode_event(
        with_(
            quote="confirmed the death of 23",
            stated_at="2025-10-12T09:00:00Z",
        )
    )
    assert isinstance(event, Claim)
    assert event.source == "ispr"
    assert event.quote == "confirmed the death of 23"
    assert event.stated_at is not None
    assert event.recorded_at.key == "20251012050000."


def test_unknown_fields_are_kept_through_a_round_trip() -> None:
    obj = with_(confidence={"coder": "k", "score": [1, 2.5]}, v=1)
    event = decode_event(obj)
    assert encode_event(event) == obj
    assert canonical_bytes(event) == orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def test_seq_and_chain_are_envelope_not_event() -> None:
    event = decode_event(with_(seq=4, chain="0" * 64))
    assert "seq" not in encode_event(event)
    assert canonical_bytes(event) == canonical_bytes(decode_event(CLAIM))
    assert canonical_bytes(with_(seq=4, chain="0" * 64)) == canonical_bytes(event)


def test_canonical_bytes_sort_keys_and_keep_non_ascii() -> None:
    event = decode_event(with_(quote="Islamabad\u2019s", value=23.0))
    raw = canonical_bytes(event)
    assert raw.startswith(b'{"claim":"c1","id":"e1",')
    assert "Islamabad\u2019s".encode() in raw
    assert b'"value":23.0' in raw  # a float stays a float


def test_a_source_with_optional_fields() -> None:
    event = decode_event(
        {
            "type": "source",
            "id": "s",
            "recorded_at": "2025-10-12T00:00:00Z",
            "source": "ispr",
            "name": "ISPR",
            "parties": ["pakistan"],
            "reliability": "B",
            "kind": "military",
        }
    )
    assert isinstance(event, Source)
    assert (event.parties, event.reliability, event.kind) == (("pakistan",), "B", "military")


@pytest.mark.parametrize(
    ("obj", "field", "message"),
    [
        ([1, 2], None, "expected a JSON object"),
        ("claim", None, "expected a JSON object"),
        (with_(type=...), "type", "missing"),
        (with_(type="merge"), "type", "unknown event type 'merge'"),
        (with_(type=3), "type", "unknown event type 3"),
        (with_(id=...), "id", "missing"),
        (with_(id=""), "id", "1 to 256"),
        (with_(id="x" * 257), "id", "1 to 256"),
        (with_(id=7), "id", "expected a string"),
        (with_(recorded_at=...), "recorded_at", "missing"),
        (with_(recorded_at="2025-10-12T10:00:00"), "recorded_at", "with offset"),
        (with_(recorded_at="2025-10-12"), "recorded_at", "with offset"),
        (with_(recorded_at="2025-13-12T10:00:00Z"), "recorded_at", "no calendar date"),
        (with_(recorded_at="2025-10-12T25:00:00Z"), "recorded_at", "out of range"),
        (with_(v=2), "v", "newer than this reader knows"),
        (with_(v="1"), "v", "expected an integer"),
        (with_(v=True), "v", "expected an integer"),
        (with_(v=0), "v", "start at 1"),
        (with_(claim=...), "claim", "missing"),
        (with_(source=None), "source", "got null"),
        (with_(proposition=["p"]), "proposition", "got a list"),
        (with_(value=...), "value", "missing"),
        (with_(value=None), "value", "got null"),
        (with_(value={"min": 40, "max": 30}), "value", "min 40 > max 30"),
        (with_(value=[58]), "value", "got a list"),
        (with_(stated_at="yesterday"), "stated_at", "with offset"),
        (with_(supersedes=5), "supersedes", "expected a string"),
        (
            {
                "type": "source",
                "id": "s",
                "recorded_at": "2025-10-12T00:00:00Z",
                "source": "a",
                "name": "A",
                "parties": "pakistan",
            },
            "parties",
            "list of strings",
        ),
        (
            {
                "type": "source",
                "id": "s",
                "recorded_at": "2025-10-12T00:00:00Z",
                "source": "a",
                "name": "A",
                "parties": [1],
            },
            "parties",
            "item 0",
        ),
        (
            {
                "type": "source",
                "id": "s",
                "recorded_at": "2025-10-12T00:00:00Z",
                "source": "a",
                "name": "A",
                "parties": [],
                "reliability": "G",
            },
            "reliability",
            "A to F",
        ),
        (
            {
                "type": "source",
                "id": "s",
                "recorded_at": "2025-10-12T00:00:00Z",
                "source": "a",
                "parties": [],
            },
            "name",
            "missing",
        ),
        (
            {
                "type": "deny",
                "id": "d",
                "recorded_at": "2025-10-12T00:00:00Z",
                "claim": "c1",
                "source": "a",
            },
            "proposition",
            "missing",
        ),
        (
            {
                "type": "resolve",
                "id": "r",
                "recorded_at": "2025-10-12T00:00:00Z",
                "proposition": "p",
                "value": 1,
                "analyst": "a",
            },
            "rationale",
            "missing",
        ),
        (
            {
                "type": "reopen",
                "id": "r",
                "recorded_at": "2025-10-12T00:00:00Z",
                "proposition": "p",
                "rationale": "r",
            },
            "analyst",
            "missing",
        ),
    ],
)
def test_invalid_events_name_line_and_field(
    tmp_path: Path, obj: object, field: str | None, message: str
) -> None:
    log = tmp_path / "log.jsonl"
    good = orjson.dumps(CLAIM)
    log.write_bytes(good + b"\n" + good + b"\n" + orjson.dumps(obj) + b"\n" + good + b"\n")
    with pytest.raises(LogDecodeError) as info:
        list(read_events(log))
    error = info.value
    assert (error.path, error.line, error.field) == (str(log), 3, field)
    assert message in str(error)
    prefix = f'{log}:3: field "{field}": ' if field else f"{log}:3: "
    assert str(error).startswith(prefix)


def test_a_line_that_is_not_json_is_located(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(orjson.dumps(CLAIM) + b"\n{not json\n")
    with pytest.raises(LogDecodeError, match=r"log\.jsonl:2: not valid JSON"):
        list(read_events(log))


def test_blank_lines_bom_and_a_last_line_without_newline(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(
        b"\xef\xbb\xbf" + orjson.dumps(CLAIM) + b"\n\n  \n" + orjson.dumps(with_(id="e2"))
    )
    assert [e.id for e in read_events(log)] == ["e1", "e2"]


def test_a_missing_file_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(LogDecodeError, match=r"missing\.jsonl: cannot read"):
        list(read_events(tmp_path / "missing.jsonl"))


def test_decode_line_accepts_text_and_bytes() -> None:
    line = orjson.dumps(CLAIM)
    assert decode_line(line) == decode_line(line.decode())


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("18446744073709551617", "value"),
        ('{"min": -9223372036854775809}', "value.min"),
        ('{"min": 1, "max": 123456789012345678901234567890}', "value.max"),
    ],
)
def test_an_integer_beyond_64_bits_is_refused_not_rounded(value: str, field: str) -> None:
    # orjson would read it as the nearest float: not "exactly that number".
    line = '{"type":"claim","id":"e1","recorded_at":"2025-10-12T07:00:00Z","claim":"c1",'
    line += f'"source":"a","proposition":"p","value":{value}}}'
    with pytest.raises(LogDecodeError, match="out of the 64-bit range") as info:
        decode_line(line, path="log.jsonl", line_no=3)
    assert (info.value.path, info.value.line, info.value.field) == ("log.jsonl", 3, field)


def test_large_numbers_written_as_floats_are_kept() -> None:
    line = '{"type":"claim","id":"e1","recorded_at":"2025-10-12T07:00:00Z","claim":"c1",'
    line += '"source":"a","proposition":"p","value":{"min":1e19,"max":1.8446744073709552e19}}'
    event = decode_line(line)
    assert isinstance(event, Claim)
    assert encode_event(event)["value"] == {"min": 1e19, "max": 1.8446744073709552e19}


def test_a_decode_error_survives_pickling() -> None:
    import pickle

    error = LogDecodeError("min 40 > max 30", path="a.jsonl", line=3, field="value")
    again = pickle.loads(pickle.dumps(error))
    assert (again.path, again.line, again.field, str(again)) == (
        "a.jsonl",
        3,
        "value",
        str(error),
    )


# --- the fast path decodes exactly what the thorough decoder does ---------------

# Field values that are right for some fields and wrong for others: null, a
# number, a list, the empty string, a long id, a timestamp and a non-timestamp.
ODD = st.sampled_from(
    [None, 7, True, ["a"], "", "x" * 257, "2025-10-12T10:00:07Z", "noon", "c1", {"min": 1}]
)
OPTIONAL = ["stated_at", "via", "quote", "url", "supersedes", "v", "seq", "chain", "note"]


@st.composite
def nearly_valid_objects(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event object, then optional fields added and some field spoiled."""
    obj = draw(event_objects())
    if obj["type"] == "claim":
        for name in draw(st.lists(st.sampled_from(OPTIONAL[:5]), unique=True)):
            obj[name] = "2025-10-12T10:00:00.5-04:00" if name == "stated_at" else "s1"
    for name in draw(st.lists(st.sampled_from([*OPTIONAL[5:], *obj]), max_size=2, unique=True)):
        obj[name] = draw(ODD)
    return obj


def _outcome(decode: Any, obj: object) -> object:
    try:
        event = decode(obj)
    except LogDecodeError as exc:
        return ("error", exc.field)
    return ("event", event, canonical_bytes(event))


@given(nearly_valid_objects())
def test_the_fast_path_equals_the_thorough_decoder(obj: dict[str, Any]) -> None:
    from discrepancy.codec import _decode_thoroughly

    fast = _outcome(decode_event, obj)
    assert fast == _outcome(_decode_thoroughly, obj)
    if fast[0] == "event":  # every field kept: the bytes are the input's
        expected = {k: v for k, v in obj.items() if k not in ("seq", "chain")}
        assert fast[2] == orjson.dumps(expected, option=orjson.OPT_SORT_KEYS)
