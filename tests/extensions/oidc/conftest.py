"""The ``issuer`` fixture: a local OIDC provider (see oidc_issuer.py)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def oidc_issuer() -> ModuleType:
    """tests/extensions/oidc/oidc_issuer.py as a module, loaded by path once."""
    name = "pyotelcol_test_oidc_issuer"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("oidc_issuer.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def issuer() -> Iterator[Any]:
    with oidc_issuer().running_issuer() as found:
        yield found
