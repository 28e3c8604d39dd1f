"""Pure pieces of ``metrics_transform``: Go's ``Regexp.Expand`` for ``new_name`` and the point
merging of ``aggregateutil``."""

from __future__ import annotations

import math

import pytest
from opentelemetry.proto.metrics.v1 import metrics_pb2 as pb
from pyotelcol.processors.metrics_transform.selection import go_expand

from pyotelcol.helpers.aggregateutil import Groups, go_int64
from pyotelcol.helpers.filtermatch import compile_go
from pyotelcol.pdata.pcommon import key_value


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("new.${1}", "new.disk"),
        ("new.$1", "new.disk"),
        ("$1x", ""),  # the name is "1x": no such group
        ("${1}x", "diskx"),
        ("${kind}-${2}", "disk-io"),
        ("$kind.$2", "disk.io"),
        ("cost: $$5", "cost: $5"),
        ("$9", ""),  # no group 9
        ("${01}", ""),  # leading zeros make a name, not a number
        ("${0}", "system.disk.io"),
        ("${1", "${1"),  # malformed: kept as it is
        ("a$", "a$"),
    ],
)
def test_go_expand(template: str, expected: str) -> None:
    match = compile_go(r"^system\.(?P<kind>\w+)\.(\w+)$").search("system.disk.io")
    assert match is not None
    assert go_expand(template, match) == expected


def gauge(*values: float | int, start: int = 5, **attrs: str) -> pb.Metric:
    metric = pb.Metric(name="g", gauge=pb.Gauge())
    for i, value in enumerate(values):
        point = metric.gauge.data_points.add(time_unix_nano=100, start_time_unix_nano=start - i)
        if isinstance(value, int):
            point.as_int = value
        else:
            point.as_double = value
        point.attributes.extend(key_value(k, v) for k, v in attrs.items())
    return metric


def merged(metric: pb.Metric, aggregation: str) -> list[pb.NumberDataPoint]:
    groups = Groups()
    groups.add_metric(metric)
    out = pb.Metric(name="g", gauge=pb.Gauge())
    groups.merge_into(out, aggregation)
    return list(out.gauge.data_points)


@pytest.mark.parametrize(
    ("values", "aggregation", "expected"),
    [
        ((1.0, 2.0, 6.0), "sum", 9.0),
        ((1.0, 2.0, 6.0), "mean", 3.0),
        ((1.0, 2.0, 6.0), "max", 6.0),
        ((1.0, math.nan), "max", math.nan),  # Go's math.Max
        ((1.0, 2.0, 6.0), "min", 1.0),
        ((1.0, 2.0, 6.0, 10.0), "median", 4.0),
        ((1.0, 2.0, 6.0), "count", 3.0),
        ((7.0,), "count", 7.0),  # Go counts only while merging: a lone point keeps its value
        ((1, 2, 4), "mean", 2),  # integer division
        ((-7, 0), "mean", -3),  # truncated toward zero, as Go divides
        ((1, 2, 6, 10), "median", 4),
        ((2**63 - 1, 1), "sum", -(2**63)),  # int64 wraps around
    ],
)
def test_merging_numbers(values: tuple[float, ...], aggregation: str, expected: float) -> None:
    (point,) = merged(gauge(*values), aggregation)
    value = point.as_double if point.WhichOneof("value") == "as_double" else point.as_int
    assert value == expected or (math.isnan(expected) and math.isnan(value))
    assert point.start_time_unix_nano == 5 - (len(values) - 1)  # the earliest start wins


def test_points_with_other_attributes_or_times_stay_apart() -> None:
    metric = gauge(1.0, 2.0, host="a")
    metric.gauge.data_points.extend(gauge(3.0, host="b").gauge.data_points)
    metric.gauge.data_points.add(as_double=4.0, time_unix_nano=200).attributes.append(key_value("host", "a"))
    assert [p.as_double for p in merged(metric, "sum")] == [3.0, 3.0, 4.0]


def test_histograms_add_counts_sums_and_buckets() -> None:
    metric = pb.Metric(name="h", histogram=pb.Histogram(aggregation_temporality=pb.AGGREGATION_TEMPORALITY_CUMULATIVE))
    for count, total in ((2, 3.0), (3, 4.0), (0, 9.0)):
        metric.histogram.data_points.add(
            time_unix_nano=1, count=count, sum=total, explicit_bounds=[1.0], bucket_counts=[count, 0]
        )
    groups = Groups()
    groups.add_metric(metric)
    out = pb.Metric(name="h", histogram=pb.Histogram())
    groups.merge_into(out, "max")  # the aggregation type does not apply to histograms
    (point,) = out.histogram.data_points
    assert (point.count, point.sum, list(point.bucket_counts)) == (5, 7.0, [5, 0])  # empty points are skipped


def test_go_int64() -> None:
    assert go_int64(2.9) == 2 and go_int64(-2.9) == -2
    assert go_int64(math.nan) == go_int64(1e300) == -(2**63)
