"""The ``network`` scraper: per-interface counters of /proc/net/dev (filtered by ``include`` /
``exclude`` interface names), TCP connections per state and, opt-in, conntrack counts."""

from __future__ import annotations

import os
from typing import Any

from pyotelcol.pdata import Metrics

from .. import procfs
from ..filterset import create_filter_set
from .base import HostScraper, ScrapeErrors, now_ns

# every state gets a point, zero when no socket is in it (as Go)
_TCP_STATES = (
    "CLOSE_WAIT",
    "CLOSE",
    "CLOSING",
    "ESTABLISHED",
    "FIN_WAIT1",
    "FIN_WAIT2",
    "LAST_ACK",
    "LISTEN",
    "SYN_SENT",
    "SYN_RECV",
    "TIME_WAIT",
)


class NetworkScraper(HostScraper[Any]):
    name = "network"
    metrics_len = 4

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._include = create_filter_set(self.cfg.include.interfaces, self.cfg.include)
        self._exclude = create_filter_set(self.cfg.exclude.interfaces, self.cfg.exclude)

    def _wanted(self, name: str) -> bool:
        return (self._include is None or self._include.matches(name)) and (
            self._exclude is None or not self._exclude.matches(name)
        )

    def collect(self) -> Metrics:
        errors = ScrapeErrors()
        for failed, step in ((4, self._counters), (1, self._connections), (2, self._conntrack)):
            try:
                step()
            except Exception as exc:
                errors.add(failed, str(exc))
        return errors.raise_if_any(self.mb.emit())

    def _counters(self) -> None:
        now = now_ns()
        try:
            counters = procfs.parse_net_dev(procfs.read_text(self.paths.in_proc("net", "dev")))
        except (OSError, ValueError) as exc:
            raise RuntimeError(f"failed to read network IO stats: {exc}") from exc
        record = self.mb.record
        for name, c in counters.items():
            if not self._wanted(name):
                continue
            tx, rx = {"device": name, "direction": "transmit"}, {"device": name, "direction": "receive"}
            record("system.network.packets", now, c.packets_sent, tx)
            record("system.network.packets", now, c.packets_recv, rx)
            record("system.network.dropped", now, c.dropout, tx)
            record("system.network.dropped", now, c.dropin, rx)
            record("system.network.errors", now, c.errout, tx)
            record("system.network.errors", now, c.errin, rx)
            record("system.network.io", now, c.bytes_sent, tx)
            record("system.network.io", now, c.bytes_recv, rx)

    def _connections(self) -> None:
        if not self.mb.enabled("system.network.connections"):
            return
        now = now_ns()
        counts = dict.fromkeys(_TCP_STATES, 0)
        try:
            for table in ("tcp", "tcp6"):
                path = self.paths.in_proc("net", table)
                if os.path.exists(path):
                    for state in procfs.parse_tcp_states(procfs.read_text(path)):
                        counts[state] = counts.get(state, 0) + 1
        except OSError as exc:
            raise RuntimeError(f"failed to read TCP connections: {exc}") from exc
        for state, count in counts.items():
            self.mb.record("system.network.connections", now, count, {"protocol": "tcp", "state": state})

    def _conntrack(self) -> None:
        if not self.enabled("system.network.conntrack.count", "system.network.conntrack.max"):
            return
        now = now_ns()
        base = self.paths.in_proc("sys", "net", "netfilter")
        try:
            count = int(procfs.read_text(os.path.join(base, "nf_conntrack_count")).strip())
            limit = int(procfs.read_text(os.path.join(base, "nf_conntrack_max")).strip())
        except (OSError, ValueError) as exc:
            raise RuntimeError(f"failed to read conntrack info: {exc}") from exc
        self.mb.record("system.network.conntrack.count", now, count)
        self.mb.record("system.network.conntrack.max", now, limit)
