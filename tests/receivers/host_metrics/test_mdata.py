"""The metrics builder generated from Go's scraper metadata: attribute selection, aggregation
strategies and resource attribute filters."""

from __future__ import annotations

from typing import Any

from pyotelcol.receivers.host_metrics import mdata
from pyotelcol.receivers.host_metrics.config import parse_scrapers


def _builder(scraper: str, raw: dict[str, Any]) -> mdata.MetricsBuilder:
    cfg = parse_scrapers({scraper: raw})[scraper]
    return mdata.MetricsBuilder(mdata.load_spec(scraper), cfg, "9.9.9", start_time_ns=5)


def _points(builder: mdata.MetricsBuilder) -> dict[str, list[tuple[dict[str, str], float]]]:
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for rm in builder.emit().message.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                data = m.sum if m.HasField("sum") else m.gauge
                for p in data.data_points:
                    attrs = {kv.key: kv.value.string_value for kv in p.attributes}
                    out.setdefault(m.name, []).append((attrs, p.as_double or float(p.as_int)))
    return out


def test_dropped_attributes_merge_by_strategy() -> None:
    for strategy, expected in (("sum", 6.0), ("avg", 2.0), ("min", 1.0), ("max", 3.0)):
        mb = _builder("cpu", {"metrics": {"system.cpu.time": {"attributes": [], "aggregation_strategy": strategy}}})
        for cpu, v in (("cpu0", 1.0), ("cpu1", 2.0), ("cpu2", 3.0)):
            mb.record("system.cpu.time", 10, v, {"cpu": cpu, "state": "user"})
        assert _points(mb)["system.cpu.time"] == [({}, expected)], strategy


def test_points_keep_the_configured_attributes_under_their_names() -> None:
    mb = _builder("cpu", {"metrics": {"system.cpu.frequency": {"enabled": True}}})
    mb.record("system.cpu.frequency", 10, 1e9, {"cpu.frequency": "cpu0"})  # name_override: cpu
    mb.record("system.cpu.time", 10, 1.0, {"cpu": "cpu0", "state": "user"})
    mb.record("system.cpu.time", 10, 2.0, {"cpu": "cpu1", "state": "user"})
    points = _points(mb)
    assert points["system.cpu.frequency"] == [({"cpu": "cpu0"}, 1e9)]
    assert points["system.cpu.time"] == [({"state": "user"}, 3.0)]  # cpu is opt-in: summed
    assert "system.cpu.logical.count" not in points  # nothing recorded, nothing emitted


def test_resource_attribute_filters_and_switches() -> None:
    mb = _builder(
        "process",
        {
            "resource_attributes": {
                "process.executable.name": {"metrics_exclude": [{"regexp": "^kworker"}]},
                "process.owner": {"enabled": False},
            }
        },
    )
    for pid, name in ((1, "systemd"), (2, "kworker/0:1")):
        mb.record("process.memory.usage", 10, 100 * pid)
        mb.emit_for_resource({"process.pid": pid, "process.executable.name": name, "process.owner": "root"}, 7)
    rms = mb.emit().message.resource_metrics
    assert len(rms) == 1
    attrs = {kv.key: kv.value for kv in rms[0].resource.attributes}
    assert set(attrs) == {"process.pid", "process.executable.name"}
    assert attrs["process.pid"].int_value == 1
    assert rms[0].scope_metrics[0].scope.version == "9.9.9"
    assert rms[0].scope_metrics[0].metrics[0].sum.data_points[0].start_time_unix_nano == 7


def test_v1_metrics_are_accepted_and_not_emitted() -> None:
    mb = _builder("process", {"metrics": {"process.cpu.time@v1": {"enabled": True}}})
    assert mb.enabled("process.cpu.time@v1")
    mb.record("process.cpu.time@v1", 10, 1.0, {"cpu.mode": "user"})
    mb.record("process.cpu.time", 10, 1.0, {"state": "user"})
    assert list(_points(mb)) == ["process.cpu.time"]
