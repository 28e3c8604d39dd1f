"""Configuration of the tail_sampling processor: Go's keys, defaults and error messages.

Policies nest as in Go: a top-level policy may be any type, including ``composite``, ``and``,
``not`` and ``drop``; an ``and``/``drop`` sub-policy may also be ``not``; a ``composite``
sub-policy may also be ``and``; a ``not`` sub-policy is one of the plain types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

TRACE_COMPLETE = "trace-complete"
SPAN_INGEST = "span-ingest"
MAX_NUM_SHARDS = 256
TAIL_STORAGE_GATE = "processor.tailsamplingprocessor.tailstorageextension"


@dataclass
class LatencyCfg:
    # Lower bound in milliseconds (exclusive).
    threshold_ms: int = 0
    # Upper bound in milliseconds (inclusive); 0: no upper bound.
    upper_threshold_ms: int = 0


@dataclass
class NumericAttributeCfg:
    key: str = ""
    # 0 means "not set" for both bounds, as in Go.
    min_value: int = 0
    max_value: int = 0
    invert_match: bool = False


@dataclass
class ProbabilisticCfg:
    hash_salt: str = ""
    sampling_percentage: float = 0.0


@dataclass
class StatusCodeCfg:
    status_codes: list[str] = field(default_factory=list)


@dataclass
class StringAttributeCfg:
    key: str = ""
    values: list[str] = field(default_factory=list)
    enabled_regex_matching: bool = False
    cache_max_size: int = 0
    invert_match: bool = False


@dataclass
class RateLimitingCfg:
    spans_per_second: int = 0
    # 0: twice spans_per_second.
    burst_capacity: int = 0


@dataclass
class BytesLimitingCfg:
    bytes_per_second: int = 0
    # 0: twice bytes_per_second.
    burst_capacity: int = 0


@dataclass
class SpanCountCfg:
    min_spans: int = 0
    # 0: no upper bound.
    max_spans: int = 0


@dataclass
class TraceStateCfg:
    key: str = ""
    values: list[str] = field(default_factory=list)


@dataclass
class BooleanAttributeCfg:
    key: str = ""
    value: bool = False
    invert_match: bool = False


@dataclass
class OTTLConditionCfg:
    # "" behaves as propagate: an error fails the policy for that trace.
    error_mode: str = ""
    span: list[str] = field(default_factory=list)
    spanevent: list[str] = field(default_factory=list)


@dataclass
class SharedPolicyCfg:
    """The fields every policy level has: a name, a type and the plain policy types' settings."""

    name: str = ""
    type: str = ""
    latency: LatencyCfg = field(default_factory=LatencyCfg)
    numeric_attribute: NumericAttributeCfg = field(default_factory=NumericAttributeCfg)
    probabilistic: ProbabilisticCfg = field(default_factory=ProbabilisticCfg)
    status_code: StatusCodeCfg = field(default_factory=StatusCodeCfg)
    string_attribute: StringAttributeCfg = field(default_factory=StringAttributeCfg)
    rate_limiting: RateLimitingCfg = field(default_factory=RateLimitingCfg)
    bytes_limiting: BytesLimitingCfg = field(default_factory=BytesLimitingCfg)
    span_count: SpanCountCfg = field(default_factory=SpanCountCfg)
    trace_state: TraceStateCfg = field(default_factory=TraceStateCfg)
    boolean_attribute: BooleanAttributeCfg = field(default_factory=BooleanAttributeCfg)
    ottl_condition: OTTLConditionCfg = field(default_factory=OTTLConditionCfg)


@dataclass
class NotSubPolicyCfg(SharedPolicyCfg):
    pass


@dataclass
class NotCfg:
    not_sub_policy: NotSubPolicyCfg = field(default_factory=NotSubPolicyCfg)


@dataclass
class AndSubPolicyCfg(SharedPolicyCfg):
    not_: NotCfg = field(default_factory=NotCfg, metadata={"key": "not"})


@dataclass
class AndCfg:
    and_sub_policy: list[AndSubPolicyCfg] = field(default_factory=list)


@dataclass
class DropCfg:
    drop_sub_policy: list[AndSubPolicyCfg] = field(default_factory=list)


@dataclass
class CompositeSubPolicyCfg(SharedPolicyCfg):
    and_: AndCfg = field(default_factory=AndCfg, metadata={"key": "and"})


@dataclass
class RateAllocationCfg:
    policy: str = ""
    percent: int = 0


@dataclass
class CompositeCfg:
    max_total_spans_per_second: int = 0
    # Accepted as in Go, where sub-policies run in composite_sub_policy order regardless.
    policy_order: list[str] = field(default_factory=list)
    composite_sub_policy: list[CompositeSubPolicyCfg] = field(default_factory=list)
    rate_allocation: list[RateAllocationCfg] = field(default_factory=list)


@dataclass
class PolicyCfg(SharedPolicyCfg):
    composite: CompositeCfg = field(default_factory=CompositeCfg)
    and_: AndCfg = field(default_factory=AndCfg, metadata={"key": "and"})
    not_: NotCfg = field(default_factory=NotCfg, metadata={"key": "not"})
    drop: DropCfg = field(default_factory=DropCfg)


@dataclass
class DecisionCacheCfg:
    # LRU of sampled trace IDs: late spans of those traces are forwarded; 0 disables it.
    sampled_cache_size: int = 0
    # LRU of not sampled trace IDs: late spans of those traces are dropped; 0 disables it.
    non_sampled_cache_size: int = 0


def _check_unsigned(key: str, value: int, bits: int) -> None:
    """Go declares these fields unsigned; mapstructure refuses values the type cannot hold."""
    if value < 0:
        raise ValueError(f"'{key}' cannot parse value as 'uint{bits}': {value} overflows uint")
    if value >= 2**bits:
        raise ValueError(f"'{key}' cannot parse value as 'uint{bits}': {value} overflows uint{bits}")


@dataclass
class Config:
    decision_wait: timedelta = timedelta(seconds=30)
    decision_wait_after_root_received: timedelta = timedelta(0)
    num_traces: int = 50000
    block_on_overflow: bool = False
    expected_new_traces_per_sec: int = 0
    policies: list[PolicyCfg] = field(default_factory=list)
    decision_cache: DecisionCacheCfg = field(default_factory=DecisionCacheCfg)
    # An extension id; Go only accepts it behind a feature gate this build does not have.
    tail_storage: str | None = None
    sample_on_first_match: bool = False
    sampling_strategy: str = TRACE_COMPLETE
    drop_pending_traces_on_shutdown: bool = False
    maximum_trace_size_bytes: int = 0
    num_shards: int = 1

    def validate(self) -> None:
        from .policies import build_policies  # the policy module imports this one

        if self.sampling_strategy not in (TRACE_COMPLETE, SPAN_INGEST):
            raise ValueError(
                f'invalid sampling_strategy "{self.sampling_strategy}", expected one of '
                f'"{TRACE_COMPLETE}" or "{SPAN_INGEST}"'
            )
        _check_unsigned("num_traces", self.num_traces, 64)
        _check_unsigned("expected_new_traces_per_sec", self.expected_new_traces_per_sec, 64)
        _check_unsigned("maximum_trace_size_bytes", self.maximum_trace_size_bytes, 64)
        _check_unsigned("num_shards", self.num_shards, 32)
        if self.num_shards > MAX_NUM_SHARDS:
            raise ValueError(f"num_shards ({self.num_shards}) must not exceed {MAX_NUM_SHARDS}")
        if self.num_shards > 1 and self.tail_storage is not None:
            raise ValueError("num_shards greater than 1 is not supported with tail_storage")
        if self.tail_storage is not None:
            raise ValueError(
                f"'tail_storage' requires the \"{TAIL_STORAGE_GATE}\" feature gate to be enabled, "
                f"use --feature-gates=+{TAIL_STORAGE_GATE}"
            )
        # Go builds the policies in Start; building them here reports the same errors at validate time.
        build_policies(self.policies, component_name="", logger=None, span_ingest=self.sampling_strategy == SPAN_INGEST)
