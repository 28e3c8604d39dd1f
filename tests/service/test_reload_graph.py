"""Which running instances a reload keeps: the graph built against the running one (no sockets,
nothing started)."""

from __future__ import annotations

import logging
from typing import Any

from pyotelcol.component import ID, BuildInfo, PipelineID
from pyotelcol.confmap import load_yaml
from pyotelcol.factories import from_entry_points
from pyotelcol.featuregate import GLOBAL
from pyotelcol.service.config import Config, unmarshal, validate_config
from pyotelcol.service.graph import Graph
from pyotelcol.service.reload import ConfigDiff
from pyotelcol.service.service import NopTelemetry, Service

FACTORIES = from_entry_points()

BASE = """
receivers:
  nop: {{}}
processors:
  batch: {{}}
  attributes/a: {{actions: [{{key: a, value: "1", action: upsert}}]}}
  attributes/b: {{actions: [{{key: b, value: "{b}", action: upsert}}]}}
exporters:
  nop: {{}}
  file: {{path: /dev/null}}
service:
  pipelines:
{pipelines}
"""


def config(pipelines: str, b: str = "1") -> Config:
    cfg = unmarshal(load_yaml(BASE.format(pipelines=pipelines, b=b)), FACTORIES)
    validate_config(cfg, GLOBAL)
    return cfg


def reload_graph(old: str, new: str, new_b: str = "1") -> tuple[Graph, Graph]:
    service = Service(config(old), NopTelemetry(), BuildInfo(), GLOBAL, logging.getLogger())
    cfg = config(new, new_b)
    return service.graph, service._build_against(cfg, ConfigDiff(service.cfg, cfg, {}))


def instance(graph: Graph, *key: Any) -> Any:
    return graph.nodes[key].component


TRACES = PipelineID.parse("traces")
LOGS = PipelineID.parse("logs")
NOP, BATCH = ID.parse("nop"), ID.parse("batch")
A, B = ID.parse("attributes/a"), ID.parse("attributes/b")


def test_a_processor_added_in_front_keeps_the_chain_behind_it() -> None:
    old, new = reload_graph(
        "    traces: {receivers: [nop], processors: [attributes/a, batch], exporters: [nop]}",
        "    traces: {receivers: [nop], processors: [attributes/b, attributes/a, batch], exporters: [nop]}",
    )
    assert instance(new, "processor", TRACES, BATCH) is instance(old, "processor", TRACES, BATCH)
    assert instance(new, "processor", TRACES, A) is instance(old, "processor", TRACES, A)
    assert instance(new, "exporter", TRACES.signal, NOP) is instance(old, "exporter", TRACES.signal, NOP)
    receiver = new.nodes[("receiver", TRACES.signal, NOP)]
    assert receiver.component is instance(old, "receiver", TRACES.signal, NOP)
    assert [inlet for inlet, _ in new.swaps] == [receiver.inlet]  # the receiver is repointed


def test_a_processor_inserted_in_the_middle_replaces_those_before_it() -> None:
    old, new = reload_graph(
        "    traces: {receivers: [nop], processors: [attributes/a, batch], exporters: [nop]}",
        "    traces: {receivers: [nop], processors: [attributes/a, attributes/b, batch], exporters: [nop]}",
    )
    assert instance(new, "processor", TRACES, BATCH) is instance(old, "processor", TRACES, BATCH)
    assert instance(new, "processor", TRACES, A) is not instance(old, "processor", TRACES, A)


def test_a_changed_processor_config_replaces_it_and_an_unchanged_pipeline_is_untouched() -> None:
    pipelines = """    traces: {receivers: [nop], processors: [attributes/b], exporters: [nop]}
    logs: {receivers: [nop], processors: [batch], exporters: [nop]}"""
    old, new = reload_graph(pipelines, pipelines, new_b="2")
    assert instance(new, "processor", TRACES, B) is not instance(old, "processor", TRACES, B)
    assert instance(new, "processor", LOGS, BATCH) is instance(old, "processor", LOGS, BATCH)
    assert new.pipelines[LOGS].head is old.pipelines[LOGS].head
    swapped = [inlet for inlet, _ in new.swaps]
    assert swapped == [new.nodes[("receiver", TRACES.signal, NOP)].inlet]


def test_a_component_partly_kept_is_replaced_as_a_whole() -> None:
    # The file exporter's instances share one output file: when the logs pipeline goes away, the
    # traces one may not keep its instance while the logs one shuts down.
    old, new = reload_graph(
        """    traces: {receivers: [nop], exporters: [file]}
    logs: {receivers: [nop], exporters: [file]}""",
        "    traces: {receivers: [nop], exporters: [file]}",
    )
    file_id = ID.parse("file")
    assert instance(new, "exporter", TRACES.signal, file_id) is not instance(old, "exporter", TRACES.signal, file_id)


def test_nothing_changed_keeps_everything_and_swaps_nothing() -> None:
    pipelines = "    traces: {receivers: [nop], processors: [attributes/a, batch], exporters: [nop, file]}"
    old, new = reload_graph(pipelines, pipelines)
    assert {id(n.component) for n in new.nodes.values()} == {id(n.component) for n in old.nodes.values()}
    assert new.swaps == []
