"""Prometheus exposition ↔ OTLP, as Go's ``pkg/translator/prometheus`` and the prometheus receiver
do it. A pure library: no I/O, no collector state.

- ``parse_exposition``: text format 0.0.4 or OpenMetrics 1.0 → ``Sample`` list (prometheus_client's
  parsers).
- ``relabel``: Prometheus relabeling (``relabel_configs`` / ``metric_relabel_configs``).
- ``MetricsBuilder``: one target's samples → one OTLP ``ResourceMetrics``.

The other direction (the ``prometheus`` and ``prometheus_remote_write`` exporters):

- ``naming``: OTLP metric, unit and attribute names → Prometheus names (Go's otlptranslator).
- ``from_otlp``: what both exporters share (label values, ``job``/``instance``, Go's float
  formatting, resource attributes as labels).
- ``to_remote_write``: OTLP metrics → remote-write time series and requests; ``prompb``: the
  remote-write 1.0 protobuf messages; ``client_model``: the protobuf exposition messages.
"""

from __future__ import annotations

from .build import MetricsBuilder, target_resource
from .exposition import STALE_NAN, Sample, is_stale_nan, parse_exposition
from .relabel import RelabelConfig, relabel

__all__ = [
    "STALE_NAN",
    "MetricsBuilder",
    "RelabelConfig",
    "Sample",
    "is_stale_nan",
    "parse_exposition",
    "relabel",
    "target_resource",
]
