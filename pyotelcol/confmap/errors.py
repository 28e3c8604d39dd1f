"""The resolve error and the bits of Go formatting its messages need."""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from typing import Any

_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


class ResolveError(Exception):
    """A confmap error; ``str()`` is Go's message without the caller's phase prefix.

    ``at_creation`` is True for errors Go raises while creating the resolver (bad ``--config``
    URIs): the Go collector prints those without the ``failed to get config: cannot resolve the
    configuration: `` prefix it puts in front of every other resolve error.
    """

    def __init__(self, message: str, *, at_creation: bool = False) -> None:
        super().__init__(message)
        self.at_creation = at_creation


def go_quote(s: str) -> str:
    """Go's ``%q`` (strconv.Quote): printable characters verbatim, the rest escaped."""
    out = ['"']
    for ch in s:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif code < 0x80 or 0xDC80 <= code <= 0xDCFF:  # control char, or a surrogate-escaped raw byte
            out.append(f"\\x{code & 0xFF:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def go_type(value: Any) -> str:
    """Go's ``%T`` of the value yaml.v3 would have produced."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if -(2**63) <= value < 2**63 else "uint64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "time.Time"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, dict):
        plain_keys = all(type(k) is str for k in value)  # NonStringKey marks a key YAML did not type as string
        return "map[string]interface {}" if plain_keys else "map[interface {}]interface {}"
    return type(value).__name__


def go_float(f: float) -> str:
    """Go's ``%v`` of a float64: shortest digits, exponent form when the exponent is < -4 or >= 6."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    sign, digits, exp = Decimal(repr(f)).normalize().as_tuple()
    assert isinstance(exp, int)
    ds = "".join(map(str, digits))
    point = len(ds) + exp  # position of the decimal point relative to the digits
    neg = "-" if sign else ""
    if f == 0:
        return neg + "0"
    x = point - 1
    if x < -4 or x >= 6:
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        return f"{neg}{mant}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if point <= 0:
        return f"{neg}0.{'0' * -point}{ds}"
    if point >= len(ds):
        return neg + ds + "0" * (point - len(ds))
    return f"{neg}{ds[:point]}.{ds[point:]}"


def go_key(key: Any) -> str:
    """Go's ``fmt.Sprintf("%v", key)``: how koanf turns non-string YAML map keys into strings."""
    if isinstance(key, str):
        return key
    if key is None:
        return "<nil>"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float):
        return go_float(key)
    if isinstance(key, datetime):
        frac = f".{key.microsecond:06d}".rstrip("0").rstrip(".")
        off = key.strftime("%z") or "+0000"
        return f"{key:%Y-%m-%d %H:%M:%S}{frac} {off} {'UTC' if off == '+0000' else off}"
    return str(key)
