"""Go's ``fmt.Sprintf`` for OTTL values (the ``Format`` converter).

Covers the verbs OTTL users write (``%v %s %d %f %e %g %x %X %o %b %t %q %c %U %%``) with
flags, width and precision (``*`` included), and Go's in-band error forms:
``%!d(string=x)`` for a wrong type, ``%!d(MISSING)`` and ``%!(EXTRA int64=1)``.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pyotelcol.ottl.values import (
    duration_nanos,
    format_go_duration,
    go_type_name,
    to_raw,
)
from pyotelcol.pdata.pcommon import Map, Value, ValueSlice

__all__ = ["go_shortest_g", "go_sprint", "go_sprintf"]

_SPEC_RE = re.compile(r"%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d*))?(.)?", re.DOTALL)


def go_shortest_g(value: float) -> str:
    """strconv.FormatFloat(v, 'g', -1, 64) and fmt's %v of a float64: shortest digits, exponent
    form when the decimal exponent is < -4 or >= 6 (``1e+06``, ``1.5e-05``)."""
    return _shortest_g(value, 6)


def _shortest_g(value: float, eprec: int) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign_bit, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    sign = "-" if sign_bit else ""
    exp10 = len(digits) - 1 + int(exponent)
    if exp10 < -4 or exp10 >= eprec:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    if exp10 >= 0:
        whole = digits[: exp10 + 1].ljust(exp10 + 1, "0")
        frac = digits[exp10 + 1 :]
    else:
        whole, frac = "0", "0" * (-exp10 - 1) + digits
    return sign + whole + ("." + frac if frac else "")


def go_sprint(value: Any) -> str:
    """A value as Go's ``%v`` prints it."""
    if isinstance(value, Value):
        value = value.as_raw()
    if isinstance(value, Map | ValueSlice):
        value = to_raw(value)
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _shortest_g(value, 6)
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return "[" + " ".join(str(b) for b in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_sprint(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_sprint(v) for v in value) + "]"
    if isinstance(value, datetime):
        return _go_time_string(value)
    if isinstance(value, timedelta):
        return format_go_duration(duration_nanos(value))
    return str(value)


def _go_time_string(value: datetime) -> str:
    nanos = value.microsecond * 1000 + getattr(value, "_ns", 0)
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    if nanos:
        text += "." + f"{nanos:09d}".rstrip("0")
    offset = value.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    zone = value.tzname() or ""
    if zone in ("", "UTC+00:00"):
        zone = "UTC"
    return f"{text} {sign}{hours:02d}{minutes:02d} {zone}"


def _bad(verb: str, value: Any) -> str:
    if value is None:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({go_type_name(value)}={go_sprint(value)})"


def _pad(text: str, flags: str, width: int | None) -> str:
    if width is None or len(text) >= width:
        return text
    if "-" in flags:
        return text.ljust(width)
    return text.rjust(width)


def _format_int(value: int, verb: str, flags: str, width: int | None, prec: int | None) -> str:
    base_flags = "".join(f for f in flags if f in "-+ #0")
    if prec is not None:
        base_flags = base_flags.replace("0", "")
    if verb == "b":
        digits = format(abs(value), "b")
        if prec is not None:
            digits = digits.zfill(prec)
        if "#" in flags:
            digits = "0b" + digits
        sign = "-" if value < 0 else ("+" if "+" in flags else (" " if " " in flags else ""))
        text = sign + digits
        if "0" in base_flags and "-" not in flags and width:
            text = sign + digits.zfill(width - len(sign))
        return _pad(text, flags, width)
    pyverb = {"d": "d", "x": "x", "X": "X", "o": "o", "O": "o"}[verb]
    digits = format(abs(value), pyverb)
    if prec is not None:
        digits = digits.zfill(prec)
    prefix = ""
    if verb == "O":
        prefix = "0o"
    elif "#" in flags:
        prefix = {"x": "0x", "X": "0X", "o": "0"}.get(verb, "")
        if verb == "o" and digits.startswith("0"):
            prefix = ""
    sign = "-" if value < 0 else ("+" if "+" in flags else (" " if " " in flags else ""))
    if "0" in base_flags and "-" not in flags and width:
        digits = digits.zfill(width - len(sign) - len(prefix))
    return _pad(sign + prefix + digits, flags, width)


def _format_float(value: float, verb: str, flags: str, width: int | None, prec: int | None) -> str:
    if math.isnan(value) or math.isinf(value):
        text = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
        if math.isinf(value) and value > 0 and "+" not in flags:
            text = "Inf" if " " not in flags else " Inf"
        return _pad(text, flags.replace("0", ""), width)
    if verb in "gG" and prec is None:
        text = _shortest_g(value, 6)
        if verb == "G":
            text = text.upper()
        if "+" in flags and value >= 0:
            text = "+" + text
        elif " " in flags and value >= 0:
            text = " " + text
    else:
        spec = "".join(f for f in flags if f in "+ #")
        pyverb = "f" if verb == "F" else verb
        text = ("%" + spec + ("." + str(prec) if prec is not None else "") + pyverb) % value
    if "0" in flags and "-" not in flags and width and len(text) < width:
        sign = text[0] if text[0] in "+- " else ""
        text = sign + text[len(sign) :].zfill(width - len(sign))
    return _pad(text, flags, width)


def _go_quote(text: str) -> str:
    # strconv.Quote: JSON-like escapes, non-printable as \x.. / \u....
    out = json.dumps(text, ensure_ascii=False)
    return re.sub(r"\\u00([0-9a-f]{2})", r"\\x\1", out)


def _format_one(verb: str, flags: str, width: int | None, prec: int | None, arg: Any) -> str:
    if isinstance(arg, Value):
        arg = arg.as_raw()
    if verb == "v":
        if isinstance(arg, int) and not isinstance(arg, bool):
            return _format_int(arg, "d", flags, width, prec)
        if isinstance(arg, float):
            return _format_float(arg, "g", flags, width, prec)
        return _pad(go_sprint(arg), flags, width)
    if verb in "dboOxX" and isinstance(arg, int) and not isinstance(arg, bool):
        return _format_int(arg, verb, flags, width, prec)
    if verb in "xX" and isinstance(arg, str | bytes | bytearray):
        raw = arg.encode("utf-8", "surrogatepass") if isinstance(arg, str) else bytes(arg)
        if prec is not None:
            raw = raw[:prec]
        text = raw.hex()
        if verb == "X":
            text = text.upper()
        return _pad(text, flags, width)
    if verb in "eEfFgG" and isinstance(arg, float):
        return _format_float(arg, verb, flags, width, prec)
    if verb == "s" and isinstance(arg, str | bytes | bytearray):
        text = arg if isinstance(arg, str) else bytes(arg).decode("utf-8", "replace")
        if prec is not None:
            text = text[:prec]
        return _pad(text, flags, width)
    if verb == "s" and isinstance(arg, dict | list | tuple | Map | ValueSlice | datetime | timedelta):
        return _pad(go_sprint(arg), flags, width)
    if verb == "q" and isinstance(arg, str):
        return _pad(_go_quote(arg), flags, width)
    if verb == "t" and isinstance(arg, bool):
        return _pad("true" if arg else "false", flags, width)
    if verb == "c" and isinstance(arg, int) and not isinstance(arg, bool):
        return _pad(chr(arg) if 0 <= arg <= 0x10FFFF else "\ufffd", flags, width)
    if verb == "U" and isinstance(arg, int) and not isinstance(arg, bool):
        return _pad(f"U+{arg:04X}", flags, width)
    return _bad(verb, arg)


def go_sprintf(template: str, args: list[Any]) -> str:
    """Go's ``fmt.Sprintf(template, args...)``."""
    out: list[str] = []
    index = 0
    pos = 0
    while True:
        start = template.find("%", pos)
        if start < 0:
            out.append(template[pos:])
            break
        out.append(template[pos:start])
        match = _SPEC_RE.match(template, start)
        assert match is not None
        flags, width_text, prec_text, verb = match.groups()
        pos = match.end()
        if verb is None:
            out.append("%!(NOVERB)")
            break
        if verb == "%":
            out.append("%")
            continue
        width: int | None = None
        prec: int | None = None
        if width_text == "*":
            if index < len(args) and isinstance(args[index], int):
                width = int(args[index])
                if width < 0:
                    flags += "-"
                    width = -width
            else:
                out.append("%!(BADWIDTH)")
            index += 1
        elif width_text:
            width = int(width_text)
        if prec_text == "*":
            if index < len(args) and isinstance(args[index], int):
                prec = int(args[index])
            else:
                out.append("%!(BADPREC)")
            index += 1
        elif prec_text is not None:
            prec = int(prec_text or "0")
        if index >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        out.append(_format_one(verb, flags, width, prec, args[index]))
        index += 1
    if index < len(args):
        extra = ", ".join("<nil>" if a is None else f"{go_type_name(a)}={go_sprint(a)}" for a in args[index:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)
