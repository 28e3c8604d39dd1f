"""Configuration of the ``cumulative_to_delta`` processor (Go's ``cumulativetodeltaprocessor.Config``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from pyotelcol.helpers.filtermatch import FilterSet, RegexpConfig, create_filter_set
from pyotelcol.pdata.pmetric import MetricType

from .tracker import INITIAL_VALUES

# Go's list in its error message, in Go's order.
_VALID_METRIC_TYPES = "[exponentialhistogram histogram sum]"
_METRIC_TYPES = {
    "sum": MetricType.SUM,
    "histogram": MetricType.HISTOGRAM,
    "exponentialhistogram": MetricType.EXPONENTIAL_HISTOGRAM,
}


@dataclass
class MatchMetrics:
    """Which metrics ``include``/``exclude`` select: names (with ``match_type``) and/or kinds."""

    # How ``metrics`` match: ``strict`` or ``regexp``; required with ``metrics``.
    match_type: str = ""
    # Options of ``match_type: regexp`` (a result cache).
    regexp: RegexpConfig | None = None
    # Metric names or patterns.
    metrics: list[str] = field(default_factory=list)
    # Metric kinds: sum, histogram, exponentialhistogram (case-insensitive).
    metric_types: list[str] = field(default_factory=list)
    # Built by ``Config.validate``.
    names: FilterSet | None = field(default=None, metadata={"internal": True}, repr=False, compare=False)
    types: frozenset[MetricType] = field(default=frozenset(), metadata={"internal": True}, repr=False, compare=False)

    def compile(self, where: str) -> None:
        self.names = None
        if self.metrics:
            try:
                self.names = create_filter_set(self.metrics, self.match_type, self.regexp)
            except ValueError as exc:
                raise ValueError(f"invalid {where} filter: {exc}") from None
        self.types = frozenset(_METRIC_TYPES[t.lower()] for t in self.metric_types)


@dataclass
class Config:
    # How long a stream's state lives after its last point; 0 (or less) keeps state forever.
    max_staleness: timedelta = timedelta(hours=1)
    # The first point of a stream: auto, keep or drop.
    initial_value: str = "auto"
    # Only these metrics are converted (all when empty).
    include: MatchMetrics = field(default_factory=MatchMetrics)
    # These metrics are not converted (wins over include).
    exclude: MatchMetrics = field(default_factory=MatchMetrics)

    def validate(self) -> None:
        # Go rejects a bad initial_value while decoding, with this message.
        if self.initial_value not in INITIAL_VALUES:
            raise ValueError(f"unknown initial_value: {self.initial_value}")
        include, exclude = self.include, self.exclude
        if (include.metrics and not include.match_type) or (exclude.metrics and not exclude.match_type):
            raise ValueError("match_type must be set if metrics are supplied")
        if (include.match_type and not include.metrics) or (exclude.match_type and not exclude.metrics):
            raise ValueError("metrics must be supplied if match_type is set")
        for where, match in (("exclude", exclude), ("include", include)):
            for kind in match.metric_types:
                if kind.lower() not in _METRIC_TYPES:
                    raise ValueError(
                        f"found invalid metric type in {where}.metric_types: {kind}. "
                        f"Valid values are {_VALID_METRIC_TYPES}"
                    )
        # Go compiles the filters when it creates the processor; here validate reports them.
        include.compile("include")
        exclude.compile("exclude")
