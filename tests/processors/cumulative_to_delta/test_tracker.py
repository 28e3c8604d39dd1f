"""The per-stream conversion of ``cumulative_to_delta`` on plain values: Go's tracking rules for
sums, histograms and exponential histograms, initial values, resets and staleness."""

from __future__ import annotations

import math

import pytest
from pyotelcol.processors.cumulative_to_delta.tracker import (
    REASON_BUCKET_MISMATCH,
    REASON_INITIAL,
    REASON_RESET,
    Delta,
    ExpBuckets,
    ExpHistogramValue,
    HistogramValue,
    MetricType,
    Tracker,
)

STARTED = 1_000
SUM = MetricType.SUM
HIST = MetricType.HISTOGRAM
EXP = MetricType.EXPONENTIAL_HISTOGRAM


@pytest.mark.parametrize(
    ("initial", "start", "observed", "expected"),
    [
        ("auto", STARTED + 5, STARTED + 10, Delta(STARTED + 5, 7)),  # started after us: a true delta
        ("auto", STARTED - 5, STARTED + 10, REASON_INITIAL),  # may have been counted before
        ("auto", STARTED + 10, STARTED + 10, REASON_INITIAL),  # start equal to timestamp
        ("auto", 0, STARTED + 10, REASON_INITIAL),  # no start time
        ("keep", 0, STARTED + 10, Delta(0, 7)),
        ("keep", STARTED + 5, STARTED + 10, Delta(0, 7)),  # Go leaves the start time unset
        ("drop", STARTED + 5, STARTED + 10, REASON_INITIAL),
    ],
)
def test_first_point(initial: str, start: int, observed: int, expected: Delta | str) -> None:
    tracker = Tracker(initial, STARTED)
    assert tracker.convert("s", SUM, start, observed, 7) == expected
    # whatever happened to it, the first point is the baseline of the next one
    assert tracker.convert("s", SUM, start, observed + 10, 10) == Delta(observed, 3)
    assert tracker.streams == 1


def test_sums_reset_and_recover() -> None:
    tracker = Tracker("drop", STARTED)
    assert tracker.convert("s", SUM, 1, 100, 10) == REASON_INITIAL
    assert tracker.convert("s", SUM, 1, 200, 15) == Delta(100, 5)
    assert tracker.convert("s", SUM, 1, 300, 4) == REASON_RESET
    assert tracker.convert("s", SUM, 1, 400, 6) == Delta(300, 2)
    assert tracker.convert("f", SUM, 1, 100, 1.5) == REASON_INITIAL
    assert tracker.convert("f", SUM, 1, 200, 2.0) == Delta(100, 0.5)


def test_int_sums_wrap_as_in_go() -> None:
    tracker = Tracker("drop", STARTED)
    tracker.convert("s", SUM, 1, 100, -(2**63))
    out = tracker.convert("s", SUM, 1, 200, 2**63 - 1)
    assert out == Delta(100, -1)


def hist(count: int, total: float, counts: list[int], bounds: list[float] | None = None) -> HistogramValue:
    return HistogramValue(count, total, bounds if bounds is not None else [1.0, 2.0][: len(counts) - 1], counts)


def test_histograms() -> None:
    tracker = Tracker("keep", STARTED)
    first = hist(3, 6.0, [1, 2, 0])
    assert tracker.convert("h", HIST, 1, 100, first) == Delta(0, first)
    assert tracker.convert("h", HIST, 1, 200, hist(5, 10.0, [1, 3, 1])) == Delta(100, hist(2, 4.0, [0, 1, 1]))
    # a bucket went down: reset
    assert tracker.convert("h", HIST, 1, 300, hist(6, 11.0, [0, 5, 1])) == REASON_RESET
    assert tracker.convert("h", HIST, 1, 400, hist(7, 12.0, [1, 5, 1])) == Delta(300, hist(1, 1.0, [1, 0, 0]))
    # other bounds: dropped, becomes the baseline
    other = hist(8, 13.0, [1, 6, 1], [1.0, 5.0])
    assert tracker.convert("h", HIST, 1, 500, other) == REASON_BUCKET_MISMATCH
    assert tracker.convert("h", HIST, 1, 600, hist(9, 14.0, [1, 7, 1], [1.0, 5.0])) == Delta(
        500, hist(1, 1.0, [0, 1, 0], [1.0, 5.0])
    )
    assert tracker.convert("h", HIST, 1, 700, hist(9, 14.0, [9])) == REASON_BUCKET_MISMATCH


def test_histogram_nan_sum_keeps_the_last_real_sum() -> None:
    tracker = Tracker("keep", STARTED)
    tracker.convert("h", HIST, 1, 100, hist(1, 2.0, [1, 0, 0]))
    out = tracker.convert("h", HIST, 1, 200, hist(2, math.nan, [1, 1, 0]))
    assert isinstance(out, Delta) and isinstance(out.value, HistogramValue)
    assert (out.value.count, out.value.sum) == (1, 0.0)
    # the next sum is diffed against 2.0, the last one recorded
    assert tracker.convert("h", HIST, 1, 300, hist(3, 7.0, [1, 1, 1])) == Delta(200, hist(1, 5.0, [0, 0, 1]))


def exp(
    count: int, scale: int, positive: ExpBuckets, zero: int = 0, threshold: float = 0.0, total: float = 0.0
) -> ExpHistogramValue:
    return ExpHistogramValue(count, total, zero, threshold, scale, positive, ExpBuckets())


def test_exponential_histograms() -> None:
    tracker = Tracker("keep", STARTED)
    tracker.convert("e", EXP, 1, 100, exp(3, 2, ExpBuckets(4, [1, 2])))
    # same scale: only the buckets that grew remain
    out = tracker.convert("e", EXP, 1, 200, exp(6, 2, ExpBuckets(3, [1, 1, 4])))
    assert out == Delta(100, exp(3, 2, ExpBuckets(3, [1, 0, 2])))
    # a lower scale: the previous buckets 3, 4, 5 at scale 2 merge into 1 (1) and 2 (1 + 4) first
    out = tracker.convert("e", EXP, 1, 300, exp(8, 1, ExpBuckets(1, [3, 5])))
    assert out == Delta(200, exp(2, 1, ExpBuckets(1, [2])))
    # scale going up is a reset
    assert tracker.convert("e", EXP, 1, 400, exp(9, 2, ExpBuckets(2, [3, 6]))) == REASON_RESET
    # a bucket disappearing is a reset
    assert tracker.convert("e", EXP, 1, 500, exp(9, 2, ExpBuckets(3, [9]))) == REASON_RESET


def test_exponential_histogram_raised_zero_threshold() -> None:
    tracker = Tracker("keep", STARTED)
    tracker.convert("e", EXP, 1, 100, exp(4, 0, ExpBuckets(0, [1, 3]), zero=0, threshold=0.5))
    # a threshold of 1.5 swallows bucket 0 ((1, 2]) at scale 0: its count moves to the zero bucket
    out = tracker.convert("e", EXP, 1, 200, exp(6, 0, ExpBuckets(1, [4]), zero=2, threshold=1.5))
    assert out == Delta(100, exp(2, 0, ExpBuckets(1, [1]), zero=1, threshold=1.5))
    # a zero count lower than the merged previous one: a reset (Go's unsigned subtraction wraps)
    assert tracker.convert("e", EXP, 1, 300, exp(7, 0, ExpBuckets(2, [7]), zero=0, threshold=5.0)) == REASON_RESET


def test_stale_streams_are_forgotten() -> None:
    tracker = Tracker("drop", STARTED)
    tracker.convert("old", SUM, 1, 100, 1)
    tracker.convert("new", SUM, 1, 900, 1)
    assert tracker.remove_stale(500) == 1
    assert tracker.streams == 1
    # the forgotten stream starts over: its next point is a first point again
    assert tracker.convert("old", SUM, 1, 1000, 5) == REASON_INITIAL
    assert tracker.convert("new", SUM, 1, 1000, 5) == Delta(900, 4)
