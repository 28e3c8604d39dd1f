"""What Go's ``encoding/json`` and ``strconv`` say when they refuse input, so that the receiver can
answer 400 with the same text as the Go collector.

Go checks the syntax of the whole body before decoding anything, then decodes in document order:
an error from a custom decoder (ids, IP addresses, annotation timestamps) stops at once, while a
value of the wrong JSON type is remembered and only the first one is reported at the end.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import ZipkinError

__all__ = [
    "GoNumber",
    "go_quote",
    "load",
    "parse_uint",
    "raw_text",
    "syntax_error",
    "type_error",
    "value_kind",
]

_HEX = re.compile(r"[0-9a-fA-F]{1,16}")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_DEC_DIGITS = frozenset("0123456789")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPES["\v"] = "\\v"


class GoNumber(float):
    """A JSON number that is not an integer literal, with its text kept for error messages
    (Go quotes the literal as written: ``1e3``, ``1.50``)."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> GoNumber:
        number = super().__new__(cls, text)
        number.text = text
        return number


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN/Infinity; Go's does not.
    raise ZipkinError(
        f"invalid character {_quote_char(name[0] if name[0] != '-' else name[1])} {_CONSTANT_CONTEXT[name]}"
    )


_CONSTANT_CONTEXT = {
    "NaN": "looking for beginning of value",
    "Infinity": "looking for beginning of value",
    "-Infinity": "in numeric literal",
}


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote``: printable characters as they are, the rest escaped."""
    out = ['"']
    for ch in text:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def _quote_char(ch: str) -> str:
    # Go's scanner works on bytes: a non-ASCII character shows as its first UTF-8 byte.
    if ch == "'":
        return "'\\''"
    if ch == '"':
        return "'\"'"
    if ord(ch) >= 0x80:
        ch = chr(ch.encode("utf-8", "surrogatepass")[0])
    return "'" + go_quote(ch)[1:-1] + "'"


def load(body: bytes | str) -> Any:
    """``json.loads`` with Go's refusals and error texts; non-integer numbers come back as
    ``GoNumber`` (a float that remembers its literal)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes | bytearray | memoryview) else body
    try:
        return json.loads(text, parse_float=GoNumber, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ZipkinError(syntax_error(exc, text)) from None


def _context(doc: str, pos: int) -> str:
    """'{' or '[': the innermost open container at ``pos`` (strings skipped)."""
    stack: list[str] = []
    in_string = escaped = False
    for ch in doc[:pos]:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            stack.append(ch)
        elif ch in "]}" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _number_error(msg: str, doc: str, pos: int) -> str | None:
    """Go's messages for a malformed number ("1.", "-", "1e"), which Python reports elsewhere."""
    ch = doc[pos]
    after = doc[pos + 1] if pos + 1 < len(doc) else " "
    if msg == "Expecting value" and ch == "-":
        return f"invalid character {_quote_char(after)} in numeric literal"
    if msg.startswith("Expecting ','") and pos > 0 and doc[pos - 1].isdigit():
        if ch == ".":
            return f"invalid character {_quote_char(after)} after decimal point in numeric literal"
        if ch in "eE":
            if after in "+-":
                after = doc[pos + 2] if pos + 2 < len(doc) else " "
            return f"invalid character {_quote_char(after)} in exponent of numeric literal"
    return None


def syntax_error(exc: json.JSONDecodeError, doc: str) -> str:
    """Go's scanner message for the syntax error Python found."""
    pos = exc.pos
    msg = exc.msg
    if msg.startswith("Unterminated string") or not doc[pos:].strip():
        return "unexpected end of JSON input"
    ch = doc[pos]
    number = _number_error(msg, doc, pos)
    if number is not None:
        return number
    if msg.startswith("Unexpected UTF-8 BOM"):
        return f"invalid character {_quote_char(ch)} looking for beginning of value"
    if msg == "Expecting value":
        for literal in ("true", "false", "null"):
            if ch == literal[0]:
                for i, want in enumerate(literal):
                    got = doc[pos + i] if pos + i < len(doc) else " "
                    if got != want:
                        return (
                            f"invalid character {_quote_char(got)} in literal {literal} (expecting {_quote_char(want)})"
                        )
        return f"invalid character {_quote_char(ch)} looking for beginning of value"
    if msg.startswith("Expecting property name"):
        return f"invalid character {_quote_char(ch)} looking for beginning of object key string"
    if msg.startswith("Expecting ':'"):
        return f"invalid character {_quote_char(ch)} after object key"
    if msg.startswith("Expecting ','"):
        where = "after object key:value pair" if _context(doc, pos) == "{" else "after array element"
        return f"invalid character {_quote_char(ch)} {where}"
    if msg.startswith("Extra data"):
        return f"invalid character {_quote_char(ch)} after top-level value"
    if msg.startswith("Invalid control character"):
        return f"invalid character {_quote_char(ch)} in string literal"
    if msg.startswith("Invalid \\u"):
        bad = next((c for c in doc[pos + 2 : pos + 6] if c not in "0123456789abcdefABCDEF"), " ")
        return f"invalid character {_quote_char(bad)} in \\u hexadecimal character escape"
    if msg.startswith("Invalid \\escape"):
        bad = doc[pos + 1] if pos + 1 < len(doc) else " "
        return f"invalid character {_quote_char(bad)} in string escape code"
    return f"invalid character {_quote_char(ch)} looking for beginning of value"


def value_kind(value: Any) -> str:
    """The JSON kind Go names in ``cannot unmarshal <kind> into``."""
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    return "object"


def number_text(value: int | float) -> str:
    return value.text if isinstance(value, GoNumber) else str(value)


def type_error(value: Any, field: str, go_type: str, *, literal: bool = False) -> str:
    """Go's ``UnmarshalTypeError`` text; ``literal``: a number shown as written (integer targets)."""
    kind = value_kind(value)
    if literal and kind == "number":
        kind = f"number {number_text(value)}"
    return f"json: cannot unmarshal {kind} into Go struct field {field} of type {go_type}"


def go_uint(value: Any, bits: int) -> int | None:
    """The value of an integer literal that fits Go's ``uint<bits>``, else None."""
    if type(value) is int and 0 <= value < (1 << bits):
        return value
    return None


def go_int(value: Any, bits: int) -> int | None:
    half = 1 << (bits - 1)
    if type(value) is int and -half <= value < half:
        return value
    return None


def raw_text(value: Any) -> str:
    """The JSON text Go hands to a custom ``UnmarshalJSON`` (strings without their escapes)."""
    if isinstance(value, str):
        return '"' + value + '"'
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return number_text(value)
    return json.dumps(value, separators=(",", ":"))


def parse_uint(text: str, base: int = 16, bits: int = 64) -> int:
    """Go's ``strconv.ParseUint(text, base, bits)`` (base 10 or 16) including its first error."""
    if base == 16 and _HEX.fullmatch(text):
        return int(text, 16)
    digits = _HEX_DIGITS if base == 16 else _DEC_DIGITS
    limit = (1 << bits) - 1
    value = 0
    for ch in text:
        if ch not in digits:
            break
        value = value * base + int(ch, base)
        if value > limit:
            raise ZipkinError(f"strconv.ParseUint: parsing {go_quote(text)}: value out of range")
    else:
        if text:
            return value
    raise ZipkinError(f"strconv.ParseUint: parsing {go_quote(text)}: invalid syntax")
