"""Go's postgresqlreceiver metrics (metadata.yaml) and a builder that emits them as Go's generated
one does in its per-entity resource model: the points recorded since the last resource went out
are emitted under the next resource (a table, a database, an index), metrics in name order, scope
named after Go's package; the server-wide points close the request under a resource without
attributes."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2

from pyotelcol.helpers.metricsconfig import metric_message
from pyotelcol.pdata import Metrics

__all__ = ["METRICS", "SCOPE_NAME", "MetricSpec", "MetricsBuilder"]

SCOPE_NAME = "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/postgresqlreceiver"


@dataclass(frozen=True)
class MetricSpec:
    description: str
    unit: str
    enabled: bool
    is_sum: bool = True
    monotonic: bool = True
    is_double: bool = False


def _gauge(description: str, unit: str, enabled: bool = True) -> MetricSpec:
    return MetricSpec(description, unit, enabled, is_sum=False, monotonic=False)


def _counter(description: str, unit: str, enabled: bool = True) -> MetricSpec:
    return MetricSpec(description, unit, enabled)


def _updown(description: str, unit: str, enabled: bool = True) -> MetricSpec:
    return MetricSpec(description, unit, enabled, monotonic=False)


METRICS: dict[str, MetricSpec] = {
    "postgresql.backends": _updown(
        "The number of backend processes associated with each database. Counts backends across all connection "
        "states (active, idle, idle-in-transaction) and all backend types, including non-client backends such "
        "as autovacuum and parallel workers.",
        "1",
    ),
    "postgresql.bgwriter.buffers.allocated": _counter("Number of buffers allocated.", "{buffers}"),
    "postgresql.bgwriter.buffers.writes": _counter("Number of buffers written.", "{buffers}"),
    "postgresql.bgwriter.checkpoint.count": _counter("The number of checkpoints performed.", "{checkpoints}"),
    "postgresql.bgwriter.duration": MetricSpec(
        "Total time spent writing and syncing files to disk by checkpoints.", "ms", True, is_double=True
    ),
    "postgresql.bgwriter.maxwritten": _counter(
        "Number of times the background writer stopped a cleaning scan because it had written too many buffers.",
        "1",
    ),
    "postgresql.blks_hit": _counter(
        "Number of times disk blocks were found already in the buffer cache.", "{blks_hit}", enabled=False
    ),
    "postgresql.blks_read": _counter("Number of disk blocks read in this database.", "{blks_read}", enabled=False),
    "postgresql.blocks_read": _counter("The number of blocks read.", "1"),
    "postgresql.commits": _counter("The number of commits.", "1"),
    "postgresql.connection.max": _gauge("Configured maximum number of client connections allowed", "{connections}"),
    "postgresql.database.count": _updown("Number of user databases.", "{databases}"),
    "postgresql.db_size": _updown("The database disk usage.", "By"),
    "postgresql.deadlocks": _counter("The number of deadlocks.", "{deadlock}", enabled=False),
    "postgresql.index.scans": _counter("The number of index scans on a table.", "{scans}"),
    "postgresql.index.size": _gauge("The size of the index on disk.", "By"),
    "postgresql.operations": _counter("The number of db row operations.", "1"),
    "postgresql.rollbacks": _counter("The number of rollbacks.", "1"),
    "postgresql.rows": _updown("The number of rows in the database.", "1"),
    "postgresql.sequential_scans": _counter("The number of sequential scans.", "{sequential_scan}", enabled=False),
    "postgresql.table.count": _updown("Number of user tables in a database.", "{table}"),
    "postgresql.table.size": _updown("Disk space used by a table.", "By"),
    "postgresql.table.vacuum.count": _counter("Number of times a table has manually been vacuumed.", "{vacuum}"),
    "postgresql.temp_files": _counter("The number of temp files.", "{temp_file}", enabled=False),
    "postgresql.tup_deleted": _counter(
        "Number of rows deleted by queries in the database.", "{tup_deleted}", enabled=False
    ),
    "postgresql.tup_fetched": _counter(
        "Number of rows fetched by queries in the database.", "{tup_fetched}", enabled=False
    ),
    "postgresql.tup_inserted": _counter(
        "Number of rows inserted by queries in the database.", "{tup_inserted}", enabled=False
    ),
    "postgresql.tup_returned": _counter(
        "Number of rows returned by queries in the database.", "{tup_returned}", enabled=False
    ),
    "postgresql.tup_updated": _counter(
        "Number of rows updated by queries in the database.", "{tup_updated}", enabled=False
    ),
}

Attrs = tuple[tuple[str, str], ...]


class MetricsBuilder:
    def __init__(self, enabled: set[str], version: str) -> None:
        self._enabled = enabled
        self._version = version
        self.start_ns = time.time_ns()
        self._pending: dict[str, list[tuple[int, float, Attrs]]] = {}
        self._request = metrics_service_pb2.ExportMetricsServiceRequest()

    def record(self, name: str, time_ns: int, value: float, attrs: Iterable[tuple[str, str]] = ()) -> None:
        if name in self._enabled:
            self._pending.setdefault(name, []).append((time_ns, value, tuple(attrs)))

    def emit_for_resource(self, resource: Mapping[str, str]) -> None:
        """The points recorded since the last call, under ``resource`` (nothing when none)."""
        pending, self._pending = self._pending, {}
        if not pending:
            return
        rm = self._request.resource_metrics.add()
        for key, value in resource.items():
            rm.resource.attributes.add(key=key, value=common_pb2.AnyValue(string_value=value))
        sm = rm.scope_metrics.add()
        sm.scope.name = SCOPE_NAME
        sm.scope.version = self._version
        for name in sorted(pending):
            sm.metrics.append(self._metric(name, pending[name]))

    def emit(self) -> Metrics:
        """Everything emitted so far, the points still pending under a resource without attributes."""
        self.emit_for_resource({})
        request, self._request = self._request, metrics_service_pb2.ExportMetricsServiceRequest()
        return Metrics(request)

    def _metric(self, name: str, points: list[Any]) -> metrics_pb2.Metric:
        return metric_message(name, METRICS[name], points, self.start_ns)
