"""Shared fixtures (helpers live in support.py, importable from every test)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from support import MISSING_COMPONENT_TYPES, REAL_CONFIGS_VALID, Collector, wait_for_port

#: the collectors a test started through ``collector_factory``, for its failure report
STARTED = pytest.StashKey[list[Collector]]()


@pytest.fixture
def collector_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Collector]]:
    started: list[Collector] = []
    request.node.stash[STARTED] = started

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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test's report ends with the log of each collector it started (stopped first), so
    a failure in CI shows what the collector was doing."""
    report: pytest.TestReport = yield
    if report.failed and call.when == "call":
        started: list[Collector] = item.stash.get(STARTED, [])
        for n, col in enumerate(started):
            if col.proc.poll() is None:
                col.proc.kill()
            try:
                _, err = col.proc.communicate(timeout=10)
            except (ValueError, subprocess.TimeoutExpired):  # already read by the test itself
                continue
            text = err.decode(errors="replace")
            report.sections.append((f"collector {n} stderr (last 6000 characters)", text[-6000:]))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many real-world configs validate, and which component types they still need."""
    if REAL_CONFIGS_VALID:
        valid = sum(REAL_CONFIGS_VALID.values())
        terminalreporter.write_line(f"real configs: {valid} of {len(REAL_CONFIGS_VALID)} validate")
    if MISSING_COMPONENT_TYPES:
        terminalreporter.section("component types the real configs need that pyotelcol does not ship")
        for comp, count in MISSING_COMPONENT_TYPES.most_common():
            terminalreporter.write_line(f"{count:3d} configs  {comp}")
