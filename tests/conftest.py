"""Shared fixtures (helpers live in support.py, importable from every test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import MISSING_COMPONENT_TYPES, REAL_CONFIGS_VALID, Collector, wait_for_port


@pytest.fixture
def collector_factory(tmp_path: Path) -> Iterator[Callable[..., Collector]]:
    started: list[Collector] = []

    def start(
        config_text: str | Path,
        wait_ports: tuple[int, ...] = (),
        env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
    ) -> Collector:
        if isinstance(config_text, Path):
            path = config_text
        else:
            path = tmp_path / f"config{len(started)}.yaml"
            path.write_text(config_text)
        col = Collector(path, env, args)
        started.append(col)
        for port in wait_ports:
            wait_for_port(port, col.proc)
        return col

    yield start
    for col in started:
        if col.proc.poll() is None:
            col.proc.kill()
            col.proc.communicate()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many real-world configs validate, and which component types they still need."""
    if REAL_CONFIGS_VALID:
        valid = sum(REAL_CONFIGS_VALID.values())
        terminalreporter.write_line(f"real configs: {valid} of {len(REAL_CONFIGS_VALID)} validate")
    if MISSING_COMPONENT_TYPES:
        terminalreporter.section("component types the real configs need that pyotelcol does not ship")
        for comp, count in MISSING_COMPONENT_TYPES.most_common():
            terminalreporter.write_line(f"{count:3d} configs  {comp}")
