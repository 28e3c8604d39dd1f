"""Shared helpers of the load_balancing exporter tests: the OTLP sinks of tests/exporters/otlp."""

from __future__ import annotations

from types import ModuleType

import pytest
from support import otlp_sinks


@pytest.fixture
def h() -> ModuleType:
    return otlp_sinks()
