"""Configuration of the ``probabilistic_sampler`` processor (Go's
``probabilisticsamplerprocessor.Config``)."""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from .sampling import MIN_SAMPLING_PROBABILITY, NUM_HEX_DIGITS

MODES = ("hash_seed", "equalizing", "proportional")
ATTRIBUTE_SOURCES = ("traceID", "record")


def float32(value: float) -> float:
    """``value`` rounded to a Go float32 (too large for one: infinity, as Go converts it)."""
    try:
        return float(struct.unpack("<f", struct.pack("<f", value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


def go_float32_g(value: float) -> str:
    """Go's ``%g`` of a float32: the shortest digits that read back as the same float32."""
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        if float32(float(text)) == value:
            return text
    return f"{value:.9g}"


@dataclass
class Config:
    # The share of spans / log records kept, in percent; 100 and above keep everything.
    sampling_percentage: float = 0.0
    # Salt of the hash_seed mode; collectors in one tier must share it (a uint32).
    hash_seed: int = 0
    # hash_seed (also when unset), proportional or equalizing.
    mode: str = ""
    # Drop items whose randomness is missing or whose sampling information does not parse.
    fail_closed: bool = True
    # Hex digits of the threshold written into the data (1..14).
    sampling_precision: int = 4
    # Logs only: where from_attribute's fallback applies, traceID or record.
    attribute_source: str = "traceID"
    # Logs only: the record attribute hashed when there is no trace ID or the source is record.
    from_attribute: str = ""
    # Logs only: a record attribute holding a minimum sampling percentage.
    sampling_priority: str = ""

    @property
    def percentage32(self) -> float:
        """The percentage as the float32 Go keeps it."""
        return float32(self.sampling_percentage)

    def validate(self) -> None:
        if self.mode not in ("", *MODES):
            # Go rejects it while decoding the config.
            raise ValueError(f'unsupported sampler mode "{self.mode}"')
        if not 0 <= self.hash_seed <= 0xFFFF_FFFF:
            raise ValueError(f"hash_seed must be an unsigned 32-bit integer, got {self.hash_seed}")
        pct = self.percentage32
        if math.isinf(pct) or math.isnan(pct):
            shown = "NaN" if math.isnan(pct) else ("+Inf" if pct > 0 else "-Inf")
            raise ValueError(f"sampling rate is invalid: {shown}%")
        ratio = pct / 100.0
        if ratio < 0:
            raise ValueError(f"sampling rate is negative: {pct:f}%")
        if 0 < ratio < MIN_SAMPLING_PROBABILITY:
            raise ValueError(f"sampling rate is too small: {go_float32_g(pct)}%")
        if self.attribute_source and self.attribute_source not in ATTRIBUTE_SOURCES:
            raise ValueError(f"invalid attribute source: {self.attribute_source}. Expected: traceID or record")
        if self.sampling_precision == 0:
            raise ValueError("invalid sampling precision: 0")
        if self.sampling_precision > NUM_HEX_DIGITS:
            raise ValueError(f"sampling precision is too great, should be <= 14: {self.sampling_precision}")
        if self.sampling_precision < 0:
            # Go accepts a negative precision (thresholds then lose every digit); refused here.
            raise ValueError(f"invalid sampling precision: {self.sampling_precision}")
