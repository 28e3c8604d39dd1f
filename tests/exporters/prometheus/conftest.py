"""Makes ``prometheus_server.py`` (a real Prometheus for the tests) importable by name: test
directories are not packages."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

if "prometheus_server" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "prometheus_server", Path(__file__).with_name("prometheus_server.py")
    )
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["prometheus_server"] = _module
    _spec.loader.exec_module(_module)
