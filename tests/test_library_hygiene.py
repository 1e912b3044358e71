"""What the library must never do to its host process (only the CLI may)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROBE = textwrap.dedent(
    """
    import gc, logging, pkgutil, importlib
    import structlog
    import discrepancy
    for module in pkgutil.walk_packages(discrepancy.__path__, "discrepancy."):
        if not module.name.startswith(("discrepancy.cli", "discrepancy.__main__")):
            importlib.import_module(module.name)
    from importlib.resources import files
    from discrepancy import dumps, reconcile, replay_paths, report
    example = files("discrepancy") / "examples" / "border_clash.jsonl"
    state = replay_paths([str(example)])
    dumps(report(reconcile(state)))
    dumps(report(reconcile(state, policy="learned")))
    assert not structlog.is_configured(), "structlog configured"
    assert not logging.getLogger().handlers, "root handlers added"
    assert gc.isenabled(), "garbage collector left disabled"
    print("clean")
    """
)


def test_the_library_never_configures_logging_nor_leaves_the_collector_off() -> None:
    # A fresh interpreter: in this one, pytest and other tests have touched both.
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    # (Unconfigured structlog prints events, the debug line of replay_paths among
    # them, before the probe's own last line.)
    assert done.stdout.strip().splitlines()[-1] == "clean"
