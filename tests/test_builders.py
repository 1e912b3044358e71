"""The positional builders equal the classes' own ``__init__``, field by field."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from discrepancy import codec, values
from discrepancy.builders import builder
from discrepancy.events import Claim, Timestamp
from discrepancy.reconcile import proposition

# Every builder the package makes, found where it is made.
BUILDERS = [
    codec._TIMESTAMP,
    codec._CLAIM,
    *codec._STANCES.values(),
    values._AMOUNT,
    proposition._CLAIM_FINDING,
    proposition._WORKED,
    proposition._PROPOSITION_FINDING,
]

ANYTHING = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.tuples())


def _every_field(obj: object) -> list[tuple[str, Any, type]]:
    """Each field's name, value and type: ``eq=False`` fields included."""
    return [
        (f.name, getattr(obj, f.name), type(getattr(obj, f.name)))
        for f in attrs.fields(type(obj))  # type: ignore[misc]
    ]


def test_every_builder_of_the_package_is_checked() -> None:
    built = {b.builds for b in BUILDERS}  # type: ignore[attr-defined]
    assert len(BUILDERS) == 9
    assert len(built) == 9
    assert all(b.__closure__ is None for b in BUILDERS)  # generated, not a wrapper


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
@given(data=st.data())
def test_a_builder_builds_what_the_class_builds(build: Any, data: st.DataObject) -> None:
    names = build.fields
    given_values = [data.draw(ANYTHING, label=name) for name in names]
    made = build(*given_values)
    expected = build.builds(**dict(zip(names, given_values, strict=True)))
    assert type(made) is build.builds
    assert _every_field(made) == _every_field(expected)
    assert made == expected
    assert hash(made) == hash(expected)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.__setattr__(names[0], None)


def test_a_builder_gives_left_out_fields_their_defaults() -> None:
    stamp = Timestamp(text="t", key="k")
    build = builder(Claim, "id recorded_at claim source proposition value")
    made = build("e1", stamp, "c1", "s1", "p1", values.Amount.of(3))
    assert (made.v, made.extra, made.stated_at, made.supersedes) == (None, (), None, None)
    assert made == Claim(
        id="e1", recorded_at=stamp, claim="c1", source="s1", proposition="p1", value=made.value
    )


@attrs.frozen
class _Checked:
    n: int = attrs.field(validator=attrs.validators.instance_of(int))


@attrs.frozen
class _Made:
    items: list[int] = attrs.field(factory=list)


@attrs.frozen(slots=False)
class _Dict:
    n: int


@pytest.mark.parametrize(
    ("cls", "names", "why"),
    [
        (_Checked, "n", "validator"),
        (_Made, "", "plain default"),
        (_Dict, "n", "slotted"),
        (Timestamp, "text", "plain default"),  # key is required
        (Timestamp, "text key when", "not init fields"),
        (Timestamp, "text text key", "named twice"),
    ],
)
def test_a_builder_refuses_what_it_could_not_build_alike(cls: type, names: str, why: str) -> None:
    with pytest.raises(TypeError, match=why):
        builder(cls, names)
