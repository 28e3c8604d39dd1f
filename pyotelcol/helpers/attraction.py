"""Attribute actions shared by the ``attributes`` and ``resource`` processors (Go's
``internal/coreinternal/attraction``).

A list of actions is checked once (``AttrProc.from_actions``, with Go's error messages) and then
applied in order to an attribute ``Map`` (``AttrProc.process``):

- ``insert`` / ``update`` / ``upsert``: set ``key`` from ``value`` (YAML type kept), from another
  attribute (``from_attribute``) or from the client of the request (``from_context``), falling
  back to ``default_value``; insert only adds a missing key, update only changes an existing one.
- ``delete`` / ``hash``: the attribute ``key`` and every attribute whose key matches ``pattern``;
  hash replaces a value with the hex SHA-256 of its bytes (see ``sha2_hash``).
- ``extract``: the named groups of ``pattern`` matched on the string value of ``key`` become
  string attributes.
- ``convert``: ``key``'s value to ``int``, ``double`` or ``string`` when it can be converted.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import re
import struct
from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from .. import client
from ..confmap.errors import go_quote, go_type
from ..pdata.pcommon import Map, Value, ValueType, any_value
from .goregex import GoRegexError, compile_go

__all__ = ["ACTIONS", "ActionKeyValue", "AttrProc", "AttrProcError", "sha2_hash"]

ACTIONS = ("insert", "update", "upsert", "delete", "hash", "extract", "convert")
CONVERSION_TARGETS = ("string", "int", "double")

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_logger = logging.getLogger(__name__)


class AttrProcError(ValueError):
    """An action list Go's ``NewAttrProc`` refuses; ``str()`` is Go's message."""


@dataclass
class ActionKeyValue:
    """One action as configured (Go's ``attraction.ActionKeyValue``)."""

    # The attribute to act on; required except for delete/hash with a pattern.
    key: str = ""
    # The value to set (insert/update/upsert); its YAML type is kept (int, bool, double, string,
    # list, map).
    value: Any = None
    # Used when value/from_attribute/from_context yields nothing (insert/update/upsert).
    default_value: Any = None
    # delete/hash: a regular expression on attribute keys; extract: a regular expression with
    # named groups matched on the value of ``key``.
    pattern: str = ""
    # Take the value from this attribute of the same item.
    from_attribute: str = ""
    # Take the value from the request's client: ``metadata.<key>``, ``auth.<attribute>``,
    # ``client.address``, or a bare metadata key.
    from_context: str = ""
    # convert: int, double or string.
    converted_type: str = ""
    # insert, update, upsert, delete, hash, extract or convert (any case).
    action: str = ""

    def value_source_count(self) -> int:
        return sum((self.value is not None, self.from_attribute != "", self.from_context != ""))


@dataclass(frozen=True, slots=True)
class _Action:
    kind: str
    key: str
    value: AnyValue | None = None
    default: AnyValue | None = None
    from_attribute: str = ""
    from_context: str = ""
    regex: re.Pattern[str] | None = None
    group_names: tuple[str, ...] = ()
    converted_type: str = ""


class AttrProc:
    """A checked list of actions, applied in order by ``process``."""

    __slots__ = ("_actions", "uses_context")

    def __init__(self, actions: tuple[_Action, ...]) -> None:
        self._actions = actions
        # Whether ``process`` needs the request's client (``from_context`` is used).
        self.uses_context = any(a.from_context for a in actions)

    @classmethod
    def from_actions(cls, actions: list[ActionKeyValue]) -> AttrProc:
        """Check ``actions`` as Go's ``NewAttrProc`` does; raises AttrProcError."""
        return cls(tuple(_build(a, i) for i, a in enumerate(actions)))

    def process(self, attrs: Map, info: client.Info | None = None) -> None:
        """Apply every action to ``attrs``; ``info`` is the request's client (default: the
        current one) for ``from_context``."""
        if info is None and self.uses_context:
            info = client.from_context()
        for action in self._actions:
            kind = action.kind
            if kind == "delete":
                attrs.remove(action.key)
                regex = action.regex
                if regex is not None:
                    attrs.remove_if(lambda key, _, regex=regex: regex.search(key) is not None)  # type: ignore[misc]
            elif kind in ("insert", "update", "upsert"):
                _set(action, attrs, info)
            elif kind == "hash":
                _hash(action, attrs)
            elif kind == "extract":
                _extract(action, attrs)
            else:
                current = attrs.get(action.key)
                if current is not None:
                    convert_value(action.key, action.converted_type, current)


# --- building ------------------------------------------------------------------------------------


def _build(a: ActionKeyValue, i: int) -> _Action:
    kind = a.action.lower()
    if kind in ("delete", "hash"):
        if a.key == "" and a.pattern == "":
            raise AttrProcError(
                "error creating AttrProc due to missing required field "
                f'(at least one of "key" and "pattern" have to be used) at the {i}-th action'
            )
    elif a.key == "":
        raise AttrProcError(f'error creating AttrProc due to missing required field "key" at the {i}-th action')

    where = f"error with key {go_quote(a.key)} ({i}-th action): error creating AttrProc"
    sources = a.value_source_count()
    unused_type = f'{where}. Action "{kind}" does not use the "converted_type" field. This must not be specified'
    if kind in ("insert", "update", "upsert"):
        if sources == 0 and a.default_value is None:
            raise AttrProcError(
                f'{where}. Either field "value", "from_attribute", "from_context", or "default_value" must be specified'
            )
        if sources > 1:
            raise AttrProcError(f"{where} due to multiple value sources being set")
        if a.pattern:
            raise AttrProcError(
                f'{where}. Action "{kind}" does not use the "pattern" field. This must not be specified'
            )
        if a.converted_type:
            raise AttrProcError(unused_type)
        value = default = None
        if a.value is not None:
            value = _from_raw(a.value, "")
        if a.default_value is not None:
            default = _from_raw(a.default_value, f"{where} due to invalid default value: ")
        return _Action(
            kind,
            a.key,
            value=value,
            default=default,
            # Go keeps the other sources only when no ``value`` is set.
            from_attribute="" if value is not None else a.from_attribute,
            from_context="" if value is not None else a.from_context,
        )
    if kind in ("delete", "hash"):
        if a.value is not None or a.from_attribute:
            raise AttrProcError(
                f'{where}. Action "{kind}" does not use "value" or "from_attribute" field. These must not be specified'
            )
        regex = _compile(a.pattern, where) if a.pattern else None
        if a.converted_type:
            raise AttrProcError(unused_type)
        return _Action(kind, a.key, regex=regex)
    if kind == "extract":
        if sources > 0:
            raise AttrProcError(
                f'{where}. Action "{kind}" does not use a value source field. These must not be specified'
            )
        if not a.pattern:
            raise AttrProcError(f'{where} due to missing required field "pattern" for action "{kind}"')
        if a.converted_type:
            raise AttrProcError(unused_type)
        regex = _compile(a.pattern, where)
        if regex.groups == 0:
            raise AttrProcError(f'{where}. Field "pattern" contains no named matcher groups')
        names = {index: name for name, index in regex.groupindex.items()}
        if len(names) < regex.groups:
            raise AttrProcError(f'{where}. Field "pattern" contains at least one unnamed matcher group')
        return _Action(kind, a.key, regex=regex, group_names=tuple(names[n] for n in range(1, regex.groups + 1)))
    if kind == "convert":
        if sources > 0 or a.pattern:
            raise AttrProcError(
                f'{where}. Action "{kind}" does not use value sources or "pattern" field. These must not be specified'
            )
        if a.converted_type == "":
            raise AttrProcError(f'{where} due to missing required field "converted_type" for action "{kind}"')
        if a.converted_type not in CONVERSION_TARGETS:
            raise AttrProcError(
                f'{where} due to invalid value "{a.converted_type}" in field "converted_type" for action "{kind}"'
            )
        return _Action(kind, a.key, converted_type=a.converted_type)
    raise AttrProcError(f"{where} due to unsupported action {go_quote(kind)}")


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return compile_go(pattern)
    except GoRegexError:
        raise AttrProcError(f'{where}. Field "pattern" has invalid pattern: "{pattern}"') from None


def _from_raw(raw: Any, prefix: str) -> AnyValue:
    """A config value as an OTLP value, typed as Go's ``Value.FromRaw`` types YAML values."""
    try:
        return any_value(_go_raw(raw))
    except TypeError:
        raise AttrProcError(f"{prefix}<Invalid value type {go_type(raw)}>") from None


def _go_raw(raw: Any) -> Any:
    if isinstance(raw, bool | str | float) or raw is None:
        return raw
    if isinstance(raw, int):
        if _INT64_MIN <= raw <= _INT64_MAX:
            return raw
        if raw < 2**64:  # a uint64 from YAML: Go's FromRaw converts it to int64, wrapping
            return raw - 2**64
        return float(raw)  # beyond uint64, YAML reads the number as a float
    if isinstance(raw, dict):
        return {str(k): _go_raw(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_go_raw(v) for v in raw]
    raise TypeError(type(raw).__name__)


# --- actions -------------------------------------------------------------------------------------


def _set(action: _Action, attrs: Map, info: client.Info | None) -> None:
    source = _source(action, attrs, info)
    if source is None:
        return
    existing = attrs.get(action.key)
    if action.kind == "insert":
        if existing is None:
            attrs.put_copy(action.key, Value(source))
    elif existing is not None:  # update / upsert of a present key
        existing.mutable_proto().CopyFrom(source)
    elif action.kind == "upsert":
        attrs.put_copy(action.key, Value(source))


def _source(action: _Action, attrs: Map, info: client.Info | None) -> AnyValue | None:
    """Go's ``getSourceAttributeValue``: value, else context, else attribute, else default."""
    if action.value is not None:
        return action.value
    if action.from_context and info is not None:
        found = context_value(info, action.from_context)
        if found is not None:
            return AnyValue(string_value=found)
    if action.from_attribute:
        attr = attrs.get(action.from_attribute)
        if attr is not None:
            copy = AnyValue()
            copy.CopyFrom(attr.proto)  # a copy: the map may change before it is stored
            return copy
    return action.default


def context_value(info: client.Info, key: str) -> str | None:
    """The value ``from_context: key`` reads from the request's client (Go's
    ``getAttributeValueFromContext``): several values join with ``;``; None when absent."""
    values: list[str] | tuple[str, ...]
    if key == "client.address":
        values = [client_address(info.addr)]
    elif key.startswith("metadata."):
        values = info.metadata.get_values(key.removeprefix("metadata."))
    elif key.startswith("auth."):
        if not info.auth:
            return None
        getter = getattr(info.auth, "get", None)
        attr = getter(key.removeprefix("auth.")) if callable(getter) else None
        if isinstance(attr, str):
            return attr
        if isinstance(attr, list | tuple) and all(isinstance(v, str) for v in attr):
            values = attr
        else:
            return None  # Go ignores attributes of other types
    else:
        values = info.metadata.get_values(key)  # bare keys are metadata, for compatibility
    if not values:
        return None
    return ";".join(values)


def client_address(addr: str | None) -> str:
    """The client's IP as Go's ``clientutil.Address`` gives it: the IP of ``ip:port``, the
    address as it is otherwise, "" when unknown."""
    if not addr:
        return ""
    host, sep, _ = addr.rpartition(":")
    if sep:
        try:
            return str(ipaddress.ip_address(host.strip("[]")))
        except ValueError:
            pass
    return addr


def _hash(action: _Action, attrs: Map) -> None:
    value = attrs.get(action.key)
    if value is not None:
        sha2_hash(value)
    regex = action.regex
    if regex is not None:
        # As in Go, an attribute named ``key`` that also matches the pattern is hashed twice.
        for key, item in attrs.items():
            if regex.search(key) is not None:
                sha2_hash(item)


def sha2_hash(value: Value) -> None:
    """Replace ``value`` with the lowercase hex SHA-256 of its bytes (Go's ``sha2Hasher``):
    a string's UTF-8, a bool as one byte 1/0, an int as 8 bytes little-endian two's complement,
    a double's IEEE 754 bits as 8 bytes little-endian. Empty values, bytes, maps and slices
    become ""."""
    kind = value.type
    if kind is ValueType.STR:
        data = value.str_value.encode("utf-8", "surrogatepass")
    elif kind is ValueType.BOOL:
        data = b"\x01" if value.bool_value else b"\x00"
    elif kind is ValueType.INT:
        data = struct.pack("<q", value.int_value)
    elif kind is ValueType.DOUBLE:
        data = struct.pack("<d", value.double_value)
    else:
        value.set_str("")
        return
    value.set_str(hashlib.sha256(data).hexdigest())


def _extract(action: _Action, attrs: Map) -> None:
    value = attrs.get(action.key)
    if value is None or value.type is not ValueType.STR:
        return
    assert action.regex is not None
    match = action.regex.search(value.str_value)
    if match is None:
        return
    for name, text in zip(action.group_names, match.groups(), strict=True):
        attrs.put_str(name, text or "")  # a group that took no part in the match is ""


# --- convert -------------------------------------------------------------------------------------

_GO_INT = re.compile(r"[+-]?[0-9]+")
_GO_DECIMAL_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_GO_HEX_FLOAT = re.compile(r"([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+)")
_GO_SPECIAL_FLOAT = re.compile(r"([+-]?)(inf|infinity|nan)", re.IGNORECASE)


def parse_go_int(text: str) -> int | None:
    """Go's ``strconv.ParseInt(text, 10, 64)``; None where Go returns an error."""
    if _GO_INT.fullmatch(text) is None:
        return None
    number = int(text)
    return number if _INT64_MIN <= number <= _INT64_MAX else None


def parse_go_float(text: str) -> float | None:
    """Go's ``strconv.ParseFloat(text, 64)``; None where Go returns an error (out of range too)."""
    special = _GO_SPECIAL_FLOAT.fullmatch(text)
    if special is not None:
        if special.group(2).lower() == "nan":
            return math.nan
        return -math.inf if special.group(1) == "-" else math.inf
    hexa = _GO_HEX_FLOAT.fullmatch(text)
    try:
        if hexa is not None:
            number = float.fromhex(hexa.group(1) + "0x" + hexa.group(2))
        elif _GO_DECIMAL_FLOAT.fullmatch(text) is not None:
            number = float(text)
        else:
            return None
    except OverflowError:
        return None
    return None if math.isinf(number) else number


def _go_float_to_int(number: float) -> int:
    """Go's ``int64(f)`` on amd64: truncation; NaN and out-of-range give the minimum int64."""
    if math.isnan(number) or not (_INT64_MIN <= number < 2**63):
        return _INT64_MIN
    return int(number)


def convert_value(key: str, to: str, value: Value) -> None:
    """Go's ``convertValue``: change ``value``'s type in place when it converts; otherwise leave
    it as it is (logged at debug level)."""
    kind = value.type
    if to == "string":
        if kind is not ValueType.STR:
            value.set_str(value.as_string())
    elif to == "int":
        if kind is ValueType.DOUBLE:
            value.set_int(_go_float_to_int(value.double_value))
        elif kind is ValueType.BOOL:
            value.set_int(1 if value.bool_value else 0)
        elif kind is ValueType.STR:
            number = parse_go_int(value.str_value)
            if number is None:
                _logger.debug("String could not be converted to int: key=%s value=%s", key, value.str_value)
            else:
                value.set_int(number)
        elif kind is not ValueType.INT:
            _logger.debug("Unable to convert type: key=%s from=%s to=int", key, kind.value)
    elif to == "double":
        if kind is ValueType.INT:
            value.set_double(float(value.int_value))
        elif kind is ValueType.BOOL:
            value.set_double(1.0 if value.bool_value else 0.0)
        elif kind is ValueType.STR:
            parsed = parse_go_float(value.str_value)
            if parsed is None:
                _logger.debug("String could not be converted to double: key=%s value=%s", key, value.str_value)
            else:
                value.set_double(parsed)
        elif kind is not ValueType.DOUBLE:
            _logger.debug("Unable to convert type: key=%s from=%s to=double", key, kind.value)
