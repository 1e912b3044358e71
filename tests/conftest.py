"""Hypothesis profiles: ``ci`` (derandomized, no deadline) when ``CI`` is set."""

from __future__ import annotations

import os

import pytest
import structlog
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _unconfigured_logging() -> object:
    """Each test starts with structlog as a library user finds it (the CLI configures it)."""
    yield
    structlog.reset_defaults()
