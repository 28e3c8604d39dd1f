"""Fixtures for the otlp_grpc / otlp_http exporter tests (ports 26000-26499)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from support import free_port

_HERE = Path(__file__).resolve().parent


def load_helpers() -> ModuleType:
    """``otlp_sinks.py`` as a module (test directories are not packages)."""
    name = "pyotelcol_test_otlp_sinks"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, _HERE / "otlp_sinks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def next_port() -> int:
    """A free ephemeral loopback port (fixed ranges collide when test runs overlap)."""
    return free_port()


@pytest.fixture
def h() -> ModuleType:
    return load_helpers()


@pytest.fixture
def port() -> Any:
    return next_port


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return load_helpers().make_pki(tmp_path_factory.mktemp("pki"))
