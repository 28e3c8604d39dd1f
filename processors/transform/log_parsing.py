"""The transform processor's log parsing converters: ParseCEF, ParseCLF, ParseLEEF and ParseELF.

Go registers these only in the transform processor's ``log`` context (they are not part of the
standard OTTL function set). Each takes a string target and returns a map whose keys carry a
format prefix (``cef.``, ``clf.``, ``leef.``, ``elf.``); a message that does not parse is an
execution error.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Callable
from typing import Any

from pyotelcol.confmap.errors import go_quote
from pyotelcol.ottl.functions import CompileError, ExecutionError, FunctionSpec, Getter, Param
from pyotelcol.ottl.values import expect_string

__all__ = ["SPECS", "parse_cef_message", "parse_clf_message", "parse_elf_message", "parse_leef_message"]

Item = Callable[[Any], Any]
LOG_CONTEXT = frozenset({"log"})

# --- CEF (ArcSight Common Event Format) ------------------------------------------------------------

CEF_HEADER_FIELDS = 7
CEF_HEADER_NAMES = (
    "cef.device_vendor",
    "cef.device_product",
    "cef.device_version",
    "cef.device_event_class_id",
    "cef.name",
    "cef.severity",
)
# An extension key is a run of ASCII alphanumerics/underscores followed by "=", at the start of the
# extension or right after a space; its value runs up to the next such key.
CEF_KEY = re.compile(r"(?:^|(?<= ))([A-Za-z0-9_]+)=")
CEF_HEADER_ESCAPES = {"|": "|", "\\": "\\"}
CEF_VALUE_ESCAPES = {"\\": "\\", "=": "=", "n": "\n", "r": "\r"}


def _split_cef_header(message: str) -> list[str]:
    """Split on unescaped pipes: the version field, six header fields, then the rest (extension)."""
    fields: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(message):
        char = message[i]
        if char == "\\" and i + 1 < len(message) and message[i + 1] in "|\\":
            current.append(message[i : i + 2])  # kept escaped; unescaped per field later
            i += 2
            continue
        if char == "|":
            fields.append("".join(current))
            current = []
            if len(fields) == CEF_HEADER_FIELDS:
                fields.append(message[i + 1 :])
                return fields
        else:
            current.append(char)
        i += 1
    fields.append("".join(current))
    if len(fields) < CEF_HEADER_FIELDS:
        raise ExecutionError(
            f"invalid CEF header: expected at least {CEF_HEADER_FIELDS} pipe-delimited fields "
            "(CEF:Version, Device Vendor, Device Product, Device Version, Device Event Class ID, "
            f"Name, Severity), got {len(fields)}"
        )
    return fields


def _unescape(text: str, escapes: dict[str, str]) -> str:
    """Replace ``\\x`` by ``escapes[x]``; any other backslash (and a trailing one) is kept."""
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in escapes:
            out.append(escapes[text[i + 1]])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _parse_cef_extensions(extension: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    keys = list(CEF_KEY.finditer(extension))
    for index, match in enumerate(keys):
        end = keys[index + 1].start() if index + 1 < len(keys) else len(extension)
        value = extension[match.end() : end].rstrip(" ")
        result[match.group(1)] = _unescape(value, CEF_VALUE_ESCAPES)
    return result


def parse_cef_message(message: str) -> dict[str, Any]:
    """Parse a CEF message; text before ``CEF:`` (e.g. a syslog prefix) is skipped, as in Go."""
    start = message.find("CEF:")
    if start == -1:
        raise ExecutionError("invalid CEF message: 'CEF:' not found")
    fields = _split_cef_header(message[start:])
    version = fields[0].removeprefix("CEF:")
    if version == "":
        raise ExecutionError("invalid CEF message: missing version")
    result: dict[str, Any] = {"cef.version": version}
    for name, field in zip(CEF_HEADER_NAMES, fields[1:CEF_HEADER_FIELDS], strict=True):
        result[name] = _unescape(field, CEF_HEADER_ESCAPES)
    extension = fields[CEF_HEADER_FIELDS] if len(fields) > CEF_HEADER_FIELDS else ""
    result["cef.extensions"] = _parse_cef_extensions(extension)
    return result


def build_parse_cef(target: Getter) -> Item:
    def run(tctx: Any) -> dict[str, Any]:
        source = expect_string(target(tctx))
        if source == "":
            raise ExecutionError("cannot parse empty CEF message")
        return parse_cef_message(source)

    return run


# --- CLF (NCSA Common / Combined Log Format) -------------------------------------------------------

CLF_FORMATS = ("clf", "combined")
# Go's RE2 \S is "not one of \t \n \f \r space"; Python's \S would also exclude \v and Unicode spaces.
_TOKEN = r"([^\t\n\f\r ]+)"
# A quoted field may hold backslash escapes (Apache mod_log_config writes \" \\ \n \xhh ...).
_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_CLF = rf"{_TOKEN} {_TOKEN} {_TOKEN} \[([^\]]+)\] {_QUOTED} {_TOKEN} {_TOKEN}"
CLF_PATTERNS = {
    "clf": re.compile(_CLF),
    "combined": re.compile(rf"{_CLF} {_QUOTED} {_QUOTED}"),
}
CLF_ESCAPES = {"\\": b"\\", '"': b'"', "n": b"\n", "t": b"\t", "r": b"\r", "b": b"\b", "f": b"\f", "v": b"\v"}
GO_INT = re.compile(r"[+-]?[0-9]+")
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


def unescape_clf(text: str) -> str:
    r"""Undo Apache's escaping of a quoted field; unknown or broken sequences are kept as they are.

    ``\xhh`` produces a byte, so a run like ``\xc3\xa9`` decodes to one character; bytes that do
    not form UTF-8 become U+FFFD (Go keeps the raw bytes in the string).
    """
    if "\\" not in text:
        return text
    out = bytearray()
    i = 0
    while i < len(text):
        char = text[i]
        if char != "\\" or i + 1 == len(text):
            out += char.encode()
            i += 1
            continue
        following = text[i + 1]
        if following in CLF_ESCAPES:
            out += CLF_ESCAPES[following]
            i += 2
        elif following == "x" and i + 3 < len(text) and all(c in string.hexdigits for c in text[i + 2 : i + 4]):
            out.append(int(text[i + 2 : i + 4], 16))
            i += 4
        else:
            # not an escape: keep the backslash; the next character is read normally
            out += b"\\" + following.encode()
            i += 2
    return out.decode("utf-8", errors="replace")


def _go_int(text: str, what: str) -> int:
    """Go's strconv.ParseInt(text, 10, 64), with its error text."""
    if not GO_INT.fullmatch(text):
        raise ExecutionError(f'invalid {what} "{text}": strconv.ParseInt: parsing "{text}": invalid syntax')
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ExecutionError(f'invalid {what} "{text}": strconv.ParseInt: parsing "{text}": value out of range')
    return value


def parse_clf_message(message: str, log_format: str = "clf") -> dict[str, Any]:
    """Parse one access log line in the ``clf`` or ``combined`` format."""
    match = CLF_PATTERNS[log_format].fullmatch(message.strip())
    if match is None:
        raise ExecutionError(f'invalid CLF message: does not match expected "{log_format}" format')
    groups = match.groups()
    result: dict[str, Any] = {
        "clf.remote_host": groups[0],
        "clf.rfc931": groups[1],
        "clf.auth_user": groups[2],
        "clf.timestamp": groups[3],
    }
    request = unescape_clf(groups[4])
    result["clf.request"] = request
    parts = request.split(" ", 2)
    if len(parts) == 3:
        result["clf.method"], result["clf.request_uri"], result["clf.protocol"] = parts
    result["clf.status"] = _go_int(groups[5], "status code")
    if groups[6] != "-":
        result["clf.bytes"] = _go_int(groups[6], "bytes value")
    if log_format == "combined":
        result["clf.referer"] = unescape_clf(groups[7])
        result["clf.user_agent"] = unescape_clf(groups[8])
    return result


def build_parse_clf(target: Getter, format: str | None = None) -> Item:
    log_format = "clf" if format is None else format
    if log_format not in CLF_FORMATS:
        raise CompileError(f'invalid format "{log_format}": must be "clf" or "combined"')

    def run(tctx: Any) -> dict[str, Any]:
        source = expect_string(target(tctx))
        if source == "":
            raise ExecutionError("cannot parse empty CLF message")
        return parse_clf_message(source, log_format)

    return run


# --- LEEF (IBM QRadar Log Event Extended Format) ---------------------------------------------------

LEEF_HEADER_NAMES = ("leef.vendor", "leef.product.name", "leef.product.version", "leef.event.id")


def _go_hex_decode(text: str) -> bytes:
    """Go's hex.DecodeString, with its error text (every byte is checked before the length)."""
    for byte in text.encode():
        if chr(byte) not in string.hexdigits:
            shown = f" '{chr(byte)}'" if chr(byte).isprintable() else ""
            raise ValueError(f"encoding/hex: invalid byte: U+{byte:04X}{shown}")
    if len(text) % 2:
        raise ValueError("encoding/hex: odd length hex string")
    return bytes.fromhex(text)


def _leef_delimiter(spec: str) -> str:
    if spec == "":
        return "\t"
    if spec[:2] in ("0x", "0X"):
        digits = spec[2:]
        if digits == "":
            raise ExecutionError("invalid LEEF 2.0 delimiter: empty hex value")
        try:
            decoded = _go_hex_decode(digits)
        except ValueError as err:
            raise ExecutionError(f"invalid LEEF 2.0 delimiter: invalid hex delimiter {go_quote(spec)}: {err}") from None
        if len(decoded) != 1:
            raise ExecutionError(
                f"invalid LEEF 2.0 delimiter: hex delimiter must decode to a single byte, got {len(decoded)} bytes"
            )
        # Go splits on the raw byte; a byte >= 0x80 is taken here as the code point U+0080..U+00FF
        return chr(decoded[0])
    if len(spec.encode()) != 1:
        raise ExecutionError(
            "invalid LEEF 2.0 delimiter: delimiter must be a single character or 0x-prefixed hex value, "
            f"got {go_quote(spec)}"
        )
    return spec


def _leef_header(version: str, remainder: str) -> tuple[list[str], str, str]:
    """The four header fields, the attribute delimiter and the attribute text."""
    parts = remainder.split("|", 4 if version == "1.0" else 5)
    if len(parts) < 4:
        raise ExecutionError(
            f"invalid LEEF {version} header: expected at least 4 fields (vendor, product, version, eventID), "
            f"got {len(parts)}"
        )
    if version == "1.0":
        return parts[:4], "\t", parts[4] if len(parts) == 5 else ""
    if len(parts) == 4:
        return parts, "\t", ""
    if "=" in parts[4]:
        # the optional delimiter field is absent: the fifth field is already the first attribute
        return parts[:4], "\t", remainder.split("|", 4)[4]
    return parts[:4], _leef_delimiter(parts[4]), parts[5] if len(parts) == 6 else ""


def parse_leef_message(message: str) -> dict[str, Any]:
    """Parse a LEEF 1.0 or 2.0 message; text before ``LEEF:`` (e.g. a syslog prefix) is skipped."""
    start = message.find("LEEF:")
    if start == -1:
        raise ExecutionError("invalid LEEF message: 'LEEF:' not found")
    version_field, pipe, remainder = message[start:].partition("|")
    if not pipe:
        raise ExecutionError("invalid LEEF message: missing pipe delimiter in header")
    version = version_field.removeprefix("LEEF:")
    if version not in ("1.0", "2.0"):
        raise ExecutionError(f"unsupported LEEF version: {version} (supported: 1.0, 2.0)")
    fields, delimiter, text = _leef_header(version, remainder)
    result: dict[str, Any] = {"leef.version": version}
    result.update(zip(LEEF_HEADER_NAMES, fields, strict=True))
    attributes: dict[str, Any] = {}
    # Lenient like Go: pairs without "=" or with an empty key are skipped, the last duplicate wins,
    # and whitespace is kept.
    for pair in text.split(delimiter) if text else ():
        key, equals, value = pair.partition("=")
        if equals and key:
            attributes[key] = value
    result["leef.attributes"] = attributes
    return result


def build_parse_leef(target: Getter) -> Item:
    def run(tctx: Any) -> dict[str, Any]:
        source = expect_string(target(tctx))
        if source == "":
            raise ExecutionError("cannot parse empty LEEF message")
        return parse_leef_message(source)

    return run


# --- ELF (W3C Extended Log File Format) ------------------------------------------------------------

ELF_DIRECTIVES = {
    "version": "elf.version",
    "software": "elf.software",
    "date": "elf.date",
    "start-date": "elf.start_date",
    "end-date": "elf.end_date",
    "remark": "elf.remark",
}
# The function factory gets no component logger here, so the warnings go to the OTTL logger.
ELF_LOGGER = logging.getLogger("pyotelcol.ottl")
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _elf_values(line: str) -> list[str]:
    """Split a data line on spaces/tabs; a double-quoted value may hold blanks and "" for a quote."""
    values: list[str] = []
    i, size = 0, len(line)
    while i < size:
        while i < size and line[i] in " \t":
            i += 1
        if i >= size:
            break
        if line[i] != '"':
            start = i
            while i < size and line[i] not in " \t":
                i += 1
            values.append(line[start:i])
            continue
        i += 1
        value: list[str] = []
        while True:
            if i >= size:
                raise ExecutionError(f"invalid ELF: unterminated quoted value in data line: {go_quote(line)}")
            if line[i] != '"':
                value.append(line[i])
                i += 1
            elif line[i + 1 : i + 2] == '"':
                value.append('"')
                i += 2
            else:
                i += 1
                break
        values.append("".join(value))
    return values


def _elf_entry(fields: list[str], values: list[str]) -> dict[str, Any]:
    counts = {"field_count": len(fields), "value_count": len(values)}
    for field in fields[len(values) :]:
        ELF_LOGGER.warning(
            "ELF data line has fewer values than fields; substituting '-'", extra={"fields": {"field": field, **counts}}
        )
    if len(values) > len(fields):
        ELF_LOGGER.warning("ELF data line has more values than fields; dropping extra values", extra={"fields": counts})
    return {field: values[i] if i < len(values) else "-" for i, field in enumerate(fields)}


def parse_elf_message(text: str) -> dict[str, Any]:
    """Parse a block of W3C extended log lines: directives, then data lines keyed by ``#Fields``.

    A data line with fewer values than fields gets "-" for the missing ones and extra values
    are dropped; both are logged as warnings, as in Go.
    """
    result: dict[str, Any] = {}
    entries: list[dict[str, Any]] = []
    fields: list[str] = []
    has_version = False
    for raw in LINE_BREAK.split(text):
        line = raw.strip()
        if line == "":
            continue
        if line.startswith("#"):
            key, colon, value = line[1:].partition(":")
            if not colon:
                if line[1:].strip()[:6].lower() == "fields":
                    raise ExecutionError(
                        f"invalid ELF: malformed #Fields directive {go_quote(line)}: "
                        f"directive {go_quote(line)} has no colon separator"
                    )
                continue  # Go skips other directives without a colon (e.g. a bare #Remark)
            key = key.strip().lower()
            if key == "fields":
                fields = value.split()
            elif key in ELF_DIRECTIVES:
                has_version = has_version or key == "version"
                result[ELF_DIRECTIVES[key]] = value.strip()
            continue
        if not fields:
            raise ExecutionError("invalid ELF: data entry found before #Fields directive")
        values = _elf_values(line)
        entries.append(_elf_entry(fields, values))
    if not has_version:
        raise ExecutionError("invalid ELF: missing #Version directive")
    result["elf.entries"] = entries
    result["elf.fields"] = fields
    return result


def build_parse_elf(target: Getter) -> Item:
    def run(tctx: Any) -> dict[str, Any]:
        source = expect_string(target(tctx))
        if source == "":
            raise ExecutionError("cannot parse empty ELF message")
        return parse_elf_message(source)

    return run


SPECS: list[FunctionSpec] = [
    FunctionSpec("ParseCEF", (Param("target", "getter"),), build_parse_cef, LOG_CONTEXT),
    FunctionSpec(
        "ParseCLF",
        (Param("target", "getter"), Param("format", "literal", optional=True)),
        build_parse_clf,
        LOG_CONTEXT,
    ),
    FunctionSpec("ParseLEEF", (Param("target", "getter"),), build_parse_leef, LOG_CONTEXT),
    FunctionSpec("ParseELF", (Param("target", "getter"),), build_parse_elf, LOG_CONTEXT),
]
