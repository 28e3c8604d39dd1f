"""The network lab fixture: hosts in their own network namespaces (see netlab.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from multihost.netlab import LabUnavailable, NetLab


@pytest.fixture
def netlab(tmp_path: Path) -> Iterator[NetLab]:
    try:
        lab = NetLab(tmp_path)
    except LabUnavailable as exc:
        pytest.skip(f"multi-host tests need network namespaces: {exc}")
    try:
        yield lab
    finally:
        lab.close()
