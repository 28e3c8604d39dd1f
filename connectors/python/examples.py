"""Functions the ``python`` connector can run as they are (and that its tests use)."""

from __future__ import annotations

from typing import Any

from pyotelcol.pdata import AnyData, Metrics, Traces


def nothing(data: AnyData, config: dict[str, Any]) -> None:
    """Send nothing on."""


def span_count(data: Traces, config: dict[str, Any]) -> Metrics:
    """A ``spans.count`` gauge (or ``config["name"]``) per resource: how many spans it had."""
    metrics = Metrics.empty()
    name = str(config.get("name", "spans.count"))
    for rs in data.resource_spans:
        rm = metrics.resource_metrics.append_empty()
        rs.resource.attributes.copy_to(rm.resource.attributes)
        metric = rm.scope_metrics.append_empty().metrics.append_empty()
        metric.name = name
        point = metric.set_empty_gauge().data_points.append_empty()
        point.as_int = sum(len(ss.spans) for ss in rs.scope_spans)
    return metrics
