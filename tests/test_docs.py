"""The documentation's examples run, and print what the pages say they print.

A fenced block right after an ``<!-- run -->`` line is executed: ``sh`` with
bash, ``python`` with this interpreter, all blocks of one page in one fresh
folder, in order. A ``text`` block right after an ``<!-- output -->`` line
is the exact standard output of the run block before it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = ["tutorial.md", "howto-encode.md", "api.md"]
_BLOCK = re.compile(r"<!-- (run|output) -->\n```(\w+)\n(.*?)```\n", re.DOTALL)


def blocks(page: Path) -> list[tuple[str, str, str | None]]:
    """(language, code, expected output or None) of each run block, in order."""
    found: list[tuple[str, str, str | None]] = []
    for match in _BLOCK.finditer(page.read_text()):
        role, language, body = match.groups()
        if role == "run":
            found.append((language, body, None))
        elif found:
            language_, code, _ = found[-1]
            found[-1] = (language_, code, body)
    return found


def test_every_page_has_runnable_examples() -> None:
    for name in PAGES:
        assert blocks(DOCS / name), f"{name} has no <!-- run --> block"


@pytest.mark.parametrize("name", PAGES)
def test_examples_run_as_shown(name: str, tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for number, (language, code, expected) in enumerate(blocks(DOCS / name), start=1):
        command = (
            ["bash", "-euo", "pipefail", "-c", code]
            if language == "sh"
            else [sys.executable, "-c", code]
        )
        done = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False
        )
        where = f"{name}, run block {number}"
        assert done.returncode == 0, f"{where} failed:\n{done.stderr}"
        if expected is not None:
            assert done.stdout == expected, f"{where} printed something else"


def test_the_cli_reference_names_every_command_and_option() -> None:
    import argparse

    from discrepancy.cli import build_parser

    page = (DOCS / "cli.md").read_text()
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        assert f"## `discrepancy {name}`" in page, name
        for action in sub._actions:
            for option in action.option_strings:
                assert option in page, f"{name} {option}"


def test_ci_installs_and_runs_exactly_what_the_readme_says() -> None:
    # The README's second command is what CI runs: same extras, same test command.
    root = DOCS.parent
    readme = (root / "README.md").read_text()
    ci = (root / ".ci" / "run").read_text()
    (command,) = re.findall(r"^python3 -m venv .*&& pytest --cov$", readme, re.MULTILINE)
    readme_extras = re.findall(r"pip install -e '\.\[([\w,]+)\]'", command)
    ci_extras = re.findall(r"pip install --quiet -e '\.\[([\w,]+)\]'", ci)
    assert readme_extras == ci_extras == ["test,dask"]
    assert ci.rstrip().splitlines()[-1] == command.rsplit("&& ", 1)[1] == "pytest --cov"
