"""Typed component configuration: strict decoding, validation, durations, optional sections."""

from .decode import DecodeError, OptionalSection, decode, field_key, validate
from .duration import format_duration, parse_duration

__all__ = ["DecodeError", "OptionalSection", "decode", "field_key", "format_duration", "parse_duration", "validate"]
