"""The careless user's matrix: every command over bad input, through the entry point.

Each case asserts what the contract promises: the right exit code (1 bad
input, 2 usage), exactly one ``discrepancy:`` line on stderr naming the path
(after the command's own usage for exit 2), no traceback, and nothing in the
folder written, created or changed. (Cases fixed in code other helpers own
were marked ``xfail(strict=True)`` until those fixes landed; none is left.)
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from discrepancy.cli import main
from discrepancy.codec import encode_event
from tests.builders import at, claim, source

EVENTS = [source("s1", "x"), claim("c1", "s1", 5, "killed", when=at(1))]
GOOD = b"".join(orjson.dumps(encode_event(e)) + b"\n" for e in EVENTS)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "good.jsonl").write_bytes(GOOD)
    (tmp_path / "a-folder").mkdir()
    latin = GOOD.replace(b'"s1"', b'"s\xe9"', 1)
    (tmp_path / "latin1.jsonl").write_bytes(latin)
    (tmp_path / "log.jsonl.gz").write_bytes(gzip.compress(GOOD))
    objects = [orjson.loads(line) for line in GOOD.splitlines()]
    (tmp_path / "array.json").write_bytes(orjson.dumps(objects))
    (tmp_path / "pretty.json").write_bytes(orjson.dumps(objects[1], option=orjson.OPT_INDENT_2))
    (tmp_path / "table.csv").write_text("source,item,value,when\na,x,1,yesterday\n")
    assert main(["-q", "append", str(tmp_path / "durable.log"), str(tmp_path / "good.jsonl")]) == 0
    return tmp_path


def _contents(folder: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None
        for p in sorted(folder.rglob("*"))
        if not p.is_fifo()
    }


def _run(argv: list[str], folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    here = os.getcwd()
    os.chdir(folder)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(str(exc.code))
    finally:
        os.chdir(here)
    return code, capsys.readouterr().err


READERS = [
    ["replay"],
    ["replay", "--json"],
    ["list"],
    ["explain", "--proposition", "killed"],
    ["contradictions"],
    ["diff", "--from", at(0), "--to", at(9)],
]

BAD_LOGS = {
    "a-folder": None,
    "missing.jsonl": None,
    "latin1.jsonl": None,
    "log.jsonl.gz": None,
    "array.json": None,
    "pretty.json": None,
}


def _case(argv: list[str], named: str, code: int, xfail: str | None) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(argv, named, code, marks=marks, id=" ".join(argv))


CASES = [
    *(
        _case([*command, name], name, 1, reason)
        for command in READERS
        for name, reason in BAD_LOGS.items()
    ),
    _case(["append", "a-folder", "good.jsonl"], "a-folder", 1, None),
    _case(["append", "no-such-folder/new.log", "good.jsonl"], "no-such-folder", 1, None),
    _case(["append", "good.jsonl", "good.jsonl"], "good.jsonl", 1, None),
    _case(["append", "durable.log", "missing.jsonl"], "missing.jsonl", 1, None),
    _case(["append", "durable.log", "latin1.jsonl"], "latin1.jsonl", 1, None),
    _case(["append", "durable.log", "log.jsonl.gz"], "log.jsonl.gz", 1, None),
    _case(["append", "durable.log", "array.json"], "array.json", 1, None),
    _case(["append", "durable.log", "a-folder"], "a-folder", 1, None),
    _case(["verify", "a-folder"], "a-folder", 1, None),
    _case(["verify", "missing.log"], "missing.log", 1, None),
    _case(["verify", "good.jsonl"], "good.jsonl", 1, None),
    _case(["verify", "log.jsonl.gz"], "log.jsonl.gz", 1, None),
    *(
        _case(
            [
                "import-table",
                *where,
                "--source",
                "source",
                "--item",
                "item",
                "--value",
                "value",
                *more,
            ],
            named,
            1,
            reason,
        )
        for where, more, named, reason in [
            (["missing.csv"], [], "missing.csv", None),
            (["a-folder"], [], "a-folder", None),
            (["table.csv"], ["-o", "no-such-folder/out.jsonl"], "no-such-folder", None),
            (["table.csv"], ["--time", "when"], "table.csv", None),
        ]
    ),
    # Usage: exit 2, the command's own usage, one line naming what is wrong.
    _case(["replay"], "LOG", 2, None),
    _case(["replay", "--json", "--format", "csv", "good.jsonl"], "--format csv", 2, None),
    _case(["replay", "--as-of", at(1), "--as-of", at(2), "good.jsonl"], "--as-of", 2, None),
    _case(["replay", "--status", "contested", "--json", "good.jsonl"], "--status", 2, None),
    _case(
        ["replay", "--status", "contested", "--format", "csv", "good.jsonl"], "--status", 2, None
    ),
    _case(["replay", "--as-of", "yesterday", "good.jsonl"], "--as-of", 2, None),
    _case(["diff", "--from", at(9), "--to", at(1), "good.jsonl"], "--from", 2, None),
    _case(["explain", "good.jsonl"], "PROPOSITION", 2, None),
    _case(["list", "--status", "nonsense", "good.jsonl"], "--status", 2, None),
    _case(["replay", "--scheduler", "tcp://127.0.0.1:1", "good.jsonl"], "--scheduler", 2, None),
    _case(["replay", "--jobs", "0", "good.jsonl"], "--jobs", 2, None),
    _case(
        [
            "import-table",
            "table.csv",
            "--source",
            "source",
            "--item",
            "item",
            "--value",
            "value",
            "--encoding",
            "no-such-codec",
        ],
        "no-such-codec",
        2,
        None,
    ),
    _case(
        [
            "import-table",
            "table.csv",
            "--source",
            "source",
            "--item",
            "item",
            "--value",
            "value",
            "--time-format",
            "%Y",
        ],
        "--time",
        2,
        None,
    ),
]


@pytest.mark.parametrize(("argv", "named", "code"), CASES)
def test_bad_input_is_one_located_line_and_changes_nothing(
    argv: list[str], named: str, code: int, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _contents(folder)
    got, err = _run(["-q", *argv], folder, capsys)
    assert "Traceback" not in err
    assert got == code, err
    said = [line for line in err.splitlines() if line.startswith("discrepancy:")]
    assert len(said) == 1, err
    assert named in said[0], err
    if code == 1:
        assert err.strip() == said[0], err
    else:
        assert f"usage: discrepancy {argv[0]}" in err, err
    assert _contents(folder) == before


@pytest.fixture
def fifo(folder: Path) -> Iterator[Path]:
    path = folder / "events.fifo"
    os.mkfifo(path)

    def feed() -> None:
        with open(path, "wb") as pipe:
            pipe.write(GOOD)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    yield path
    if writer.is_alive():  # the command never opened it: release the writer
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
    writer.join(5)


def test_a_fifo_is_read_not_sought(
    fifo: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(["-q", "list", str(fifo)], folder, capsys)
    assert (code, err) == (0, "")


def test_dash_reads_standard_input_through_the_console_entry_point(folder: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "discrepancy", "list", "-"],
        input=GOOD,
        cwd=folder,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, b"")
    assert b"killed" in done.stdout
