"""The same files and receiver configs through Go's filelog (recorded in testdata/go_*.json by
testdata/make_fixtures.py) and through pyotelcol: the records must be the same, observed time
aside."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

TESTDATA = Path(__file__).resolve().parent / "testdata"


def _fixtures() -> Any:
    spec = importlib.util.spec_from_file_location("file_log_make_fixtures", TESTDATA / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("case", ["operators", "multiline", "syslog", "container"])
def test_same_records_as_go(case: str) -> None:
    expected = json.loads((TESTDATA / f"go_{case}.json").read_text())
    got = _fixtures().run_case([sys.executable, "-m", "pyotelcol"], case, expect=len(expected))
    assert got == expected
