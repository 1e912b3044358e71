"""Every replay path reads a durable log through the same checks (issue 12, item 4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from discrepancy import EventLog
from discrepancy.cli import main
from discrepancy.codec import decode_line
from discrepancy.decide import Ledger
from discrepancy.generate import generate_lines

PATHS = [[], ["--jobs", "2"], ["--dask"]]


@pytest.fixture(scope="module")
def durable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ledger, accepted = Ledger(), []
    for line in generate_lines(300, seed=2):
        event = decode_line(line)
        if ledger.refusal(event) is None:
            ledger.add(event)
            accepted.append(event)
    path = tmp_path_factory.mktemp("logs") / "d.log"
    with EventLog.open(path) as log:
        log.append(accepted)
    return path


def _edited(durable: Path, tmp_path: Path) -> tuple[Path, int]:
    lines = durable.read_bytes().split(b"\n")
    for number, line in enumerate(lines, start=1):
        if b'"type":"claim"' in line and re.search(rb'"value":[0-9]+', line):
            lines[number - 1] = re.sub(rb'"value":[0-9]+', b'"value":9999', line, count=1)
            break
    path = tmp_path / "edited.log"
    path.write_bytes(b"\n".join(lines))
    return path, number


@pytest.mark.parametrize("how", PATHS, ids=["single", "jobs", "dask"])
def test_an_edited_line_is_refused_on_every_path(
    how: list[str], durable: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, number = _edited(durable, tmp_path)
    assert main(["replay", "--json", *how, str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:{number}: chain broken" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("how", PATHS, ids=["single", "jobs", "dask"])
def test_a_blanked_first_line_does_not_skip_the_check(
    how: list[str], durable: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "blank.log"
    path.write_bytes(b"\n" + durable.read_bytes())
    assert main(["replay", "--json", *how, str(path)]) == 1
    assert f"{path}:2: carries a chain but line 1 does not" in capsys.readouterr().err
