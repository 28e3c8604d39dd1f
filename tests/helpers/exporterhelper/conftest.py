"""Fixtures for the exporterhelper tests (shared code lives in ehsupport.py)."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="pyotelcol.test")
    return caplog
