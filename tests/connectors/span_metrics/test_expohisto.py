"""The exponential histogram helper, checked against the OpenTelemetry Python SDK's bucket
mappings (an independent implementation of the same data-model formulas)."""

from __future__ import annotations

import math
import random

from opentelemetry.sdk.metrics._internal.exponential_histogram.mapping.exponent_mapping import ExponentMapping
from opentelemetry.sdk.metrics._internal.exponential_histogram.mapping.logarithm_mapping import LogarithmMapping

from pyotelcol.helpers.expohisto import MAX_SCALE, ExponentialHistogram, map_to_index


def test_index_mapping_matches_the_sdk() -> None:
    rng = random.Random(3)
    values = [10 ** rng.uniform(-9, 9) for _ in range(300)] + [2.0**e for e in range(-40, 40)]
    for scale in range(-10, MAX_SCALE + 1):
        mapping = LogarithmMapping(scale) if scale > 0 else ExponentMapping(scale)
        assert [map_to_index(v, scale) for v in values] == [mapping.map_to_index(v) for v in values], scale


def test_values_stay_in_their_buckets_while_downscaling() -> None:
    rng = random.Random(5)
    values = [rng.uniform(0.001, 20_000) for _ in range(500)] + [0.0, 0.0]
    hist = ExponentialHistogram(max_size=20)
    for v in values:
        hist.update(v)
    assert hist.count == 502 and hist.zero_count == 2
    assert math.isclose(hist.sum, sum(values)) and hist.min == 0.0 and hist.max == max(values)
    assert len(hist.positive.counts) <= 20 and sum(hist.positive.counts) == 500
    expected = [0] * len(hist.positive.counts)
    for v in values:
        if v:
            expected[map_to_index(v, hist.scale) - hist.positive.offset] += 1
    assert hist.positive.counts == expected
    # the finest scale that fits 20 buckets: one step finer would need more
    lo, hi = map_to_index(min(v for v in values if v), hist.scale + 1), map_to_index(max(values), hist.scale + 1)
    assert hi - lo + 1 > 20


def test_single_value_keeps_the_finest_scale_and_weights() -> None:
    hist = ExponentialHistogram()
    hist.update(250.0, 3)
    assert hist.scale == MAX_SCALE and hist.count == 3 and hist.sum == 750.0
    assert hist.positive.counts == [3] and hist.positive.offset == map_to_index(250.0, MAX_SCALE)
    hist.update(-1.0)
    assert hist.negative.counts == [1] and hist.min == -1.0
