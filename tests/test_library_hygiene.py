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
    # Nothing of the library's on standard output: unconfigured structlog would
    # print replay_paths' debug line there (discrepancy.diagnostics).
    assert done.stdout == "clean\n"


DIAGNOSTICS = textwrap.dedent(
    """
    import structlog
    from discrepancy.diagnostics import LibraryLogger
    log = LibraryLogger("discrepancy.probe")
    log.debug("probe_debug", n=1)
    log.info("probe_info", n=2)
    log.warning("probe_warning", n=3)
    assert not structlog.is_configured()
    """
)


def test_unconfigured_the_library_warns_on_stderr_and_says_nothing_else() -> None:
    done = subprocess.run(
        [sys.executable, "-c", DIAGNOSTICS],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "probe_warning" in done.stderr
    assert "n=3" in done.stderr
    assert "probe_debug" not in done.stderr
    assert "probe_info" not in done.stderr


def test_configured_every_event_goes_where_the_application_says() -> None:
    from structlog.testing import capture_logs

    from discrepancy.diagnostics import LibraryLogger

    log = LibraryLogger("discrepancy.probe")
    with capture_logs() as captured:
        log.debug("probe_debug", n=1)
        log.info("probe_info", n=2)
        log.warning("probe_warning", n=3)
    assert [(c["event"], c["log_level"], c["n"]) for c in captured] == [
        ("probe_debug", "debug", 1),
        ("probe_info", "info", 2),
        ("probe_warning", "warning", 3),
    ]
