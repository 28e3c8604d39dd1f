"""Unit tests of the StatsD line parser and aggregator (pure functions, no sockets)."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from pyotelcol.receivers.statsd._parser import Aggregator, ParseError, go_parse_float, parse_line
from pyotelcol.receivers.statsd.config import Config, TimerHistogramMapping


def test_dogstatsd_line() -> None:
    line = parse_line("page.views:1.5|c|@0.25|#env:prod,region:eu,env:dev|c:abc123|T42", True, False)
    assert (line.name, line.kind, line.value, line.sample_rate) == ("page.views", "c", 1.5, 0.25)
    assert line.counter_value() == 6
    assert line.timestamp == 42 * 10**9
    # the last value of a key wins and keys are sorted, as Go's attribute.Set
    assert line.attrs == (("container.id", "abc123"), ("env", "dev"), ("metric_type", "counter"), ("region", "eu"))


def test_parts_after_an_empty_part_are_ignored_as_in_go() -> None:
    assert parse_line("a:1|c||#k:v", False, False).attrs == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("novalue", "invalid message format: novalue"),
        ("name|c", "invalid <name>:<value> format: name"),
        (":1|c", "empty metric name"),
        ("a:|c", "empty metric value"),
        ("a:1|s", "unsupported metric type: s"),
        ("a:1|c|@x", "parse sample rate: x"),
        ("a:1|c|#k", 'invalid tag format: "k"'),
        ("a:1|c|#:v", 'invalid tag format: ":v"'),
        ("a:1|ms|T5", "only GAUGE and COUNT metrics support a timestamp"),
        ("a:1|g|T-5", "invalid timestamp: -5"),
        ("a:1|g|x", "unrecognized message part: x"),
        ("a:1_0|g", "parse metric value string: 1_0"),
        ("a: 1|g", "parse metric value string:  1"),
        ("a:1e999|g", "parse metric value string: 1e999"),
        ("a:NaN|g", 'discarding metric "a": invalid NaN value'),
        ("a:-Inf|g", 'discarding metric "a": invalid infinite value'),
    ],
)
def test_lines_go_refuses(text: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_line(text, False, False)
    assert str(info.value) == message


def test_go_float_forms() -> None:
    assert go_parse_float("1e3") == 1000
    assert go_parse_float(".5") == 0.5
    assert go_parse_float("-2.") == -2
    assert go_parse_float("0x1p-2") == 0.25
    assert go_parse_float("+Inf") == float("inf")


def flush(cfg: Config, lines: list[str]) -> list[dict[str, Any]]:
    aggregator = Aggregator(cfg, "1.2.3", now_ns=1)
    for text in lines:
        aggregator.add(text, ("10.0.0.1", 5000), now_ns=2)
    return [MessageToDict(r) for r in aggregator.flush(now_ns=3)]


def test_summary_quantiles_are_weighted() -> None:
    cfg = Config(timer_histogram_mapping=[TimerHistogramMapping("timer", "summary")])
    [request] = flush(cfg, ["t:1|ms", "t:2|ms|@0.1", "t:3|ms"])  # 2 weighs 10
    [scope] = request["resourceMetrics"][0]["scopeMetrics"]
    assert scope["scope"]["version"] == "1.2.3"
    [point] = scope["metrics"][0]["summary"]["dataPoints"]
    assert point["count"] == "12"
    quantiles = {q.get("quantile", 0.0): q["value"] for q in point["quantileValues"]}
    assert quantiles == {0.0: 1, 0.1: 2, 0.5: 2, 0.9: 2, 0.95: 3, 1.0: 3}  # Go's default percentiles
    assert (point["startTimeUnixNano"], point["timeUnixNano"]) == ("1", "3")


def test_senders_are_kept_apart_unless_ignore_host() -> None:
    aggregator = Aggregator(Config(), "v", now_ns=1)
    aggregator.add("c:1|c", ("10.0.0.1", 1), now_ns=2)
    aggregator.add("c:1|c", ("10.0.0.2", 1), now_ns=2)
    assert len(aggregator.flush(now_ns=3)) == 2
    shared = Aggregator(Config(ignore_host=True), "v", now_ns=1)
    shared.add("c:1|c", ("10.0.0.1", 1), now_ns=2)
    shared.add("c:1|c", ("10.0.0.2", 1), now_ns=2)
    [request] = shared.flush(now_ns=3)
    assert request.resource_metrics[0].scope_metrics[0].metrics[0].sum.data_points[0].as_int == 2


def test_disabled_observer_drops_timings() -> None:
    # Go still sends the sender's (empty) batch
    assert flush(Config(timer_histogram_mapping=[]), ["t:1|ms", "h:1|h"]) == [{"resourceMetrics": [{}]}]
